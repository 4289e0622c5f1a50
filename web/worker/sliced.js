// Predictions over many images inside a job, in chunks between which the job
// yields once a slice's time has passed: a slow network (resnet-mini takes
// ~3 ms an image) never holds the worker for a whole set.
import { argmax } from '../util.js';
import { SLICE_MS } from './stepper.js';

const PREDICT_CHUNK = 32; // images per predict() call between time checks

// Tells a job when a slice's time has passed since it last yielded:
// `if (clock.due()) yield;` between small pieces of work.
export function sliceClock() {
  let start = performance.now();
  return {
    due() {
      if (performance.now() - start < SLICE_MS) return false;
      start = performance.now();
      return true;
    },
  };
}

// Predicted classes of model for a chunk of images, and how many match labels.
export function predictions(model, images, labels) {
  const classes = model.classes();
  const probs = model.predict(images);
  const predicted = Array.from(labels, (_, i) => argmax(probs, i * classes, classes));
  return { predicted, accuracy: predicted.filter((p, i) => p === labels[i]).length / labels.length };
}

// The same for any number of images, in slices: yields between chunks.
// Returns { predicted, accuracy }.
export function* predictionsInSlices(model, images, labels) {
  const per = images.length / labels.length;
  const predicted = [];
  const clock = sliceClock();
  for (let i = 0; i < labels.length; i += PREDICT_CHUNK) {
    const n = Math.min(PREDICT_CHUNK, labels.length - i);
    predicted.push(...predictions(model, images.subarray(i * per, (i + n) * per), labels.subarray(i, i + n)).predicted);
    if (clock.due()) yield;
  }
  return { predicted, accuracy: predicted.filter((p, i) => p === labels[i]).length / labels.length };
}

// Fraction of images the model classifies as their label, in slices.
export function* accuracyInSlices(model, images, labels) {
  return (yield* predictionsInSlices(model, images, labels)).accuracy;
}
