// The sandbox's second half: a learned filter of the live network on the
// drawn digit. A conv layer's filter k has one KH×KW kernel per input channel;
// each is slid over its channel (the engine's 'convolve', one kernel per
// channel), and the maps are summed over the depth, plus the bias: that is
// the layer's map k, which the engine's own forward pass ('activations')
// gives for comparison. Learned filters are applied as the layer applies
// them: cross-correlation.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';
import { flattenLayers } from '../../network.js';

const SHOWN_CHANNELS = 16;

// digit(): the drawn digit or null, sent along (the worker may not have it yet).
export function learnedFilterView(container, { client, digit }) {
  container.append(html`
    <h3>A learned filter: many kernels, summed over the input's depth</h3>
    <label>filter <select data-testid="learned-filter" data-role="select"></select></label>
    <div class="learned-row" data-role="row" data-testid="learned-maps"></div>
    <p data-role="summary" data-testid="learned-summary" aria-live="polite"></p>`);
  const parts = roles(container);
  let filters = [];
  let generation = 0;

  async function loadFilters() {
    try {
      ({ filters } = await client.request('filters'));
    } catch {
      return; // no model yet: 'ready' and 'model' ask again
    }
    const previous = parts.select.value;
    parts.select.replaceChildren(...filters.flatMap((f, fi) => Array.from({ length: f.k }, (_, k) =>
      el('option', { value: `${fi}:${k}`, textContent: `layer ${f.layer} (${f.spec}), filter ${k}` }))));
    if (previous && [...parts.select.options].some((o) => o.value === previous)) parts.select.value = previous;
    container.hidden = filters.length === 0;
    await refresh();
  }

  async function refresh() {
    if (!filters.length || !parts.select.value) return;
    const mine = ++generation;
    const [fi, k] = parts.select.value.split(':').map(Number);
    const f = filters[fi];
    const drawn = digit();
    if (!drawn) {
      parts.summary.textContent = 'Draw a digit to see this filter at work.';
      return;
    }
    const inside = await client.request('activations', { image: drawn.slice() });
    if (mine !== generation) return;
    // f.layer indexes the flattened tree (web/network.js), as the maps do; the
    // layer's input is the output of the one before it on its chain.
    const flat = flattenLayers(inside.layers);
    const { layer: l, chain } = flat[f.layer];
    const feeder = chain.length > 1 ? flat.findIndex((e) => e.layer === chain.at(-2)) : -1;
    const input = feeder < 0 ? inside.input : inside.maps[feeder];
    const taps = f.kh * f.kw, per = f.c * taps;
    // Kernel c of the filter alone, as a filter that reads only channel c.
    const weights = new Float32Array(f.c * per);
    for (let c = 0; c < f.c; ++c) {
      weights.set(f.weights.subarray(k * per + c * taps, k * per + (c + 1) * taps), c * per + c * taps);
    }
    const reply = await client.request('convolve', {
      image: input, shape: l.input, weights, kernel: { h: f.kh, w: f.kw }, stride: l.stride, pad: l.pad,
    });
    if (mine !== generation) return;
    const { h, w } = reply.shape, plane = h * w;
    const sum = new Float32Array(plane).fill(f.bias[k]);
    for (let c = 0; c < f.c; ++c) for (let j = 0; j < plane; ++j) sum[j] += reply.output[c * plane + j];
    const layerMap = inside.maps[f.layer].subarray(k * plane, (k + 1) * plane);
    let worst = 0;
    for (let j = 0; j < plane; ++j) worst = Math.max(worst, Math.abs(sum[j] - layerMap[j]));
    const scale = wholeScale(w, 56);
    const tile = (data, caption, testid) => {
      const canvas = mapCanvas(w, h, scale, { dataset: { testid } });
      paintMap(canvas, data, 0, w, h, scaleFor(valueRange(data)));
      return el('figure', {}, canvas, el('figcaption', { textContent: caption }));
    };
    const channels = Array.from({ length: Math.min(f.c, SHOWN_CHANNELS) }, (_, c) =>
      tile(reply.output.subarray(c * plane, (c + 1) * plane), `channel ${c}`, 'learned-channel'));
    parts.row.replaceChildren(...channels,
      el('span', { className: 'op', textContent: `${f.c > SHOWN_CHANNELS ? '… ' : ''}Σ + b =` }),
      tile(sum, 'the sum', 'learned-sum'), el('span', { className: 'op', textContent: '=' }),
      tile(layerMap, `layer ${f.layer}'s map ${k}`, 'learned-layer-map'));
    parts.summary.textContent = `${f.c} kernel${f.c > 1 ? 's' : ''} of ${f.kh}×${f.kw} (one per input channel), each `
      + `slid over its channel, summed, plus the bias ${f.bias[k].toFixed(3)}: the layer's map ${k}, `
      + `to within ${worst.toExponential(1)}.`;
    parts.summary.dataset.worst = String(worst);
  }

  const quietly = (fn) => () => fn().catch((error) => (parts.summary.textContent = `Not shown: ${error.message}`));
  parts.select.addEventListener('change', quietly(refresh));
  const offs = ['ready', 'model'].map((name) => client.on(name, quietly(loadFilters)));
  quietly(loadFilters)();
  return {
    refresh: quietly(refresh),
    destroy: () => offs.forEach((off) => off()),
  };
}
