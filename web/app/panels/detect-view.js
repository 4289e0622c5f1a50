// Drawing the detection panel's pictures (./detect.js): the image the
// network slides over with its windows as boxes, and one heat map per class
// laid under it so each map cell sits below the centre of its window.
// Canvases at whole-number scales; sizes set through the CSSOM (the page's
// CSP allows no style attributes).
import { el } from '../dom.js';
import { paintMap, wholeScale } from '../maps.js';

// About this many CSS pixels across for the network's image, less on a narrow screen.
const TARGET_WIDTH = 560;

// A whole number of CSS pixels per image pixel, so the heat maps' cells line up under the windows.
export const viewScale = (width, available) => Math.min(wholeScale(width, TARGET_WIDTH),
  Math.max(1, Math.floor(available / width)));

// The image (ink 1, white on black) with the windows above the threshold
// thin and dashed, and the kept ones bold and labelled with their digit, at
// the place they were read again (recentred on their ink).
export function paintDetections(canvas, image, { candidates, boxes }, scale) {
  canvas.width = image.width * scale;
  canvas.height = image.height * scale;
  canvas.style.width = `${canvas.width}px`;
  canvas.style.height = `${canvas.height}px`;
  const ctx = canvas.getContext('2d');
  const small = document.createElement('canvas');
  small.width = image.width;
  small.height = image.height;
  paintMap(small, image.data, 0, image.width, image.height, { kind: 'gray', max: 1 });
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
  const rect = (b) => [b.x * scale + 0.5, b.y * scale + 0.5, b.w * scale - 1, b.h * scale - 1];
  ctx.setLineDash([3, 3]);
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(120, 170, 255, 0.55)';
  for (const b of candidates) ctx.strokeRect(...rect(b));
  ctx.setLineDash([]);
  ctx.lineWidth = 2;
  ctx.font = `${Math.max(11, 3 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const b of boxes) {
    ctx.strokeStyle = '#ffd166';
    ctx.strokeRect(...rect(b));
    ctx.fillStyle = '#ffd166';
    ctx.fillText(`${b.digit} ${Math.round(b.p * 100)}%`, b.x * scale + 4, b.y * scale + 3);
  }
}

// One row per class: its digit and its map (rows × cols probabilities in
// [0, 1], one cell a window), cells `stride` image pixels wide, starting
// under the first window's centre.
export function paintHeatMaps(container, result, scale) {
  const { maps, classes, rows, cols, stride, window } = result;
  container.replaceChildren();
  for (let k = 0; k < classes; k++) {
    const canvas = el('canvas', { className: 'heat-map', width: cols, height: rows });
    canvas.setAttribute('aria-label', `probability of ${k} at each of the ${rows}×${cols} windows`);
    canvas.style.width = `${cols * stride.w * scale}px`;
    canvas.style.height = `${rows * stride.h * scale}px`;
    canvas.style.marginLeft = `${((window.w - stride.w) / 2) * scale}px`;
    paintMap(canvas, maps, k * rows * cols, cols, rows, { kind: 'sequential', max: 1 });
    container.append(el('div', { className: 'heat-row' }, el('span', { className: 'heat-label', textContent: k }),
      canvas));
  }
}
