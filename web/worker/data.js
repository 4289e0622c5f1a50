// Fetching the data sets the worker trains and tests on. Files are those
// tools/prepare-data.mjs writes: <dir>/<split>-images.png (a sprite of 28×28
// digits, 100 per row) and <dir>/<split>-labels.idx (IDX1 labels).
import { MNIST_SHAPE } from '../util.js';

async function fetchBytes(url, hint404 = '') {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not fetch ${url.pathname}: ${error.message}`, { cause: error });
  }
  if (!response.ok) {
    const hint = response.status === 404 ? hint404 : '';
    throw new Error(`${url.pathname}: HTTP ${response.status}${response.status === 404 ? ' (not found)' : ''}${hint}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

const PREPARE_HINT = ': run `npm run prepare-data` to create the data files';

// Returns an engine Data (the caller deletes it).
export async function loadDataset(engine, dir, split) {
  const base = new URL(`../data/${dir}/`, import.meta.url);
  const [png, labels] = await Promise.all([
    fetchBytes(new URL(`${split}-images.png`, base), PREPARE_HINT),
    fetchBytes(new URL(`${split}-labels.idx`, base), PREPARE_HINT),
  ]);
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
