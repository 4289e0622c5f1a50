// The explorables' worker commands over the real protocol (worker-harness.mjs):
// the sandbox's convolve equals a convolution computed here and refuses bad
// kernels, Grad-CAM reads the last convolution's maps, an FGSM ε that the
// reply says flips the answer does, the moved digit's maps move by the shift,
// and the invariance sweep measures both models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { call, request, waitForEvent } from './worker-harness.mjs';
import { classDistances } from './engine-helpers.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });
const bytes = async (path) => new Uint8Array(await readFile(new URL(path, root)));
const testData = new engine.Data(await bytes('web/data/mnist/test-images.png'),
  await bytes('web/data/mnist/test-labels.idx'));
const digit = testData.image(0); // a 7
const digitLabel = testData.label(0);

await request('configure', { settings: defaultSettings() });
await request('evaluate'); // nothing downloads until something asks (the light first visit)
await waitForEvent('data', (d) => d.stage === 'test-ready');
await request('pretrained');

// y[k, i, j] = b[k] + Σ_c Σ_a Σ_b x[c, i·S + a − P, j·S + b − P]·w[k, c, a, b],
// per axis (kh × kw; S and P a number or { h, w }).
function correlate(x, { c, h, w }, weights, bias, r, stride, pad) {
  const [kh, kw] = typeof r === 'number' ? [r, r] : [r.h, r.w];
  const [sh, sw] = typeof stride === 'number' ? [stride, stride] : [stride.h, stride.w];
  const [ph, pw] = typeof pad === 'number' ? [pad, pad] : [pad.h, pad.w];
  const k = weights.length / (c * kh * kw), oh = Math.floor((h - kh + 2 * ph) / sh) + 1;
  const ow = Math.floor((w - kw + 2 * pw) / sw) + 1;
  const out = new Float32Array(k * oh * ow);
  for (let f = 0; f < k; ++f)
    for (let i = 0; i < oh; ++i)
      for (let j = 0; j < ow; ++j) {
        let sum = bias[f];
        for (let ch = 0; ch < c; ++ch)
          for (let a = 0; a < kh; ++a)
            for (let b = 0; b < kw; ++b) {
              const y = i * sh + a - ph, xx = j * sw + b - pw;
              const inside = y >= 0 && y < h && xx >= 0 && xx < w;
              if (inside) sum += x[(ch * h + y) * w + xx] * weights[((f * c + ch) * kh + a) * kw + b];
            }
        out[(f * oh + i) * ow + j] = sum;
      }
  return { out, oh, ow };
}

test('convolve: the engine\'s map equals a convolution computed here; a bad kernel is refused', async () => {
  const shape = { c: 2, h: 7, w: 9 };
  const image = Float32Array.from({ length: 2 * 7 * 9 }, (_, i) => Math.sin(i * 1.3));
  const weights = Float32Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.cos(i * 0.7));
  const bias = Float32Array.of(0.5, -1, 0.25);
  const r = await request('convolve', { image, shape, weights, bias, kernel: 3, stride: 2, pad: 1 });
  const mine = correlate(image, shape, weights, bias, 3, 2, 1);
  assert.deepEqual(r.shape, { c: 3, h: mine.oh, w: mine.ow });
  r.output.forEach((v, i) => assert.ok(Math.abs(v - mine.out[i]) < 1e-4, `${i}: ${v} vs ${mine.out[i]}`));
  await assert.rejects(request('convolve', { image, shape, weights: new Float32Array(7), kernel: 3 }),
    /weights must be a Float32Array of K·2·3·3 values/);
  const badBias = { image, shape, weights, kernel: 3, pad: 0, stride: 1, bias: new Float32Array(2) };
  await assert.rejects(request('convolve', badBias), /bias must be a Float32Array of 3 values/);
  const again = await request('convolve', { image, shape, weights, bias, kernel: 3, stride: 2, pad: 1 });
  assert.deepEqual(again.output, r.output, 'the worker still works after a refusal');
  // A 1×3 kernel with per-axis stride and padding (as inception-mini's), and an 11×11 one (alexnet-mini's).
  for (const [kernel, stride, pad] of [[{ h: 1, w: 3 }, { h: 1, w: 2 }, { h: 0, w: 1 }], [{ h: 11, w: 11 }, 1, 5]]) {
    const many = Float32Array.from({ length: 3 * 2 * kernel.h * kernel.w }, (_, i) => Math.cos(i * 0.3));
    const odd = await request('convolve', { image, shape, weights: many, bias, kernel, stride, pad });
    const expected = correlate(image, shape, many, bias, kernel, stride, pad);
    assert.deepEqual(odd.shape, { c: 3, h: expected.oh, w: expected.ow });
    odd.output.forEach((v, i) => assert.ok(Math.abs(v - expected.out[i]) < 1e-4, `${i}: ${v} vs ${expected.out[i]}`));
  }
});

