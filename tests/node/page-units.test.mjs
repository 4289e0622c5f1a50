// Unit tests of the playground page's pure modules (preprocessing, the
// settings table), run in Node: no browser needed, and failures point at the
// arithmetic rather than at a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeImage, cropToInk, resizeArea, fitInBox, centreOfMass, centreByMass, strokesToMnist,
  rasterizeStrokes, strokeBounds, rgbaToInk, imageToMnist, gaussianBlur, DRAWN_BOX,
} from '../../web/app/preprocess.js';
import {
  SETTINGS, defaultSettings, parseHash, formatHash, trainingOptions, specWithDropout, createSettingsStore,
  parseAugment, formatAugment,
} from '../../web/settings.js';

const sum = (a) => a.reduce((s, v) => s + v, 0);

test('cropToInk keeps exactly the inked rows and columns', () => {
  const img = makeImage(6, 5);
  img.data[1 * 6 + 2] = 0.5; // (2,1)
  img.data[3 * 6 + 4] = 1;   // (4,3)
  const c = cropToInk(img);
  assert.equal(c.width, 3);  // columns 2..4
  assert.equal(c.height, 3); // rows 1..3
  assert.equal(c.data[0], 0.5);
  assert.equal(c.data[2 * 3 + 2], 1);
  assert.equal(cropToInk(makeImage(4, 4)), null, 'a blank image has no ink');
});

test('resizeArea averages areas, including fractional overlaps', () => {
  // 4×1 [1, 0, 1, 1] → 2×1: [(1+0)/2, (1+1)/2] = [0.5, 1]
  const img = { width: 4, height: 1, data: Float32Array.from([1, 0, 1, 1]) };
  assert.deepEqual(Array.from(resizeArea(img, 2, 1).data), [0.5, 1]);
  // 3×1 [0, 1, 0] → 2×1: each output covers 1.5 inputs: [(0 + 0.5·1)/1.5, (0.5·1 + 0)/1.5] = [1/3, 1/3]
  const odd = resizeArea({ width: 3, height: 1, data: Float32Array.from([0, 1, 0]) }, 2, 1);
  assert.ok(Math.abs(odd.data[0] - 1 / 3) < 1e-6 && Math.abs(odd.data[1] - 1 / 3) < 1e-6);
  // Mean ink is preserved by area averaging: 40×40 of 0.25 → 20×20 of 0.25.
  const flat = makeImage(40, 40);
  flat.data.fill(0.25);
  const small = resizeArea(flat, 20, 20);
  assert.ok(small.data.every((v) => Math.abs(v - 0.25) < 1e-6));
});

test('fitInBox keeps the aspect ratio with the longer side at the box size', () => {
  const tall = makeImage(10, 40);
  tall.data.fill(1);
  const fitted = fitInBox(tall, 20);
  assert.equal(fitted.height, 20);
  assert.equal(fitted.width, 5); // 10 · 20/40
});

test('centreByMass puts the centre of mass at the middle of the 28×28 field', () => {
  // A 4×4 block of ink in the top-left corner of a 20×20 image.
  const img = makeImage(20, 20);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) img.data[y * 20 + x] = 1;
  assert.deepEqual(centreOfMass(img), { x: 2, y: 2 });
  const placed = centreByMass(img, 28);
  const c = centreOfMass(placed);
  // The shift is clamped so the 20×20 image stays inside: left = min(14 − 2, 28 − 20) = 8.
  assert.deepEqual(c, { x: 10, y: 10 });
  // A centred blob lands exactly in the middle.
  const dot = makeImage(4, 4);
  dot.data.fill(1);
  assert.deepEqual(centreOfMass(centreByMass(dot, 28)), { x: 14, y: 14 });
});

