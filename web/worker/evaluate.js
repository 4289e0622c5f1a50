// Evaluating a model on the test set inside the worker, in chunks so the
// worker stays responsive, and packing the results for the page.

// How many misclassified digits travel to the page (784 bytes each).
const MAX_GALLERY = 600;

// A generator job: evaluates `model` on each chunk ({data, offset}), yielding
// between chunks, and returns the merged evaluation:
// { accuracy, loss, count, confusion: Int32Array(100) [true*10 + predicted],
//   wrong: Int32Array of test indices, predicted: Uint8Array per wrong index }.
export function* evaluateChunks(engine, model, chunks) {
  const confusion = new Int32Array(100);
  const wrong = [];
  const predictedForWrong = [];
  let count = 0, correct = 0, lossSum = 0;
  for (const { data, offset } of chunks) {
    const e = engine.evaluate(model, data, -1);
    confusion.forEach((_, i) => (confusion[i] += e.confusion[i]));
    for (const i of e.wrong) {
      wrong.push(offset + i);
      predictedForWrong.push(e.predicted[i]);
    }
    count += e.count;
    correct += Math.round(e.accuracy * e.count);
    lossSum += e.loss * e.count;
    yield;
  }
  return {
    accuracy: count ? correct / count : 0,
    loss: count ? lossSum / count : 0,
    count,
    confusion,
    wrong: Int32Array.from(wrong),
    predicted: Uint8Array.from(predictedForWrong),
  };
}

// The message the page's results panel renders, with the pixels of (up to
// MAX_GALLERY) misclassified digits as bytes, ready to transfer.
export function resultsMessage(evaluation, testData, extra) {
  const shown = Math.min(evaluation.wrong.length, MAX_GALLERY);
  const pixels = new Uint8Array(shown * 784);
  const labels = new Uint8Array(shown);
  for (let k = 0; k < shown; k++) {
    const index = evaluation.wrong[k];
    const image = testData.image(index);
    for (let p = 0; p < 784; p++) pixels[k * 784 + p] = Math.round(image[p] * 255);
    labels[k] = testData.label(index);
  }
  const message = {
    type: 'results',
    ...extra,
    accuracy: evaluation.accuracy,
    loss: evaluation.loss,
    count: evaluation.count,
    confusion: evaluation.confusion,
    wrongTotal: evaluation.wrong.length,
    wrong: { index: evaluation.wrong.slice(0, shown), label: labels, predicted: evaluation.predicted.slice(0, shown), pixels },
  };
  const transfer = [message.confusion.buffer, message.wrong.index.buffer, labels.buffer, message.wrong.predicted.buffer, pixels.buffer];
  return { message, transfer };
}
