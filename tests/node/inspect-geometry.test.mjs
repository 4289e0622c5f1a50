// The learner-facing arithmetic of web/app/panels/geometry.js against the engine:
// the formulas' numbers must equal the engine's shapes and parameter counts,
// and the receptive-field rectangle must be exactly the set of input pixels
// that can move a unit (found by poking one pixel at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  explainLayer, receptiveFieldRect, residualShortcut, sourceConv, totalParams,
} from '../../web/app/panels/geometry.js';
import { flattenLayers } from '../../web/network.js';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

const lastNumber = (text) => Number(text.match(/= (\d+)$/)[1]);

test('every preset: the written-out arithmetic gives the engine\'s shapes and parameter counts', () => {
  for (const preset of engine.presets()) {
    const model = new engine.Model(preset.spec, 4);
    const layers = model.layers();
    layers.forEach((l, i) => {
      const e = explainLayer(layers[i]);
      assert.equal(e.shape, `${l.output.c}×${l.output.h}×${l.output.w}`);
      const where = `${preset.name} layer ${i} ${l.spec}`;
      for (const part of e.size?.numbers.split(', ') ?? []) {
        assert.ok([l.output.h, l.output.w].includes(lastNumber(part)), `${where}: ${part}`);
      }
      if (e.params.numbers) assert.equal(lastNumber(e.params.numbers), l.params, `${where}: ${e.params.numbers}`);
    });
    assert.equal(totalParams(layers), model.params().length, preset.name);
    model.delete();
  }
});

test('LeNet-5 explanations carry the numbers a learner checks by hand', () => {
  const model = new engine.Model('lenet5', 4);
  const layers = model.layers();
  // (28 − 5 + 2·2)/1 + 1 = 28 ; (5·5·1 + 1)·6 = 156
  assert.equal(explainLayer(layers[0]).size.numbers, '(28 − 5 + 2·2)/1 + 1 = 28');
  assert.equal(explainLayer(layers[0]).params.numbers, '(5·5·1 + 1)·6 = 156');
  assert.equal(explainLayer(layers[2]).size.numbers, '(28 − 2)/2 + 1 = 14');
  assert.equal(explainLayer(layers[3]).params.numbers, '(5·5·6 + 1)·16 = 2416');
  // 16·5·5 = 400 inputs; (400 + 1)·120 = 48120
  assert.equal(explainLayer(layers[6]).params.numbers, 'in = 16·5·5 = 400; (400 + 1)·120 = 48120');
  assert.equal(sourceConv(layers, 5), 3);
  assert.equal(sourceConv(layers, 1), 0);
  assert.equal(sourceConv(layers, 7), -1);
  model.delete();
});

