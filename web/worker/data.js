// Fetching the data sets the worker trains and tests on. Files are those
// tools/prepare-data.mjs writes: <dir>/<split>-images.png (a sprite of 28×28
// digits, 100 per row) and <dir>/<split>-labels.idx (IDX1 labels).
import { MNIST_SHAPE } from '../util.js';

// onProgress(loaded, total) follows the download (total 0 when the server
// does not say the size), so the page can show a progress bar.
async function fetchBytes(url, { hint404 = '', onProgress = null, signal } = {}) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    throw new Error(`could not fetch ${url.pathname}: ${error.message}`, { cause: error });
  }
  if (!response.ok) {
    const hint = response.status === 404 ? hint404 : '';
    throw new Error(`${url.pathname}: HTTP ${response.status}${response.status === 404 ? ' (not found)' : ''}${hint}`);
  }
  if (!onProgress || !response.body) return new Uint8Array(await response.arrayBuffer());
  return readWithProgress(response, onProgress, signal);
}

async function readWithProgress(response, onProgress, signal) {
  const total = Number(response.headers.get('content-length')) || 0;
  const chunks = [];
  let loaded = 0;
  for (const reader = response.body.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    signal?.throwIfAborted(); // given up: no more progress from this download
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

const PREPARE_HINT = ': run `npm run prepare-data` to create the data files';

// Returns an engine Data (the caller deletes it). onProgress(loaded, total)
// counts the bytes of both files.
export async function loadDataset(engine, dir, split, onProgress = null) {
  const base = new URL(`../data/${dir}/`, import.meta.url);
  const files = [`${split}-images.png`, `${split}-labels.idx`];
  const progress = files.map(() => ({ loaded: 0, total: 0 }));
  const report = (i) => (loaded, total) => {
    progress[i] = { loaded, total };
    const sum = (key) => progress.reduce((s, p) => s + p[key], 0);
    onProgress(sum('loaded'), progress.every((p) => p.total) ? sum('total') : 0);
  };
  // One file failing stops the other: no wasted download, no progress from a load that failed.
  const abort = new AbortController();
  const { signal } = abort;
  const fetches = files.map((file, i) =>
    fetchBytes(new URL(file, base), { hint404: PREPARE_HINT, onProgress: onProgress && report(i), signal }),
  );
  let png, labels;
  try {
    [png, labels] = await Promise.all(fetches);
  } catch (error) {
    abort.abort();
    throw error;
  }
  return new engine.Data(png, labels); // the engine checks sizes and says what is wrong
}

// The shipped model's bytes, or null with a reason when it is not there.
export async function fetchModelFile(path) {
  const url = new URL(path, import.meta.url);
  try {
    return { bytes: await fetchBytes(url) };
  } catch (error) {
    return { bytes: null, reason: error.message };
  }
}

// Splits a Data into engine Data chunks of `size` images so a long
// evaluation can yield between chunks. Returns [{data, offset}].
export function splitIntoChunks(engine, data, size) {
  const chunks = [];
  for (let offset = 0; offset < data.count(); offset += size) {
    const { images, labels } = data.slice(offset, Math.min(size, data.count() - offset));
    chunks.push({ data: engine.Data.fromArrays(images, labels, MNIST_SHAPE), offset });
  }
  return chunks;
}
