// UMAP's 2-D layout of feature vectors (umap-js, vendored by
// tools/prepare.mjs), with one extra vector placed among them by UMAP's
// transform. Its set-up (the neighbour graph) is one long synchronous call
// (seconds for 2,000 points), so the engine worker runs this in a helper
// worker of its own (umap-worker.js) and stays responsive; where nested
// workers do not exist (Node's tests) it runs inline.

// Loaded on first use: a missing vendor file costs this view, not the worker.
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

// The layout, as a generator that yields { epoch, epochs } every few epochs.
//   request: { features: Float32Array (count × dims), dims, seed, extra: Float32Array(dims) | null }
// Returns { points: Float32Array (count × 2), extra: { x, y } | null }.
export function* layout({ features, dims, seed, extra }) {
  if (!UMAP) throw new Error('umap-js is not loaded (call loadUmap first)');
  const count = features.length / dims;
  const rows = Array.from({ length: count }, (_, i) => Array.from(features.subarray(i * dims, (i + 1) * dims)));
  // 300 epochs (umap-js takes 500 for small sets): the clusters have settled by then. A multiple of 3,
  // because transform() runs nEpochs/3 epochs and loops until its count equals that exactly.
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 300, random: seeded(seed) });
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e += EPOCHS_PER_SLICE) {
    for (let k = 0; k < EPOCHS_PER_SLICE && e + k < epochs; ++k) umap.step();
    yield { epoch: Math.min(epochs, e + EPOCHS_PER_SLICE), epochs };
  }
  const points = new Float32Array(rows.length * 2);
  umap.getEmbedding().forEach(([x, y], i) => points.set([x, y], i * 2));
  let placed = null;
  if (extra) {
    const [[x, y]] = umap.transform([Array.from(extra)]);
    placed = { x, y };
  }
  return { points, extra: placed };
}

// The same from a job on the engine worker's scheduler: in a helper worker
// when the platform has nested workers (the job is parked on each of its
// messages, spending no slices), else inline, a few epochs per slice.
// onEpoch({ epoch, epochs }) hears of the progress.
export function* layoutFromJob(request, onEpoch) {
  if (typeof Worker === 'undefined') {
    yield loadUmap();
    const run = layout(request);
    for (;;) {
      const r = run.next();
      if (r.done) return r.value;
      onEpoch(r.value);
      yield;
    }
  }
  const worker = new Worker(new URL('./umap-worker.js', import.meta.url), { type: 'module' });
  const inbox = [];
  let waiting = null;
  const deliver = (message) => (waiting ? (waiting(message), (waiting = null)) : inbox.push(message));
  worker.onmessage = ({ data }) => deliver(data);
  worker.onerror = (event) => {
    event.preventDefault?.();
    deliver({ error: `the layout worker failed: ${event.message ?? 'it could not start'}` });
  };
  const nextMessage = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));
  try {
    worker.postMessage(request);
    for (;;) {
      const message = yield nextMessage();
      if (message.error) throw new Error(message.error);
      if (message.result) return message.result;
      onEpoch(message.progress);
    }
  } finally {
    worker.terminate(); // also when the job is cancelled
  }
}
