// Worker-side handlers for the "see inside" panels: activation maps, filters,
// augmentation previews, robustness curves, the with/without-augmentation
// comparison and fine-tuning on the learner's own digits.
//
// The page's worker (worker.js) owns the engine, the model and the data; it
// hands over a host object whose properties are read at the moment of use,
// so this module never keeps a model handle beyond one call. Long jobs
// (robustness, comparison) work on their own copies and run in small slices
// (setTimeout) so the worker keeps answering predictions and training.
//
// Protocol: page -> worker {type: 'inspect', op, inspectId, ...}; worker ->
// page {type: 'inspect', op, inspectId, result} or {..., error} or
// {..., progress}. Typed arrays travel as transferables. (inspectId, not id:
// the page's own protocol uses id for its replies.)
import { startCompare, startRobustness } from './worker-inspect-jobs.js';

// Augmentation options the learner turned on for the live training ({} = off).
let liveAugment = {};
let lastTraining = null;
const jobs = new Map();  // id -> {cancel()}

// Handles one inspect message; returns false (and does nothing) for any
// other message. Resolves when the reply has been posted (long jobs reply
// later, through post).
// host (read at use): {engine, model, test, train, training, digit, dataset, post}
//   engine    the Emscripten module
//   model     the live Model; test the test Data; train the training Data or
//             a promise of it; training the live Training (any may be null)
//   digit     the last drawn digit (Float32Array) or null
//   dataset   the active data set's name ('mnist' when absent)
//   post      (msg, transfer) => void; defaults to self.postMessage
export async function handleInspectMessage(msg, host) {
  syncAugment(host?.training);
  if (!msg || msg.type !== 'inspect') return false;
  const post = host?.post ?? ((m, transfer) => self.postMessage(m, transfer));
  const base = { type: 'inspect', op: msg.op, inspectId: msg.inspectId };
  const reply = (result, transfer = []) => post({ ...base, result }, transfer);
  const fail = (error) => post({ ...base, error: String(error?.message ?? error) });
  const progress = (p) => post({ ...base, progress: p });
  const handler = handlers[msg.op];
  try {
    if (!handler) throw new Error(`unknown inspect operation '${msg.op}'`);
    if (!host?.engine || (handler.needsModel !== false && !host.model)) throw new Error('the model is not ready yet');
    let train = null;
    if (handler.needsTrain?.(msg)) {
      const loading = host.train;
      train = await loading;
      if (host.train !== loading) throw new Error('the data set changed while its training data loaded; try again');
      if (!train) throw new Error('the training data is not loaded');
    }
    await handler(msg, host, { reply, fail, progress, train });
  } catch (e) {
    fail(e);
  }
  return true;
}

// The worker calls this when it makes a new Training, so the learner's
// augmentation choice survives a reset. (handleInspectMessage also notices a
// new training object on every message.)
export function applyAugmentTo(training) {
  lastTraining = null;
  syncAugment(training);
}

function syncAugment(training) {
  if (!training || training === lastTraining) return;
  lastTraining = training;
  training.setAugment(liveAugment);
}

