// The core of the browser tests in Debian's Firefox ESR, headless, driven by
// puppeteer-core over WebDriver BiDi, so the page keeps working outside
// Chromium: it becomes ready on the SIMD engine, classifies digits drawn with
// real pen strokes, shows the maps of the drawn digit, trains for 10 s with
// rising accuracy, and saves a model that loads back with the same answers.
// The harness is the Chromium tests' own (../browser/pendigits-harness.mjs);
// one page serves every test, to keep the step short (Firefox takes seconds
// to start). CNN_TEST_BROWSER=chromium runs the same file in Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { classifyOnPage, endSession, openPlayground, startSession } from '../browser/pendigits-harness.mjs';

const BROWSER = process.env.CNN_TEST_BROWSER ?? 'firefox';
const TRAIN_SECONDS = 10;
let session, page, tempDir;

before(async () => {
  session = await startSession({ pendigits: true, browser: BROWSER });
  const hash = '#optimizer=adam&lr=0.001&batch=32&seed=1&epochs=20';
  ({ page } = await openPlayground(session.browser, session.server.url, { hash }));
  tempDir = await mkdtemp(join(tmpdir(), 'cnn-firefox-'));
});
after(async () => {
  await endSession(session);
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

const first = (label) => session.digits.find((d) => d.label === label && d.strokes.length === 1);
const dataset = (selector) => page.$eval(selector, (el) => ({ ...el.dataset }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test(`${BROWSER}: the page becomes ready on the SIMD engine`, async () => {
  const info = await dataset('[data-testid="engine-info"]');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.equal(info.simd, '1', 'Firefox has wasm SIMD, so the SIMD build must be chosen');
  assert.deepEqual(page.errors, []);
});

test(`${BROWSER}: digits drawn with the mouse are classified`, async () => {
  for (const label of [3, 7, 0]) {
    const p = await classifyOnPage(page, first(label).strokes);
    assert.equal(p.digit, label, `a drawn ${label}: ${JSON.stringify(p.probs)}`);
    assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-3, 'probabilities add up to 1');
  }
});

test(`${BROWSER}: the drawn digit's maps are drawn, and a clicked map shows where it looks`, async () => {
  await page.$eval('[data-testid="panel-inside"]', (el) => el.scrollIntoView());
  await page.waitForFunction(() => document.querySelectorAll('canvas[data-testid="map"][data-layer="0"]').length === 6
    && Number(document.querySelector('[data-testid="panel-inside"]').dataset.updates) > 0);
  const varied = await page.$$eval('canvas[data-testid="map"][data-layer="0"]', (canvases) => canvases.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) ++n;
    return n;
  }));
  assert.ok(varied.filter((n) => n > 50).length >= 4, `conv1 maps show the digit: ${varied}`);
  await page.click('canvas[data-testid="map"][data-layer="3"][data-channel="2"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="field-view"]').dataset.layer === '3');
  assert.match(await page.textContent('[data-testid="field-text"]'), /This unit sees a \d+×\d+ patch/);
});

// The page saves with a link to a blob: URL. The blob is noted as the page
// makes its URL and the link's click caught, which tests the page's own code
// in any browser without the browser's download machinery (and without
// fetching a blob: URL, which the page's connect-src 'self' refuses in Firefox).
async function saveModel(button = 'save-model') {
  await page.evaluate(() => {
    window.__saved = null;
    const blobs = new Map();
    const createObjectURL = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob) => {
      const url = createObjectURL(blob);
      blobs.set(url, blob);
      return url;
    };
    const catchSave = async (event) => {
      const link = event.target.closest?.('a[download]');
      if (!link) return;
      event.preventDefault();
      document.removeEventListener('click', catchSave, true);
      URL.createObjectURL = createObjectURL;
      const bytes = new Uint8Array(await blobs.get(link.href).arrayBuffer());
      window.__saved = { name: link.download, bytes: Array.from(bytes) };
    };
    document.addEventListener('click', catchSave, true);
  });
  await page.click(`[data-testid="${button}"]`);
  await page.waitForFunction(() => window.__saved !== null);
  return page.evaluate(() => window.__saved);
}

