// The built site (`npm run build:site`) as a learner meets it: dist/ under a sub-path on a plain static
// server (no COOP/COEP), usable — draw, classify, the maps — after at most 1.5 MB, the training set
// downloaded only when Train is pressed (with its progress bar); then, with the server stopped and the
// browser offline, a reload still loads, classifies and trains (and is cross-origin isolated by the
// service worker); and a new build replaces the old cache, keeps the unchanged data and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WEB_ROOT, classifyOnPage, launchBrowser, loadPendigits } from './pendigits-harness.mjs';
import { pageBytes, serveBuiltSite } from './static-site.mjs';

const USABLE_BUDGET = 1.5e6; // bytes, issue 16
const TRAIN_SECONDS = 1;

let site, browser, digits, context, page;

before(async () => {
  [site, browser, digits] = await Promise.all([serveBuiltSite(), launchBrowser(), loadPendigits()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const waitReady = () => page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
const digit = (label) => digits.find((d) => d.label === label && d.strokes.length === 1);

// Trains for a few seconds; resolves with the images seen. Notes whether the data progress bar showed.
async function trainBriefly() {
  await page.evaluate(() => {
    const strip = document.querySelector('[data-testid="data-progress"]');
    window.progressShown = false;
    new MutationObserver(() => (window.progressShown ||= !strip.hidden && strip.querySelector('progress') !== null))
      .observe(strip, { attributes: true, childList: true, subtree: true });
  });
  await page.click('[data-testid="train"]');
  await page.waitForFunction(() => document.querySelector('[data-role="seen"]').textContent !== '0', null,
    { timeout: 60000 });
  await page.waitForTimeout(TRAIN_SECONDS * 1000);
  await page.click('[data-testid="pause"]');
  await page.waitForSelector('[data-testid="pause"]:disabled');
  return Number((await page.textContent('[data-role="seen"]')).replace(/\D/g, ''));
}

async function drawAndSeeMaps(label) {
  const p = await classifyOnPage(page, digit(label).strokes);
  assert.equal(p.digit, label);
  const inside = page.locator('[data-testid="panel-inside"]');
  await inside.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="panel-inside"]').dataset.updates) > 0);
  assert.equal(await page.locator('canvas[data-testid="map"][data-layer="0"]').count(), 6);
}

test('dist/ under a sub-path on a plain server: usable after ≤ 1.5 MB, training data only on Train', async () => {
  // One context for the whole file: it keeps the service worker and its cache across reloads.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(site.url); // the folder itself, as a visitor types it
  await waitReady();
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), false, 'a plain server sends no COOP/COEP');
  await drawAndSeeMaps(7);
  const usable = await pageBytes(page);
  const names = usable.entries.map((e) => e.name);
  const downloaded = usable.entries.filter((e) => e.bytes > 1000).map((e) => e.name); // not the HEAD probes
  console.log(`# first visit: ${(usable.bytes / 1e6).toFixed(2)} MB before usable (${names.length} files)`);
  assert.ok(usable.bytes <= USABLE_BUDGET, `${usable.bytes} bytes before usable:\n${names.join('\n')}`);
  assert.ok(!downloaded.some((n) => n.includes('-images.png')), 'the data sets wait until they are needed');
  assert.ok(names.some((n) => n.includes('engine/cnn-simd.wasm')), 'relative URLs under the sub-path');

  await page.waitForSelector('[data-testid="site-status"][data-offline="1"]', { timeout: 30000 });
  assert.ok((await trainBriefly()) > 0);
  assert.ok(await page.evaluate(() => window.progressShown), 'the download showed a progress bar');
  assert.equal(site.requests('train-images.png'), 1);
  assert.deepEqual(page.errors, []);
});

test('offline (server stopped, browser offline): a reload loads, classifies and trains, isolated', async () => {
  await site.stop();
  await context.setOffline(true);
  await page.reload();
  await waitReady();
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the service worker adds COOP/COEP');
  assert.equal(await page.getAttribute('[data-testid="site-status"]', 'data-isolated'), 'true');
  await drawAndSeeMaps(3);
  assert.ok((await trainBriefly()) > 0, 'trains on the stored training set');
  assert.deepEqual(page.errors, []);
});

// web/ with one changed file, as linked folders (nothing big is copied). The change is a rule, not a
// comment: the build minifies the styles, and a comment alone would leave the file as it was.
async function changedWeb() {
  const root = await mkdtemp(join(tmpdir(), 'cnn-web-'));
  for (const name of await readdir(WEB_ROOT))
    if (name !== 'style.css') await symlink(join(WEB_ROOT, name), join(root, name));
  const style = await readFile(join(WEB_ROOT, 'style.css'), 'utf8');
  await writeFile(join(root, 'style.css'), `${style}\n.build-v2 { color: inherit; }\n`);
  return root;
}

test('a new build replaces the old cache, keeps the unchanged data set, and the page says it updated', async () => {
  await context.setOffline(false);
  await site.start();
  const oldId = site.site.id;
  const root = await changedWeb();
  try {
    const styleFetches = site.requests('style.css');
    const { id } = await site.rebuild({ root });
    assert.notEqual(id, oldId);
    await page.reload();
    await page.click('[data-testid="site-update"]', { timeout: 30000 });
    await page.waitForSelector(`[data-testid="site-status"][data-updated="${id}"]`, { timeout: 30000 });
    await waitReady();
    assert.deepEqual(await page.evaluate(() => caches.keys()), [`cnn-playground-${id}`]);
    assert.match(await page.textContent('[data-testid="site-status"]'), new RegExp(`Updated to version ${id}`));
    assert.equal(site.requests('train-images.png'), 1, 'the unchanged training set came from the old cache');
    assert.equal(site.requests('style.css'), styleFetches + 1, 'the changed file was fetched again, once');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
