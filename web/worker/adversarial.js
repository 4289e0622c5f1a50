// How much must ε grow once a network has trained on fooling examples? The
// 'adversarial' job measures, on test digits, the smallest ε (0.01 … 0.5)
// at which the fast gradient sign method flips each right answer; then
// trains a copy of the live model on batches of training digits mixed with
// their FGSM versions (adversarial training), and measures again. The live
// model is not changed.
import { argmax, clampInt } from '../util.js';
import { world } from './world.js';
import { liveModel, liveTest } from './inspect.js';
import { sliceClock } from './sliced.js';
import { Stepper } from './stepper.js';

const EPSILONS = Array.from({ length: 50 }, (_, i) => (i + 1) / 100);
const PIXELS = 784;

// dLoss/dinput of the true labels for n images (cross-entropy: softmax − one-hot at the logits).
function lossGradient(model, images, labels) {
  const classes = model.classes();
  const probs = model.predict(images);
  const dLoss = probs.map((p, j) => p - (labels[Math.floor(j / classes)] === j % classes ? 1 : 0));
  return { probs, gradient: model.inputGradient(images, dLoss) };
}

const fgsmImages = (images, gradient, epsilon) =>
  images.map((v, i) => Math.min(1, Math.max(0, v + epsilon * Math.sign(gradient[i]))));

// Per image of a batch (≤ the model's max batch): the smallest ε that flips a
// right answer, Infinity if none up to 0.5 does, null for a wrong answer.
// Yields between two ε once a slice's time has passed (clock: sliced.js).
function* epsilonsNeeded(model, images, labels, clock) {
  const classes = model.classes();
  const { probs, gradient } = lossGradient(model, images, labels);
  const needed = Array.from(labels, (l, i) => (argmax(probs, i * classes, classes) === l ? Infinity : null));
  for (const epsilon of EPSILONS) {
    if (!needed.some((v) => v === Infinity)) break;
    const answers = model.predict(fgsmImages(images, gradient, epsilon));
    needed.forEach((v, i) => {
      if (v === Infinity && argmax(answers, i * classes, classes) !== labels[i]) needed[i] = epsilon;
    });
    if (clock.due()) yield;
  }
  return needed;
}

// Images per FGSM measurement batch: one ε over them is a few ms even on resnet-mini.
const MEASURE_BATCH = 16;

function* measure(model, subset, progress, phase) {
  const all = [];
  const clock = sliceClock();
  for (let start = 0; start < subset.labels.length; start += MEASURE_BATCH) {
    const n = Math.min(MEASURE_BATCH, subset.labels.length - start);
    all.push(...(yield* epsilonsNeeded(model, subset.images.subarray(start * PIXELS, (start + n) * PIXELS),
      subset.labels.subarray(start, start + n), clock)));
    progress({ phase, done: start + n, total: subset.labels.length });
    if (clock.due()) yield;
  }
  const right = all.filter((v) => v !== null).sort((a, b) => a - b);
  return {
    accuracy: right.length / all.length,
    median: right.length ? right[Math.floor(right.length / 2)] : null, // Infinity: most never flip
    flippedBy: Object.fromEntries([0.05, 0.1, 0.2].map((e) => [e, right.filter((v) => v <= e).length / right.length])),
  };
}

export function* adversarial(payload, progress, trainData) {
  const e = world.engine;
  const test = liveTest();
  const count = clampInt(payload.count, 16, 2000, 256);
  const steps = clampInt(payload.steps, 1, 2000, 100);
  const epsilon = Number.isFinite(payload.epsilon) ? Math.min(0.5, Math.max(0.01, payload.epsilon)) : 0.1;
  const subset = test.slice(0, Math.min(count, test.count()));
  const model = e.Model.fromBytes(liveModel().save(), 64);
  try {
    const before = yield* measure(model, subset, progress, 'before');
    const half = 32;
    const clock = sliceClock();
    for (let step = 0; step < steps; ++step) {
      // Half clean training digits, half their FGSM versions against the current weights.
      const start = (step * half) % Math.max(1, trainData.count() - half);
      const clean = trainData.slice(start, half);
      const { gradient } = lossGradient(model, clean.images, clean.labels);
      const images = new Float32Array(2 * half * PIXELS);
      images.set(clean.images);
      images.set(fgsmImages(clean.images, gradient, epsilon), half * PIXELS);
      const labels = new Uint8Array(2 * half);
      labels.set(clean.labels);
      labels.set(clean.labels, half);
      const data = e.Data.fromArrays(images, labels, model.inputShape());
      // A new Training per batch (its data change every step), so no momentum to carry over.
      const options = { batchSize: 2 * half, learningRate: 0.05, momentum: 0, seed: step };
      const training = new e.Training(model, data, options);
      try {
        // One minibatch, in micro-batches on a slow network (Stepper).
        const stepper = new Stepper(training, options.batchSize);
        while (!Stepper.endedMinibatch(stepper.run(1).result)) yield;
      } finally {
        training.delete();
        data.delete();
      }
      if (clock.due() || step === steps - 1) {
        progress({ phase: 'train', step: step + 1, total: steps });
        yield;
      }
    }
    const after = yield* measure(model, subset, progress, 'after');
    return { before, after, steps, epsilon, count: subset.labels.length };
  } finally {
    model.delete();
  }
}
