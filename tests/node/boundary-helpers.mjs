// Helpers of the engine-boundary tests (boundary.test.mjs, boundary-heap.test.mjs):
// seeded inputs, the check that a call was refused cleanly, and one engine
// module with an untouched "sentinel" model that must keep predicting the same.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

export const repo = (path) => new URL(`../../${path}`, import.meta.url);

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

// A call that must be refused: an Error with a message that says something,
// and not a trap or an abort (those are Errors too, but the module is dead).
export function assertRefused(call, what, pattern) {
  let thrown;
  try {
    const value = call();
    thrown = { returned: value };
  } catch (e) {
    thrown = e;
  }
  const got = thrown?.returned !== undefined ? `a return value ${show(thrown.returned)}` : show(thrown);
  assert.ok(thrown instanceof Error, `${what}: expected an Error, got ${got}`);
  assert.ok(!(thrown instanceof WebAssembly.RuntimeError) && !/^Aborted|unreachable|out of bounds/.test(thrown.message),
    `${what}: the module crashed: ${thrown.message}`);
  assert.ok(thrown.message.length >= 8 && !/unknown engine error/.test(thrown.message),
    `${what}: unclear message '${thrown.message}'`);
  if (pattern) assert.match(thrown.message, pattern, what);
  return thrown;
}

export function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length})`;
  if (typeof v === 'object' && v !== null && typeof v.$$ === 'object') return `an Embind ${v.constructor.name}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

// Loads cnn-simd with a sentinel model (never passed to a hostile call) and the
// MNIST test split; assertAlive(what) checks the sentinel still predicts the same.
export async function loadEngine() {
  const { default: createEngine } = await import(repo('web/engine/cnn-simd.mjs'));
  const m = await createEngine({ wasmBinary: await readFile(repo('web/engine/cnn-simd.wasm')) });
  const sentinel = new m.Model('lenet5', 4);
  sentinel.init(11, 'he');
  const sentinelInput = images(3, 1);
  const sentinelOutput = sentinel.predict(sentinelInput);
  const mnist = {
    png: new Uint8Array(await readFile(repo('web/data/mnist/test-images.png'))),
    labels: new Uint8Array(await readFile(repo('web/data/mnist/test-labels.idx'))),
  };
  const assertAlive = (what) =>
    assert.deepEqual(sentinel.predict(sentinelInput), sentinelOutput, `module still works after: ${what}`);
  return { m, sentinel, modelBytes: sentinel.save(), mnist, assertAlive };
}
