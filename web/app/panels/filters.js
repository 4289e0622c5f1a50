// The learned conv filters, drawn as small images: filter k of a conv layer
// is C_in little KH×KW pictures (one per input channel), blue for negative
// weights and orange for positive, normalised per filter; its bias beside.
// A selected filter is highlighted (from a click here or on a feature map).
// By keyboard the filters are one tab stop (../roving.js): arrows move, Enter
// or Space chooses; each says its weights' range and bias in words (for screen readers).
import { el, html } from '../dom.js';
import { mapCanvas, paintMap, scaleFor, valueRange } from '../maps.js';
import { createRoving } from '../roving.js';

const FILTER_PX = 30;

// The diverging scale shared by filter k's channels, so they compare with each other.
export function filterScale(f, k) {
  const per = f.c * f.kh * f.kw;
  return { kind: 'diverging', max: scaleFor(valueRange(f.weights, k * per, per)).max };
}

// onSelectFilter({ layer, filter }): a filter was clicked.
export function createFiltersView(container, { onSelectFilter = () => {} } = {}) {
  const root = el('div', { className: 'filters', dataset: { testid: 'filters' } });
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', 'Learned filters. Arrow keys move between filters, Enter shows the map one makes.');
  container.append(root);
  const roving = createRoving(root, '[data-testid="filter"]', { onActivate: (row) => row.click() });
  let built = '';
  let blocks = new Map(); // conv layer index -> [{ row, canvases, bias, words }]
  let highlighted = null;

  function filterRow(f, k) {
    const scale = Math.max(1, Math.round(FILTER_PX / Math.max(f.kh, f.kw)));
    const canvases = Array.from({ length: f.c },
      () => mapCanvas(f.kw, f.kh, scale, { className: 'map filter-channel' }));
    const bias = el('span', { className: 'filter-bias' });
    const words = el('span', { className: 'visually-hidden' });
    const row = el('div', {
      className: 'filter',
      dataset: { testid: 'filter', layer: f.layer, filter: k },
      title: `filter ${k}: makes map ${k} of layer ${f.layer}`,
      tabIndex: -1,
    }, el('span', { className: 'filter-label', textContent: String(k) }), words, ...canvases, bias);
    row.setAttribute('role', 'button');
    row.setAttribute('aria-pressed', 'false');
    row.addEventListener('click', () => {
      highlight(f.layer, k);
      onSelectFilter({ layer: f.layer, filter: k });
    });
    return { row, canvases, bias, words };
  }

  function build(filters) {
    blocks = new Map();
    root.replaceChildren(...filters.map((f) => {
      const rows = Array.from({ length: f.k }, (_, k) => filterRow(f, k));
      blocks.set(f.layer, rows);
      return el('div', { className: 'filter-block', dataset: { testid: 'filter-layer', layer: f.layer, count: f.k } },
        html`<div class="act-head"><code>${f.layer}  ${f.spec}</code>
          <span>${f.k} filters, each ${f.c}×${f.kh}×${f.kw} weights + a bias</span></div>`,
        el('div', { className: 'filter-grid' }, ...rows.map((r) => r.row)));
    }));
    roving.refresh();
  }

  function paint(filters) {
    for (const f of filters) {
      const per = f.c * f.kh * f.kw;
      blocks.get(f.layer).forEach(({ canvases, bias, words }, k) => {
        const scale = filterScale(f, k);
        canvases.forEach((cv, c) => paintMap(cv, f.weights, k * per + c * f.kh * f.kw, f.kw, f.kh, scale));
        bias.textContent = `b ${f.bias[k] >= 0 ? '+' : '−'}${Math.abs(f.bias[k]).toFixed(2)}`;
        const { lo, hi } = valueRange(f.weights, k * per, per);
        words.textContent = `: filter of layer ${f.layer}, makes map ${k}; ${f.c}×${f.kh}×${f.kw} weights from `
          + `${lo.toFixed(2)} to ${hi.toFixed(2)}; `;
      });
    }
  }

  function highlight(layer, k) {
    highlighted = { layer, k };
    for (const node of root.querySelectorAll('.filter.selected')) {
      node.classList.remove('selected');
      node.setAttribute('aria-pressed', 'false');
    }
    const row = blocks.get(layer)?.[k]?.row;
    row?.classList.add('selected');
    row?.setAttribute('aria-pressed', 'true');
  }

  return {
    element: root,
    // The 'filters' reply: { filters: [{ layer, spec, k, c, kh, kw, weights, bias }] }.
    update({ filters }) {
      const signature = filters.map((f) => `${f.layer}:${f.k}x${f.c}x${f.kh}x${f.kw}`).join('|');
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
