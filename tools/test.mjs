// `npm test`: prepares the machine, lints, builds, and runs every test suite — the
// native doctest suite, the same suite compiled to wasm, the Node tests of
// the engine module, the browser tests in headless Chromium and their core in
// headless Firefox ESR. Prints a summary table and, as its last line,
// "N passed, N failed". Exits non-zero when anything failed.
//
// To add a step (a sanitizer build, a fuzz smoke run), add one entry to
// STEPS: a name, a command, a parser for its counts if it runs tests, and
// the steps it needs.
//   node tools/test.mjs [--only substring[,substring…]] [--list]     (--only adds the steps those need)
import { isMain, runCli } from './lib/common.mjs';
import { parseDoctest, parseNodeTest, runSteps, testFiles } from './lib/steps.mjs';
import { parseFuzzSummary } from './fuzz.mjs';

const node = process.execPath;

export const STEPS = [
  { name: 'prepare', command: [node, 'tools/prepare.mjs'] },
  // ESLint, and the C++ format check once tools/lint-cpp.mjs exists; seconds, so early.
  { name: 'lint', command: [node, 'tools/lint.mjs'], after: ['prepare'] },
  { name: 'build native', command: [node, 'tools/build.mjs', '--native'], after: ['prepare'] },
  // The binary directly (not ctest) so its doctest summary is in our output;
  // it runs from the repository root, as its tests expect (web/data, web/models).
  { name: 'native doctest', command: ['build/native/engine_tests'], parse: parseDoctest, after: ['build native'] },
  { name: 'build wasm', command: [node, 'tools/build.mjs', '--wasm'], after: ['prepare'] },
  { name: 'wasm doctest', command: [node, 'build/wasm/engine_tests.js'], parse: parseDoctest, after: ['build wasm'] },
  // The same doctest suite under ASan + UBSan, and each libFuzzer target for
  // 5 s from its seed corpus (`npm run fuzz` runs them a minute each).
  { name: 'build sanitize', command: [node, 'tools/build.mjs', '--sanitize'], after: ['prepare'] },
  { name: 'sanitizers', command: ['build/sanitize/engine_tests'], parse: parseDoctest, after: ['build sanitize'] },
  {
    name: 'fuzz smoke',
    command: [node, 'tools/fuzz.mjs', '--seconds', '5'],
    parse: parseFuzzSummary,
    after: ['prepare'],
    timeoutSeconds: 900,
  },
  {
    name: 'node tests',
    command: () => [node, '--test', '--test-reporter=tap', ...testFiles('tests/node')],
    parse: parseNodeTest,
    after: ['build wasm'],
    timeoutSeconds: 1800,
  },
  {
    // One file at a time: each starts its own Chromium on a 2-core machine.
    name: 'browser tests',
    command: () => [node, '--test', '--test-concurrency=1', '--test-reporter=tap', ...testFiles('tests/browser')],
    parse: parseNodeTest,
    after: ['build wasm'],
    timeoutSeconds: 1800,
  },
  {
    // The core of the browser tests again, in Firefox ESR over WebDriver BiDi (~40 s).
    name: 'firefox tests',
    command: () => [node, '--test', '--test-concurrency=1', '--test-reporter=tap', ...testFiles('tests/firefox')],
    parse: parseNodeTest,
    after: ['build wasm'],
    timeoutSeconds: 600,
  },
];

// The chosen steps and every step they need (`after`, transitively), in STEPS
// order: `--only "browser tests"` builds the wasm first, so it works in a fresh clone.
export function withPrerequisites(chosen, all = STEPS) {
  const names = new Set();
  const add = (step) => {
    if (names.has(step.name)) return;
    names.add(step.name);
    for (const name of step.after ?? []) add(all.find((s) => s.name === name));
  };
  chosen.forEach(add);
  return all.filter((s) => names.has(s.name));
}

export async function test(args = []) {
  let steps = STEPS;
  const only = args.indexOf('--only');
  if (args.includes('--list')) {
    for (const s of STEPS) console.log(s.name);
    return true;
  }
  if (only >= 0) {
    const wanted = (args[only + 1] ?? '').split(',').filter(Boolean);
    if (!wanted.length) throw new Error('--only needs step names (see --list)');
    steps = STEPS.filter((s) => wanted.some((w) => s.name.includes(w)));
    if (!steps.length) throw new Error(`no step matches ${wanted.join(', ')} (see --list)`);
    steps = withPrerequisites(steps);
  } else if (args.length) {
    throw new Error(`unknown arguments: ${args.join(' ')} (usage: node tools/test.mjs [--only step,…] [--list])`);
  }
  const { ok } = await runSteps(steps);
  return ok;
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    // exitCode, not an error message: the totals line must stay the last line.
    if (!(await test(args))) process.exitCode = 1;
  });
}
