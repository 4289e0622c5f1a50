// Long-running inspect jobs, run in slices inside the worker:
//  - robustness: test accuracy of a copy of the current model as test digits
//    are rotated and shifted (the engine's transformImages);
//  - compare: two fresh networks from the same seed, one trained with
//    augmentation and one without, interleaved, then both robustness curves.
// Each job owns every engine handle it makes and deletes them when it ends.

const SLICE_MS = 40;  // work per slice before yielding to other messages

// The default sweep: rotation −45°…45° and shifts −6…6 px.
export const DEFAULT_ANGLES = range(-45, 45, 5);
export const DEFAULT_SHIFTS = range(-6, 6, 1);

export function range(from, to, step) {
  const out = [];
  for (let x = from; x <= to + 1e-9; x += step) out.push(Math.round(x * 1000) / 1000);
  return out;
}

// The first `count` test digits as one Float32Array plus their labels,
// cached per data set handle (copying 500 images costs ~10 ms).
const subsets = new WeakMap();
export function testSubset(test, shape, count) {
  const n = Math.min(count, test.count());
  const cached = subsets.get(test);
  if (cached && cached.n === n) return cached;
  const per = shape.c * shape.h * shape.w;
  const images = new Float32Array(n * per);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; ++i) {
    images.set(test.image(i), i * per);
    labels[i] = test.label(i);
  }
  const subset = { n, images, labels };
  subsets.set(test, subset);
  return subset;
}

// Fraction of images the model classifies as their label.
export function accuracyOf(model, images, labels) {
  const classes = model.classes();
  const probs = model.predict(images);
  let correct = 0;
  for (let i = 0; i < labels.length; ++i) {
    let best = 0;
    for (let k = 1; k < classes; ++k) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    if (best === labels[i]) ++correct;
  }
  return correct / labels.length;
}

// The list of (curve, x, transform) points a robustness sweep evaluates.
function sweepPoints(angles, shifts) {
  return [
    ...angles.map((x) => ({ curve: 'rotation', x, transform: { rotation: x } })),
    ...shifts.map((x) => ({ curve: 'shiftX', x, transform: { shiftX: x } })),
    ...shifts.map((x) => ({ curve: 'shiftY', x, transform: { shiftY: x } })),
  ];
}

// Calls step() repeatedly, in slices of SLICE_MS with a yield between them,
// until it returns true; cancel() stops it.
function sliced(step, onError) {
  let cancelled = false;
  const run = () => {
    if (cancelled) return;
    try {
      const end = performance.now() + SLICE_MS;
      while (performance.now() < end) if (step()) return;
      setTimeout(run, 0);
    } catch (e) {
      onError(e);
    }
  };
  setTimeout(run, 0);
  return { cancel: () => { cancelled = true; } };
}

function requireTransform(engine) {
  if (typeof engine.transformImages !== 'function') throw new Error('this engine build has no transformImages');
}

// One model's robustness sweep as a slice-able iterator: next() evaluates one
// point and returns it, or null when done.
function sweep(engine, model, subset, shape, points) {
  let i = 0;
  const curves = { rotation: [], shiftX: [], shiftY: [] };
  return {
    curves,
    next() {
      if (i >= points.length) return null;
      const p = points[i++];
      const moved = engine.transformImages(subset.images, shape, { rotation: 0, shiftX: 0, shiftY: 0, scale: 1, ...p.transform });
      const accuracy = accuracyOf(model, moved, subset.labels);
      curves[p.curve].push([p.x, accuracy]);
      return { curve: p.curve, x: p.x, accuracy };
    },
  };
}

export function startRobustness(msg, host, { reply, fail, progress }, done) {
  const e = host.engine;
  requireTransform(e);
  if (!host.test) throw new Error('the test data is not loaded yet');
  const shape = host.model.inputShape();
  const subset = testSubset(host.test, shape, clampCount(msg.count));
  // A copy, so training or a reset on the live model cannot disturb the sweep.
  const model = e.Model.fromBytes(host.model.save(), 64);
  const points = sweepPoints(msg.angles ?? DEFAULT_ANGLES, msg.shifts ?? DEFAULT_SHIFTS);
  const s = sweep(e, model, subset, shape, points);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    model.delete();
    done();
  };
  const job = sliced(() => {
    const point = s.next();
    if (point) {
      progress({ ...point, done: s.curves.rotation.length + s.curves.shiftX.length + s.curves.shiftY.length, total: points.length });
      return false;
    }
    reply({ ...s.curves, count: subset.n, dataset: host.dataset ?? 'mnist' });
    finish();
    return true;
  }, (err) => { fail(err); finish(); });
  return { cancel() { job.cancel(); finish(); } };
}

