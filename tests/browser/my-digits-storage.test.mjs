// The learner's digits are never lost silently (issue 15, item 1), in
// headless Chromium with a real IndexedDB: they survive a reload, a full
// storage is said and the digits stay on the page, a corrupt stored entry is
// skipped and reported while the good ones stay, digits an older page kept
// in localStorage move over once, and an Add at 3,000+ digits writes one
// record and draws one figure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground, drawDigit, startSession, endSession } from './pendigits-harness.mjs';
import { quantise, serialiseDigits } from '../../web/app/panels/personal-digits.js';

let server, browser, digits;
before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
});
after(() => endSession({ server, browser }));

const count = (page) => page.$eval('[data-testid="my-digits-count"]', (el) => Number(el.dataset.count));
const countReaches = (page, k) => page.waitForFunction(
  (n) => Number(document.querySelector('[data-testid="my-digits-count"]')?.dataset.count) === n, k,
  { timeout: 20000 });
const saveStatus = (page) => page.textContent('[data-testid="my-digits-status"]');
// Every digit written: the page says so (until then it asks before a reload).
const allSaved = (page) => page.waitForFunction(() => {
  const status = document.querySelector('[data-testid="my-digits-status"]');
  return status.dataset.tone !== 'error' && status.dataset.saving === undefined;
});

async function addDrawn(page, label) {
  const n = await count(page);
  await page.click(`[data-testid="finetune-add-${label}"]`);
  await countReaches(page, n + 1);
}

async function drawOne(page) {
  await page.click('[data-testid="clear"]');
  await drawDigit(page, digits.find((d) => d.label === 3).strokes);
  await page.waitForSelector('[data-testid="prediction"]:not([data-digit=""])');
}

// An export of n digits, labels cycling 0..9 (labels listed in `bad` get 10).
function exportOf(n) {
  const pixels = quantise(Float32Array.from({ length: 784 }, (_, i) => (i % 29) / 29));
  return serialiseDigits(Array.from({ length: n }, (_, i) => ({ label: i % 10, pixels })), 'mnist');
}

async function importText(page, text, expected) {
  await page.setInputFiles('[data-testid="my-digits-import"]',
    { name: 'digits.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await countReaches(page, expected);
}

test('digits are kept in IndexedDB: at 3,000 an Add writes one record and one figure; 6,001 survive a reload',
  async () => {
    const { context, page } = await openPlayground(browser, server.url);
    await countReaches(page, 0);
    await importText(page, exportOf(3000), 3000);
    await drawOne(page);
    await page.evaluate(() => {
      window.recordsWritten = 0;
      const add = IDBObjectStore.prototype.add;
      IDBObjectStore.prototype.add = function counted(...args) {
        window.recordsWritten++;
        return add.apply(this, args);
      };
      [...document.querySelectorAll('[data-testid="my-digit"]')].at(-1).dataset.marked = '1';
    });
    const started = Date.now();
    await addDrawn(page, 5);
    console.log(`# Add at 3,000 digits: ${Date.now() - started} ms from click to the new count`);
    await page.waitForFunction(() => window.recordsWritten === 1);
    assert.equal(await page.locator('[data-testid="my-digit"][data-marked="1"]').count(), 1,
      'the figures already shown were not redrawn');
    assert.equal(await page.locator('[data-testid="my-digit"]').count(), 200, 'the newest 200 are shown');
    await importText(page, exportOf(3000), 6001);
    await allSaved(page);
    await page.reload();
    await countReaches(page, 6001);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

test('with storage full, Add says the digit is not saved, keeps it on the page and offers the export', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  await countReaches(page, 0);
  await drawOne(page);
  await addDrawn(page, 3);
  // From now on every write fails as a full disk does.
  await page.evaluate(() => {
    IDBObjectStore.prototype.add = function full() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await addDrawn(page, 4);
  await page.waitForFunction(() => /storage is full/.test(document.querySelector('[data-testid="my-digits-status"]')
    .textContent));
  const said = await saveStatus(page);
  assert.match(said, /could not save your digits: the browser's storage is full: 1 digit is not saved/);
  assert.match(said, /Export JSON keeps them/);
  assert.equal(await count(page), 2, 'both digits stay in memory');
  assert.equal(await page.isDisabled('[data-testid="my-digits-export"]'), false);
  await context.close();
});

test('a corrupt stored entry is skipped and reported; the good ones stay and the next Add keeps them', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  await countReaches(page, 0);
  await importText(page, exportOf(5), 5);
  await page.waitForFunction(() => document.querySelector('[data-testid="my-digits-status"]').textContent === '');
  // What another version (or a bug) might leave: a label of 10, and pixels of the wrong size.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('cnn-playground', 1);
    open.onsuccess = () => {
      const tx = open.result.transaction('digits', 'readwrite');
      tx.objectStore('digits').add({ dataset: 'mnist', label: 10, pixels: new Uint8Array(784) });
      tx.objectStore('digits').add({ dataset: 'mnist', label: 2, pixels: new Uint8Array(3) });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await countReaches(page, 5);
  assert.match(await saveStatus(page),
    /Of your stored digits, 2 could not be read and were left out \(digit 5: label must be 0\.\.9; digit 6: 3 pixels/);
  await drawOne(page);
  await addDrawn(page, 8);
  await allSaved(page);
  await page.reload();
  await countReaches(page, 6);
  await context.close();
});

test('digits kept in localStorage by an older page move to IndexedDB once, bad entries reported', async () => {
  const good = JSON.parse(exportOf(3));
  good.digits.push({ label: 10, pixels: good.digits[0].pixels });
  const { context, page } = await openPlayground(browser, server.url, {
    beforeGoto: (p) => p.addInitScript((text) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('cnn-playground.my-digits.v1.mnist', text);
        sessionStorage.setItem('seeded', '1');
      }
    }, JSON.stringify(good)),
  });
  await countReaches(page, 3);
  const said = await saveStatus(page);
  assert.match(said, /older version, 1 could not be read/);
  assert.match(said, /Moved 3 digits to IndexedDB/);
  assert.equal(await page.evaluate(() => localStorage.getItem('cnn-playground.my-digits.v1.mnist')), null);
  await page.reload();
  await countReaches(page, 3);
  await context.close();
});
