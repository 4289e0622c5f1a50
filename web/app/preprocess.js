// MNIST-style preprocessing of a drawn digit: pure functions, no DOM, so the
// page, Node tests and the replay tools all run exactly the same code.
//
// MNIST's recipe (LeCun et al.): the ink is cropped to its bounding box,
// scaled to fit a 20×20 box keeping its aspect ratio (antialiased), then
// placed in a 28×28 field so that its centre of mass sits at the centre.
// White ink on black, values in [0, 1].
//
// A drawn digit arrives as strokes (lists of points), not pixels. We render
// the strokes ourselves with a pen whose width is a fixed fraction of the
// digit's size, soften the edges with a slight blur (MNIST's strokes come
// from scanned ink and are soft, not pen-crisp), and only then crop and fit
// into the box, so the box holds the soft edge as in MNIST. Images are plain
// {width, height, data: Float32Array} records, row-major, ink = 1.

export const MNIST_SIZE = 28;
export const MNIST_BOX = 20;

// The box, pen and softness for drawn digits were chosen on the pen digits
// of writers 1–15 of UCI pendigits (30 writers), averaged over nine LeNet-5
// models (seeds, thickness augmentation, epochs), then checked on writers
// 16–30. With crisp edges a smaller box (18) and a thick pen (0.13) read
// best; with soft edges MNIST's own 20-pixel box and a thinner pen do better
// (mean of the nine, writers 1–15: 96.78 → 97.16 %; 16–30: 96.65 → 96.89 %;
// the shipped model: 96.83 / 96.90 → 97.33 / 97.41 %). Neighbouring choices
// (pen 0.07–0.085, softness 0.5–0.6 at box 20) are within 0.05 point.
// Re-check with `node tools/replay-pendigits.mjs --direct --box 18,20
// --pen 0.085,0.13 --soft 0,0.6` when the model changes.
export const DRAWN_BOX = MNIST_BOX;

// Pen diameter as a fraction of the ink's longer side (before the pen's own
// width is added).
export const PEN_FRACTION = 0.085;

// Standard deviation of the edge-softening blur, in pixels of the box.
export const SOFTNESS = 0.6;

// Supersampling of the stroke rasteriser: the 20-pixel box is drawn (and
// blurred) at 20·SUPERSAMPLE pixels and area-averaged down, which antialiases
// the edges.
export const SUPERSAMPLE = 4;

// The pen never gets thinner than for a digit this big (a fraction of the
// drawing area): a tiny scribble still gets a proportionate, visible stroke.
export const MIN_EXTENT = 0.08;

// A drawing whose longer side is under this fraction of the pad is too
// little ink to read: scaled up like any digit, a tap or a short dash would
// get a confident answer about nothing. Real digits are far larger: every
// one of the 7,494 pendigits drawn at a tenth of the pad passes
// (tests/node/ink.test.mjs), and a tap or a 2-pixel dash does not.
export const MIN_DIGIT_EXTENT = 0.05;

// strokes in units of the pad: true when there is ink but too little to read.
export function tooLittleInk(strokes) {
  const b = strokeBounds(strokes);
  return b !== null && Math.max(b.x1 - b.x0, b.y1 - b.y0) < MIN_DIGIT_EXTENT;
}

// Ink below this counts as background when cropping.
const INK_THRESHOLD = 0.02;

export function makeImage(width, height) {
  return { width, height, data: new Float32Array(width * height) };
}

