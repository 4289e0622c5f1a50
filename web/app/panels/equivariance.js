// "Equivariance and invariance": sliders move and turn the drawn digit
// without the page's recentring; the worker measures, layer by layer, how
// far the maps moved, how unlike the unmoved digit's maps given the same move
// they are (equivariance: alike, also when turned), and how much each
// layer's output changed (invariance: little), for the live CNN and the mlp
// beside it (once the sweep has trained it), plotted per layer. A sweep then
// plots the change against the shift for both, and says in words what the
// numbers show.
import { COLORS, createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';
import { formatPercent, MNIST_SIDE } from '../../util.js';
import { wireJobButton } from './job-button.js';

const SHOWN_MAPS = 3;
// The layers whose curves are drawn: those that compute, not the activations between them.
const MEASURED = new Set(['conv', 'residual', 'maxpool', 'avgpool', 'l2pool', 'dense']);
const PALETTE = [COLORS.plain, COLORS.augmented, COLORS.third, '#7b3294', '#a6611a', '#555', '#e7298a', '#1b9e77'];
const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`;

function slider(name, label, min, max, step) {
  return html`<label>${label} <input type="range" min="${min}" max="${max}" step="${step}" value="0"
    data-testid="move-${name}" data-role="${name}"> <output data-role="${name}Text">0</output></label>`;
}

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Move your digit. A convolution slides the same kernels everywhere, so its maps move with the
      digit (equivariance); pooling and the dense layers are meant to care less where it is (invariance).
      The measurements below say how far that holds.</p>
    <div class="sandbox-controls" data-role="sliders"></div>
    <p data-testid="move-answer" data-role="answer" aria-live="polite"></p>
    <div class="reliance-row"><figure><div data-role="inputWrap"></div><figcaption>moved, not recentred</figcaption>
      </figure><div data-role="maps" class="learned-row"></div></div>
    <div class="reliance-row">
      <table class="layer-table" data-testid="move-table"><caption>this CNN</caption><thead><tr><th>layer</th>
        <th data-role="movedHead">maps moved (x, y)</th><th>unlike the unmoved maps, moved the same</th>
        <th>output changed</th></tr></thead><tbody data-role="rows"></tbody></table>
      <table class="layer-table" data-testid="move-mlp-table"><caption data-role="mlpCaption">an mlp</caption>
        <thead><tr><th>layer</th><th>maps</th><th>output changed</th></tr></thead>
        <tbody data-role="mlpRows"></tbody></table>
    </div>
    <p class="note">Three measures per layer. <em>Maps moved</em>: the shift that best lines the maps up with the
      unmoved digit's maps (turned first by the same angle). <em>Unlike the unmoved maps, moved the same</em>: the
      unmoved digit's maps shifted and turned as the digit was (in map units, about the point the image's centre
      falls on), compared where they are known: small means the layer moved <em>with</em> the digit
      (equivariance). A convolution follows a whole-pixel shift exactly (0 %), a turn only partly: its kernels
      are not turned with the digit. <em>Output changed</em>: ‖moved − unmoved‖ / ‖unmoved‖, small
      means the layer did not care where the digit is (invariance). An mlp has no maps: its first layer's units
      each weigh fixed pixels, so nothing in it can move with the digit.</p>
    <div class="chart-row" data-role="layerChart"></div>
    <h3>Against the shift: this CNN and an mlp</h3>
    <div class="panel-bar"><button type="button" data-testid="invariance-run" data-role="run"></button>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="chart-row" data-role="charts"></div>
    <p data-testid="invariance-summary" data-role="summary"></p>`);
  const parts = roles(section);
  parts.sliders.append(slider('shiftX', 'shift right (px)', -8, 8, 1), slider('shiftY', 'shift down (px)', -8, 8, 1),
    slider('rotation', 'rotate (°)', -45, 45, 5));
  Object.assign(parts, roles(section));
  const inputCanvas = mapCanvas(MNIST_SIDE, MNIST_SIDE, wholeScale(MNIST_SIDE, 112), { className: 'map digit' });
  parts.inputWrap.append(inputCanvas);
  let generation = 0;
  let drawn = null; // sent along: the 'digit' event comes before the worker hears of the digit

  async function refresh() {
    const mine = ++generation;
    const move = {};
    for (const name of ['shiftX', 'shiftY', 'rotation']) {
      move[name] = Number(parts[name].value);
      parts[`${name}Text`].value = String(move[name]);
    }
    const r = await client.request('equivariance', { ...move, image: drawn?.slice() });
    if (mine !== generation) return;
    if (r.empty) {
      parts.answer.textContent = 'Draw a digit, then move it.';
      return;
    }
    paintDigit(inputCanvas, r.input, 0, MNIST_SIDE, MNIST_SIDE);
    section.dataset.answer = String(r.answer);
    section.dataset.originalAnswer = String(r.originalAnswer);
    parts.answer.textContent = `The answer: ${r.answer} (${formatPercent(r.probs[r.answer])}); unmoved it was `
      + `${r.originalAnswer}. The ink's centre moved by (${signed(r.inputMoved?.x ?? 0)}, `
      + `${signed(r.inputMoved?.y ?? 0)}) px.`;
    parts.movedHead.textContent = move.rotation ? `maps moved (x, y), after turning them ${move.rotation}°`
      : 'maps moved (x, y)';
    parts.rows.replaceChildren(...r.layers.map((l, i) => {
      const m = r.measures[i];
      const dataset = { testid: 'move-layer', layer: i, kind: l.kind, change: m.change };
      if (m.moved) Object.assign(dataset, { movedX: m.moved.x, movedY: m.moved.y });
      if (m.mismatch != null) dataset.mismatch = m.mismatch;
      return el('tr', { dataset }, el('td', {}, el('code', { textContent: `${i}  ${l.spec}` })),
        el('td', { textContent: m.moved ? `${signed(m.moved.x)}, ${signed(m.moved.y)} px` : 'no maps' }),
        el('td', { textContent: m.mismatch != null ? formatPercent(m.mismatch) : '–' }),
        el('td', { textContent: formatPercent(m.change) }));
    }));
    showMlp(r.mlp);
    plotLayers(r);
    const spatial = r.layers.map((l, i) => i).filter((i) => MEASURED.has(r.layers[i].kind)
      && (r.layers[i].output.h > 1 || r.layers[i].output.w > 1));
    parts.maps.replaceChildren(...spatial.map((i) => {
      const { c, h, w } = r.layers[i].output;
      const canvases = Array.from({ length: Math.min(c, SHOWN_MAPS) }, (_, k) => {
        const canvas = mapCanvas(w, h, wholeScale(w, 56));
        paintMap(canvas, r.maps[i], k * h * w, w, h, scaleFor(valueRange(r.maps[i], k * h * w, h * w)));
        return canvas;
      });
      return el('figure', {}, ...canvases, el('figcaption', { textContent: `layer ${i} (${r.layers[i].kind})` }));
    }));
  }

  function showMlp(mlp) {
    parts.mlpCaption.textContent = mlp ? `an mlp, the same moved digit: it answers ${mlp.answer} (unmoved `
      + `${mlp.originalAnswer})` : 'an mlp: press Measure below to train one (a few seconds), then move the digit';
    section.dataset.mlpAnswer = mlp ? String(mlp.answer) : '';
    parts.mlpRows.replaceChildren(...(mlp?.layers ?? []).map((l, i) => {
      const dataset = { testid: 'move-mlp-layer', layer: i, kind: l.kind, change: mlp.measures[i].change };
      return el('tr', { dataset }, el('td', {}, el('code', { textContent: `${i}  ${l.spec}` })),
        el('td', { textContent: 'none: each unit is tied to fixed pixels' }),
        el('td', { textContent: formatPercent(mlp.measures[i].change) }));
    }));
  }

  // Per computing layer (1 = the first): the CNN's change and mismatch, the mlp's change.
  const layerChart = createChart(parts.layerChart, {
    title: 'per layer, for this move', xLabel: 'computing layer (1 = first)', yLabel: 'relative difference',
    width: 520, yRange: (u, lo, hi) => [0, Math.max(hi, 0.1)],
    yTicks: (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`),
    series: [
      { label: 'CNN: output changed', color: COLORS.plain },
      { label: 'CNN: unlike its unmoved maps moved the same', color: COLORS.third, dash: [6, 4] },
      { label: 'mlp: output changed', color: COLORS.augmented },
    ],
  });
  function plotLayers(r) {
    const computing = (layers) => layers.map((l, i) => i).filter((i) => MEASURED.has(layers[i].kind));
    const cnn = computing(r.layers);
    const points = (indices, value) => indices.map((i, k) => [k + 1, value(i)]).filter((p) => p[1] != null);
    layerChart.setPoints([
      points(cnn, (i) => r.measures[i].change),
      points(cnn, (i) => r.measures[i].mismatch),
      r.mlp ? points(computing(r.mlp.layers), (i) => r.mlp.measures[i].change) : [],
    ]);
  }

  const charts = ['cnn', 'mlp'].map((name) => ({ name, chart: null }));
  function plot(result) {
    for (const slot of charts) {
      slot.chart?.destroy();
      const data = result[slot.name];
      const shown = data.layers.map((l, i) => i).filter((i) => MEASURED.has(data.layers[i].kind));
      slot.chart = createChart(parts.charts, {
        title: slot.name === 'cnn' ? 'this CNN: output change vs shift' : 'an mlp: output change vs shift',
        xLabel: 'shift right (px)', yLabel: 'relative change', width: 380,
        yRange: (u, lo, hi) => [0, Math.max(hi, 0.1)],
        yTicks: (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`),
        series: shown.map((i, k) => ({ label: `${i} ${data.layers[i].kind}`, color: PALETTE[k % PALETTE.length] })),
      });
      slot.chart.setPoints(shown.map((i) => data.curves[i]));
    }
  }

  // What the sweep shows, in words built from its numbers.
  function summarise({ cnn, mlp, count }) {
    const at = (list, x) => list.find((p) => p[0] === x)?.[1];
    const first = cnn.layers.findIndex((l) => l.kind === 'conv');
    const last = cnn.layers.length - 1, mlpLast = mlp.layers.length - 1;
    const moved4 = first >= 0 ? at(cnn.moved[first], 4) : null;
    const tolerant = at(cnn.curves[last], 4) < at(mlp.curves[mlpLast], 4) && at(cnn.accuracy, 4) > at(mlp.accuracy, 4);
    const falls = at(cnn.accuracy, 6) < at(cnn.accuracy, 0);
    const verdict = `${tolerant ? 'So the CNN is more tolerant of shifts than the mlp' : 'Here the CNN is not more '
      + 'tolerant of shifts than the mlp'}${falls ? ', but not invariant: its output changes and its accuracy falls as '
      + 'the shift grows, as the robustness curves show.' : '.'}`;
    return `Over ${count} test digits shifted 4 px: `
      + (moved4 != null ? `the first convolution's maps moved ${moved4.toFixed(1)} px (equivariant); ` : '')
      + `the CNN's output changed by ${formatPercent(at(cnn.curves[last], 4))}, the mlp's by `
      + `${formatPercent(at(mlp.curves[mlpLast], 4))}. Accuracy at 0, 4 and 6 px: CNN `
      + `${[0, 4, 6].map((x) => formatPercent(at(cnn.accuracy, x))).join(', ')}; mlp `
      + `${[0, 4, 6].map((x) => formatPercent(at(mlp.accuracy, x))).join(', ')}. ${verdict}`;
  }

  const job = wireJobButton({
    button: parts.run, root: section, status: parts.status, idleText: 'Measure (trains an mlp first, a few seconds)',
    run() {
      parts.status.textContent = 'training the mlp…';
      return client.start('invariance', {}, {
        onProgress(p) {
          parts.status.textContent = p.phase === 'train' ? `training the mlp… ${p.step}/${p.total}`
            : `measuring ${p.model} at ${p.shift} px…`;
        },
      });
    },
    done(result) {
      plot(result);
      quietly(); // the mlp is kept: the tables above show it now
      parts.status.textContent = '';
      parts.summary.textContent = summarise(result);
      section.dataset.sweep = JSON.stringify({ cnn: result.cnn.accuracy, mlp: result.mlp.accuracy });
    },
  });

  const quietly = () => refresh().catch((error) => (parts.answer.textContent = `Not shown: ${error.message}`));
  for (const name of ['shiftX', 'shiftY', 'rotation']) parts[name].addEventListener('input', quietly);
  const onDigit = ({ image }) => {
    drawn = image;
    quietly();
  };
  const offs = [events.on('digit', onDigit), client.on('model', quietly)];
  return {
    destroy() {
      job.cancel();
      offs.forEach((off) => off());
      charts.forEach((c) => c.chart?.destroy());
      layerChart.destroy();
    },
  };
}

export const equivariancePanel = { id: 'equivariance', title: 'Equivariance and invariance', wide: true, mount };