export function startCompare(msg, host, { reply, fail, progress, train }, done) {
  const e = host.engine;
  requireTransform(e);
  if (!host.test) throw new Error('the test data is not loaded yet');
  const presetName = msg.preset ?? 'lenet5';
  const preset = e.presets().find((p) => p.name === presetName);
  if (!preset) throw new Error(`unknown preset '${presetName}'`);
  const steps = Math.max(10, Math.min(20000, Math.floor(msg.steps ?? 600)));
  const evalEvery = Math.max(5, Math.floor(msg.evalEvery ?? 50));
  const seed = Math.floor(msg.seed ?? 1);
  const options = { batchSize: 32, learningRate: 0.01, momentum: 0.9, optimizer: 'sgd', epochs: 1, seed, ...(msg.training ?? {}) };

  const handles = [];
  const keep = (h) => (handles.push(h), h);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    for (const h of handles.reverse()) h.delete();
    done();
  };
  const runs = {};
  try {
    for (const name of ['plain', 'augmented']) {
      const model = keep(new e.Model(preset.spec, 64));
      model.init(seed, 'he');  // same seed: both start from identical weights
      const training = keep(new e.Training(model, train, options));
      if (name === 'augmented') {
        training.setAugment(msg.augment ?? {});
      }
      runs[name] = { model, training, correct: 0, images: 0, history: [] };
    }
  } catch (err) {
    finish();
    throw err;
  }
  const shape = runs.plain.model.inputShape();
  const subset = testSubset(host.test, shape, clampCount(msg.count));
  const points = sweepPoints(msg.angles ?? DEFAULT_ANGLES, msg.shifts ?? DEFAULT_SHIFTS);
  const sweeps = { plain: sweep(e, runs.plain.model, subset, shape, points), augmented: sweep(e, runs.augmented.model, subset, shape, points) };
  const CHUNK = 5;  // steps per model between switches: interleaved, so both see the same time
  let step = 0;
  const startedAt = performance.now();

  const job = sliced(() => {
    if (step < steps) {
      const k = Math.min(CHUNK, steps - step, evalEvery - (step % evalEvery));
      for (const r of Object.values(runs)) {
        const stats = r.training.step(k);
        r.correct += stats.accuracy * stats.images;
        r.images += stats.images;
      }
      step += k;
      if (step % evalEvery === 0 || step === steps) {
        const point = { step };
        for (const [name, r] of Object.entries(runs)) {
          point[name] = { train: r.images ? r.correct / r.images : 0, test: accuracyOf(r.model, subset.images, subset.labels) };
          r.history.push([step, point[name].train, point[name].test]);
          r.correct = r.images = 0;
        }
        progress({ phase: 'train', total: steps, ...point });
      }
      return false;
    }
    // Then both robustness sweeps, one point per model per call.
    const a = sweeps.plain.next(), b = sweeps.augmented.next();
    if (a || b) {
      progress({ phase: 'robustness', plain: a, augmented: b });
      return false;
    }
    reply({
      steps, evalEvery, count: subset.n, dataset: host.dataset ?? 'mnist', augment: msg.augment ?? {},
      seconds: (performance.now() - startedAt) / 1000,
      history: { plain: runs.plain.history, augmented: runs.augmented.history },
      robustness: { plain: sweeps.plain.curves, augmented: sweeps.augmented.curves },
    });
    finish();
    return true;
  }, (err) => { fail(err); finish(); });
  return { cancel() { job.cancel(); finish(); } };
}

function clampCount(count) {
  return Math.max(10, Math.min(10000, Math.floor(count ?? 500)));
}
