// The engine's native build: `build/native/cnn bench --json` (src/cli/bench.cpp)
// with this run's protocol, its JSON read from the last line of its output.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { repoPath } from '../tools/lib/common.mjs';
import { fromEngineJson } from './protocol.mjs';

const CLI = repoPath('build/native/cnn');

const batchesOf = (protocol, mode) => protocol.configs.filter((c) => c.mode === mode).map((c) => c.batch).join(',');

// Resolves to the CLI's last line of output.
function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      // Its summary lines are progress; the per-layer tables and the JSON are for the report.
      if (/^(train|infer) /.test(line)) console.error(`  ${line}`);
      if (line.trim()) last = line;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(last) : reject(new Error(`${CLI} bench exited with ${code}`))));
  });
}

export async function run(protocol) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build -- --native'`);
  const args = ['bench', '--json', '--warmup', protocol.warmup, '--seconds', protocol.seconds,
    '--repeats', protocol.repeats,
    '--train-batches', batchesOf(protocol, 'train'), '--infer-batches', batchesOf(protocol, 'infer')];
  if (protocol.quick) args.push('--quick');
  const json = JSON.parse(await runCli(args.map(String)));
  return {
    detail: `build/native/cnn, ${json.simd ? 'SIMD' : 'scalar'} kernels, 1 thread`,
    peak_gflops: json.peak_gflops,
    results: json.results.map(fromEngineJson),
  };
}
