// Gets a fresh Debian 12 machine (Node 20 + npm) ready to build, serve and
// test: Debian packages, node_modules, the page's vendored files and the
// prepared data sets. Each part checks first and does nothing when already
// done, so `npm start` / `npm test` can call it every time (~0.1 s).
//
//   node tools/prepare.mjs        or   import { prepare } from './prepare.mjs'
//   node tools/prepare.mjs --force-data   converts the data sets even when they
//                                         are up to date (`npm run prepare-data`)
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { isMain, isStale, mtimeMs, repoPath, run, runCli, showCommand } from './lib/common.mjs';
import { PENDIGITS_SOURCE, dataOutputs, prepareData } from './prepare-data.mjs';

// What the build, the tests and the data need from Debian (see TOOLCHAIN.md).
export const APT_PACKAGES = [
  'emscripten', // emcc 3.1.6 + Embind: the wasm build
  'libstb-dev', // stb_image: PNG decoding in the engine
  'doctest-dev', // the native and wasm C++ test suites
  'ninja-build',
  'cmake',
  'g++',
  'clang-14', // sanitizer and fuzz builds
  'libclang-rt-14-dev',
  'chromium', // browser tests
  'firefox-esr', // the browser tests' core, in Firefox too (WebDriver BiDi)
  'dataset-fashion-mnist', // the second data set, offline
];

// Debian packages from `packages` that are not installed, with one dpkg-query
// call; null when this is not a dpkg system.
export function missingAptPackages(packages = APT_PACKAGES) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Status}\n', ...packages], { encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') return null;
  if (r.error) throw r.error;
  // Exit status 1 only means some names are unknown to dpkg: they count as missing.
  const installed = new Set(
    r.stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  return packages.filter((p) => !installed.has(p));
}

function canSudo() {
  const r = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export async function ensureAptPackages({ log = console.log, packages = APT_PACKAGES } = {}) {
  const missing = missingAptPackages(packages);
  if (missing === null) {
    log(`prepare: dpkg-query not found (not Debian?): make sure these are installed: ${packages.join(' ')}`);
    return;
  }
  if (missing.length === 0) return;
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  const isRoot = process.getuid?.() === 0;
  // With sudo, `env` carries DEBIAN_FRONTEND through sudo's environment reset.
  const prefix = isRoot ? [] : canSudo() ? ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'] : null;
  if (prefix === null) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}\n` +
        `Install them (needs root), then run this again:\n\n` +
        `  sudo apt-get update && sudo ${showCommand('apt-get', install)}\n`,
    );
  }
  log(`prepare: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    prefix.length ? run(prefix[0], [...prefix.slice(1), 'apt-get', ...args], { env }) : run('apt-get', args, { env });
  await apt(['update']);
  await apt(install);
  const still = missingAptPackages(packages);
  if (still?.length) throw new Error(`apt-get finished but these are still not installed: ${still.join(' ')}`);
}

// `npm ci` when node_modules is missing or older than package-lock.json
// (npm writes node_modules/.package-lock.json at the end of every install).
export async function ensureNodeModules({ log = console.log } = {}) {
  const installed = await mtimeMs(repoPath('node_modules', '.package-lock.json'));
  const lock = await mtimeMs(repoPath('package-lock.json'));
  if (lock === null) throw new Error('package-lock.json is missing: the repository is incomplete');
  if (installed !== null && installed >= lock) return;
  log(installed === null ? 'prepare: node_modules missing' : 'prepare: package-lock.json is newer than node_modules');
  await run('npm', ['ci', '--no-audit', '--no-fund']);
}

// umap-js ships CommonJS and a UMD bundle, no ES module: the bundle, given
// a `module` to fill, becomes one the worker can import (no eval, no loader).
const umdAsModule = (text, name) =>
  `// ${name} from npm, wrapped as an ES module by tools/prepare.mjs\n` +
  `const module = { exports: {} };\nconst exports = module.exports;\n${text}\n` +
  `export const { ${name} } = module.exports;\n`;

// Files the page imports from npm packages, copied into web/vendor/ (not committed),
// some changed on the way ({ source, name, transform }).
export const VENDOR_FILES = [
  repoPath('node_modules', 'uplot', 'dist', 'uPlot.esm.js'),
  repoPath('node_modules', 'uplot', 'dist', 'uPlot.min.css'),
  {
    source: repoPath('node_modules', 'umap-js', 'lib', 'umap-js.min.js'),
    name: 'umap-js.mjs',
    transform: (text) => umdAsModule(text, 'UMAP'),
  },
];

export async function ensureVendorFiles({ log = console.log } = {}) {
  const dir = repoPath('web', 'vendor');
  for (const entry of VENDOR_FILES) {
    const { source, name = basename(source), transform = (text) => text } =
      typeof entry === 'string' ? { source: entry } : entry;
    const target = `${dir}/${name}`;
    if (!(await isStale([target], [source, repoPath('tools', 'prepare.mjs')]))) continue;
    if ((await mtimeMs(source)) === null) throw new Error(`${source} not found: run \`npm ci\``);
    await mkdir(dir, { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(temp, transform(await readFile(source, 'latin1')), 'latin1');
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
    log(`prepare: copied ${basename(source)} into web/vendor/${name}`);
  }
}

// Data sets are rebuilt when missing or older than the converter.
export async function ensureData({ log = console.log, force = false } = {}) {
  const converter = [repoPath('tools', 'prepare-data.mjs'), repoPath('tools', 'lib', 'png.mjs'),
    repoPath('web', 'app', 'preprocess.js'), PENDIGITS_SOURCE];
  if (!force && !(await isStale(dataOutputs(), converter))) return;
  log('prepare: preparing data sets in web/data/');
  await prepareData({ log });
}

export async function prepare({ log = console.log, forceData = false } = {}) {
  const started = performance.now();
  await ensureAptPackages({ log });
  await ensureNodeModules({ log });
  await ensureVendorFiles({ log });
  await ensureData({ log, force: forceData });
  log(`prepare: ready (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const unknown = args.filter((a) => a !== '--force-data');
    if (unknown.length)
      throw new Error(`unknown arguments: ${unknown.join(' ')} (usage: node tools/prepare.mjs [--force-data])`);
    await prepare({ forceData: args.includes('--force-data') });
  });
}
