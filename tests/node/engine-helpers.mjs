// Shared by the engine module's Node tests at its boundary (boundary.test.mjs,
// lifetime.test.mjs): loading cnn-simd as the worker does, seeded images and
// the wasm heap's size. Not a test file itself (no .test.mjs).
import { readFile } from 'node:fs/promises';

export const repo = (path) => new URL(`../../${path}`, import.meta.url);

// The page's module, its bytes handed in (Emscripten 3.1.6 cannot fetch them in Node).
export async function loadEngine(flavour = 'simd') {
  const { default: createEngine } = await import(repo(`web/engine/cnn-${flavour}.mjs`));
  return createEngine({ wasmBinary: await readFile(repo(`web/engine/cnn-${flavour}.wasm`)) });
}

// mulberry32: a small seeded PRNG, so a failing random case can be replayed.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function images(n, seed, per = 784) {
  const random = prng(seed);
  return Float32Array.from({ length: n * per }, random);
}

export const heapBytes = (m) => m.HEAP8.buffer.byteLength;

// A prepared MNIST split as the page fetches it: { png, labels } bytes.
export async function readMnist(split) {
  return {
    png: new Uint8Array(await readFile(repo(`web/data/mnist/${split}-images.png`))),
    labels: new Uint8Array(await readFile(repo(`web/data/mnist/${split}-labels.idx`))),
  };
}

// For the 2-D embedding's tests: the mean distance of pairs of points of one class, and of pairs of different classes.
export function classDistances(points, labels) {
  let within = 0, nWithin = 0, between = 0, nBetween = 0;
  for (let i = 0; i < labels.length; ++i)
    for (let j = i + 1; j < labels.length; ++j) {
      const d = Math.hypot(points[2 * i] - points[2 * j], points[2 * i + 1] - points[2 * j + 1]);
      if (labels[i] === labels[j]) (within += d), ++nWithin;
      else (between += d), ++nBetween;
    }
  return { within: within / nWithin, between: between / nBetween };
}
