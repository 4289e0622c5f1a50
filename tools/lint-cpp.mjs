// Checks that the C++ sources (src/, wasm/, tests/native/, tests/fuzz/) are
// formatted as .clang-format says: runs `clang-format --dry-run --Werror`
// over them and exits non-zero on any difference, printing clang-format's own
// report of where. --fix rewrites the files instead (clang-format -i).
// clang-format 14 (Debian's) is what the config was written for: a newer one
// may move a line or two, so it is preferred when both are installed.
//
//   node tools/lint-cpp.mjs [--fix]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { isMain, repoPath, runCli } from './lib/common.mjs';

export const FOLDERS = ['src', 'wasm', 'tests/native', 'tests/fuzz'];
const EXTENSIONS = /\.(cpp|h)$/;
const SKIP = new Set(['corpus']); // tests/fuzz/corpus: fuzzer inputs, not code

// Every C++ file under the folders, as repository-relative paths, sorted.
export function cppFiles(folders = FOLDERS) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(join(dir, entry.name));
      } else if (EXTENSIONS.test(entry.name)) {
        found.push(relative(repoPath(), join(dir, entry.name)));
      }
    }
  };
  for (const folder of folders) walk(repoPath(folder));
  return found.sort();
}

function findClangFormat() {
  for (const cmd of ['clang-format-14', 'clang-format']) {
    const probe = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return { cmd, version: probe.stdout.trim() };
  }
  throw new Error('clang-format not found: apt-get install clang-format');
}

export async function lintCpp(args = []) {
  const unknown = args.filter((a) => a !== '--fix');
  if (unknown.length) {
    throw new Error(`unknown arguments: ${unknown.join(' ')} (usage: node tools/lint-cpp.mjs [--fix])`);
  }
  const fix = args.includes('--fix');
  const { cmd, version } = findClangFormat();
  const files = cppFiles();
  console.log(`lint-cpp: ${files.length} files in ${FOLDERS.join(', ')} (${version})`);
  // Run from the root, so clang-format finds .clang-format and reports relative paths.
  const result = spawnSync(cmd, fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files], { cwd: repoPath(),
    stdio: 'inherit' });
  if (result.error) throw new Error(`${cmd}: ${result.error.message}`);
  if (result.status !== 0) {
    if (fix) throw new Error(`${cmd} -i failed (exit ${result.status})`);
    throw new Error(
      'C++ formatting differs from .clang-format (above); `node tools/lint-cpp.mjs --fix` rewrites the files',
    );
  }
  console.log(fix ? 'lint-cpp: formatted' : 'lint-cpp: ok');
}

if (isMain(import.meta.url)) runCli(lintCpp);
