// The gradient panels in headless Chromium, each checked against the engine
// run here in Node (the same wasm module, the page's own model bytes):
// saliency is the engine's input gradient of the class's score, the max
// pool's gradient reaches one marked cell per window, one Step's filter
// gradient is what the engine's gradient buffer holds for that step, and the
// gradient-flow plots draw the engine's norms during a short run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground, startSession, endSession, drawDigit } from './pendigits-harness.mjs';
import { loadEngine, readMnist } from '../node/engine-helpers.mjs';
import { defaultSettings, trainingOptions } from '../../web/settings.js';

let server, browser, page, engine, trainData;

before(async () => {
  ({ server, browser } = await startSession());
  ({ page } = await openPlayground(browser, server.url, { query: '?test-commands=1' }));
  engine = await loadEngine();
  const mnist = await readMnist('train');
  trainData = new engine.Data(mnist.png, mnist.labels);
});
after(async () => {
  trainData?.delete();
  await endSession({ server, browser });
});

const floatsOf = (base64) => new Float32Array(Uint8Array.from(Buffer.from(base64, 'base64')).buffer);
const close = (a, b, tolerance = 1e-4) => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), 1e-7);
const oneHot = (k, n = 10) => Float32Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
// The live model's bytes, through the worker's save command.
async function liveModel() {
  const base64 = await page.evaluate(async () => {
    const { bytes } = await window.cnnTest.request('save');
    let s = '';
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(s);
  });
  return engine.Model.fromBytes(Uint8Array.from(Buffer.from(base64, 'base64')), 256);
}
const dataset = (selector) => page.$eval(selector, (el) => ({ ...el.dataset }));

// A "7": a bar and a slanted stroke.
const SEVEN = [[[0.2, 0.15], [0.5, 0.15], [0.8, 0.15]], [[0.8, 0.15], [0.6, 0.5], [0.45, 0.9]]];

test('saliency is the engine\'s gradient of the class score with respect to the pixels', async () => {
  await drawDigit(page, SEVEN);
  await page.waitForSelector('[data-testid="saliency"][data-saliency]');
  const shown = await dataset('[data-testid="saliency"]');
  const model = await liveModel();
  try {
    const input = floatsOf(shown.input);
    const expected = model.inputGradient(input, oneHot(Number(shown.target)));
    const saliency = floatsOf(shown.saliency);
    assert.equal(saliency.length, 784);
    const sum = expected.reduce((a, b) => a + b, 0);
    assert.ok(close(Number(shown.sum), sum), `sums ${shown.sum} vs ${sum}`);
    const worst = saliency.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
    const largest = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(largest > 0 && worst <= 1e-5 * largest, `largest difference ${worst} of ${largest}`);
  } finally {
    model.delete();
  }
});

test('max pooling\'s gradient reaches exactly the one marked cell of each window', async () => {
  await page.waitForSelector('[data-testid="pool-gradient"][data-marks]');
  const shown = await dataset('[data-testid="pool-gradient"]');
  const marks = JSON.parse(shown.marks), windows = JSON.parse(shown.windows), reached = JSON.parse(shown.reached);
  assert.equal(marks.length, 14 * 14, 'LeNet-5\'s first pool: 14×14 windows of 2×2 over 28×28');
  assert.equal(windows.length, marks.length);
  marks.forEach((cell, i) => {
    const [y0, x0, y1, x1] = windows[i], y = Math.floor(cell / 28), x = cell % 28;
    assert.ok(y >= y0 && y < y1 && x >= x0 && x < x1, `mark ${i} lies in its window`);
  });
  assert.ok(reached.every((n) => n <= 1), 'no window passes the gradient to two cells');
  // The engine, in Node: the gradient reaching the pool's input is zero off the marks, the output's at them.
  const saliency = await dataset('[data-testid="saliency"]');
  const model = await liveModel();
  try {
    model.inputGradient(floatsOf(saliency.input), oneHot(Number(saliency.target)));
    const layer = Number(shown.layer), c = Number(shown.channel);
    const gin = model.outputGradient(layer - 1, 0).subarray(c * 784, (c + 1) * 784);
    const gout = model.outputGradient(layer, 0).subarray(c * 196, (c + 1) * 196);
    const marked = new Set(marks);
    for (let i = 0; i < 784; ++i) if (!marked.has(i)) assert.equal(gin[i], 0, `cell ${i} is not an arg-max`);
    marks.forEach((cell, w) => assert.ok(close(gin[cell], gout[w], 1e-6), `window ${w}`));
    assert.equal(reached.filter((n) => n === 1).length, gout.filter((v) => v !== 0).length);
    assert.ok(reached.filter((n) => n === 1).length > 20, 'the gradient reaches many windows');
  } finally {
    model.delete();
  }
});

