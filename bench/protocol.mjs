// How every system is measured, so their figures compare: the same four
// configurations, the same warm-up, repeats and median. The engine does this
// loop in C++ (src/benchmark.cpp: run_benchmark); measure() below is the same
// loop for the JavaScript peers.

// Train at batch 1 and 32, infer at batch 1 and 64 (issue #4).
export const CONFIGS = [
  { mode: 'train', batch: 1 },
  { mode: 'train', batch: 32 },
  { mode: 'infer', batch: 1 },
  { mode: 'infer', batch: 64 },
];

// Full: ~16 s per system. Quick: a smoke run, figures still meaningful but noisier.
export function protocolFor({ quick = false } = {}) {
  return {
    quick,
    configs: CONFIGS,
    warmup: quick ? 0.05 : 0.2,  // untimed seconds first (JIT tiers, caches)
    seconds: quick ? 0.15 : 0.5, // each repeat runs whole steps for at least this long
    repeats: quick ? 3 : 7,
    peakSeconds: quick ? 0.05 : 0.1,
  };
}

// The name of one figure, e.g. train.tfjs_wasm.b32.
export const figureName = (mode, system, batch) => `${mode}.${system}.b${batch}`;

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Times step() — one batch of `batch` images, returning the loss (or any
// number: it must stay finite) — as run_benchmark does: warm-up (at least
// two steps: a JavaScript peer's first call compiles and allocates), then
// `repeats` stretches of whole steps of at least `seconds` each; images/s per repeat.
export function measure(step, { batch, warmup, seconds, repeats }) {
  let loss = NaN;
  for (let n = 0, t = performance.now(); n < 2 || performance.now() - t < warmup * 1e3; n++) loss = step();
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    let steps = 0;
    let elapsed;
    const t = performance.now();
    do {
      loss = step();
      steps++;
    } while ((elapsed = performance.now() - t) < seconds * 1e3);
    samples.push((steps * batch) / (elapsed / 1e3));
  }
  if (!Number.isFinite(loss)) throw new Error(`the ${batch}-image step gave a loss of ${loss}`);
  return { images_per_second: median(samples), samples, loss };
}

// One result of the engine's JSON (cnn::to_json) in the shape every system reports.
export function fromEngineJson(r) {
  return {
    mode: r.train ? 'train' : 'infer',
    batch: r.batch,
    images_per_second: r.images_per_second,
    samples: r.samples,
    loss: r.loss,
    flop_per_image: r.flop_per_image,
    layers: r.layers,
    loss_ms: r.loss_ms,
    update_ms: r.update_ms,
    profiled_step_ms: r.profiled_step_ms,
  };
}
