// Transfer learning as the course defines it: the trained MNIST LeNet-5's
// feature extractor under a new classifier head (the engine's withNewHead)
// for a new task, trained on N labelled images per class, three ways side by
// side: (a) frozen convolutions, (b) everything fine-tuned with the old
// layers' learning rate scaled down, (c) the same network from scratch.
// Targets: Fashion-MNIST (another domain) or the pen digits (the same domain:
// digits by other writers, drawn with a pen and brought to 28×28 by the page's
// preprocessing; tools/prepare-data.mjs). A class with fewer than N images
// (the pen digits have about 500 each) gives all it has.
// The data come through data.js's loading path; only the N per class and a
// test subset are kept while the job runs.
import { clampInt, MNIST_SHAPE } from '../util.js';
import { loadDataset } from './data.js';
import { ensureTest, ensureTrain, world } from './world.js';

const TARGETS = ['fashion', 'pendigits'];
const TEST_COUNT = 500;
const CHUNK = 5; // steps per run between switches: interleaved, so all three see the same time

// The first `perClass` images of each class of `data`, as a new Data.
function firstPerClass(engine, data, perClass, classes = 10) {
  const taken = new Array(classes).fill(0), indices = [];
  for (let i = 0; i < data.count() && indices.length < perClass * classes; ++i) {
    const label = data.label(i);
    if (taken[label] < perClass) (taken[label] += 1), indices.push(i);
  }
  const { images, labels } = data.pick(Int32Array.from(indices));
  return engine.Data.fromArrays(images, labels, MNIST_SHAPE);
}

// { train, test } Data for the job (the caller deletes both): the active
// data set's training data when it is the target, else the target's files.
export async function transferSets({ target, perClass }) {
  const e = world.engine;
  const name = TARGETS.includes(target) ? target : 'fashion';
  const n = clampInt(perClass, 1, 1000, 100);
  const active = world.dataset === name;
  const full = active ? await ensureTrain() : await loadDataset(e, name, 'train');
  if (!full) throw new Error(`the ${name} training data could not be loaded`);
  if (active) await ensureTest();
  const test = active && world.test ? world.test : await loadDataset(e, name, 'test');
  try {
    const { images, labels } = test.slice(0, Math.min(TEST_COUNT, test.count()));
    const train = firstPerClass(e, full, n);
    return { name, perClass: n, train, test: e.Data.fromArrays(images, labels, MNIST_SHAPE) };
  } finally {
    if (!active) full.delete();
    if (test !== world.test) test.delete();
  }
}

const lastDense = (layers) => layers.findLastIndex((l) => l.kind === 'dense');

export function* transfer(payload, progress) {
  const e = world.engine;
  const { sets } = payload;
  if (!world.pretrainedBytes) throw new Error('the pretrained MNIST model is not available');
  const steps = clampInt(payload.steps, 10, 5000, 300);
  const evalEvery = clampInt(payload.evalEvery, 5, 1000, 25);
  const seed = clampInt(payload.seed, 0, 2147483647, 1);
  const lrScale = Number.isFinite(payload.lrScale) ? Math.min(1, Math.max(0, payload.lrScale)) : 0.1;
  const options = { optimizer: 'sgd', learningRate: 0.02, momentum: 0.9, batchSize: 32, weightDecay: 5e-4,
    schedule: 'cosine', epochs: Math.max(0.01, (steps * 32) / sets.train.count()), seed };
  const handles = [];
  const keep = (h) => (handles.push(h), h);
  try {
    const mnist = keep(e.Model.fromBytes(world.pretrainedBytes, 64));
    const head = lastDense(mnist.layers());
    const frozen = keep(mnist.withNewHead(10, seed));
    const finetuned = keep(mnist.withNewHead(10, seed));
    frozen.layers().forEach((l, i) => l.kind === 'conv' && frozen.setFrozen(i, true));
    finetuned.layers().forEach((_, i) => i !== head && finetuned.setLrScale(i, lrScale));
    const scratch = keep(new e.Model(mnist.spec(), 64));
    scratch.init(seed, 'he');
    const runs = Object.entries({ frozen, finetuned, scratch }).map(([name, model]) => ({
      name, model, training: keep(new e.Training(model, sets.train, options)), history: [],
    }));
    const measure = (step) => {
      const point = { step };
      for (const r of runs) {
        point[r.name] = e.evaluate(r.model, sets.test, -1).accuracy;
        r.history.push([step, point[r.name]]);
      }
      progress({ total: steps, ...point });
    };
    measure(0);
    for (let step = 0; step < steps; ) {
      yield;
      const k = Math.min(CHUNK, steps - step, evalEvery - (step % evalEvery));
      for (const r of runs) r.training.step(k);
      step += k;
      if (step % evalEvery === 0 || step === steps) measure(step);
    }
    return {
      target: sets.name, perClass: sets.perClass, trainCount: sets.train.count(), testCount: sets.test.count(), steps,
      lrScale, history: Object.fromEntries(runs.map((r) => [r.name, r.history])),
    };
  } finally {
    for (const h of handles.reverse()) h.delete();
  }
}