// strokes: [[[x, y], ...], ...] in any units (y down); returns the bounding box or null.
export function strokeBounds(strokes) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const stroke of strokes) {
    for (const [x, y] of stroke) {
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x0 === Infinity ? null : { x0, y0, x1, y1 };
}

// Distance squared from (px, py) to the segment (ax, ay)–(bx, by).
function segmentDistance2(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - (ax + t * dx), ey = py - (ay + t * dy);
  return ex * ex + ey * ey;
}

// Renders strokes with a round pen into an image cropped to the ink: the
// result's longer side is `longSide` pixels. Coverage has a one-pixel soft
// edge so the later area-averaging sees smooth boundaries.
// strokes in the same units as `penWidth`.
export function rasterizeStrokes(strokes, { penWidth, longSide }) {
  const b = strokeBounds(strokes);
  if (!b) return null;
  const radius = penWidth / 2;
  const extent = Math.max(b.x1 - b.x0, b.y1 - b.y0) + penWidth;
  const scale = longSide / extent;                // pixels per stroke unit
  const inkW = b.x1 - b.x0 + penWidth, inkH = b.y1 - b.y0 + penWidth;
  const width = Math.max(1, Math.ceil(inkW * scale));
  const height = Math.max(1, Math.ceil(inkH * scale));
  const image = makeImage(width, height);
  const ox = b.x0 - radius, oy = b.y0 - radius;   // stroke coords of pixel (0, 0)'s corner
  const r = radius * scale;                        // pen radius in pixels
  const paint = (ax, ay, bx, by) => {
    // Only the pixels near this segment.
    const minX = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
    const maxX = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r + 1));
    const minY = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
    const maxY = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r + 1));
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const d = Math.sqrt(segmentDistance2(x + 0.5, y + 0.5, ax, ay, bx, by));
        const cover = Math.min(1, Math.max(0, r + 0.5 - d));
        const i = y * width + x;
        if (cover > image.data[i]) image.data[i] = cover;
      }
    }
  };
  for (const stroke of strokes) {
    if (stroke.length === 0) continue;
    const px = (p) => (p[0] - ox) * scale, py = (p) => (p[1] - oy) * scale;
    if (stroke.length === 1) paint(px(stroke[0]), py(stroke[0]), px(stroke[0]), py(stroke[0]));
    for (let i = 1; i < stroke.length; i++)
      paint(px(stroke[i - 1]), py(stroke[i - 1]), px(stroke[i]), py(stroke[i]));
  }
  return image;
}

// Separable Gaussian blur of standard deviation `sigma` pixels. The result
// is larger by the kernel radius on every side, so no ink is cut off.
export function gaussianBlur(image, sigma) {
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const { width, height, data } = image;
  const out = makeImage(width + 2 * radius, height + 2 * radius);
  // Rows first, into the middle rows of a wide buffer; then columns.
  const rows = new Float32Array(out.width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < out.width; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) {
        const sx = x - radius + k - radius;
        if (sx >= 0 && sx < width) sum += kernel[k] * data[y * width + sx];
      }
      rows[y * out.width + x] = sum;
    }
  }
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      let sum = 0;
      for (let k = 0; k < kernel.length; k++) {
        const sy = y - radius + k - radius;
        if (sy >= 0 && sy < height) sum += kernel[k] * rows[sy * out.width + x];
      }
      out.data[y * out.width + x] = sum;
    }
  }
  return out;
}

// The pixel bounds {x0, y0, x1, y1} (inclusive) of every pixel above `threshold`, or null if none.
export function inkBounds(image, threshold = INK_THRESHOLD) {
  const { width, height, data } = image;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

// The smallest sub-image holding every pixel above `threshold`, or null if none.
export function cropToInk(image, threshold = INK_THRESHOLD) {
  const b = inkBounds(image, threshold);
  if (!b) return null;
  const { width, data } = image;
  const out = makeImage(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1);
  for (let y = 0; y < out.height; y++)
    out.data.set(data.subarray((b.y0 + y) * width + b.x0, (b.y0 + y) * width + b.x1 + 1), y * out.width);
  return out;
}

// Area-averaging resize: each output pixel is the mean of the input area it
// covers, with fractional overlaps weighted. This is the antialiased
// downscale MNIST used; upscaling with it is plain box interpolation.
export function resizeArea(image, outW, outH) {
  const { width, height, data } = image;
  const out = makeImage(outW, outH);
  const sx = width / outW, sy = height / outH;
  for (let oy = 0; oy < outH; oy++) {
    const fy0 = oy * sy, fy1 = fy0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      const fx0 = ox * sx, fx1 = fx0 + sx;
      let sum = 0;
      for (let y = Math.floor(fy0); y < Math.min(height, Math.ceil(fy1)); y++) {
        const wy = Math.min(fy1, y + 1) - Math.max(fy0, y);
        for (let x = Math.floor(fx0); x < Math.min(width, Math.ceil(fx1)); x++) {
          const wx = Math.min(fx1, x + 1) - Math.max(fx0, x);
          sum += data[y * width + x] * wx * wy;
        }
      }
      out.data[oy * outW + ox] = sum / (sx * sy);
    }
  }
  return out;
}

