// "The network explained": under each layer, its output shape with the
// arithmetic filled in with that layer's numbers, its parameter count and
// its receptive field; and a one-table summary of the whole network.
// Rendering only: the arithmetic lives in geometry.js.
import { el, html } from '../dom.js';
import { formatCount } from '../../util.js';
import { explainLayer, shapeText, totalParams } from './geometry.js';

// The explanation block for layer i of layers (the engine's layers() list).
export function renderLayerExplain(layers, i) {
  const e = explainLayer(layers, i);
  const shape = e.size ? `${e.shape}   ${e.size.formula}: ${e.size.numbers}` : e.shape;
  const params = e.params.numbers ? `${e.params.formula} = ${e.params.numbers}`
    : e.params.count ? `${formatCount(e.params.count)} (${e.params.formula})` : e.params.formula;
  const box = el('div', { className: 'explain', dataset: { testid: 'layer-explain', layer: i } });
  box.append(html`
    <div class="explain-line"><span class="explain-label">output</span>
      <span class="explain-value" data-testid="explain-shape">${shape}</span></div>
    <div class="explain-line"><span class="explain-label">parameters</span>
      <span class="explain-value" data-testid="explain-params">${params}</span></div>
    <div class="explain-line"><span class="explain-label">receptive field</span>
      <span class="explain-value" data-testid="explain-rf">${e.rf}</span></div>`);
  if (e.note) {
    box.append(html`<div class="explain-line"><span class="explain-label"></span>
      <span class="explain-value">${e.note}</span></div>`);
  }
  return box;
}

// A table of every layer: spec, output, parameters, receptive field.
export function renderNetworkSummary(layers, inputShape) {
  const table = html`
    <table class="net-summary" data-testid="net-summary">
      <thead><tr><th>#</th><th>layer</th><th>output</th><th>parameters</th><th>sees</th></tr></thead>
      <tbody><tr><td></td><td>input</td><td>${shapeText(inputShape)}</td><td></td><td>1×1</td></tr></tbody>
      <tfoot><tr><td></td><td>total</td><td></td>
        <td class="num" data-testid="net-total-params">${formatCount(totalParams(layers))}</td><td></td></tr></tfoot>
    </table>`;
  const rows = layers.map((l, i) => el('tr', {},
    el('td', { textContent: String(i) }),
    el('td', { className: 'mono', textContent: l.spec }),
    el('td', { textContent: shapeText(l.output) }),
    el('td', { className: 'num', textContent: l.params ? formatCount(l.params) : '–' }),
    el('td', { textContent: l.receptiveField.h ? `${l.receptiveField.h}×${l.receptiveField.w}` : 'all' })));
  table.querySelector('tbody').append(...rows);
  return table;
}
