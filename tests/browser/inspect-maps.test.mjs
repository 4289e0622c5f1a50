// The "see inside" panels in headless Chromium, driven like a learner:
// a real pen digit drawn with the mouse gets activation maps of the right
// number and size with non-empty pixels, the layer arithmetic with its
// numbers, the learned filters, a receptive field that matches the geometry,
// an augmentation grid the engine drew (identical to the digit when every
// transform is off), live redraws while training, and the data set picker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground, classifyOnPage, startSession, endSession } from './pendigits-harness.mjs';

let server, browser, digits, page;

before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
  const contextOptions = { viewport: { width: 1280, height: 1000 } };
  ({ page } = await openPlayground(browser, server.url, { contextOptions }));
});
after(() => endSession({ server, browser }));

// The inside panel counts its redraws in data-updates.
const INSIDE = '[data-testid="panel-inside"]';
const updates = () => page.$eval(INSIDE, (el) => Number(el.dataset.updates) || 0);
async function drawAndInspect(digit) {
  const before = await updates();
  await classifyOnPage(page, digit.strokes);
  await page.locator(INSIDE).scrollIntoViewIfNeeded();
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.updates) > n, [INSIDE, before],
    { timeout: 30000 });
}

// In the page: how many pixels of a canvas differ from its first pixel.
const CONTENT = (canvases) => canvases.map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) ++n;
  return { w: c.width, h: c.height, varied: n };
});

test('a drawn digit gets every layer\'s maps at native size, non-empty, '
  + 'with the arithmetic under each layer', async () => {
  const three = digits.find((d) => d.label === 3 && d.writer === 5);
  await drawAndInspect(three);
  const layers = await page.$$eval('[data-testid="activation-layer"]', (els) => els.map((e) =>
    ({ kind: e.dataset.kind, maps: Number(e.dataset.maps), size: e.dataset.mapSize ?? null })));
  assert.deepEqual(layers.map((l) => l.kind),
    ['conv', 'relu', 'maxpool', 'conv', 'relu', 'maxpool', 'dense', 'relu', 'dense', 'relu', 'dense']);
  assert.deepEqual(layers.slice(0, 6).map((l) => `${l.maps}@${l.size}`),
    ['6@28x28', '6@28x28', '6@14x14', '16@10x10', '16@10x10', '16@5x5']);

  const conv1 = await page.$$eval('canvas[data-testid="map"][data-layer="0"]', CONTENT);
  assert.equal(conv1.length, 6);
  for (const m of conv1) assert.deepEqual([m.w, m.h], [28, 28], 'one canvas pixel per value');
  assert.ok(conv1.filter((m) => m.varied > 50).length >= 4, `conv1 maps show the digit: ${JSON.stringify(conv1)}`);
  const pool2 = await page.$$eval('canvas[data-testid="map"][data-layer="5"]', CONTENT);
  assert.equal(pool2.length, 16);
  assert.ok(pool2.filter((m) => m.varied > 0).length >= 8);
  // Scaled by CSS, pixelated, to a whole multiple.
  const css = await page.$eval('canvas[data-testid="map"][data-layer="3"]',
    (c) => ({ w: c.getBoundingClientRect().width, rendering: getComputedStyle(c).imageRendering }));
  assert.equal(css.w % 10, 0);
  assert.ok(css.w >= 40);
  assert.equal(css.rendering, 'pixelated');

  const bars = await page.$$eval('canvas[data-testid="activation-bars"]', CONTENT);
  assert.equal(bars.length, 5);
  assert.ok(bars.every((b) => b.varied > 0));
  const probs = await page.$eval('[data-testid="activation-probs"]', (c) => c.dataset.digit);
  const predicted = await page.$eval('[data-testid="prediction"]', (el) => el.dataset.digit);
  assert.equal(probs, predicted, 'the softmax row agrees with the page\'s prediction');

  const explain = await page.$$eval('[data-testid="layer-explain"]', (els) => els.map((e) => e.textContent));
  assert.match(explain[0], /\(28 − 5 \+ 2·2\)\/1 \+ 1 = 28/);
  assert.match(explain[0], /\(5·5·1 \+ 1\)·6 = 156/);
  assert.match(explain[3], /\(5·5·6 \+ 1\)·16 = 2416/);
  assert.match(explain[3], /14×14/);
  assert.match(explain[6], /\(400 \+ 1\)·120 = 48120/);
  assert.equal(await page.textContent('[data-testid="net-total-params"]'), '61,706');
});

