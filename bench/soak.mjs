// `npm run soak`: a memory soak of the engine module (wasm SIMD build).
// Trains LeNet-5 on MNIST for 20,000 steps (Adam, batch 32, as the page does:
// chunks of 10 steps with a prediction and activation maps in between), first
// in Node, then in headless Chromium (web/dev/soak.html), and every 1,000 steps
// records the wasm heap (the module's memory buffer) and the JS heap after a
// garbage collection (Node: process.memoryUsage; Chromium: CDP
// Runtime.getHeapUsage). Prints a table per run and a verdict line; exits
// non-zero if the wasm heap grew after warm-up (the first 1,000 steps).
//
//   node bench/soak.mjs [--steps 20000] [--every 1000] [--node-only | --browser-only]
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { isMain, repoPath, runCli } from '../tools/lib/common.mjs';
import { soakLoop } from '../web/dev/soak-loop.js';

const MiB = 1 << 20;
// JS heaps are measured after a GC but still move a little (V8 code caches,
// inline caches); this much growth over the soak is noise, more is a leak.
const JS_GROWTH_ALLOWED = 2 * MiB;

// A garbage collection on demand without --expose-gc on the command line.
function collectGarbage() {
  setFlagsFromString('--expose-gc');
  runInNewContext('gc')();
}

async function soakNode({ steps, every }) {
  const { default: createEngine } = await import(repoPath('web/engine/cnn-simd.mjs'));
  const m = await createEngine({ wasmBinary: await readFile(repoPath('web/engine/cnn-simd.wasm')) });
  const data = new m.Data(
    new Uint8Array(await readFile(repoPath('web/data/mnist/train-images.png'))),
    new Uint8Array(await readFile(repoPath('web/data/mnist/train-labels.idx'))),
  );
  const rows = [];
  try {
    await soakLoop(m, data, {
      steps,
      every,
      onRow(row) {
        collectGarbage();
        const memory = process.memoryUsage();
        rows.push({ ...row, wasm: m.HEAP8.buffer.byteLength, js: memory.heapUsed, rss: memory.rss });
        printRow(rows.at(-1), rows.at(-2));
      },
    });
  } finally {
    data.delete();
  }
  return rows;
}

async function soakChromium({ steps, every }) {
  const { openSession, describeProblems } = await import('../tests/browser/browser.mjs');
  const session = await openSession();
  const rows = [];
  try {
    const page = await session.open(`/dev/soak.html?steps=${steps}&every=${every}`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    for (;;) {
      // One row at a time: the page pauses at each, so the JS heap is read
      // at a quiet moment and after a full GC.
      await page.waitForFunction(() => window.soak && (window.soak.paused || window.soak.done), null, {
        timeout: 600_000,
        polling: 200,
      });
      const state = await page.evaluate(() => ({
        paused: window.soak.paused,
        error: window.soak.error,
        row: window.soak.rows.at(-1),
      }));
      if (state.error) throw new Error(`the soak page failed: ${state.error}${describeProblems(page)}`);
      if (!state.paused) break;
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      rows.push({ ...state.row, js: usedSize, rss: null });
      printRow(rows.at(-1), rows.at(-2));
      await page.evaluate(() => window.soak.resume());
    }
    if (rows.length * every < steps) {
      throw new Error(`the soak page stopped after ${rows.length * every} steps${describeProblems(page)}`);
    }
  } finally {
    await session.close();
  }
  return rows;
}

const mib = (n) => (n === null ? '—' : `${(n / MiB).toFixed(1)} MiB`);
const signedMib = (n) => `${n >= 0 ? '+' : '−'}${(Math.abs(n) / MiB).toFixed(2)} MiB`;

function printHeader(title) {
  console.log(`\n${title}`);
  console.log(
    `${'step'.padStart(7)} ${'seconds'.padStart(8)} ${'steps/s'.padStart(8)} ${'loss'.padStart(7)} ` +
      `${'wasm heap'.padStart(11)} ${'JS heap'.padStart(10)} ${'RSS'.padStart(10)}`,
  );
}

function printRow(row, previous) {
  const rate = previous ? (row.step - previous.step) / (row.seconds - previous.seconds) : row.step / row.seconds;
  console.log(
    `${String(row.step).padStart(7)} ${row.seconds.toFixed(1).padStart(8)} ${rate.toFixed(0).padStart(8)} ` +
      `${row.loss.toFixed(3).padStart(7)} ` +
      `${mib(row.wasm).padStart(11)} ${mib(row.js).padStart(10)} ${mib(row.rss).padStart(10)}`,
  );
}

// Growth from the end of warm-up (the first row) to the last row.
function verdict(name, rows) {
  const first = rows[0];
  const last = rows.at(-1);
  const wasmGrowth = last.wasm - first.wasm;
  const jsGrowth = last.js - first.js;
  const ok = wasmGrowth === 0 && jsGrowth <= JS_GROWTH_ALLOWED;
  const summary =
    `${name}: wasm heap ${mib(first.wasm)} at step ${first.step} → ${mib(last.wasm)} at step ${last.step} ` +
    `(${wasmGrowth} bytes of growth); ` +
    `JS heap ${signedMib(jsGrowth)}; ${(last.step / last.seconds).toFixed(0)} steps/s; ` +
    `final loss ${last.loss.toFixed(3)}`;
  console.log(`${ok ? 'flat' : 'GREW'}: ${summary}`);
  return { ok, summary: `${name} wasm ${wasmGrowth === 0 ? 'flat' : `+${wasmGrowth} B`}, JS ${signedMib(jsGrowth)}` };
}

export async function soak({ steps = 20000, every = 1000, node = true, browser = true } = {}) {
  const results = [];
  if (node) {
    printHeader(`Node ${process.version}: LeNet-5, Adam 0.001, batch 32, ${steps} steps (cnn-simd)`);
    results.push(verdict('node', await soakNode({ steps, every })));
  }
  if (browser) {
    printHeader(`headless Chromium: the same run in web/dev/soak.html`);
    results.push(verdict('chromium', await soakChromium({ steps, every })));
  }
  const ok = results.every((r) => r.ok);
  console.log(`\nsoak: ${ok ? 'PASS' : 'FAIL'} (${results.map((r) => r.summary).join('; ')})`);
  return ok;
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const options = { steps: 20000, every: 1000, node: true, browser: true };
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--steps') options.steps = Number(args[++i]);
      else if (args[i] === '--every') options.every = Number(args[++i]);
      else if (args[i] === '--node-only') options.browser = false;
      else if (args[i] === '--browser-only') options.node = false;
      else {
        throw new Error(`unknown argument '${args[i]}' ` +
          '(usage: node bench/soak.mjs [--steps N] [--every K] [--node-only | --browser-only])');
      }
    }
    const { steps, every } = options;
    if (!(Number.isInteger(every) && every >= 10 && every % 10 === 0))
      throw new Error('--every must be a multiple of 10');
    if (!(Number.isInteger(steps) && steps >= 2 * every && steps % every === 0))
      throw new Error('--steps must be a multiple of --every, at least two of them (one is warm-up)');
    if (!(await soak(options))) process.exitCode = 1;
  });
}
