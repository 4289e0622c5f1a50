// The playground page in headless Chromium: it loads the engine and the
// pretrained model, classifies digits drawn with the mouse and with a finger
// (emulated touch), clears, refuses a damaged model file without losing the
// current one, round-trips a saved model, and keeps its settings in the URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  WEB_ROOT, openPlayground, readPrediction, classifyOnPage, startSession, endSession,
} from './pendigits-harness.mjs';

let server, browser, digits;

before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
});
after(() => endSession({ server, browser }));

const first = (label) => digits.find((d) => d.label === label && d.strokes.length === 1);

test('loads the engine and the pretrained model, and says which build runs', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const info = await page.$eval('[data-testid="engine-info"]', (el) => ({ ...el.dataset, text: el.textContent }));
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.equal(info.simd, '1', 'headless Chromium has wasm SIMD, so the SIMD build must be chosen');
  assert.match(info.text, /SIMD/);
  assert.match(await page.textContent('[data-role="model-line"]'), /pretrained LeNet-5/);
  // The pretrained model is evaluated on the whole test set once its results come on screen.
  await page.waitForTimeout(500);
  assert.ok(await page.locator('#results.is-empty').count(), 'no test set downloaded before it is wanted');
  await page.locator('#results').scrollIntoViewIfNeeded();
  await page.waitForSelector('#results:not(.is-empty)', { timeout: 30000 });
  const accuracy = Number(await page.getAttribute('[data-testid="test-accuracy"]', 'data-value'));
  console.log(`# pretrained model on the page: test accuracy ${(accuracy * 100).toFixed(2)}%`);
  assert.ok(accuracy > 0.98, `pretrained accuracy ${accuracy}`);
  assert.equal(await page.locator('.confusion td').count(), 100);
  assert.ok(await page.locator('.gallery .mistake').count() > 0, 'misclassified digits are shown');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the scalar build is used when asked for, and reports no SIMD', async () => {
  const { context, page } = await openPlayground(browser, server.url, { query: '?engine=scalar' });
  assert.equal(await page.getAttribute('[data-testid="engine-info"]', 'data-simd'), '0');
  const p = await classifyOnPage(page, first(3).strokes);
  assert.equal(p.digit, 3);
  await context.close();
});

test('a digit drawn with the mouse is shown as the network sees it and classified', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const empty = await readPrediction(page);
  assert.deepEqual(empty, { digit: null, probs: null }, 'an empty canvas shows no prediction');
  const p = await classifyOnPage(page, first(7).strokes);
  assert.equal(p.digit, 7);
  assert.equal(p.probs.length, 10);
  assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-3, 'probabilities add up to 1');
  assert.equal(await page.locator('.bar.is-winner').count(), 1);
  assert.equal(await page.textContent('.bar.is-winner .bar-label'), '7');
  // The 28×28 preview holds ink (white on black).
  const inkSum = await page.$eval('[data-testid="network-input"]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i];
    return s / 255;
  });
  assert.ok(inkSum > 40 && inkSum < 300, `ink in the network's view: ${inkSum}`);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('Clear empties the canvas and the prediction', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  await classifyOnPage(page, first(2).strokes);
  await page.click('[data-testid="clear"]');
  const p = await readPrediction(page);
  assert.deepEqual(p, { digit: null, probs: null });
  assert.equal(await page.getAttribute('[data-testid="prediction"]', 'data-probs'), '');
  assert.equal(await page.getAttribute('canvas[data-testid="draw"]', 'data-strokes'), '0');
  // No late answer about the cleared digit brings it back.
  await page.waitForTimeout(300);
  assert.deepEqual(await readPrediction(page), { digit: null, probs: null });
  await context.close();
});

// Touch through CDP, as a phone sends it: touchStart, touchMove..., touchEnd.
async function touchDraw(page, cdp, strokes) {
  const box = await page.locator('canvas[data-testid="draw"]').boundingBox();
  const m = 0.12 * box.width;
  const at = ([x, y]) => ({ x: box.x + m + x * (box.width - 2 * m), y: box.y + m + y * (box.height - 2 * m) });
  for (const stroke of strokes) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(stroke[0])] });
    for (const p of stroke.slice(1)) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(p)] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
}

test('touch: a finger draws on a phone-sized page without scrolling it, and the prediction appears', async () => {
  const { context, page } = await openPlayground(browser, server.url, {
    contextOptions: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 },
  });
  // The layout fits a phone: nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
  await page.locator('canvas[data-testid="draw"]').scrollIntoViewIfNeeded();
  const scrollBefore = await page.evaluate(() => window.scrollY);
  await page.evaluate(() => {
    window.__pointerTypes = new Set();
    const pad = document.querySelector('canvas[data-testid="draw"]');
    pad.addEventListener('pointerdown', (e) => window.__pointerTypes.add(e.pointerType));
  });
  const cdp = await context.newCDPSession(page);
  // A 6 is mostly a vertical drag: what would scroll a page without touch-action: none.
  await touchDraw(page, cdp, first(6).strokes);
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').dataset.digit !== '');
  const p = await readPrediction(page);
  assert.equal(p.digit, 6);
  assert.deepEqual(await page.evaluate(() => [...window.__pointerTypes]), ['touch'], 'the pad saw touch pointers');
  assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'drawing must not scroll the page');
  assert.deepEqual(page.errors, []);
  await context.close();
});

