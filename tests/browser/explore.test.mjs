// The explorables in headless Chromium, on a real pen digit drawn with the
// mouse: the convolution sandbox's Sobel map equals a convolution computed
// here, its stepping view shows the products of the window it names, a
// learned 1×3 filter of inception-mini summed over its depth is the layer's
// map; Grad-CAM and LayerCAM are non-empty and peak on the ink, with a
// meaningful share of their heat near it; the sliders show the mlp beside the
// CNN and the mismatch of a turned digit; an ε the FGSM view reports as flipping
// the answer does flip the engine's prediction (the engine loaded here in
// Node, with the shipped model the page runs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPlayground, classifyOnPage, startSession, endSession } from './pendigits-harness.mjs';
import { classDistances, loadEngine, repo } from '../node/engine-helpers.mjs';
import { KERNELS } from '../../web/app/panels/conv-kernels.js';

let server, browser, digits, page, drawn;

before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
  ({ page } = await openPlayground(browser, server.url));
  const three = digits.find((d) => d.label === 3 && d.writer === 2);
  drawn = await classifyOnPage(page, three.strokes);
});
after(() => endSession({ server, browser }));

// The digit the network got, as the draw panel shows it (gray canvas → [0, 1]).
const networkInput = () => page.$eval('[data-testid="network-input"]', (c) =>
  Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0), (v) => v / 255));

// y[i, j] = Σ x[i + a − P, j + b − P]·w[a, b]: cross-correlation, as conv layers compute it.
function correlate(x, side, w, r, pad) {
  const o = side - r + 2 * pad + 1;
  return Array.from({ length: o * o }, (_, k) => {
    const i = Math.floor(k / o), j = k % o;
    let sum = 0;
    for (let a = 0; a < r; ++a)
      for (let b = 0; b < r; ++b) {
        const y = i + a - pad, xx = j + b - pad;
        if (y >= 0 && y < side && xx >= 0 && xx < side) sum += x[y * side + xx] * w[a * r + b];
      }
    return sum;
  });
}

