// Activation maps: what every layer computes for one digit. Each feature map
// of a conv/pool/activation layer is a small canvas at native resolution
// (CSS scales it up, pixelated), normalised per map or per layer; vector
// layers (dense) are bar charts; the last row is the softmax output.
// Under each layer: its arithmetic (layer-explain.js). Clicking a map unit
// selects it (onSelect) so the inside panel can show where it looks.
//
// By keyboard the maps are one tab stop (../roving.js): arrows move between
// maps (Up/Down between layers), Enter or Space selects the map's strongest
// unit. Every picture has a text equivalent (aria-label) saying what it
// shows: a map's strongest response and where, a dense layer's range, the
// top probabilities.
import { el, html } from '../dom.js';
import { flattenLayers } from '../../network.js';
import { createRoving } from '../roving.js';
import { argmax } from '../../util.js';
import { mapCanvas, paintBars, paintDigit, paintMap, scaleFor, unitAt, valueRange, wholeScale } from '../maps.js';
import { blockTitle, isSpatial, shapeText } from './geometry.js';
import { renderLayerExplain } from './layer-explain.js';

const MAP_TARGET_PX = 56; // every map is shown at about this size, whatever its resolution

// A layer row's heading: its name in code, then what it is.
const head = (title, text) => html`<div class="act-head"><code>${title}</code><span>${text}</span></div>`;

// Class labels under the bars: digits, or short Fashion names when they fit.
function labelsFor(names, n, short) {
  if (!names || names.length !== n) return Array.from({ length: n }, (_, i) => i);
  return names.map((s) => (short || s.length > 7 ? s.split(/[ /-]/)[0].slice(0, 6) : s));
}

// Text equivalents of the bar charts.
const barsText = (name, values) => {
  const { lo, hi } = valueRange(values);
  return `${name}: ${values.length} outputs from ${lo.toFixed(2)} to ${hi.toFixed(2)}, `
    + `the largest at output ${argmax(values)}`;
};
function probsText(probs, names) {
  const order = Array.from(probs, (p, k) => k).sort((a, b) => probs[b] - probs[a]).slice(0, 3);
  const name = (k) => names?.[k] ?? String(k);
  return `probabilities: ${order.map((k) => `${name(k)} ${(probs[k] * 100).toFixed(1)}%`).join(', ')}`;
}

