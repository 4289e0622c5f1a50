// One training run inside the worker: an engine Training over the current
// model and the training data, driven in time slices. After each slice it
// reports to the page through callbacks (stats, test accuracy, the drawn
// digit's new prediction), then yields so the worker can read its messages.

// Stats go to the page at most this often (one chart point each).
const STATS_EVERY_MS = 250;
// The test subset is evaluated about this often while training.
const TEST_EVERY_MS = 1500;
// The drawn digit is re-classified about this often while training.
const PREDICT_EVERY_MS = 300;

import { Stepper } from './stepper.js';

// Runs a generator slice by slice while keepGoing() says so; returns
// whether it ran to its end.
function* whileGoing(generator, keepGoing) {
  while (keepGoing()) {
    if (generator.next().done) return true;
    yield;
  }
  generator.return();
  return false;
}

export class TrainingRun {
  // hooks: { onStats(stats), onSubsetTest(): generator, onEpochEnd(): generator,
  //          onEpochEndCut() (a Pause cut the epoch's test short: finish it after the run), onPredict() }
  constructor(engine, model, trainData, options, hooks) {
    this.engine = engine;
    this.training = new engine.Training(model, trainData, options);
    this.trainCount = trainData.count();
    this.options = { ...options };
    this.hooks = hooks;
    this.imagesSeen = 0;
    this.epoch = 0;
    this.stepper = new Stepper(this.training, options.batchSize);
    this.resetWindow();
  }

  // Images of a split minibatch done so far (0 between minibatches).
  get inProgress() {
    return this.stepper.inProgress;
  }

  resetWindow() {
    this.window = { loss: 0, correct: 0, images: 0, trainMs: 0, steps: 0 };
  }

  // Optimiser settings change live; the engine checks them.
  setOptions(options) {
    this.training.setOptions(options);
    this.options = { ...options };
    this.stepper.batchSize = options.batchSize;
  }

  delete() {
    this.training.delete();
  }

  // Runs one engine call of at most stepsLeft minibatches (see Stepper),
  // folding its statistics into the window. Returns the engine's result.
  runWork(stepsLeft) {
    const { result: r, ms } = this.stepper.run(stepsLeft);
    this.window.loss += r.loss * r.images;
    this.window.correct += r.accuracy * r.images;
    this.window.images += r.images;
    this.window.trainMs += ms;
    this.window.steps += r.steps;
    this.imagesSeen = r.imagesSeen;
    this.epoch = r.epoch;
    this.learningRate = r.learningRate;
    return r;
  }

  // Sends the window's averages as one stats point and starts a new window.
  flushStats() {
    const w = this.window;
    if (w.images === 0) return;
    this.hooks.onStats({
      imagesSeen: this.imagesSeen,
      epoch: this.epoch,
      epochs: this.options.epochs,
      loss: w.loss / w.images,
      accuracy: w.correct / w.images,
      imagesPerSecond: w.trainMs > 0 ? (w.images / w.trainMs) * 1000 : 0,
      learningRate: this.learningRate,
      steps: w.steps,
    });
    this.resetWindow();
  }

  // One minibatch (the rest of a split one), for the Step button, in slices
  // like a run's. Returns { kind: 'diverged' } or null.
  *singleStep() {
    let result;
    for (;;) {
      result = this.runWork(1);
      if (Stepper.endedMinibatch(result)) break;
      yield;
    }
    this.flushStats();
    this.hooks.onPredict();
    yield;
    yield* this.hooks.onSubsetTest();
    return result.diverged ? { kind: 'diverged' } : null;
  }

  // The training job: slices while keepGoing() says so, until the epochs are
  // done or the loss diverges. Returns { kind: 'done' | 'diverged' | 'paused' }.
  *slices(keepGoing) {
    let lastStats = performance.now();
    let lastTest = lastStats;
    let lastPredict = lastStats;
    try {
      while (keepGoing()) {
        if (this.epoch >= this.options.epochs) return { kind: 'done' };
        const epochBefore = Math.floor(this.epoch);
        // A slice never runs past the end of an epoch or of the run, so the
        // epoch-end test and the stopping point fall on the same step every
        // time: a link with the same settings and seed reproduces the numbers.
        const boundary = Math.min(epochBefore + 1, this.options.epochs) * this.trainCount;
        const stepsLeft = Math.max(1, Math.ceil((boundary - this.imagesSeen) / this.options.batchSize));
        // Pause may come between two micro-batches: the engine keeps the
        // minibatch's gradients to itself and the network shows the weights
        // of the last update, so a paused run resumes mid-minibatch.
        const result = this.runWork(stepsLeft);
        if (result.diverged) return { kind: 'diverged' };
        const now = performance.now();
        if (now - lastPredict >= PREDICT_EVERY_MS) {
          this.hooks.onPredict();
          lastPredict = now;
        }
        if (now - lastStats >= STATS_EVERY_MS) {
          this.flushStats();
          lastStats = now;
        }
        if (Math.floor(this.epoch) > epochBefore) {
          // An epoch ended: the whole test set, on the weights as they are now.
          // A Pause stops it at once; it then runs after the run, on the same weights.
          this.flushStats();
          if (!(yield* whileGoing(this.hooks.onEpochEnd(), keepGoing))) this.hooks.onEpochEndCut();
          lastTest = performance.now();
        } else if (now - lastTest >= TEST_EVERY_MS) {
          yield;
          // In slices (a slow network's test takes seconds); a Pause ends it.
          yield* whileGoing(this.hooks.onSubsetTest(), keepGoing);
          lastTest = performance.now();
        }
        yield;
      }
      return { kind: 'paused' };
    } finally {
      this.flushStats();
    }
  }
}
