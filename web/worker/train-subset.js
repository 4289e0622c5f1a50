// The run's training digits: the first trainSize images of the training set
// (the 'Training digits' setting), and the accuracy measured on them: the
// network's answers on those very images as it predicts, not the running
// estimate over the minibatches (augmented, dropped out, a moving target).
// So overfitting shows: on 100 digits it reaches ~100 % while the test
// accuracy stays behind.
import { splitIntoChunks } from './data.js';
import { evaluateChunks } from './evaluate.js';
import { emit } from './events.js';

const MEASURED = 1000; // training digits measured (all of a smaller subset), like the test subset
const CHUNK = 50;

export class TrainSubset {
  constructor(engine, data, size) {
    this.engine = engine;
    this.owned = size < data.count() ? data.head(size) : null;
    this.data = this.owned ?? data;
    const measured = this.data.head(Math.min(MEASURED, this.data.count()));
    this.chunks = splitIntoChunks(engine, measured, CHUNK);
    measured.delete();
  }

  count() {
    return this.data.count();
  }

  // A job: the accuracy on the measured digits, in chunks, as a trainAccuracy event.
  *measure(model, imagesSeen) {
    const e = yield* evaluateChunks(this.engine, model, this.chunks);
    emit('trainAccuracy', { imagesSeen, accuracy: e.accuracy, count: e.count, trainSize: this.count() });
  }

  delete() {
    this.owned?.delete();
    for (const c of this.chunks) c.data.delete();
  }
}
