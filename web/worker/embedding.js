// The network's view of the data set: the penultimate layer's outputs (what
// the last dense layer, the classifier, reads) for test digits, laid out in
// 2-D by UMAP (umap-js, vendored by tools/prepare.mjs), with the drawn digit
// placed among them by UMAP's transform. A job: the features in slices, then
// the layout in a helper worker (umap-layout.js) while the job waits parked.
import { clampInt } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveTest } from './inspect.js';
import { sliceClock } from './sliced.js';
import { layoutFromJob } from './umap-layout.js';

// The layer the classifier reads: the one before the last dense layer.
export function penultimateLayer(layers) {
  for (let i = layers.length - 1; i > 0; --i) if (layers[i].kind === 'dense') return i - 1;
  return -1;
}

// Test digits per forward pass for the features (≈ 50 ms on resnet-mini).
const FEATURE_BATCH = 16;

export function* embedding(payload, progress) {
  const test = liveTest();
  const count = Math.min(clampInt(payload.count, 50, 5000, 2000), test.count());
  const seed = clampInt(payload.seed, 0, 2147483647, 1);
  // A copy: training may go on (in its own slices) while the layout is computed.
  const model = world.engine.Model.fromBytes(world.model.save(), 64);
  try {
    const layers = model.layers();
    const layer = penultimateLayer(layers);
    if (layer < 0) throw new Error('the network has no dense layer before its output');
    const dims = layers[layer].output.c * layers[layer].output.h * layers[layer].output.w;
    const features = new Float32Array(count * dims);
    const labels = new Uint8Array(count);
    const clock = sliceClock();
    for (let start = 0; start < count; start += FEATURE_BATCH) {
      const n = Math.min(FEATURE_BATCH, count - start);
      const chunk = test.slice(start, n);
      labels.set(chunk.labels, start);
      model.predict(chunk.images);
      for (let i = 0; i < n; ++i) features.set(model.activation(layer, i), (start + i) * dims);
      if (clock.due() || start + n === count) {
        progress({ phase: 'features', done: start + n, total: count });
        yield;
      }
    }
    let extra = null;
    const drawn = payload.image ?? world.digit;
    if (drawn) {
      model.predict(checkedImages(drawn, model.inputShape()));
      extra = Float32Array.from(model.activation(layer, 0));
    }
    const { points, extra: digit } = yield* layoutFromJob({ features, dims, seed, extra }, (p) =>
      progress({ phase: 'layout', ...p }));
    return { points, labels, digit, count, layer, spec: layers[layer].spec, dataset: world.dataset };
  } finally {
    model.delete();
  }
}