test(`${BROWSER}: a downloaded model loads back and predicts the same`, async () => {
  await page.$eval('[data-testid="draw"]', (el) => el.scrollIntoView());
  const digit = first(5);
  const before = await classifyOnPage(page, digit.strokes);
  const saved = await saveModel();
  assert.match(saved.name, /\.cnn$/);
  assert.equal(Buffer.from(saved.bytes.slice(0, 7)).toString(), 'CNNPLAY');
  const file = join(tempDir, 'mine.cnn');
  await writeFile(file, Buffer.from(saved.bytes));
  await page.setInputFiles('[data-testid="load-model"]', file);
  await page.waitForFunction(() => /mine\.cnn/.test(document.querySelector('[data-role="model-name"]').textContent));
  assert.equal(await page.$eval('[data-testid="model-error"]', (el) => el.hidden), true);
  const after = await classifyOnPage(page, digit.strokes);
  assert.equal(after.digit, before.digit);
  after.probs.forEach((v, i) =>
    assert.ok(Math.abs(v - before.probs[i]) < 1e-5, `class ${i}: ${v}, was ${before.probs[i]}`));
});

// "Download as ONNX", and the .onnx file loaded back: the same answer.
test(`${BROWSER}: the model downloads as ONNX and loads back, predicting the same`, async () => {
  await page.$eval('[data-testid="draw"]', (el) => el.scrollIntoView());
  const digit = first(3);
  const before = await classifyOnPage(page, digit.strokes);
  const saved = await saveModel('save-onnx');
  assert.match(saved.name, /\.onnx$/);
  assert.equal(saved.bytes[0], 0x08, 'an ONNX ModelProto opens with its ir_version field');
  const file = join(tempDir, 'mine.onnx');
  await writeFile(file, Buffer.from(saved.bytes));
  await page.setInputFiles('[data-testid="load-model"]', file);
  await page.waitForFunction(() => /mine\.onnx/.test(document.querySelector('[data-role="model-name"]').textContent));
  assert.equal(await page.$eval('[data-testid="model-error"]', (el) => el.hidden), true);
  const after = await classifyOnPage(page, digit.strokes);
  assert.equal(after.digit, before.digit);
  after.probs.forEach((v, i) =>
    assert.ok(Math.abs(v - before.probs[i]) < 1e-4, `class ${i}: ${v}, was ${before.probs[i]}`));
});

test(`${BROWSER}: training for ${TRAIN_SECONDS} s raises test accuracy; Pause stops it`, async () => {
  const read = () => page.evaluate(() => ({
    accuracy: Number(document.querySelector('[data-testid="test-accuracy"]').dataset.value || NaN),
    imagesPerSecond: Number(document.querySelector('[data-testid="images-per-second"]').dataset.value),
    seen: document.querySelector('[data-role="seen"]').textContent,
    points: Number(document.querySelector('[data-testid="chart-accuracy"]').dataset.points),
  }));
  await page.click('[data-testid="train"]');
  // The fresh network's own first test: the loaded model's figure stays on screen until the new
  // model's event clears it, and that network's test comes after Train's reply.
  await page.waitForFunction(() => document.querySelector('[data-testid="test-accuracy"]').dataset.value !== ''
    && /fresh lenet5|lenet5, trained here/.test(document.querySelector('[data-role="model-line"]').textContent));
  const start = await read();
  await sleep(TRAIN_SECONDS * 1000);
  const end = await read();
  await page.click('[data-testid="pause"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="pause"]').disabled);
  const paused = (await read()).seen;
  await sleep(500);
  console.log(`# ${BROWSER}: trained ${TRAIN_SECONDS} s: test accuracy ${start.accuracy} -> ${end.accuracy}; `
    + `${end.imagesPerSecond} images/s; ${end.seen} images seen; ${end.points} chart points`);
  assert.ok(start.accuracy < 0.3, `a fresh network starts near chance (${start.accuracy})`);
  assert.ok(end.accuracy >= 0.8, `after ${TRAIN_SECONDS} s the test accuracy is ${end.accuracy}`);
  assert.ok(end.imagesPerSecond > 0 && end.points > 1);
  assert.equal((await read()).seen, paused, 'nothing trains after Pause');
  assert.deepEqual(page.errors, []);
});
