// The engine's wasm builds under Node, in their bench twins
// (web/engine/cnn-bench-simd and cnn-bench-scalar: the page's module plus
// benchmark() and peakGflops()), loaded as tests/node/engine.test.mjs loads
// the page's: the Emscripten 3.1.6 module gets its bytes handed in
// (TOOLCHAIN.md: it cannot fetch them in Node).
import { readFile } from 'node:fs/promises';

import { repoPath } from '../tools/lib/common.mjs';
import { benchEngine } from '../web/dev/bench-engine.js';
import { fromEngineJson } from './protocol.mjs';

async function loadEngine(build) {
  const mjs = repoPath(`web/engine/cnn-bench-${build}.mjs`);
  let createEngine;
  try {
    ({ default: createEngine } = await import(mjs));
  } catch (e) {
    throw new Error(`could not load ${mjs} (${e.message}): run 'npm run build -- --wasm'`, { cause: e });
  }
  return createEngine({ wasmBinary: await readFile(repoPath(`web/engine/cnn-bench-${build}.wasm`)) });
}

// build: 'simd' | 'scalar'
export async function run(protocol, { build }) {
  const module = await loadEngine(build);
  const { simd, peak_gflops, results } = benchEngine(module, protocol, (text) => console.error(`  ${text}`));
  if (simd !== (build === 'simd')) {
    throw new Error(`cnn-bench-${build} reports SIMD ${simd ? 'on' : 'off'}: a build mix-up`);
  }
  return {
    detail: `cnn-bench-${build}.wasm in Node ${process.version}, 1 thread`,
    peak_gflops,
    results: results.map(fromEngineJson),
  };
}
