// The learner's digit store (web/panels/personal-digits.js): exports round-
// trip exactly (8-bit pixels), and a bad file is refused with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDigitStore, parseDigits, serialiseDigits, quantise } from '../../web/panels/personal-digits.js';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)) };
}
const image = (seed) => Float32Array.from({ length: 784 }, (_, i) => ((i * 37 + seed * 11) % 256) / 255);

test('a store persists per data set and exports what it imports', () => {
  const storage = memoryStorage();
  const store = createDigitStore('mnist', storage);
  store.add(image(1), 3);
  store.add(image(2), 9);
  assert.equal(createDigitStore('mnist', storage).digits.length, 2, 'read back from storage');
  assert.equal(createDigitStore('fashion', storage).digits.length, 0, 'one list per data set');
  const { digits } = parseDigits(store.exportText());
  assert.deepEqual(digits.map((d) => d.label), [3, 9]);
  assert.deepEqual([...digits[0].pixels], [...quantise(image(1))]);
  const arrays = store.arrays();
  assert.equal(arrays.images.length, 2 * 784);
  assert.deepEqual([...arrays.labels], [3, 9]);
  assert.ok(Math.abs(arrays.images[784 + 5] - image(2)[5]) <= 0.5 / 255 + 1e-7, 'pixels within one quantisation step');
  store.remove(0);
  assert.deepEqual(createDigitStore('mnist', storage).digits.map((d) => d.label), [9]);
});

test('bad exports are refused with a reason', () => {
  const good = JSON.parse(serialiseDigits([{ label: 1, pixels: quantise(image(3)) }], 'mnist'));
  const bad = (patch) => JSON.stringify({ ...good, ...patch });
  assert.throws(() => parseDigits('{'), /not a JSON file/);
  assert.throws(() => parseDigits(bad({ format: 'x' })), /not a digits export/);
  assert.throws(() => parseDigits(bad({ version: 2 })), /version 2 is not supported/);
  assert.throws(() => parseDigits(bad({ shape: { c: 1, h: 32, w: 32 } })), /1×32×32/);
  const { pixels } = good.digits[0];
  assert.throws(() => parseDigits(bad({ digits: [{ label: 10, pixels }] })), /label must be 0..9/);
  assert.throws(() => parseDigits(bad({ digits: [{ label: 1, pixels: 'AAAA' }] })), /3 pixels, expected 784/);
  assert.equal(parseDigits(JSON.stringify(good)).digits.length, 1);
});

test('unreadable storage starts an empty list instead of failing', () => {
  const storage = memoryStorage();
  storage.setItem('cnn-playground.my-digits.v1.mnist', 'garbage');
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(createDigitStore('mnist', storage).digits.length, 0);
  } finally {
    console.warn = warn;
  }
});
