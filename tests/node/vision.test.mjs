// Scenes and the tasks beyond classification in the wasm module and the
// worker: the module makes the CLI's scenes (same seed, same pixels, boxes
// around the ink, masks on it), scores a network on them, and refuses what
// is not a scene; the worker's visionTrain job trains, reports progress,
// returns its scene answers, and visionPredict answers for a drawn digit.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultSettings } from '../../web/settings.js';
import { loadEngine, readMnist } from './engine-helpers.mjs';
import { request } from './worker-harness.mjs';

const m = await loadEngine('simd');
const { png, labels } = await readMnist('test');
const digits = new m.Data(png, labels);

test('makeScenes: deterministic, 64×64, boxes enclose the ink and masks mark it', () => {
  const options = { task: 'segment', count: 6, seed: 4 };
  const a = m.makeScenes(digits, options), b = m.makeScenes(digits, options);
  try {
    assert.equal(a.count(), 6);
    assert.deepEqual(a.slice(0, 6).images, b.slice(0, 6).images);
    const { boxes, digits: perScene, masks } = m.sceneLabels(digits, options);
    assert.equal(masks.length, 6 * 64 * 64);
    let at = 0;
    for (let s = 0; s < 6; ++s) {
      const image = a.image(s);
      assert.ok(perScene[s] >= 1 && perScene[s] <= 3);
      for (let p = 0; p < 64 * 64; ++p) assert.equal(image[p] > 0, masks[s * 4096 + p] > 0, `scene ${s} pixel ${p}`);
      for (let d = 0; d < perScene[s]; ++d, at += 5) {
        const [label, x0, y0, x1, y1] = boxes.slice(at, at + 5);
        for (let y = y0; y < y1; ++y)
          for (let x = x0; x < x1; ++x) {
            const k = masks[s * 4096 + y * 64 + x];
            assert.ok(k === 0 || k === label + 1, `scene ${s}: the box of a ${label} holds class ${k - 1}`);
          }
      }
    }
    assert.throws(() => m.makeScenes(digits, { task: 'detect', count: 1 }), /task must be localize or segment/);
    assert.throws(() => m.makeScenes(digits, { task: 'segment', count: 0 }), /count/);
  } finally {
    a.delete();
    b.delete();
  }
});

test('taskSpec builds; scores come back in range and refuse the wrong scenes', () => {
  const localize = new m.Model(m.taskSpec('localize'), 8);
  const segment = new m.Model(m.taskSpec('segment', 'unpool'), 8);
  const boxes = m.makeScenes(digits, { task: 'localize', count: 8 });
  const masks = m.makeScenes(digits, { task: 'segment', count: 8 });
  try {
    const l = m.scoreLocalize(localize, boxes);
    assert.ok(l.accuracy >= 0 && l.accuracy <= 1 && l.meanIou >= 0 && l.meanIou <= 1);
    assert.equal(l.boxes.length, 32);
    const s = m.scoreSegment(segment, masks);
    assert.equal(s.iou.length, 11);
    assert.ok(s.backgroundAccuracy > 0.5 && s.backgroundAccuracy < 1);
    assert.equal(m.pixelClasses(segment, masks.image(0)).length, 4096);
    assert.throws(() => m.scoreLocalize(localize, masks), /not localize scenes/);
    assert.throws(() => m.taskSpec('segment', 'bilinear'), /unknown up-sampling 'bilinear'/);
  } finally {
    for (const h of [localize, segment, boxes, masks]) h.delete();
  }
});

test('the worker trains a task in slices with progress, then answers for a drawn digit', async () => {
  await request('configure', { settings: defaultSettings() });
  await assert.rejects(request('visionPredict', { task: 'localize' }), /no localize network trained yet/);
  const r = await request('visionTrain', { task: 'localize', steps: 20, scenes: 64 });
  assert.equal(r.results.length, 1);
  assert.ok(r.progress.length >= 1 && r.progress.at(-1).step === 20);
  const { scene } = r.results[0];
  assert.equal(scene.image.length, 4096);
  assert.equal(scene.truth.box.length, 4);
  assert.ok(scene.iou >= 0 && scene.iou <= 1);
  const drawn = await request('visionPredict', { task: 'localize', image: digits.image(0) });
  assert.equal(drawn.image.length, 4096);
  assert.equal(drawn.predicted.box.length, 4);
  await assert.rejects(request('visionTrain', { task: 'segment', upsample: 'bilinear' }), /upsample must be one of/);
});
