// The JavaScript boundary of the engine (wasm/*_bindings.cpp, all checking
// arguments with wasm/js_args.h) under hostile input: every Embind entry point
// is fed wrong types, wrong sizes, NaN, negative and huge indices, out-of-range
// options and garbage bytes, first from a table and then from a seeded random
// loop. Each bad call must throw a JavaScript Error with a clear message (not
// abort, trap or return garbage), and afterwards a model nobody touched must
// predict exactly what it did before. The module over time (heap, divergence,
// soak) is lifetime.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { images, loadEngine, prng, readMnist } from './engine-helpers.mjs';

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
  assert.ok(thrown instanceof Error,
    `${what}: expected an Error, got ` +
      (thrown?.returned !== undefined ? `a return value ${show(thrown.returned)}` : show(thrown)));
  assert.ok(!(thrown instanceof WebAssembly.RuntimeError) && !/^Aborted|unreachable|out of bounds/.test(thrown.message),
    `${what}: the module crashed: ${thrown.message}`);
  assert.ok(thrown.message.length >= 8 && !/unknown engine error/.test(thrown.message),
    `${what}: unclear message '${thrown.message}'`);
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

  const assertAlive = (what) => assert.deepEqual(sentinel.predict(sentinelInput), sentinelOutput,
    `module still works after: ${what}`);

  before(async () => {
    m = await loadEngine('simd');
    sentinel = new m.Model('lenet5', 4);
    sentinel.init(11, 'he');
    sentinelInput = images(3, 1);
    sentinelOutput = sentinel.predict(sentinelInput);
    modelBytes = sentinel.save();
    mnist = await readMnist('test');
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
    const notIndices = [NaN, 1.5, -0.5, true, '1', undefined, null, {}, [], 2 ** 32, 2 ** 31, -(2 ** 31) - 1,
      Infinity, 1n];
    const cases = [
      ['Model: spec not a string', () => keep(new m.Model(42, 8))],
      ['Model: spec empty', () => keep(new m.Model('', 8)), /input/],
      ['Model: a one-line spec asking for terabytes', () => keep(new m.Model('input 64x1024x1024\nconv 4096 k=1', 8)),
        /limit/],
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
      ['init: value without constant', () => model.init(1, 'he', 0.5), /needs the scheme 'constant'/],
      ['init: NaN constant', () => model.init(1, 'constant', NaN), /initialisation value/],
      ['activationAt: path past the end', () => model.activationAt('11', 0), /no layer at path '11'/],
      ['layerParamsAt: inside a plain layer', () => model.layerParamsAt('0.1'), /has no inner layers/],
      ['layerParamsAt: empty path', () => model.layerParamsAt(''), /no layer at path ''/],
      ['Data: labels not IDX', () => keep(new m.Data(mnist.png, new Uint8Array(20))), /IDX1/],
      ['Data: label count disagrees with the file', () => keep(new m.Data(mnist.png, mnist.labels.subarray(0, 108))),
        /holds/],
      ['Data: sprite for 10,000 with 100 labels', () => keep(new m.Data(mnist.png, Uint8Array.from([0, 0, 8, 1, 0, 0,
        0, 100, ...new Uint8Array(100)]))), /2800x2800/],
      ['Data: PNG cut in half', () => keep(new m.Data(mnist.png.subarray(0, mnist.png.length >> 1), mnist.labels)),
        /cannot decode/],
      ['Data: png as a string', () => keep(new m.Data('png', mnist.labels)), /Uint8Array/],
      ['fromArrays: pixel above 1', () => keep(m.Data.fromArrays(new Float32Array(784).fill(2), new Uint8Array([1]),
        shape)), /\[0, 1\]/],
      ['fromArrays: shape h 0', () => keep(m.Data.fromArrays(images(1, 4), new Uint8Array([1]), { c: 1, h: 0,
        w: 28 })), /h/],
      ['fromArrays: shape null', () => keep(m.Data.fromArrays(images(1, 4), new Uint8Array([1]), null))],
      ['fromArrays: no labels', () => keep(m.Data.fromArrays(new Float32Array(0), new Uint8Array(0), shape)),
        /at least one/],
      ['image: index = count', () => data.image(4), /out of range/],
      ['label: index -1', () => data.label(-1), /out of range/],
      ['head: -5 images', () => keep(data.head(-5)), /head count/],
      ['slice: start -1', () => data.slice(-1, 1), /slice start/],
      ['slice: past the end', () => data.slice(2, 3), /slice count/],
      ['slice: start past the end', () => data.slice(5, 0), /slice start/],
      ['pick: index = count', () => data.pick(Int32Array.from([0, 4])), /indices\[1\]/],
      ['pick: a Float64Array', () => data.pick(new Float64Array(2)), /indices/],
      ['pick: a string in the array', () => data.pick([0, '1']), /indices\[1\]/],
      ['pick: undefined', () => data.pick(undefined), /indices/],
      ['Training: options null', () => keep(new m.Training(model, data, null)), /must be an object/],
      ['Training: learningRate as a string', () => keep(new m.Training(model, data, { learningRate: '0.1' })),
        /learningRate/],
      ['Training: learningRate 1e4', () => keep(new m.Training(model, data, { learningRate: 1e4 })), /learningRate/],
      ['Training: momentum 1', () => keep(new m.Training(model, data, { momentum: 1 })), /momentum/],
      ['Training: weightDecay -1', () => keep(new m.Training(model, data, { weightDecay: -1 })), /weightDecay/],
      ['Training: unknown schedule', () => keep(new m.Training(model, data, { schedule: 'exp' })), /schedule/],
      ['Training: seed 1.5', () => keep(new m.Training(model, data, { seed: 1.5 })), /seed/],
      ['Training: nesterov 2', () => keep(new m.Training(model, data, { nesterov: 2 })), /nesterov/],
      ['Training: a Data as the model', () => keep(new m.Training(data, data, {}))],
      ['Training: deleted model', () => { const gone = new m.Model('lenet5',
        8); gone.delete(); return keep(new m.Training(gone, data, {})); }],
      ['Training: empty data set', () => keep(new m.Training(model, keep(data.head(0)), {})), /empty/],
      ['Training: images of another shape', () => keep(new m.Training(model, keep(m.Data.fromArrays(images(1, 5, 64),
        new Uint8Array([0]), { c: 1, h: 8, w: 8 })), {})), /1x8x8/],
      ['step: 100001 steps', () => training.step(100001), /steps/],
      ['stepPart: 0 images', () => training.stepPart(0), /maxImages/],
      ['setOptions: batchSize 9 > maxBatch 8', () => training.setOptions({ batchSize: 9 }), /batchSize/],
      ['setOptions: optimizer 7', () => training.setOptions({ optimizer: 7 }), /optimizer/],
      ['setAugment: not an object', () => training.setAugment('heavy')],
      ['setAugment: NaN rotation', () => training.setAugment({ rotation: NaN }), /rotation/],
      ['setAugment: shift 1e9', () => training.setAugment({ shift: 1e9 }), /shift/],
      ['setAugment: scaleMin > scaleMax', () => training.setAugment({ scaleMin: 2, scaleMax: 1 }), /scale/],
      ['setAugment: unknown key', () => training.setAugment({ wobble: 1 }), /wobble/],
      ['evaluate: a Training as the data', () => m.evaluate(model, training, -1)],
      ['evaluate: images of another shape', () => m.evaluate(model, keep(m.Data.fromArrays(images(2, 5, 3 * 32 * 32),
        new Uint8Array([0, 1]), { c: 3, h: 32, w: 32 })), -1), /3x32x32/],
      ['evaluate: more classes than outputs', () => m.evaluate(keep(new m.Model('input 1x28x28\ndense 4', 8)), data,
        -1), /4 outputs for 10 classes/],
      ['evaluate: limit "all"', () => m.evaluate(model, data, 'all'), /limit/],
      ...notIndices.flatMap((bad) => [
        [`activation: layer ${show(bad)}`, () => model.activation(bad, 0), /layer index/],
        [`activation: sample ${show(bad)}`, () => model.activation(0, bad), /sample index/],
        [`layerParams: ${show(bad)}`, () => model.layerParams(bad), /layer index/],
        [`activationAt: sample ${show(bad)}`, () => model.activationAt('0', bad), /sample index/],
        ...(typeof bad === 'string' ? [] : [ // '1' is a layer path
          [`activationAt: path ${show(bad)}`, () => model.activationAt(bad, 0), /layer path/],
          [`layerParamsAt: ${show(bad)}`, () => model.layerParamsAt(bad), /layer path/],
        ]),
        [`setFrozen: layer ${show(bad)}`, () => model.setFrozen(bad, false), /layer index/],
        [`image: ${show(bad)}`, () => data.image(bad), /image index/],
        [`label: ${show(bad)}`, () => data.label(bad), /image index/],
        [`head: ${show(bad)}`, () => keep(data.head(bad)), /head count/],
        [`slice: start ${show(bad)}`, () => data.slice(bad, 1), /slice start/],
        [`slice: count ${show(bad)}`, () => data.slice(0, bad), /slice count/],
        [`pick: [${show(bad)}]`, () => data.pick([bad]), /indices\[0\]/],
        [`step: ${show(bad)}`, () => training.step(bad), /steps/],
        [`stepPart: ${show(bad)}`, () => training.stepPart(bad), /maxImages/],
        [`evaluate: limit ${show(bad)}`, () => m.evaluate(model, data, bad), /limit/],
        [`Model: max batch ${show(bad)}`, () => keep(new m.Model('lenet5', bad)), /max batch/],
        [`fromBytes: max batch ${show(bad)}`, () => keep(m.Model.fromBytes(modelBytes, bad)), /max batch/],
        [`Training: batchSize ${show(bad)}`, () => keep(new m.Training(model, data, { batchSize: bad })), /batchSize/],
      ]).filter(([what]) => !/undefined/.test(what) || !/batchSize/.test(what)),
        // an undefined option means "the default"
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
      undefined, null, NaN, Infinity, -Infinity, 0, 1, 2, 3, -1, 1.5, -0.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e308,
        -1e308,
      5e-324, true, false, '', '1', 'he', 'lenet5', 'sgd', 'input 1x8x8\ndense 3', 'input 1x28x28\nconv 9999 k=64',
        {}, [],
      [1, 2, 3], { c: 1, h: 28, w: 28 }, { c: 1, h: 8, w: 8 }, { c: 9, h: -1, w: 'x' }, { learningRate: 1e3 },
        { batchSize: 0 },
      { optimizer: 'adam', learningRate: 0.01, batchSize: 2 }, { rotation: 30, scale: 1.2 }, 1n, Symbol('s'), () => 1,
      new ArrayBuffer(16), new Float32Array(0), new Float32Array(784), images(1, 10), images(2, 11), images(1, 12, 64),
      new Float32Array(784).fill(NaN), new Float64Array(784), new Uint8Array(0), new Uint8Array([0, 0, 8, 1, 0, 0, 0,
        1, 2]),
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
      'model.init': (a, b, c) => pick([model, small]).init(a, b, c),
      'model.activationAt': (a, b) => pick([model, small]).activationAt(a, b),
      'model.layerParamsAt': (a) => pick([model, small]).layerParamsAt(a),
      'data.image': (a) => data.image(a),
      'data.label': (a) => data.label(a),
      'data.head': (a) => data.head(a),
      'data.slice': (a, b) => data.slice(a, b),
      'data.pick': (a) => data.pick(a),
      'training.step': (a) => training.step(typeof a === 'number' && a > 3 && a < 1e6 ? 3 : a), // bounded work
      'training.stepPart': (a) => training.stepPart(a),
      'training.setOptions': (a) => training.setOptions(a),
    };
    if (m.augmentPreview) {
      entries.augmentPreview = (a, b, c, d, e) => m.augmentPreview(a, b, c, d,
        typeof e === 'number' && e > 16 && e < 2000 ? 16 : e);
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
        const shown = args.slice(0, entries[name].length).map(show).join(', ');
        const what = `call ${calls} (seed ${seed}): ${name}(${shown})`;
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
        } else if ((name === 'data.slice' || name === 'data.pick') && result) {
          assert.ok(result.images instanceof Float32Array && result.labels instanceof Uint8Array, what);
          assert.equal(result.images.length, result.labels.length * 784, what);
        } else if (name.startsWith('training.step') && result) {
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
});