test('one Step: the filter\'s gradient is the engine\'s gradient buffer, a weight\'s terms sum to it', async () => {
  await page.click('[data-testid="reset"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="update-layer"]')?.options.length > 0);
  const before = await liveModel(); // the fresh network the Step trains
  await page.selectOption('[data-testid="update-layer"]', '3');
  await page.selectOption('[data-testid="update-filter"]', '5');
  await page.selectOption('[data-testid="update-channel"]', '2');
  await page.click('[data-testid="update-step"]');
  await page.waitForSelector('[data-testid="update-view"][data-gradient]', { timeout: 60000 });
  const shown = await dataset('[data-testid="update-view"]');
  const training = new engine.Training(before, trainData, trainingOptions(defaultSettings()));
  try {
    training.step(1); // the same first minibatch from the same seed
    const size = 6 * 5 * 5; // conv 16 k=5 over 6 channels: filter 5's 150 weights
    const expected = before.layerGradsAt('3').subarray(5 * size, 6 * size);
    const gradient = JSON.parse(shown.gradient);
    assert.equal(gradient.length, size);
    gradient.forEach((g, i) => assert.ok(close(g, expected[i], 1e-4), `weight ${i}: ${g} vs ${expected[i]}`));
    assert.equal(Number(shown.samples), 32, 'the whole minibatch');
    assert.ok(close(Number(shown.termsSum), Number(shown.watchedGradient), 1e-4), 'Σ terms = g');
    assert.equal(await page.locator('[data-testid="update-terms"]').count(), 1);
    assert.match(await page.textContent('[data-testid="update-rule"]'), /Adam/);
  } finally {
    training.delete();
    before.delete();
  }
});

test('gradient flow draws the engine\'s norms while training, and the three deep networks side by side', async () => {
  await page.click('[data-testid="train"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="gradient-live"]').dataset.points) >= 2,
    null, { timeout: 60000 });
  await page.click('[data-testid="pause"]');
  const latest = JSON.parse((await dataset('[data-testid="gradient-live"]')).latest);
  assert.deepEqual(latest.layers.map((l) => l.path), ['0', '3', '6', '8', '10']);
  assert.ok(latest.layers.every((l) => l.weight > 0 && Number.isFinite(l.weight)));
  assert.equal(await page.locator('[data-testid="gradient-table"] tbody tr').count(), 5);
  // The gradient reaching each layer's input, plotted instead (the first layer's is never computed).
  await page.selectOption('[data-testid="gradient-live-figure"]', 'input');
  const summary = await page.textContent('[data-testid="gradient-live"] [data-role="chart-summary"]');
  assert.match(summary, /input-gradient norm per layer/);

  await page.selectOption('[data-testid="gradient-compare-steps"]', '20');
  await page.click('[data-testid="gradient-compare-run"]');
  await page.waitForSelector('[data-testid="gradient-compare"][data-state="done"]', { timeout: 120000 });
  const result = JSON.parse((await dataset('[data-testid="gradient-compare"]')).result);
  assert.deepEqual(result.map((n) => n.net), ['deep-sigmoid', 'deep-relu', 'deep-residual']);
  for (const n of result) {
    // The same steps in Node: the same norms. The worker may split a minibatch
    // into micro-batches (its Stepper, timed), which sums the same gradients in
    // another order (~1e-4 by step 5); by step 20 deep-relu's fast early phase has grown that
    // rounding to ~1 %, so step 5 is compared closely and step 20 loosely.
    const model = new engine.Model(n.net, 32);
    model.init(1);
    const training = new engine.Training(model, trainData,
      { learningRate: 0.05, momentum: 0.9, batchSize: 32, seed: 1, epochs: 1 });
    const compare = (page, here, tolerance, when) => page.forEach((v, i) => assert.ok(close(v, here[i], tolerance),
      `${n.net} layer ${n.layers[i].path} at ${when}: ${v} on the page, ${here[i]} here`));
    try {
      training.step(5);
      assert.equal(n.points[0].step, 5);
      compare(n.points[0].weights, training.gradientNorms().layers.map((l) => l.weight), 1e-3, 'step 5');
      training.step(15);
      compare(n.layers.map((l) => l.weight), training.gradientNorms().layers.map((l) => l.weight), 0.05, 'step 20');
    } finally {
      training.delete();
      model.delete();
    }
  }
  assert.equal(result[2].residuals.length, 5);
  assert.equal(await page.locator('[data-testid="gradient-compare"] ~ [data-role="charts"] .chart-plot').count(), 3);
  console.log(`# gradient flow after 20 steps, first/last: ${result.map((n) => `${n.net} ${n.ratio}`).join(', ')}`);
});
