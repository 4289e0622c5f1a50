// `npm run bench`: LeNet-5 training throughput (forward + backward + SGD
// momentum update) at batch 1 and 32 and inference throughput at batch 1 and
// 64, in one run, for this engine (wasm SIMD and scalar in Node, native, wasm
// SIMD in headless Chromium) and its peers (TF.js wasm and cpu, ConvNetJS).
// Each system runs in a child process of its own, one after another
// (bench/systems.mjs lists them). Prints tables: medians, the engine's ratio
// to each peer, its per-layer split, conv GFLOP/s against the measured peak,
// issue #4's goals; with --json, one JSON object as the last line
// (bench/report.mjs says what is in it). Exits non-zero only if a system
// failed to run: a missed goal is a figure to read, not an error.
//
//   node bench/run.mjs [--json] [--quick] [--only key,…]      (~4 min; --quick ~1 min)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';

import { CHROMIUM_PATH } from '../tests/browser/browser.mjs';
import { isMain, repoPath, runCli } from '../tools/lib/common.mjs';
import { protocolFor } from './protocol.mjs';
import { formatSummary, summarize } from './report.mjs';
import { SYSTEMS, selectSystems } from './systems.mjs';

const USAGE = 'usage: node bench/run.mjs [--json] [--quick] [--only key,…]  ' +
  `(keys: ${SYSTEMS.map((s) => s.key).join(', ')})`;

function machine() {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  let chromium;
  try {
    chromium = execFileSync(CHROMIUM_PATH, ['--version'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    chromium = `no Chromium at ${CHROMIUM_PATH}`;
  }
  return { cpu, cores: availableParallelism(), node: process.version, chromium };
}

// Which code was measured: the commit, and whether src/ or wasm/ differed from it.
function source() {
  const git = (...args) => execFileSync('git', args, {
    cwd: repoPath(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      engine_modified: git('status', '--porcelain', '--', 'src', 'wasm') !== '',
    };
  } catch {
    return { commit: null, engine_modified: null };
  }
}

const load = () => loadavg().map((x) => Number(x.toFixed(2)));

// CPU clock ticks so far: the whole machine's (busy, total) from /proc/stat and
// this process tree's own (it waits for every child, so theirs are included).
function cpuTicks() {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  const own = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
  return { busy: total - idle - iowait, total, own: own.reduce((a, b) => a + b, 0) };
}

// The share of the machine's CPU that other processes used between two
// cpuTicks(): how quiet the run was (on 2 cores, one busy neighbour is 0.5).
function othersShare(before, after) {
  const others = after.busy - before.busy - (after.own - before.own);
  return Number(Math.max(0, others / (after.total - before.total)).toFixed(3));
}

// One system in its own process: resolves to its report ({error} if it failed).
function runSystem(system, protocol) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('bench/run-system.mjs'), system.key, JSON.stringify(protocol)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim()) last = line;
    });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', (code, signal) => {
      try {
        resolve(JSON.parse(last));
      } catch {
        resolve({ error: `its process ended (${signal ?? `exit ${code}`}) without a report` });
      }
    });
  });
}

export async function bench({ quick = false, only = null } = {}) {
  const systems = selectSystems(only);
  const protocol = protocolFor({ quick });
  const info = { ...machine(), ...source(), load_before: load() };
  const ticks = cpuTicks();
  const reports = {};
  for (const system of systems) {
    console.error(`\n== ${system.label} (${system.key})`);
    const started = performance.now();
    reports[system.key] = await runSystem(system, protocol);
    console.error(`   ${reports[system.key].error ? `failed: ${reports[system.key].error}` : 'done'} ` +
      `in ${((performance.now() - started) / 1e3).toFixed(1)} s`);
  }
  return summarize(reports, {
    protocol,
    machine: { ...info, load_after: load(), others_cpu_share: othersShare(ticks, cpuTicks()) },
  });
}

function parseArgs(args) {
  const options = { json: false, quick: false, only: null };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') options.json = true;
    else if (args[i] === '--quick') options.quick = true;
    else if (args[i] === '--only' && args[i + 1]) options.only = args[++i];
    else if (args[i] === '--help' || args[i] === '-h') return null;
    else throw new Error(`unknown argument '${args[i]}'\n${USAGE}`);
  }
  return options;
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const options = parseArgs(args);
    if (!options) return console.log(USAGE);
    const summary = await bench(options);
    console.log(`\n${formatSummary(summary)}`);
    if (options.json) console.log(JSON.stringify(summary));
    if (Object.keys(summary.errors).length) process.exitCode = 1;
  });
}
