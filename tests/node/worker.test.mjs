// The page's worker, run in Node over its real protocol (worker-harness.mjs):
// the run's states, activation maps and filters with the shapes the page
// draws, fine-tuning that moves predictions toward the learner's labels while
// frozen layers stay bit-identical, robustness numbers that fall as digits
// turn, and long commands that report progress and can be cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { call, events, offline, request, waitForEvent } from './worker-harness.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });
const bytes = async (path) => new Uint8Array(await readFile(new URL(path, root)));
const testData = new engine.Data(
  await bytes('web/data/mnist/test-images.png'),
  await bytes('web/data/mnist/test-labels.idx'),
);
const model = engine.Model.fromBytes(await bytes('web/models/lenet5.cnn'), 64);

await request('configure', { settings: defaultSettings() });
// Nothing is downloaded until something needs it; the first evaluate loads the test set.
assert.equal(events.filter((e) => e.name === 'data').length, 0, 'configure alone loads no data set');
await request('evaluate');
await waitForEvent('data', (d) => d.stage === 'test-ready');
const stateNow = () => events.filter((e) => e.name === 'state').at(-1)?.payload.state;

// Twenty test 7s, and the same images labelled 1.
const SEVENS = (() => {
  const per = 784,
    images = new Float32Array(20 * per);
  for (let i = 0, n = 0; n < 20; ++i) if (testData.label(i) === 7) images.set(testData.image(i), per * n++);
  return images;
})();

test('commands the protocol does not list are refused with their name', async () => {
  await assert.rejects(request('selfDestruct'), /unknown command 'selfDestruct'/);
});

test('activations: one map per layer with its output size, from the drawn digit; none without one', async () => {
  await request('pretrained');
  await request('predict', { image: null, seq: 1, strokes: 0 });
  assert.equal((await request('activations')).empty, true);
  await request('predict', { image: testData.image(0), seq: 2, strokes: 1 });
  const r = await request('activations');
  const layers = model.layers();
  assert.equal(r.maps.length, layers.length);
  r.maps.forEach((m, i) => assert.equal(m.length, layers[i].output.c * layers[i].output.h * layers[i].output.w));
  assert.equal(r.maps[0].length, 6 * 28 * 28); // conv1: 6 maps of 28×28
  assert.ok(r.maps[0].some((v) => v !== 0));
  assert.deepEqual([...r.probs], [...model.predict(testData.image(0))]);
  assert.equal(r.probs.indexOf(Math.max(...r.probs)), testData.label(0));
});

test('filters: weights (K, C, KH, KW) then K biases, as layerParams lays them out', async () => {
  await request('pretrained');
  const r = await request('filters');
  assert.deepEqual(
    r.filters.map((f) => [f.layer, f.k, f.c, f.kh, f.kw]),
    [
      [0, 6, 1, 5, 5],
      [3, 16, 6, 5, 5],
    ],
  );
  const p = model.layerParams(3);
  // filter 2, channel 4, row 1, col 3 sits at ((2·6 + 4)·5 + 1)·5 + 3
  assert.equal(r.filters[1].weights[((2 * 6 + 4) * 5 + 1) * 5 + 3], p[((2 * 6 + 4) * 5 + 1) * 5 + 3]);
  assert.equal(r.filters[1].bias[7], p[16 * 6 * 25 + 7]);
});

test("fine-tuning moves predictions to the learner's labels; frozen layers stay exactly as they were", async () => {
  await request('pretrained');
  const layers = model.layers();
  const frozen = layers.map((l) => l.kind === 'conv');
  const before = await request('filters');
  const labels = new Uint8Array(20).fill(1);
  const r = await request('finetune', { images: SEVENS.slice(), labels, frozen, steps: 40 });
  assert.ok(r.before.accuracy <= 0.1, `before: ${r.before.accuracy}`);
  assert.ok(r.after.accuracy >= 0.9, `after: ${r.after.accuracy}`);
  assert.equal(r.progress.at(-1).step, 40, 'progress counts the steps');
  const after = await request('filters');
  after.filters.forEach((f, i) => assert.deepEqual(f.weights, before.filters[i].weights, 'frozen conv weights'));
  assert.ok(
    (await request('layers')).layers.every((l) => !l.frozen),
    'freezing is undone after fine-tuning',
  );
  assert.ok(r.testAfter < r.testBefore, 'teaching 7 = 1 costs test accuracy');
});

