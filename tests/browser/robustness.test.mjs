// Every way into the page refuses bad input the same way, and nothing is
// lost (issue 15), in headless Chromium: hashes set after load, a flood of
// keys, the seed box, a tap, the Content-Security-Policy, and a worker made
// to fail on purpose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CONTENT_SECURITY_POLICY } from '../../tools/serve.mjs';
import { openPlayground, classifyOnPage, readPrediction, startSession, endSession } from
  './pendigits-harness.mjs';

let server, browser, digits;
before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
});
after(() => endSession({ server, browser }));

const banner = (page) => page.textContent('[data-testid="status"] [data-role="status-text"]');
const first = (label) => digits.find((d) => d.label === label && d.strokes.length === 1);

test('a hash set after load is checked like a link: reported, summarised, rewritten in full', async () => {
  const { context, page } = await openPlayground(browser, server.url, { hash: '#preset=lenet5' });
  const full = await page.evaluate(() => location.hash);
  // An old link's preset= is read as the network (net=), and the address bar then says it the new way.
  assert.match(full, /^#dataset=mnist&net=lenet5&keep=1&.*&seed=1&augment=$/, 'a partial hash is filled in');

  await page.evaluate(() => (location.hash = '#preset=foo&lr=-1&batch=1e9&zzz=1&seed=7'));
  await page.waitForFunction(() => /seed=7/.test(location.hash) && !/zzz/.test(location.hash));
  const said = await banner(page);
  assert.match(said, /4 settings in the link were not understood/);
  assert.match(said, /Network: 'foo' is not valid \(not one of lenet5/);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /foo|lr=-1|1e9/);
  const networks = await page.$$eval('[data-setting="net"] option', (els) => els.map((e) => e.value));
  assert.ok(!networks.includes('foo'), `the Network select offers ${networks}`);
  assert.equal(await page.inputValue('[data-setting="seed"]'), '7');
  // Reset and Step work: the network is one the engine knows.
  await page.click('[data-testid="reset"]');
  await page.click('[data-testid="step"]');
  await page.waitForFunction(() => document.querySelector('[data-role="seen"]').textContent !== '0');
  assert.doesNotMatch(await page.textContent('[data-role="message"]'), /went wrong/);

  // A flood: 3,000 unknown keys, a 200,000-character key, and prose chosen by a link's author.
  await page.evaluate(() => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}=1`);
    const prose = encodeURIComponent('Get the fixed model at evil.example');
    location.hash = `#${keys.join('&')}&${'x'.repeat(200000)}=1&${prose}=1`;
  });
  await page.waitForFunction(() => /3002 settings/.test(document.querySelector('[data-testid="status"]').textContent));
  const flood = await banner(page);
  assert.ok(flood.length < 300, `a short summary (${flood.length} characters)`);
  assert.doesNotMatch(flood, /evil|xxxxxxxxxx/);
  const height = await page.$eval('[data-testid="status"]', (el) => el.getBoundingClientRect().height);
  assert.ok(height < 160, `the banner stays small (${height} px)`);
  await page.click('[data-testid="status-dismiss"]');
  assert.equal(await page.isHidden('[data-testid="status"]'), true, 'dismissed');
  assert.match(await page.evaluate(() => location.hash), /^#dataset=mnist&net=lenet5&/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an emptied seed box and seed 1.5 are refused with their reasons; the seed stays', async () => {
  const { context, page } = await openPlayground(browser, server.url, { hash: '#seed=3' });
  const message = async (text) => {
    await page.fill('[data-setting="seed"]', text);
    await page.dispatchEvent('[data-setting="seed"]', 'change');
    return page.$eval('[data-setting="seed"]', (el) => el.validationMessage);
  };
  assert.equal(await message(''), 'Seed: a value is needed');
  assert.match(await page.evaluate(() => location.hash), /seed=3/);
  assert.equal(await message('1.5'), 'Seed: not a whole number');
  assert.match(await page.evaluate(() => location.hash), /seed=3/);
  assert.equal(await message('8'), '');
  assert.match(await page.evaluate(() => location.hash), /seed=8/);
  await context.close();
});

test('a tap and a 2-pixel dash ask for a bigger digit instead of a guess; a real digit is read', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const box = await page.locator('canvas[data-testid="draw"]').boundingBox();
  const verdict = () => page.textContent('[data-role="verdict-text"]');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector('[data-testid="prediction"][data-too-small="1"]');
  assert.equal(await verdict(), 'Too little ink to read: draw a bigger digit.');
  assert.deepEqual(await readPrediction(page), { digit: null, probs: null });
  await page.click('[data-testid="clear"]');
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 102, box.y + 100);
  await page.mouse.up();
  await page.waitForSelector('[data-testid="prediction"][data-too-small="1"]');
  assert.deepEqual(await readPrediction(page), { digit: null, probs: null });
  const p = await classifyOnPage(page, first(2).strokes);
  assert.equal(p.digit, 2);
  await context.close();
});

