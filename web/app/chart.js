// The page's one line chart, on uPlot (web/vendor/, copied from node_modules
// by the prepare script): the live training curves and the inspect panels'
// accuracy curves alike. Data comes either as aligned columns (setData) or as
// one list of [x, y] points per series with different xs (setPoints, which
// aligns them and leaves gaps). Redraws are batched into one per animation
// frame, so points arriving many times a second cost the main thread little.
// The element carries data-points (how many x values it holds) for tests,
// and a text equivalent for screen readers: each series' latest figure.
import { formatShortCount } from '../util.js';

// Colours that keep one meaning everywhere (the comparison's two models, …).
export const COLORS = { plain: '#3b528b', augmented: '#d6601a', third: '#21918c' };

let uPlotPromise = null;
function loadUPlot() {
  // Loaded on demand so a missing vendor file costs the charts, not the page.
  uPlotPromise ??= import('../vendor/uPlot.esm.js').then((m) => m.default);
  return uPlotPromise;
}

// A CSS custom property of the page (its colours), or fallback.
export const css = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const percentTicks = (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`);
const percentValue = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
export const countTicks = (u, splits) => splits.map(formatShortCount);

// options:
//   series: [{ label, color, dash?, width?, points?, value?(v) }]
//   xLabel, yLabel ('accuracy'), title, width (the container's), height (220)
//   yRange: [lo, hi] or (u, min, max) → [lo, hi]; default 0..1
//   xTicks / yTicks (u, splits) → strings; yTicks default percent
//   onError(message): uPlot could not be loaded
export function createChart(container, options) {
  const {
    series, xLabel, yLabel = 'accuracy', title, height = 220, yRange = [0, 1],
    xTicks = (u, splits) => splits.map(String), yTicks = percentTicks, onError,
  } = options;
  const element = document.createElement('div');
  element.className = 'chart-plot';
  element.dataset.points = '0';
  const summary = document.createElement('p');
  summary.className = 'visually-hidden';
  summary.dataset.role = 'chart-summary';
  element.append(summary);
  container.append(element);
  const widthNow = () => options.width ?? Math.max(200, Math.floor(container.clientWidth || 380));
  let columns = [[], ...series.map(() => [])];
  let plot = null;
  let frame = 0;
  let observer = null;

  const axis = () => ({
    stroke: css('--muted', '#667'),
    grid: { stroke: css('--grid', '#e5e7eb'), width: 1 },
    ticks: { stroke: css('--grid', '#e5e7eb'), width: 1 },
    font: '12px system-ui, sans-serif',
    labelFont: '12px system-ui, sans-serif',
    labelSize: 18,
  });

  // "loss chart, 12 points; latest: training loss 0.123 at images seen 6.4k".
  function describe() {
    const n = columns[0].length;
    const latest = series.map((s, k) => {
      const ys = columns[k + 1];
      let i = ys.length - 1;
      while (i >= 0 && ys[i] == null) i--;
      if (i < 0) return null;
      return `${s.label} ${(s.value ?? percentValue)(ys[i])} at ${xLabel} ${formatShortCount(columns[0][i])}`;
    }).filter(Boolean);
    const name = title ?? `${yLabel} chart`;
    summary.textContent = n ? `${name}, ${n} points; latest: ${latest.join('; ')}.` : `${name}: no points yet.`;
  }

  function redraw() {
    frame = 0;
    describe();
    if (!plot) return;
    plot.setData(columns);
    // Unless someone hovers the chart, its legend shows each series' latest value.
    if (plot.cursor.left == null || plot.cursor.left < 0) showLatest();
    element.dataset.points = String(columns[0].length);
  }
  function showLatest() {
    const n = columns[0].length;
    if (!n) return;
    const idxs = columns.map((column) => {
      for (let i = column.length - 1; i >= 0; i--) if (column[i] != null) return i;
      return null;
    });
    plot.setLegend({ idx: n - 1, idxs });
  }
  const schedule = () => {
    frame ||= requestAnimationFrame(redraw);
  };
  describe();

  loadUPlot().then((uPlot) => {
    if (!element.isConnected && !container.isConnected) return; // destroyed meanwhile
    plot = new uPlot({
      title,
      width: widthNow(),
      height,
      padding: [8, 18, 0, 0], // room on the right for the last x label
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      legend: { live: true },
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [
        { ...axis(), label: xLabel, values: xTicks },
        { ...axis(), label: yLabel, values: yTicks, size: 50 },
      ],
      series: [
        { label: xLabel, value: (u, v) => (v == null ? '–' : formatShortCount(v)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          spanGaps: true,
          points: s.points ?? { show: true, size: 4 },
          value: (u, v) => (s.value ?? percentValue)(v),
        })),
      ],
    }, columns, element);
    if (options.width === undefined) {
      observer = new ResizeObserver(() => requestAnimationFrame(() => plot?.setSize({ width: widthNow(), height })));
      observer.observe(container);
    }
    redraw();
  }, (error) => onError?.(`The charts could not load (web/vendor/uPlot.esm.js: ${error.message}).`));

  return {
    element,
    // columns: [xs, ys of series 0, ys of series 1, …], xs increasing; null = no value.
    setData(next) {
      columns = next;
      schedule();
    },
    // lists: one [[x, y], …] per series.
    setPoints(lists) {
      const xs = [...new Set(lists.flatMap((l) => l.map((p) => p[0])))].sort((a, b) => a - b);
      const ys = lists.map((l) => {
        const m = new Map(l);
        return xs.map((x) => (m.has(x) ? m.get(x) : null));
      });
      columns = [xs, ...ys];
      schedule();
    },
    destroy() {
      cancelAnimationFrame(frame);
      observer?.disconnect();
      plot?.destroy();
      element.remove();
    },
  };
}