test('filters are drawn, and a clicked unit shows its filter and the input patch it sees', async () => {
  const filters = await page.$$eval('[data-testid="filter-layer"]',
    (els) => els.map((e) => [e.dataset.layer, e.dataset.count]));
  assert.deepEqual(filters, [['0', '6'], ['3', '16']]);
  const conv2Channels = await page.$$eval('[data-testid="filter"][data-layer="3"][data-filter="0"] canvas', CONTENT);
  assert.equal(conv2Channels.length, 6, 'a conv2 filter is 6 channels of 5×5');
  assert.ok(conv2Channels.every((c) => c.w === 5 && c.h === 5 && c.varied > 0));

  // Unit (4, 4) of conv2 map 5: rows 2·4 − 2 … 2·4 + 11 of the input (14×14).
  const map = page.locator('canvas[data-testid="map"][data-layer="3"][data-channel="5"]');
  const box = await map.boundingBox();
  await map.click({ position: { x: box.width * 0.45, y: box.height * 0.45 } });
  const view = await page.waitForSelector('[data-testid="field-view"][data-unit="4,4"]');
  const rect = JSON.parse(await view.getAttribute('data-rect'));
  assert.deepEqual(rect, { top: 6, bottom: 19, left: 6, right: 19, size: { h: 14, w: 14 } });
  const filter5 = '[data-testid="filter"][data-layer="3"][data-filter="5"]';
  assert.equal(await page.getAttribute(filter5, 'class'), 'filter selected');
  assert.match(await page.textContent('[data-testid="field-text"]'), /14×14 patch/);
  // The outline covers 14/28 of the input picture.
  const [rf, input] = await Promise.all([
    page.locator('[data-testid="rf-box"]').boundingBox(),
    page.locator('[data-testid="field-view"] canvas').first().boundingBox(),
  ]);
  assert.ok(Math.abs(rf.width / input.width - 0.5) < 0.02, `${rf.width} / ${input.width}`);

  // A unit in the corner of a relu map: its field is cut at the border.
  const corner = page.locator('canvas[data-testid="map"][data-layer="1"][data-channel="0"]');
  await corner.click({ position: { x: 1, y: 1 } });
  await page.waitForSelector('[data-testid="field-view"][data-unit="0,0"][data-layer="1"]');
  assert.deepEqual(JSON.parse(await page.getAttribute('[data-testid="field-view"]', 'data-rect')),
    { top: 0, bottom: 2, left: 0, right: 2, size: { h: 5, w: 5 } });
});

test('the augmentation grid is drawn by the engine: 16 varied copies, '
  + 'the digit itself when every transform is off', async () => {
  await page.locator('[data-testid="panel-augmentation"]').scrollIntoViewIfNeeded();
  const rendered = () => page.$eval('[data-testid="augmentation"]', (el) => Number(el.dataset.rendered) || 0);
  const redraw = async (action) => {
    const n = await rendered();
    await action();
    const drawnMore = (k) => Number(document.querySelector('[data-testid="augmentation"]').dataset.rendered) > k;
    await page.waitForFunction(drawnMore, n, { timeout: 20000 });
  };
  await page.waitForSelector('[data-testid="augment-preset-heavy"]', { timeout: 20000 });
  await redraw(() => page.click('[data-testid="augment-preset-heavy"]'));
  // The red channel of the source digit and of every copy.
  const pixels = () => page.$$eval('[data-testid="augment-source"], [data-testid="augment-cell"]', (cs) => cs.map((c) =>
    Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))));
  const options = async () => JSON.parse(await page.getAttribute('[data-testid="augmentation"]', 'data-options'));
  const heavy = await pixels();
  assert.equal(heavy.length, 17);
  const source = heavy[0];
  assert.ok(source.some((v) => v > 0), 'the source digit is drawn');
  const same = (a, b) => a.every((v, i) => v === b[i]);
  assert.ok(heavy.slice(1).every((cell) => !same(cell, source)), 'every heavy copy differs from the digit');
  assert.ok(new Set(heavy.slice(1).map((c) => c.join())).size === 16, 'and from each other');
  assert.ok(heavy.slice(1).every((cell) => cell.some((v) => v > 0)));
  assert.equal((await options()).rotation, 25);

  await redraw(() => page.click('[data-testid="augment-preset-none"]'));
  const none = await pixels();
  assert.deepEqual(await options(), {});
  assert.ok(none.slice(1).every((cell) => same(cell, none[0])), 'with nothing on, every copy is the digit');

  // One slider: rotation only.
  await redraw(() => page.locator('[data-testid="augment-rotation"]').fill('30'));
  assert.deepEqual(await options(), { rotation: 30 });
  const rotated = await pixels();
  assert.ok(rotated.slice(1).some((cell) => !same(cell, rotated[0])));
});

