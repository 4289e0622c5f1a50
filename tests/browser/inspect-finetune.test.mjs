// Fine-tuning on your own digits, in headless Chromium: twenty real
// handwritten 7s (twenty writers from pendigits) are drawn with the mouse and
// deliberately labelled 1; fine-tuning with the conv layers frozen must move
// their predictions to 1, the page's own classifier must then read a new
// writer's 7 as 1 too, and the personal data set must survive a reload and
// export as the documented JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPlayground, classifyOnPage, startSession, endSession } from './pendigits-harness.mjs';

let server, browser, digits, page;

before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
  ({ page } = await openPlayground(browser, server.url));
});
after(() => endSession({ server, browser }));

// One 7 per writer: the first 21 writers' first single-stroke 7.
function sevens(n) {
  const out = [];
  for (let writer = 1; out.length < n && writer <= 30; ++writer) {
    const d = digits.find((x) => x.label === 7 && x.writer === writer);
    if (d) out.push(d);
  }
  return out;
}
const count = () => page.$eval('[data-testid="my-digits-count"]', (el) => Number(el.dataset.count));
// Waits until the panel counts k digits (the list may not be drawn yet after a reload).
const countReaches = (k) => page.waitForFunction(
  (n) => Number(document.querySelector('[data-testid="my-digits-count"]')?.dataset.count) === n, k);

test('twenty 7s labelled 1: fine-tuning moves their predictions to 1, frozen conv layers and all', async () => {
  const [held, ...mine] = sevens(21);
  assert.equal(mine.length, 20);
  const firstPredictions = [];
  for (const d of mine) {
    const p = await classifyOnPage(page, d.strokes);
    firstPredictions.push(p.digit);
    const n = await count();
    await page.click('[data-testid="finetune-add-1"]');
    await countReaches(n + 1);
  }
  const sevensBefore = firstPredictions.filter((d) => d === 7).length;
  console.log(`# the page read ${sevensBefore}/20 of the drawn 7s as 7 before fine-tuning`);
  assert.ok(sevensBefore >= 15, `the pretrained model reads real 7s as 7 (${firstPredictions})`);
  const labels = await page.$$eval('[data-testid="my-digit"]', (els) => [...new Set(els.map((e) => e.dataset.label))]);
  assert.deepEqual(labels, ['1']);

  // Defaults: every conv layer frozen, the dense layers learn. The list is
  // drawn when the worker describes the model, which can come after the clicks.
  await page.locator('[data-testid="panel-finetune"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="freeze"] input').length > 0);
  const frozen = await page.$$eval('[data-testid="freeze"] input',
    (els) => els.map((e) => [e.dataset.layer, e.checked]));
  assert.deepEqual(frozen, [['0', true], ['3', true], ['6', false], ['8', false], ['10', false]]);

  await page.click('[data-testid="finetune-run"]');
  await page.waitForSelector('[data-testid="finetune"][data-state="done"]', { timeout: 60000 });
  const r = await page.$eval('[data-testid="finetune-result"]', (el) => ({ ...el.dataset }));
  const before = JSON.parse(r.predictedBefore), after = JSON.parse(r.predictedAfter);
  console.log(`# fine-tuning on 20 relabelled 7s: right ${r.before} → ${r.after}; `
    + `test accuracy ${r.testBefore} → ${r.testAfter}`);
  assert.ok(Number(r.before) <= 0.25, `before: ${before}`);
  assert.ok(Number(r.after) >= 0.9, `after: ${after}`);
  assert.ok(after.filter((d) => d === 1).length > before.filter((d) => d === 1).length + 10);
  assert.ok(Number(r.testAfter) > 0.8, 'replaying training digits keeps most of what it knew');

  // The live model changed: a 7 from a writer it never saw now reads as 1.
  const p = await classifyOnPage(page, held.strokes);
  assert.equal(p.digit, 1, `the held-out 7 is now read as ${p.digit}`);
});

test('the personal digits survive a reload and export as versioned JSON', async () => {
  assert.equal(await count(), 20);
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 60000 });
  await countReaches(20);
  await page.locator('[data-testid="panel-finetune"]').scrollIntoViewIfNeeded();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="my-digits-export"]')]);
  const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(doc.format, 'cnn-playground-digits');
  assert.equal(doc.version, 1);
  assert.deepEqual(doc.shape, { c: 1, h: 28, w: 28 });
  assert.equal(doc.digits.length, 20);
  assert.ok(doc.digits.every((d) => d.label === 1 && Buffer.from(d.pixels, 'base64').length === 784));
  assert.ok(doc.digits.every((d) => Buffer.from(d.pixels, 'base64').some((b) => b > 128)), 'the ink is stored');

  // Remove one by clicking it, then import the export: 19 + 20.
  await page.click('[data-testid="my-digit"] >> nth=0');
  await countReaches(19);
  await page.setInputFiles('[data-testid="my-digits-import"]', await download.path());
  await countReaches(39);
  const bad = { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something else"}') };
  await page.setInputFiles('[data-testid="my-digits-import"]', bad);
  await page.waitForFunction(() =>
    /import failed: not a digits export/.test(document.querySelector('[data-testid="finetune-status"]').textContent));
  assert.equal(await count(), 39);
});