// onSelect({ layer, channel, row, col }): a map unit was clicked;
// classNames(): the active data set's class names.
export function createActivationsView(container, { onSelect = () => {}, classNames = () => null } = {}) {
  const root = el('div', { className: 'activations', dataset: { testid: 'activations' } });
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', 'Feature maps of every layer. Arrow keys move between maps, '
    + 'Enter shows where the chosen map looks.');
  container.append(root);
  // Enter on a map selects its strongest unit (peaks: per layer, per map, { row, col }).
  let peaks = [];
  const roving = createRoving(root, 'canvas[data-testid="map"]', {
    rows: true,
    onActivate(c) {
      const i = Number(c.dataset.layer), k = Number(c.dataset.channel);
      select(i, k);
      onSelect({ layer: i, channel: k, ...peaks[i][k] });
    },
  });

  let built = ''; // the layers signature the DOM was built for
  let rows = []; // per layer: { canvases } or { bars }
  let inputCanvas = null, probsCanvas = null;
  let last = null; // the last result, to repaint on option changes
  let perLayer = false;
  let selected = null; // { layer, channel }

  function mapsRow(l, i) {
    const scale = wholeScale(l.output.w, MAP_TARGET_PX);
    const canvases = Array.from({ length: l.output.c }, (_, k) => {
      const c = mapCanvas(l.output.w, l.output.h, scale, {
        dataset: { testid: 'map', layer: i, channel: k },
        title: `${l.kind} layer ${i}, map ${k} — click a pixel to see where it looks`,
        tabIndex: -1,
      });
      c.setAttribute('role', 'button');
      c.setAttribute('aria-pressed', 'false');
      c.addEventListener('click', (event) => {
        const { row, col } = unitAt(event, c, l.output.w, l.output.h);
        select(i, k);
        onSelect({ layer: i, channel: k, row, col });
      });
      return c;
    });
    return { canvases };
  }

  function barsRow(l, isLast) {
    const width = `${Math.min(640, Math.max(160, l.output.c * 5))}px`;
    const height = isLast ? '58px' : '44px';
    const dataset = { testid: 'activation-bars' };
    return { bars: el('canvas', { className: 'act-bars', dataset, style: { width, height }, role: 'img' }) };
  }

  // One layer's row: its heading, its arithmetic and its maps (or bars).
  function layerRow(l, i) {
    const dataset = { testid: 'activation-layer', layer: i, kind: l.kind, maps: isSpatial(l) ? l.output.c : 0 };
    if (isSpatial(l)) dataset.mapSize = `${l.output.h}x${l.output.w}`;
    return el('div', { className: `act-layer kind-${l.kind}`, dataset },
      head(`${i}  ${blockTitle(l)}`, shapeText(l.output)),
      renderLayerExplain(l, i),
      el('div', { className: 'act-maps' }, ...(rows[i].canvases ?? [rows[i].bars])));
  }

  // A list of the tree: each layer's row; a block's insides first (a
  // residual's in one column, a concat's one group per branch), then its output.
  function listRows(list, indexOf) {
    return list.map((l) => {
      const i = indexOf.get(l);
      if (!l.children && !l.branches) return layerRow(l, i);
      const insides = l.branches
        ? el('div', { className: 'act-branches' }, ...l.branches.map((b, k) => el('div',
          { className: 'act-branch', dataset: { testid: 'activation-branch', block: i, branch: k } },
          el('div', { className: 'act-branch-title', textContent: `branch ${k + 1}` }), ...listRows(b, indexOf))))
        : el('div', { className: 'act-inside' }, ...listRows(l.children, indexOf));
      return el('div', { className: 'act-group', dataset: { testid: 'activation-block', layer: i } },
        insides, layerRow(l, i));
    });
  }

  function build({ layers, flat, input }) {
    const side = Math.round(Math.sqrt(input.length));
    inputCanvas = mapCanvas(side, side, wholeScale(side, 84), {
      className: 'map digit', dataset: { testid: 'activation-input' }, role: 'img',
    });
    inputCanvas.setAttribute('aria-label', `the digit, ${side}×${side} pixels, as the network sees it`);
    const inputRow = el('div', { className: 'act-layer act-input' },
      head('input', `${shapeText({ c: 1, h: side, w: side })} — the digit as the network sees it`), inputCanvas);

    const outputLayer = layers.at(-1);
    rows = flat.map(({ layer: l }, i) => (isSpatial(l) ? mapsRow(l, i) : barsRow(l, l === outputLayer)));
    const layerRows = listRows(layers, new Map(flat.map(({ layer }, i) => [layer, i])));

    probsCanvas = el('canvas', {
      className: 'act-bars', dataset: { testid: 'activation-probs' }, style: { width: '320px', height: '58px' },
      role: 'img',
    });
    const probsRow = el('div', { className: 'act-layer act-probs' },
      head('softmax', 'the last layer\'s outputs turned into probabilities'), probsCanvas);
    root.replaceChildren(inputRow, ...layerRows, probsRow);
    roving.refresh();
  }

  function select(layer, channel) {
    selected = { layer, channel };
    for (const c of root.querySelectorAll('canvas.map.selected')) {
      c.classList.remove('selected');
      c.setAttribute('aria-pressed', 'false');
    }
    const chosen = rows[layer]?.canvases?.[channel];
    chosen?.classList.add('selected');
    chosen?.setAttribute('aria-pressed', 'true');
    if (chosen) roving.moveTo(chosen, { focus: false });
  }

  function paint() {
    const { layers, flat, maps, probs, input } = last;
    const side = Math.round(Math.sqrt(input.length));
    paintDigit(inputCanvas, input, 0, side, side);
    const names = classNames();
    peaks = flat.map(() => []);
    flat.forEach(({ layer: l }, i) => {
      const data = maps[i];
      const row = rows[i];
      if (row.bars) {
        const isLast = l === layers.at(-1);
        const labels = isLast ? labelsFor(names, data.length, true) : null;
        paintBars(row.bars, data, { labels, highlight: isLast ? argmax(data) : -1 });
        row.bars.setAttribute('aria-label', barsText(`layer ${i} (${l.kind})`, data));
        return;
      }
      const { h, w, c: count } = l.output;
      const per = h * w;
      const layerScale = perLayer ? scaleFor(valueRange(data)) : null;
      row.canvases.forEach((c, k) => {
        const scale = layerScale ?? scaleFor(valueRange(data, k * per, per));
        paintMap(c, data, k * per, w, h, scale);
        const at = argmax(data, k * per, per);
        peaks[i][k] = { row: Math.floor(at / w), col: at % w };
        c.setAttribute('aria-label', `${l.kind} layer ${i}, map ${k} of ${count}, ${h}×${w}: strongest response `
          + `${data[k * per + at].toFixed(2)} at row ${peaks[i][k].row}, column ${peaks[i][k].col}`);
      });
    });
    paintBars(probsCanvas, probs, { labels: labelsFor(names, probs.length, false), highlight: argmax(probs) });
    probsCanvas.dataset.digit = String(argmax(probs));
    probsCanvas.setAttribute('aria-label', probsText(probs, names));
  }

  return {
    element: root,
    // result: the 'activations' reply ({ layers, maps, probs, input }); it
    // gets its flat list of layers (web/network.js), which maps[i] follows.
    update(reply) {
      const result = { ...reply, flat: flattenLayers(reply.layers) };
      const signature = result.flat.map(({ layer: l }) => `${l.spec}:${shapeText(l.output)}`).join('|');
      if (signature !== built) {
        build(result);
        built = signature;
        selected = null;
      }
      last = result;
      paint();
      if (selected) select(selected.layer, selected.channel);
      root.dataset.layers = String(result.flat.length);
    },
    setPerLayer(on) {
      perLayer = on;
      if (last) paint();
    },
    select,
    get last() { return last; },
  };
}