test('the maps redraw live while the network trains', async () => {
  await page.locator(INSIDE).scrollIntoViewIfNeeded();
  // A test digit as the source: the maps do not depend on what earlier tests left on the pad
  // (with nothing drawn the panel has no maps to redraw).
  const before = await updates();
  await page.fill('[data-testid="inspect-test-index"]', '0');
  await page.check('[data-testid="inspect-source-test"]');
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.updates) > n,
    [INSIDE, before], { timeout: 30000 });
  const startUpdates = await updates();
  const conv1Map = () =>
    page.$eval('canvas[data-testid="map"][data-layer="0"][data-channel="0"]', (c) => c.toDataURL());
  const conv1Before = await conv1Map();
  await page.click('[data-testid="train"]');
  await page.locator(INSIDE).scrollIntoViewIfNeeded();  // off screen, it would not redraw
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.updates) >= n + 4,
    [INSIDE, startUpdates], { timeout: 90000 });
  await page.click('[data-testid="pause"]');
  const conv1After = await conv1Map();
  assert.notEqual(conv1After, conv1Before, 'a fresh network trains: its first maps change');
  assert.ok(Number(await page.getAttribute('[data-testid="activation-layer"][data-layer="0"]', 'data-maps')) === 6);
});

test('the data set picker shows the active data set and which ones are prepared', async () => {
  await page.waitForSelector('[data-testid="dataset-picker"][data-probed="1"]');
  assert.equal(await page.getAttribute('[data-testid="dataset-active"]', 'data-dataset'), 'mnist');
  assert.match(await page.textContent('[data-testid="dataset-active"]'), /MNIST digits/);
  const hasFashion = await page.getAttribute('[data-testid="dataset-picker"]', 'data-has-fashion');
  const served = await page.evaluate(async () => (await fetch('data/fashion/test-images.png', { method: 'HEAD' })).ok);
  assert.equal(hasFashion, String(served));
});

test('switching to Fashion-MNIST loads its shipped model (fetched only then) and names its classes', async (t) => {
  if (await page.getAttribute('[data-testid="dataset-picker"]', 'data-has-fashion') !== 'true') {
    t.skip('web/data/fashion is not prepared (install dataset-fashion-mnist, run npm run prepare-data)');
    return;
  }
  const fetched = [];
  const onRequest = (request) => fetched.push(new URL(request.url()).pathname);
  page.on('request', onRequest);
  await page.locator('[data-testid="dataset-picker"]').scrollIntoViewIfNeeded();
  await page.check('[data-testid="dataset-fashion"]');
  await page.waitForSelector('[data-testid="dataset-active"][data-dataset="fashion"]', { timeout: 30000 });
  assert.match(await page.textContent('[data-testid="dataset-classes"]'), /T-shirt\/top.*Ankle boot/);
  await page.waitForFunction(() => /pretrained Fashion-MNIST network \(lenet5,/
    .test(document.querySelector('[data-role="model-line"]').textContent), null, { timeout: 30000 });
  page.off('request', onRequest);
  assert.ok(fetched.some((path) => path.endsWith('/models/fashion-mnist.cnn')), 'the model is fetched on switching');
  // A test image of the new data set, through the shipped model (tests/native/shipped_model.cpp scores it).
  await page.locator(INSIDE).scrollIntoViewIfNeeded();
  await page.fill('[data-testid="inspect-test-index"]', '0');
  await page.check('[data-testid="inspect-source-test"]');
  // Fashion-MNIST test image 0 is an ankle boot (class 9).
  await page.waitForFunction(() =>
    /labelled Ankle boot/.test(document.querySelector('[data-testid="inspect-status"]').textContent), null,
  { timeout: 30000 });
  const conv1 = await page.$$eval('canvas[data-testid="map"][data-layer="0"]', CONTENT);
  assert.ok(conv1.filter((m) => m.varied > 50).length >= 3);
  // Fine-tuning labels follow the data set.
  assert.match(await page.textContent('[data-testid="finetune-add-9"]'), /Ankle boot/);
});
