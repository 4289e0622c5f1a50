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
  let count = 0,
    correct = 0,
    lossSum = 0;
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

// The 'results' event the page's results panel renders, with the pixels of
// (up to MAX_GALLERY) misclassified digits as bytes.
export function resultsPayload(evaluation, testData, extra) {
  const shown = Math.min(evaluation.wrong.length, MAX_GALLERY);
  const index = evaluation.wrong.slice(0, shown);
  const { images, labels } = testData.pick(index);
  const pixels = Uint8Array.from(images, (v) => Math.round(v * 255));
  return {
    ...extra,
    accuracy: evaluation.accuracy,
    loss: evaluation.loss,
    count: evaluation.count,
    confusion: evaluation.confusion,
    wrongTotal: evaluation.wrong.length,
    wrong: { index, label: labels, predicted: evaluation.predicted.slice(0, shown), pixels },
  };
}
