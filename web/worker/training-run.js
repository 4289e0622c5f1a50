// One training run inside the worker: an engine Training over the current
// model and the training data, driven in time slices. After each slice it
// reports to the page through callbacks (stats, test accuracy, the drawn
// digit's new prediction), then yields so the worker can read its messages.

// A slice aims at this much training, then yields: short enough that Pause
// feels instant, long enough that the per-slice overhead stays small.
const SLICE_MS = 40;
// Stats go to the page at most this often (one chart point each).
const STATS_EVERY_MS = 250;
// The test subset is evaluated about this often while training.
const TEST_EVERY_MS = 1500;
// The drawn digit is re-classified about this often while training.
const PREDICT_EVERY_MS = 300;

export class TrainingRun {
  // hooks: { onStats(stats), onSubsetTest(), onEpochEnd(): generator, onPredict() }
  constructor(engine, model, trainData, options, hooks) {
    this.engine = engine;
    this.training = new engine.Training(model, trainData, options);
    this.trainCount = trainData.count();
    this.options = { ...options };
    this.hooks = hooks;
    this.imagesSeen = 0;
    this.epoch = 0;
    this.stepsPerSlice = 1;
    this.resetWindow();
  }

  resetWindow() {
    this.window = { loss: 0, correct: 0, images: 0, trainMs: 0, steps: 0 };
  }

  // Optimiser settings change live; the engine checks them.
  setOptions(options) {
    this.training.setOptions(options);
    this.options = { ...options };
  }

  delete() {
    this.training.delete();
  }

  // Runs `steps` minibatches, folding their statistics into the window.
  // Returns the engine's result.
  runSteps(steps) {
    const start = performance.now();
    const r = this.training.step(steps);
    const ms = performance.now() - start;
    this.window.loss += r.loss * r.images;
    this.window.correct += r.accuracy * r.images;
    this.window.images += r.images;
    this.window.trainMs += ms;
    this.window.steps += r.steps;
    this.imagesSeen = r.imagesSeen;
    this.epoch = r.epoch;
    this.learningRate = r.learningRate;
    return { result: r, ms };
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

  // One minibatch, for the Step button. Returns { kind: 'diverged' } or null.
  *singleStep() {
    const { result } = this.runSteps(1);
    this.flushStats();
    this.hooks.onPredict();
    this.hooks.onSubsetTest();
    yield;
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
        const { result, ms } = this.runSteps(Math.min(this.stepsPerSlice, stepsLeft));
        // Adapt the slice to this machine and batch size (smoothed, ≥ 1 step).
        if (result.steps > 0) {
          const perStep = ms / result.steps;
          const ideal = Math.max(1, Math.floor(SLICE_MS / Math.max(perStep, 0.01)));
          this.stepsPerSlice = Math.max(1, Math.round(0.5 * this.stepsPerSlice + 0.5 * ideal));
        }
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
          this.flushStats();
          yield* this.hooks.onEpochEnd();
          lastTest = performance.now();
        } else if (now - lastTest >= TEST_EVERY_MS) {
          this.hooks.onSubsetTest();
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
