// Every npm script prepares what it needs (issue #10): in a fresh clone
// `npm run train` must not fail for want of web/data or a build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { REPO_ROOT, repoPath } from '../../tools/lib/common.mjs';
import { linters } from '../../tools/lint.mjs';
import { SCRIPTS, plan } from '../../tools/run.mjs';
import { targetNames } from '../../tools/fuzz.mjs';

const node = process.execPath;
const { scripts } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));

test('each npm script goes through something that prepares', () => {
  // These entries call prepare themselves (lint only needs node_modules).
  const own = {
    start: 'node tools/start.mjs',
    test: 'node tools/test.mjs',
    lint: 'node tools/lint.mjs',
    'prepare-data': 'node tools/prepare.mjs --force-data',
  };
  for (const [name, command] of Object.entries(scripts)) {
    assert.equal(command, own[name] ?? `node tools/run.mjs ${name}`, name);
    if (!own[name]) assert.ok(SCRIPTS[name], `tools/run.mjs knows '${name}'`);
  }
  const missing = Object.keys(SCRIPTS).filter((s) => !scripts[s]);
  assert.deepEqual(missing, [], 'no script in run.mjs is missing from package.json');
});

test('train prepares, builds the native CLI, then runs it with the given arguments', () => {
  assert.deepEqual(plan('train', ['--epochs', '1', '--json']), [
    [node, 'tools/prepare.mjs'],
    [node, 'tools/build.mjs', '--native'],
    ['build/native/cnn', 'train', '--epochs', '1', '--json'],
  ]);
  assert.deepEqual(plan('bench', ['--quick'])[1], [node, 'tools/build.mjs', '--native', '--wasm']);
  const fuzz = [[node, 'tools/prepare.mjs'], [node, 'tools/fuzz.mjs']];
  assert.deepEqual(plan('fuzz'), fuzz, 'fuzz builds its own targets');
  assert.throws(() => plan('deploy'), /unknown script 'deploy' \(known: train, /);
});

test('the script gets stdout to itself and its exit code is returned', () => {
  const run = (...args) => spawnSync(node, ['tools/run.mjs', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  const listed = run('fuzz', '--list');
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(listed.stdout, `${targetNames().join('\n')}\n`, 'preparation printed nothing on stdout');
  assert.match(listed.stderr, /prepare: ready/);
  const refused = run('fuzz', '--no-such-option');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /unknown argument '--no-such-option'/);
  assert.equal(run('deploy').status, 2);
});

test('npm run lint runs eslint, and tools/lint-cpp.mjs once that file exists', () => {
  const without = linters([], { cppLinter: repoPath('tools', 'no-such-linter.mjs') });
  assert.deepEqual(without.map(([name]) => name), ['eslint']);
  const [eslint, cpp] = linters(['--fix'], { cppLinter: repoPath('tools', 'lint.mjs') }); // any file that exists
  assert.deepEqual(eslint[1].slice(-2), [repoPath('node_modules', 'eslint', 'bin', 'eslint.js'), '--fix']);
  assert.deepEqual(cpp, ['lint-cpp', [node, repoPath('tools', 'lint.mjs')]]);
  assert.equal(linters()[0][1].at(-1), '.', 'the whole repository by default');
});
