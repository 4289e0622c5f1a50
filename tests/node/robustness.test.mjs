// The worker refuses bad input the one way and loses nothing (issue 15), run
// in Node over its real protocol (worker-harness.mjs): model files of another
// shape, the test-only crash command, rapid data-set switches and a long
// fine-tune that stays responsive and can be cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { call, events, request, waitForEvent } from './worker-harness.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

await request('configure', { settings: defaultSettings() });
await request('evaluate'); // nothing downloads until something asks (the light first visit)
await waitForEvent('data', (d) => d.stage === 'test-ready');

const modelFile = (spec) => {
  const m = new engine.Model(spec, 1);
  m.init(1, 'he');
  const bytes = m.save();
  m.delete();
  return bytes;
};

test('a valid model file of another shape gets the intended message, and the model stays', async () => {
  const before = (await request('layers')).spec;
  await assert.rejects(
    request('load', { bytes: modelFile('input 3x32x32\nconv 4 k=3\nrelu\ndense 10'), fileName: 'rgb.cnn' }),
    /this page works with 1×28×28 images and 10 classes; the model takes 3×32×32 and has 10 classes/,
  );
  await assert.rejects(
    request('load', { bytes: modelFile('input 1x28x28\ndense 100'), fileName: 'wide.cnn' }),
    /the model takes 1×28×28 and has 100 classes/,
  );
  assert.equal((await request('layers')).spec, before, 'the current model is untouched');
});

test('the crash command is refused unless the worker was started for tests', async () => {
  await assert.rejects(request('crash'), /test-only command: start the worker with \?test-commands=1/);
  assert.equal((await request('layers')).classes, 10, 'the worker goes on');
});

const settingsFor = (dataset) => ({ ...defaultSettings(), dataset });
const lastEvent = (name, since) => events.slice(since).filter((e) => e.name === name).at(-1)?.payload;

test('quick data-set switches: the last choice wins', async () => {
  const since = events.length;
  const first = request('configure', { settings: settingsFor('fashion') });
  await new Promise((resolve) => setTimeout(resolve, 30));
  await Promise.all([first, request('configure', { settings: settingsFor('mnist') })]);
  assert.equal(lastEvent('dataset', since).name, 'mnist');
  assert.equal((await request('layers')).dataset, 'mnist');
});

test('Fashion → Train → MNIST → Fashion: ends on Fashion, training, having said what it loaded', async () => {
  await request('configure', { settings: settingsFor('fashion') });
  const since = events.length;
  const training = request('train');
  await request('configure', { settings: settingsFor('mnist') });
  await request('configure', { settings: settingsFor('fashion') });
  await training;
  await waitForEvent('state', (s) => s.state === 'training', since);
  assert.equal((await request('layers')).dataset, 'fashion');
  assert.match(lastEvent('boot', since).message, /Loading the 60,000 Fashion-MNIST training images/);
  assert.match(events.slice(since).find((e) => e.name === 'state' && e.payload.kind === 'dataset').payload.message,
    /Switched to MNIST: a fresh network/);
  await request('pause');
  await request('configure', { settings: settingsFor('mnist') });
});

test('another data set, the editor holding an impossible network: the current one stays, told why', async () => {
  await request('configure', { settings: settingsFor('mnist') });
  const before = (await request('layers')).spec;
  const since = events.length;
  // The course's impossible geometry: stride 3 over 7×7 with a 3×3 kernel.
  const impossible = 'input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 4\nconv 8 k=3 s=3\ndense 10';
  await request('configure', { settings: { ...settingsFor('fashion'), net: impossible } });
  assert.equal((await request('layers')).dataset, 'fashion');
  assert.equal((await request('layers')).spec, before, 'the current network stays');
  assert.equal(events.slice(since).filter((e) => e.name === 'error').length, 0, 'no error event: nothing went wrong');
  assert.match(lastEvent('state', since).message,
    /Switched to Fashion-MNIST, keeping the current network: .*not a whole number/);
  await request('configure', { settings: settingsFor('mnist') });
});

// 200 test digits as "the learner's", labelled as they are.
function learnerDigits(count) {
  const { images, labels } = testSet.slice(0, count);
  return { images, labels };
}
const testSet = new engine.Data(
  new Uint8Array(await readFile(new URL('web/data/mnist/test-images.png', root))),
  new Uint8Array(await readFile(new URL('web/data/mnist/test-labels.idx', root))),
);

test('fine-tuning refuses steps and rates outside its limits instead of capping them quietly', async () => {
  const { images, labels } = learnerDigits(4);
  const base = { images, labels, frozen: [], learningRate: 0.01, rehearsal: 0 };
  await assert.rejects(request('finetune', { ...base, steps: 100000 }), /steps must be a whole number from 1 to 1000/);
  await assert.rejects(request('finetune', { ...base, steps: 2.5 }), /steps must be a whole number/);
  await assert.rejects(request('finetune', { ...base, steps: 5, learningRate: 50 }), /learning rate must be a number/);
});

// (In Node the scheduler's MessageChannel starves timers, so this test waits
// on progress messages, not on setTimeout.)
test('a long fine-tune on resnet-mini runs in slices, answers a drawing between them, and is cancelled', async () => {
  await request('configure', { settings: { ...defaultSettings(), preset: 'resnet-mini' } });
  await request('reset');
  const { images, labels } = learnerDigits(40);
  const slices = [];
  let third;
  const thirdProgress = new Promise((resolve) => (third = resolve));
  const job = call('finetune', { images, labels, frozen: [], steps: 1000, learningRate: 0.01, rehearsal: 0 }, {
    onProgress: ({ step }) => slices.push({ step, at: performance.now() }) === 3 && third(),
  });
  const result = job.promise.then(() => 'finished', (error) => error.message);
  await thirdProgress;
  const since = events.length;
  await request('predict', { image: images.slice(0, 784), seq: 4242, strokes: 1 });
  await waitForEvent('prediction', (p) => p.seq === 4242, since);
  assert.ok(slices.length < 5, 'the drawing was answered between two slices');
  job.cancel();
  assert.equal(await result, 'cancelled');
  assert.ok(slices.at(-1).step < 1000, `cancelled at step ${slices.at(-1).step} of 1000`);
  const gaps = slices.slice(1).map((s, i) => s.at - slices[i].at);
  console.log(`# resnet-mini fine-tune: ${slices.length} slices before Cancel, ${slices[0].step}–` +
    `${slices.at(-1).step} steps, slices ${gaps.map((g) => g.toFixed(0)).join(', ')} ms apart`);
  await request('configure', { settings: defaultSettings() });
  await request('reset');
});

test('Epochs lowered below what a run has trained: it stops and says how far it went', async () => {
  const settings = { ...defaultSettings(), preset: 'mlp', batch: 64, epochs: 1 };
  await request('configure', { settings });
  await request('reset');
  const since = events.length;
  await request('train');
  await waitForEvent('stats', (s) => s.epoch >= 0.12, since);
  await request('configure', { settings: { ...settings, epochs: 0.1 } });
  const finished = await waitForEvent('state', (s) => s.state === 'finished', since);
  assert.match(finished.message, /^Stopped: Epochs was lowered to 0\.1 after 0\.1[2-9]\d* epochs had been trained/);
  await request('configure', { settings: defaultSettings() });
  await request('reset');
});