test('the page runs under its Content-Security-Policy: an injected inline script is blocked', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const response = await page.request.get(`${server.url}index.html`);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  const meta = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.equal(meta, CONTENT_SECURITY_POLICY, 'the <meta> tag says what the server sends');
  const violations = await page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
    window.injected = false;
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.injected = true');
    img.src = 'data:,nope';
    document.body.append(img);
    setTimeout(() => resolve({ seen, injected: window.injected }), 300);
  }));
  assert.equal(violations.injected, false, 'neither the inline script nor the handler ran');
  assert.ok(violations.seen.some((d) => d.startsWith('script-src')), JSON.stringify(violations.seen));
  // The engine works under it (wasm compiled, no eval): a drawn digit is read.
  assert.equal((await classifyOnPage(page, first(4).strokes)).digit, 4);
  await context.close();
});

test('a worker that fails is replaced: the page says so, restores the model and settings, goes on', async () => {
  const { context, page } = await openPlayground(browser, server.url, { query: '?test-commands=1', hash: '#seed=5' });
  // A model of the learner's own: a fresh network trained for a few steps.
  await page.click('[data-testid="reset"]');
  for (let i = 0; i < 3; i++) {
    await page.click('[data-testid="step"]');
    await page.waitForFunction((n) => document.querySelector('[data-role="seen"]').textContent === String(n),
      32 * (i + 1));
  }
  await page.evaluate(() => window.scrollTo(0, 0)); // the pad in view again, for the mouse
  const before = await classifyOnPage(page, first(5).strokes);
  await page.waitForTimeout(500); // the page's copy of the model is taken when the run stops
  await page.evaluate(() => window.cnnTest.crash());
  await page.waitForFunction(() => /started again/.test(document.querySelector('[data-testid="status"]').textContent),
    null, { timeout: 30000 });
  const said = await banner(page);
  assert.match(said, /The engine stopped \(the engine worker stopped.*made to fail on purpose.*\) and was started/);
  assert.match(said, /the model as it was \(lenet5, trained here\)/);
  assert.equal(await page.evaluate(() => document.body.dataset.ready), '1');
  await page.waitForFunction((probs) => document.querySelector('[data-testid="prediction"]').dataset.probs === probs,
    JSON.stringify(before.probs), { timeout: 10000 });
  assert.match(await page.evaluate(() => location.hash), /seed=5/);
  // The learner goes on without a reload: Step trains the restored network.
  await page.click('[data-testid="step"]');
  await page.waitForFunction(() => document.querySelector('[data-role="seen"]').textContent === '32');
  assert.doesNotMatch(await page.textContent('[data-role="model-line"]'), /pretrained/);
  await page.evaluate(() => window.scrollTo(0, 0));
  assert.equal((await classifyOnPage(page, first(1).strokes)).probs.length, 10, 'drawn digits are read');
  await context.close();
});

test('quick data-set switches: the last choice wins, and a Train pressed meanwhile is not lost', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  await page.waitForSelector('[data-testid="dataset-picker"][data-probed="1"]');
  if ((await page.getAttribute('[data-testid="dataset-picker"]', 'data-has-fashion')) !== 'true') {
    await context.close();
    return; // Fashion-MNIST not prepared on this machine (dataset-fashion-mnist)
  }
  const active = (name) => page.waitForFunction((n) =>
    document.querySelector('[data-testid="dataset-active"]').dataset.dataset === n, name, { timeout: 30000 });
  await page.check('[data-testid="dataset-fashion"]');
  await page.waitForTimeout(120);
  await page.check('[data-testid="dataset-mnist"]');
  await page.waitForFunction(() => /dataset=mnist/.test(location.hash));
  await active('mnist');
  await page.waitForTimeout(500);
  assert.equal(await page.isChecked('[data-testid="dataset-mnist"]'), true, 'the MNIST radio stays chosen');

  await page.check('[data-testid="dataset-fashion"]');
  await active('fashion');
  await page.click('[data-testid="train"]');
  await page.check('[data-testid="dataset-mnist"]');
  await page.check('[data-testid="dataset-fashion"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="train"]').textContent === 'Training…',
    null, { timeout: 60000 });
  await active('fashion');
  assert.doesNotMatch(await page.textContent('[data-role="message"]'), /Loading the 60,000 MNIST/);
  await page.click('[data-testid="pause"]');
  assert.deepEqual(page.errors, []);
  await context.close();
});