test('the sandbox: a Sobel map equal to a convolution computed here, the products of the stepped window', async () => {
  assert.equal(drawn.digit, 3);
  const sandbox = page.locator('[data-testid="panel-convolution"]');
  await sandbox.scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid="sandbox-kernel"]', 'sobelX');
  await page.selectOption('[data-testid="sandbox-pad"]', '1');
  await page.waitForFunction(() => document.querySelector('[data-testid="sandbox-formula"]').dataset.side === '28');
  const image = await networkInput();
  const read = () => page.$eval('[data-testid="sandbox-output"]', (c) => JSON.parse(c.dataset.values));
  const mine = correlate(image, 28, KERNELS.sobelX.values, 3, 1);
  const shown = await read();
  assert.equal(shown.length, 28 * 28);
  // The canvas's pixels round to 1/255, so agreement within a few of those is exact arithmetic.
  const worst = Math.max(...shown.map((v, i) => Math.abs(v - mine[i])));
  assert.ok(worst < 0.03, `largest difference ${worst}`);
  assert.ok(Math.max(...mine.map(Math.abs)) > 1, 'the digit has edges for the kernel to find');

  // Convolution flips the kernel: for Sobel x the map changes sign.
  await page.check('[data-testid="sandbox-conv"]');
  const differs = () => Number(document.querySelector('[data-testid="sandbox-difference"]').dataset.differ) > 0;
  await page.waitForFunction(differs);
  const flipped = await read();
  const worstFlip = Math.max(...flipped.map((v, i) => Math.abs(v + mine[i])));
  assert.ok(worstFlip < 0.03, `convolution with Sobel x is its negated cross-correlation (${worstFlip})`);
  await page.check('[data-testid="sandbox-xcorr"]');

  // Stepping: the window at row 14, column 10 shows its own nine products.
  await page.waitForFunction(differs);
  await page.$eval('[data-testid="sandbox-position"]', (el) => {
    el.value = String(14 * 28 + 10);
    el.dispatchEvent(new Event('input'));
  });
  const cells = await page.$$eval('[data-testid="sandbox-product"]', (els) => els.map((e) => ({ ...e.dataset })));
  assert.equal(cells.length, 9);
  cells.forEach((c, k) => {
    const a = Math.floor(k / 3), b = k % 3;
    assert.equal(Number(c.y), 14 + a - 1);
    assert.equal(Number(c.x), 10 + b - 1);
    assert.ok(Math.abs(Number(c.value) - image[(14 + a - 1) * 28 + 10 + b - 1]) < 0.003);
    assert.equal(Number(c.weight), KERNELS.sobelX.values[k]);
    assert.ok(Math.abs(Number(c.product) - Number(c.value) * Number(c.weight)) < 1e-6);
  });
  const sum = await page.$eval('[data-testid="sandbox-sum"]', (e) => ({ ...e.dataset }));
  assert.ok(Math.abs(Number(sum.sum) - Number(sum.engine)) < 1e-4, 'the products sum to the engine\'s cell');

  // Stride 2: (28 − 3 + 2)/2 + 1 is not whole, and the engine says so; stride 3: (28 − 3 + 2)/3 + 1 = 10.
  const side = () => page.$eval('[data-testid="sandbox-formula"]', (e) => e.dataset.side);
  await page.selectOption('[data-testid="sandbox-stride"]', '2');
  await page.waitForFunction(() => document.querySelector('[data-testid="sandbox-formula"]').dataset.side
    === 'refused');
  assert.match(await page.textContent('[data-testid="sandbox-formula"]'), /14\.5: not a whole number/);
  await page.selectOption('[data-testid="sandbox-stride"]', '3');
  await page.waitForFunction(() => document.querySelector('[data-testid="sandbox-formula"]').dataset.side === '10');
  assert.equal(await side(), '10');
  assert.equal((await read()).length, 10 * 10);

  // A learned filter, summed over its input's depth, is the layer's own map.
  await page.waitForFunction(() => document.querySelector('[data-testid="learned-summary"]').dataset.worst);
  const options = await page.$$eval('[data-testid="learned-filter"] option', (o) => o.map((x) => x.value));
  await page.selectOption('[data-testid="learned-filter"]', options.at(-1)); // a second-layer filter: 6 channels
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="learned-channel"]').length === 6);
  const learnedWorst = Number(await page.$eval('[data-testid="learned-summary"]', (e) => e.dataset.worst));
  assert.ok(learnedWorst < 1e-3, `sum over channels vs the layer's map: ${learnedWorst}`);
});

