// The long "see inside" commands, as jobs for the scheduler (generators
// that yield between slices of work and report progress):
//  - robustness: test accuracy of a copy of the current model as test digits
//    are rotated and shifted (the engine's transformImages);
//  - compare: two fresh networks from the same seed, one trained with
//    augmentation and one without, interleaved, then both robustness curves;
//  - finetune: a few steps on the learner's own digits with chosen layers
//    frozen, predictions before and after.
// Each job owns every engine handle it makes and deletes them in `finally`,
// which also runs when the page cancels it.
import { FINETUNE_LIMITS } from '../protocol.js';
import { clampInt } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveModel, liveTest } from './inspect.js';
import { Stepper } from './stepper.js';
import { accuracyInSlices, predictionsInSlices } from './sliced.js';

// The default sweep: rotation −45°…45° and shifts −6…6 px.
const DEFAULT_ANGLES = range(-45, 45, 5);
const DEFAULT_SHIFTS = range(-6, 6, 1);

function range(from, to, step) {
  const out = [];
  for (let x = from; x <= to + 1e-9; x += step) out.push(Math.round(x * 1000) / 1000);
  return out;
}

const clampCount = (count) => clampInt(count, 10, 10000, 500);

// The (curve, x, transform) points a robustness sweep evaluates.
function sweepPoints(angles = DEFAULT_ANGLES, shifts = DEFAULT_SHIFTS) {
  return [
    ...angles.map((x) => ({ curve: 'rotation', x, transform: { rotation: x } })),
    ...shifts.map((x) => ({ curve: 'shiftX', x, transform: { shiftX: x } })),
    ...shifts.map((x) => ({ curve: 'shiftY', x, transform: { shiftY: x } })),
  ];
}

// One model's sweep, evaluated point by point in slices; onPoint(point) hears
// of each. Returns the curves { rotation, shiftX, shiftY: [[x, accuracy]] }.
function* sweep(model, subset, shape, points, onPoint) {
  const curves = { rotation: [], shiftX: [], shiftY: [] };
  for (const p of points) {
    const moved = world.engine.transformImages(subset.images, shape, {
      rotation: 0,
      shiftX: 0,
      shiftY: 0,
      scale: 1,
      ...p.transform,
    });
    const accuracy = yield* accuracyInSlices(model, moved, subset.labels);
    curves[p.curve].push([p.x, accuracy]);
    onPoint({ curve: p.curve, x: p.x, accuracy });
    yield;
  }
  return curves;
}

// Runs generators in turns, one slice each, until all are done; returns their values.
function* inTurns(generators) {
  const values = generators.map(() => undefined);
  const running = new Set(generators.keys());
  while (running.size) {
    for (const i of [...running]) {
      const r = generators[i].next();
      if (r.done) {
        values[i] = r.value;
        running.delete(i);
      }
    }
    yield;
  }
  return values;
}

export function* robustness({ count, angles, shifts }, progress) {
  const test = liveTest();
  const shape = liveModel().inputShape();
  const subset = test.slice(0, Math.min(clampCount(count), test.count()));
  // A copy, so training or a reset on the live model cannot disturb the sweep.
  const model = world.engine.Model.fromBytes(world.model.save(), 64);
  try {
    const points = sweepPoints(angles, shifts);
    let done = 0;
    const curves = yield* sweep(model, subset, shape, points, (point) =>
      progress({ ...point, done: ++done, total: points.length }));
    return { ...curves, count: subset.labels.length, dataset: world.dataset };
  } finally {
    model.delete();
  }
}

const CHUNK = 5; // minibatches per model between tests: interleaved, so both see the same time

// Trains run (a comparison's model) for k minibatches, one engine call of
// about a slice at a time (Stepper), keeping its training accuracy.
function* trainSteps(run, k) {
  for (let done = 0; done < k; ) {
    const { result } = run.stepper.run(k - done);
    run.correct += result.accuracy * result.images;
    run.images += result.images;
    done += result.steps;
    if (result.diverged) return; // the engine restored the last good weights; the curves will show it
    if (done < k) yield;
  }
}

export function* compare(payload, progress, trainData) {
  const test = liveTest();
  const e = world.engine;
  const presetName = payload.preset ?? 'lenet5';
  const preset = world.presets.find((p) => p.name === presetName);
  if (!preset) throw new Error(`unknown preset '${presetName}'`);
  const steps = clampInt(payload.steps, 10, 20000, 600);
  const evalEvery = clampInt(payload.evalEvery, 5, 1e9, 50);
  const seed = clampInt(payload.seed, 0, 2147483647, 1);
  const augment = payload.augment ?? {};
  const options = {
    batchSize: 32,
    learningRate: 0.01,
    momentum: 0.9,
    optimizer: 'sgd',
    epochs: 1,
    seed,
    ...payload.training,
  };
  const handles = [];
  const keep = (h) => (handles.push(h), h);
  try {
    const runs = {};
    for (const name of ['plain', 'augmented']) {
      const model = keep(new e.Model(preset.spec, 64));
      model.init(seed); // the network's own scheme; same seed: both start from identical weights
      const training = keep(new e.Training(model, trainData, options));
      if (name === 'augmented') training.setAugment(augment);
      runs[name] = { model, training, stepper: new Stepper(training, options.batchSize), correct: 0,
        images: 0, history: [] };
      yield; // building a network and its training state is a slice of its own
    }
    const shape = runs.plain.model.inputShape();
    const subset = test.slice(0, Math.min(clampCount(payload.count), test.count()));
    const startedAt = performance.now();
    for (let step = 0; step < steps; ) {
      yield;
      const k = Math.min(CHUNK, steps - step, evalEvery - (step % evalEvery));
      yield* inTurns(Object.values(runs).map((r) => trainSteps(r, k)));
      step += k;
      if (step % evalEvery === 0 || step === steps) {
        const point = { step };
        for (const [name, r] of Object.entries(runs)) {
          point[name] = {
            train: r.images ? r.correct / r.images : 0,
            test: yield* accuracyInSlices(r.model, subset.images, subset.labels),
          };
          r.history.push([step, point[name].train, point[name].test]);
          r.correct = r.images = 0;
        }
        progress({ phase: 'train', total: steps, ...point });
      }
    }
    // Then both robustness sweeps, in turns.
    const points = sweepPoints(payload.angles, payload.shifts);
    const [plain, augmented] = yield* inTurns(['plain', 'augmented'].map((name) =>
      sweep(runs[name].model, subset, shape, points, (point) => progress({ phase: 'robustness', [name]: point }))));
    return {
      steps,
      evalEvery,
      count: subset.labels.length,
      dataset: world.dataset,
      augment,
      seconds: (performance.now() - startedAt) / 1000,
      history: { plain: runs.plain.history, augmented: runs.augmented.history },
      robustness: { plain, augmented },
    };
  } finally {
    for (const h of handles.reverse()) h.delete();
  }
}

