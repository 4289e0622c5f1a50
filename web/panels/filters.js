// The learned conv filters, drawn as small images: filter k of a conv layer
// is C_in little R×R pictures (one per input channel), blue for negative
// weights and orange for positive, normalised per filter; its bias beside.
// A selected filter is highlighted (from a click here or on a feature map).
import { mapCanvas, paintMap, scaleFor, valueRange } from './maps.js';

const FILTER_PX = 30;

export function createFiltersPanel(container, { onSelectFilter = () => {} } = {}) {
  const root = document.createElement('div');
  root.className = 'filters';
  root.dataset.testid = 'filters';
  container.append(root);
  let built = '';
  let blocks = new Map();  // conv layer index -> [{row, canvases}]
  let highlighted = null;

  function build(filters) {
    root.replaceChildren();
    blocks = new Map();
    for (const f of filters) {
      const block = document.createElement('div');
      block.className = 'filter-block';
      block.dataset.testid = 'filter-layer';
      block.dataset.layer = String(f.layer);
      block.dataset.count = String(f.k);
      const h = document.createElement('div');
      h.className = 'act-head';
      h.innerHTML = `<code></code><span></span>`;
      h.firstChild.textContent = `${f.layer}  ${f.spec}`;
      h.lastChild.textContent = `${f.k} filters, each ${f.c}×${f.r}×${f.r} weights + a bias`;
      block.append(h);
      const grid = document.createElement('div');
      grid.className = 'filter-grid';
      const rows = [];
      for (let k = 0; k < f.k; ++k) {
        const row = document.createElement('div');
        row.className = 'filter';
        row.dataset.testid = 'filter';
        row.dataset.layer = String(f.layer);
        row.dataset.filter = String(k);
        row.title = `filter ${k}: makes map ${k} of layer ${f.layer}`;
        const label = document.createElement('span');
        label.className = 'filter-label';
        label.textContent = String(k);
        row.append(label);
        const canvases = [];
        for (let c = 0; c < f.c; ++c) {
          const cv = mapCanvas(f.r, f.r, Math.max(1, Math.round(FILTER_PX / f.r)), 'map filter-channel');
          row.append(cv);
          canvases.push(cv);
        }
        const bias = document.createElement('span');
        bias.className = 'filter-bias';
        row.append(bias);
        row.addEventListener('click', () => {
          highlight(f.layer, k);
          onSelectFilter({ layer: f.layer, filter: k });
        });
        grid.append(row);
        rows.push({ row, canvases, bias });
      }
      block.append(grid);
      root.append(block);
      blocks.set(f.layer, rows);
    }
  }

  function paint(filters) {
    for (const f of filters) {
      const rows = blocks.get(f.layer);
      const per = f.c * f.r * f.r;
      for (let k = 0; k < f.k; ++k) {
        // One scale per filter: its channels are compared with each other.
        const scale = scaleFor(valueRange(f.weights, k * per, per));
        const s = { kind: 'diverging', max: Math.max(Math.abs(scale.max), 1e-12) };
        rows[k].canvases.forEach((cv, c) => paintMap(cv, f.weights, k * per + c * f.r * f.r, f.r, f.r, s));
        rows[k].bias.textContent = `b ${f.bias[k] >= 0 ? '+' : '−'}${Math.abs(f.bias[k]).toFixed(2)}`;
      }
    }
  }

  function highlight(layer, k) {
    highlighted = { layer, k };
    for (const el of root.querySelectorAll('.filter.selected')) el.classList.remove('selected');
    const target = blocks.get(layer)?.[k]?.row;
    target?.classList.add('selected');
  }

  return {
    element: root,
    update({ filters }) {
      const signature = filters.map((f) => `${f.layer}:${f.k}x${f.c}x${f.r}`).join('|');
      if (signature !== built) {
        build(filters);
        built = signature;
        if (highlighted) highlight(highlighted.layer, highlighted.k);
      }
      paint(filters);
    },
    highlight,
    clear() {
      highlighted = null;
      for (const el of root.querySelectorAll('.filter.selected')) el.classList.remove('selected');
    },
  };
}