test('the training set downloads when first needed, with progress, and again after a failure', async () => {
  const trainEvents = (from) =>
    events.slice(from).filter((e) => e.name === 'data' && e.payload.stage.startsWith('train'));
  assert.deepEqual(trainEvents(0), [], 'nothing asked for it yet');
  const rehearse = () =>
    request('finetune', { images: SEVENS.slice(0, 784), labels: new Uint8Array([7]), steps: 1, rehearsal: 10 });
  await request('pretrained');
  offline.add('train-images');
  await assert.rejects(rehearse(), /the training data is not loaded/);
  assert.match(trainEvents(0).at(-1).payload.message, /could not be loaded: could not fetch .*Failed to fetch/);
  offline.clear();
  const since = events.length;
  await rehearse();
  const data = trainEvents(since).map((e) => e.payload);
  assert.equal(data[0].stage, 'train');
  assert.match(data[0].message, /60,000 MNIST training images/);
  const progress = data.filter((d) => d.stage === 'train-progress');
  assert.ok(progress.length >= 2, `${progress.length} progress events`);
  progress.slice(1).forEach((p, i) => assert.ok(p.loaded > progress[i].loaded, 'the bytes only grow'));
  assert.ok(progress.at(-1).total > 9e6 && progress.at(-1).loaded === progress.at(-1).total, 'to the last byte');
  assert.equal(data.at(-1).stage, 'train-ready');
});

test('fine-tuning with rehearsal keeps more of the test accuracy', async () => {
  const results = [];
  for (const rehearsal of [0, 200]) {
    await request('pretrained');
    results.push(
      await request('finetune', { images: SEVENS.slice(), labels: new Uint8Array(20).fill(1), steps: 40, rehearsal }),
    );
  }
  assert.ok(results[1].testAfter > results[0].testAfter + 0.05, `${results[0].testAfter} vs ${results[1].testAfter}`);
});

test('robustness: accuracy from the engine, highest upright, lower at 45°, with progress', async () => {
  await request('pretrained');
  const r = await request('robustness', { count: 300, angles: [-45, -15, 0, 15, 45], shifts: [-6, 0, 6] });
  const at = (list, x) => list.find((p) => p[0] === x)[1];
  assert.equal(r.rotation.length, 5);
  assert.equal(r.progress.length, 5 + 3 + 3);
  assert.ok(at(r.rotation, 0) > 0.95);
  assert.ok(at(r.rotation, 0) > at(r.rotation, 45) + 0.1);
  assert.ok(at(r.shiftX, 0) > at(r.shiftX, 6));
});

test('a cancelled long command ends at once and frees what it made', async () => {
  const job = call('robustness', { count: 2000 });
  job.cancel();
  await assert.rejects(job.promise, /cancelled/);
  const again = await request('robustness', { count: 100, angles: [0], shifts: [0] });
  assert.equal(again.rotation.length, 1, 'the scheduler goes on after a cancel');
});

test('the run: idle → starting → training → paused → training → finished, then a Reset is idle', async () => {
  const since = events.length;
  await request('configure', {
    settings: { ...defaultSettings(), optimizer: 'sgd', lr: 0.05, epochs: 0.1, batch: 32 },
  });
  await request('reset');
  assert.equal(stateNow(), 'idle');
  await request('train');
  await waitForEvent('state', (s) => s.state === 'training', since);
  await waitForEvent('stats', () => true, since);
  await request('pause');
  assert.equal(stateNow(), 'paused');
  await request('train');
  const finished = await waitForEvent('state', (s) => s.state === 'finished', since);
  assert.match(finished.message, /Finished 0.1 epochs/);
  const states = events
    .slice(since)
    .filter((e) => e.name === 'state')
    .map((e) => e.payload.state);
  assert.deepEqual(
    states.filter((s, i) => s !== states[i - 1]),
    ['idle', 'starting', 'training', 'paused', 'starting', 'training', 'finished'],
  );
  await request('reset');
  assert.equal(stateNow(), 'idle');
});

test('exportOnnx: the model as ONNX; load takes an .onnx file and refuses a bad one, keeping the model', async () => {
  await request('pretrained');
  const { bytes: onnx, name } = await request('exportOnnx');
  assert.equal(name, 'lenet5');
  const since = events.length;
  assert.equal((await request('load', { bytes: onnx, fileName: 'lenet5.onnx' })).name, 'lenet5.onnx');
  const info = await waitForEvent('model', (m) => m.changed, since);
  assert.equal(info.spec, model.spec());
  await request('predict', { image: testData.image(0), seq: 10, strokes: 1 });
  assert.deepEqual([...(await request('activations')).probs], [...model.predict(testData.image(0))]);

  const before = events.length;
  await assert.rejects(request('load', { bytes: onnx.subarray(0, 1000), fileName: 'cut.onnx' }), /truncated/);
  await assert.rejects(request('load', { bytes: onnx, fileName: 'model.cnn' }), /model file/i);
  assert.equal(events.slice(before).filter((e) => e.name === 'model').length, 0, 'the model stays');
});
