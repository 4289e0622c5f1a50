// Replays all 7,494 real pen digits (UCI pendigits, 30 writers) and prints
// how many the shipped model reads correctly, per digit and per writer.
//
//   node tools/replay-pendigits.mjs                 through the page: mouse strokes
//                                                   on the canvas in headless Chromium
//   node tools/replay-pendigits.mjs --limit 500     the first 500 only
//   node tools/replay-pendigits.mjs --direct        in Node: the page's preprocessing
//                                                   (web/app/preprocess.js) and the engine, no
//                                                   browser; seconds instead of many minutes
//   node tools/replay-pendigits.mjs --direct --box 18,20 --pen 0.085,0.13 --soft 0,0.6
//                                                   compares preprocessing choices (choose on
//                                                   writers 1–15, confirm on 16–30: both printed)
//   --model path/to.cnn (direct mode) another model file
//   --data path/to.json[.gz]  other digits in the same format (default: the
//                             repository's tests/data/pendigits/pendigits-train.json.gz)
//
// A benchmark of sorts, not a test: it prints figures and asserts nothing.
import { readFile } from 'node:fs/promises';
import { isMain, optionValue, repoPath } from './lib/common.mjs';
import { strokesToMnist, DRAWN_BOX, PEN_FRACTION, SOFTNESS } from '../web/app/preprocess.js';
import {
  PENDIGITS_PATH, classifyOnPage, launchBrowser, loadPendigits, openPlayground, serveWeb,
} from '../tests/browser/pendigits-harness.mjs';

const numbers = (text) => String(text).split(',').map(Number);

// Tallies results: {label, writer, said}[] → printed summary; returns accuracy.
function report(title, results) {
  const correct = results.filter((r) => r.said === r.label).length;
  const pct = (list, digits = 1) =>
    (list.length ? (100 * list.filter((r) => r.said === r.label).length) / list.length : 0).toFixed(digits);
  const byLabel = Array.from({ length: 10 }, (_, d) => results.filter((r) => r.label === d));
  const writers = [...new Set(results.map((r) => r.writer))].sort((a, b) => a - b);
  const mistakes = new Map();
  for (const r of results) {
    const key = `${r.label}→${r.said}`;
    if (r.said !== r.label) mistakes.set(key, (mistakes.get(key) ?? 0) + 1);
  }
  const half = (first) => results.filter((r) => (r.writer <= 15) === first);
  console.log(`${title}: ${correct}/${results.length} = ${((100 * correct) / results.length).toFixed(2)}%` +
    `  (writers 1–15: ${pct(half(true), 2)}%, 16–30: ${pct(half(false), 2)}%)`);
  console.log(`  per digit:  ${byLabel.map((l, d) => `${d}: ${pct(l)}%`).join('  ')}`);
  const perWriter = writers.map((w) => [w, pct(results.filter((r) => r.writer === w))]).sort((a, b) => a[1] - b[1]);
  console.log(`  hardest writers: ${perWriter.slice(0, 5).map(([w, p]) => `#${w} ${p}%`).join(', ')}`);
  const common = [...mistakes].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`  most common mistakes (true→said): ${common.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  return correct / results.length;
}

async function replayDirect(digits, { modelPath, boxes, pens, softs }) {
  const { default: createEngine } = await import(repoPath('web', 'engine', 'cnn-simd.mjs'));
  const engine = await createEngine({ wasmBinary: await readFile(repoPath('web', 'engine', 'cnn-simd.wasm')) });
  const model = engine.Model.fromBytes(new Uint8Array(await readFile(modelPath)), 256);
  for (const box of boxes) {
    for (const penFraction of pens) for (const softness of softs) {
      const start = performance.now();
      const results = [];
      const BATCH = 250;
      for (let i = 0; i < digits.length; i += BATCH) {
        const chunk = digits.slice(i, i + BATCH);
        const x = new Float32Array(chunk.length * 784);
        chunk.forEach((d, k) => x.set(strokesToMnist(d.strokes, { box, penFraction, softness }), k * 784));
        const probs = model.predict(x);
        chunk.forEach((d, k) => {
          let said = 0;
          for (let c = 1; c < 10; c++) if (probs[k * 10 + c] > probs[k * 10 + said]) said = c;
          results.push({ label: d.label, writer: d.writer, said });
        });
      }
      const seconds = ((performance.now() - start) / 1000).toFixed(1);
      report(`direct, box ${box}, pen ${penFraction}, soft ${softness} (${seconds} s)`, results);
    }
  }
  model.delete();
}

async function replayOnPage(digits) {
  const server = await serveWeb();
  const browser = await launchBrowser();
  try {
    const { page } = await openPlayground(browser, server.url);
    const results = [];
    const start = performance.now();
    for (const [i, d] of digits.entries()) {
      const { digit: said } = await classifyOnPage(page, d.strokes);
      results.push({ label: d.label, writer: d.writer, said });
      if ((i + 1) % 500 === 0) {
        const ok = results.filter((r) => r.said === r.label).length;
        const perDigit = ((performance.now() - start) / (i + 1)).toFixed(0);
        const sofar = ((100 * ok) / results.length).toFixed(2);
        console.log(`  ${i + 1}/${digits.length}: ${sofar}% so far, ${perDigit} ms per digit`);
      }
    }
    if (page.errors.length) console.log(`page errors: ${page.errors.join('; ')}`);
    return report('through the page (mouse strokes)', results);
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function replayPendigits(args = []) {
  const limit = Number(optionValue(args, '--limit', Infinity));
  const dataPath = optionValue(args, '--data', PENDIGITS_PATH);
  const digits = (await loadPendigits(dataPath)).slice(0, limit);
  console.log(`${digits.length} pen digits from ${dataPath}`);
  if (args.includes('--direct')) {
    await replayDirect(digits, {
      modelPath: optionValue(args, '--model', repoPath('web', 'models', 'lenet5.cnn')),
      boxes: numbers(optionValue(args, '--box', DRAWN_BOX)),
      pens: numbers(optionValue(args, '--pen', PEN_FRACTION)),
      softs: numbers(optionValue(args, '--soft', SOFTNESS)),
    });
  } else {
    await replayOnPage(digits);
  }
}

if (isMain(import.meta.url)) {
  replayPendigits(process.argv.slice(2)).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
