// `npm run fuzz`: builds the libFuzzer targets of tests/fuzz/ (clang++-14,
// ASan + UBSan, into build/fuzz) and runs each for a fixed time, starting from
// the committed seed corpus. Prints executions, speed, crashes and corpus size
// per target, then a totals line; exits non-zero if any target crashed (a
// sanitizer report, a broken invariant, a timeout or an out-of-memory).
//
// New interesting inputs go to build/fuzz/corpus/<target>/ (not committed),
// crash reproducers to build/fuzz/artifacts/. Reproduce one with
//   build/fuzz/fuzz_model build/fuzz/artifacts/fuzz_model-crash-…
//
//   node tools/fuzz.mjs [--seconds 60] [--only model,spec] [--list]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';

import { REPO_ROOT, isMain, repoPath, run, runCli } from './lib/common.mjs';

const BUILD_DIR = 'build/fuzz';
const COMPILER = 'clang++-14';

// Per-input limits: a run slower or hungrier than this is a finding too. The
// engine's own budget is 1 GiB of network floats, so 2 GiB in one malloc
// means a check is missing; timeouts are generous for a loaded 2-core machine.
const LIBFUZZER_FLAGS = ['-timeout=25', '-rss_limit_mb=3072', '-malloc_limit_mb=2048', '-print_final_stats=1'];

export const targetNames = () =>
  readdirSync(repoPath('tests/fuzz'))
    .filter((f) => /^fuzz_\w+\.cpp$/.test(f))
    .map((f) => f.slice(0, -4))
    .sort();

export async function buildFuzzers(targets) {
  if (!existsSync(repoPath(BUILD_DIR, 'build.ninja'))) {
    await run('cmake', ['-S', '.', '-B', BUILD_DIR, '-G', 'Ninja', '-DCNN_FUZZ=ON', `-DCMAKE_CXX_COMPILER=${COMPILER}`,
                        '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
  }
  await run('ninja', ['-C', BUILD_DIR, ...targets]);
}

// libFuzzer's own figures from its output: executions ("stat::number_of_
// executed_units: N", else the last "#N DONE/pulse/NEW" line), corpus size,
// and what a crash left behind.
export function parseLibFuzzer(output) {
  const stat = output.match(/stat::number_of_executed_units:\s*(\d+)/);
  const lines = [...output.matchAll(/^#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)\b.*?corp: (\d+)/gm)];
  const last = lines.at(-1);
  const artifacts = [...output.matchAll(/Test unit written to (\S+)/g)].map((m) => m[1]);
  const reason = output.match(/^(?:==\d+==\s*)?(ERROR: .*|SUMMARY: .*|fuzz invariant broken: .*)$/m)?.[1] ?? null;
  return {
    executions: stat ? Number(stat[1]) : last ? Number(last[1]) : 0,
    corpus: last ? Number(last[2]) : null,
    artifacts,
    reason,
  };
}

function runTarget(name, seconds) {
  return new Promise((resolve) => {
    const args = [
      `-max_total_time=${seconds}`,
      ...LIBFUZZER_FLAGS,
      `-artifact_prefix=${BUILD_DIR}/artifacts/${name}-`,
      `${BUILD_DIR}/corpus/${name}`,  // first: where new inputs are written
      `tests/fuzz/corpus/${name}`,
    ];
    const started = performance.now();
    const child = spawn(repoPath(BUILD_DIR, name), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', (e) => resolve({ name, code: null, output: `${e.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) =>
      resolve({ name, code: signal ? signal : code, output, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

const grouped = (n) => n.toLocaleString('en-US');

// Builds and runs the targets; returns true when none crashed.
export async function fuzz({ seconds = 60, only = [] } = {}) {
  const all = targetNames();
  const targets = only.length ? all.filter((t) => only.some((o) => t.includes(o))) : all;
  if (!targets.length) throw new Error(`no fuzz target matches ${only.join(', ')} (known: ${all.join(', ')})`);
  await buildFuzzers(targets);
  for (const dir of ['artifacts', ...targets.map((t) => `corpus/${t}`)])
    await mkdir(repoPath(BUILD_DIR, dir), { recursive: true });

  console.log(`\nfuzz: ${targets.length} targets, ${seconds} s each`);
  const header = ['target'.padEnd(16), 'executions'.padStart(12), 'exec/s'.padStart(9), 'crashes'.padStart(8)];
  console.log(`${header.join(' ')} ${'corpus'.padStart(7)}`);
  let executions = 0;
  let crashed = 0;
  for (const name of targets) {
    const r = await runTarget(name, seconds);
    const p = parseLibFuzzer(r.output);
    const crash = r.code !== 0;
    executions += p.executions;
    crashed += crash ? 1 : 0;
    const rate = p.executions / Math.max(1, seconds);
    console.log(
      `${name.padEnd(16)} ${grouped(p.executions).padStart(12)} ${grouped(Math.round(rate)).padStart(9)} ` +
        `${String(crash ? 1 : 0).padStart(8)} ${String(p.corpus ?? '?').padStart(7)}`,
    );
    if (crash) {
      // The report's head: what broke and where the reproducer is.
      console.log(`  ${name} stopped (exit ${r.code}): ${p.reason ?? 'no sanitizer report'}`);
      for (const a of p.artifacts)
        console.log(`  reproduce: ${BUILD_DIR}/${a.split(`${BUILD_DIR}/`).pop()} → ${repoPath(BUILD_DIR, name)} ${a}`);
      const report = r.output.split('\n').filter((l) => /^\s+#\d+ /.test(l)).slice(0, 8);
      for (const l of report) console.log(`  ${l.trim()}`);
    }
  }
  // Last line, read by tools/test.mjs (parseFuzzSummary).
  console.log(`fuzz: ${targets.length - crashed} targets clean, ${crashed} crashed, ${grouped(executions)} executions`);
  return crashed === 0;
}

// For the test runner: clean targets count as passed, crashed ones as failed.
export function parseFuzzSummary(output) {
  const m = [...output.matchAll(/^fuzz: (\d+) targets clean, (\d+) crashed/gm)].at(-1);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}

const USAGE = 'node tools/fuzz.mjs [--seconds N] [--only a,b] [--list]';

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const options = { seconds: 60, only: [] };
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--seconds') options.seconds = Number(args[++i]);
      else if (args[i] === '--only') options.only = (args[++i] ?? '').split(',').filter(Boolean);
      else if (args[i] === '--list') return console.log(targetNames().join('\n'));
      else throw new Error(`unknown argument '${args[i]}' (usage: ${USAGE})`);
    }
    if (!(Number.isInteger(options.seconds) && options.seconds > 0))
      throw new Error('--seconds needs a whole number > 0');
    if (!(await fuzz(options))) process.exitCode = 1;
  });
}