const handlers = {
  // Architecture and per-layer facts for the explanation and freeze panels.
  layers(msg, host, { reply }) {
    const m = host.model;
    reply({
      spec: m.spec(),
      layers: m.layers(),
      inputShape: m.inputShape(),
      classes: m.classes(),
      dataset: host.dataset ?? 'mnist',
      augment: liveAugment,
      canAugment: typeof host.engine.augmentPreview === 'function',
    });
  },

  // One forward pass of the image (or the drawn digit), then every layer's
  // output (a copy). {empty: true} when there is no digit.
  activations(msg, host, { reply }) {
    const m = host.model;
    if (!msg.image && !host.digit) return reply({ empty: true });
    const image = checkedImage(msg.image ?? host.digit.slice(), m);
    const probs = m.predict(image);
    const layers = m.layers();
    const maps = layers.map((_, i) => m.activation(i, 0));
    reply({ layers, maps, probs, input: image }, [...maps.map((a) => a.buffer), probs.buffer, image.buffer]);
  },

  // Every conv layer's weights (K, C, R, R) then K biases.
  filters(msg, host, { reply }) {
    const m = host.model;
    const out = [];
    m.layers().forEach((l, i) => {
      if (l.kind !== 'conv') return;
      const params = m.layerParams(i);
      const k = l.output.c, c = l.input.c, r = l.kernel;
      out.push({ layer: i, spec: l.spec, k, c, r, weights: params.subarray(0, k * c * r * r), bias: params.subarray(k * c * r * r) });
    });
    reply({ filters: out }, out.map((f) => f.weights.buffer));
  },

  // Test digit `index` of the active data set, for inspecting without drawing.
  testDigit(msg, host, { reply }) {
    if (!host.test) throw new Error('the test data is not loaded yet');
    const count = host.test.count();
    const index = ((Math.floor(msg.index ?? 0) % count) + count) % count;
    const image = host.test.image(index);
    reply({ index, label: host.test.label(index), image }, [image.buffer]);
  },

  // The engine's augmentation presets ({name, summary, options}) for the panel's buttons.
  augmentInfo(msg, host, { reply }) {
    const e = host.engine;
    if (typeof e.augmentPresets !== 'function') throw new Error('this engine build has no augmentation');
    reply({ presets: e.augmentPresets() });
  },

  // The last drawn digit (for the personal data set), or null.
  drawnDigit(msg, host, { reply }) {
    const image = host.digit ? host.digit.slice() : null;
    reply({ image }, image ? [image.buffer] : []);
  },

  // count augmented versions of one image (or the drawn digit) under `options`.
  augmentPreview(msg, host, { reply }) {
    const e = host.engine;
    if (typeof e.augmentPreview !== 'function') throw new Error('this engine build has no augmentation');
    const shape = host.model ? host.model.inputShape() : { c: 1, h: 28, w: 28 };
    if (!msg.image && !host.digit) return reply({ empty: true });
    const image = checkedImage(msg.image ?? host.digit.slice(), null, shape);
    const count = Math.max(1, Math.min(64, Math.floor(msg.count ?? 16)));
    const images = e.augmentPreview(image, shape, msg.options ?? {}, msg.seed ?? 1, count);
    reply({ images, shape, count, source: image }, [images.buffer, image.buffer]);
  },
  // (augmentPreview works before the model exists.)

  // Turns augmentation on ({...}) or off ({}) for the live training.
  setAugment(msg, host, { reply }) {
    liveAugment = msg.options && typeof msg.options === 'object' ? msg.options : {};
    const t = host.training;
    lastTraining = null;
    syncAugment(t);
    reply({ augment: liveAugment, applied: Boolean(t) });
  },

  // Accuracy of (a copy of) the current model on rotated and shifted test digits.
  robustness(msg, host, io) {
    jobs.set(msg.inspectId, startRobustness(msg, host, io, () => jobs.delete(msg.inspectId)));
  },

  // Two fresh networks, with and without augmentation, trained side by side.
  compare(msg, host, io) {
    jobs.set(msg.inspectId, startCompare(msg, host, io, () => jobs.delete(msg.inspectId)));
  },

  cancel(msg, host, { reply }) {
    const job = jobs.get(msg.target);
    if (job) job.cancel();
    reply({ cancelled: Boolean(job) });
  },

  // Fine-tunes the live model on the learner's digits with chosen layers
  // frozen, and reports predictions before and after.
  finetune(msg, host, { reply, train }) {
    const { engine: e, model: m } = host;
    const shape = m.inputShape();
    const per = shape.c * shape.h * shape.w;
    const images = checkedImage(msg.images, null, shape, true);
    const labels = msg.labels instanceof Uint8Array ? msg.labels : new Uint8Array(msg.labels ?? []);
    const n = labels.length;
    if (n < 1 || images.length !== n * per) throw new Error(`need N images of ${per} values and N labels (got ${images.length} values, ${n} labels)`);
    const classes = m.classes();
    if (labels.some((l) => l >= classes)) throw new Error(`labels must be 0..${classes - 1}`);

    const layers = m.layers();
    const wasFrozen = layers.map((l) => l.frozen);
    const freeze = Array.isArray(msg.frozen) ? msg.frozen : wasFrozen;
    const steps = clampInt(msg.steps, 1, 2000, 60);
    const batchSize = clampInt(msg.batchSize, 1, Math.min(m.maxBatch(), n), Math.min(8, n));
    const learningRate = Number.isFinite(msg.learningRate) ? msg.learningRate : 0.01;

    const before = predictions(m, images, labels, classes);
    const testBefore = host.test ? e.evaluate(m, host.test, 500).accuracy : null;
    let data = null, training = null, stats = null;
    try {
      layers.forEach((l, i) => { if (l.params > 0) m.setFrozen(i, Boolean(freeze[i])); });
      const mixed = withRehearsal(images, labels, train, clampInt(msg.rehearsal, 0, 1000, 0), per);
      data = e.Data.fromArrays(mixed.images, mixed.labels, shape);
      training = new e.Training(m, data, {
        batchSize, learningRate, momentum: 0.9, optimizer: 'sgd',
        epochs: Math.max(0.001, (steps * batchSize) / mixed.labels.length), seed: clampInt(msg.seed, 0, 2147483647, 7),
      });
      stats = training.step(steps);
    } finally {
      training?.delete();
      data?.delete();
      // Freezing is a fine-tuning choice: the main training learns every layer again.
      layers.forEach((l, i) => { if (l.params > 0) m.setFrozen(i, wasFrozen[i]); });
    }
    const after = predictions(m, images, labels, classes);
    const testAfter = host.test ? e.evaluate(m, host.test, 500).accuracy : null;
    reply({
      before, after, testBefore, testAfter, steps: stats.steps, rehearsal: clampInt(msg.rehearsal, 0, 1000, 0), loss: stats.loss, diverged: stats.diverged,
      frozen: layers.map((l, i) => l.params > 0 && Boolean(freeze[i])),
    });
  },
};
handlers.augmentPreview.needsModel = false;
handlers.setAugment.needsModel = false;
handlers.cancel.needsModel = false;
handlers.drawnDigit.needsModel = false;
handlers.augmentInfo.needsModel = false;
handlers.compare.needsTrain = () => true;
handlers.finetune.needsTrain = (msg) => msg.rehearsal > 0;

