// The network editor's own picture of a network: a list of items the learner
// edits (kinds and options, blocks holding lists), written out as spec text
// (formatSpec) and read back from the engine's layer tree (itemsFromTree).
// The engine is the only one that reads spec text: text the learner types
// goes to the worker, and what comes back is the engine's tree. No DOM here,
// so Node tests check the round trip.

export const ACTIVATIONS = ['relu', 'leaky_relu', 'elu', 'noisy_relu', 'sigmoid', 'tanh', 'maxout'];
export const POOLS = ['maxpool', 'avgpool', 'l2pool'];
export const INITS = ['he', 'xavier', 'lecun', 'constant'];

// Each activation's one parameter: its option (or positional) name, default, label.
export const ACTIVATION_PARAM = {
  leaky_relu: { key: 'a', value: 0.01, label: 'slope a for x < 0' },
  elu: { key: 'a', value: 1, label: 'a (the value for x → −∞ is −a)' },
  noisy_relu: { key: 'sigma', value: 0.1, label: 'noise σ while training' },
  maxout: { key: null, value: 2, label: 'channels per group' },
};

const BATCHNORM_MOMENTUM = 0.9; // the engine's default for its running averages

// What "Add" makes of each kind: a small, common setting.
const NEW_ITEM = {
  conv: () => ({ kind: 'conv', filters: 8, k: [3, 3], s: [1, 1], p: [1, 1] }),
  pool: () => ({ kind: 'pool', type: 'maxpool', k: [2, 2], s: [2, 2], p: [0, 0] }),
  activation: () => ({ kind: 'activation', fn: 'relu', param: null }),
  dropout: () => ({ kind: 'dropout', keep: 0.5 }),
  batchnorm: () => ({ kind: 'batchnorm' }),
  flatten: () => ({ kind: 'flatten' }),
  dense: () => ({ kind: 'dense', units: 64 }),
  upsample: () => ({ kind: 'upsample', f: [2, 2] }),
  unpool: () => ({ kind: 'unpool', pool: 'p1' }),
  deconv: () => ({ kind: 'deconv', filters: 8, k: [2, 2], s: [2, 2], p: [0, 0] }),
  residual: () => ({ kind: 'residual', scale: 1, children: [NEW_ITEM.conv(), NEW_ITEM.activation()] }),
  concat: () => ({ kind: 'concat', branches: [[{ ...NEW_ITEM.conv(), k: [1, 1], p: [0, 0] }], [NEW_ITEM.conv()]] }),
};
export const ITEM_KINDS = Object.keys(NEW_ITEM);
export const newItem = (kind) => NEW_ITEM[kind]();
export const newBranch = () => [NEW_ITEM.conv()];

// ---- items → text ------------------------------------------------------------

// "3" for 3×3, "1x3" otherwise (the spec language's K|KHxKW).
const pair = ([h, w]) => (h === w ? String(h) : `${h}x${w}`);
const num = (v) => String(Number(Number(v).toPrecision(6)));

// One item's own line (a block's opening line).
export function itemLine(item) {
  switch (item.kind) {
    case 'conv': {
      const words = [`conv ${item.filters}`, `k=${pair(item.k)}`];
      if (item.s[0] !== 1 || item.s[1] !== 1) words.push(`s=${pair(item.s)}`);
      if (item.p[0] !== 0 || item.p[1] !== 0) words.push(`p=${pair(item.p)}`);
      return words.join(' ');
    }
    case 'pool': {
      const words = [`${item.type} ${pair(item.k)}`];
      if (item.s[0] !== item.k[0] || item.s[1] !== item.k[1]) words.push(`s=${pair(item.s)}`);
      if (item.p[0] !== 0 || item.p[1] !== 0) words.push(`p=${pair(item.p)}`);
      if (item.type === 'maxpool' && item.name) words.push(`name=${item.name}`);
      return words.join(' ');
    }
    case 'upsample':
      return `upsample ${pair(item.f)}`;
    case 'unpool':
      return `unpool ${item.pool}`;
    case 'deconv': {
      const words = [`deconv ${item.filters}`, `k=${pair(item.k)}`, `s=${pair(item.s)}`];
      if (item.p[0] !== 0 || item.p[1] !== 0) words.push(`p=${pair(item.p)}`);
      return words.join(' ');
    }
    case 'activation': {
      const param = ACTIVATION_PARAM[item.fn];
      if (!param || item.param == null) return item.fn;
      return param.key ? `${item.fn} ${param.key}=${num(item.param)}` : `${item.fn} ${item.param}`;
    }
    case 'dropout':
      return `dropout keep=${num(item.keep)}`;
    case 'dense':
      return `dense ${item.units}`;
    case 'residual':
      return item.scale === 1 ? 'residual' : `residual scale=${num(item.scale)}`;
    case 'batchnorm':
      return (item.momentum ?? BATCHNORM_MOMENTUM) === BATCHNORM_MOMENTUM ? 'batchnorm'
        : `batchnorm momentum=${num(item.momentum)}`;
    case 'raw':
      return item.text;
    default:
      return item.kind; // flatten, concat
  }
}

