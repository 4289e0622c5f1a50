// The JavaScript boundary of the engine (wasm/*_bindings.cpp, all checking
// arguments with wasm/js_args.h) under hostile input: every Embind entry point is
// fed wrong types, wrong sizes, NaN, negative and huge indices, out-of-range
// options and garbage bytes, first from a table and then from a seeded random
// loop. Each bad call must throw a JavaScript Error with a clear message (not
// abort, trap or return garbage), and afterwards a model nobody touched must
// predict exactly what it did before. Also: the wasm heap stays flat across
// thousands of calls and handle create/delete cycles, divergence at an absurd
// learning rate is caught in the step and undone, and a 500-step training
// sample shows no heap growth after warm-up (bench/soak.mjs runs the long one).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

const repo = (path) => new URL(`../../${path}`, import.meta.url);

// mulberry32: a small seeded PRNG, so a failing random case can be replayed.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function images(n, seed, per = 784) {
  const random = prng(seed);
  return Float32Array.from({ length: n * per }, random);
}

const heapBytes = (m) => m.HEAP8.buffer.byteLength;

// A call that must be refused: an Error with a message that says something,
// and not a trap or an abort (those are Errors too, but the module is dead).
function assertRefused(call, what, pattern) {
  let thrown;
  try {
    const value = call();
    thrown = { returned: value };
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error, `${what}: expected an Error, got ${thrown?.returned !== undefined ? `a return value ${show(thrown.returned)}` : show(thrown)}`);
  assert.ok(!(thrown instanceof WebAssembly.RuntimeError) && !/^Aborted|unreachable|out of bounds/.test(thrown.message),
    `${what}: the module crashed: ${thrown.message}`);
  assert.ok(thrown.message.length >= 8 && !/unknown engine error/.test(thrown.message), `${what}: unclear message '${thrown.message}'`);
  if (pattern) assert.match(thrown.message, pattern, what);
  return thrown;
}

function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length})`;
  if (typeof v === 'object' && v !== null && typeof v.$$ === 'object') return `an Embind ${v.constructor.name}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