// The learner's digits plus `count` training digits spread over the data set:
// replaying old examples keeps fine-tuning from erasing what the net knew.
function withRehearsal(images, labels, train, count, per) {
  if (!train || count === 0) return { images, labels };
  const total = train.count();
  const n = labels.length;
  const outImages = new Float32Array((n + count) * per);
  const outLabels = new Uint8Array(n + count);
  outImages.set(images);
  outLabels.set(labels);
  for (let j = 0; j < count; ++j) {
    const index = Math.floor(((j + 0.5) * total) / count);
    outImages.set(train.image(index), (n + j) * per);
    outLabels[n + j] = train.label(index);
  }
  return { images: outImages, labels: outLabels };
}

// Argmax and accuracy of m on images against labels.
function predictions(m, images, labels, classes) {
  const probs = m.predict(images);
  const predicted = [];
  let correct = 0;
  for (let i = 0; i < labels.length; ++i) {
    let best = 0;
    for (let k = 1; k < classes; ++k) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    predicted.push(best);
    if (best === labels[i]) ++correct;
  }
  return { predicted, accuracy: correct / labels.length };
}

function checkedImage(image, model, shape = model?.inputShape(), many = false) {
  if (!(image instanceof Float32Array)) throw new Error('image must be a Float32Array');
  const per = shape.c * shape.h * shape.w;
  if (many ? image.length % per !== 0 : image.length !== per)
    throw new Error(`image has ${image.length} values, expected ${many ? 'a multiple of ' : ''}${per} (${shape.c}×${shape.h}×${shape.w})`);
  return image;
}

function clampInt(v, lo, hi, fallback) {
  return Number.isFinite(v) ? Math.max(lo, Math.min(hi, Math.floor(v))) : fallback;
}
