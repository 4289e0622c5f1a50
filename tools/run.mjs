// `npm run train|bench|soak|fuzz|build|monkey`: each script prepares what it needs
// first, as `npm start` and `npm test` do, so it works in a fresh clone:
// tools/prepare.mjs (packages, node_modules, data), then the builds it uses,
// then the script itself with the given arguments, its output streamed and its
// exit code returned. Preparation prints to stderr, so stdout is the script's
// own (`npm run -s train -- --json | tail -1` is the JSON line).
//
//   node tools/run.mjs <script> [args…]       e.g. node tools/run.mjs train --epochs 1 --json
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import { REPO_ROOT, isMain, showCommand } from './lib/common.mjs';

const node = process.execPath;

// What each script builds before it runs, and the command it then runs.
export const SCRIPTS = {
  train: { builds: ['native'], command: ['build/native/cnn', 'train'] },
  bench: { builds: ['native', 'wasm'], command: [node, 'bench/run.mjs'] }, // native CLI, wasm in Node and Chromium
  soak: { builds: ['wasm'], command: [node, 'bench/soak.mjs'] },
  'bench:first-visit': { builds: ['wasm'], command: [node, 'bench/first-visit.mjs'] }, // builds dist/ itself
  fuzz: { builds: [], command: [node, 'tools/fuzz.mjs'] }, // builds its own targets
  build: { builds: [], command: [node, 'tools/build.mjs'] },
  'build:site': { builds: ['wasm'], command: [node, 'tools/build-site.mjs'] }, // dist/, the static site
  monkey: { builds: ['wasm'], command: [node, 'tests/browser/monkey.mjs'] }, // --seconds S --seed N
};

// The commands `node tools/run.mjs name …args` runs, in order: [argv, …].
export function plan(name, args = []) {
  const script = SCRIPTS[name];
  if (!script) throw new Error(`unknown script '${name}' (known: ${Object.keys(SCRIPTS).join(', ')})`);
  return [
    [node, 'tools/prepare.mjs'],
    ...(script.builds.length ? [[node, 'tools/build.mjs', ...script.builds.map((f) => `--${f}`)]] : []),
    [...script.command, ...args],
  ];
}

// Runs argv from the repository root; resolves with its exit code (128 + n
// when killed by signal n, as a shell reports it).
function exec(argv, { stdout }) {
  console.error(`$ ${showCommand(argv[0], argv.slice(1))}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['inherit', stdout, 'inherit'] });
    child.on('error', (e) => {
      console.error(`error: ${e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 + (constants.signals[signal] ?? 0) : code));
  });
}

export async function runScript(name, args) {
  const steps = plan(name, args);
  for (const [i, argv] of steps.entries()) {
    const last = i === steps.length - 1;
    // Preparation's stdout goes to our stderr (fd 2): stdout is the script's.
    const code = await exec(argv, { stdout: last ? 'inherit' : 2 });
    if (code !== 0 || last) return code;
  }
}

if (isMain(import.meta.url)) {
  const [name, ...args] = process.argv.slice(2);
  try {
    process.exitCode = await runScript(name, args);
  } catch (e) {
    console.error(`error: ${e.message}\nusage: node tools/run.mjs <${Object.keys(SCRIPTS).join('|')}> [args…]`);
    process.exitCode = 2;
  }
}
