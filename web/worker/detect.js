// Detection (../protocol.js 'detect'): the live classifier made fully
// convolutional by the engine (a dense layer over C×H×W is a convolution
// with an H×W kernel, the later dense layers 1×1 convolutions) and run once
// over a drawing wider than its 28×28 input: per class, a map of its softmax
// probability at every window position, one window every `stride` pixels.
// A new conversion each time: it copies the weights as they are now (a
// network in training keeps changing), and costs far less than the pass.
// 'readWindows' then reads the kept boxes again, each window centred on its
// ink as MNIST centres a digit (../detections.js, step 5).
import { DETECT_MAX_SIDE } from '../protocol.js';
import { recentredWindow } from '../detections.js';
import { checkedImages, liveModel } from './inspect.js';
import { world } from './world.js';

// Whole strides beyond the model's window: the size the network can slide over.
const fitting = (size, window, stride) => window + Math.ceil(Math.max(0, size - window) / stride) * stride;

// The image in a larger field of zeros, at its top left.
function padded(image, width, height, toWidth, toHeight) {
  if (toWidth === width && toHeight === height) return image;
  const out = new Float32Array(toWidth * toHeight);
  for (let y = 0; y < height; y++) out.set(image.subarray(y * width, (y + 1) * width), y * toWidth);
  return out;
}

// The model, and the drawing checked: a Float32Array of height·width values, at least one window.
function checkedDrawing({ image, width, height }) {
  const model = liveModel();
  const side = (v) => Number.isInteger(v) && v >= 1 && v <= DETECT_MAX_SIDE;
  if (!side(width) || !side(height))
    throw new Error(`width and height must be whole numbers 1..${DETECT_MAX_SIDE}, not ${width} and ${height}`);
  const window = model.inputShape();
  if (window.c !== 1) throw new Error(`the model takes ${window.c} channels; a drawing has one`);
  if (width < window.w || height < window.h)
    throw new Error(`the drawing is ${width}×${height} pixels, smaller than the network's ` +
      `${window.w}×${window.h} window`);
  checkedImages(image, { c: 1, h: height, w: width });
  return { model, window };
}

const MAX_WINDOWS = 64;

export const detectCommands = {
  detect(payload) {
    const { model, window } = checkedDrawing(payload);
    const { image, width, height } = payload;
    const stride = world.engine.slidingStride(model);
    const fitW = fitting(width, window.w, stride.w), fitH = fitting(height, window.h, stride.h);
    const fc = new world.engine.FullyConvolutional(model, fitH, fitW);
    try {
      const g = fc.geometry();
      return {
        maps: fc.classMaps(padded(image, width, height, fitW, fitH)),
        classes: g.classes,
        rows: g.positions.h,
        cols: g.positions.w,
        stride: g.stride,
        window: g.window,
        spec: g.spec,
        width: fitW,
        height: fitH,
      };
    } finally {
      fc.delete();
    }
  },

  readWindows(payload) {
    const { model, window } = checkedDrawing(payload);
    const { image, width, height, boxes } = payload;
    const whole = (v) => Number.isInteger(v) && Math.abs(v) <= DETECT_MAX_SIDE;
    if (!Array.isArray(boxes) || boxes.length > MAX_WINDOWS || !boxes.every((b) => whole(b?.x) && whole(b?.y)))
      throw new Error(`boxes must be an array of at most ${MAX_WINDOWS} { x, y } with whole numbers`);
    const drawing = { width, height, data: image };
    const windows = boxes.map((b) => recentredWindow(drawing, b, window));
    const all = new Float32Array(windows.length * window.w * window.h);
    windows.forEach((w, i) => all.set(w.pixels, i * w.pixels.length));
    return {
      probs: windows.length ? model.predict(all) : new Float32Array(0),
      classes: model.classes(),
      windows: windows.map(({ x, y }) => ({ x, y })),
    };
  },
};
