// The arithmetic of a CNN's shapes, written out for learners: output sizes
// O = (W − K + 2P)/S + 1, parameter counts, and which input pixels a unit of
// a feature map looks at (its receptive field). Pure functions of the
// engine's layers() list: {spec, kind, input, output, params, kernel, stride,
// pad, receptiveField, frozen}; no DOM here, so Node tests can check them.

// Layers that keep each channel where it was (so map k still comes from filter k).
// (Not maxout: its map j is the largest of maps j·k … j·k + k − 1.)
const CHANNEL_PRESERVING = new Set([
  'relu', 'leaky_relu', 'noisy_relu', 'sigmoid', 'tanh', 'elu', 'maxpool', 'avgpool', 'l2pool', 'batchnorm', 'dropout',
  'standardize',
]);

export const shapeText = (s) => `${s.c}×${s.h}×${s.w}`;

// A layer's name in its heading: a block's spec holds its insides, shown below it.
export function blockTitle(l) {
  if (l.branches) return `concat of ${l.branches.length} branches`;
  if (l.children) return l.scale !== undefined && l.scale !== 1 ? `residual scale=${l.scale}` : 'residual';
  return l.spec;
}

// Whether a layer's output is a stack of 2-D maps (drawn as images) rather
// than a vector (drawn as bars).
export function isSpatial(layer) {
  return layer.output.h > 1 || layer.output.w > 1;
}

// Where each layer's units sit in input pixels, per axis: for layer i of a
// chain (the layers from the input to it, blocks included as one step), unit
// (r, c) is centred on input pixel (start.h + r·jump.h, start.w + c·jump.w)
// and sees rf.h × rf.w pixels. start moves by ((K−1)/2 − P)·jump at each
// layer, jump multiplies by the stride; the engine's receptive field is
// taken as it is. Layers past the first dense one see everything.
export function unitGeometry(chain) {
  const start = { h: 0, w: 0 }, jump = { h: 1, w: 1 };
  return chain.map((l) => {
    for (const a of ['h', 'w']) {
      start[a] += ((l.kernel[a] - 1) / 2 - l.pad[a]) * jump[a];
      jump[a] *= l.stride[a];
    }
    const rf = l.receptiveField;
    return { start: { ...start }, jump: { ...jump }, rf: { ...rf }, global: !(rf.h > 0 && rf.w > 0) };
  });
}

// The input rectangle (inclusive rows/cols, clipped to the image) that unit
// (row, col) of the chain's last layer sees, and its full size before clipping.
export function receptiveFieldRect(chain, row, col, inputShape) {
  const g = unitGeometry(chain).at(-1);
  if (g.global) return { top: 0, left: 0, bottom: inputShape.h - 1, right: inputShape.w - 1, size: null };
  const cy = g.start.h + row * g.jump.h, cx = g.start.w + col * g.jump.w;
  const clip = (v, n) => Math.max(0, Math.min(n - 1, Math.round(v)));
  return {
    top: clip(cy - (g.rf.h - 1) / 2, inputShape.h), bottom: clip(cy + (g.rf.h - 1) / 2, inputShape.h),
    left: clip(cx - (g.rf.w - 1) / 2, inputShape.w), right: clip(cx + (g.rf.w - 1) / 2, inputShape.w),
    size: { ...g.rf },
  };
}

// The conv layer whose filter k made channel k of chain[i]'s output, or -1
// (walks back over layers that keep channels in place).
export function sourceConv(layers, i) {
  for (let j = i; j >= 0; --j) {
    if (layers[j].kind === 'conv') return j;
    if (!CHANNEL_PRESERVING.has(layers[j].kind)) return -1;
  }
  return -1;
}

// The output-size arithmetic for one axis, e.g. "(28 − 5 + 2·2)/1 + 1 = 28".
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
const ELEMENTWISE = new Set(['relu', 'leaky_relu', 'noisy_relu', 'sigmoid', 'tanh', 'elu']);

const sameShape = (a, b) => a.c === b.c && a.h === b.h && a.w === b.w;

