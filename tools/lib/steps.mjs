// The test runner's machinery: run a list of steps (each a command with an
// optional parser for its test counts), stream their output, then print a
// summary table and the totals. tools/test.mjs holds the list itself.
//
// A step is { name, command, parse?, after?, timeoutSeconds? }:
//   command  [program, ...args], or a function returning one (evaluated when
//            the step starts, e.g. to glob test files that an earlier step made)
//   parse    output -> { passed, failed } or null when no counts are found;
//            a step with a parser that finds no counts fails (it ran nothing)
//   after    names of steps that must have succeeded; otherwise it is skipped
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

import { REPO_ROOT, repoPath, showCommand } from './common.mjs';

// doctest: "[doctest] test cases: 12 | 11 passed | 1 failed | 0 skipped"
const DOCTEST_SUMMARY = /\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/g;
export function parseDoctest(output) {
  const matches = [...stripVTControlCharacters(output).matchAll(DOCTEST_SUMMARY)];
  if (!matches.length) return null;
  const [, , passed, failed] = matches.at(-1);
  return { passed: Number(passed), failed: Number(failed) };
}

// node --test, TAP reporter ("# pass 5") or spec reporter ("ℹ pass 5").
// Cancelled tests (a timeout, a failing hook) count as failed.
export function parseNodeTest(output) {
  const text = stripVTControlCharacters(output);
  const count = (word) => {
    const matches = [...text.matchAll(new RegExp(`^(?:#|ℹ) ${word} (\\d+)\\s*$`, 'gm'))];
    return matches.length ? Number(matches.at(-1)[1]) : null;
  };
  const passed = count('pass');
  const failed = count('fail');
  if (passed === null || failed === null) return null;
  return { passed, failed: failed + (count('cancelled') ?? 0) };
}

// Test files under a folder of the repository, sorted: we glob ourselves
// rather than trust the shell (or node's folder rules, which take helpers too).
export function testFiles(folder, suffix = '.test.mjs') {
  let names;
  try {
    names = readdirSync(repoPath(folder));
  } catch (e) {
    if (e.code === 'ENOENT') names = [];
    else throw e;
  }
  const files = names.filter((n) => n.endsWith(suffix)).sort().map((n) => `${folder}/${n}`);
  if (!files.length) throw new Error(`no *${suffix} files in ${folder}/`);
  return files;
}

// Runs one command, echoing its output as it comes and keeping it for the parser.
function runCommand(argv, { timeoutSeconds }) {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = timeoutSeconds
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, timeoutSeconds * 1000)
      : null;
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, output, error: e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const error = timedOut
        ? `timed out after ${timeoutSeconds} s`
        : code !== 0
          ? signal
            ? `killed by ${signal}`
            : `exit status ${code}`
          : null;
      resolve({ code, output, error });
    });
  });
}

// Runs a step; returns { name, status: 'ok'|'failed'|'skipped', passed, failed, seconds, note }.
export async function runStep(step, finished) {
  const result = { name: step.name, status: 'ok', passed: null, failed: null, seconds: 0, note: '' };
  const blocker = (step.after ?? []).find((name) => finished.has(name) && finished.get(name).status !== 'ok');
  if (blocker) return { ...result, status: 'skipped', note: `needs '${blocker}'` };

  const banner = `━━ ${step.name} `;
  console.log(`\n${banner}${'━'.repeat(Math.max(4, 72 - banner.length))}`);
  const started = performance.now();
  let argv;
  try {
    argv = typeof step.command === 'function' ? step.command() : step.command;
  } catch (e) {
    return { ...result, status: 'failed', note: e.message };
  }
  console.log(`$ ${showCommand(argv[0], argv.slice(1))}`);
  const { output, error } = await runCommand(argv, step);
  result.seconds = (performance.now() - started) / 1000;

  const counts = step.parse ? step.parse(output) : null;
  if (counts) Object.assign(result, counts);
  const problems = [];
  if (error) problems.push(error);
  if (step.parse && !counts) problems.push('no test counts in its output');
  if (counts?.failed > 0) problems.push(`${counts.failed} failed`);
  if (problems.length) Object.assign(result, { status: 'failed', note: problems.join('; ') });
  return result;
}

// Runs the steps in order (each after its `after` steps) and prints the summary.
// Returns the totals; any failed or skipped step makes `ok` false.
export async function runSteps(steps) {
  const finished = new Map();
  for (const step of steps) {
    finished.set(step.name, await runStep(step, finished));
  }
  const results = [...finished.values()];
  // A step that failed without failing a counted test (a build, a crash)
  // still counts once, so the totals never read "0 failed" after a failure.
  const passed = results.reduce((n, r) => n + (r.passed ?? 0), 0);
  const failed = results.reduce((n, r) => n + (r.failed ?? 0) + (r.status === 'failed' && !(r.failed > 0) ? 1 : 0), 0);
  const ok = results.every((r) => r.status === 'ok');
  printSummary(results, { passed, failed });
  return { ok, passed, failed, results };
}

function printSummary(results, totals) {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const num = (v) => String(v ?? '-').padStart(7);
  const row = (name, status, passed, failed, time, note = '') =>
    `${name.padEnd(width)}  ${status.padEnd(7)} ${num(passed)} ${num(failed)} ${time.padStart(8)}  ${note}`.trimEnd();
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  console.log(`\n${'━'.repeat(72)}`);
  console.log(row('step', 'status', 'passed', 'failed', 'seconds'));
  for (const r of results) {
    const time = r.status === 'skipped' ? '-' : r.seconds.toFixed(1);
    console.log(row(r.name, r.status === 'failed' ? 'FAILED' : r.status, r.passed, r.failed, time, r.note));
  }
  console.log(row('total', '', totals.passed, totals.failed, seconds.toFixed(1)));
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
}
