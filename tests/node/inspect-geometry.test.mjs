// The learner-facing arithmetic of web/panels/geometry.js against the engine:
// the formulas' numbers must equal the engine's shapes and parameter counts,
// and the receptive-field rectangle must be exactly the set of input pixels
// that can move a unit (found by poking one pixel at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { explainLayer, receptiveFieldRect, sourceConv, totalParams } from '../../web/panels/geometry.js';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

const lastNumber = (text) => Number(text.match(/= (\d+)$/)[1]);

test('every preset: the written-out arithmetic gives the engine\'s shapes and parameter counts', () => {
  for (const preset of engine.presets()) {
    const model = new engine.Model(preset.spec, 4);
    const layers = model.layers();
    layers.forEach((l, i) => {
      const e = explainLayer(layers, i);
      assert.equal(e.shape, `${l.output.c}×${l.output.h}×${l.output.w}`);
      const where = `${preset.name} layer ${i}`;
      for (const part of e.size ? e.size.numbers.split(', ') : []) {
        assert.ok([l.output.h, l.output.w].includes(lastNumber(part)), `${where}: ${part}`);
      }
      const { numbers } = e.params;
      if (numbers) assert.equal(lastNumber(numbers), l.params, `${where} ${l.spec}: ${numbers}`);
    });
    assert.equal(totalParams(layers), model.params().length, preset.name);
    model.delete();
  }
});

test('LeNet-5 explanations carry the numbers a learner checks by hand', () => {
  const model = new engine.Model('lenet5', 4);
  const layers = model.layers();
  // (28 − 5 + 2·2)/1 + 1 = 28 ; (5·5·1 + 1)·6 = 156
  assert.equal(explainLayer(layers, 0).size.numbers, '(28 − 5 + 2·2)/1 + 1 = 28');
  assert.equal(explainLayer(layers, 0).params.numbers, '(5·5·1 + 1)·6 = 156');
  assert.equal(explainLayer(layers, 2).size.numbers, '(28 − 2)/2 + 1 = 14');
  assert.equal(explainLayer(layers, 3).params.numbers, '(5·5·6 + 1)·16 = 2416');
  // 16·5·5 = 400 inputs; (400 + 1)·120 = 48120
  assert.equal(explainLayer(layers, 6).params.numbers, 'in = 16·5·5 = 400; (400 + 1)·120 = 48120');
  assert.equal(sourceConv(layers, 5), 3);
  assert.equal(sourceConv(layers, 1), 0);
  assert.equal(sourceConv(layers, 7), -1);
  model.delete();
});

// Input pixels whose change moves unit (row, col, channel) of layer i; the
// network is linear (no ReLU, average pooling) so every pixel inside the
// receptive field has an effect and none outside does.
function influencedBy(model, i, channel, row, col) {
  const shape = model.inputShape();
  const out = model.layers()[i].output;
  const unit = channel * out.h * out.w + row * out.w + col;
  const x = new Float32Array(shape.h * shape.w);
  model.predict(x);
  const base = model.activation(i, 0)[unit];
  const rows = [], cols = [];
  for (let p = 0; p < x.length; ++p) {
    x.fill(0);
    x[p] = 1;
    model.predict(x);
    if (Math.abs(model.activation(i, 0)[unit] - base) > 1e-7) {
      rows.push(Math.floor(p / shape.w));
      cols.push(p % shape.w);
    }
  }
  return { top: Math.min(...rows), bottom: Math.max(...rows), left: Math.min(...cols), right: Math.max(...cols) };
}

test('the receptive-field rectangle is exactly the pixels that influence the unit', () => {
  const spec = 'input 1x28x28; conv 3 k=5 p=2; avgpool 2; conv 3 k=4 s=2 p=1; conv 3 k=3; dense 10';
  const model = new engine.Model(spec, 1);
  model.init(3, 'he');
  const layers = model.layers();
  const shape = model.inputShape();
  for (let i = 0; i < layers.length - 1; ++i) {
    const out = layers[i].output;
    for (const [row, col] of [[0, 0], [out.h - 1, out.w - 1], [out.h >> 1, Math.max(0, (out.w >> 1) - 1)]]) {
      const want = influencedBy(model, i, 1, row, col);
      const got = receptiveFieldRect(layers, i, row, col, shape);
      assert.deepEqual({ top: got.top, bottom: got.bottom, left: got.left, right: got.right }, want,
        `layer ${i} (${layers[i].spec}) unit ${row},${col}`);
    }
  }
  model.delete();
});