// A residual block's shortcut (src/layers/residual.cpp): the identity when
// the block keeps its input's shape; otherwise a 1×1 convolution with a bias
// on every f-th pixel, f = H_in / H_out. layers() shows that projection only
// as an output shape that differs from the input (and in the block's params).
export function residualShortcut(l) {
  if (sameShape(l.input, l.output)) return { projection: false, params: 0, stride: 1 };
  return { projection: true, params: (l.input.c + 1) * l.output.c, stride: l.input.h / l.output.h };
}

// "(28 − 5 + 2·2)/1 + 1 = 28" when both axes have the same numbers, "H: …, W: …" otherwise.
function sizeNumbers(l) {
  const axis = (a) => sizeArithmetic(l.input[a], l.kernel[a], l.pad[a], l.stride[a], l.output[a]);
  return axis('h') === axis('w') ? axis('h') : `H: ${axis('h')}, W: ${axis('w')}`;
}

const times = (...factors) => factors.join('·');
const count = (n) => Math.round(n).toLocaleString('en');

// Per layer kind: what differs from "no parameters, no note"; cin/cout are
// the input's and the output's channel counts.
const EXPLAIN = {
  conv(l, cin, cout) {
    const { h: kh, w: kw } = l.kernel;
    return {
      size: { formula: 'O = (W − K + 2P)/S + 1', numbers: sizeNumbers(l) },
      params: {
        formula: '(K_h·K_w·C_in + 1)·C_out',
        numbers: `(${times(kh, kw, cin)} + 1)·${cout} = ${l.params}`,
      },
      macs: { formula: 'K_h·K_w·C_in · C_out·H_out·W_out',
        numbers: `${times(kh, kw, cin)} · ${times(cout, l.output.h, l.output.w)} = ${count(l.macs)}` },
      note: `${cout} filters of ${cin}×${kh}×${kw} weights + 1 bias each`,
    };
  },
  pool: (l) => ({
    size: { formula: 'O = (W − K + 2P)/S + 1', numbers: sizeNumbers(l) },
    note: `${POOL_WORDS[l.kind]} of each ${l.kernel.h}×${l.kernel.w} window, per channel`
      + (l.pad.h || l.pad.w ? ' (padding cells are left out)' : ''),
  }),
  dense(l, cin, cout) {
    const n = cin * l.input.h * l.input.w;
    const flat = l.input.h * l.input.w > 1 ? `in = ${cin}·${l.input.h}·${l.input.w} = ${n}; ` : '';
    return {
      params: { formula: '(in + 1)·out', numbers: `${flat}(${n} + 1)·${cout} = ${l.params}` },
      macs: { formula: 'in·out', numbers: `${n}·${cout} = ${count(l.macs)}` },
      note: `every output is a weighted sum of all ${n} inputs + a bias`,
    };
  },
  batchnorm: (l, cin) => ({
    params: { formula: '2·C (a scale and a shift per channel)', numbers: `2·${cin} = ${l.params}` },
    note: 'normalises each channel (by the batch\'s mean and variance while training: by each micro-batch\'s '
      + 'when a long step is split; by the running averages at test), then scales and shifts it',
  }),
  residual(l, cin, cout) {
    const s = residualShortcut(l);
    if (!s.projection) {
      return {
        params: { formula: 'the parameters of the layers inside the block', numbers: '' },
        note: `H(x) = F(x) + λ·x with λ = ${l.scale ?? 1}: the block learns a correction to its input`,
      };
    }
    const every = s.stride > 1 ? ` with stride ${s.stride}` : '';
    return {
      params: { formula: 'the parameters of the layers inside the block and of its 1×1 projection W', numbers: '' },
      note: `H(x) = F(x) + λ·W·x with λ = ${l.scale ?? 1}: F(x) is `
        + `${shapeText(l.output)} but x is ${shapeText(l.input)}, so the shortcut `
        + `is a 1×1 convolution W${every} with (${cin} + 1)·${cout} = ${s.params} parameters`,
    };
  },
  // src/layers/activation.cpp: in (N, C, H, W), out (N, C/k, H, W).
  maxout: (l, cin, cout) => ({
    note: `the largest of each group of ${cin / cout} consecutive channels, pixel by pixel: `
      + `${cin} channels become ${cin}/${cin / cout} = ${cout}`,
  }),
  concat(l) {
    const channels = (l.branches ?? []).map((b) => (b.length ? b.at(-1).output.c : l.input.c));
    return {
      params: { formula: 'the parameters of the layers in its branches', numbers: '' },
      note: `${channels.length} branches over the same ${shapeText(l.input)} input, their outputs stacked along ` +
        `depth: ${channels.join(' + ')} = ${l.output.c} channels, each ${l.output.h}×${l.output.w}`,
    };
  },
  upsample: (l) => ({
    size: { formula: 'O = W·F', numbers: `${l.input.h}·${l.output.h / l.input.h} = ${l.output.h}` },
    note: `each value is copied into a ${l.output.h / l.input.h}×${l.output.w / l.input.w} block (nearest neighbour)`,
  }),
  unpool: (l) => ({
    note: `each value goes back to where max pool '${l.spec.split(/\s+/)[1]}' found its maximum, `
      + `${shapeText(l.input)} → ${shapeText(l.output)}; every other place is 0`,
  }),
  deconv(l, cin, cout) {
    const o = Object.fromEntries(l.spec.split(/\s+/).filter((w) => w.includes('=')).map((w) => w.split('=')));
    const [kh, kw = kh] = o.k.split('x').map(Number), [sh] = o.s.split('x').map(Number);
    const [ph] = (o.p ?? '0').split('x').map(Number);
    return {
      size: { formula: 'O = (W − 1)·S − 2P + K',
        numbers: `H: (${l.input.h} − 1)·${sh} − 2·${ph} + ${kh} = ${l.output.h}` },
      params: { formula: '(K_h·K_w·C_in + 1)·C_out', numbers: `(${times(kh, kw, cin)} + 1)·${cout} = ${l.params}` },
      macs: { formula: 'K_h·K_w·C_out · C_in·H_in·W_in',
        numbers: `${times(kh, kw, cout)} · ${times(cin, l.input.h, l.input.w)} = ${count(l.macs)}` },
      note: `every input value adds itself times a ${kh}×${kw} kernel to the output, ${sh} pixels apart: `
        + 'learnable up-sampling (the backward pass of a convolution, run forward)',
    };
  },
  dropout: () => ({ note: 'switches random values off while training; does nothing at test time' }),
  flatten: () => ({ note: 'lays the maps out as one vector' }),
  standardize: (l) => {
    const o = Object.fromEntries(l.spec.split(/\s+/).slice(1).map((w) => w.split('=')));
    return { note: `(x − ${o.mean})/${o.std} for every value; with the data set's own pixel mean and standard ` +
      'deviation the inputs get zero mean and unit variance' };
  },
  elementwise: () => ({ note: 'applied to each value on its own: the shape stays' }),
};

function explainerFor(kind) {
  if (POOL_WORDS[kind]) return EXPLAIN.pool;
  if (ELEMENTWISE.has(kind)) return EXPLAIN.elementwise;
  return EXPLAIN[kind] ?? ((l) => (l.params > 0 ? { params: { formula: 'parameters', numbers: '' } } : {}));
}

// What a learner needs to know about one layer of the engine's tree, as
// short lines of text: {title, shape, size: {formula, numbers}|null,
// params: {formula, numbers, count}, macs: {formula, numbers, count}, rf, note}.
export function explainLayer(l) {
  const e = explainerFor(l.kind)(l, l.input.c, l.output.c);
  const rf = l.receptiveField;
  return {
    title: l.spec,
    shape: shapeText(l.output),
    size: e.size ?? null,
    params: { formula: 'no parameters', numbers: '', ...e.params, count: l.params },
    macs: { formula: '', numbers: '', ...e.macs, count: l.macs },
    rf: rf.h > 0 && rf.w > 0 ? `sees a ${rf.h}×${rf.w} patch of the input` : 'sees the whole image',
    note: e.note ?? '',
  };
}

// The total of every layer's parameters.
export function totalParams(layers) {
  return layers.reduce((sum, l) => sum + l.params, 0);
}