test('Grad-CAM peaks on the ink; the ε the FGSM view reports flips the engine\'s own answer', async () => {
  const panel = page.locator('[data-testid="panel-reliance"]');
  await panel.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('[data-testid="gradcam"]').dataset.peak);
  const cam = await page.$eval('[data-testid="gradcam"]', (e) => ({ ...e.dataset }));
  const image = await networkInput();
  assert.equal(Number(cam.target), 3);
  assert.ok(Number(cam.total) > 0, 'the map is not empty');
  // The map's units are 2 input pixels apart (after a 2×2 pooling): on the ink means within 2 pixels of it.
  const peak = Number(cam.peak), py = Math.floor(peak / 28), px = peak % 28;
  let ink = 0;
  for (let dy = -2; dy <= 2; ++dy)
    for (let dx = -2; dx <= 2; ++dx) ink = Math.max(ink, image[(py + dy) * 28 + px + dx] ?? 0);
  assert.ok(ink > 0.5, `the peak (${py}, ${px}) is on the ink (${ink})`);
  // The last convolution's units see 14×14 pixels 2 apart: its heat spreads past the strokes, into the gaps
  // where a 3 has no ink and other digits do. LayerCAM over the first pooled maps puts most of it on the ink.
  const layercam = await page.$eval('[data-testid="layercam"]', (e) => ({ ...e.dataset }));
  const lp = Number(layercam.peak), ly = Math.floor(lp / 28), lx = lp % 28;
  let fineInk = 0;
  for (let dy = -1; dy <= 1; ++dy)
    for (let dx = -1; dx <= 1; ++dx) fineInk = Math.max(fineInk, image[(ly + dy) * 28 + lx + dx] ?? 0);
  assert.ok(fineInk > 0.5, `LayerCAM's peak (${ly}, ${lx}) is on the ink (${fineInk})`);
  const pct = (v) => (100 * Number(v)).toFixed(0);
  console.log(`Grad-CAM: peak at (${py}, ${px}); ${pct(cam.onInk)}% of the heat within 2 px of ink; LayerCAM: `
    + `peak (${ly}, ${lx}), ${pct(layercam.onInk)}%; the near-ink pixels are ${pct(cam.nearInkArea)}% of the image`);
  assert.ok(Number(cam.onInk) > Number(cam.nearInkArea), 'Grad-CAM: more heat near the ink than spread evenly');
  assert.ok(Number(layercam.onInk) > 0.7, `LayerCAM: most heat near the ink (${layercam.onInk})`);

  await page.waitForFunction(() => document.querySelector('[data-testid="fgsm"]').dataset.answer);
  const flipsAt = Number(await page.$eval('[data-testid="fgsm"]', (e) => e.dataset.flipsAt));
  assert.ok(flipsAt > 0 && flipsAt <= 0.5, `an ε up to 0.5 flips the 3 (${flipsAt})`);
  await page.click('[data-testid="fgsm-to-flip"]');
  await page.waitForFunction((e) => Number(document.querySelector('[data-testid="fgsm"]').dataset.epsilon) === e,
    flipsAt);
  const fgsm = await page.$eval('[data-testid="fgsm"]', (e) => ({ ...e.dataset }));
  assert.equal(fgsm.flipped, 'true');
  assert.notEqual(Number(fgsm.answer), 3);
  // The engine itself, outside the page, reads the changed digit the same way.
  const engine = await loadEngine();
  const model = engine.Model.fromBytes(new Uint8Array(await readFile(repo('web/models/lenet5.cnn'))), 1);
  const adversarial = new Float32Array(Uint8Array.from(Buffer.from(fgsm.adversarial, 'base64')).buffer);
  const probs = model.predict(adversarial);
  const answer = probs.indexOf(Math.max(...probs));
  model.delete();
  assert.equal(answer, Number(fgsm.answer));
  assert.notEqual(answer, 3);
  const changed = adversarial.map((v, i) => Math.abs(v - image[i]));
  assert.ok(Math.max(...changed) <= flipsAt + 0.005, 'no pixel moved by more than ε');
  assert.deepEqual(page.errors, []);
});

