// Helpers for the inspect panels' browser tests (not a test file itself):
// a static server for web/ and headless Chromium (flags from
// /work/shared/TOOLCHAIN.md), plus drawing strokes with the real mouse.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.idx': 'application/octet-stream', '.cnn': 'application/octet-stream',
};

// Serves web/ on 127.0.0.1 at a free port. Returns {url, close()}.
export async function serveWeb(root = WEB_ROOT) {
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      let file = join(root, path);
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Replays strokes ([[x, y] in 0..1, y down] lists) on the canvas with the mouse.
export async function drawStrokes(page, strokes, selector = 'canvas[data-testid="draw"]', margin = 0.15) {
  const box = await page.locator(selector).boundingBox();
  const size = Math.min(box.width, box.height);
  const at = ([x, y]) => [box.x + size * (margin + x * (1 - 2 * margin)), box.y + size * (margin + y * (1 - 2 * margin))];
  for (const stroke of strokes) {
    const [x0, y0] = at(stroke[0]);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (const p of stroke.slice(1)) {
      const [x, y] = at(p);
      await page.mouse.move(x, y, { steps: 2 });
    }
    await page.mouse.up();
  }
}

// Pen strokes of real handwritten digits (UCI pendigits, /work/shared/data).
let pendigits = null;
export async function penDigits() {
  if (!pendigits) pendigits = JSON.parse(await readFile('/work/shared/data/pendigits/pendigits-train.json', 'utf8'));
  return pendigits;
}
