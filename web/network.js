// What the page and the worker both need to know about a network the engine
// described (Model.layers(): a tree of layers, blocks holding children or
// branches): walking the tree, its totals, where a build error points, and
// whether the page can train it without stalling. No geometry here: every
// shape, parameter count and multiply-add is the engine's.

// Every layer of the tree, depth first, parents before their insides:
// [{ layer, depth, branch, parent, chain }]: branch is the index of the
// branch it sits in (or null), parent the flat index of its block (or -1),
// chain the layers data flows through from the input to its output, one
// step per layer (a block before it counts as one step).
export function flattenLayers(layers, out = [], { depth = 0, branch = null, parent = -1, before = [] } = {}) {
  (layers ?? []).forEach((layer, k) => {
    const chain = [...before, ...layers.slice(0, k + 1)];
    const index = out.length;
    out.push({ layer, depth, branch, parent, chain });
    const inside = { depth: depth + 1, parent: index, before: [...before, ...layers.slice(0, k)] };
    flattenLayers(layer.children, out, { ...inside, branch: null });
    (layer.branches ?? []).forEach((b, i) => flattenLayers(b, out, { ...inside, branch: i }));
  });
  return out;
}

const size = (shape) => shape.c * shape.h * shape.w;

// The network's totals: parameters and multiply-adds per image (a block's
// own numbers already hold its insides, so only the top level is summed) and
// the activations kept per image (every layer's output, insides included).
export function networkTotals(layers) {
  return {
    params: layers.reduce((sum, l) => sum + l.params, 0),
    macs: layers.reduce((sum, l) => sum + l.macs, 0),
    activations: flattenLayers(layers).reduce((sum, { layer }) => sum + size(layer.output), 0),
  };
}

// "line 3 'conv': …" → { line: 3, message }; the line is null when the
// engine's message names none.
export function buildError(message) {
  const match = /^line (\d+)\b/.exec(message);
  return { line: match ? Number(match[1]) : null, message };
}

// How fast this page's engine trains, measured with the wasm SIMD build on
// the project's 2-core machine (batch 32, Adam), counting the backward pass
// as twice the forward: lenet5 (0.42 M multiply-adds per image) 1.7 G/s,
// resnet-mini (6.6 M) 3.0 G/s, two 64-filter 5×5 layers at 28×28 (82 M)
// 3.1 G/s, i.e. 2.5 s a step, which this estimate puts at 3.1 s.
const MACS_PER_SECOND = 2.5e9;
const BACKWARD_FACTOR = 3; // forward + the two backward products (inputs and weights)
const MAX_STEP_SECONDS = 1; // one engine call is one scheduler slice: longer, and the worker stops answering
// The worker splits a long training step into micro-batches, one per slice
// (web/worker/training-run.js), but never below this many images (batch
// norm needs a few samples to normalise by), so the slowest slice is a
// micro-batch of this size, not the whole step.
export const MIN_PART_IMAGES = 8;
const MAX_PARAMS = 20e6;
// wasm32 memory tops out at 2 GB; the engine preallocates every activation
// and its gradient for the largest batch, and Adam keeps two moments per weight.
const MAX_BYTES = 1.2e9;

// Whether the page can train `totals` with `batch` images per step, built
// for maxBatch: { ok, reason, stepSeconds, bytes }.
export function networkLimits(totals, { batch, maxBatch }) {
  const stepSeconds = (totals.macs * batch * BACKWARD_FACTOR) / MACS_PER_SECOND;
  const part = Math.min(batch, MIN_PART_IMAGES);
  const partSeconds = (stepSeconds * part) / batch;
  const bytes = 4 * (2 * totals.activations * maxBatch + 4 * totals.params);
  const mb = (b) => `${Math.round(b / 1e6).toLocaleString('en')} MB`;
  let reason = null;
  if (totals.params > MAX_PARAMS) {
    reason = `${Math.round(totals.params).toLocaleString('en')} parameters is more than this page trains ` +
      `(at most ${MAX_PARAMS / 1e6} million): use fewer filters or a narrower dense layer.`;
  } else if (bytes > MAX_BYTES) {
    reason = `This network needs about ${mb(bytes)} of memory for its activations and weights (the page has ` +
      `${mb(MAX_BYTES)}): use fewer filters, or a stride or pooling earlier.`;
  } else if (partSeconds > MAX_STEP_SECONDS) {
    reason = `Training ${part} image${part === 1 ? '' : 's'} (the smallest part a step is split into) would take ` +
      `about ${partSeconds.toFixed(1)} s (${(totals.macs / 1e6).toFixed(1)} M multiply-adds per image, ` +
      `×${BACKWARD_FACTOR} for the backward pass), and the page would stall: use fewer filters, ` +
      'a stride or pooling earlier, or a smaller batch.';
  }
  return { ok: reason === null, reason, stepSeconds, bytes };
}
