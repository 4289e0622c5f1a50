// Small line charts for accuracy curves, on uPlot (web/vendor/uPlot.esm.js,
// copied from node_modules by the prepare script). Series are given as
// lists of [x, y] points, which may have different x values; the chart
// aligns them and leaves gaps (null) where a series has no point.
import uPlot from '../vendor/uPlot.esm.js';

// Colours: the two models of the comparison keep one colour each everywhere.
export const COLORS = { plain: '#3b528b', augmented: '#d6601a', third: '#21918c' };

export function ensureUplotCss() {
  if (document.querySelector('link[data-uplot-css]') || [...document.styleSheets].some((s) => s.href?.includes('uPlot'))) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('../vendor/uPlot.min.css', import.meta.url).href;
  link.dataset.uplotCss = '';
  document.head.append(link);
}

// series: [{label, color, dash?}]; y is a fraction shown as percent.
export function createLineChart(container, { title, xLabel, series, width = 380, height = 220, yRange = [0, 1], xFormat = (v) => String(v) }) {
  ensureUplotCss();
  const el = document.createElement('div');
  el.className = 'inspect-chart';
  container.append(el);
  const opts = {
    title,
    width,
    height,
    scales: { x: { time: false }, y: { range: yRange } },
    axes: [
      { label: xLabel, values: (u, vals) => vals.map(xFormat) },
      { label: 'accuracy', values: (u, vals) => vals.map((v) => `${Math.round(v * 100)}%`), size: 50 },
    ],
    series: [
      { label: xLabel },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: true, size: 4 },
        value: (u, v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`),
      })),
    ],
    legend: { live: true },
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], el);
  return {
    element: el,
    // lists: one [[x, y], ...] per series.
    setPoints(lists) {
      const xs = [...new Set(lists.flatMap((l) => l.map((p) => p[0])))].sort((a, b) => a - b);
      const ys = lists.map((l) => {
        const m = new Map(l.map(([x, y]) => [x, y]));
        return xs.map((x) => (m.has(x) ? m.get(x) : null));
      });
      plot.setData([xs, ...ys]);
    },
    resize(w) { plot.setSize({ width: w, height }); },
    destroy() { plot.destroy(); el.remove(); },
  };
}
