// The gradient-flow screenshot for the README: docs/gradient-flow.png, the
// page's side-by-side run of deep-sigmoid, deep-relu and deep-residual
// (150 minibatches each), one line per layer on a log scale. Serves web/,
// opens the page in headless Chromium, presses the panel's button and
// captures the charts once the job is done.
//   node tools/screenshot-gradients.mjs [--out docs] [--steps 150]
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, openPlayground, serveWeb } from '../tests/browser/pendigits-harness.mjs';
import { isMain, repoPath } from './lib/common.mjs';

export async function screenshotGradients({ outDir = repoPath('docs'), steps = '150' } = {}) {
  await mkdir(outDir, { recursive: true });
  const server = await serveWeb();
  const browser = await launchBrowser();
  try {
    const { page } = await openPlayground(browser, server.url, {
      contextOptions: { deviceScaleFactor: 1, viewport: { width: 1280, height: 1200 } },
    });
    await page.locator('[data-testid="gradient-compare"]').scrollIntoViewIfNeeded();
    await page.selectOption('[data-testid="gradient-compare-steps"]', steps);
    await page.click('[data-testid="gradient-compare-run"]');
    await page.waitForSelector('[data-testid="gradient-compare"][data-state="done"]', { timeout: 900000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#gradient-flow .gradient-net canvas')].length >= 3);
    const clip = await page.evaluate(() => {
      const top = document.querySelector('[data-testid="gradient-compare"]').getBoundingClientRect();
      const bottom = document.querySelector('[data-testid="gradient-compare-summary"]').getBoundingClientRect();
      return { x: top.left + scrollX - 8, y: top.top + scrollY - 8, width: top.width + 16,
        height: bottom.bottom - top.top + 16 };
    });
    const file = join(outDir, 'gradient-flow.png');
    await page.screenshot({ path: file, fullPage: true, clip });
    return [file, await page.textContent('[data-testid="gradient-compare-summary"]')];
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
  const out = await screenshotGradients({ outDir: arg('--out', repoPath('docs')), steps: arg('--steps', '150') });
  console.log(out.join('\n'));
}
