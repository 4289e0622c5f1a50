// Training in time slices for every network and batch size (issue 15, item
// 8): a minibatch too large for one slice (resnet-mini at batch 256, ~2 s)
// runs as micro-batches, one per slice, so Pause and a prediction wait for
// one micro-batch, not for the step; a paused run resumes mid-minibatch; a
// small network keeps whole steps. The worker runs in-process
// (worker-harness.mjs); every engine training call is timed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultSettings, trainingOptions } from '../../web/settings.js';
import { TrainingRun } from '../../web/worker/training-run.js';
import { world } from '../../web/worker/world.js';
import { events, request, waitForEvent } from './worker-harness.mjs';

// The scheduler's channel is unref'd (an idle worker keeps nothing alive):
// hold the event loop open while a job runs (never waited on).
const keepAlive = setInterval(() => {}, 60_000);
after(() => clearInterval(keepAlive));

await request('configure', { settings: defaultSettings() });
const calls = []; // { name, ms, images, inProgress } per engine call
for (const name of ['step', 'stepPart']) {
  const proto = world.engine.Training.prototype;
  const original = proto[name];
  proto[name] = function timed(...args) {
    const start = performance.now();
    const r = original.apply(this, args);
    calls.push({ name, ms: performance.now() - start, images: r.images, inProgress: r.inProgress ?? 0 });
    return r;
  };
}

// Waits (on stats events, never on timers) until the calls made so far
// satisfy done, or 40 stats (~10 s) have come.
async function trainUntil(done) {
  for (let i = 0; i < 40 && !done(); ++i) await waitForEvent('stats', () => true, events.length);
}

// One turn of the event loop, behind the scheduler's slice if one is queued.
const nextTurn = () =>
  new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => resolve(port1.close());
    port2.postMessage(0);
  });

const stateNow = () => events.filter((e) => e.name === 'state').at(-1)?.payload.state;
const round = (values) => values.map((v) => Math.round(v));

test('resnet-mini at batch 256: micro-batches, Pause between two, Step ends the minibatch', async (t) => {
  await request('configure', { settings: { ...defaultSettings(), net: 'resnet-mini', batch: 256 } });
  await request('reset');
  const from = calls.length;
  await request('train'); // loads the training set first
  // Pause when the last call left the minibatch half done.
  await trainUntil(() => calls.length - from >= 8 && calls.at(-1).inProgress > 0);
  await request('pause');
  assert.equal(stateNow(), 'paused');
  const { inProgress, imagesSeen } = world.run;
  assert.ok(inProgress > 0 && inProgress < 256, `paused mid-minibatch (${inProgress} of 256 images done)`);
  assert.equal(imagesSeen % 256, 0, 'updates only after whole minibatches');

  while (world.scheduler.has('train')) await nextTurn(); // the paused job ends at its next turn
  await request('step'); // the rest of the minibatch, in slices too
  const all = calls.slice(from);
  assert.equal(world.run.imagesSeen, imagesSeen + 256, 'Step ended the minibatch');
  assert.equal(world.run.inProgress, 0);
  assert.equal(all.reduce((sum, c) => sum + c.images, 0), world.run.imagesSeen, 'each image once');
  assert.ok(all.every((c) => c.name === 'stepPart' && c.images < 256), 'every step split');
  t.diagnostic(`micro-batches of ${[...new Set(all.map((c) => c.images))].join(', ')} images`);
  t.diagnostic(`engine calls (ms): ${round(all.map((c) => c.ms)).join(' ')}`);
  // Loose, for a loaded machine: one unsplit step took ~2,000 ms.
  assert.ok(Math.max(...all.map((c) => c.ms)) < 700, 'no call near the length of a whole step');
});

test('lenet5 at batch 32 trains in whole steps once the time per image is known', async (t) => {
  await request('configure', { settings: { ...defaultSettings(), batch: 32 } });
  await request('reset');
  const from = calls.length;
  await request('train');
  await trainUntil(() => calls.slice(from).filter((c) => c.name === 'step').length >= 3);
  await request('pause');
  const made = calls.slice(from);
  t.diagnostic(`engine calls: ${made.map((c) => `${c.name} ${c.images} images ${Math.round(c.ms)} ms`).join(', ')}`);
  // A probe of a few images and the rest of that minibatch, then whole steps
  // (a loaded machine may make a step look too long for a while).
  assert.ok(made.filter((c) => c.name === 'step').length >= 3, 'whole steps');
  assert.equal(made[0].name, 'stepPart', 'the first call, unmeasured, is a small part');
});

test('a Pause during the end-of-epoch test stops at once; the test then finishes after the run', async () => {
  // A run over 64 digits, so an epoch ends within a few calls; the epoch's
  // "test" is a job of many slices that counts how far it got.
  const e = world.engine;
  const model = new e.Model('input 1x28x28\ndense 10', 64);
  model.init(1);
  const data = e.Data.fromArrays(new Float32Array(64 * 784).fill(0.5), new Uint8Array(64), { c: 1, h: 28, w: 28 });
  let going = true,
    slicesDone = 0,
    cut = 0;
  const run = new TrainingRun(e, model, data, { ...trainingOptions(defaultSettings()), batchSize: 16, epochs: 3 }, {
    onStats: () => {},
    onPredict: () => {},
    onSubsetTest: function* () {},
    onEpochEnd: function* () {
      for (let i = 0; i < 100; ++i) {
        if (i === 3) going = false; // the page pauses during the fourth slice of the test
        ++slicesDone;
        yield;
      }
    },
    onEpochEndCut: () => ++cut,
  });
  try {
    const job = run.slices(() => going);
    let outcome;
    for (let turns = 0; turns < 1000; ++turns) {
      const r = job.next();
      if (r.done) {
        outcome = r.value;
        break;
      }
    }
    assert.deepEqual(outcome, { kind: 'paused' });
    assert.equal(slicesDone, 4, 'the test stopped at the slice the Pause came in');
    assert.equal(cut, 1, 'and was handed on to run after the run');
    assert.equal(run.imagesSeen, 64, 'no training after the epoch ended');
  } finally {
    run.delete();
    data.delete();
    model.delete();
  }
});

test("Reset's first test of a slow network runs in slices after the reply, not inside it", async () => {
  await request('evaluate'); // brings the test set
  await request('configure', { settings: { ...defaultSettings(), net: 'resnet-mini' } });
  const evaluations = [];
  const original = world.engine.evaluate;
  world.engine.evaluate = (model, data, limit) => (evaluations.push(data.count()), original(model, data, limit));
  try {
    const since = events.length;
    await request('reset');
    assert.equal(
      events.slice(since).filter((e) => e.name === 'test').length, 0, 'no test inside the reset command');
    const test = await waitForEvent('test', () => true, since);
    assert.equal(test.count, 1000);
    assert.ok(evaluations.length >= 20 && evaluations.every((n) => n <= 50), `chunks of ≤ 50 (${evaluations})`);
  } finally {
    world.engine.evaluate = original;
  }
});
