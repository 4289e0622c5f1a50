// The training panel's live curves against images seen: the loss, and the
// accuracy on the training batches (the running estimate), on the test
// digits, and measured on the run's own training digits.
import { countTicks, createChart, css } from '../chart.js';

// Live curves against images seen: one row per x, null where a series has no point.
export function createCurves(parts, onError) {
  const rows = { x: [], loss: [], train: [], test: [], measured: [] };
  const common = { xLabel: 'images seen', xTicks: countTicks, height: 190, onError };
  const loss = createChart(parts['loss-chart'], {
    ...common, yLabel: 'loss', yTicks: (u, s) => s.map((v) => +v.toFixed(2)),
    yRange: (u, min, max) => [0, Math.max(0.1, max * 1.05)],
    series: [{ label: 'training loss', color: css('--series-loss', '#e4572e'), points: { show: false },
      value: (v) => (v == null ? '–' : v.toFixed(3)) }],
  });
  const accuracy = createChart(parts['accuracy-chart'], {
    ...common, yRange: (u, min) => [Math.max(0, Math.floor(((min ?? 0) - 0.02) * 10) / 10), 1],
    series: [
      { label: 'training', color: css('--series-train', '#4f7cff'), points: { show: false } },
      { label: 'test', color: css('--series-test', '#17a673'), width: 2.5, points: { show: true, size: 5 } },
      { label: 'training digits (measured)', color: css('--series-train', '#4f7cff'), dash: [5, 4],
        points: { show: true, size: 4 } },
    ],
  });
  loss.element.dataset.testid = 'chart-loss';
  accuracy.element.dataset.testid = 'chart-accuracy';
  const redraw = () => {
    loss.setData([rows.x, rows.loss]);
    accuracy.setData([rows.x, rows.train, rows.test, rows.measured]);
  };
  // Keeps x increasing: a point at the same x as the last one merges into it.
  const row = (x) => {
    const n = rows.x.length;
    if (n && rows.x[n - 1] === x) return n - 1;
    for (const column of Object.values(rows)) column.push(null);
    rows.x[n] = x;
    return n;
  };
  return {
    addStats({ imagesSeen, loss: l, accuracy: a }) {
      const i = row(imagesSeen);
      rows.loss[i] = l;
      rows.train[i] = a;
      redraw();
    },
    addTest({ imagesSeen, accuracy: a }) {
      rows.test[row(imagesSeen)] = a;
      redraw();
    },
    // The accuracy on the run's own training digits as it predicts (worker/train-subset.js).
    addTrainMeasured({ imagesSeen, accuracy: a }) {
      rows.measured[row(imagesSeen)] = a;
      accuracy.element.dataset.trainMeasured = a.toFixed(4);
      redraw();
    },
    clear() {
      for (const column of Object.values(rows)) column.length = 0;
      delete accuracy.element.dataset.trainMeasured;
      redraw();
    },
  };
}

