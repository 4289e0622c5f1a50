// The network editor in headless Chromium, used as a learner uses it: a
// network built in the list (a 1×3 convolution, a concat block moved into
// place with the keyboard) trains and its accuracy rises; the course's
// impossible geometry shows the engine's message at its layer and turns
// Train off, saying why; a link carries a custom network (and reproduces its
// first steps); and every preset trains a few steps in the page. Cheap: each
// training lasts seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPlayground, startSession, endSession } from './pendigits-harness.mjs';

let server, browser;
before(async () => {
  ({ server, browser } = await startSession());
});
after(() => endSession({ server, browser }));

const CUSTOM = [
  'input 1x28x28', 'conv 6 k=1x3 p=0x1', 'relu', 'maxpool 2', 'concat', 'branch', 'conv 4 k=1', 'branch',
  'maxpool 3 s=1 p=1', 'conv 4 k=1', 'end', 'relu', 'maxpool 2', 'dense 10',
].join('\n');
// The share panel's line names the current model.
const modelNamed = (page, pattern) => page.waitForFunction(
  (source) => new RegExp(source).test(document.querySelector('[data-role="model-name"]').textContent), pattern.source);
const link = (net, rest = '') => `#net=${encodeURIComponent(net)}${rest}`;

// The editor has drawn the engine's answer to the network it shows now.
async function described(page, state) {
  await page.waitForFunction((s) => {
    const panel = document.querySelector('#network');
    return panel?.dataset.described && (!s || panel.dataset.state === s);
  }, state, { timeout: 20000 });
}
const layerRow = (page, i) => page.locator('#network [data-testid="editor-layer"]').nth(i);
const accuracy = async (page) => Number(await page.getAttribute('[data-testid="test-accuracy"]', 'data-value'));

// Train until `images` images are seen, then Pause; one Step then tests the weights on the 1,000-digit sample.
async function trainFor(page, images, timeout = 30000) {
  await page.click('[data-testid="train"]');
  await page.waitForFunction((n) => Number(document.querySelector('[data-role="seen"]').textContent.replace(/,/g, ''))
    >= n, images, { timeout });
  await page.click('[data-testid="pause"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="step"]').disabled);
  const before = await page.getAttribute('[data-testid="test-accuracy"]', 'data-value');
  await page.click('[data-testid="step"]');
  await page.waitForFunction((b) => document.querySelector('[data-testid="test-accuracy"]').dataset.value !== b,
    before, { timeout });
  return { accuracy: await accuracy(page), loss: Number(await page.textContent('[data-role="loss"]')) };
}

