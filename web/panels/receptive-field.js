// "Where does this unit look?": after a click on a feature map, the input
// digit with the unit's receptive field outlined, the clicked map with the
// unit marked, and the filter that made the map, with one sentence tying
// them together. Geometry from geometry.js; pictures from maps.js.
import { receptiveFieldRect, sourceConv } from './geometry.js';
import { mapCanvas, paintDigit, paintMap, scaleFor, valueRange, wholeScale } from './maps.js';

const BIG_PX = 168;

export function createFieldView(container) {
  const root = document.createElement('div');
  root.className = 'field-view';
  root.dataset.testid = 'field-view';
  root.innerHTML = '<p class="hint">Click any pixel of a feature map to see which part of the digit it looks at and which filter made it.</p>';
  container.append(root);

  // Outlines a rectangle of an h×w grid shown in `frame` (a positioned box).
  function outline(frame, rect, h, w, className) {
    const box = document.createElement('div');
    box.className = className;
    box.style.left = `${(rect.left / w) * 100}%`;
    box.style.top = `${(rect.top / h) * 100}%`;
    box.style.width = `${((rect.right - rect.left + 1) / w) * 100}%`;
    box.style.height = `${((rect.bottom - rect.top + 1) / h) * 100}%`;
    frame.append(box);
    return box;
  }

  function figure(caption, ...children) {
    const fig = document.createElement('figure');
    const frame = document.createElement('div');
    frame.className = 'frame';
    frame.append(...children);
    const cap = document.createElement('figcaption');
    cap.textContent = caption;
    fig.append(frame, cap);
    return { fig, frame };
  }

  return {
    element: root,
    // sel {layer, channel, row, col}; act: the activations result; filters: the filters result (optional).
    show(sel, act, filters) {
      const { layers, maps, input } = act;
      const l = layers[sel.layer];
      const side = Math.round(Math.sqrt(input.length));
      const inputShape = { c: 1, h: side, w: side };
      const rect = receptiveFieldRect(layers, sel.layer, sel.row, sel.col, inputShape);
      root.replaceChildren();
      root.dataset.layer = String(sel.layer);
      root.dataset.channel = String(sel.channel);
      root.dataset.unit = `${sel.row},${sel.col}`;
      root.dataset.rect = JSON.stringify(rect);

      const inCanvas = mapCanvas(side, side, wholeScale(side, BIG_PX), 'map digit');
      paintDigit(inCanvas, input, 0, side, side);
      const inFig = figure(`input: rows ${rect.top}–${rect.bottom}, columns ${rect.left}–${rect.right}`, inCanvas);
      const rf = outline(inFig.frame, rect, side, side, 'rf-box');
      rf.dataset.testid = 'rf-box';

      const per = l.output.h * l.output.w;
      const mapCv = mapCanvas(l.output.w, l.output.h, wholeScale(l.output.w, BIG_PX), 'map');
      paintMap(mapCv, maps[sel.layer], sel.channel * per, l.output.w, l.output.h, scaleFor(valueRange(maps[sel.layer], sel.channel * per, per)));
      const value = maps[sel.layer][sel.channel * per + sel.row * l.output.w + sel.col];
      const mapFig = figure(`layer ${sel.layer} map ${sel.channel}, unit (${sel.row}, ${sel.col}) = ${value.toFixed(3)}`, mapCv);
      outline(mapFig.frame, { top: sel.row, bottom: sel.row, left: sel.col, right: sel.col }, l.output.h, l.output.w, 'unit-box');

      const figs = [inFig.fig, mapFig.fig];
      const conv = sourceConv(layers, sel.layer);
      const f = filters?.filters.find((x) => x.layer === conv);
      if (f) {
        const wrap = document.createElement('div');
        wrap.className = 'filter-big';
        const per = f.c * f.r * f.r;
        const s = scaleFor(valueRange(f.weights, sel.channel * per, per));
        for (let c = 0; c < f.c; ++c) {
          const cv = mapCanvas(f.r, f.r, Math.max(2, Math.round((f.c > 1 ? 48 : 96) / f.r)), 'map');
          paintMap(cv, f.weights, sel.channel * per + c * f.r * f.r, f.r, f.r, { kind: 'diverging', max: s.max });
          wrap.append(cv);
        }
        figs.push(figure(`filter ${sel.channel} of layer ${conv} (${f.c}×${f.r}×${f.r}), bias ${f.bias[sel.channel].toFixed(2)}`, wrap).fig);
      }
      const row = document.createElement('div');
      row.className = 'field-figures';
      row.append(...figs);
      const text = document.createElement('p');
      text.className = 'field-text';
      text.dataset.testid = 'field-text';
      const size = rect.size ? `a ${rect.size}×${rect.size} patch` : 'the whole image';
      const made = conv >= 0
        ? (conv === sel.layer
          ? `It is filter ${sel.channel}'s weighted sum over a ${f?.r ?? l.kernel}×${f?.r ?? l.kernel} window of ${l.input.c === 1 ? 'the input' : `all ${l.input.c} maps of the layer before`}, plus its bias.`
          : `Map ${sel.channel} here comes from filter ${sel.channel} of layer ${conv}, passed through ${layers.slice(conv + 1, sel.layer + 1).map((x) => x.kind).join(' → ')}.`)
        : '';
      text.textContent = `This unit sees ${size} of the input${rect.size && (rect.bottom - rect.top + 1 < rect.size || rect.right - rect.left + 1 < rect.size) ? ' (cut at the border, where padding zeros stand in)' : ''}. ${made}`;
      root.append(row, text);
    },
  };
}
