// The inspect panels' worker handlers (web/worker-inspect.js) on the real
// engine in Node: activation maps and filters have the shapes the page draws,
// fine-tuning really changes predictions toward the learner's labels while
// leaving frozen layers bit-identical, and the robustness sweep measures
// numbers that fall as digits turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { handleInspectMessage } from '../../web/worker-inspect.js';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });
const bytes = async (path) => new Uint8Array(await readFile(new URL(path, root)));
const haveData = existsSync(new URL('web/data/mnist/test-images.png', root));
const test_ = haveData ? test : (name, fn) => test(name, { skip: 'no web/data/mnist: run npm run prepare-data' }, fn);
const testData = haveData
  ? new engine.Data(await bytes('web/data/mnist/test-images.png'), await bytes('web/data/mnist/test-labels.idx'))
  : null;
const modelBytes = await bytes('web/models/lenet5.cnn');
const pretrained = () => engine.Model.fromBytes(modelBytes, 64);

// Sends one inspect message and resolves with its reply (progress collected).
let nextId = 1;
function call(host, op, payload = {}) {
  const inspectId = nextId++;
  const progress = [];
  return new Promise((resolve, reject) => {
    const post = (m) => {
      if (m.inspectId !== inspectId) return;
      if (m.progress !== undefined) progress.push(m.progress);
      else if (m.error !== undefined) reject(new Error(m.error));
      else resolve({ ...m.result, progress });
    };
    handleInspectMessage({ type: 'inspect', op, inspectId, ...payload }, { ...host, post });
  });
}

test('other messages are not touched', async () => {
  assert.equal(await handleInspectMessage({ type: 'predict' }, { engine }), false);
});

test_('activations: one map per layer with the layer\'s output size, from the drawn digit', async () => {
  const model = pretrained();
  const digit = testData.image(0);
  const r = await call({ engine, model, test: testData, digit }, 'activations');
  const layers = model.layers();
  assert.equal(r.maps.length, layers.length);
  r.maps.forEach((m, i) => assert.equal(m.length, layers[i].output.c * layers[i].output.h * layers[i].output.w));
  assert.equal(r.maps[0].length, 6 * 28 * 28);  // conv1: 6 maps of 28×28
  assert.ok(r.maps[0].some((v) => v !== 0));
  assert.deepEqual([...r.probs], [...model.predict(testData.image(0))]);
  assert.equal(r.probs.indexOf(Math.max(...r.probs)), testData.label(0));
  const empty = await call({ engine, model }, 'activations');
  assert.equal(empty.empty, true);
  model.delete();
});

test('filters: weights (K, C, R, R) then K biases, as layerParams lays them out', async () => {
  const model = pretrained();
  const r = await call({ engine, model }, 'filters');
  assert.deepEqual(r.filters.map((f) => [f.layer, f.k, f.c, f.r]), [[0, 6, 1, 5], [3, 16, 6, 5]]);
  const p = model.layerParams(3);
  // filter 2, channel 4, row 1, col 3 sits at ((2·6 + 4)·5 + 1)·5 + 3
  assert.equal(r.filters[1].weights[((2 * 6 + 4) * 5 + 1) * 5 + 3], p[((2 * 6 + 4) * 5 + 1) * 5 + 3]);
  assert.equal(r.filters[1].bias[7], p[16 * 6 * 25 + 7]);
  model.delete();
});

const finetuneName =
  'fine-tuning moves predictions to the learner\'s labels and leaves frozen layers exactly as they were';
test_(finetuneName, async () => {
  const model = pretrained();
  // Twenty test 7s, deliberately labelled 1.
  const per = 784, images = new Float32Array(20 * per), labels = new Uint8Array(20).fill(1);
  for (let i = 0, n = 0; n < 20; ++i) if (testData.label(i) === 7) images.set(testData.image(i), per * n++);
  const frozen = model.layers().map((l) => l.kind === 'conv');
  const conv1 = model.layerParams(0), conv2 = model.layerParams(3), dense = model.layerParams(6);
  const r = await call({ engine, model, test: testData }, 'finetune', { images, labels, frozen, steps: 40 });
  assert.ok(r.before.accuracy <= 0.1, `before: ${r.before.accuracy}`);
  assert.ok(r.after.accuracy >= 0.9, `after: ${r.after.accuracy}`);
  assert.deepEqual(model.layerParams(0), conv1);
  assert.deepEqual(model.layerParams(3), conv2);
  assert.notDeepEqual(model.layerParams(6), dense);
  assert.ok(model.layers().every((l) => !l.frozen), 'freezing is undone after fine-tuning');
  assert.ok(r.testAfter < r.testBefore, 'teaching 7 = 1 costs test accuracy');
  model.delete();
});

test_('fine-tuning with rehearsal keeps more of the test accuracy', async () => {
  const train = testData;  // any labelled digits will do as the replayed set here
  const per = 784, images = new Float32Array(20 * per), labels = new Uint8Array(20).fill(1);
  for (let i = 0, n = 0; n < 20; ++i) if (testData.label(i) === 7) images.set(testData.image(i), per * n++);
  const results = [];
  for (const rehearsal of [0, 200]) {
    const model = pretrained();
    const context = { engine, model, test: testData, train: Promise.resolve(train) };
    results.push(await call(context, 'finetune', { images, labels, steps: 40, rehearsal }));
    model.delete();
  }
  assert.ok(results[1].testAfter > results[0].testAfter + 0.05, `${results[0].testAfter} vs ${results[1].testAfter}`);
});

const canTransform = typeof engine.transformImages === 'function';
const robustnessSkip = !haveData || !canTransform ? 'needs data and transformImages' : false;
test('robustness: accuracy from the engine, highest upright, lower at 45°', { skip: robustnessSkip }, async () => {
  const model = pretrained();
  const grid = { count: 300, angles: [-45, -15, 0, 15, 45], shifts: [-6, 0, 6] };
  const r = await call({ engine, model, test: testData }, 'robustness', grid);
  const at = (list, x) => list.find((p) => p[0] === x)[1];
  assert.equal(r.rotation.length, 5);
  assert.equal(r.progress.length, 5 + 3 + 3);
  assert.ok(at(r.rotation, 0) > 0.95);
  assert.ok(at(r.rotation, 0) > at(r.rotation, 45) + 0.1);
  assert.ok(at(r.shiftX, 0) > at(r.shiftX, 6));
  model.delete();
});
