// The arithmetic of a CNN's shapes, written out for learners: output sizes
// O = (W − K + 2P)/S + 1, parameter counts, and which input pixels a unit of
// a feature map looks at (its receptive field). Pure functions of the
// engine's layers() list: {spec, kind, input, output, params, kernel, stride,
// pad, receptiveField, frozen}; no DOM here, so Node tests can check them.

// Layers that keep each channel where it was (so map k still comes from filter k).
// (Not maxout: its map j is the largest of maps j·k … j·k + k − 1.)
const CHANNEL_PRESERVING = new Set([
  'relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu', 'maxpool', 'avgpool', 'l2pool', 'batchnorm', 'dropout',
]);

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

// What a pooling layer keeps of each window (src/layers/pool.cpp).
const POOL_WORDS = {
  maxpool: 'the largest value',
  avgpool: 'the mean',
  // √Σx² over the window, not divided by its size: not a root mean square.
  l2pool: 'the square root of the sum of squares (√Σx²)',
};
// Layers that change each value on its own, whatever its neighbours.
const ELEMENTWISE = new Set(['relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu']);

const sameShape = (a, b) => a.c === b.c && a.h === b.h && a.w === b.w;

// A residual block's shortcut (src/layers/residual.cpp): the identity when
// the block keeps its input's shape; otherwise a 1×1 convolution with a bias
// on every f-th pixel, f = H_in / H_out. layers() shows that projection only
// as an output shape that differs from the input (and in the block's params).
export function residualShortcut(l) {
  if (sameShape(l.input, l.output)) return { projection: false, params: 0, stride: 1 };
  return { projection: true, params: (l.input.c + 1) * l.output.c, stride: l.input.h / l.output.h };
}

// "(28 − 5 + 2·2)/1 + 1 = 28" for a square layer, "H: …, W: …" otherwise.
function sizeNumbers(l, k, pad) {
  const dim = (w, o) => sizeArithmetic(w, k, pad, l.stride, o);
  if (l.input.h === l.input.w && l.output.h === l.output.w) return dim(l.input.w, l.output.w);
  return `H: ${dim(l.input.h, l.output.h)}, W: ${dim(l.input.w, l.output.w)}`;
}

// Per layer kind: what differs from "no parameters, no note"; cin/cout are
// the input's and the output's channel counts.
const EXPLAIN = {
  conv(l, cin, cout) {
    const k = l.kernel;
    return {
      size: { formula: 'O = (W − K + 2P)/S + 1', numbers: sizeNumbers(l, k, l.pad) },
      params: {
        formula: '(K·K·C_in + 1)·C_out',
        numbers: `(${k}·${k}·${cin} + 1)·${cout} = ${(k * k * cin + 1) * cout}`,
      },
      note: `${cout} filters of ${cin}×${k}×${k} weights + 1 bias each`,
    };
  },
  pool: (l) => ({
    size: { formula: 'O = (W − K)/S + 1', numbers: sizeNumbers(l, l.kernel, 0) },
    note: `${POOL_WORDS[l.kind]} of each ${l.kernel}×${l.kernel} window, per channel`,
  }),
  dense(l, cin, cout) {
    const n = cin * l.input.h * l.input.w;
    const flat = l.input.h * l.input.w > 1 ? `in = ${cin}·${l.input.h}·${l.input.w} = ${n}; ` : '';
    return {
      params: { formula: '(in + 1)·out', numbers: `${flat}(${n} + 1)·${cout} = ${(n + 1) * cout}` },
      note: `every output is a weighted sum of all ${n} inputs + a bias`,
    };
  },
  batchnorm: (l, cin) => ({
    params: { formula: '2·C (a scale and a shift per channel)', numbers: `2·${cin} = ${2 * cin}` },
    note: 'normalises each channel, then scales and shifts it',
  }),
  residual(l, cin, cout) {
    const s = residualShortcut(l);
    if (!s.projection) {
      return {
        params: { formula: 'the parameters of the layers inside the block', numbers: '' },
        note: 'y = F(x) + x: the block learns a correction to its input',
      };
    }
    const every = s.stride > 1 ? ` with stride ${s.stride}` : '';
    return {
      params: { formula: 'the parameters of the layers inside the block and of its 1×1 projection W', numbers: '' },
      note: `y = F(x) + W·x: F(x) is ${shapeText(l.output)} but x is ${shapeText(l.input)}, so the shortcut `
        + `is a 1×1 convolution W${every} with (${cin} + 1)·${cout} = ${s.params} parameters`,
    };
  },
  // src/layers/activation.cpp: in (N, C, H, W), out (N, C/k, H, W).
  maxout: (l, cin, cout) => ({
    note: `the largest of each group of ${cin / cout} consecutive channels, pixel by pixel: `
      + `${cin} channels become ${cin}/${cin / cout} = ${cout}`,
  }),
  dropout: () => ({ note: 'switches random values off while training; does nothing at test time' }),
  flatten: () => ({ note: 'lays the maps out as one vector' }),
  elementwise: () => ({ note: 'applied to each value on its own: the shape stays' }),
};

function explainerFor(kind) {
  if (POOL_WORDS[kind]) return EXPLAIN.pool;
  if (ELEMENTWISE.has(kind)) return EXPLAIN.elementwise;
  return EXPLAIN[kind] ?? ((l) => (l.params > 0 ? { params: { formula: 'parameters', numbers: '' } } : {}));
}

// What a learner needs to know about layer i, as short lines of text:
// {title, shape, size: {formula, numbers}|null, params: {formula, numbers,
// count}, rf, note}.
export function explainLayer(layers, i) {
  const l = layers[i];
  const e = explainerFor(l.kind)(l, l.input.c, l.output.c);
  const rf = l.receptiveField;
  return {
    title: l.spec,
    shape: shapeText(l.output),
    size: e.size ?? null,
    params: { formula: 'no parameters', numbers: '', ...e.params, count: l.params },
    rf: rf > 0 ? `sees a ${rf}×${rf} patch of the input` : 'sees the whole image',
    note: e.note ?? '',
  };
}

// The total of every layer's parameters.
export function totalParams(layers) {
  return layers.reduce((sum, l) => sum + l.params, 0);
}