test('the shift sliders move the maps by the shift while the answer stays', async () => {
  const panel = page.locator('[data-testid="panel-equivariance"]');
  await panel.scrollIntoViewIfNeeded();
  await page.$eval('[data-testid="move-shiftX"]', (el) => {
    el.value = '3';
    el.dispatchEvent(new Event('input'));
  });
  await page.waitForFunction(() => Math.abs(Number(document.querySelector(
    '[data-testid="move-layer"][data-layer="0"]')?.dataset.movedX) - 3) < 1);
  const rows = await page.$$eval('[data-testid="move-layer"]', (els) => els.map((e) => ({ ...e.dataset })));
  const conv = rows.find((r) => r.kind === 'conv');
  assert.ok(Math.abs(Number(conv.movedX) - 3) < 0.5 && Math.abs(Number(conv.movedY)) < 0.5, JSON.stringify(conv));
  const pool = rows.find((r) => r.kind === 'maxpool');
  assert.ok(Math.abs(Number(pool.movedX) - 3) < 1, `the pooled maps moved too (${pool.movedX})`);
  const answers = await panel.evaluate((el) => [el.dataset.answer, el.dataset.originalAnswer]);
  assert.equal(answers[0], answers[1], 'a 3-pixel shift keeps the answer');
  // Shifted by whole pixels, the conv maps are the unmoved ones moved: no mismatch.
  assert.ok(Number(conv.mismatch) < 0.01, `shifted: mismatch ${conv.mismatch}`);

  // Turned 20°: the mismatch accounts for the rotation, and learned kernels do not turn with the digit.
  await page.$eval('[data-testid="move-shiftX"]', (el) => (el.value = '0'));
  await page.$eval('[data-testid="move-rotation"]', (el) => {
    el.value = '20';
    el.dispatchEvent(new Event('input'));
  });
  await page.waitForFunction(() => Math.abs(Number(document.querySelector(
    '[data-testid="move-layer"][data-layer="0"]')?.dataset.movedX)) < 0.5);
  const turned = await page.$eval('[data-testid="move-layer"][data-kind="conv"]', (e) => ({ ...e.dataset }));
  assert.ok(Number(turned.mismatch) > 0.05 && Number(turned.mismatch) < Number(turned.change), JSON.stringify(turned));
  assert.match(await page.textContent('[data-testid="move-table"]'), /after turning them 20°/);

  // The sweep trains the mlp; then the sliders show it beside the CNN, for the same moved digit.
  await page.$eval('[data-testid="move-rotation"]', (el) => (el.value = '0'));
  await page.$eval('[data-testid="move-shiftX"]', (el) => {
    el.value = '4';
    el.dispatchEvent(new Event('input'));
  });
  await page.click('[data-testid="invariance-run"]');
  await page.waitForSelector('[data-testid="panel-equivariance"][data-state="done"]', { timeout: 90000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="move-mlp-layer"]').length === 5);
  const mlp = await page.$$eval('[data-testid="move-mlp-layer"]', (els) => els.map((e) => ({ ...e.dataset })));
  const cnnRows = await page.$$eval('[data-testid="move-layer"]', (els) => els.map((e) => ({ ...e.dataset })));
  const cnnOut = Number(cnnRows.at(-1).change), mlpOut = Number(mlp.at(-1).change);
  const mlpFirst = Number(mlp[0].change), cnnFirst = Number(cnnRows[0].change);
  console.log(`shifted 4 px: output changed CNN ${cnnOut}, mlp ${mlpOut}; first layer CNN ${cnnFirst}, `
    + `mlp ${mlpFirst}`);
  assert.ok(mlp.every((r) => r.movedX === undefined && r.mismatch === undefined), 'an mlp has no maps');
  assert.ok(Number.isFinite(mlpOut) && mlpOut > 0 && cnnOut > 0);
  // Over the sweep's test digits the CNN keeps more answers at 4 px than the mlp (one digit's change is noisy).
  const summary = await page.textContent('[data-testid="invariance-summary"]');
  console.log(summary);
  assert.match(summary, /Over \d+ test digits shifted 4 px/);
  const sweep = JSON.parse(await panel.evaluate((el) => el.dataset.sweep));
  const at4 = (list) => list.find((p) => p[0] === 4)[1];
  assert.ok(at4(sweep.cnn) > at4(sweep.mlp), `accuracy at 4 px: CNN ${at4(sweep.cnn)}, mlp ${at4(sweep.mlp)}`);
  assert.deepEqual(page.errors, []);
});

test('the embedding: test digits of one class lie nearer each other than digits of other classes', async () => {
  const panel = page.locator('[data-testid="panel-embedding"]');
  await panel.scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid="embedding-count"]', '500'); // the panel's smallest: a quick test
  await page.click('[data-testid="embedding-run"]');
  await page.waitForSelector('[data-testid="panel-embedding"][data-state="done"]', { timeout: 90000 });
  const { points, labels, digit } = JSON.parse(await panel.evaluate((el) => el.dataset.points));
  assert.equal(labels.length, 500);
  const { within, between } = classDistances(points, labels);
  assert.ok(within < 0.6 * between, `within a class ${within}, between classes ${between}`);
  // The drawn 3 lies among the 3s: its nearest test digits are mostly 3s.
  const distance = (i) => Math.hypot(points[2 * i] - digit.x, points[2 * i + 1] - digit.y);
  const nearest = labels.map((label, i) => ({ label, d: distance(i) })).sort((a, b) => a.d - b.d).slice(0, 15);
  assert.ok(nearest.filter((p) => p.label === 3).length >= 8, JSON.stringify(nearest.map((p) => p.label)));
  assert.deepEqual(page.errors, []);
});

