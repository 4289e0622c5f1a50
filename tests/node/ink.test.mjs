// Too little ink gets "draw a bigger digit", never a guess (issue 15, item 10);
// the threshold refuses no real digit: all 7,494 pendigits, drawn at a tenth
// of the pad, pass it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MIN_DIGIT_EXTENT, tooLittleInk } from '../../web/app/preprocess.js';
import { loadPendigits } from '../browser/pendigits-harness.mjs';

const PAD_PIXELS = 300; // the pad's usual size on a desktop page

test('a tap and a 2-pixel dash are too little ink', () => {
  assert.equal(tooLittleInk([[[0.5, 0.5]]]), true, 'a tap');
  assert.equal(tooLittleInk([[[0.5, 0.5], [0.5 + 2 / PAD_PIXELS, 0.5]]]), true, 'a 2-pixel dash');
  assert.equal(tooLittleInk([]), false, 'an empty pad is not "too little ink", just empty');
});

test('no real pen digit is refused, even drawn at a tenth of the pad', async () => {
  const digits = await loadPendigits();
  const scale = 0.1;
  assert.ok(scale > MIN_DIGIT_EXTENT);
  const refused = digits.filter((d) =>
    tooLittleInk(d.strokes.map((s) => s.map(([x, y]) => [0.45 + scale * x, 0.45 + scale * y]))));
  assert.equal(digits.length, 7494);
  assert.deepEqual(refused.map((d) => `${d.writer}/${d.sample}`), []);
});
