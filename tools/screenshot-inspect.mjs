// Screenshots of the inspect panels for the docs: docs/activations.png (a
// drawn digit's activation maps with one unit's receptive field shown) and
// docs/augmentation.png (the augmentation grid). Serves web/, opens the page
// in headless Chromium, draws a real pen digit with the mouse, clicks a map
// unit, and captures the two panels.
//   node tools/screenshot-inspect.mjs [--page index.html] [--out docs]
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { drawStrokes, launchBrowser, penDigits, serveWeb } from '../tests/browser/inspect-helpers.mjs';
import { isMain, repoPath } from './lib/common.mjs';

export async function screenshotInspect({ pagePath = 'index.html', outDir = repoPath('docs') } = {}) {
  await mkdir(outDir, { recursive: true });
  const server = await serveWeb();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(server.url + pagePath);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
    // A real handwritten 5 (pendigits writer 3), replayed with the mouse.
    const digit = (await penDigits()).find((d) => d.label === 5 && d.writer === 3);
    await drawStrokes(page, digit.strokes);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="activations"]')?.closest('.inspect')?.dataset.updates) > 0, null, { timeout: 30000 });
    // Select unit (4, 4) of conv2's map 5: its 14×14 receptive field.
    const map = page.locator('canvas[data-testid="map"][data-layer="3"][data-channel="5"]');
    const box = await map.boundingBox();
    await page.mouse.click(box.x + (4.5 / 10) * box.width, box.y + (4.5 / 10) * box.height);
    await page.waitForSelector('[data-testid="rf-box"]');
    await page.locator('[data-testid="panel-inside"]').screenshot({ path: join(outDir, 'activations.png') });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="augmentation"]')?.dataset.rendered) > 0, null, { timeout: 30000 });
    await page.locator('[data-testid="panel-augmentation"]').screenshot({ path: join(outDir, 'augmentation.png') });
    return [join(outDir, 'activations.png'), join(outDir, 'augmentation.png')];
  } finally {
    await browser.close();
    await server.close();
  }
}

if (isMain(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const files = await screenshotInspect({ pagePath: arg('--page', 'index.html'), outDir: arg('--out', repoPath('docs')) });
  console.log(files.join('\n'));
}
