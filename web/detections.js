// From the fully convolutional network's class maps to the digits of a
// number (pure functions: the page, the worker and tools/detect-pendigits.mjs
// share them).
//
// 1. Every window position gets its most probable class and that probability
//    (the softmax at that position, protocol.js 'detect').
// 2. Thresholding keeps the positions whose probability is at least
//    `threshold`.
// 3. Non-maximum suppression: the kept windows overlap heavily (neighbours
//    are `stride` pixels apart, a window is 28 wide), so one digit lights up
//    several. Take the most probable window, drop every other window whose
//    overlap with it (intersection over union) exceeds `overlap`, whatever
//    its class, and repeat with the best one left.
// 4. The digits left, read left to right, are the number.
// 5. Reading each box again (the worker's 'readWindows'): a window lands on
//    a digit only to within the network's stride (4 pixels for LeNet-5),
//    while MNIST centres every digit by its centre of mass; so each kept
//    window is moved to centre the ink's mass in it and classified once more
//    by the 28×28 classifier. This changes the digits read, not the boxes.

// Every window: {row, col, x, y, w, h (pixels of the image), digit, p}.
export function windowsOf({ maps, classes, rows, cols, stride, window }) {
  const positions = rows * cols;
  const out = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      let digit = 0;
      for (let k = 1; k < classes; k++)
        if (maps[k * positions + row * cols + col] > maps[digit * positions + row * cols + col]) digit = k;
      out.push({
        row, col, x: col * stride.w, y: row * stride.h, w: window.w, h: window.h,
        digit, p: maps[digit * positions + row * cols + col],
      });
    }
  }
  return out;
}

// Intersection over union of two boxes {x, y, w, h}.
export function iou(a, b) {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

// Greedy non-maximum suppression of boxes with a score p: the survivors, best first.
export function suppressNonMaxima(boxes, overlap) {
  const left = [...boxes].sort((a, b) => b.p - a.p);
  const kept = [];
  while (left.length) {
    const best = left.shift();
    kept.push(best);
    for (let i = left.length - 1; i >= 0; i--) if (iou(best, left[i]) > overlap) left.splice(i, 1);
  }
  return kept;
}

// Chosen on pen-digit triples of writers 1–15, checked on 16–30 (README, Sliding a classifier).
export const DEFAULT_DETECTION = Object.freeze({ threshold: 0.3, overlap: 0.25 });

// result: the worker's 'detect' reply → {windows, candidates, boxes (left to right), number}.
export function readNumber(result, { threshold, overlap } = DEFAULT_DETECTION) {
  const windows = windowsOf(result);
  const candidates = windows.filter((w) => w.p >= threshold);
  const boxes = suppressNonMaxima(candidates, overlap).sort((a, b) => a.x - b.x || a.y - b.y);
  return { windows, candidates, boxes, number: boxes.map((b) => b.digit).join('') };
}

// The 28×28 (window-sized) crop of image {width, height, data} moved so the
// centre of mass of the ink in box's middle columns (its 20-pixel digit box,
// MNIST's, so a neighbour's edge counts little) sits at its centre: {x, y, pixels}.
export function recentredWindow(image, box, window) {
  const inset = Math.floor((window.w - 20) / 2);
  let mass = 0, mx = 0, my = 0;
  for (let y = Math.max(0, box.y); y < Math.min(image.height, box.y + window.h); y++) {
    for (let x = Math.max(0, box.x + inset); x < Math.min(image.width, box.x + window.w - inset); x++) {
      const v = image.data[y * image.width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const x0 = mass > 0 ? Math.round(mx / mass - window.w / 2) : box.x;
  const y0 = mass > 0 ? Math.round(my / mass - window.h / 2) : box.y;
  const pixels = new Float32Array(window.w * window.h);
  for (let y = 0; y < window.h; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < window.w; x++) {
      const sx = x0 + x;
      if (sx >= 0 && sx < image.width) pixels[y * window.w + x] = image.data[sy * image.width + sx];
    }
  }
  return { x: x0, y: y0, pixels };
}
