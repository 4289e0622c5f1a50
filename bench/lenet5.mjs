// The one network every system trains in the benchmark, written down once so
// the TF.js and ConvNetJS builders cannot drift from each other or from the
// engine's "lenet5" preset (src/spec.cpp): in 1x28x28, conv 6 5x5 pad 2 ->
// relu -> maxpool 2 -> conv 16 5x5 -> relu -> maxpool 2 -> dense 120 -> relu
// -> dense 84 -> relu -> dense 10, softmax cross-entropy, SGD with momentum.
// Also the synthetic data the peers are fed, shaped like the engine's own
// (src/benchmark.cpp): a pool of 1,024 images uniform in [0, 1) with random
// labels, cycled batch by batch.

export const LENET5 = {
  input: { h: 28, w: 28, c: 1 },
  layers: [
    { kind: 'conv', filters: 6, size: 5, pad: 2, relu: true },
    { kind: 'maxpool', size: 2 },
    { kind: 'conv', filters: 16, size: 5, pad: 0, relu: true },
    { kind: 'maxpool', size: 2 },
    { kind: 'dense', units: 120, relu: true },
    { kind: 'dense', units: 84, relu: true },
    { kind: 'dense', units: 10, relu: false },
  ],
  classes: 10,
  learningRate: 0.01,
  momentum: 0.9,
};

export const IMAGE_SIZE = LENET5.input.h * LENET5.input.w * LENET5.input.c;
const POOL_IMAGES = 1024;

// Deterministic pseudo-random numbers in [0, 1) (an LCG): every run feeds the same data.
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Batches of `batch` images (Float32Array batch × IMAGE_SIZE, HWC order) and
// labels (Uint8Array), as many as fit the pool (at least one).
export function syntheticBatches(batch, seed = 1) {
  const random = lcg(seed);
  const count = Math.max(1, Math.floor(POOL_IMAGES / batch));
  return Array.from({ length: count }, () => {
    const images = new Float32Array(batch * IMAGE_SIZE);
    for (let i = 0; i < images.length; i++) images[i] = random();
    const labels = Uint8Array.from({ length: batch }, () => Math.floor(random() * LENET5.classes));
    return { images, labels };
  });
}
