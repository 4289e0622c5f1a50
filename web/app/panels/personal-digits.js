// The learner's own labelled digits: kept in the browser's IndexedDB
// (../digit-db.js, one list per data set), exportable/importable as JSON.
// Images are 8-bit pixels (28×28 = 784 bytes), the same quantisation the
// engine applies to any data set, so nothing is lost by storing.
//
// Nothing the learner made is lost without a word: the list in memory is the
// truth while the page is open; each Add is saved on its own (one record),
// a save that fails is said and retried with the next change, and the digits
// stay on the page to export. A stored or imported entry that cannot be read
// is skipped and reported, never a reason to drop the rest. Digits kept by
// older versions of the page in localStorage move to IndexedDB once.
import { MNIST_SHAPE, pixelsOf } from '../../util.js';

const LEGACY_KEY_PREFIX = 'cnn-playground.my-digits.v1.';
export const FORMAT = 'cnn-playground-digits';

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

// Float image in [0, 1] -> bytes, and back.
export const quantise = (image) => Uint8Array.from(image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
export const dequantise = (bytes) => Float32Array.from(bytes, (b) => b / 255);

// Why one digit { label, pixels: Uint8Array } cannot be used, or null.
function badDigit(d, per, classes) {
  if (!Number.isInteger(d?.label) || d.label < 0 || d.label >= classes) return `label must be 0..${classes - 1}`;
  if (!(d.pixels instanceof Uint8Array) || d.pixels.length !== per)
    return `${d.pixels?.length ?? 0} pixels, expected ${per}`;
  return null;
}

// Keeps the good digits and says which were skipped and why (the first few).
function sortDigits(entries, toDigit, { shape = MNIST_SHAPE, classes = 10 } = {}) {
  const per = pixelsOf(shape);
  const digits = [];
  const skipped = [];
  entries.forEach((entry, i) => {
    let digit = null;
    let reason;
    try {
      digit = toDigit(entry);
      reason = badDigit(digit, per, classes);
    } catch {
      reason = 'unreadable pixels';
    }
    if (reason) skipped.push(`digit ${i}: ${reason}`);
    else digits.push(digit);
  });
  return { digits, skipped };
}

export const describeSkipped = (skipped) =>
  `${skipped.length} could not be read and ${skipped.length === 1 ? 'was' : 'were'} left out ` +
  `(${skipped.slice(0, 2).join('; ')}${skipped.length > 2 ? '; …' : ''})`;

// Parses an export; throws when the file as a whole is wrong, skips (and
// lists in `skipped`) single digits that are. Returns { dataset, digits, skipped }.
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
  const s = doc.shape ?? {};
  if (s.c !== shape.c || s.h !== shape.h || s.w !== shape.w) {
    throw new Error(`the digits are ${s.c}×${s.h}×${s.w}, this network takes ${shape.c}×${shape.h}×${shape.w}`);
  }
  if (!Array.isArray(doc.digits)) throw new Error('the export has no digits list');
  const toDigit = (d) => ({ label: d?.label, pixels: fromBase64(String(d?.pixels ?? '')) });
  return { dataset: String(doc.dataset ?? 'mnist'), ...sortDigits(doc.digits, toDigit, { shape, classes }) };
}

export function serialiseDigits(digits, dataset, shape = MNIST_SHAPE) {
  return JSON.stringify({
    format: FORMAT, version: 1, dataset, shape, created: new Date().toISOString(),
    digits: digits.map((d) => ({ label: d.label, pixels: toBase64(d.pixels) })),
  });
}

