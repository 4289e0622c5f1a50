// `npm run lint`: ESLint over the project's JavaScript (rules and folders in
// eslint.config.js), then tools/lint-cpp.mjs, the C++ format check, when that
// file exists. Both run even if the first fails, so one run shows every
// problem; exits non-zero if either found one.
//
//   node tools/lint.mjs [eslint arguments…]      e.g. --fix, or some files (default: .)
import { existsSync } from 'node:fs';

import { isMain, repoPath, run, runCli } from './lib/common.mjs';
import { ensureNodeModules } from './prepare.mjs';

const node = process.execPath;

// The linters to run: [name, argv], the C++ one only where it exists.
export function linters(args = [], { cppLinter = repoPath('tools', 'lint-cpp.mjs') } = {}) {
  const eslint = [node, repoPath('node_modules', 'eslint', 'bin', 'eslint.js'), ...(args.length ? args : ['.'])];
  const list = [['eslint', eslint]];
  if (existsSync(cppLinter)) list.push(['lint-cpp', [node, cppLinter]]);
  return list;
}

export async function lint(args = []) {
  await ensureNodeModules();
  const failed = [];
  for (const [name, [cmd, ...rest]] of linters(args)) {
    try {
      await run(cmd, rest);
      console.log(`lint: ${name} clean`);
    } catch (e) {
      console.error(`lint: ${name} found problems (${e.message})`);
      failed.push(name);
    }
  }
  if (failed.length) throw new Error(`lint failed: ${failed.join(', ')}`);
}

if (isMain(import.meta.url)) runCli((args) => lint(args));
