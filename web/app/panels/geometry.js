// The arithmetic of a CNN's shapes, written out for learners: output sizes
// O = (W − K + 2P)/S + 1, parameter counts, and which input pixels a unit of
// a feature map looks at (its receptive field). Pure functions of the
// engine's layers() list (top level): {path, spec, kind, input, output,
// params, macs, kernel, stride, pad, receptiveField ({h, w} each), frozen,
// line, scale?, children?, branches?}; no DOM here, so Node tests can check them.

// Layers that keep each channel where it was (so map k still comes from filter k).
// (Not maxout: its map j is the largest of maps j·k … j·k + k − 1.)
const CHANNEL_PRESERVING = new Set([
  'relu', 'noisy_relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu', 'maxpool', 'avgpool', 'l2pool', 'batchnorm',
  'dropout',
]);

export const shapeText = (s) => `${s.c}×${s.h}×${s.w}`;

// Whether a layer's output is a stack of 2-D maps (drawn as images) rather
// than a vector (drawn as bars).
export function isSpatial(layer) {
  return layer.output.h > 1 || layer.output.w > 1;
}

// Where each layer's units sit in input pixels, per axis a ∈ {h, w}: for
// layer i, unit (r, c) is centred on input pixel (start.h + r·jump.h,
// start.w + c·jump.w) and sees rf.h × rf.w pixels. start moves by
// ((K−1)/2 − P)·jump at each layer, jump multiplies by the stride. Layers past
// the first dense one see everything.
export function unitGeometry(layers) {
  const start = { h: 0, w: 0 }, jump = { h: 1, w: 1 };
  return layers.map((l) => {
    for (const a of ['h', 'w']) {
      start[a] += ((l.kernel[a] - 1) / 2 - l.pad[a]) * jump[a];
      jump[a] *= l.stride[a];
    }
    return { start: { ...start }, jump: { ...jump }, rf: l.receptiveField, global: l.receptiveField.h === 0 };
  });
}

// The input rectangle (inclusive rows/cols, clipped to the image) that unit
// (row, col) of layer i sees, and its full size before clipping.
export function receptiveFieldRect(layers, i, row, col, inputShape) {
  const g = unitGeometry(layers)[i];
  if (g.global) return { top: 0, left: 0, bottom: inputShape.h - 1, right: inputShape.w - 1, size: null };
  const halfH = (g.rf.h - 1) / 2, halfW = (g.rf.w - 1) / 2;
  const cy = g.start.h + row * g.jump.h, cx = g.start.w + col * g.jump.w;
  const clip = (v, n) => Math.max(0, Math.min(n - 1, Math.round(v)));
  return {
    top: clip(cy - halfH, inputShape.h), bottom: clip(cy + halfH, inputShape.h),
    left: clip(cx - halfW, inputShape.w), right: clip(cx + halfW, inputShape.w),
    size: { ...g.rf },
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
const ELEMENTWISE = new Set(['relu', 'noisy_relu', 'leaky_relu', 'sigmoid', 'tanh', 'elu']);

const sameShape = (a, b) => a.c === b.c && a.h === b.h && a.w === b.w;

// A residual block's shortcut (src/layers/residual.cpp): the identity when
// the block keeps its input's shape; otherwise a 1×1 convolution with a bias
// on every f-th pixel, f = H_in / H_out. layers() shows that projection only
// as an output shape that differs from the input (and in the block's params).
export function residualShortcut(l) {
  if (sameShape(l.input, l.output)) return { projection: false, params: 0, stride: 1 };
  return { projection: true, params: (l.input.c + 1) * l.output.c, stride: l.input.h / l.output.h };
}

const square = (v) => v.h === v.w;
const sizeText = (v) => (square(v) ? `${v.h}×${v.h}` : `${v.h}×${v.w}`);

// "(28 − 5 + 2·2)/1 + 1 = 28" when both axes have the same numbers, "H: …, W: …" otherwise.
function sizeNumbers(l) {
  const dim = (a) => sizeArithmetic(l.input[a], l.kernel[a], l.pad[a], l.stride[a], l.output[a]);
  const same = l.input.h === l.input.w && square(l.kernel) && square(l.pad) && square(l.stride);
  return same ? dim('w') : `H: ${dim('h')}, W: ${dim('w')}`;
}

// Per layer kind: what differs from "no parameters, no note"; cin/cout are
// the input's and the output's channel counts.
const EXPLAIN = {
  conv(l, cin, cout) {
    const k = l.kernel;
    return {
      size: { formula: 'O = (W − K + 2P)/S + 1', numbers: sizeNumbers(l) },
      params: {
        formula: square(k) ? '(K·K·C_in + 1)·C_out' : '(K_H·K_W·C_in + 1)·C_out',
        numbers: `(${k.h}·${k.w}·${cin} + 1)·${cout} = ${(k.h * k.w * cin + 1) * cout}`,
      },
      note: `${cout} filters of ${cin}×${k.h}×${k.w} weights + 1 bias each`,
    };
  },
  pool: (l) => ({
    size: { formula: l.pad.h || l.pad.w ? 'O = (W − K + 2P)/S + 1' : 'O = (W − K)/S + 1', numbers: sizeNumbers(l) },
    note: `${POOL_WORDS[l.kind]} of each ${sizeText(l.kernel)} window, per channel`
      + (l.pad.h || l.pad.w ? ' (padding cells are left out)' : ''),
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
    const lambda = l.scale === undefined || l.scale === 1 ? '' : `${l.scale}·`;
    if (!s.projection) {
      return {
        params: { formula: 'the parameters of the layers inside the block', numbers: '' },
        note: `y = F(x) + ${lambda}x: the block learns a correction to its input`,
      };
    }
    const every = s.stride > 1 ? ` with stride ${s.stride}` : '';
    return {
      params: { formula: 'the parameters of the layers inside the block and of its 1×1 projection W', numbers: '' },
      note: `y = F(x) + ${lambda}W·x: F(x) is ${shapeText(l.output)} but x is ${shapeText(l.input)}, so the shortcut `
        + `is a 1×1 convolution W${every} with (${cin} + 1)·${cout} = ${s.params} parameters`,
    };
  },
  concat: (l) => ({
    params: { formula: 'the parameters of the layers in its branches', numbers: '' },
    note: `${l.branches.length} branches read the same input; their outputs (`
      + `${l.branches.map((b) => (b.length ? b[b.length - 1].output.c : l.input.c)).join(' + ')} channels) `
      + 'are stacked along depth',
  }),
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
    rf: rf.h > 0 ? `sees a ${rf.h}×${rf.w} patch of the input` : 'sees the whole image',
    note: e.note ?? '',
  };
}

// The total of every layer's parameters.
export function totalParams(layers) {
  return layers.reduce((sum, l) => sum + l.params, 0);
}
