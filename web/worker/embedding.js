// The network's view of the data set: the penultimate layer's outputs (what
// the last dense layer, the classifier, reads) for test digits, laid out in
// 2-D by UMAP (umap-js, vendored by tools/prepare.mjs), with the drawn digit
// placed among them by UMAP's transform. A job: the features in chunks of
// one batch, then UMAP's optimisation a few epochs per slice.
import { clampInt } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveTest } from './inspect.js';
import { sliceClock } from './sliced.js';

// Loaded on first use (loadUmap, before the job starts): a missing vendor
// file costs this view, not the worker.
let umapLoading = null;
let UMAP = null;
export async function loadUmap() {
  umapLoading ??= import('../vendor/umap-js.mjs');
  try {
    ({ UMAP } = await umapLoading);
  } catch (error) {
    umapLoading = null;
    throw new Error(`umap-js could not be loaded (${error.message}); run \`node tools/prepare.mjs\``, {
      cause: error,
    });
  }
}

const EPOCHS_PER_SLICE = 10;

// The layer the classifier reads: the one before the last dense layer.
export function penultimateLayer(layers) {
  for (let i = layers.length - 1; i > 0; --i) if (layers[i].kind === 'dense') return i - 1;
  return -1;
}

// mulberry32: UMAP's random draws from a seed, so a layout can be redrawn the same.
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Test digits per forward pass for the features (≈ 50 ms on resnet-mini).
const FEATURE_BATCH = 16;

export function* embedding(payload, progress) {
  if (!UMAP) throw new Error('umap-js is not loaded (call loadUmap first)');
  const test = liveTest();
  const count = Math.min(clampInt(payload.count, 50, 5000, 2000), test.count());
  const seed = clampInt(payload.seed, 0, 2147483647, 1);
  // A copy: training may go on (in its own slices) while the layout is computed.
  const model = world.engine.Model.fromBytes(world.model.save(), 64);
  try {
    const layers = model.layers();
    const layer = penultimateLayer(layers);
    if (layer < 0) throw new Error('the network has no dense layer before its output');
    const features = [];
    const labels = new Uint8Array(count);
    const clock = sliceClock();
    for (let start = 0; start < count; start += FEATURE_BATCH) {
      const n = Math.min(FEATURE_BATCH, count - start);
      const chunk = test.slice(start, n);
      labels.set(chunk.labels, start);
      model.predict(chunk.images);
      for (let i = 0; i < n; ++i) features.push(Array.from(model.activation(layer, i)));
      if (clock.due() || start + n === count) {
        progress({ phase: 'features', done: start + n, total: count });
        yield;
      }
    }
    // 300 epochs (umap-js takes 500 for small sets): the clusters have settled by then. A multiple of 3,
    // because transform() runs nEpochs/3 epochs and loops until its count equals that exactly.
    const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 300, random: seeded(seed) });
    const epochs = umap.initializeFit(features);
    yield;
    for (let e = 0; e < epochs; e += EPOCHS_PER_SLICE) {
      for (let k = 0; k < EPOCHS_PER_SLICE && e + k < epochs; ++k) umap.step();
      progress({ phase: 'layout', epoch: Math.min(epochs, e + EPOCHS_PER_SLICE), epochs });
      yield;
    }
    const layout = umap.getEmbedding();
    const points = new Float32Array(count * 2);
    layout.forEach(([x, y], i) => points.set([x, y], i * 2));
    let digit = null;
    const drawn = payload.image ?? world.digit;
    if (drawn) {
      model.predict(checkedImages(drawn, model.inputShape()));
      const [[x, y]] = umap.transform([Array.from(model.activation(layer, 0))]);
      digit = { x, y };
    }
    return { points, labels, digit, count, layer, spec: layers[layer].spec, dataset: world.dataset };
  } finally {
    model.delete();
  }
}
