// Harness for the playground page's browser tests and tools (not a test file
// itself): serve web/, launch headless Chromium, open the page, and replay
// real pen strokes (UCI pendigits) on its drawing canvas with the mouse.
//
// Serving and launching come from the shared helpers (tools/serve.mjs,
// tests/browser/browser.mjs); every helper here works in Chromium and in
// Firefox (startSession({ browser: 'firefox' })).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { startServer } from '../../tools/serve.mjs';
import { launchBrowser } from './browser.mjs';

export { launchBrowser };

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = join(REPO, 'web');

// In the repository, so the tests pass in any clone (tests/data/pendigits/README.md).
export const PENDIGITS_PATH = join(REPO, 'tests', 'data', 'pendigits', 'pendigits-train.json.gz');

// Serves web/ on 127.0.0.1 at a free port: {url, close()}.
export async function serveWeb() {
  const { server, url } = await startServer({ root: 'web', host: '127.0.0.1', port: 0 });
  return { url: url.endsWith('/') ? url : `${url}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

// One server and one browser for a test file: the `before` hook's work.
// { server, browser, digits } (digits: the pen strokes, when asked for).
export async function startSession({ pendigits = false, browser: name = 'chromium' } = {}) {
  const server = await serveWeb();
  const browser = await launchBrowser(name).catch(async (e) => {
    await server.close();
    throw e;
  });
  return { server, browser, digits: pendigits ? await loadPendigits() : null };
}

// The `after` hook's work: everything startSession made, closed.
export async function endSession({ server, browser } = {}) {
  await browser?.close();
  await server?.close();
}

// Opens the playground in a new context and waits for body[data-ready="1"].
// Console errors and page errors are collected in page.errors. beforeGoto
// (page) runs before the page loads, e.g. to page.route() a file away.
export async function openPlayground(
  browser, baseUrl, { contextOptions = {}, hash = '', query = '', timeout = 60000, beforeGoto } = {},
) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  await beforeGoto?.(page);
  page.errors = [];
  // The page asks before leaving with digits not yet saved; a test that
  // reloads means to leave (page.unloadQuestions counts the questions).
  page.unloadQuestions = 0;
  page.on('dialog', (dialog) => {
    if (dialog.type() !== 'beforeunload') return dialog.dismiss();
    page.unloadQuestions++;
    return dialog.accept();
  });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}index.html${query}${hash}`);
  try {
    // The page says data-ready="error" when the engine cannot start: stop at either.
    await page.waitForFunction(() => ['1', 'error'].includes(document.body.dataset.ready), null, { timeout });
    if ((await page.evaluate(() => document.body.dataset.ready)) === 'error') throw new Error('the engine failed');
  } catch (error) {
    // Say what the page said: a silent timeout is useless in CI.
    const status = await page.textContent('[data-testid="status"]').catch(() => '?');
    const said = `status: "${status}"; errors: ${JSON.stringify(page.errors)}`;
    throw new Error(`the page did not become ready (${error.message.split('\n')[0]}); ${said}`, { cause: error });
  }
  return { context, page };
}

// The digits of a pendigits JSON file, gzipped or not (told by gzip's magic
// bytes, not the name); each file is read once per process.
const pendigitsCache = new Map();
export async function loadPendigits(path = PENDIGITS_PATH) {
  if (!pendigitsCache.has(path)) {
    const bytes = await readFile(path);
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    pendigitsCache.set(path, JSON.parse((gzipped ? gunzipSync(bytes) : bytes).toString('utf8')));
  }
  return pendigitsCache.get(path);
}

// `perWriter` digits from every writer, spread over the classes: writer w
// contributes samples whose labels cycle through 0..9 (so 10 per writer
// covers every digit once per writer).
export function sampleAcrossWriters(digits, perWriter = 10) {
  const byWriter = new Map();
  for (const d of digits) {
    if (!byWriter.has(d.writer)) byWriter.set(d.writer, []);
    byWriter.get(d.writer).push(d);
  }
  const sample = [];
  for (const [writer, list] of [...byWriter].sort((a, b) => a[0] - b[0])) {
    for (let k = 0; k < perWriter; k++) {
      const label = (k + writer) % 10;
      const pick = list.find((d) => d.label === label && !sample.includes(d)) ?? list.find((d) => !sample.includes(d));
      if (pick) sample.push(pick);
    }
  }
  return sample;
}

// Replays a digit's strokes on the drawing canvas as mouse strokes: per the
// data set's README, px = m + x·(S − 2m) with margin m.
export async function drawDigit(page, strokes, { margin = 0.12, selector = 'canvas[data-testid="draw"]' } = {}) {
  const box = await (await page.$(selector)).boundingBox();
  const size = Math.min(box.width, box.height);
  const m = margin * size;
  await replayStrokes(page, strokes, ([x, y]) => [box.x + m + x * (size - 2 * m), box.y + m + y * (size - 2 * m)]);
}

// Several digits side by side on a pad of aspect width/height, in the pad's
// units (0..1 across, y down): digit i in the i-th of equal cells, in a
// square as large as the cell allows, with the single-digit replay's margin.
export function numberStrokes(digits, { aspect, margin = 0.12 }) {
  const cell = aspect / digits.length; // in units of the pad's height
  const side = Math.min(cell, 1);
  const fit = (v) => side * (margin + v * (1 - 2 * margin));
  return digits.flatMap((d, i) => d.strokes.map((stroke) => stroke.map(([x, y]) => [
    ((i + 0.5) * cell - side / 2 + fit(x)) / aspect, (1 - side) / 2 + fit(y),
  ])));
}

// Draws strokes given in the pad's units on the canvas at selector, with the mouse.
export async function drawPadStrokes(page, strokes, selector) {
  const box = await (await page.$(selector)).boundingBox();
  await replayStrokes(page, strokes, ([x, y]) => [box.x + x * box.width, box.y + y * box.height]);
}

// `count` triples of digits drawn at random (a fixed seed: the same triples
// every run), from the writers `writers` accepts; each digit of a triple
// from any of them.
export function seededTriples(digits, { count, seed = 1, writers = () => true }) {
  let state = seed >>> 0; // mulberry32
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = digits.filter((d) => writers(d.writer));
  return Array.from({ length: count }, () => Array.from({ length: 3 }, () => pool[Math.floor(random() * pool.length)]));
}

async function replayStrokes(page, strokes, at) {
  for (const stroke of strokes) {
    const [x0, y0] = at(stroke[0]);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (const p of stroke.slice(1)) {
      const [x, y] = at(p);
      await page.mouse.move(x, y);
    }
    await page.mouse.up();
  }
}

// Reads the page's current prediction: {digit: number|null, probs: number[]|null}.
export async function readPrediction(page) {
  return page.$eval('[data-testid="prediction"]', (el) => ({
    digit: el.dataset.digit === '' ? null : Number(el.dataset.digit),
    probs: el.dataset.probs ? JSON.parse(el.dataset.probs) : null,
  }));
}

// Clears the pad, draws the digit and waits for the prediction about it.
export async function classifyOnPage(page, strokes, options) {
  await page.click('[data-testid="clear"]');
  await page.waitForSelector('[data-testid="prediction"][data-digit=""]');
  await drawDigit(page, strokes, options);
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid="prediction"]');
      return el.dataset.digit !== '' && el.dataset.strokes === String(n);
    },
    strokes.length,
    { timeout: 10000 },
  );
  return readPrediction(page);
}
