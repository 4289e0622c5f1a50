// Screenshots of the inspect panels for the docs: docs/activations.png (a
// drawn digit's activation maps with one unit's receptive field shown) and
// docs/augmentation.png (the augmentation grid). Serves web/, opens the page
// in headless Chromium, draws a real pen digit with the mouse, clicks a map
// unit, and captures the two panels.
//   node tools/screenshot-inspect.mjs [--out docs]
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  classifyOnPage, launchBrowser, loadPendigits, openPlayground, serveWeb,
} from '../tests/browser/pendigits-harness.mjs';
import { isMain, repoPath } from './lib/common.mjs';

export async function screenshotInspect({ outDir = repoPath('docs') } = {}) {
  await mkdir(outDir, { recursive: true });
  const server = await serveWeb();
  const browser = await launchBrowser();
  try {
    const { page } = await openPlayground(browser, server.url, {
      contextOptions: { deviceScaleFactor: 1, viewport: { width: 1280, height: 1800 } },
    });
    // A real handwritten 5 (pendigits writer 3), replayed with the mouse.
    const digit = (await loadPendigits()).find((d) => d.label === 5 && d.writer === 3);
    await classifyOnPage(page, digit.strokes);
    await page.locator('[data-testid="panel-inside"]').scrollIntoViewIfNeeded();
    const updated = () => Number(document.querySelector('[data-testid="panel-inside"]')?.dataset.updates) > 0;
    await page.waitForFunction(updated, null, {
      timeout: 30000,
    });
    // Select unit (4, 4) of conv2's map 5: its 14×14 receptive field.
    const map = page.locator('canvas[data-testid="map"][data-layer="3"][data-channel="5"]');
    const box = await map.boundingBox();
    await map.click({ position: { x: (4.5 / 10) * box.width, y: (4.5 / 10) * box.height } });
    await page.waitForSelector('[data-testid="rf-box"]');
    // The panel from its title down to the last feature maps (the dense bars below are long).
    // Panels above (the test results) may still be growing: measure until it holds still.
    const measure = () => page.evaluate(() => {
      const panel = document.querySelector('[data-testid="panel-inside"]').getBoundingClientRect();
      const last = document.querySelector('[data-testid="activation-layer"][data-layer="5"]').getBoundingClientRect();
      const height = last.bottom + 16 - panel.top;
      return { x: panel.left + scrollX, y: panel.top + scrollY, width: panel.width, height };
    });
    let clip = await measure();
    for (let tries = 0; tries < 40; ++tries) {
      await page.waitForTimeout(500);
      const again = await measure();
      if (JSON.stringify(again) === JSON.stringify(clip)) break;
      clip = again;
    }
    await page.screenshot({ path: join(outDir, 'activations.png'), fullPage: true, clip });
    await page.locator('[data-testid="panel-augmentation"]').scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="augmentation"]')?.dataset.rendered) > 0,
      null,
      { timeout: 30000 },
    );
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
  const files = await screenshotInspect({ outDir: arg('--out', repoPath('docs')) });
  console.log(files.join('\n'));
}