test('a drawn vertical bar becomes an MNIST-like "1": box-tall, centred, values in [0, 1]', () => {
  const strokes = [[[0.5, 0.1], [0.5, 0.9]]];
  const x = strokesToMnist(strokes);
  assert.equal(x.length, 784);
  const boxed = { width: 28, height: 28, data: strokesToMnist(strokes, { box: 20 }) };
  assert.equal(cropToInk(boxed).height, 20, 'MNIST\'s own 20-pixel box on request');
  assert.ok(x.every((v) => v >= 0 && v <= 1));
  const image = { width: 28, height: 28, data: x };
  const ink = cropToInk(image, 0.02);
  assert.equal(ink.height, DRAWN_BOX, 'the longer side fills the box');
  assert.ok(ink.width >= 2 && ink.width <= 5, `a thin bar stays thin (${ink.width} px)`);
  const c = centreOfMass(image);
  assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centred (${c.x}, ${c.y})`);
  // The pen is thin and its edge soft, so a one-stroke bar is not saturated,
  // but its core is clearly ink and the blur's halo is inside the box.
  assert.ok(Math.max(...x) > 0.5, `the stroke core is ink (${Math.max(...x)})`);
  assert.ok(strokesToMnist(strokes, { softness: 0 }).some((v) => v === 1), 'without softening the core is full ink');
});

test('gaussianBlur spreads a dot symmetrically, keeps the total ink and cuts nothing off', () => {
  const dot = makeImage(3, 3);
  dot.data[4] = 1;
  const soft = gaussianBlur(dot, 1);  // radius 3: 3 + 2·3 = 9 pixels a side
  assert.equal(soft.width, 9);
  assert.equal(soft.height, 9);
  assert.ok(Math.abs(sum(soft.data) - 1) < 1e-6, `total ${sum(soft.data)}`);
  const at = (x, y) => soft.data[y * 9 + x];
  assert.ok(at(4, 4) > at(5, 4) && at(5, 4) > at(6, 4) && at(6, 4) > 0, 'falls off from the centre');
  assert.ok(Math.abs(at(5, 4) / at(4, 4) - Math.exp(-0.5)) < 1e-6, 'Gaussian profile, sigma 1');
  assert.equal(at(3, 4), at(5, 4));
  assert.equal(at(4, 3), at(4, 5));
  assert.equal(at(3, 3), at(5, 5));
});

test('the result does not depend on where or how big the digit was drawn', () => {
  const seven = [[[0.2, 0.2], [0.8, 0.2], [0.45, 0.9]]];
  const small = seven.map((s) => s.map(([x, y]) => [0.6 + x * 0.3, 0.05 + y * 0.3]));
  const a = strokesToMnist(seven), b = strokesToMnist(small);
  const diff = sum(Array.from(a, (v, i) => Math.abs(v - b[i]))) / 784;
  assert.ok(diff < 0.01, `mean difference ${diff}`);
});

test('mean ink of a drawn digit is in MNIST range (≈ 0.1–0.15 per pixel)', () => {
  const eight = [[
    [0.5, 0.05], [0.2, 0.25], [0.5, 0.5], [0.8, 0.75], [0.5, 0.95], [0.2, 0.75], [0.5, 0.5], [0.8, 0.25], [0.5, 0.05],
  ]];
  const mean = sum(strokesToMnist(eight)) / 784;
  assert.ok(mean > 0.08 && mean < 0.2, `mean ink ${mean}`);
});

test('no strokes, or empty strokes, give no image', () => {
  assert.equal(strokesToMnist([]), null);
  assert.equal(strokesToMnist([[]]), null);
  assert.equal(strokeBounds([]), null);
});

test('a single tap (one point) still gives a round dot', () => {
  const x = strokesToMnist([[[0.5, 0.5]]]);
  assert.ok(x && sum(x) > 10);
  const ink = rasterizeStrokes([[[0, 0]]], { penWidth: 1, longSide: 20 });
  assert.equal(ink.width, 20);
  assert.ok(ink.data[10 * 20 + 10] === 1 && ink.data[0] < 0.5, 'full in the middle, empty in the corner');
});

test('canvas pixels (dark ink on white) go through the same pipeline', () => {
  const w = 50, h = 50;
  const rgba = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 10; y < 40; y++) for (let x = 23; x < 27; x++) rgba.set([0, 0, 0, 255], (y * w + x) * 4);
  const ink = rgbaToInk(rgba, w, h, { darkInk: true });
  assert.equal(ink.data[0], 0);
  assert.equal(ink.data[20 * w + 25], 1);
  const mnist = imageToMnist(ink);
  assert.equal(cropToInk(mnist).height, 20);
});

test('settings round-trip through the hash, typed', () => {
  const s = {
    ...defaultSettings(),
    net: 'mlp', lr: 0.03, batch: 64, optimizer: 'sgd', momentum: 0.95, seed: 42, epochs: 0.5, keep: 0.75,
    decay: 0.0005, dataset: 'fashion', augment: 'rotation=15,shiftX=3,shiftY=3',
  };
  const { settings, errors } = parseHash(formatHash(s));
  assert.deepEqual(errors, []);
  assert.deepEqual(settings, s);
  assert.equal(typeof settings.lr, 'number');
});

test('augmentation travels in the link as the engine\'s key=value options, in a stable order', () => {
  const text = 'shiftY=3,rotation=15,scaleMin=0.9,scaleMax=1.1';
  assert.deepEqual(parseAugment(text), { shiftY: 3, rotation: 15, scaleMin: 0.9, scaleMax: 1.1 });
  assert.equal(formatAugment(parseAugment(text)), 'rotation=15,shiftY=3,scaleMin=0.9,scaleMax=1.1');
  assert.deepEqual(parseAugment(''), {}, 'empty: no augmentation');
  assert.throws(() => parseAugment('spin=3'), /unknown augmentation option 'spin'/);
  assert.throws(() => parseAugment('rotation=lots'), /rotation: 'lots' is not a number/);
  const { settings, errors } = parseHash('#augment=rotation%3D10%2Cbogus%3D1');
  assert.equal(settings.augment, '', 'a bad augmentation falls back to none');
  assert.equal(errors.length, 1);
  assert.equal(parseHash('#augment=rotation%3D10').settings.augment, 'rotation=10');
});

test('a custom network travels in the link as its spec; old preset= links still open', () => {
  const net = 'input 1x28x28\nconv 8 k=1x3 p=0x1\nconcat\nbranch\nconv 4 k=1\nbranch\nmaxpool 3 s=1 p=1\nend\ndense 10';
  const s = { ...defaultSettings(), net };
  assert.deepEqual(parseHash(formatHash(s)).settings, s);
  assert.equal(parseHash('#preset=mlp').settings.net, 'mlp');
  // Lines are trimmed and blank ones dropped: the same network is the same link.
  assert.equal(parseHash(formatHash({ ...s, net: '  input 1x28x28\n\n  dense 10  \n' })).settings.net,
    'input 1x28x28\ndense 10');
  for (const bad of ['dense 10', 'input 1x28x28\u0000', `input 1x28x28\n${'relu\n'.repeat(2000)}`]) {
    assert.equal(parseHash(formatHash({ ...s, net: bad })).errors.length, 1, JSON.stringify(bad.slice(0, 30)));
  }
});

test('a link from before dropout became a keep probability still opens', () => {
  assert.equal(parseHash('#dropout=0.25').settings.keep, 0.75);
  assert.equal(parseHash('#dropout=0').settings.keep, 1);
  assert.equal(parseHash('#dropout=2').errors.length, 1, 'a drop rate above 1 is refused');
});

test('bad values in a link are reported and fall back to defaults', () => {
  const { settings, errors } = parseHash('#lr=abc&batch=3.5&optimizer=magic&bogus=1&seed=-1&preset=<script>');
  assert.equal(settings.lr, SETTINGS.lr.default);
  assert.equal(settings.batch, SETTINGS.batch.default);
  assert.equal(settings.optimizer, SETTINGS.optimizer.default);
  assert.equal(settings.seed, SETTINGS.seed.default);
  assert.equal(settings.net, SETTINGS.net.default);
  assert.equal(errors.length, 6);
  assert.ok(errors.some((e) => e.includes('bogus')));
});

test('training options carry every optimiser setting to the engine', () => {
  const o = trainingOptions({
    ...defaultSettings(), lr: 0.1, batch: 8, optimizer: 'rmsprop', momentum: 0.5, decay: 0.001, seed: 9, epochs: 2,
  });
  assert.deepEqual(o, {
    optimizer: 'rmsprop', learningRate: 0.1, schedule: 'cosine', batchSize: 8, momentum: 0.5, weightDecay: 0.001,
    epochs: 2, seed: 9,
  });
});

test('dropout is inserted before every dense layer after the first layer', () => {
  const lenet = 'input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 2\ndense 120\nrelu\ndense 10\n';
  assert.equal(specWithDropout(lenet, 1), lenet, 'keeping everything keeps the network as it is');
  assert.equal(
    specWithDropout(lenet, 0.75),
    'input 1x28x28\nconv 6 k=5 p=2\nrelu\nmaxpool 2\ndropout keep=0.75\ndense 120\nrelu\ndropout keep=0.75\ndense 10\n',
  );
  // A network's own dropout is replaced, and no dropout goes on the raw pixels.
  const mlp = 'input 1x28x28\ndense 256\nrelu\ndropout keep=0.5\ndense 10\n';
  assert.equal(specWithDropout(mlp, 0.9), 'input 1x28x28\ndense 256\nrelu\ndropout keep=0.9\ndense 10\n');
});

test('the store validates, notifies and writes the hash', () => {
  const history = [];
  const win = {
    location: { hash: '#seed=5' },
    history: { replaceState: (_, __, hash) => { history.push(hash); win.location.hash = hash; } },
    addEventListener() {},
  };
  const store = createSettingsStore(win);
  assert.equal(store.get().seed, 5);
  const seen = [];
  store.subscribe((s, changed) => seen.push(changed));
  store.set({ lr: 0.01, seed: 5 });
  assert.deepEqual(seen, [['lr']]);
  assert.match(win.location.hash, /lr=0\.01/);
  assert.throws(() => store.set({ batch: 1000 }), /Batch size/);
  assert.throws(() => store.set({ nonsense: 1 }), /unknown setting/);
});
