// Builds the engine with CMake + Ninja into one directory per flavour:
//   build/native    the `cnn` CLI and the doctest suite (g++, -march=native)
//   build/wasm      web/engine/cnn-{simd,scalar}.{mjs,wasm} (the page's engine),
//                   web/engine/cnn-bench-{simd,scalar}.{mjs,wasm} (+ benchmark code)
//                   and build/wasm/engine_tests.js
//   build/sanitize  the doctest suite under ASan + UBSan (clang++-14, else g++)
// CMake configures a directory only once (when build.ninja is missing; Ninja
// re-runs CMake itself when CMakeLists.txt or a globbed folder changes), so a
// second build with nothing changed does no work.
//
//   node tools/build.mjs [--native] [--wasm] [--sanitize]     (no flag: native + wasm)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isMain, repoPath, run, runCli } from './lib/common.mjs';

const SANITIZE_FLAGS = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer'];

// The first compiler that builds and runs a sanitized C++20 program here.
let sanitizerCompiler;
export async function findSanitizerCompiler(candidates = ['clang++-14', 'g++']) {
  if (sanitizerCompiler) return sanitizerCompiler;
  const dir = await mkdtemp(join(tmpdir(), 'cnn-sanitize-probe-'));
  try {
    await writeFile(join(dir, 'probe.cpp'), '#include <vector>\nint main() { std::vector<int> v(3); return v[1]; }\n');
    for (const cxx of candidates) {
      const exe = join(dir, `probe-${cxx}`);
      const args = ['-std=c++20', ...SANITIZE_FLAGS, join(dir, 'probe.cpp'), '-o', exe];
      const compiled = spawnSync(cxx, args, { stdio: 'ignore' });
      if (compiled.error || compiled.status !== 0) continue;
      if (spawnSync(exe, [], { stdio: 'ignore' }).status === 0) return (sanitizerCompiler = cxx);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error(
    `no compiler among ${candidates.join(', ')} builds with ${SANITIZE_FLAGS[0]}: run \`node tools/prepare.mjs\``,
  );
}

// Each flavour: its directory and how to configure it.
export const FLAVOURS = {
  native: { dir: 'build/native', configure: async (dir) => ['cmake', ['-S', '.', '-B', dir, '-G', 'Ninja']] },
  wasm: { dir: 'build/wasm', configure: async (dir) => ['emcmake', ['cmake', '-S', '.', '-B', dir, '-G', 'Ninja']] },
  sanitize: {
    dir: 'build/sanitize',
    targets: ['engine_tests'], // the suite is all this flavour runs: no CLI, no benchmark code
    configure: async (dir) => {
      const cxx = await findSanitizerCompiler();
      return ['cmake', ['-S', '.', '-B', dir, '-G', 'Ninja', '-DCNN_SANITIZE=ON', `-DCMAKE_CXX_COMPILER=${cxx}`]];
    },
  },
};

// Configures (first time only) and builds one flavour; throws on failure.
export async function build(flavour, { log = console.log } = {}) {
  const spec = FLAVOURS[flavour];
  if (!spec) throw new Error(`unknown build flavour '${flavour}' (known: ${Object.keys(FLAVOURS).join(', ')})`);
  const started = performance.now();
  try {
    if (!existsSync(repoPath(spec.dir, 'build.ninja'))) {
      log(`build: configuring ${spec.dir}`);
      const [cmd, args] = await spec.configure(spec.dir);
      await run(cmd, args);
    }
    await run('ninja', ['-C', spec.dir, ...(spec.targets ?? [])]);
  } catch (e) {
    throw new Error(`${flavour} build failed: ${e.message}\n(missing tools? run \`node tools/prepare.mjs\`)`, {
      cause: e,
    });
  }
  log(`build: ${flavour} ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

export const buildNative = (options) => build('native', options);
export const buildWasm = (options) => build('wasm', options);
export const buildSanitize = (options) => build('sanitize', options);

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const known = Object.keys(FLAVOURS).map((f) => `--${f}`);
    const unknown = args.filter((a) => !known.includes(a));
    if (unknown.length)
      throw new Error(`unknown arguments: ${unknown.join(' ')} (usage: node tools/build.mjs [${known.join('] [')}])`);
    const flavours = args.length ? args.map((a) => a.slice(2)) : ['native', 'wasm'];
    for (const f of flavours) await build(f);
  });
}