test('transfer learning: the three runs draw their curves, on Fashion-MNIST and on the pen digits', async () => {
  const panel = page.locator('[data-testid="panel-transfer"]');
  await panel.scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid="transfer-per-class"]', '10');
  await page.selectOption('[data-testid="transfer-steps"]', '60');
  await page.click('[data-testid="transfer-run"]');
  await page.waitForSelector('[data-testid="panel-transfer"][data-state="done"]', { timeout: 120000 });
  const histories = JSON.parse(await panel.evaluate((el) => el.dataset.history));
  for (const target of ['fashion', 'pendigits'])
    for (const name of ['frozen', 'finetuned', 'scratch']) {
      const history = histories[target][name];
      assert.equal(history.at(-1)[0], 60);
      assert.ok(history.length >= 10, `${target} ${name}: ${history.length} points`);
    }
  const plotted = await panel.evaluate((el) => [...el.querySelectorAll('.chart-plot')].map((c) =>
    Number(c.dataset.points)));
  assert.ok(plotted.length === 2 && plotted.every((n) => n >= 10), `the charts hold ${plotted} steps`);
  assert.match(await page.textContent('[data-testid="transfer-summary-fashion"]'), /Fashion-MNIST .* 10 images per/);
  const pen = await page.textContent('[data-testid="transfer-summary-pendigits"]');
  assert.match(pen, /pen digits.* 10 images per class \(100\)/);
  console.log(pen);
  assert.deepEqual(page.errors, []);
});

test('training a copy on fooling examples: the page reports the ε needed before and after', async () => {
  await page.locator('[data-testid="adversarial"]').scrollIntoViewIfNeeded();
  await page.click('[data-testid="adversarial-run"]');
  await page.waitForSelector('[data-testid="adversarial"][data-state="done"]', { timeout: 120000 });
  const r = await page.$eval('[data-testid="adversarial"]', (e) => ({ ...e.dataset }));
  console.log(`median ε to flip: ${r.before} → ${r.after}`);
  assert.ok(Number(r.after) > Number(r.before), `a larger ε is needed after (${r.before} → ${r.after})`);
  assert.match(await page.textContent('[data-testid="adversarial-summary"]'), /Median ε that flips a right answer/);
});

// Last: it changes the live network. inception-mini's 1×3 filters (per-axis kernel and padding) in the view.
test('the learned-filter view handles kh×kw filters: inception-mini\'s 1×3, summed over its depth', async () => {
  await page.selectOption('[data-setting="net"]', 'inception-mini');
  await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'ok');
  await page.click('[data-testid="reset"]');
  await page.waitForFunction(() => document.querySelector('[data-role="model-name"]').textContent
    .includes('inception'));
  await page.locator('[data-testid="panel-convolution"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="learned-filter"] option')]
    .some((o) => o.textContent.includes('1x3')));
  const option = await page.$$eval('[data-testid="learned-filter"] option', (os) =>
    os.find((o) => o.textContent.includes('1x3')).value);
  await page.$eval('[data-testid="learned-summary"]', (e) => delete e.dataset.worst);
  await page.selectOption('[data-testid="learned-filter"]', option);
  await page.waitForFunction(() => document.querySelector('[data-testid="learned-summary"]').dataset.worst);
  const summary = await page.textContent('[data-testid="learned-summary"]');
  assert.match(summary, /8 kernels of 1×3/);
  const worst = Number(await page.$eval('[data-testid="learned-summary"]', (e) => e.dataset.worst));
  assert.ok(worst < 1e-3, `sum over channels vs the layer's map: ${worst}`);
  assert.deepEqual(page.errors, []);
});
