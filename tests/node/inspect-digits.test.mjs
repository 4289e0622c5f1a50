// The learner's digit store (web/app/panels/personal-digits.js): exports round-
// trip exactly (8-bit pixels), a bad file is refused with a reason, a bad
// digit in a good file is skipped and reported. (Storage itself, IndexedDB,
// is tested in Chromium: tests/browser/my-digits-storage.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDigitStore, parseDigits, serialiseDigits, quantise } from '../../web/app/panels/personal-digits.js';

const image = (seed) => Float32Array.from({ length: 784 }, (_, i) => ((i * 37 + seed * 11) % 256) / 255);
const noDb = Promise.reject(new Error('no IndexedDB here'));
noDb.catch(() => {});

test('a store without storage keeps its digits in memory, says so, and exports what it imports', async () => {
  const store = await createDigitStore('mnist', { db: noDb, storage: null });
  assert.match(store.notices[0].text, /cannot be kept in this browser \(no IndexedDB here\)/);
  await store.add(image(1), 3);
  await store.add(image(2), 9);
  assert.equal(store.unsaved(), 2);
  const { digits } = parseDigits(store.exportText());
  assert.deepEqual(digits.map((d) => d.label), [3, 9]);
  assert.deepEqual([...digits[0].pixels], [...quantise(image(1))]);
  const arrays = store.arrays();
  assert.equal(arrays.images.length, 2 * 784);
  assert.deepEqual([...arrays.labels], [3, 9]);
  assert.ok(Math.abs(arrays.images[784 + 5] - image(2)[5]) <= 0.5 / 255 + 1e-7, 'pixels within one quantisation step');
  await store.remove(store.digits[0]);
  assert.deepEqual(store.digits.map((d) => d.label), [9]);
});

test('bad exports are refused with a reason; a bad digit is skipped, not the file', () => {
  const good = JSON.parse(serialiseDigits([{ label: 1, pixels: quantise(image(3)) }], 'mnist'));
  const bad = (patch) => JSON.stringify({ ...good, ...patch });
  assert.throws(() => parseDigits('{'), /not a JSON file/);
  assert.throws(() => parseDigits(bad({ format: 'x' })), /not a digits export/);
  assert.throws(() => parseDigits(bad({ version: 2 })), /version 2 is not supported/);
  assert.throws(() => parseDigits(bad({ shape: { c: 1, h: 32, w: 32 } })), /1×32×32/);
  const pixels = good.digits[0].pixels;
  const mixed = parseDigits(bad({ digits: [{ label: 10, pixels }, { label: 1, pixels: 'AAAA' }, { label: 2, pixels },
    null, { label: 3, pixels: '%%%' }] }));
  assert.deepEqual(mixed.digits.map((d) => d.label), [2]);
  assert.deepEqual(mixed.skipped, ['digit 0: label must be 0..9', 'digit 1: 3 pixels, expected 784',
    'digit 3: label must be 0..9', 'digit 4: unreadable pixels']);
  assert.equal(parseDigits(JSON.stringify(good)).digits.length, 1);
});

test('unreadable old localStorage digits are reported and left where they are', async () => {
  const kept = new Map([['cnn-playground.my-digits.v1.mnist', 'garbage']]);
  const storage = { getItem: (k) => kept.get(k) ?? null, removeItem: (k) => kept.delete(k) };
  const store = await createDigitStore('mnist', { db: noDb, storage });
  assert.equal(store.digits.length, 0);
  assert.ok(store.notices.some((n) => /the whole list: not a JSON file/.test(n.text)));
  assert.equal(kept.size, 1, 'nothing is discarded');
});