test('gradcam: the last convolution\'s maps after its ReLU, a non-empty map for the answer', async () => {
  const r = await request('gradcam', { image: digit.slice() });
  assert.equal(r.predicted, digitLabel);
  assert.equal(r.layer, 4); // lenet5: conv 16 k=5 is layer 3, its relu layer 4
  assert.deepEqual(r.shape, { h: 10, w: 10 });
  assert.equal(r.weights.length, 16);
  assert.ok(r.cam.some((v) => v > 0) && r.cam.every((v) => v >= 0));
  // LayerCAM over the first convolution's pooled maps: 6×14×14.
  assert.equal(r.fine.layer, 2);
  assert.deepEqual(r.fine.shape, { h: 14, w: 14 });
  assert.ok(r.fine.cam.some((v) => v > 0) && r.fine.cam.every((v) => v >= 0));
  assert.equal((await request('gradcam', {})).empty ?? false, !(await request('drawnDigit')).image);
});

test('fgsm: ε = 0 changes nothing; the reported flipping ε flips the answer, no pixel moves more than ε', async () => {
  const zero = await request('fgsm', { image: digit.slice(), epsilon: 0 });
  assert.equal(zero.answer, zero.predicted);
  assert.ok(zero.flipsAt > 0, `the 7 flips somewhere (${zero.flipsAt})`);
  const r = await request('fgsm', { image: digit.slice(), epsilon: zero.flipsAt });
  assert.notEqual(r.answer, r.predicted);
  assert.ok(r.perturbation.every((v) => Math.abs(v) <= zero.flipsAt + 1e-6));
  const before = await request('fgsm', { image: digit.slice(), epsilon: zero.flipsAt - 0.01 });
  assert.equal(before.answer, before.predicted, 'the step before the reported ε does not flip');
});

test('equivariance: the conv maps move by the shift, the dense layers have none to move', async () => {
  const still = await request('equivariance', { image: digit.slice(), shiftX: 0, shiftY: 0, rotation: 0 });
  assert.ok(still.measures.every((m) => m.change < 1e-6));
  const r = await request('equivariance', { image: digit.slice(), shiftX: 3, shiftY: -2, rotation: 0 });
  assert.ok(Math.abs(r.inputMoved.x - 3) < 0.3 && Math.abs(r.inputMoved.y + 2) < 0.3);
  const conv = r.measures[0].moved;
  assert.ok(Math.abs(conv.x - 3) < 0.5 && Math.abs(conv.y + 2) < 0.5, JSON.stringify(conv));
  assert.equal(r.measures.at(-1).moved, null);
  assert.equal(r.answer, r.originalAnswer);
  // The maps follow the digit's move: much closer to the unmoved maps moved the same than to the unmoved ones.
  assert.ok(r.measures[0].mismatch < 0.2 * r.measures[0].change, JSON.stringify(r.measures[0]));
  // Turned by 20°: learned kernels are not turned with the digit, so the maps follow a turn far less well.
  const turned = await request('equivariance', { image: digit.slice(), shiftX: 0, shiftY: 0, rotation: 20 });
  const first = turned.measures[0];
  console.log(`# first conv: shifted (3, −2) mismatch ${r.measures[0].mismatch}, change ${r.measures[0].change}; `
    + `turned 20° mismatch ${first.mismatch}, change ${first.change}`);
  assert.ok(first.mismatch > 2 * r.measures[0].mismatch && first.mismatch < first.change, JSON.stringify(first));
  assert.ok(Math.abs(first.moved.x) < 0.5 && Math.abs(first.moved.y) < 0.5, 'turned, not shifted');
  assert.equal(turned.mlp, null, 'no mlp before the sweep has trained one');
});

