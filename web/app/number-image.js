// A drawn number (several digits side by side on a wide pad) → the image the
// fully convolutional network slides over. Pure functions, no DOM, so the
// page, the Node tests and tools/detect-pendigits.mjs run the same code.
//
// preprocess.js's recipe for one digit, applied to the whole drawing with one
// scale: the strokes are drawn with a pen 0.085 of the ink's height, softened
// by the same blur, cropped to the ink and scaled so the ink is MNIST's 20
// pixels tall (a digit of a number usually fills the height, as it fills the
// 20×20 box on its own), then put in a field with a margin of blank pixels all
// round. What it cannot do is centre each digit by its centre of mass as
// MNIST does: it does not know yet where the digits are. The network's windows
// slide instead, and one of them falls near each digit's centre.
import {
  DRAWN_BOX, MIN_EXTENT, MNIST_SIZE, PEN_FRACTION, SOFTNESS, SUPERSAMPLE, cropToInk, gaussianBlur, makeImage,
  rasterizeStrokes, resizeArea, strokeBounds,
} from './preprocess.js';
import { DETECT_MAX_SIDE } from '../protocol.js';

// Blank pixels around the ink: MNIST's (28 − 20)/2 = 4, plus 4 so a window
// can also centre on a digit at the edge of the drawing.
export const NUMBER_MARGIN = 8;

// strokes in units of the pad (0..1 across its width and down its height);
// aspect = the pad's width / height. Returns {width, height, data} (ink = 1,
// height = 20 + 2·margin) or null without ink.
export function strokesToNumberImage(strokes, { aspect = 1, box = DRAWN_BOX, margin = NUMBER_MARGIN } = {}) {
  // In units of the pad's height on both axes, so the pen is round.
  const square = strokes.map((stroke) => stroke.map(([x, y]) => [x * aspect, y]));
  const b = strokeBounds(square);
  if (!b) return null;
  const inkHeight = Math.max(b.y1 - b.y0, MIN_EXTENT);
  const penWidth = PEN_FRACTION * inkHeight;
  // rasterizeStrokes scales the longer side (ink + pen) to longSide: chosen so the height becomes box·SUPERSAMPLE.
  const pixelsPerUnit = (box * SUPERSAMPLE) / (inkHeight + penWidth);
  const ink = rasterizeStrokes(square, {
    penWidth, longSide: pixelsPerUnit * (Math.max(b.x1 - b.x0, inkHeight) + penWidth),
  });
  const cropped = cropToInk(gaussianBlur(ink, SOFTNESS * SUPERSAMPLE));
  if (!cropped) return null;
  const natural = Math.round((cropped.width * box) / cropped.height);
  const width = Math.min(DETECT_MAX_SIDE - 2 * margin, Math.max(1, natural));
  const scaled = resizeArea(cropped, width, box);
  // At least one window wide (a lone 1 is narrow): the ink centred then.
  const out = makeImage(Math.max(width + 2 * margin, MNIST_SIZE), box + 2 * margin);
  const left = Math.floor((out.width - width) / 2);
  for (let y = 0; y < box; y++) {
    for (let x = 0; x < width; x++)
      out.data[(margin + y) * out.width + left + x] = Math.min(1, Math.max(0, scaled.data[y * width + x]));
  }
  return out;
}
