// "Gradient flow": how large each trainable layer's gradient is, over
// training, on a log scale, one line per layer, from the engine's gradient
// monitor (src/gradient_norms.h, in every stats event: norms over the whole
// minibatch, means of the last 20). Live for the network being trained, and
// for deep-sigmoid, deep-relu and deep-residual trained briefly side by side
// (the worker's gradientFlow job), so the vanishing gradient shows; for
// residual blocks the parts of ∂L/∂x = ∂L/∂H·(∂F/∂x + λ) as numbers.
import { createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { wireJobButton } from './job-button.js';

const COMPARE_EVERY = 5;
const log10 = (v) => (v > 0 ? Math.log10(v) : null);
const powerTicks = (u, splits) => splits.map((v) => (Number.isInteger(v) ? `1e${v}` : ''));
const logRange = (u, min, max) => [Math.floor(min ?? -6), Math.ceil(max ?? 0) + (min === max ? 1 : 0)];
export const formatNorm = (v) => (v == null ? '–' : v === 0 ? '0' : v.toExponential(2));
// First layer blue, last orange, in input-to-output order.
const layerColor = (i, n) => `hsl(${Math.round(230 - (200 * i) / Math.max(1, n - 1))} 70% 42%)`;

// A log-scale chart with one line per layer; rebuilt when the layers change.
function layerChart(container, title, xLabel, layers, yRange = logRange, yLabel = '‖∂L/∂w‖') {
  return createChart(container, {
    title, xLabel, yLabel, yRange, yTicks: powerTicks, height: 240,
    series: layers.map((l, i) => ({
      label: `${l.path} ${l.kind}`, color: layerColor(i, layers.length), points: { show: false },
      value: (v) => (v == null ? '–' : formatNorm(10 ** v)),
    })),
  });
}

function residualTable(residuals) {
  const table = html`<table class="layer-table" data-testid="residual-gradients"><thead><tr><th>block</th>
    <th>‖∂L/∂H‖</th><th>body ‖∂L/∂H·∂F/∂x‖</th><th>shortcut ‖λ·∂L/∂H‖</th><th>‖∂L/∂x‖</th></tr></thead>
    <tbody></tbody></table>`;
  const body = table.querySelector('tbody');
  for (const r of residuals)
    body.append(el('tr', { dataset: { path: r.path } }, el('td', {}, `${r.path} (λ = ${r.scale})`),
      ...[r.output, r.body, r.shortcut, r.input].map((v) => el('td', {}, formatNorm(v)))));
  return table;
}

function layerTable(layers) {
  const table = html`<table class="layer-table" data-testid="gradient-table"><thead><tr><th>layer</th>
    <th>‖∂L/∂w‖</th><th>‖∂L/∂x‖ reaching its input</th></tr></thead><tbody></tbody></table>`;
  const body = table.querySelector('tbody');
  for (const l of layers)
    body.append(el('tr', { dataset: { path: l.path, weight: String(l.weight) } },
      el('td', {}, `${l.path} ${l.kind}`), el('td', {}, formatNorm(l.weight)), el('td', {}, formatNorm(l.input))));
  return table;
}

// The live run's chart and numbers, fed by stats events; parts.liveFigure
// picks the figure plotted: 'weight' (‖∂L/∂w‖) or 'input' (‖∂L/∂x‖ reaching each layer).
function createLiveView(parts) {
  let chart = null, paths = '', layers = [], history = [];
  // rebuild: new layers or another figure (a chart's series are fixed when it is made).
  const plot = (rebuild) => {
    const figure = parts.liveFigure.value;
    if (rebuild || !chart) {
      chart?.destroy();
      parts.liveChart.replaceChildren();
      chart = layerChart(parts.liveChart, `this run: ${figure === 'weight' ? 'weight-gradient' : 'input-gradient'} `
        + 'norm per layer', 'images seen', layers, logRange, figure === 'weight' ? '‖∂L/∂w‖' : '‖∂L/∂x‖');
    }
    chart.setPoints(layers.map((_, i) => history.map(({ x, norms }) => [x, log10(norms[i][figure])])));
  };
  parts.liveFigure.addEventListener('change', () => layers.length && plot(true));
  return {
    add(stats) {
      const g = stats.gradients;
      if (!g || !g.layers.length) return;
      const key = g.layers.map((l) => l.path).join(' ');
      const changed = key !== paths;
      if (changed) {
        paths = key;
        layers = g.layers;
        history = [];
      }
      history.push({ x: stats.imagesSeen, norms: g.layers });
      plot(changed);
      const blocks = g.residuals.length ? [residualTable(g.residuals)] : [];
      parts.liveNumbers.replaceChildren(layerTable(g.layers), ...blocks);
      Object.assign(parts.live.dataset, { points: String(history.length), latest: JSON.stringify(g) });
    },
    reset() {
      chart?.destroy();
      chart = null;
      paths = '';
      history = [];
      parts.liveChart.replaceChildren();
      parts.liveNumbers.replaceChildren();
      parts.live.dataset.points = '0';
    },
    destroy: () => chart?.destroy(),
  };
}

function mount(section, { client }) {
  section.append(html`
    <p class="lead">Backpropagation multiplies the gradient by each layer's derivative on its way down. Here is
      how large it is at every trainable layer — the norm ‖∂L/∂w‖ of the gradient of the loss with respect to the
      layer's weights, over the whole minibatch, the mean of the last 20 minibatches, as the engine computes it —
      on a log scale, first layer blue, last orange.</p>
    <label>plot <select data-testid="gradient-live-figure" data-role="liveFigure">
      <option value="weight" selected>‖∂L/∂w‖, the weight gradient</option>
      <option value="input">‖∂L/∂x‖, the gradient reaching each layer's input</option></select></label>
    <div data-testid="gradient-live" data-role="live" data-points="0">
      <div data-role="liveChart"><p class="muted">Train (or Step) to see this network's gradients.</p></div>
      <div data-role="liveNumbers"></div>
    </div>
    <h3>The vanishing gradient, side by side</h3>
    <p>Six 3×3 convolutions with sigmoid, the same with ReLU, and with ReLU and a shortcut around each
      convolution after the first (H = F(x) + λ·x, λ = 0.5), each trained for the same number of minibatches of
      32 from the same seed (SGD, learning rate 0.05, momentum 0.9). A sigmoid's derivative is at most ¼, so the
      gradient shrinks layer by layer; a shortcut adds λ·∂L/∂H to what reaches each block's input, whatever the
      body does.</p>
    <div class="panel-bar" data-testid="gradient-compare" data-role="compare">
      <label>minibatches <select data-testid="gradient-compare-steps" data-role="steps">
        <option>20</option><option selected>150</option><option>500</option></select></label>
      <button type="button" class="button secondary" data-testid="gradient-compare-run" data-role="run"></button>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="chart-row" data-role="charts"></div>
    <p data-testid="gradient-compare-summary" data-role="summary" aria-live="polite"></p>
    <div data-role="compareResiduals"></div>`);
  const parts = roles(section);
  const live = createLiveView(parts);
  let charts = [];
  const clearCharts = () => {
    charts.forEach((c) => c.destroy());
    charts = [];
    parts.charts.replaceChildren();
  };
  // range: the y range in powers of ten (the finished comparison shares one, so heights compare).
  const drawNet = (index, net, points, layers, range = logRange) => {
    if (!charts[index]) {
      const box = el('div', { className: 'gradient-net', dataset: { testid: `gradient-net-${net}` } });
      parts.charts.append(box);
      charts[index] = layerChart(box, net, 'minibatches', layers, range);
    }
    charts[index].setData([points.map((p) => p.step), ...layers.map((_, i) => points.map((p) => log10(p.weights[i])))]);
  };
  const job = wireJobButton({
    button: parts.run, root: parts.compare, status: parts.status,
    idleText: 'Train deep-sigmoid, deep-relu and deep-residual side by side',
    run() {
      clearCharts();
      parts.summary.textContent = '';
      parts.compareResiduals.replaceChildren();
      const nets = [];
      parts.status.textContent = 'loading the training digits…';
      return client.start('gradientFlow', { steps: Number(parts.steps.value), every: COMPARE_EVERY }, {
        onProgress(p) {
          if (!nets.includes(p.net)) nets.push(p.net);
          parts.status.textContent = `${p.net}: ${p.step}/${p.total}`;
          drawNet(nets.indexOf(p.net), p.net, p.points, p.layers);
        },
      });
    },
    done(r) {
      clearCharts();
      const logs = r.nets.flatMap((n) => n.points.flatMap((p) => p.weights.map(log10))).filter((v) => v !== null);
      const shared = logs.length ? [Math.floor(Math.min(...logs)), Math.ceil(Math.max(...logs))] : logRange;
      r.nets.forEach((n, i) => drawNet(i, n.net, n.points, n.layers, shared));
      parts.status.textContent = '';
      parts.compare.dataset.result = JSON.stringify(r.nets); // the plotted numbers, for tests
      parts.summary.textContent = 'First layer\'s ‖∂L/∂w‖ over the last layer\'s, after '
        + `${r.steps} minibatches: ${r.nets.map((n) => `${n.net} ${formatNorm(n.ratio)}`).join(', ')}.`;
      const withBlocks = r.nets.filter((n) => n.residuals.length);
      parts.compareResiduals.replaceChildren(...withBlocks.flatMap((n) =>
        [el('p', {}, `${n.net}'s residual blocks, ∂L/∂x = ∂L/∂H·∂F/∂x + λ·∂L/∂H:`), residualTable(n.residuals)]));
    },
  });
  const offs = [
    client.on('stats', (stats) => live.add(stats)),
    client.on('model', ({ changed }) => changed !== false && live.reset()),
  ];
  return {
    destroy() {
      job.cancel();
      live.destroy();
      clearCharts();
      offs.forEach((off) => off());
    },
  };
}

export const gradientFlowPanel = { id: 'gradient-flow', title: 'Gradient flow', wide: true, mount };