test('the editor builds a 1×3 convolution and a concat block; the network trains and its accuracy rises', async () => {
  const { context, page } = await openPlayground(browser, server.url, { hash: '#net=lenet5&lr=0.003' });
  await described(page, 'ok');
  // The first convolution: kernel 1×3, padding "same" (0×1).
  const conv = layerRow(page, 0);
  await conv.locator('[data-testid="kernel-h"]').fill('1');
  await conv.locator('[data-testid="kernel-w"]').fill('3');
  await conv.locator('[data-testid="pad-same"]').click();
  // A concat block, added at the end and moved up with the keyboard to sit after the second pooling.
  await page.selectOption('#network [data-testid="add-kind"] >> nth=-1', 'concat');
  await page.click('#network [data-testid="add-layer"] >> nth=-1');
  for (let i = 0; i < 5; ++i) await page.keyboard.press('Enter'); // the focus stays on the block's "move up"
  await described(page, 'ok');
  const text = await page.inputValue('[data-testid="spec-text"]');
  assert.match(text, /conv 6 k=1x3 p=0x1/);
  assert.match(text, /maxpool 2\nconcat\n {2}branch\n {4}conv 8 k=1\n {2}branch\n {4}conv 8 k=3 p=1\nend\ndense 120/);
  // Under the 1×3 layer, the arithmetic per axis with the engine's numbers.
  const shape = await conv.locator('[data-testid="explain-shape"]').textContent();
  assert.match(shape, /6×28×28 .*H: \(28 − 1\)\/1 \+ 1 = 28, W: \(28 − 3 \+ 2·1\)\/1 \+ 1 = 28/);
  assert.match(await conv.locator('[data-testid="explain-params"]').textContent(), /\(1·3·1 \+ 1\)·6 = 24/);
  assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('net'), text.replace(/^ +/gm, ''));
  // The course's comparison on the second convolution (6 → 16 channels at 14×14), and with 16 in and 16 out:
  // two 3×3 see what one 5×5 sees with fewer weights, 2·(3·3·16 + 1)·16 = 4,640 vs (5·5·16 + 1)·16 = 6,416,
  // and fewer multiply-adds, 2·14·14·16·16·9 = 903,168 vs 14·14·16·16·25 = 1,254,400.
  await layerRow(page, 3).locator('[data-testid="filters"]').focus();
  await page.waitForFunction(() => document.querySelectorAll('#network [data-testid="compare-table"]').length === 2);
  const rows = await page.$$eval('#network [data-testid="compare-table"]:last-of-type [data-testid="compare-row"]',
    (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.name, [...tr.querySelectorAll('td')].map((td) =>
      td.textContent)])));
  assert.deepEqual(rows['one 5×5'].slice(1), ['6,416', '1,254,400', '5×5']);
  assert.deepEqual(rows['two 3×3'].slice(1), ['4,640', '903,168', '5×5']);
  assert.equal(rows['1×3 + 3×1'][3], '3×3');
  // Reset builds it; a few seconds of training lift the accuracy well above chance.
  await page.click('[data-testid="reset"]');
  await modelNamed(page, /custom network/);
  const start = await accuracy(page);
  const trained = await trainFor(page, 2000);
  console.log(`# custom network: test accuracy ${start} → ${trained.accuracy} after 2,000 images`);
  assert.ok(trained.accuracy > Math.max(0.5, start + 0.3), `${start} → ${trained.accuracy}`);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('the course\'s impossible geometry shows the engine\'s message at its layer and turns Train off', async () => {
  const net = 'input 1x28x28\nmaxpool 4\nconv 4 k=3\nrelu\ndense 10';
  const { context, page } = await openPlayground(browser, server.url, { hash: link(net) });
  await described(page, 'ok');
  await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'ok');
  assert.equal(await page.isDisabled('[data-testid="train"]'), false);
  const conv = layerRow(page, 1);
  await conv.locator('[data-testid="stride-h"]').fill('3');
  await conv.locator('[data-testid="stride-w"]').fill('3');
  await described(page, 'error');
  const message = await conv.locator('[data-testid="editor-layer-error"]').textContent();
  assert.match(message, /^line 3 'conv'/);
  assert.match(message, /7/);
  await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'blocked');
  assert.equal(await page.isDisabled('[data-testid="train"]'), true);
  assert.equal(await page.isDisabled('[data-testid="step"]'), true);
  const reason = await page.textContent('[data-testid="train-blocked"]');
  assert.ok(reason.includes(message), `${reason} names ${message}`);
  // The text shows it at its line too; a fix turns Train back on.
  assert.equal(await page.textContent('#network .ne-gutter .is-error'), '3\n');
  await conv.locator('[data-testid="stride-h"]').fill('1');
  await conv.locator('[data-testid="stride-w"]').fill('1');
  await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'ok');
  assert.equal(await page.isDisabled('[data-testid="train"]'), false);

  // The initialisation control writes the spec's init line.
  await page.selectOption('[data-testid="editor-init"]', 'xavier');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="spec-text"]').value.split('\n')[1] === 'init xavier');
  // Text typed into the spec: an error at its line (the list waits, disabled), then the fixed text becomes the list.
  await page.fill('[data-testid="spec-text"]', 'input 1x28x28\nconv 4 k=3 q=1\ndense 10');
  await page.waitForFunction(() => /^line 2 'conv': unknown option 'q'/.test(
    document.querySelector('[data-testid="spec-error"]').textContent));
  const listDisabled = () => page.$eval('#network .ne-fieldset', (f) => f.disabled);
  assert.equal(await listDisabled(), true);
  await page.fill('[data-testid="spec-text"]', 'input 1x28x28\nconv 4 k=3x4 s=1x2\nelu a=0.5\ndense 10');
  await described(page, 'ok');
  await page.waitForFunction(() => document.querySelectorAll('#network [data-testid="editor-layer"]').length === 3);
  assert.equal(await listDisabled(), false);
  assert.equal(await layerRow(page, 0).locator('[data-testid="stride-w"]').inputValue(), '2');
  assert.match(await layerRow(page, 0).locator('[data-testid="explain-shape"]').textContent(), /4×26×13/);
  // A network too slow to train here is refused before training, with the reason.
  // (A step is split into parts of 8 images between which the page stays free: one part must be quick.)
  await page.fill('[data-testid="spec-text"]', 'input 1x28x28\nconv 128 k=5 p=2\nconv 128 k=5 p=2\ndense 10');
  await described(page, 'too-big');
  await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'blocked');
  assert.match(await page.textContent('[data-testid="train-blocked"]'),
    /Training 8 images \(the smallest part a step is split into\) would take about/);
  assert.equal(await page.isDisabled('[data-testid="train"]'), true);
  await context.close();
});