// The spec text of a network { input, init, loss, items }, and the line each
// item starts on: { text, lineOf: Map(item → line), endOf: Map(block → its 'end' line) }.
export function formatSpec(network) {
  const lines = [network.input];
  const lineOf = new Map(), endOf = new Map();
  if (network.init) lines.push(initLine(network.init));
  const indent = (depth) => '  '.repeat(depth);
  const write = (items, depth) => {
    for (const item of items) {
      lines.push(indent(depth) + itemLine(item));
      lineOf.set(item, lines.length);
      if (item.kind === 'residual') write(item.children, depth + 1);
      if (item.kind === 'concat') {
        for (const branch of item.branches) {
          lines.push(`${indent(depth + 1)}branch`);
          write(branch, depth + 2);
        }
      }
      if (item.kind === 'residual' || item.kind === 'concat') {
        lines.push(`${indent(depth)}end`);
        endOf.set(item, lines.length);
      }
    }
  };
  write(network.items, 0);
  if (network.loss) lines.push(network.loss);
  return { text: lines.join('\n'), lineOf, endOf };
}

function initLine({ method, value }) {
  return method === 'constant' ? `init constant value=${num(value ?? 0)}` : `init ${method}`;
}

// ---- the engine's tree → items -------------------------------------------------

// The key=value words of one of the engine's canonical layer lines.
function options(spec) {
  const pairs = spec.split(/\s+/).filter((w) => w.includes('='));
  return Object.fromEntries(pairs.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
}

const hw = (v) => [v.h, v.w];

function itemFromNode(node) {
  const kind = node.kind;
  const geometry = () => ({ k: hw(node.kernel), s: hw(node.stride), p: hw(node.pad) });
  if (kind === 'conv') return { kind, filters: node.output.c, ...geometry() };
  if (POOLS.includes(kind)) {
    const name = options(node.spec).name;
    return { kind: 'pool', type: kind, ...geometry(), ...(name ? { name } : {}) };
  }
  if (kind === 'upsample') return { kind, f: [node.output.h / node.input.h, node.output.w / node.input.w] };
  if (kind === 'unpool') return { kind, pool: node.spec.split(/\s+/)[1] };
  if (kind === 'deconv') {
    const o = options(node.spec), read = (v, fallback) => (v ?? fallback).split('x').map(Number);
    const k = read(o.k, '1'), both = (v) => (v.length === 1 ? [v[0], v[0]] : v);
    return { kind, filters: node.output.c, k: both(k), s: both(read(o.s, '1')), p: both(read(o.p, '0')) };
  }
  if (ACTIVATIONS.includes(kind)) {
    const param = ACTIVATION_PARAM[kind];
    let value = null;
    if (kind === 'maxout') value = node.input.c / node.output.c;
    else if (param) value = Number(options(node.spec)[param.key] ?? param.value);
    return { kind: 'activation', fn: kind, param: value };
  }
  if (kind === 'dropout') return { kind, keep: Number(options(node.spec).keep ?? 0.5) };
  if (kind === 'dense') return { kind, units: node.output.c * node.output.h * node.output.w };
  if (kind === 'residual') return { kind, scale: node.scale ?? 1, children: (node.children ?? []).map(itemFromNode) };
  if (kind === 'concat') return { kind, branches: (node.branches ?? []).map((b) => b.map(itemFromNode)) };
  if (kind === 'batchnorm') return { kind, momentum: Number(options(node.spec).momentum ?? BATCHNORM_MOMENTUM) };
  if (kind === 'flatten') return { kind };
  return { kind: 'raw', text: node.spec }; // kept word for word: nothing the learner wrote is lost
}

// The lines of a canonical spec that are not layers: input, init, loss.
function headerLine(spec, word) {
  return spec.split('\n').map((l) => l.trim()).find((l) => l.split(/\s+/)[0] === word) ?? null;
}

// A network from the engine's description ({ spec, layers, inputShape }).
export function networkFromDescription({ spec, layers, inputShape }) {
  const init = headerLine(spec, 'init');
  const words = init?.split(/\s+/) ?? [];
  return {
    input: `input ${inputShape.c}x${inputShape.h}x${inputShape.w}`,
    init: init ? { method: words[1], value: Number(options(init).value ?? 0) } : null,
    loss: headerLine(spec, 'loss'),
    items: layers.map(itemFromNode),
  };
}

// ---- editing -------------------------------------------------------------------

// Moves items[i] by delta (−1 up, +1 down) within its list; false at an end.
export function move(items, i, delta) {
  const j = i + delta;
  if (j < 0 || j >= items.length) return false;
  [items[i], items[j]] = [items[j], items[i]];
  return true;
}

// Every item, depth first, in the order formatSpec writes them.
export function flattenItems(items, out = []) {
  for (const item of items) {
    out.push(item);
    if (item.kind === 'residual') flattenItems(item.children, out);
    if (item.kind === 'concat') item.branches.forEach((b) => flattenItems(b, out));
  }
  return out;
}