// The learner's digits plus `count` training digits spread over the data set:
// replaying old examples keeps fine-tuning from erasing what the net knew.
function withRehearsal(images, labels, train, count) {
  if (!train || count === 0) return { images, labels };
  const picked = train.pick(
    Int32Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * train.count()) / count)),
  );
  const outImages = new Float32Array(images.length + picked.images.length);
  outImages.set(images);
  outImages.set(picked.images, images.length);
  const outLabels = new Uint8Array(labels.length + count);
  outLabels.set(labels);
  outLabels.set(picked.labels, labels.length);
  return { images: outImages, labels: outLabels };
}

// A number within limits, or an error that says which and why (never a silent clamp).
function checkedNumber(value, { min, max }, what, { whole = false } = {}) {
  if (!Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < min || value > max)
    throw new Error(`${what} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${value})`);
  return value;
}

// Test accuracy on the first `count` test digits, in slices; null without test data.
function* testAccuracy(model, count) {
  if (!world.test) return null;
  const { images, labels } = world.test.slice(0, Math.min(count, world.test.count()));
  return (yield* predictionsInSlices(model, images, labels)).accuracy;
}

// Fine-tunes the live model on the learner's digits with chosen layers frozen.
export function* finetune(payload, progress, trainData) {
  const e = world.engine;
  const m = liveModel();
  const shape = m.inputShape();
  const images = checkedImages(payload.images, shape, true);
  const labels = payload.labels instanceof Uint8Array ? payload.labels : new Uint8Array(payload.labels ?? []);
  const n = labels.length;
  if (n < 1 || images.length !== n * shape.c * shape.h * shape.w) {
    throw new Error(
      `need N images of ${shape.c * shape.h * shape.w} values and N labels (got ${images.length} values, ${n} labels)`,
    );
  }
  const classes = m.classes();
  if (labels.some((l) => l >= classes)) throw new Error(`labels must be 0..${classes - 1}`);
  const layers = m.layers();
  const wasFrozen = layers.map((l) => l.frozen);
  const freeze = Array.isArray(payload.frozen) ? payload.frozen : wasFrozen;
  const steps = checkedNumber(payload.steps ?? 60, FINETUNE_LIMITS.steps, 'steps', { whole: true });
  const batchSize = clampInt(payload.batchSize, 1, Math.min(m.maxBatch(), n), Math.min(8, n));
  const learningRate = checkedNumber(payload.learningRate ?? 0.01, FINETUNE_LIMITS.learningRate, 'learning rate');
  const rehearsal = clampInt(payload.rehearsal, 0, 1000, 0);

  const before = yield* predictionsInSlices(m, images, labels);
  const testBefore = yield* testAccuracy(m, 500);
  let data = null,
    training = null;
  const total = { steps: 0, loss: 0, diverged: false };
  try {
    layers.forEach((l, i) => l.params > 0 && m.setFrozen(i, Boolean(freeze[i])));
    const mixed = withRehearsal(images, labels, trainData, rehearsal);
    data = e.Data.fromArrays(mixed.images, mixed.labels, shape);
    training = new e.Training(m, data, {
      batchSize,
      learningRate,
      momentum: 0.9,
      optimizer: 'sgd',
      epochs: Math.max(0.001, (steps * batchSize) / mixed.labels.length),
      seed: clampInt(payload.seed, 0, 2147483647, 7),
    });
    // Steps (or micro-batches of a slow network's step) of about one slice each.
    const stepper = new Stepper(training, batchSize);
    while (total.steps < steps && !total.diverged) {
      const { result } = stepper.run(steps - total.steps);
      total.loss = result.loss;
      total.diverged = result.diverged;
      total.steps += result.steps;
      if (result.images === 0) break;
      progress({ step: total.steps, total: steps });
      yield;
    }
  } finally {
    training?.delete();
    data?.delete();
    // Freezing is a fine-tuning choice: the main training learns every layer again.
    layers.forEach((l, i) => l.params > 0 && m.setFrozen(i, wasFrozen[i]));
  }
  const after = yield* predictionsInSlices(m, images, labels);
  const testAfter = yield* testAccuracy(m, 500);
  return {
    before,
    after,
    testBefore,
    testAfter,
    steps: total.steps,
    rehearsal,
    loss: total.loss,
    diverged: total.diverged,
    frozen: layers.map((l, i) => l.params > 0 && Boolean(freeze[i])),
  };
}
