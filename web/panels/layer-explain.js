// "The network explained": under each layer, its output shape with the
// arithmetic filled in with that layer's numbers, its parameter count and
// its receptive field; and a one-table summary of the whole network.
// Rendering only: the arithmetic lives in geometry.js.
import { explainLayer, shapeText, totalParams } from './geometry.js';

const fmt = (n) => n.toLocaleString('en-US');

function line(label, text, testid) {
  const row = document.createElement('div');
  row.className = 'explain-line';
  const b = document.createElement('span');
  b.className = 'explain-label';
  b.textContent = label;
  const v = document.createElement('span');
  v.className = 'explain-value';
  v.textContent = text;
  if (testid) v.dataset.testid = testid;
  row.append(b, v);
  return row;
}

// The explanation block for layer i of layers (engine's layers() list).
export function renderLayerExplain(layers, i) {
  const e = explainLayer(layers, i);
  const box = document.createElement('div');
  box.className = 'explain';
  box.dataset.testid = 'layer-explain';
  box.dataset.layer = String(i);
  const shape = e.size ? `${e.shape}   ${e.size.formula}: ${e.size.numbers}` : `${e.shape}`;
  box.append(line('output', shape, 'explain-shape'));
  const p = e.params.numbers ? `${e.params.formula} = ${e.params.numbers}` : `${e.params.count ? `${fmt(e.params.count)} (${e.params.formula})` : e.params.formula}`;
  box.append(line('parameters', p, 'explain-params'));
  box.append(line('receptive field', e.rf, 'explain-rf'));
  if (e.note) box.append(line('', e.note));
  return box;
}

// A table of every layer: spec, input → output, parameters, receptive field.
export function renderNetworkSummary(layers, inputShape) {
  const table = document.createElement('table');
  table.className = 'net-summary';
  table.dataset.testid = 'net-summary';
  const head = table.createTHead().insertRow();
  for (const h of ['#', 'layer', 'output', 'parameters', 'sees']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const input = body.insertRow();
  for (const t of ['', 'input', shapeText(inputShape), '', '1×1']) input.insertCell().textContent = t;
  layers.forEach((l, i) => {
    const row = body.insertRow();
    row.insertCell().textContent = String(i);
    const spec = row.insertCell();
    spec.textContent = l.spec;
    spec.className = 'mono';
    row.insertCell().textContent = shapeText(l.output);
    const params = row.insertCell();
    params.textContent = l.params ? fmt(l.params) : '–';
    params.className = 'num';
    row.insertCell().textContent = l.receptiveField ? `${l.receptiveField}×${l.receptiveField}` : 'all';
  });
  const foot = table.createTFoot().insertRow();
  foot.insertCell();
  foot.insertCell().textContent = 'total';
  foot.insertCell();
  const total = foot.insertCell();
  total.textContent = fmt(totalParams(layers));
  total.className = 'num';
  total.dataset.testid = 'net-total-params';
  foot.insertCell();
  return table;
}
