// Harness for the playground page's browser tests and tools (not a test file
// itself): serve web/, launch headless Chromium, open the page, and replay
// real pen strokes (UCI pendigits) on its drawing canvas with the mouse.
//
// Serving and launching use the shared helpers (tools/serve.mjs,
// tests/browser/browser.mjs) when they exist; until then a minimal server and
// launcher with the same flags stand in.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = join(REPO, 'web');

// The shared folder sits beside the clone (in CI too): ../shared/data/pendigits.
export const PENDIGITS_PATH = join(REPO, '..', 'shared', 'data', 'pendigits', 'pendigits-train.json');

export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.idx': 'application/octet-stream', '.cnn': 'application/octet-stream',
};

async function minimalServer(root) {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
      let file = join(root, path);
      if (!file.startsWith(root + sep) && file !== root) throw new Error('outside root');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

// Serves web/ on 127.0.0.1 at a free port: {url, close()}.
export async function serveWeb() {
  const shared = join(REPO, 'tools', 'serve.mjs');
  if (existsSync(shared)) {
    const { startServer } = await import(shared);
    if (typeof startServer === 'function') {
      const s = await startServer({ root: 'web', host: '127.0.0.1', port: 0 });
      const url = s.url ?? `http://127.0.0.1:${s.port ?? s.address?.().port}/`;
      return { url: url.endsWith('/') ? url : `${url}/`, close: () => (s.close ? s.close() : s.server?.close()) };
    }
  }
  return minimalServer(WEB_ROOT);
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// Opens the playground in a new context and waits for body[data-ready="1"].
// Console errors and page errors are collected in page.errors.
export async function openPlayground(browser, baseUrl, { contextOptions = {}, hash = '', query = '', timeout = 30000 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}index.html${query}${hash}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout, state: 'attached' });
  return { context, page };
}

let pendigitsCache = null;
export async function loadPendigits() {
  pendigitsCache ??= JSON.parse(await readFile(PENDIGITS_PATH, 'utf8'));
  return pendigitsCache;
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
  const box = await page.locator(selector).boundingBox();
  const size = Math.min(box.width, box.height);
  const m = margin * size;
  const at = ([x, y]) => [box.x + m + x * (size - 2 * m), box.y + m + y * (size - 2 * m)];
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
