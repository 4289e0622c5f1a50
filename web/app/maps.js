// Drawing numbers as pictures: feature maps, filters and digits on canvases
// at their native resolution (one canvas pixel per value), scaled up by CSS
// with image-rendering: pixelated, so a 5×5 map shows as 25 crisp squares.
//
// Colour: maps that are never negative (after ReLU or pooling) use a
// sequential ramp from dark (0) to bright (max); maps with negative values
// (conv outputs, filters) use a diverging ramp, blue < 0 < orange, with the
// same scale on both sides so white-ish means "zero" everywhere.
//
// Shared by the "see inside" panels (app/panels/); no engine, no worker here.
import { el } from './dom.js';

// Ramps as 256-entry RGB lookup tables built from a few control points.
function ramp(stops) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; ++i) {
    const t = i / 255;
    let j = 0;
    while (j < stops.length - 2 && t > stops[j + 1][0]) ++j;
    const [t0, c0] = stops[j], [t1, c1] = stops[j + 1];
    const f = Math.min(1, Math.max(0, (t - t0) / (t1 - t0)));
    for (let k = 0; k < 3; ++k) lut[i * 3 + k] = c0[k] + (c1[k] - c0[k]) * f;
  }
  return lut;
}
// Close to viridis: dark blue-purple to yellow; readable for colour-blind eyes.
const SEQUENTIAL = ramp([
  [0, [20, 18, 50]], [0.25, [59, 82, 139]], [0.5, [33, 145, 140]], [0.75, [94, 201, 98]], [1, [253, 231, 37]],
]);
// Blue, near-white, orange (colour-blind safe pair).
const DIVERGING = ramp([[0, [33, 102, 172]], [0.5, [247, 247, 247]], [1, [214, 96, 26]]]);
// Digits: black background, white ink, as the network sees them.
const GRAY = ramp([[0, [0, 0, 0]], [1, [255, 255, 255]]]);

// Min and max of data[offset .. offset+count).
export function valueRange(data, offset = 0, count = data.length - offset) {
  let lo = Infinity, hi = -Infinity;
  for (let i = offset; i < offset + count; ++i) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return count > 0 ? { lo, hi } : { lo: 0, hi: 0 };
}

// The colour scale for a range: signed data gets a symmetric diverging scale.
export function scaleFor({ lo, hi }) {
  if (lo < 0) return { kind: 'diverging', max: Math.max(-lo, hi, 1e-12) };
  return { kind: 'sequential', max: Math.max(hi, 1e-12) };
}

// A canvas w×h in pixels shown at `scale` CSS pixels per value; props are
// more element properties for el() (className, dataset, title…).
export function mapCanvas(w, h, scale, props = {}) {
  const style = { width: `${w * scale}px`, height: `${h * scale}px` };
  return el('canvas', { className: 'map', ...props, width: w, height: h, style });
}

// Paints the w×h values at data[offset..] onto canvas with the given scale
// ({kind: 'sequential'|'diverging'|'gray', max}).
export function paintMap(canvas, data, offset, w, h, scale) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  const px = img.data;
  const lut = scale.kind === 'diverging' ? DIVERGING : scale.kind === 'gray' ? GRAY : SEQUENTIAL;
  const max = scale.max ?? 1;
  for (let i = 0; i < w * h; ++i) {
    const v = data[offset + i];
    const t = scale.kind === 'diverging' ? 0.5 + (0.5 * v) / max : v / max;
    const k = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
    px[i * 4] = lut[k];
    px[i * 4 + 1] = lut[k + 1];
    px[i * 4 + 2] = lut[k + 2];
    px[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// A digit image (values in [0, 1]) in gray.
export function paintDigit(canvas, data, offset, w, h) {
  paintMap(canvas, data, offset, w, h, { kind: 'gray', max: 1 });
}

// A CSS scale that shows a map of width w at about `target` CSS pixels,
// always a whole number so every value stays an equal square.
export function wholeScale(w, target) {
  return Math.max(1, Math.round(target / w));
}

// Which value (row, col) of a w×h canvas shown scaled a pointer event hit.
export function unitAt(event, canvas, w, h) {
  const r = canvas.getBoundingClientRect();
  const col = Math.min(w - 1, Math.max(0, Math.floor(((event.clientX - r.left) / r.width) * w)));
  const row = Math.min(h - 1, Math.max(0, Math.floor(((event.clientY - r.top) / r.height) * h)));
  return { row, col };
}

// A bar chart of values (dense layers), drawn at device resolution; bars go
// up for positive and down for negative values from a zero line.
export function paintBars(canvas, values, { labels = null, highlight = -1 } = {}) {
  const dpr = globalThis.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || parseFloat(canvas.style.width) || 300;
  const cssH = canvas.clientHeight || parseFloat(canvas.style.height) || 48;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const labelH = labels ? 14 : 0;
  const { lo, hi } = valueRange(values);
  const top = Math.max(hi, 0), bottom = Math.min(lo, 0);
  const span = Math.max(top - bottom, 1e-12);
  const plotH = cssH - labelH - 2;
  const zeroY = 1 + (top / span) * plotH;
  const bw = cssW / values.length;
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    const y = 1 + ((top - Math.max(v, 0)) / span) * plotH;
    const hgt = (Math.abs(v) / span) * plotH;
    ctx.fillStyle = i === highlight ? '#d6601a' : v >= 0 ? '#3b528b' : '#2166ac99';
    const gap = bw > 3 ? 1 : 0; // a hairline between bars when they are wide enough
    ctx.fillRect(i * bw + gap / 2, v >= 0 ? y : zeroY, Math.max(bw - gap, 0.6), Math.max(hgt, 0.5));
  }
  ctx.fillStyle = '#8888';
  ctx.fillRect(0, zeroY, cssW, 1);
  if (labels) {
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    labels.forEach((text, i) => ctx.fillText(String(text), (i + 0.5) * bw, cssH - 1));
  }
}