// A model file as the page's file input receives it.
const modelFile = (name, buffer) => ({ name, mimeType: 'application/octet-stream', buffer });

test('a damaged model file is refused with the engine\'s reason; the current model keeps working', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const good = await readFile(join(WEB_ROOT, 'models', 'lenet5.cnn'));
  const damaged = Buffer.from(good);
  damaged[Math.floor(damaged.length / 2)] ^= 0xff; // one flipped byte in the weights
  const before = await page.textContent('[data-role="model-name"]');

  await page.setInputFiles('[data-testid="load-model"]', modelFile('damaged.cnn', damaged));
  const error = page.locator('[data-testid="model-error"]');
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  assert.match(text, /damaged\.cnn/);
  assert.match(text, /checksum|CRC|corrupt/i, `the engine's reason: ${text}`);
  assert.match(text, /unchanged/);

  const notes = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a model at all') };
  await page.setInputFiles('[data-testid="load-model"]', notes);
  await page.waitForFunction(() =>
    /notes\.txt/.test(document.querySelector('[data-testid="model-error"]').textContent));

  assert.equal(await page.textContent('[data-role="model-name"]'), before, 'the model did not change');
  const p = await classifyOnPage(page, first(4).strokes);
  assert.equal(p.digit, 4, 'predictions still work');
  await context.close();
});

test('a downloaded model loads back and predicts the same', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const digit = first(5);
  const p1 = await classifyOnPage(page, digit.strokes);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-model"]')]);
  assert.match(download.suggestedFilename(), /\.cnn$/);
  const bytes = await readFile(await download.path());
  assert.deepEqual(bytes.subarray(0, 7), Buffer.from('CNNPLAY'));
  await page.setInputFiles('[data-testid="load-model"]', modelFile('mine.cnn', bytes));
  await page.waitForFunction(() => /mine\.cnn/.test(document.querySelector('[data-role="model-name"]').textContent));
  assert.equal(await page.locator('[data-testid="model-error"]').isVisible(), false);
  const p2 = await classifyOnPage(page, digit.strokes);
  assert.equal(p2.digit, p1.digit);
  p2.probs.forEach((v, i) => assert.ok(Math.abs(v - p1.probs[i]) < 1e-5));
  await context.close();
});

test('settings come from the link and go back into it', async () => {
  const hash = '#preset=mlp&optimizer=sgd&lr=0.03&batch=64&momentum=0.95&seed=7&epochs=2&dropout=0.25';
  const { context, page } = await openPlayground(browser, server.url, { hash });
  const values = await page.$$eval('[data-setting]',
    (els) => Object.fromEntries(els.map((el) => [el.dataset.setting, el.value])));
  const { net, optimizer, lr, batch, momentum, seed, epochs, keep } = values;
  // Links from before the network became `net` and dropout its keep probability still open:
  // preset=mlp is net=mlp, a drop rate of 0.25 keeps 0.75.
  assert.deepEqual(
    { net, optimizer, lr, batch, momentum, seed, epochs, keep },
    { net: 'mlp', optimizer: 'sgd', lr: '0.03', batch: '64', momentum: '0.95', seed: '7', epochs: '2',
      keep: '0.75' },
  );
  await page.selectOption('[data-setting="lr"]', '0.1');
  await page.selectOption('[data-setting="optimizer"]', 'adam');
  const url = new URL(page.url());
  const params = new URLSearchParams(url.hash.slice(1));
  assert.equal(params.get('lr'), '0.1');
  assert.equal(params.get('optimizer'), 'adam');
  assert.equal(params.get('seed'), '7');
  assert.equal(params.get('keep'), '0.75');
  assert.equal(params.get('dropout'), null, 'the link is written in today\'s words');
  assert.equal(params.get('net'), 'mlp');
  assert.equal(await page.isDisabled('[data-setting="momentum"]'), true, 'momentum is SGD-only');
  await context.close();
});

test('without the pretrained model file the page says so and falls back to a fresh LeNet-5', async () => {
  const { context, page } = await openPlayground(browser, server.url, {
    beforeGoto: (p) => p.route('**/models/lenet5.cnn', (route) => route.fulfill({ status: 404, body: 'not found' })),
  });
  const banner = await page.textContent('[data-testid="status"]');
  assert.match(banner, /pretrained (MNIST )?model is missing/i);
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-tone'), 'warn');
  assert.match(await page.textContent('[data-role="model-line"]'), /fresh lenet5/);
  // Still usable: a drawing gets a (barely trained, so any) prediction.
  const p = await classifyOnPage(page, first(0).strokes);
  assert.equal(p.probs.length, 10);
  await context.close();
});

test('an engine that cannot load is reported on the page, not a silent hang', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/engine/*.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'error', null, { timeout: 60000 });
  const banner = await page.textContent('[data-testid="status"]');
  assert.match(banner, /engine could not start/i);
  assert.match(banner, /wasm/);
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-tone'), 'error');
  await context.close();
});

test('a link with settings the page does not understand says so and uses defaults', async () => {
  const { context, page } = await openPlayground(browser, server.url, { hash: '#lr=fast&seed=3' });
  const banner = await page.textContent('[data-testid="status"]');
  assert.match(banner, /Learning rate: 'fast' is not valid/);
  assert.equal(await page.inputValue('[data-setting="lr"]'), '0.002');
  assert.equal(await page.inputValue('[data-setting="seed"]'), '3');
  await context.close();
});
