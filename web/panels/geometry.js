// The arithmetic of a CNN's shapes, written out for learners: output sizes
// O = (W − K + 2P)/S + 1, parameter counts, and which input pixels a unit of
// a feature map looks at (its receptive field). Pure functions of the
// engine's layers() list: {spec, kind, input, output, params, kernel, stride,
// pad, receptiveField, frozen}; no DOM here, so Node tests can check them.

const POOLS = new Set(['maxpool', 'avgpool', 'l2pool']);
// Layers that keep each channel where it was (so map k still comes from filter k).
const CHANNEL_PRESERVING = new Set(['relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu', 'maxpool', 'avgpool', 'l2pool', 'batchnorm', 'dropout']);

export const shapeText = (s) => `${s.c}×${s.h}×${s.w}`;

// Whether a layer's output is a stack of 2-D maps (drawn as images) rather
// than a vector (drawn as bars).
export function isSpatial(layer) {
  return layer.output.h > 1 || layer.output.w > 1;
}

// Where each layer's units sit in input pixels: for layer i, unit (r, c) is
// centred on input pixel (start + r·jump, start + c·jump) and sees a square
// of side rf. start moves by ((K−1)/2 − P)·jump at each layer, jump
// multiplies by the stride. Layers past the first dense one see everything.
export function unitGeometry(layers) {
  let start = 0, jump = 1, rf = 1;
  return layers.map((l) => {
    start += ((l.kernel - 1) / 2 - l.pad) * jump;
    rf = l.receptiveField > 0 ? l.receptiveField : rf + (l.kernel - 1) * jump;
    jump *= l.stride;
    return { start, jump, rf, global: l.receptiveField === 0 };
  });
}

// The input rectangle (inclusive rows/cols, clipped to the image) that unit
// (row, col) of layer i sees, and its full size before clipping.
export function receptiveFieldRect(layers, i, row, col, inputShape) {
  const g = unitGeometry(layers)[i];
  if (g.global) return { top: 0, left: 0, bottom: inputShape.h - 1, right: inputShape.w - 1, size: null };
  const half = (g.rf - 1) / 2;
  const cy = g.start + row * g.jump, cx = g.start + col * g.jump;
  const clip = (v, n) => Math.max(0, Math.min(n - 1, Math.round(v)));
  return {
    top: clip(cy - half, inputShape.h), bottom: clip(cy + half, inputShape.h),
    left: clip(cx - half, inputShape.w), right: clip(cx + half, inputShape.w),
    size: g.rf,
  };
}

// The conv layer whose filter k made channel k of layer i's output, or -1
// (walks back over layers that keep channels in place).
export function sourceConv(layers, i) {
  for (let j = i; j >= 0; --j) {
    if (layers[j].kind === 'conv') return j;
    if (!CHANNEL_PRESERVING.has(layers[j].kind)) return -1;
  }
  return -1;
}

// The output-size arithmetic for one spatial dimension, e.g.
// "(28 − 5 + 2·2)/1 + 1 = 28".
function sizeArithmetic(w, k, p, s, out) {
  const inner = p > 0 ? `${w} − ${k} + 2·${p}` : `${w} − ${k}`;
  return `(${inner})/${s} + 1 = ${out}`;  // the engine refuses geometries that do not divide
}

// What a learner needs to know about layer i, as short lines of text:
// {title, shape, size: {formula, numbers}|null, params: {formula, numbers,
// count}, rf, note}.
export function explainLayer(layers, i) {
  const l = layers[i];
  const cin = l.input.c, cout = l.output.c;
  const out = {
    title: l.spec,
    shape: shapeText(l.output),
    size: null,
    params: { formula: 'no parameters', numbers: '', count: l.params },
    rf: l.receptiveField > 0 ? `sees a ${l.receptiveField}×${l.receptiveField} patch of the input` : 'sees the whole image',
    note: '',
  };
  const both = (fn) => (l.input.h === l.input.w && l.output.h === l.output.w ? fn(l.input.w, l.output.w) : `H: ${fn(l.input.h, l.output.h)}, W: ${fn(l.input.w, l.output.w)}`);
  if (l.kind === 'conv') {
    const k = l.kernel;
    out.size = { formula: 'O = (W − K + 2P)/S + 1', numbers: both((w, o) => sizeArithmetic(w, k, l.pad, l.stride, o)) };
    const expected = (k * k * cin + 1) * cout;
    out.params = { formula: '(K·K·C_in + 1)·C_out', numbers: `(${k}·${k}·${cin} + 1)·${cout} = ${expected}`, count: l.params };
    out.note = `${cout} filters of ${cin}×${k}×${k} weights + 1 bias each`;
  } else if (POOLS.has(l.kind)) {
    out.size = { formula: 'O = (W − K)/S + 1', numbers: both((w, o) => sizeArithmetic(w, l.kernel, 0, l.stride, o)) };
    out.note = `${l.kind === 'maxpool' ? 'the largest' : l.kind === 'avgpool' ? 'the mean' : 'the root mean square'} of each ${l.kernel}×${l.kernel} window, per channel`;
  } else if (l.kind === 'dense') {
    const n = l.input.c * l.input.h * l.input.w;
    const flat = l.input.h * l.input.w > 1 ? `in = ${l.input.c}·${l.input.h}·${l.input.w} = ${n}; ` : '';
    out.params = { formula: '(in + 1)·out', numbers: `${flat}(${n} + 1)·${cout} = ${(n + 1) * cout}`, count: l.params };
    out.note = `every output is a weighted sum of all ${n} inputs + a bias`;
  } else if (l.kind === 'batchnorm') {
    out.params = { formula: '2·C (a scale and a shift per channel)', numbers: `2·${cin} = ${2 * cin}`, count: l.params };
    out.note = 'normalises each channel, then scales and shifts it';
  } else if (l.params > 0) {
    out.params = { formula: l.kind === 'residual' ? 'the parameters of the layers inside the block' : 'parameters', numbers: '', count: l.params };
    if (l.kind === 'residual') out.note = 'y = F(x) + x: the block learns a correction to its input';
  } else {
    out.note = l.kind === 'dropout' ? 'switches random values off while training; does nothing at test time' : l.kind === 'flatten' ? 'lays the maps out as one vector' : 'applied to each value on its own: the shape stays';
  }
  return out;
}

// The total of every layer's parameters.
export function totalParams(layers) {
  return layers.reduce((sum, l) => sum + l.params, 0);
}
