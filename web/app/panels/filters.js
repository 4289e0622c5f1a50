// The learned conv filters, drawn as small images: filter k of a conv layer
// is C_in little R×S pictures (one per input channel), blue for negative
// weights and orange for positive, normalised per filter; its bias beside.
// A selected filter is highlighted (from a click here or on a feature map).
import { el, html } from '../dom.js';
import { mapCanvas, paintMap, scaleFor, valueRange } from '../maps.js';

const FILTER_PX = 30;

// The diverging scale shared by filter k's channels, so they compare with each other.
export function filterScale(f, k) {
  const per = f.c * f.r * f.s;
  return { kind: 'diverging', max: scaleFor(valueRange(f.weights, k * per, per)).max };
}

// onSelectFilter({ layer, filter }): a filter was clicked.
export function createFiltersView(container, { onSelectFilter = () => {} } = {}) {
  const root = el('div', { className: 'filters', dataset: { testid: 'filters' } });
  container.append(root);
  let built = '';
  let blocks = new Map(); // conv layer index -> [{ row, canvases, bias }]
  let highlighted = null;

  function filterRow(f, k) {
    const scale = Math.max(1, Math.round(FILTER_PX / Math.max(f.r, f.s)));
    const canvases = Array.from({ length: f.c }, () => mapCanvas(f.s, f.r, scale, { className: 'map filter-channel' }));
    const bias = el('span', { className: 'filter-bias' });
    const row = el('div', {
      className: 'filter',
      dataset: { testid: 'filter', layer: f.layer, filter: k },
      title: `filter ${k}: makes map ${k} of layer ${f.layer}`,
    }, el('span', { className: 'filter-label', textContent: String(k) }), ...canvases, bias);
    row.addEventListener('click', () => {
      highlight(f.layer, k);
      onSelectFilter({ layer: f.layer, filter: k });
    });
    return { row, canvases, bias };
  }

  function build(filters) {
    blocks = new Map();
    root.replaceChildren(...filters.map((f) => {
      const rows = Array.from({ length: f.k }, (_, k) => filterRow(f, k));
      blocks.set(f.layer, rows);
      return el('div', { className: 'filter-block', dataset: { testid: 'filter-layer', layer: f.layer, count: f.k } },
        html`<div class="act-head"><code>${f.layer}  ${f.spec}</code>
          <span>${f.k} filters, each ${f.c}×${f.r}×${f.s} weights + a bias</span></div>`,
        el('div', { className: 'filter-grid' }, ...rows.map((r) => r.row)));
    }));
  }

  function paint(filters) {
    for (const f of filters) {
      const per = f.c * f.r * f.s;
      blocks.get(f.layer).forEach(({ canvases, bias }, k) => {
        const scale = filterScale(f, k);
        canvases.forEach((cv, c) => paintMap(cv, f.weights, k * per + c * f.r * f.s, f.s, f.r, scale));
        bias.textContent = `b ${f.bias[k] >= 0 ? '+' : '−'}${Math.abs(f.bias[k]).toFixed(2)}`;
      });
    }
  }

  function highlight(layer, k) {
    highlighted = { layer, k };
    for (const node of root.querySelectorAll('.filter.selected')) node.classList.remove('selected');
    blocks.get(layer)?.[k]?.row.classList.add('selected');
  }

  return {
    element: root,
    // The 'filters' reply: { filters: [{ layer, spec, k, c, r, s, weights, bias }] }.
    update({ filters }) {
      const signature = filters.map((f) => `${f.layer}:${f.k}x${f.c}x${f.r}x${f.s}`).join('|');
      if (signature !== built) {
        build(filters);
        built = signature;
        if (highlighted) highlight(highlighted.layer, highlighted.k);
      }
      paint(filters);
    },
    highlight,
  };
}