test('invariance: a short sweep measures the CNN and a freshly trained mlp at each shift', async () => {
  const r = await call('invariance', { steps: 20, count: 8, shifts: [0, 4] }).promise;
  for (const name of ['cnn', 'mlp']) {
    assert.equal(r[name].accuracy.length, 2);
    r[name].curves.forEach((curve) => {
      assert.deepEqual(curve.map((p) => p[0]), [0, 4]);
      assert.ok(curve[0][1] < 1e-6, 'no shift, no change');
    });
  }
  assert.ok(r.cnn.moved[0].length === 2 && Math.abs(r.cnn.moved[0][1][1] - 4) < 1, JSON.stringify(r.cnn.moved[0]));
  assert.ok(r.mlp.moved.every((m) => m.length === 0), 'an mlp has no maps');
  // The sweep's mlp is kept: the sliders measure it beside the CNN for the same moved digit.
  const moved = await request('equivariance', { image: digit.slice(), shiftX: 4, shiftY: 0, rotation: 0 });
  assert.equal(moved.mlp.layers.length, 5);
  assert.ok(moved.mlp.measures.every((m) => m.moved === null && m.mismatch === null && m.change > 0));
});

test('embedding: the penultimate layer of test digits in 2-D, each class nearer itself than the others', async () => {
  const r = await call('embedding', { count: 300, image: digit.slice() }).promise;
  assert.equal(r.layer, 9); // lenet5: relu after dense 84, what dense 10 reads
  assert.equal(r.points.length, 600);
  assert.ok(Number.isFinite(r.digit.x) && Number.isFinite(r.digit.y));
  const { within, between } = classDistances(r.points, r.labels);
  assert.ok(within < 0.6 * between, `mean distance within a class ${within}, between classes ${between}`);
});


test('transfer: MNIST features under a new head on 10 Fashion-MNIST images per class, three ways', async () => {
  const r = await call('transfer', { target: 'fashion', perClass: 10, steps: 30, evalEvery: 15 }).promise;
  assert.equal(r.trainCount, 100);
  for (const name of ['frozen', 'finetuned', 'scratch']) {
    assert.deepEqual(r.history[name].map((p) => p[0]), [0, 15, 30]);
    const last = r.history[name].at(-1)[1];
    assert.ok(last > 0.3, `${name} learns something from 100 images (${last})`);
  }
  assert.ok(r.progress.length === 3 && r.progress.every((p) => p.total === 30));
});

test('transfer: the same domain, pen digits of writers MNIST never saw, as the page draws them', async () => {
  const r = await call('transfer', { target: 'pendigits', perClass: 10, steps: 30, evalEvery: 15 }).promise;
  assert.equal(r.target, 'pendigits');
  assert.equal(r.trainCount, 100);
  assert.ok(r.history.frozen.at(-1)[1] > 0.8, `frozen MNIST features read pen digits (${r.history.frozen.at(-1)[1]})`);
  assert.ok(r.history.frozen.at(-1)[1] > r.history.scratch.at(-1)[1], 'and beat training from scratch on 100 images');
});

test('adversarial: after training on FGSM examples a larger ε is needed to flip test digits', async () => {
  const r = await call('adversarial', { count: 64, steps: 60 }).promise;
  console.log(`median ε to flip: ${r.before.median} → ${r.after.median}; accuracy ${r.before.accuracy} → `
    + `${r.after.accuracy}; flipped by 0.1: ${r.before.flippedBy['0.1']} → ${r.after.flippedBy['0.1']}`);
  assert.ok(r.before.median > 0 && r.before.median < 0.5);
  assert.ok(r.after.median > r.before.median, 'a larger ε is needed afterwards');
  assert.ok(r.after.accuracy > 0.9, 'and the clean digits are still read');
});
