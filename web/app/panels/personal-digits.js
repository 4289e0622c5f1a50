// The learner's own labelled digits, kept in the browser (localStorage, one
// list per data set) and exportable/importable as JSON. Images are stored
// as 8-bit pixels in base64 (28×28 = 784 bytes), the same quantisation the
// engine applies to any data set, so nothing is lost by storing.
import { MNIST_SHAPE, pixelsOf } from '../../util.js';

const KEY_PREFIX = 'cnn-playground.my-digits.v1.';
export const FORMAT = 'cnn-playground-digits';

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

// Float image in [0, 1] -> bytes, and back.
export const quantise = (image) => Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
export const dequantise = (bytes) => Float32Array.from(bytes, (b) => b / 255);

// Parses and checks an export; throws an Error saying what is wrong.
export function parseDigits(text, shape = MNIST_SHAPE, classes = 10) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('not a JSON file');
  }
  if (doc?.format !== FORMAT) throw new Error(`not a digits export (format should be "${FORMAT}")`);
  if (doc.version !== 1) {
    throw new Error(`digits export version ${doc.version} is not supported (this page reads version 1)`);
  }
  const per = pixelsOf(shape);
  const s = doc.shape ?? {};
  if (s.c !== shape.c || s.h !== shape.h || s.w !== shape.w) {
    throw new Error(`the digits are ${s.c}×${s.h}×${s.w}, this network takes ${shape.c}×${shape.h}×${shape.w}`);
  }
  if (!Array.isArray(doc.digits)) throw new Error('the export has no digits list');
  const digits = doc.digits.map((d, i) => {
    if (!Number.isInteger(d.label) || d.label < 0 || d.label >= classes) {
      throw new Error(`digit ${i}: label must be 0..${classes - 1}`);
    }
    const pixels = fromBase64(String(d.pixels ?? ''));
    if (pixels.length !== per) throw new Error(`digit ${i}: ${pixels.length} pixels, expected ${per}`);
    return { label: d.label, pixels };
  });
  return { dataset: String(doc.dataset ?? 'mnist'), digits };
}

export function serialiseDigits(digits, dataset, shape = MNIST_SHAPE) {
  return JSON.stringify({
    format: FORMAT, version: 1, dataset, shape, created: new Date().toISOString(),
    digits: digits.map((d) => ({ label: d.label, pixels: toBase64(d.pixels) })),
  });
}

// A persistent list for one data set: {digits, add, remove, clear, replace, onChange}.
export function createDigitStore(dataset, storage = globalThis.localStorage) {
  const key = KEY_PREFIX + dataset;
  let digits = [];
  const listeners = new Set();
  try {
    const text = storage?.getItem(key);
    if (text) digits = parseDigits(text).digits;
  } catch (e) {
    console.warn('my digits: ignoring unreadable storage:', e.message);
  }
  const save = () => {
    try {
      storage?.setItem(key, serialiseDigits(digits, dataset));
    } catch (e) {
      console.warn('my digits: could not save:', e.message);
    }
    for (const l of listeners) l(digits);
  };
  return {
    dataset,
    get digits() { return digits; },
    add(image, label) { digits = [...digits, { label, pixels: quantise(image) }]; save(); },
    remove(index) { digits = digits.filter((_, i) => i !== index); save(); },
    clear() { digits = []; save(); },
    replace(list) { digits = list; save(); },
    onChange(listener) { listeners.add(listener); },
    exportText() { return serialiseDigits(digits, dataset); },
    // All digits as one (N, C, H, W) float array plus labels, for the worker.
    arrays() {
      const per = pixelsOf(MNIST_SHAPE);
      const images = new Float32Array(digits.length * per);
      digits.forEach((d, i) => images.set(dequantise(d.pixels), i * per));
      return { images, labels: Uint8Array.from(digits, (d) => d.label) };
    },
  };
}
