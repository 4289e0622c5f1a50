// The course's arithmetic of kernel shapes, side by side, on the channels of
// the layer being edited: one 5×5 convolution vs two 3×3 (the same 5×5
// receptive field with fewer weights, VGG's point), one 3×3 vs 1×3 + 3×1
// (Inception's decomposition), and 1×5 + 5×1. Every number comes from the
// engine: each alternative is built as a tiny spec over the layer's input
// (describeNetwork with sketch: true) and its layers are read back.
import { el, html } from '../dom.js';
import { formatCount } from '../../util.js';

// [label, the layers after 'input'] with F filters.
const ALTERNATIVES = [
  ['one 5×5', (f) => [`conv ${f} k=5 p=2`]],
  ['two 3×3', (f) => [`conv ${f} k=3 p=1`, `conv ${f} k=3 p=1`]],
  ['one 3×3', (f) => [`conv ${f} k=3 p=1`]],
  ['1×3 + 3×1', (f) => [`conv ${f} k=1x3 p=0x1`, `conv ${f} k=3x1 p=1x0`]],
  ['1×5 + 5×1', (f) => [`conv ${f} k=1x5 p=0x2`, `conv ${f} k=5x1 p=2x0`]],
];

export function createNetworkCompare(container, client) {
  const root = el('div', { dataset: { testid: 'editor-compare' } });
  container.append(root);
  let shown = ''; // the shape the table was made for
  let asked = 0;

  // One table: every alternative on a c×h×w input with `filters` filters (the engine's numbers).
  async function table(c, h, w, filters, caption) {
    const input = `input ${c}x${h}x${w}`;
    const replies = await Promise.all(ALTERNATIVES.map(([, layers]) =>
      client.request('describeNetwork', { net: [input, ...layers(filters)].join('\n'), sketch: true })
        .catch((error) => ({ error: { message: error.message } }))));
    const rows = ALTERNATIVES.map(([label, layers], i) => {
      const r = replies[i];
      if (r.error) {
        return el('tr', {}, el('th', { scope: 'row', textContent: label }),
          el('td', { colSpan: 4, textContent: r.error.message }));
      }
      const rf = r.layers.at(-1).receptiveField;
      return el('tr', { dataset: { testid: 'compare-row', name: label } },
        el('th', { scope: 'row', textContent: label }),
        el('td', { className: 'mono', textContent: layers(filters).join('; ') }),
        el('td', { className: 'num', dataset: { testid: 'compare-params' },
          textContent: formatCount(r.totals.params) }),
        el('td', { className: 'num', dataset: { testid: 'compare-macs' }, textContent: formatCount(r.totals.macs) }),
        el('td', { dataset: { testid: 'compare-rf' }, textContent: `${rf.h}×${rf.w}` }));
    });
    const out = html`<table class="net-summary" data-testid="compare-table">
      <caption>${caption}</caption>
      <thead><tr><th scope="col">kernels</th><th scope="col">layers</th><th scope="col">parameters</th>
        <th scope="col">multiply-adds</th><th scope="col">receptive field</th></tr></thead><tbody></tbody></table>`;
    out.querySelector('tbody').append(...rows);
    return out;
  }

  async function show(node) {
    if (!node || node.kind !== 'conv') {
      if (!node) root.replaceChildren();
      return; // keeps the last convolution's table while another kind of layer is edited
    }
    const { c, h, w } = node.input;
    const filters = node.output.c;
    const key = `${c}x${h}x${w}/${filters}`;
    if (key === shown) return;
    const mine = ++asked;
    const tables = [await table(c, h, w, filters, `On this layer's input (${c}×${h}×${w}) with ${filters} filters: ` +
      `the first layer maps ${c} channels to ${filters}, a second one ${filters} to ${filters} (activations between ` +
      'add no parameters).')];
    // The course's comparison keeps the channels: C in, C out.
    if (c !== filters) {
      tables.push(await table(filters, h, w, filters, `The course's case, as many channels in as out: ` +
        `${filters}×${h}×${w} in, ${filters} filters.`));
    }
    if (mine !== asked) return;
    shown = key;
    root.replaceChildren(html`<h3>5×5, 3×3 + 3×3 or 1×3 + 3×1? (the engine's numbers)</h3>`, ...tables);
  }

  return {
    show: (node) => show(node).catch((error) => console.warn(error)),
    destroy: () => (asked = -1),
  };
}
