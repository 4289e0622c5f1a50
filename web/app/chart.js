// Live training plots (uPlot): the training loss, and training and test
// accuracy, against the number of images seen. Points arrive a few times a
// second; redraws are batched into one per animation frame so the main
// thread does little work per point. Each chart's element carries
// data-points (how many x values it holds) for tests.

let uPlotPromise = null;
function loadUPlot() {
  // Loaded on demand so a missing vendor file costs the charts, not the page.
  uPlotPromise ??= import('./vendor/uPlot.esm.js').then((m) => m.default);
  return uPlotPromise;
}

const css = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

function formatCount(n) {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

function baseOptions(width, { yLabel, yValues, yRange }) {
  const axis = {
    stroke: css('--muted', '#667'),
    grid: { stroke: css('--grid', '#e5e7eb'), width: 1 },
    ticks: { stroke: css('--grid', '#e5e7eb'), width: 1 },
    font: '12px system-ui, sans-serif',
  };
  return {
    width,
    height: 190,
    padding: [8, 18, 0, 0], // room on the right for the last x label
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    scales: { x: { time: false }, y: { range: yRange } },
    axes: [
      { ...axis, values: (u, splits) => splits.map(formatCount), label: 'images seen', labelSize: 18, labelFont: '12px system-ui, sans-serif' },
      { ...axis, values: yValues, label: yLabel, labelSize: 18, labelFont: '12px system-ui, sans-serif', size: 48 },
    ],
  };
}

export function createCharts({ lossEl, accuracyEl, onMissing }) {
  // Columns: x = images seen; loss; train accuracy; test accuracy (null where not measured).
  const data = { x: [], loss: [], trainAcc: [], testAcc: [] };
  let plots = null;
  let frame = 0;

  const percent = (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`);
  const lossRange = (u, min, max) => [0, Math.max(0.1, max * 1.05)];
  const accRange = (u, min, max) => [Math.max(0, Math.floor(((min ?? 0) - 0.02) * 10) / 10), 1];

  const widthOf = (el) => Math.max(200, Math.floor(el.clientWidth));

  loadUPlot().then((uPlot) => {
    const lossPlot = new uPlot(
      {
        ...baseOptions(widthOf(lossEl), { yLabel: 'loss', yValues: (u, s) => s.map((v) => +v.toFixed(2)), yRange: lossRange }),
        series: [
          { label: 'images', value: (u, v) => (v == null ? '–' : formatCount(v)) },
          { label: 'training loss', stroke: css('--series-loss', '#e4572e'), width: 2, spanGaps: true, value: (u, v) => (v == null ? '–' : v.toFixed(3)) },
        ],
      },
      [[], []],
      lossEl,
    );
    const pct = (u, v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
    const accPlot = new uPlot(
      {
        ...baseOptions(widthOf(accuracyEl), { yLabel: 'accuracy', yValues: percent, yRange: accRange }),
        series: [
          { label: 'images', value: (u, v) => (v == null ? '–' : formatCount(v)) },
          { label: 'training', stroke: css('--series-train', '#4f7cff'), width: 2, spanGaps: true, value: pct },
          { label: 'test', stroke: css('--series-test', '#17a673'), width: 2.5, spanGaps: true, value: pct, points: { show: true, size: 5 } },
        ],
      },
      [[], [], []],
      accuracyEl,
    );
    plots = { lossPlot, accPlot };
    const resize = () => {
      lossPlot.setSize({ width: widthOf(lossEl), height: 190 });
      accPlot.setSize({ width: widthOf(accuracyEl), height: 190 });
    };
    new ResizeObserver(() => requestAnimationFrame(resize)).observe(lossEl.parentElement);
    redraw();
  }, (error) => onMissing?.(`The charts could not load (web/vendor/uPlot.esm.js: ${error.message}).`));

  function redraw() {
    frame = 0;
    if (!plots) return;
    plots.lossPlot.setData([data.x, data.loss]);
    plots.accPlot.setData([data.x, data.trainAcc, data.testAcc]);
    // Unless someone is hovering a chart, its legend shows the latest values.
    for (const plot of [plots.lossPlot, plots.accPlot]) {
      if (plot.cursor.left == null || plot.cursor.left < 0) showLatest(plot);
    }
    lossEl.dataset.points = accuracyEl.dataset.points = String(data.x.length);
  }
  // Each series' legend shows its latest value (the last row where it has one).
  function showLatest(plot) {
    const n = data.x.length;
    if (!n) return;
    const idxs = plot.data.map((column) => {
      for (let i = column.length - 1; i >= 0; i--) if (column[i] != null) return i;
      return null;
    });
    plot.setLegend({ idx: n - 1, idxs });
  }
  const scheduleRedraw = () => {
    frame ||= requestAnimationFrame(redraw);
  };

  // Keeps x increasing: a point at the same x as the last one merges into it.
  function row(imagesSeen) {
    const n = data.x.length;
    if (n && data.x[n - 1] === imagesSeen) return n - 1;
    data.x.push(imagesSeen);
    data.loss.push(null);
    data.trainAcc.push(null);
    data.testAcc.push(null);
    return n;
  }

  return {
    addStats({ imagesSeen, loss, accuracy }) {
      const i = row(imagesSeen);
      data.loss[i] = loss;
      data.trainAcc[i] = accuracy;
      scheduleRedraw();
    },
    addTest({ imagesSeen, accuracy }) {
      const i = row(imagesSeen);
      data.testAcc[i] = accuracy;
      scheduleRedraw();
    },
    clear() {
      for (const column of Object.values(data)) column.length = 0;
      scheduleRedraw();
    },
    get points() {
      return data.x.length;
    },
  };
}
