// The augmentation panel's controls (web/app/panels/augment-controls.js)
// against the link's 'augment' setting (web/settings.js) and the engine's
// presets: a preset shown on the sliders and written into a link comes back
// as the same sliders, "everything off" is the empty setting, and the text a
// link carries names options the engine accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { augmentOptions, controlsFromOptions, OFF } from '../../web/app/panels/augment-controls.js';
import { formatAugment, parseAugment } from '../../web/settings.js';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

test('every engine preset survives sliders → link text → sliders', () => {
  const presets = engine.augmentPresets();
  assert.deepEqual(presets.map((p) => p.name), ['none', 'light', 'standard', 'heavy']);
  for (const preset of presets) {
    const sliders = controlsFromOptions(preset.options);
    const text = formatAugment(augmentOptions(sliders));
    assert.deepEqual(controlsFromOptions(parseAugment(text)), sliders, `${preset.name}: ${text}`);
  }
  // The engine's 'standard': shift 3, rotation 15°, scale 0.85–1.15, shear 0.15, elastic 12/4.
  const standard = presets.find((p) => p.name === 'standard');
  assert.equal(formatAugment(augmentOptions(controlsFromOptions(standard.options))),
    'rotation=15,shiftX=3,shiftY=3,scaleMin=0.85,scaleMax=1.15,shear=0.15,elasticAlpha=12,elasticSigma=4');
});

test('every transform off is the empty setting; a link\'s text shows on the sliders', () => {
  assert.deepEqual(augmentOptions(OFF), {});
  assert.equal(formatAugment(augmentOptions(OFF)), '');
  const sliders = controlsFromOptions(parseAugment('rotation=15,shiftX=3,shiftY=3,scaleMin=0.85,scaleMax=1.15'));
  assert.deepEqual(sliders, { ...OFF, rotation: 15, shift: 3, zoom: 0.15 });
  // Erasing brings the rectangle's area range the panel always uses.
  assert.deepEqual(augmentOptions({ ...OFF, erase: 0.5 }), { erase: 0.5, eraseAreaMin: 0.02, eraseAreaMax: 0.12 });
});

test('the engine accepts what the sliders write, and draws changed copies with it', () => {
  const digit = new Float32Array(784);
  for (let y = 6; y < 22; ++y) digit[y * 28 + 14] = 1; // a vertical bar, a "1"
  const sliders = { ...OFF, rotation: 30, shift: 2, zoom: 0.1, erase: 0.5, flipH: true };
  const options = parseAugment(formatAugment(augmentOptions(sliders)));
  const copies = engine.augmentPreview(digit, { c: 1, h: 28, w: 28 }, options, 1, 4);
  assert.equal(copies.length, 4 * 784);
  for (let i = 0; i < 4; ++i) {
    const copy = copies.subarray(i * 784, (i + 1) * 784);
    assert.ok(copy.some((v, p) => Math.abs(v - digit[p]) > 1e-6), `copy ${i} differs from the digit`);
  }
});