describe('the engine module at its JavaScript boundary (cnn-simd)', () => {
  let m;
  let sentinel; // never passed to a hostile call: its predictions must never change
  let sentinelInput;
  let sentinelOutput;
  let modelBytes;
  let mnist; // { png, labels } of the test split

  const assertAlive = (what) => assert.deepEqual(sentinel.predict(sentinelInput), sentinelOutput, `module still works after: ${what}`);

  before(async () => {
    const { default: createEngine } = await import(repo('web/engine/cnn-simd.mjs'));
    m = await createEngine({ wasmBinary: await readFile(repo('web/engine/cnn-simd.wasm')) });
    sentinel = new m.Model('lenet5', 4);
    sentinel.init(11, 'he');
    sentinelInput = images(3, 1);
    sentinelOutput = sentinel.predict(sentinelInput);
    modelBytes = sentinel.save();
    mnist = {
      png: new Uint8Array(await readFile(repo('web/data/mnist/test-images.png'))),
      labels: new Uint8Array(await readFile(repo('web/data/mnist/test-labels.idx'))),
    };
  });
  after(() => sentinel?.delete());

  test('every entry point refuses hostile arguments with a clear Error', () => {
    const model = new m.Model('lenet5', 8);
    const data = m.Data.fromArrays(images(4, 2), new Uint8Array([0, 1, 2, 3]), { c: 1, h: 28, w: 28 });
    const training = new m.Training(model, data, { batchSize: 4 });
    const shape = { c: 1, h: 28, w: 28 };
    const nanImage = images(1, 3);
    nanImage[400] = NaN;
    const corrupt = modelBytes.slice();
    corrupt[modelBytes.length - 9] ^= 1;
    const made = [];
    const keep = (h) => (made.push(h), h);
    // Indices that Embind's `int` conversion (value | 0, unchecked) used to
    // turn into a valid index silently.
    const notIndices = [NaN, 1.5, -0.5, true, '1', undefined, null, {}, [], 2 ** 32, 2 ** 31, -(2 ** 31) - 1, Infinity, 1n];
    const cases = [
      ['Model: spec not a string', () => keep(new m.Model(42, 8))],
      ['Model: spec empty', () => keep(new m.Model('', 8)), /input/],
      ['Model: a one-line spec asking for terabytes', () => keep(new m.Model('input 64x1024x1024\nconv 4096 k=1', 8)), /limit/],
      ['Model: a network over the memory budget at its batch', () => keep(new m.Model('resnet-mini', 4096)), /MiB/],
      ['Model: spec with a NUL and binary', () => keep(new m.Model('input 1x28x28\0\xff\ndense 10', 8))],
      ['fromBytes: garbage', () => keep(m.Model.fromBytes(new Uint8Array(1000).fill(0xa5), 8)), /not a model file/],
      ['fromBytes: flipped weight byte', () => keep(m.Model.fromBytes(corrupt, 8)), /checksum/],
      ['fromBytes: a Float32Array', () => keep(m.Model.fromBytes(new Float32Array(10), 8)), /Uint8Array/],
      ['fromBytes: an ArrayBuffer', () => keep(m.Model.fromBytes(modelBytes.buffer, 8)), /Uint8Array/],
      ['loadWeights: garbage', () => model.loadWeights(new Uint8Array(3)), /not a model file/],
      ['loadWeights: null', () => model.loadWeights(null), /Uint8Array/],
      ['predict: NaN pixel', () => model.predict(nanImage), /NaN/],
      ['predict: -Infinity', () => model.predict(new Float32Array(784).fill(-Infinity)), /infinity/],
      ['predict: one value short', () => model.predict(new Float32Array(784 * 2 - 1)), /multiple of 784/],
      ['predict: Uint8Array', () => model.predict(new Uint8Array(784)), /Float32Array/],
      ['predict: undefined', () => model.predict(undefined), /Float32Array/],
      ['activation: layer -1', () => model.activation(-1, 0), /layer index -1 is out of range/],
      ['activation: sample -1', () => model.activation(0, -1), /sample index/],
      ['activation: sample = max batch', () => model.activation(0, 8), /sample index/],
      ['layerParams: layer 11 of 11', () => model.layerParams(11), /out of range 0\.\.10/],
      ['setParams: Float64Array', () => model.setParams(new Float64Array(61706)), /Float32Array/],
      ['setParams: Infinity', () => model.setParams(new Float32Array(61706).fill(Infinity)), /infinity/],
      ['setFrozen: not a boolean', () => model.setFrozen(0, 'yes'), /true or false/],
      ['setFrozen: layer 99', () => model.setFrozen(99, true), /out of range/],
      ['init: NaN seed', () => model.init(NaN, 'he'), /seed/],
      ['init: 2^53 + 2 seed', () => model.init(2 ** 53 + 2, 'he'), /seed/],
      ['init: scheme not a string', () => model.init(1, 5)],
      ['Data: labels not IDX', () => keep(new m.Data(mnist.png, new Uint8Array(20))), /IDX1/],
      ['Data: label count disagrees with the file', () => keep(new m.Data(mnist.png, mnist.labels.subarray(0, 108))), /holds/],
      ['Data: sprite for 10,000 with 100 labels', () => keep(new m.Data(mnist.png, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 100, ...new Uint8Array(100)]))), /2800x2800/],
      ['Data: PNG cut in half', () => keep(new m.Data(mnist.png.subarray(0, mnist.png.length >> 1), mnist.labels)), /cannot decode/],
      ['Data: png as a string', () => keep(new m.Data('png', mnist.labels)), /Uint8Array/],
      ['fromArrays: pixel above 1', () => keep(m.Data.fromArrays(new Float32Array(784).fill(2), new Uint8Array([1]), shape)), /\[0, 1\]/],
      ['fromArrays: shape h 0', () => keep(m.Data.fromArrays(images(1, 4), new Uint8Array([1]), { c: 1, h: 0, w: 28 })), /h/],
      ['fromArrays: shape null', () => keep(m.Data.fromArrays(images(1, 4), new Uint8Array([1]), null))],
      ['fromArrays: no labels', () => keep(m.Data.fromArrays(new Float32Array(0), new Uint8Array(0), shape)), /at least one/],
      ['image: index = count', () => data.image(4), /out of range/],
      ['label: index -1', () => data.label(-1), /out of range/],
      ['head: -5 images', () => keep(data.head(-5)), /head count/],
      ['Training: options null', () => keep(new m.Training(model, data, null)), /must be an object/],
      ['Training: learningRate as a string', () => keep(new m.Training(model, data, { learningRate: '0.1' })), /learningRate/],
      ['Training: learningRate 1e4', () => keep(new m.Training(model, data, { learningRate: 1e4 })), /learningRate/],
      ['Training: momentum 1', () => keep(new m.Training(model, data, { momentum: 1 })), /momentum/],
      ['Training: weightDecay -1', () => keep(new m.Training(model, data, { weightDecay: -1 })), /weightDecay/],
      ['Training: unknown schedule', () => keep(new m.Training(model, data, { schedule: 'exp' })), /schedule/],
      ['Training: seed 1.5', () => keep(new m.Training(model, data, { seed: 1.5 })), /seed/],
      ['Training: nesterov 2', () => keep(new m.Training(model, data, { nesterov: 2 })), /nesterov/],
      ['Training: a Data as the model', () => keep(new m.Training(data, data, {}))],
      ['Training: deleted model', () => { const gone = new m.Model('lenet5', 8); gone.delete(); return keep(new m.Training(gone, data, {})); }],
      ['Training: empty data set', () => keep(new m.Training(model, keep(data.head(0)), {})), /empty/],
      ['Training: images of another shape', () => keep(new m.Training(model, keep(m.Data.fromArrays(images(1, 5, 64), new Uint8Array([0]), { c: 1, h: 8, w: 8 })), {})), /1x8x8/],
      ['step: 100001 steps', () => training.step(100001), /steps/],
      ['setOptions: batchSize 9 > maxBatch 8', () => training.setOptions({ batchSize: 9 }), /batchSize/],
      ['setOptions: optimizer 7', () => training.setOptions({ optimizer: 7 }), /optimizer/],
      ['setAugment: not an object', () => training.setAugment('heavy')],
      ['setAugment: NaN rotation', () => training.setAugment({ rotation: NaN }), /rotation/],
      ['setAugment: shift 1e9', () => training.setAugment({ shift: 1e9 }), /shift/],
      ['setAugment: scaleMin > scaleMax', () => training.setAugment({ scaleMin: 2, scaleMax: 1 }), /scale/],
      ['setAugment: unknown key', () => training.setAugment({ wobble: 1 }), /wobble/],
      ['evaluate: a Training as the data', () => m.evaluate(model, training, -1)],
      ['evaluate: images of another shape', () => m.evaluate(model, keep(m.Data.fromArrays(images(2, 5, 3 * 32 * 32), new Uint8Array([0, 1]), { c: 3, h: 32, w: 32 })), -1), /3x32x32/],
      ['evaluate: more classes than outputs', () => m.evaluate(keep(new m.Model('input 1x28x28\ndense 4', 8)), data, -1), /4 outputs for 10 classes/],
      ['evaluate: limit "all"', () => m.evaluate(model, data, 'all'), /limit/],
      ...notIndices.flatMap((bad) => [
        [`activation: layer ${show(bad)}`, () => model.activation(bad, 0), /layer index/],
        [`activation: sample ${show(bad)}`, () => model.activation(0, bad), /sample index/],
        [`layerParams: ${show(bad)}`, () => model.layerParams(bad), /layer index/],
        [`setFrozen: layer ${show(bad)}`, () => model.setFrozen(bad, false), /layer index/],
        [`image: ${show(bad)}`, () => data.image(bad), /image index/],
        [`label: ${show(bad)}`, () => data.label(bad), /image index/],
        [`head: ${show(bad)}`, () => keep(data.head(bad)), /head count/],
        [`step: ${show(bad)}`, () => training.step(bad), /steps/],
        [`evaluate: limit ${show(bad)}`, () => m.evaluate(model, data, bad), /limit/],
        [`Model: max batch ${show(bad)}`, () => keep(new m.Model('lenet5', bad)), /max batch/],
        [`fromBytes: max batch ${show(bad)}`, () => keep(m.Model.fromBytes(modelBytes, bad)), /max batch/],
        [`Training: batchSize ${show(bad)}`, () => keep(new m.Training(model, data, { batchSize: bad })), /batchSize/],
      ]).filter(([what]) => !/undefined/.test(what) || !/batchSize/.test(what)), // an undefined option means "the default"
    ];
    if (m.augmentPreview) {
      cases.push(
        ['augmentPreview: image of another size', () => m.augmentPreview(images(1, 6, 100), shape, {}, 1, 4), /values/],
        ['augmentPreview: count 0', () => m.augmentPreview(images(1, 6), shape, {}, 1, 0), /count/],
        ['augmentPreview: NaN seed', () => m.augmentPreview(images(1, 6), shape, {}, NaN, 4), /seed/],
        ['augmentPreview: unknown option', () => m.augmentPreview(images(1, 6), shape, { wobble: 1 }, 1, 4)],
        ['transformImages: scale 0', () => m.transformImages(images(2, 7), shape, { scale: 0 }), /scale/],
        ['transformImages: NaN pixel', () => m.transformImages(nanImage, shape, {}), /NaN/],
        ['transformImages: shape as an array', () => m.transformImages(images(1, 7), [1, 28, 28], {})],
      );
    }
    try {
      for (const [what, call, pattern] of cases) {
        assertRefused(call, what, pattern);
        assertAlive(what);
      }
      // What was refused changed nothing: the model still predicts, training still steps.
      assert.equal(model.predict(images(1, 8)).length, 10);
      assert.equal(training.step(2).steps, 2);
    } finally {
      for (const h of [...made, training, data, model]) if (!h.isDeleted()) h.delete();
    }
  });

  test('a seeded random barrage of calls: every call returns well-formed or throws an Error', () => {
    const seed = 20240601;
    const random = prng(seed);
    const pick = (list) => list[Math.floor(random() * list.length)];
    const model = new m.Model('lenet5', 8);
    const small = new m.Model('input 1x8x8\nconv 2 k=3\nbatchnorm\nmaxpool 2\ndense 3', 4);
    const data = m.Data.fromArrays(images(6, 9), new Uint8Array([0, 1, 2, 3, 4, 5]), { c: 1, h: 28, w: 28 });
    const training = new m.Training(model, data, { batchSize: 2 });
    const garbage = Uint8Array.from({ length: 300 }, () => Math.floor(random() * 256));
    const flipped = modelBytes.slice();
    flipped[20] ^= 4;
    const values = [
      undefined, null, NaN, Infinity, -Infinity, 0, 1, 2, 3, -1, 1.5, -0.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e308, -1e308,
      5e-324, true, false, '', '1', 'he', 'lenet5', 'sgd', 'input 1x8x8\ndense 3', 'input 1x28x28\nconv 9999 k=64', {}, [],
      [1, 2, 3], { c: 1, h: 28, w: 28 }, { c: 1, h: 8, w: 8 }, { c: 9, h: -1, w: 'x' }, { learningRate: 1e3 }, { batchSize: 0 },
      { optimizer: 'adam', learningRate: 0.01, batchSize: 2 }, { rotation: 30, scale: 1.2 }, 1n, Symbol('s'), () => 1,
      new ArrayBuffer(16), new Float32Array(0), new Float32Array(784), images(1, 10), images(2, 11), images(1, 12, 64),
      new Float32Array(784).fill(NaN), new Float64Array(784), new Uint8Array(0), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 2]),
      garbage, modelBytes, flipped, mnist.labels, model, small, data, training,
    ];
    const entries = {
      'new Model': (a, b) => new m.Model(a, b),
      'Model.fromBytes': (a, b) => m.Model.fromBytes(a, b),
      'new Data': (a, b) => new m.Data(a, b),
      'Data.fromArrays': (a, b, c) => m.Data.fromArrays(a, b, c),
      'new Training': (a, b, c) => new m.Training(a, b, c),
      evaluate: (a, b, c) => m.evaluate(a, b, c),
      'model.loadWeights': (a) => pick([model, small]).loadWeights(a),
      'model.predict': (a) => pick([model, small]).predict(a),
      'model.activation': (a, b) => pick([model, small]).activation(a, b),
      'model.layerParams': (a) => pick([model, small]).layerParams(a),
      'model.setParams': (a) => pick([model, small]).setParams(a),
      'model.setFrozen': (a, b) => pick([model, small]).setFrozen(a, b),
      'model.init': (a, b) => pick([model, small]).init(a, b),
      'data.image': (a) => data.image(a),
      'data.label': (a) => data.label(a),
      'data.head': (a) => data.head(a),
      'training.step': (a) => training.step(typeof a === 'number' && a > 3 && a < 1e6 ? 3 : a), // bounded work
      'training.setOptions': (a) => training.setOptions(a),
    };
    if (m.augmentPreview) {
      entries.augmentPreview = (a, b, c, d, e) => m.augmentPreview(a, b, c, d, typeof e === 'number' && e > 16 && e < 2000 ? 16 : e);
      entries.transformImages = (a, b, c) => m.transformImages(a, b, c);
    }
    const names = Object.keys(entries);
    const handleTypes = ['Model', 'Data', 'Training'].map((t) => m[t]);
    const deadline = performance.now() + 4000;
    let calls = 0;
    let refused = 0;
    try {
      while (performance.now() < deadline && calls < 50000) {
        const name = pick(names);
        const args = Array.from({ length: 5 }, () => pick(values));
        const what = `call ${calls} (seed ${seed}): ${name}(${args.slice(0, entries[name].length).map(show).join(', ')})`;
        let result;
        try {
          result = entries[name](...args);
        } catch (e) {
          assertRefused(() => { throw e; }, what);
          refused++;
        }
        calls++;
        // A value that came back must be well-formed for its entry point.
        if (handleTypes.some((T) => result instanceof T)) {
          assert.ok(!result.isDeleted(), what);
          if (result instanceof m.Model) assert.ok(result.classes() >= 1, what);
          if (result instanceof m.Data) assert.ok(result.count() >= 0, what);
          result.delete();
        } else if (result instanceof Float32Array) {
          assert.ok(result.every(Number.isFinite), `${what}: returned non-finite values`);
        } else if (name === 'training.step' && result) {
          assert.ok(Number.isFinite(result.loss) && result.steps >= 0, `${what}: ${JSON.stringify(result)}`);
        }
        if (calls % 200 === 0) assertAlive(what);
      }
      assertAlive(`${calls} random calls`);
      assert.ok(calls > 1000, `only ${calls} calls in the time allowed`);
      assert.ok(refused > calls / 3, `most random calls should be refused: ${refused} of ${calls}`);
    } finally {
      for (const h of [training, data, small, model]) if (!h.isDeleted()) h.delete();
    }
  });

  test('the wasm heap stays flat across thousands of calls and handle cycles', () => {
    const model = new m.Model('lenet5', 16);
    const data = m.Data.fromArrays(images(32, 13), Uint8Array.from({ length: 32 }, (_, i) => i % 10), { c: 1, h: 28, w: 28 });
    const x = images(4, 14);
    const nan = images(64, 15);
    nan[nan.length - 1] = NaN;
    const big = modelBytes.slice();
    big[big.length - 1] ^= 0xff; // a 250 KB file that fails its checksum: copied in, then refused
    const cycle = () => {
      for (let i = 0; i < 10; i++) model.predict(x);
      model.activation(1, 0);
      model.layerParams(0);
      const other = new m.Model('lenet5', 64); // ~20 MB of activations at this batch
      other.loadWeights(modelBytes);
      const training = new m.Training(other, data, { batchSize: 16 });
      training.step(1);
      training.delete();
      other.delete();
      const head = data.head(8);
      m.evaluate(model, head, -1);
      head.delete();
      // Refusals on the error path, each with a large copy: a leak here shows.
      assert.throws(() => model.predict(nan));
      assert.throws(() => m.Model.fromBytes(big, 8));
      assert.throws(() => new m.Model('input 1x28x28\nconv 6 k=29', 64));
    };
    try {
      for (let i = 0; i < 20; i++) cycle(); // warm-up: the heap reaches its working size
      const heap = heapBytes(m);
      const handles = m.count_emval_handles();
      for (let i = 0; i < 300; i++) cycle(); // 3,000 predictions, 300 of each handle
      assert.equal(heapBytes(m), heap, 'wasm heap grew');
      assert.equal(m.count_emval_handles(), handles, 'Embind value handles leaked');
    } finally {
      data.delete();
      model.delete();
    }
  });

  test('an absurd learning rate is caught in the step, the last snapshot comes back, training goes on', () => {
    const all = new m.Data(mnist.png, mnist.labels);
    const data = all.head(2048);
    const model = new m.Model('lenet5', 32);
    try {
      for (const optimizer of ['sgd', 'adam']) {
        model.init(3, 'he');
        const sane = optimizer === 'sgd' ? 0.01 : 0.001;
        const training = new m.Training(model, data, { optimizer, learningRate: sane, batchSize: 32, seed: 5 });
        try {
          assert.equal(training.step(50).diverged, false);
          const snapshot = model.params(); // the trainer keeps a copy every 50 steps
          assert.equal(training.step(7).steps, 7);
          assert.notDeepEqual(model.params(), snapshot);

          training.setOptions({ optimizer, learningRate: 1e3, batchSize: 32 });
          const blowUp = training.step(1);
          assert.equal(blowUp.diverged, true, `${optimizer}: a step at 1e3 must report divergence`);
          assert.equal(blowUp.steps, 0);
          const restored = model.params();
          assert.ok(restored.every(Number.isFinite), `${optimizer}: weights finite`);
          assert.deepEqual(restored, snapshot, `${optimizer}: weights are the last snapshot`);

          training.setOptions({ optimizer, learningRate: sane, batchSize: 32 });
          const after = training.step(20);
          assert.equal(after.diverged, false, `${optimizer}: training goes on at a sane rate`);
          assert.equal(after.steps, 20);
          assert.ok(Number.isFinite(after.loss) && after.loss < 2.3, `${optimizer}: loss ${after.loss}`);
          assert.ok(model.predict(images(2, 16)).every(Number.isFinite));
        } finally {
          training.delete();
        }
      }
    } finally {
      model.delete();
      data.delete();
      all.delete();
    }
  });

  test('soak sample: 500 LeNet-5 training steps, no wasm heap growth after warm-up', async () => {
    const train = new m.Data(new Uint8Array(await readFile(repo('web/data/mnist/train-images.png'))),
      new Uint8Array(await readFile(repo('web/data/mnist/train-labels.idx'))));
    const model = new m.Model('lenet5', 64);
    model.init(1, 'he');
    const training = new m.Training(model, train, { optimizer: 'adam', learningRate: 0.001, batchSize: 32 });
    const probe = images(1, 17);
    try {
      // As the page's worker does: steps in chunks, a prediction and activation maps between.
      const chunk = () => {
        const r = training.step(10);
        assert.equal(r.diverged, false);
        model.predict(probe);
        model.activation(0, 0);
        return r;
      };
      for (let i = 0; i < 5; i++) chunk(); // 50 steps of warm-up
      const heap = heapBytes(m);
      let last;
      for (let i = 0; i < 45; i++) last = chunk();
      assert.equal(heapBytes(m), heap, 'wasm heap grew during training');
      assert.ok(last.loss < 1.0, `500 steps of Adam should have learned something: loss ${last.loss}`);
    } finally {
      training.delete();
      model.delete();
      train.delete();
    }
  });
});