test('maxout, L2 pooling and a projected residual block are described as the engine computes them', () => {
  // maxout 2 on 6 channels: 3 maps, each the larger of a pair (src/layers/activation.cpp).
  const spec = 'input 1x28x28; conv 6 k=3 p=1; maxout 2; l2pool 2; conv 4 k=3 p=1; '
    + 'residual; conv 8 k=3 p=1; end; dense 10';
  const model = new engine.Model(spec, 1);
  const layers = model.layers();
  assert.deepEqual(layers.map((l) => l.kind), ['conv', 'maxout', 'l2pool', 'conv', 'residual', 'dense']);
  const maxout = explainLayer(layers[1]);
  assert.equal(maxout.shape, '3×28×28');
  assert.match(maxout.note, /largest of each group of 2 consecutive channels.*6 channels become 6\/2 = 3/);
  assert.doesNotMatch(maxout.note, /each value on its own|shape stays/);

  // l2pool: √Σx² over the window; a window of four 1s gives √4 = 2, not the RMS 1.
  assert.match(explainLayer(layers[2]).note, /square root of the sum of squares/);
  assert.doesNotMatch(explainLayer(layers[2]).note, /mean/);
  const pool = new engine.Model('input 1x2x2; l2pool 2; dense 2', 1);
  pool.predict(new Float32Array([1, 1, 1, 1]));
  assert.equal(pool.activation(0, 0)[0], 2);
  pool.delete();

  // 4×14×14 in, 8×14×14 out: the shortcut is a 1×1 conv, (4 + 1)·8 = 40 parameters.
  const residual = explainLayer(layers[4]);
  assert.match(residual.note, /^H\(x\) = F\(x\) \+ λ·W·x/);
  assert.match(residual.note, /\(4 \+ 1\)·8 = 40 parameters/);
  assert.equal(residualShortcut(layers[4]).params, 40);
  // The engine agrees: the block holds its conv's (3·3·4 + 1)·8 = 296 weights plus the projection's 40.
  assert.equal(layers[4].params, 296 + 40);
  model.delete();

  // The same shape in and out: the identity shortcut.
  const plain = new engine.Model('input 1x28x28; conv 4 k=3 p=1; residual; conv 4 k=3 p=1; end; dense 10', 1);
  const identity = explainLayer(plain.layers()[1]);
  assert.match(identity.note, /^H\(x\) = F\(x\) \+ λ·x with λ = 1:/);
  assert.equal(residualShortcut(plain.layers()[1]).projection, false);
  plain.delete();

  // A block that halves the image: its 1×1 projection has stride 2.
  const halving = new engine.Model('input 1x28x28; conv 4 k=3 p=1; residual; conv 8 k=2 s=2; end; dense 10', 1);
  const down = halving.layers()[1];
  assert.deepEqual(residualShortcut(down), { projection: true, params: 40, stride: 2 });
  const note = explainLayer(halving.layers()[1]).note;
  assert.match(note, /F\(x\) is 8×14×14 but x is 4×28×28.*1×1 convolution W with stride 2/);
  halving.delete();
});

// Input pixels whose change moves unit (row, col, channel) of layer i; the
// network is linear (no ReLU, average pooling) so every pixel inside the
// receptive field has an effect and none outside does.
function influencedBy(model, layer, channel, row, col) {
  const shape = model.inputShape();
  const out = layer.output;
  const unit = channel * out.h * out.w + row * out.w + col;
  const x = new Float32Array(shape.h * shape.w);
  model.predict(x);
  const base = model.activationAt(layer.path, 0)[unit];
  const rows = [], cols = [];
  for (let p = 0; p < x.length; ++p) {
    x.fill(0);
    x[p] = 1;
    model.predict(x);
    if (Math.abs(model.activationAt(layer.path, 0)[unit] - base) > 1e-7) {
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
      const want = influencedBy(model, layers[i], 1, row, col);
      const got = receptiveFieldRect(layers.slice(0, i + 1), row, col, shape);
      const { top, bottom, left, right } = got;
      assert.deepEqual({ top, bottom, left, right }, want, `layer ${i} (${layers[i].spec}) unit ${row},${col}`);
    }
  }
  model.delete();
});

test('non-square kernels, a unit inside a concat branch: the rectangle is exactly the influencing pixels', () => {
  // 22×22 → 1×3 conv (same) → 11×11 → branch 1: 3×1, stride 2×1 → 5×11; branch 2: 3×3, stride 2×1, pad 0×1 → 5×11.
  const spec = 'input 1x22x22; conv 3 k=1x3 p=0x1; avgpool 2; concat; branch; conv 2 k=3x1 s=2x1; branch; '
    + 'conv 2 k=3 s=2x1 p=0x1; avgpool 1; end; dense 10';
  const model = new engine.Model(spec, 1);
  model.init(5, 'he');
  const shape = model.inputShape();
  for (const { layer, chain } of flattenLayers(model.layers())) {
    if (layer.kind === 'dense' || layer.kind === 'concat') continue;
    const out = layer.output;
    for (const [row, col] of [[0, 0], [out.h - 1, out.w - 1]]) {
      const { top, bottom, left, right } = receptiveFieldRect(chain, row, col, shape);
      assert.deepEqual({ top, bottom, left, right }, influencedBy(model, layer, 1, row, col),
        `${layer.path} (${layer.spec}) unit ${row},${col}`);
    }
  }
  model.delete();
});
