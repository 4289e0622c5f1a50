// How well the page reads a drawn number: seeded triples of real pen digits
// (UCI pendigits) composed side by side on the detection panel's 3:1 pad,
// preprocessed as the page does (web/app/number-image.js), run through the
// shipped LeNet-5 made fully convolutional (the engine's FullyConvolutional)
// and read by thresholding + non-maximum suppression, then each box read
// again centred on its ink (web/detections.js).
// In Node, no browser: the browser test replays a few of the same triples.
//
//   node tools/detect-pendigits.mjs                   500 triples from writers 1–15, 500 from 16–30
//   node tools/detect-pendigits.mjs --count 200 --threshold 0.5,0.9 --overlap 0.2,0.3
//                                                     compares settings (choose on 1–15, confirm on 16–30)
//   --model path/to.cnn   another model file
//
// It runs the page's own worker in this process (tests/node/worker-harness.mjs),
// so the commands are the page's: 'detect', then 'readWindows' for the boxes.
//
// A measurement, not a test: it prints figures and asserts nothing.
import { readFile } from 'node:fs/promises';
import { isMain, optionValue } from './lib/common.mjs';
import { defaultSettings } from '../web/settings.js';
import { argmax } from '../web/util.js';
import { strokesToNumberImage } from '../web/app/number-image.js';
import { DEFAULT_DETECTION, readNumber } from '../web/detections.js';
import { loadPendigits, numberStrokes, seededTriples } from '../tests/browser/pendigits-harness.mjs';

export const NUMBER_PAD_ASPECT = 3;
const numbers = (text) => String(text).split(',').map(Number);

// The page's own worker (web/worker/main.js) run in this process, as the Node tests run it.
async function startWorker(modelPath) {
  const { request } = await import('../tests/node/worker-harness.mjs');
  await request('configure', { settings: defaultSettings() }); // boots with the shipped LeNet-5
  if (modelPath) await request('load', { bytes: new Uint8Array(await readFile(modelPath)), fileName: modelPath });
  return request;
}

// Each triple as the page reads it: {heatMap (the boxes' digits), said (read again, recentred), truth, boxes}.
export async function readTriples(request, triples, settings = DEFAULT_DETECTION) {
  const out = [];
  for (const triple of triples) {
    const image = strokesToNumberImage(numberStrokes(triple, { aspect: NUMBER_PAD_ASPECT }),
      { aspect: NUMBER_PAD_ASPECT });
    const drawing = { image: image.data, width: image.width, height: image.height };
    const { number, boxes } = readNumber(await request('detect', drawing), settings);
    const again = await request('readWindows', { ...drawing, boxes: boxes.map(({ x, y }) => ({ x, y })) });
    const said = boxes.map((_, i) => argmax(again.probs, i * again.classes, again.classes)).join('');
    out.push({ heatMap: number, said, truth: triple.map((d) => d.label).join(''), boxes: boxes.length });
  }
  return out;
}

function summary(results) {
  const right = results.filter((r) => r.said === r.truth).length;
  const heatMap = results.filter((r) => r.heatMap === r.truth).length;
  const tooMany = results.filter((r) => r.boxes > 3).length, tooFew = results.filter((r) => r.boxes < 3).length;
  const digitsRight = results.filter((r) => r.boxes === 3)
    .reduce((n, r) => n + [...r.said].filter((c, i) => c === r.truth[i]).length, 0);
  const pct = (n) => `${((100 * n) / results.length).toFixed(1)}%`;
  return `${right}/${results.length} = ${pct(right)} read right (the heat map's digits alone: ${pct(heatMap)}); ` +
    `${tooMany} with more than 3 boxes, ${tooFew} with fewer; ` +
    `of triples with 3 boxes, ${digitsRight} digits right`;
}

async function main(args) {
  const count = Number(optionValue(args, '--count', 500));
  const digits = await loadPendigits();
  const request = await startWorker(optionValue(args, '--model', null));
  const splits = {
    'writers 1–15': seededTriples(digits, { count, seed: 1, writers: (w) => w <= 15 }),
    'writers 16–30': seededTriples(digits, { count, seed: 2, writers: (w) => w > 15 }),
  };
  const thresholds = numbers(optionValue(args, '--threshold', DEFAULT_DETECTION.threshold));
  const overlaps = numbers(optionValue(args, '--overlap', DEFAULT_DETECTION.overlap));
  for (const threshold of thresholds) for (const overlap of overlaps) {
    const start = performance.now();
    const lines = [];
    for (const [name, triples] of Object.entries(splits))
      lines.push(`  ${name}: ${summary(await readTriples(request, triples, { threshold, overlap }))}`);
    const ms = ((performance.now() - start) / (2 * count)).toFixed(1);
    console.log(`threshold ${threshold}, overlap ${overlap} (${ms} ms a number):\n${lines.join('\n')}`);
  }
  process.exit(0); // the worker's scheduler keeps the process alive
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
