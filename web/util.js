// Small helpers that the page and the worker share: MNIST's geometry, argmax,
// and the number formats the page uses everywhere.

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_SHAPE = Object.freeze({ c: 1, h: MNIST_SIDE, w: MNIST_SIDE });

export const pixelsOf = (shape) => shape.c * shape.h * shape.w;

// Index of the largest of values[offset .. offset + count).
export function argmax(values, offset = 0, count = values.length - offset) {
  let best = 0;
  for (let i = 1; i < count; ++i) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

// 1234567 → "1,234,567".
export const formatCount = (n) => Math.round(n).toLocaleString('en');

// 1500 → "1.5k", 2000000 → "2M" (chart axes).
export function formatShortCount(n) {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

// 0.9876 → "98.8%" (digits after the point).
// Float32Array → base64 of its bytes: an exact copy of its values for tests and downloads.
export const base64Of = (floats) => btoa(String.fromCharCode(...new Uint8Array(floats.buffer, floats.byteOffset,
  floats.byteLength)));

export const formatPercent = (fraction, digits = 1) => `${(fraction * 100).toFixed(digits)}%`;

// An integer in [lo, hi], or fallback when v is not a finite number.
export function clampInt(v, lo, hi, fallback) {
  return Number.isFinite(v) ? Math.max(lo, Math.min(hi, Math.floor(v))) : fallback;
}

// Calls fn at most every `ms` milliseconds and never while its previous call
// (a promise) still runs; a call that arrives meanwhile is kept as one
// pending call, so the last change always gets drawn. A failure goes to
// onError (the next call runs as usual).
export function throttleAsync(fn, ms, onError = (error) => console.warn(error)) {
  let running = false, queued = false, last = -Infinity, timer = 0;
  const run = async () => {
    timer = 0;
    if (running) { queued = true; return; }
    running = true;
    queued = false;
    last = performance.now();
    try {
      await fn();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
      if (queued) schedule();
    }
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - performance.now()));
  };
  return schedule;
}

// Calls fn once, `ms` milliseconds after the last of a run of calls.
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A tiny event emitter: on(name, fn) → unsubscribe, emit(name, payload).
export function createEmitter() {
  const listeners = new Map();
  return {
    on(name, fn) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(fn);
      return () => listeners.get(name).delete(fn);
    },
    emit: (name, payload) => listeners.get(name)?.forEach((fn) => fn(payload)),
  };
}
