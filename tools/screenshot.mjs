// The README's picture of the playground: docs/screenshot.png. Serves web/,
// opens the page in headless Chromium, draws a real handwritten digit
// (pendigits) with the mouse, trains a fresh LeNet-5 for one epoch, and
// captures the page from the top through the results panel.
//   node tools/screenshot.mjs [--out docs/screenshot.png] [--width 1280] [--full]
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  classifyOnPage, launchBrowser, loadPendigits, openPlayground, serveWeb,
} from '../tests/browser/pendigits-harness.mjs';
import { isMain, optionValue, repoPath } from './lib/common.mjs';

export async function screenshot({ out = repoPath('docs', 'screenshot.png'), width = 1280, full = false } = {}) {
  await mkdir(dirname(out), { recursive: true });
  const server = await serveWeb();
  const browser = await launchBrowser();
  try {
    const { page } = await openPlayground(browser, server.url, {
      hash: '#epochs=1&seed=1',  // the page's defaults, one epoch
      contextOptions: { viewport: { width, height: 1000 }, deviceScaleFactor: 1, colorScheme: 'light' },
    });
    await page.click('[data-testid="train"]');
    // Half an epoch, then the page tests the network on all 10,000 digits.
    await page.waitForFunction(() => !document.querySelector('#results').classList.contains('is-empty') &&
      document.querySelector('[data-testid="pause"]').disabled, null, { timeout: 300_000 });
    // A real handwritten 4 that the half-trained network reads correctly (the
    // picture is of the page, not of a mistake): writer 7's first, else the next.
    const fours = (await loadPendigits()).filter((d) => d.label === 4 && d.writer >= 7).slice(0, 10);
    for (const digit of fours) if ((await classifyOnPage(page, digit.strokes)).digit === 4) break;
    // Show the mistakes the network makes most: click the largest off-diagonal cell.
    await page.evaluate(() => {
      const cells = [...document.querySelectorAll('.confusion td.off')];
      cells.sort((a, b) => Number(b.textContent) - Number(a.textContent));
      cells[0]?.click();
    });
    await page.mouse.move(0, 0); // no hover effects in the picture
    await page.waitForTimeout(400); // bar transitions settle
    const clip = await page.evaluate((full) => {
      const bottom = document.querySelector(full ? 'body' : '#results').getBoundingClientRect().bottom + scrollY;
      return { x: 0, y: 0, width: document.documentElement.clientWidth, height: Math.ceil(bottom + (full ? 0 : 20)) };
    }, full);
    await page.screenshot({ path: out, clip, fullPage: true });
    console.log(`wrote ${out} (${clip.width}×${clip.height})`);
    if (page.errors.length) console.log(`page errors: ${page.errors.join('; ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  screenshot({
    out: optionValue(args, '--out', repoPath('docs', 'screenshot.png')),
    width: Number(optionValue(args, '--width', 1280)),
    full: args.includes('--full'),
  }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