test('a link carries a custom network: the editor shows it and its first steps are reproduced', async () => {
  // keepOpen: the page is handed back for more (the second run's, to load the first run's file into).
  const steps = async ({ keepOpen = false } = {}) => {
    const { context, page } = await openPlayground(browser, server.url, { hash: link(CUSTOM, '&seed=5&batch=16') });
    await described(page, 'ok');
    const result = {
      text: await page.inputValue('[data-testid="spec-text"]'),
      layers: await page.locator('#network [data-testid="editor-layer"]').count(),
      branches: await page.locator('#network [data-testid="editor-branch"]').count(),
      net: new URLSearchParams(new URL(page.url()).hash.slice(1)).get('net'),
    };
    await page.click('[data-testid="reset"]');
    await modelNamed(page, /custom network/);
    for (let i = 0; i < 3; ++i) {
      await page.click('[data-testid="step"]');
      await page.waitForFunction((n) => document.querySelector('[data-role="seen"]').textContent === String(n),
        16 * (i + 1));
    }
    result.loss = await page.textContent('[data-role="loss"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-model"]')]);
    const file = await readFile(await download.path());
    if (!keepOpen) await context.close();
    return { result, file, context, page };
  };
  const { result: first, file } = await steps();
  assert.equal(first.net, CUSTOM);
  assert.equal(first.branches, 2);
  assert.equal(first.layers, 10, 'seven layers and blocks at the top, three inside the branches');
  assert.match(first.text, /concat/);
  const { result: second, context, page } = await steps({ keepOpen: true });
  assert.deepEqual(second, first);

  // Its model file, loaded into a page showing LeNet-5, puts the custom network into the editor and the link.
  await page.selectOption('[data-setting="net"]', 'lenet5');
  await page.waitForFunction(() => document.querySelectorAll('#network [data-testid="editor-branch"]').length === 0);
  await page.setInputFiles('[data-testid="load-model"]', { name: 'custom.cnn', mimeType: 'application/octet-stream',
    buffer: file });
  await page.waitForFunction(() => document.querySelectorAll('#network [data-testid="editor-branch"]').length === 2);
  await described(page, 'ok');
  assert.equal(await page.locator('#network [data-testid="editor-layer"]').count(), 10);
  const net = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('net');
  assert.match(net, /^input 1x28x28\nconv 6 k=1x3 s=1 p=0x1\n.*\nconcat\nbranch\n/s);
  await context.close();
});

test('every preset trains in the page: a few hundred images lower the loss or lift the accuracy', async () => {
  const { context, page } = await openPlayground(browser, server.url, { hash: '#lr=0.002&batch=16' });
  const presets = await page.$$eval('[data-setting="net"] option', (os) => os.map((o) => o.value));
  // The test digits load when their results come on screen (the light first visit): bring them once.
  await page.locator('[data-testid="panel-results"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector('[data-testid="test-accuracy"]').dataset.value !== '');
  // The course's networks (issue 11): LeNet-5 old and new, VGG, all-conv, AlexNet, Inception, ResNet, the deep three.
  for (const name of ['lenet5', 'lenet5-classic', 'mlp', 'vgg-mini', 'allconv', 'alexnet-mini', 'inception-mini',
    'resnet-mini', 'deep-sigmoid', 'deep-relu', 'deep-residual']) assert.ok(presets.includes(name), name);
  for (const name of presets) {
    await page.selectOption('[data-setting="net"]', name);
    await page.waitForFunction(() => document.querySelector('#train').dataset.verdict === 'ok');
    await page.click('[data-testid="reset"]');
    await page.waitForFunction((n) => document.querySelector('[data-role="model-name"]').textContent.includes(n), name);
    await page.waitForFunction(() => document.querySelector('[data-testid="test-accuracy"]').dataset.value !== '');
    const start = await accuracy(page);
    const { accuracy: a, loss } = await trainFor(page, 256, 60000);
    console.log(`# ${name}: after 256 images loss ${loss}, test accuracy ${start} → ${a}`);
    assert.ok(Number.isFinite(loss), `${name}: loss ${loss}`);
    // Chance is 10% (±1% on the 1,000-digit sample); ln 10 = 2.30 the loss of a guess. deep-sigmoid is the
    // vanishing gradient on show: it may not learn yet, as it is reported.
    if (name !== 'deep-sigmoid') assert.ok(loss < 2.2 || a > start + 0.04, `${name}: loss ${loss}, accuracy ${a}`);
  }
  assert.deepEqual(page.errors, []);
  await context.close();
});
