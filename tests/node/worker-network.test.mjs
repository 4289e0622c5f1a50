// The network editor's worker command (describeNetwork) and the `net`
// setting, run over the real protocol (worker-harness.mjs): the reply is the
// engine's own layer tree and numbers (compared with a model built here), an
// impossible geometry comes back as the engine's message at its line, a
// network too big for the page is refused before training, and Reset builds
// the settings' custom network (or refuses one that does not build, keeping
// the model it has).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { events, request, waitForEvent } from './worker-harness.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

// A 1×3 convolution, then an Inception-style concat block of a 1×1 branch and a pooling → 1×1 branch.
const CUSTOM = [
  'input 1x28x28', 'conv 4 k=1x3 p=0x1', 'relu', 'maxpool 2', 'concat', 'branch', 'conv 4 k=1', 'branch',
  'maxpool 3 s=1 p=1', 'conv 2 k=1', 'end', 'dense 10',
].join('\n');

const canonical = (spec) => {
  const model = new engine.Model(spec, 1);
  const text = model.spec();
  model.delete();
  return text;
};

const engineLayers = (spec) => {
  const model = new engine.Model(spec, 1);
  const layers = model.layers();
  const params = model.params().length;
  model.delete();
  return { layers, params };
};

test('describeNetwork: a preset by name, the engine\'s tree and totals', async () => {
  const r = await request('describeNetwork', { net: 'lenet5', batch: 32 });
  const preset = engine.presets().find((p) => p.name === 'lenet5');
  assert.equal(r.text, preset.spec);
  const { layers, params } = engineLayers(preset.spec);
  assert.deepEqual(r.layers, layers);
  assert.equal(r.totals.params, params);
  assert.equal(r.totals.macs, layers.reduce((sum, l) => sum + l.macs, 0));
  assert.ok(r.totals.macs > 0);
  assert.equal(r.limits.ok, true);
});

test('describeNetwork: a 1×3 kernel and a concat block are described as the engine builds them', async () => {
  const r = await request('describeNetwork', { net: CUSTOM, batch: 32 });
  assert.equal(r.error, undefined);
  const { layers, params } = engineLayers(CUSTOM);
  assert.deepEqual(r.layers, layers);
  assert.equal(r.totals.params, params);
  const concat = r.layers.find((l) => l.kind === 'concat');
  assert.equal(concat.branches.length, 2);
  assert.equal(concat.output.c, 4 + 2, 'the branches stack along depth');
  assert.deepEqual(r.layers[0].kernel, { h: 1, w: 3 });
  assert.equal(r.layers[0].line, 2);
});

test('describeNetwork: an impossible geometry is the engine\'s message at its line; nonsense is refused', async () => {
  // The course's example: 28/4 = 7, and a 3×3 kernel with stride 3 does not fit 7×7: (7 − 3)/3 + 1.
  const spec = 'input 1x28x28\nmaxpool 4\nconv 4 k=3 s=3\ndense 10';
  const r = await request('describeNetwork', { net: spec });
  let message = '';
  try {
    new engine.Model(spec, 1);
  } catch (error) {
    message = error.message;
  }
  assert.deepEqual(r.error, { line: 3, message });
  assert.match(message, /^line 3 'conv'/);
  const unknown = await request('describeNetwork', { net: 'no-such-net' });
  assert.match(unknown.error.message, /unknown network 'no-such-net'/);
  const wrongClasses = await request('describeNetwork', { net: 'input 1x28x28\ndense 7' });
  assert.match(wrongClasses.error.message, /10 classes/);
  const sketch = await request('describeNetwork', { net: 'input 3x14x14\nconv 8 k=5 p=2', sketch: true });
  assert.equal(sketch.totals.params, (5 * 5 * 3 + 1) * 8);
});

test('describeNetwork: a network too big for the page is refused with the reason, not trained', async () => {
  // 2 × 64 filters of 5×5 at 28×28: 82 M multiply-adds an image, ≈ 6 s a step of 64 here (2.5 s of 32,
  // measured), trained in micro-batches of 8 (≈ 0.8 s each); twice the filters in the second layer is twice as slow.
  const slow = 'input 1x28x28\nconv 64 k=5 p=2\nrelu\nconv 64 k=5 p=2\nrelu\nmaxpool 2\ndense 10';
  assert.equal((await request('describeNetwork', { net: slow, batch: 64 })).limits.ok, true, 'split, it fits');
  const slower = 'input 1x28x28\nconv 64 k=5 p=2\nrelu\nconv 128 k=5 p=2\nrelu\nmaxpool 2\ndense 10';
  const r = await request('describeNetwork', { net: slower, batch: 64 });
  assert.equal(r.limits.ok, false);
  assert.match(r.limits.reason, /Training 8 images \(the smallest part a step is split into\) would take about \d/);
  assert.equal((await request('describeNetwork', { net: slower, batch: 4 })).limits.ok, true, 'a smaller batch fits');
  const huge = 'input 1x28x28\nconv 512 k=5 p=2\nconv 512 k=5 p=2\ndense 10';
  assert.match((await request('describeNetwork', { net: huge, batch: 1 })).limits.reason, /MB of memory/);
  const small = await request('describeNetwork', { net: 'lenet5', batch: 256 });
  assert.equal(small.limits.ok, true);
});

test('Reset builds the settings\' custom network; one that does not build is refused and the model stays', async () => {
  await request('configure', { settings: { ...defaultSettings(), net: CUSTOM, seed: 3 } });
  const since = events.length;
  await request('reset');
  const model = await waitForEvent('model', (m) => m.changed, since);
  assert.equal(model.source, 'fresh');
  assert.equal(model.spec, canonical(CUSTOM));
  assert.equal(model.name, 'fresh custom network');
  const impossible = 'input 1x28x28\nmaxpool 4\nconv 4 k=3 s=3\ndense 10';
  await request('configure', { settings: { ...defaultSettings(), net: impossible } });
  await assert.rejects(request('reset'), /the network does not build: line 3 'conv'/);
  const layers = await request('layers');
  assert.equal(layers.spec, model.spec, 'the last good model is still there');
  await request('configure', { settings: defaultSettings() });
});
