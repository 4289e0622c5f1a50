// The units panel's measurement (app/panels/units.js): every layer's units on
// the first test digits, through the engine's unitStats (src/unit_stats.h):
// dead relu units, each layer's value statistics, how alike its filters are,
// batch norm's statistics. The same digits every time, so points over a run
// compare; Mode::Infer, so measuring never changes the network.
import { clampInt } from '../util.js';
import { liveModel, liveTest } from './inspect.js';
import { ensureTest, world } from './world.js';

export const UNIT_SAMPLE = { min: 1, max: 256, default: 128 };

let sample = null; // { test, count, images }: the test set's first digits, copied once

function sampleImages(count) {
  const test = liveTest();
  if (sample?.test !== test || sample.count !== count) sample = { test, count, images: test.slice(0, count).images };
  return sample.images;
}

export const unitCommands = {
  async unitStats({ count }) {
    await ensureTest();
    const model = liveModel();
    const n = clampInt(count, UNIT_SAMPLE.min, Math.min(UNIT_SAMPLE.max, model.maxBatch()), UNIT_SAMPLE.default);
    const stats = world.engine.unitStats(model, sampleImages(n));
    return { imagesSeen: world.run?.imagesSeen ?? 0, count: n, spec: model.spec(), layers: model.layers(), stats };
  },
};
