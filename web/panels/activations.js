// Activation maps: what every layer computes for one digit. Each feature map
// of a conv/pool/activation layer is a small canvas at native resolution
// (CSS scales it up, pixelated), normalised per map or per layer; vector
// layers (dense) are bar charts; the last row is the softmax output.
// Under each layer: its arithmetic (layer-explain.js). Clicking a map unit
// selects it (onSelect) so the filters panel can show where it looks.
import { isSpatial, shapeText } from './geometry.js';
import { renderLayerExplain } from './layer-explain.js';
import { mapCanvas, paintBars, paintDigit, paintMap, scaleFor, unitAt, valueRange, wholeScale } from './maps.js';

const MAP_TARGET_PX = 56;  // every map is shown at about this size, whatever its resolution

export function createActivationsPanel(container, { onSelect = () => {}, classNames = () => null } = {}) {
  const root = document.createElement('div');
  root.className = 'activations';
  root.dataset.testid = 'activations';
  container.append(root);

  let built = '';        // the layers signature the DOM was built for
  let rows = [];         // per layer: {canvases[] | bars}
  let inputCanvas = null, probsCanvas = null;
  let last = null;       // the last result, to repaint on option changes
  let perLayer = false;
  let selected = null;   // {layer, channel}

  function build(result) {
    root.replaceChildren();
    const { layers, input } = result;
    const inputRow = document.createElement('div');
    inputRow.className = 'act-layer act-input';
    const side = Math.round(Math.sqrt(input.length));
    inputCanvas = mapCanvas(side, side, wholeScale(side, 84), 'map digit');
    inputCanvas.dataset.testid = 'activation-input';
    inputRow.append(head('input', `${shapeText({ c: 1, h: side, w: side })} — the digit as the network sees it`), inputCanvas);
    root.append(inputRow);

    rows = layers.map((l, i) => {
      const row = document.createElement('div');
      row.className = `act-layer kind-${l.kind}`;
      row.dataset.testid = 'activation-layer';
      row.dataset.layer = String(i);
      row.dataset.kind = l.kind;
      row.append(head(`${i}  ${l.spec}`, shapeText(l.output)), renderLayerExplain(layers, i));
      const maps = document.createElement('div');
      maps.className = 'act-maps';
      row.append(maps);
      root.append(row);
      if (!isSpatial(l)) {
        const bars = document.createElement('canvas');
        bars.className = 'act-bars';
        bars.dataset.testid = 'activation-bars';
        bars.style.width = `${Math.min(640, Math.max(160, l.output.c * 5))}px`;
        bars.style.height = i === layers.length - 1 ? '58px' : '44px';
        maps.append(bars);
        row.dataset.maps = '0';
        return { bars };
      }
      const scale = wholeScale(l.output.w, MAP_TARGET_PX);
      const canvases = [];
      for (let k = 0; k < l.output.c; ++k) {
        const c = mapCanvas(l.output.w, l.output.h, scale);
        c.dataset.testid = 'map';
        c.dataset.layer = String(i);
        c.dataset.channel = String(k);
        c.title = `${l.kind} layer ${i}, map ${k} — click a pixel to see where it looks`;
        c.addEventListener('click', (ev) => {
          const { row: r, col } = unitAt(ev, c, l.output.w, l.output.h);
          select(i, k);
          onSelect({ layer: i, channel: k, row: r, col });
        });
        maps.append(c);
        canvases.push(c);
      }
      row.dataset.maps = String(l.output.c);
      row.dataset.mapSize = `${l.output.h}x${l.output.w}`;
      return { canvases };
    });

    const probsRow = document.createElement('div');
    probsRow.className = 'act-layer act-probs';
    probsCanvas = document.createElement('canvas');
    probsCanvas.className = 'act-bars';
    probsCanvas.dataset.testid = 'activation-probs';
    probsCanvas.style.width = '320px';
    probsCanvas.style.height = '58px';
    probsRow.append(head('softmax', 'the last layer\'s outputs turned into probabilities'), probsCanvas);
    root.append(probsRow);
  }

  function head(title, text) {
    const h = document.createElement('div');
    h.className = 'act-head';
    const t = document.createElement('code');
    t.textContent = title;
    const s = document.createElement('span');
    s.textContent = text;
    h.append(t, s);
    return h;
  }

  function select(layer, channel) {
    selected = { layer, channel };
    for (const c of root.querySelectorAll('canvas.map.selected')) c.classList.remove('selected');
    rows[layer]?.canvases?.[channel]?.classList.add('selected');
  }

  function paint() {
    const { layers, maps, probs, input } = last;
    const side = Math.round(Math.sqrt(input.length));
    paintDigit(inputCanvas, input, 0, side, side);
    const names = classNames();
    layers.forEach((l, i) => {
      const data = maps[i];
      const row = rows[i];
      if (row.bars) {
        const isLast = i === layers.length - 1;
        paintBars(row.bars, data, { labels: isLast ? labelsFor(names, data.length, true) : null, highlight: isLast ? argmax(data) : -1 });
        return;
      }
      const per = l.output.h * l.output.w;
      const layerScale = perLayer ? scaleFor(valueRange(data)) : null;
      row.canvases.forEach((c, k) => {
        const scale = layerScale ?? scaleFor(valueRange(data, k * per, per));
        paintMap(c, data, k * per, l.output.w, l.output.h, scale);
      });
    });
    paintBars(probsCanvas, probs, { labels: labelsFor(names, probs.length, false), highlight: argmax(probs) });
    probsCanvas.dataset.digit = String(argmax(probs));
  }

  return {
    element: root,
    update(result) {
      const signature = result.layers.map((l) => `${l.spec}:${shapeText(l.output)}`).join('|');
      if (signature !== built) {
        build(result);
        built = signature;
        selected = null;
      }
      last = result;
      paint();
      if (selected) select(selected.layer, selected.channel);
      root.dataset.layers = String(result.layers.length);
    },
    setPerLayer(on) {
      perLayer = on;
      if (last) paint();
    },
    select,
    repaint() { if (last) paint(); },
    get last() { return last; },
  };
}

function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; ++i) if (a[i] > a[best]) best = i;
  return best;
}

// Class labels under the bars: digits, or short Fashion names when they fit.
function labelsFor(names, n, short) {
  if (!names || names.length !== n) return Array.from({ length: n }, (_, i) => i);
  return names.map((s) => (short || s.length > 7 ? s.split(/[ /-]/)[0].slice(0, 6) : s));
}
