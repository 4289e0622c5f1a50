// "Where does this unit look?": after a click on a feature map, the input
// digit with the unit's receptive field outlined, the clicked map with the
// unit marked, and the filter that made the map, with one sentence tying
// them together. Geometry from geometry.js; pictures from maps.js.
import { el, html } from '../dom.js';
import { mapCanvas, paintDigit, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';
import { filterScale } from './filters.js';
import { receptiveFieldRect, sourceConv } from './geometry.js';

const BIG_PX = 168;
const HINT = 'Click any pixel of a feature map to see which part of the digit it looks at and which filter made it.';

// A box over rect (inclusive rows/cols) of an h×w grid shown in frame.
function outline(rect, h, w, props) {
  return el('div', {
    ...props,
    style: {
      left: `${(rect.left / w) * 100}%`,
      top: `${(rect.top / h) * 100}%`,
      width: `${((rect.right - rect.left + 1) / w) * 100}%`,
      height: `${((rect.bottom - rect.top + 1) / h) * 100}%`,
    },
  });
}

// A figure whose frame (a positioned box) holds children, with a caption.
const figure = (caption, ...children) => el('figure', {},
  el('div', { className: 'frame' }, ...children), el('figcaption', { textContent: caption }));

// The filter that made map `channel`, one small picture per input channel.
function filterFigure(f, channel, conv) {
  const per = f.c * f.r * f.r;
  const scale = filterScale(f, channel);
  const canvases = Array.from({ length: f.c }, (_, c) => {
    const cv = mapCanvas(f.r, f.r, Math.max(2, Math.round((f.c > 1 ? 48 : 96) / f.r)));
    paintMap(cv, f.weights, channel * per + c * f.r * f.r, f.r, f.r, scale);
    return cv;
  });
  const caption = `filter ${channel} of layer ${conv} (${f.c}×${f.r}×${f.r}), bias ${f.bias[channel].toFixed(2)}`;
  return figure(caption, el('div', { className: 'filter-big' }, ...canvases));
}

// The sentence under the figures.
function fieldText(sel, layers, rect, conv, f) {
  const l = layers[sel.layer];
  const size = rect.size ? `a ${rect.size.h}×${rect.size.w} patch` : 'the whole image';
  const cut = rect.size && (rect.bottom - rect.top + 1 < rect.size.h || rect.right - rect.left + 1 < rect.size.w)
    ? ' (cut at the border, where padding zeros stand in)' : '';
  let made = '';
  if (conv === sel.layer) {
    const k = f ? { h: f.r, w: f.s } : l.kernel;
    const from = l.input.c === 1 ? 'the input' : `all ${l.input.c} maps of the layer before`;
    made = ` It is filter ${sel.channel}'s weighted sum over a ${k.h}×${k.w} window of ${from}, plus its bias.`;
  } else if (conv >= 0) {
    const path = layers.slice(conv + 1, sel.layer + 1).map((x) => x.kind).join(' → ');
    made = ` Map ${sel.channel} here comes from filter ${sel.channel} of layer ${conv}, passed through ${path}.`;
  }
  return `This unit sees ${size} of the input${cut}.${made}`;
}

export function createFieldView(container) {
  const root = el('div', { className: 'field-view', dataset: { testid: 'field-view' } });
  root.append(html`<p class="hint">${HINT}</p>`);
  container.append(root);

  return {
    element: root,
    // sel { layer, channel, row, col }; act: the activations reply; filters: the filters reply (optional).
    show(sel, act, filters) {
      const { layers, maps, input } = act;
      const l = layers[sel.layer];
      const side = Math.round(Math.sqrt(input.length));
      const rect = receptiveFieldRect(layers, sel.layer, sel.row, sel.col, { c: 1, h: side, w: side });
      Object.assign(root.dataset, {
        layer: String(sel.layer), channel: String(sel.channel),
        unit: `${sel.row},${sel.col}`, rect: JSON.stringify(rect),
      });

      const inCanvas = mapCanvas(side, side, wholeScale(side, BIG_PX), { className: 'map digit' });
      paintDigit(inCanvas, input, 0, side, side);
      const inFig = figure(`input: rows ${rect.top}–${rect.bottom}, columns ${rect.left}–${rect.right}`,
        inCanvas, outline(rect, side, side, { className: 'rf-box', dataset: { testid: 'rf-box' } }));

      const { h, w } = l.output;
      const offset = sel.channel * h * w;
      const mapCv = mapCanvas(w, h, wholeScale(w, BIG_PX));
      paintMap(mapCv, maps[sel.layer], offset, w, h, scaleFor(valueRange(maps[sel.layer], offset, h * w)));
      const value = maps[sel.layer][offset + sel.row * w + sel.col];
      const unit = { top: sel.row, bottom: sel.row, left: sel.col, right: sel.col };
      const caption = `layer ${sel.layer} map ${sel.channel}, unit (${sel.row}, ${sel.col}) = ${value.toFixed(3)}`;
      const mapFig = figure(caption, mapCv, outline(unit, h, w, { className: 'unit-box' }));

      const conv = sourceConv(layers, sel.layer);
      const f = filters?.filters.find((x) => x.layer === conv);
      const figures = [inFig, mapFig, ...(f ? [filterFigure(f, sel.channel, conv)] : [])];
      root.replaceChildren(
        el('div', { className: 'field-figures' }, ...figures),
        el('p', {
          className: 'field-text',
          dataset: { testid: 'field-text' },
          textContent: fieldText(sel, layers, rect, conv, f),
        }));
    },
  };
}
