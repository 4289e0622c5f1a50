// The gradient monitor at the engine's two faces: `cnn train --json`'s
// gradient_norms (one entry per trainable layer, input to output, the
// residual blocks' parts), and the wasm module's Training.gradientNorms,
// weightGradientTerms and Model.layerGradsAt, checked against each other.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { images, loadEngine } from './engine-helpers.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cnn-gradients-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let engine;
before(async () => (engine = await loadEngine()));

const norm = (values) => Math.sqrt(values.reduce((s, v) => s + v * v, 0));
const close = (a, b, tolerance = 1e-4) => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), 1e-12);

// deep-residual's shape, small (the run also tests all 10,000 test digits): an
// identity block, a block that doubles the channels (a 1×1 projection shortcut).
const SMALL_RESIDUAL = 'input 1x28x28\nconv 2 k=3 p=1\nrelu\nresidual scale=0.5\n  conv 2 k=3 p=1\n  relu\nend\n'
  + 'maxpool 2\nresidual scale=0.5\n  conv 4 k=3 p=1\n  relu\nend\nmaxpool 2\ndense 10\n';

test('cnn train --json: gradient_norms per trainable layer from input to output, and the residual parts', () => {
  const r = spawnSync(join(REPO, 'build/native/cnn'), ['train', '--net', SMALL_RESIDUAL, '--limit', '192',
    '--batch', '32', '--epochs', '1', '--json', '--quiet', '--out', join(dir, 'm.cnn')],
  { cwd: REPO, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  // conv, a conv inside each block, then dense.
  assert.deepEqual(out.gradient_norms.map((l) => l.layer), ['0', '2.0', '4.0', '6']);
  assert.deepEqual(out.gradient_norms.map((l) => l.kind), ['conv', 'conv', 'conv', 'dense']);
  for (const l of out.gradient_norms) assert.ok(l.weight_grad_norm > 0 && Number.isFinite(l.weight_grad_norm), l.layer);
  assert.equal(out.gradient_norms[0].input_grad_norm, null, 'nothing computes the image gradient while training');
  for (const l of out.gradient_norms.slice(1)) assert.ok(l.input_grad_norm > 0, l.layer);
  assert.ok(close(out.gradient_norm_first_over_last,
    out.gradient_norms[0].weight_grad_norm / out.gradient_norms.at(-1).weight_grad_norm, 1e-4));
  assert.equal(out.gradient_norm_window, 20);
  assert.deepEqual(out.residual_gradients.map((b) => b.block), ['2', '4']);
  // Block 2's shortcut is the identity: it passes λ·∂L/∂H; block 4's is a projection (2 → 4 channels).
  assert.ok(close(out.residual_gradients[0].shortcut, 0.5 * out.residual_gradients[0].dL_dH, 1e-4));
  assert.ok(!close(out.residual_gradients[1].shortcut, 0.5 * out.residual_gradients[1].dL_dH, 1e-2));
  // The body's first layer receives the body's part of ∂L/∂x.
  assert.ok(close(out.gradient_norms[1].input_grad_norm, out.residual_gradients[0].body, 1e-5));
  for (const b of out.residual_gradients) {
    assert.equal(b.scale, 0.5);
    // ‖a + b‖ ≤ ‖a‖ + ‖b‖: the sum's norm is bounded by its parts'.
    assert.ok(b.dL_dx <= b.body + b.shortcut + 1e-9 && b.dL_dx > 0, b.block);
  }
});

test('Training.gradientNorms, layerGradsAt and weightGradientTerms agree on one step', () => {
  const spec = 'input 1x12x12\nconv 4 k=3 p=1\nrelu\nmaxpool 2\nresidual\n  conv 4 k=3 p=1\n  relu\nend\ndense 10\n';
  const model = new engine.Model(spec, 16);
  const labels = Uint8Array.from({ length: 16 }, (_, i) => i % 3);
  const data = engine.Data.fromArrays(images(16, 5, 144), labels, { c: 1, h: 12, w: 12 });
  const training = new engine.Training(model, data, { batchSize: 16, learningRate: 0.05, momentum: 0 });
  try {
    const empty = training.gradientNorms();
    assert.equal(empty.steps, 0);
    assert.throws(() => training.weightGradientTerms('0', 0, 0, 0, 0), /no training step/);
    training.step(1);
    const g = training.gradientNorms();
    assert.equal(g.steps, 1);
    assert.deepEqual(g.layers.map((l) => l.path), ['0', '3.0', '4']);
    const conv = model.layerGradsAt('0');
    assert.equal(conv.length, 4 * 9 + 4);
    assert.ok(close(g.layers[0].weight, norm(conv.subarray(0, 36))), 'the weights, not the biases');
    assert.ok(close(g.layers[2].weight, norm(model.layerGradsAt('4').subarray(0, 10 * 4 * 6 * 6))));
    assert.equal(g.layers[0].input, null);
    assert.equal(g.residuals[0].path, '3');
    assert.ok(close(g.residuals[0].shortcut, g.residuals[0].output), 'λ = 1');
    // Filter 2's weight [0, 1, 1] (the centre): its terms over 12×12 positions add up to its gradient.
    const { terms, samples } = training.weightGradientTerms('0', 2, 0, 1, 1);
    assert.equal(samples, 16);
    assert.equal(terms.length, 144);
    assert.ok(close(terms.reduce((a, b) => a + b, 0), conv[2 * 9 + 4], 1e-4));
    assert.throws(() => training.weightGradientTerms('3.0', 0, 0, 0, 0), /opens a block/);
    assert.throws(() => training.weightGradientTerms('0', 4, 0, 0, 0), /no weight/);
    assert.throws(() => model.layerGradsAt('9'), /no layer/);
  } finally {
    training.delete();
    data.delete();
    model.delete();
  }
});