// Scales an image so its longer side is `box` pixels, keeping the aspect ratio.
export function fitInBox(image, box = MNIST_BOX) {
  const long = Math.max(image.width, image.height);
  const outW = Math.max(1, Math.round((image.width * box) / long));
  const outH = Math.max(1, Math.round((image.height * box) / long));
  return resizeArea(image, outW, outH);
}

// Centre of mass (x, y) in pixel coordinates, pixel centres at i + 0.5.
export function centreOfMass(image) {
  const { width, height, data } = image;
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: mx / mass, y: my / mass } : { x: width / 2, y: height / 2 };
}

// Places the image in a size×size field with its centre of mass at the
// centre, shifted by whole pixels (as MNIST did). The shift is clamped so no
// ink falls off the field.
export function centreByMass(image, size = MNIST_SIZE) {
  const c = centreOfMass(image);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const left = clamp(Math.round(size / 2 - c.x), 0, Math.max(0, size - image.width));
  const top = clamp(Math.round(size / 2 - c.y), 0, Math.max(0, size - image.height));
  const out = makeImage(size, size);
  for (let y = 0; y < image.height && top + y < size; y++) {
    for (let x = 0; x < image.width && left + x < size; x++)
      out.data[(top + y) * size + left + x] = Math.min(1, Math.max(0, image.data[y * image.width + x]));
  }
  return out;
}

// Any grayscale ink image (ink = 1) → the 28×28 MNIST input, or null when blank.
export function imageToMnist(image, box = MNIST_BOX) {
  const cropped = cropToInk(image);
  return cropped ? centreByMass(fitInBox(cropped, box), MNIST_SIZE) : null;
}

// Strokes in units of the drawing area (0..1 across it, y down) → the 28×28
// image the network sees as a Float32Array(784), or null when there is no ink.
export function strokesToMnist(strokes, {
  penFraction = PEN_FRACTION, softness = SOFTNESS, minExtent = MIN_EXTENT, box = DRAWN_BOX,
} = {}) {
  const b = strokeBounds(strokes);
  if (!b) return null;
  const extent = Math.max(b.x1 - b.x0, b.y1 - b.y0, minExtent);
  const ink = rasterizeStrokes(strokes, {
    penWidth: penFraction * extent,
    longSide: box * SUPERSAMPLE,
  });
  const soft = ink && softness > 0 ? gaussianBlur(ink, softness * SUPERSAMPLE) : ink;
  const image = soft && imageToMnist(soft, box);
  return image ? image.data : null;
}

// RGBA pixels (e.g. canvas ImageData) → grayscale ink image. Dark-on-light
// drawings are inverted so ink is always 1.
export function rgbaToInk(rgba, width, height, { darkInk = false } = {}) {
  const image = makeImage(width, height);
  for (let i = 0; i < width * height; i++) {
    const lum = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    const alpha = rgba[4 * i + 3] / 255;
    const v = darkInk ? (1 - lum) * alpha : lum * alpha;
    image.data[i] = v;
  }
  return image;
}
