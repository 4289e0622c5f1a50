// Every long job yields within a bounded time on a slow network (issue 15,
// item 8): with resnet-mini (~3 ms an image) no slice of robustness,
// comparison, FGSM, embedding or fine-tuning may run much longer than a
// few dozen images take, however many images the job covers. Each job's
// generator is timed slice by slice as the scheduler runs it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultSettings } from '../../web/settings.js';
import { world } from '../../web/worker/world.js';
import { request } from './worker-harness.mjs';

const keepAlive = setInterval(() => {}, 60_000);
after(() => clearInterval(keepAlive));

await request('configure', { settings: { ...defaultSettings(), net: 'resnet-mini' } });
await request('reset');
await request('evaluate'); // the test set

// The longest slice of each job the scheduler runs.
const longest = new Map();
const add = world.scheduler.add;
world.scheduler.add = (name, generator, options) => {
  // Passes through what the job yields (a promise parks it) and what it is resumed with.
  const timed = (function* () {
    let input;
    for (;;) {
      const start = performance.now();
      const r = generator.next(input);
      longest.set(name, Math.max(longest.get(name) ?? 0, performance.now() - start));
      if (r.done) return r.value;
      input = yield r.value;
    }
  })();
  timed.return = (value) => (generator.return(value), { done: true, value });
  return add(name, timed, options);
};
after(() => (world.scheduler.add = add));

// What one image costs on this machine now (the machine may be loaded).
function msPerImage() {
  const images = world.test.slice(0, 64).images;
  world.model.predict(images.subarray(0, 784 * 8)); // warm
  const start = performance.now();
  world.model.predict(images);
  return (performance.now() - start) / 64;
}

const JOBS = {
  robustness: { count: 1000, angles: [0, 30], shifts: [0] }, // a point was one 1,000-image call
  compare: { preset: 'resnet-mini', steps: 4, evalEvery: 4, count: 200, angles: [0], shifts: [0], seed: 1 },
  adversarial: { count: 64, steps: 4, epsilon: 0.1 },
  embedding: { count: 200 },
  finetune: { images: () => world.test.slice(0, 64).images, labels: () => world.test.slice(0, 64).labels,
    steps: 4, batchSize: 64 },
};

for (const [name, payload] of Object.entries(JOBS)) {
  test(`${name} on resnet-mini yields within a hundred images' time`, async (t) => {
    const resolved = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, v instanceof Function ? v() : v]));
    await request(name, resolved);
    const perImage = msPerImage();
    // Training an image costs ~3 predictions; a micro-batch is a few dozen
    // images. Whole sets (or 50 ε over 64 images) took 3–30× this.
    const bound = 100 * perImage * 3 + 150;
    t.diagnostic(`${name}: longest slice ${longest.get(name).toFixed(0)} ms; one image ${perImage.toFixed(1)} ms`);
    assert.ok(longest.get(name) < bound, `${name}: a slice of ${longest.get(name).toFixed(0)} ms (bound ${bound})`);
  });
}