// The list for one data set. db: a promise of ../digit-db.js's database (or
// one that rejects: the list then lives in memory only, and says so).
// Resolves once the stored digits are read:
//   { dataset, digits, add(image, label), addMany(digits), remove(digit), clear(),
//     onChange(fn({ type: 'add' | 'remove' | 'reset', digit? })), onStatus(fn(text, tone)),
//     unsaved(), notices, exportText(), arrays() }
export async function createDigitStore(dataset, { db: dbPromise, storage = globalThis.localStorage } = {}) {
  const changeListeners = new Set();
  const statusListeners = new Set();
  const notices = []; // what loading found, for the panel to say
  let nextKey = 1;
  const keyed = (d) => ({ key: nextKey++, id: null, label: d.label, pixels: d.pixels });
  let digits = [];
  let db = null;
  try {
    db = await dbPromise;
  } catch (error) {
    notices.push({ text: `Your digits cannot be kept in this browser (${error.message}); export them to keep them.`,
      tone: 'error' });
  }
  if (db) {
    try {
      const records = await db.load(dataset);
      const { digits: good, skipped } = sortDigits(records, (r) => ({ ...r, pixels: r.pixels }));
      digits = good.map((r) => ({ ...keyed(r), id: r.id }));
      if (skipped.length) notices.push({ text: `Of your stored digits, ${describeSkipped(skipped)}.`, tone: 'warn' });
    } catch (error) {
      notices.push({ text: `${error.message}; new digits are kept on this page only until saving works.`,
        tone: 'error' });
    }
  }
  const legacy = readLegacy(storage, dataset);
  if (legacy) {
    const moved = legacy.digits.map(keyed);
    digits.push(...moved);
    if (legacy.skipped.length) {
      notices.push({ text: `Of the digits kept by an older version, ${describeSkipped(legacy.skipped)}.`,
        tone: 'warn' });
    }
  }

  const emit = (change) => changeListeners.forEach((fn) => fn(change));
  const say = (text, tone) => statusListeners.forEach((fn) => fn(text, tone));
  let saving = null; // the flush in flight

  // Saves every digit not yet saved, one transaction; one flush at a time.
  async function flush() {
    if (saving) return saving.then(flush);
    const batch = digits.filter((d) => d.id === null);
    if (!db || batch.length === 0) return;
    saving = db.add(dataset, batch).then(
      (ids) => {
        batch.forEach((d, i) => (d.id = ids[i]));
        const removedMeanwhile = batch.filter((d) => !digits.includes(d)).map((d) => d.id);
        if (removedMeanwhile.length) db.remove(removedMeanwhile).catch(() => {});
        return true;
      },
      (error) => {
        const n = digits.filter((d) => d.id === null).length;
        say(`${error.message}: ${n} digit${n === 1 ? ' is' : 's are'} not saved. They stay on this page; ` +
          'Export JSON keeps them, and saving is tried again with your next change.', 'error');
        return false;
      },
    );
    try {
      return await saving;
    } finally {
      saving = null;
    }
  }

  // Old localStorage digits: saved to IndexedDB first, then the old copy goes.
  if (legacy && db) {
    if (await flush()) storage.removeItem(LEGACY_KEY_PREFIX + dataset);
    const moved = legacy.digits.length;
    if (moved) notices.push({ text: `Moved ${moved} digits to IndexedDB.`, tone: 'info' });
  }

  return {
    dataset,
    get digits() {
      return digits;
    },
    notices,
    unsaved: () => (db ? digits.filter((d) => d.id === null).length : digits.length),
    add(image, label) {
      const digit = keyed({ label, pixels: quantise(image) });
      digits.push(digit);
      emit({ type: 'add', digit });
      return flush();
    },
    addMany(list) {
      digits.push(...list.map(keyed));
      emit({ type: 'reset' });
      return flush();
    },
    remove(digit) {
      const i = digits.indexOf(digit);
      if (i < 0) return Promise.resolve();
      digits.splice(i, 1);
      emit({ type: 'remove', digit });
      return digit.id !== null && db
        ? db.remove([digit.id]).catch((error) => say(error.message, 'error'))
        : Promise.resolve();
    },
    clear() {
      digits = [];
      emit({ type: 'reset' });
      return db ? db.clear(dataset).catch((error) => say(error.message, 'error')) : Promise.resolve();
    },
    onChange(listener) {
      changeListeners.add(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
    },
    exportText() {
      return serialiseDigits(digits, dataset);
    },
    // All digits as one (N, C, H, W) float array plus labels, for the worker.
    arrays() {
      const per = pixelsOf(MNIST_SHAPE);
      const images = new Float32Array(digits.length * per);
      digits.forEach((d, i) => images.set(dequantise(d.pixels), i * per));
      return { images, labels: Uint8Array.from(digits, (d) => d.label) };
    },
  };
}

// The digits an older page kept in localStorage, or null when there are none.
function readLegacy(storage, dataset) {
  let text;
  try {
    text = storage?.getItem(LEGACY_KEY_PREFIX + dataset);
  } catch {
    return null; // storage disabled
  }
  if (!text) return null;
  try {
    return parseDigits(text);
  } catch (error) {
    return { digits: [], skipped: [`the whole list: ${error.message}`] };
  }
}
