// Detection over the real protocol (worker-harness.mjs) and the page's pure
// parts: the worker's 'detect' runs the live LeNet-5 made fully convolutional
// over three test digits side by side, its windows on the digits give what
// the model gives each digit alone, the page's thresholding and non-maximum
// suppression (web/app/detections.js) read the number; bad input is refused
// saying why; a drawn number becomes an image 20 pixels of ink tall.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { defaultSettings } from '../../web/settings.js';
import { iou, readNumber, suppressNonMaxima } from '../../web/detections.js';
import { NUMBER_MARGIN, strokesToNumberImage } from '../../web/app/number-image.js';
import { request } from './worker-harness.mjs';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });
const bytes = async (path) => new Uint8Array(await readFile(new URL(path, root)));
const testData = new engine.Data(await bytes('web/data/mnist/test-images.png'),
  await bytes('web/data/mnist/test-labels.idx'));
const model = engine.Model.fromBytes(await bytes('web/models/lenet5.cnn'), 1);

await request('configure', { settings: defaultSettings() }); // the worker boots with the shipped LeNet-5

// Test digits 0, 1, 2 (a 7, a 2, a 1) side by side, 28 pixels apart from x = 4, in a 28-pixel-tall strip.
const WIDTH = 4 + 3 * 28 + 4;
function strip() {
  const image = new Float32Array(28 * WIDTH);
  for (let k = 0; k < 3; k++) {
    const digit = testData.image(k);
    for (let y = 0; y < 28; y++) image.set(digit.subarray(y * 28, (y + 1) * 28), y * WIDTH + 4 + 28 * k);
  }
  return image;
}

test('detect: the windows on the digits give what the model gives each digit, and the number is read', async () => {
  const result = await request('detect', { image: strip(), width: WIDTH, height: 28 });
  assert.deepEqual([result.rows, result.cols, result.classes], [1, (WIDTH - 28) / 4 + 1, 10]);
  assert.deepEqual(result.stride, { h: 4, w: 4 });
  assert.deepEqual(result.window, { h: 28, w: 28 });
  assert.match(result.spec, /conv 120 k=5 s=1 p=0\nrelu\nconv 84 k=1 s=1 p=0\nrelu\nconv 10 k=1/);
  // Window c starts at 4c: the digits' windows are 1, 8 and 15. Each digit's 4-pixel blank border keeps the
  // first layer's 2-pixel padding from seeing its neighbour, so the window equals the digit alone.
  for (let k = 0; k < 3; k++) {
    const alone = model.predict(testData.image(k));
    for (let c = 0; c < 10; c++) assert.ok(Math.abs(result.maps[c * result.cols + 1 + 7 * k] - alone[c]) < 1e-5);
  }
  const labels = [0, 1, 2].map((k) => testData.label(k)).join('');
  assert.equal(readNumber(result).number, labels);
  // A width between two fits is padded to the next one.
  const wider = await request('detect', { image: new Float32Array(28 * 93), width: 93, height: 28 });
  assert.equal(wider.width, 96);
});

test('detect refuses a drawing it cannot read, saying why', async () => {
  await assert.rejects(request('detect', { image: new Float32Array(10), width: 40, height: 28 }),
    /image has 10 values, expected 1120 \(1×28×40\)/);
  await assert.rejects(request('detect', { image: new Float32Array(20 * 40), width: 40, height: 20 }),
    /smaller than the network's 28×28 window/);
  await assert.rejects(request('detect', { image: new Float32Array(4), width: 'wide', height: 28 }),
    /width and height must be whole numbers/);
  assert.throws(() => new engine.FullyConvolutional(model, 28, 30), /width of 30 does not slide.*28 \+ k·4/);
  // The engine's own checks, below the worker's.
  assert.throws(() => new engine.FullyConvolutional(model, 'tall', 40), /height/);
  assert.throws(() => new engine.FullyConvolutional(model, 28, 4096), /width/);
  const fc = new engine.FullyConvolutional(model, 28, 32);
  try {
    assert.throws(() => fc.classMaps(new Float32Array(5)), /image/);
    assert.throws(() => fc.classMaps([0, 1]), /image/);
    assert.throws(() => fc.classMaps(new Float32Array(28 * 32).fill(NaN)), /image/);
    assert.equal(fc.classMaps(new Float32Array(28 * 32)).length, 10 * 2); // still works: 1×2 windows
  } finally {
    fc.delete();
  }
});

test('thresholding and non-maximum suppression keep the best of overlapping windows', () => {
  const box = (x, p, digit = 1) => ({ x, y: 0, w: 28, h: 28, p, digit });
  assert.equal(iou(box(0), box(4)), 24 / 32); // 24·28 shared of (28 + 28 − 24)·28
  assert.equal(iou(box(0), box(28)), 0);
  const kept = suppressNonMaxima([box(0, 0.95), box(4, 0.99), box(8, 0.97), box(30, 0.9, 2)], 0.3);
  assert.deepEqual(kept.map((b) => b.x), [4, 30]);
  // Maps for 1 row × 3 windows, 2 classes: window 1 is unsure and dropped by the threshold.
  const maps = Float32Array.from([0.99, 0.5, 0.02, 0.01, 0.5, 0.98]);
  const read = readNumber({ maps, classes: 2, rows: 1, cols: 3, stride: { h: 4, w: 20 }, window: { h: 28, w: 28 } },
    { threshold: 0.9, overlap: 0.3 });
  assert.equal(read.candidates.length, 2);
  assert.equal(read.number, '01');
});

test('a drawn number becomes an image whose ink is 20 pixels tall, with a margin all round', () => {
  // Two vertical bars on a 3:1 pad.
  const strokes = [[[0.2, 0.2], [0.2, 0.8]], [[0.6, 0.2], [0.6, 0.8]]];
  const image = strokesToNumberImage(strokes, { aspect: 3 });
  assert.equal(image.height, 20 + 2 * NUMBER_MARGIN);
  const rowInk = (y) => image.data.subarray(y * image.width, (y + 1) * image.width).reduce((a, b) => a + b, 0);
  assert.equal(rowInk(NUMBER_MARGIN - 1), 0);
  assert.ok(rowInk(NUMBER_MARGIN) > 0 && rowInk(NUMBER_MARGIN + 19) > 0);
  assert.equal(rowInk(NUMBER_MARGIN + 20), 0);
  assert.equal(strokesToNumberImage([], { aspect: 3 }), null);
});
