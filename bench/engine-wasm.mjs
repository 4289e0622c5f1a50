// The engine's wasm builds (web/engine/cnn-simd and cnn-scalar) under Node,
// loaded as tests/node/engine.test.mjs does: the Emscripten 3.1.6 module gets
// its bytes handed in (TOOLCHAIN.md: it cannot fetch them in Node).
import { readFile } from 'node:fs/promises';

import { repoPath } from '../tools/lib/common.mjs';
import { benchEngine } from '../web/bench-engine.js';
import { fromEngineJson } from './protocol.mjs';

async function loadEngine(build) {
  const mjs = repoPath(`web/engine/cnn-${build}.mjs`);
  let createEngine;
  try {
    ({ default: createEngine } = await import(mjs));
  } catch (e) {
    throw new Error(`could not load ${mjs} (${e.message}): run 'npm run build -- --wasm'`);
  }
  return createEngine({ wasmBinary: await readFile(repoPath(`web/engine/cnn-${build}.wasm`)) });
}

// build: 'simd' | 'scalar'
export async function run(protocol, { build }) {
  const module = await loadEngine(build);
  const { simd, peak_gflops, results } = benchEngine(module, protocol, (text) => console.error(`  ${text}`));
  if (simd !== (build === 'simd')) throw new Error(`cnn-${build} reports SIMD ${simd ? 'on' : 'off'}: a build mix-up`);
  return {
    detail: `cnn-${build}.wasm in Node ${process.version}, 1 thread`,
    peak_gflops,
    results: results.map(fromEngineJson),
  };
}
