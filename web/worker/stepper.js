// Drives an engine Training in calls of bounded time, for every job that
// trains (the live run, fine-tuning, comparisons): whole steps when a
// minibatch is quick, else micro-batches of one minibatch, so a Pause, a
// Cancel or a prediction never waits for more than about one call.

// A call aims at this much training: short enough that Pause feels
// instant, long enough that the per-call overhead stays small.
export const SLICE_MS = 40;
// A whole minibatch runs in one engine call only when it should take at most
// this; a larger one (resnet-mini at batch 256 takes ~2 s) is split into
// micro-batches of about PART_MS each, one per call, as large as fit and of
// MIN_PART_IMAGES at least (the first, before any time is measured, too): with
// batch norm each part is normalised by its own statistics.
const MAX_STEP_MS = 100;
const PART_MS = 80;

import { MIN_PART_IMAGES } from '../network.js';

export class Stepper {
  constructor(training, batchSize) {
    this.training = training;
    this.batchSize = batchSize;
    this.msPerImage = null; // measured, smoothed
    this.inProgress = 0; // images of a split minibatch done so far
  }

  // What the next call runs: whole steps (at most stepsLeft) when one fits in
  // a slice, else the next micro-batch of the minibatch, sized from the
  // measured time per image and split evenly.
  nextWork(stepsLeft) {
    const batch = this.batchSize;
    const perImage = this.msPerImage;
    if (this.inProgress === 0 && perImage !== null && perImage * batch <= MAX_STEP_MS) {
      const steps = Math.max(1, Math.min(stepsLeft, Math.floor(SLICE_MS / Math.max(perImage * batch, 0.01))));
      return () => this.training.step(steps);
    }
    const fit = perImage === null ? MIN_PART_IMAGES : Math.max(MIN_PART_IMAGES, Math.floor(PART_MS / perImage));
    const size = Math.ceil(batch / Math.ceil(batch / fit)); // the engine stops at the minibatch's end
    return () => this.training.stepPart(size);
  }

  // Runs one call of at most stepsLeft minibatches. Returns the engine's
  // result ({ steps, images, loss, accuracy, diverged, inProgress, … }) and
  // the call's time in milliseconds.
  run(stepsLeft) {
    const call = this.nextWork(stepsLeft);
    const start = performance.now();
    const result = call();
    const ms = performance.now() - start;
    this.inProgress = result.inProgress ?? 0;
    if (result.images > 0) {
      const perImage = ms / result.images;
      this.msPerImage = this.msPerImage === null ? perImage : 0.5 * this.msPerImage + 0.5 * perImage;
    }
    return { result, ms };
  }

  // Whether a call ended a minibatch (a step that diverged counts no step).
  static endedMinibatch(result) {
    return result.steps > 0 || result.diverged;
  }
}
