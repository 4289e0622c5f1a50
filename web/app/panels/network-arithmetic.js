// The network editor's numbers: under a layer, its output shape with the
// size rule filled in per axis, its parameters and multiply-adds with their
// formulas, its receptive field (explainLayer, geometry.js, from the
// engine's layer); and the network's totals with the page's verdict on
// whether it can be trained here.
import { el, html } from '../dom.js';
import { formatCount } from '../../util.js';
import { explainLayer } from './geometry.js';

const line = (label, value, testid) => html`<div class="explain-line"><span class="explain-label">${label}</span>
  <span class="explain-value" data-testid="${testid}">${value}</span></div>`;

// One layer of the engine's tree.
export function renderArithmetic(node) {
  const e = explainLayer(node);
  const box = el('div', { className: 'explain' });
  box.append(line('output', e.size ? `${e.shape}   ${e.size.formula}: ${e.size.numbers}` : e.shape, 'explain-shape'));
  const params = e.params.numbers ? `${e.params.formula} = ${e.params.numbers}`
    : e.params.count ? `${formatCount(e.params.count)} (${e.params.formula})` : e.params.formula;
  box.append(line('parameters', params, 'explain-params'));
  const macs = e.macs.numbers ? `${e.macs.formula} = ${e.macs.numbers}` : formatCount(e.macs.count);
  box.append(line('multiply-adds', macs, 'explain-macs'));
  box.append(line('receptive field', e.rf, 'explain-rf'));
  if (e.note) box.append(line('', e.note, 'explain-note'));
  return box;
}

const millions = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : formatCount(n));

// The totals line and, when the page cannot train the network, why.
export function renderTotals(reply, batch) {
  if (reply.error) {
    return el('p', { className: 'ne-verdict is-error', dataset: { testid: 'editor-verdict' },
      textContent: `Not a network yet: ${reply.error.message}` });
  }
  const { totals, limits } = reply;
  const box = el('div', {});
  box.append(html`<p class="ne-total-line">
    <span>Total: <strong data-testid="editor-total-params">${formatCount(totals.params)}</strong> parameters</span>
    <span><strong data-testid="editor-total-macs">${millions(totals.macs)}</strong> multiply-adds per image</span>
    <span>${millions(totals.activations)} activations per image</span>
    <span>a training step of ${batch} images ≈ ${limits.stepSeconds < 0.01 ? '< 0.01'
  : limits.stepSeconds.toFixed(2)} s here</span></p>`);
  box.append(el('p', {
    className: `ne-verdict ${limits.ok ? 'is-ok' : 'is-error'}`,
    dataset: { testid: 'editor-verdict' },
    textContent: limits.ok ? 'The page can train this network.' : `Too big for this page: ${limits.reason}`,
  }));
  return box;
}
