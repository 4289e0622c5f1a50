// `npm run build:site`: the playground as a static site in dist/ — the page, both engine builds (SIMD and
// scalar), the prepared data sets, the shipped models and the service worker (web/sw.js) with this build's
// file list and hashes written into it. Every URL in the page is relative, so dist/ copied to any static
// host works under any sub-path, with no special headers (the service worker adds the isolation headers).
// Scripts and styles are minified (esbuild). The dev pages (web/dev/) and the benchmark engine builds stay
// out. It reads only web/ and writes only the output folder, which it replaces whole (built beside it, then
// renamed).
//
//   node tools/build-site.mjs [--out dist]          (npm run build:site prepares and builds the wasm first)
import { createHash } from 'node:crypto';
import { transform } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import { REPO_ROOT, isMain, repoPath, runCli } from './lib/common.mjs';
import { SIMD_PROBE } from '../web/worker/engine.js';

const WEB = repoPath('web');

// Files of web/ that are not part of the site.
const LEFT_OUT = [/^dev\//, /^engine\/cnn-bench-/, /\.tmp-\d+$/];

// The files the page cannot work without: a clear error names what to run.
const REQUIRED = {
  'engine/cnn-simd.wasm': 'node tools/build.mjs --wasm',
  'engine/cnn-scalar.wasm': 'node tools/build.mjs --wasm',
  'data/mnist/train-images.png': 'npm run prepare-data',
  'data/mnist/test-images.png': 'npm run prepare-data',
  'models/lenet5.cnn': 'git checkout web/models (the shipped models are committed)',
  'models/fashion-mnist.cnn': 'git checkout web/models (the shipped models are committed)',
  'vendor/uPlot.esm.js': 'node tools/prepare.mjs',
};

// Where the build's facts go: the line web/sw.js has for them, and the page's <html> tag.
const SW_SITE_LINE = 'const SITE = null;';
const HTML_TAG = '<html lang="en">';

async function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const info = entry.isSymbolicLink() ? await stat(full) : entry; // a linked file or folder counts as itself
    if (info.isDirectory()) out.push(...(await listFiles(full, base)));
    else if (info.isFile()) out.push(relative(base, full).split(sep).join('/'));
  }
  return out.sort();
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// The page's modules, the engine's loader, uPlot and the styles, minified file by file (no bundling: every
// module keeps its own relative URL): a first visit downloads about half the script bytes. Licence comments
// stay. sw.js is left as written: the build fills in its SITE line.
const MINIFIED = /\.(m?js|css)$/;
async function minified(path, bytes) {
  if (!MINIFIED.test(path) || path === 'sw.js') return bytes;
  const loader = path.endsWith('.css') ? 'css' : 'js';
  const { code } = await transform(bytes.toString('utf8'), { loader, minify: true, legalComments: 'inline' });
  return Buffer.from(code);
}

// Replaces `marker` (which must be there exactly once) in a text file.
function replaceOnce(text, marker, replacement, file) {
  if (text.split(marker).length !== 2) throw new Error(`${file}: expected one '${marker}' to fill in`);
  return text.replace(marker, () => replacement);
}

// Reads web/, fills in the build's facts; resolves with { files: { path: Buffer }, site }.
export async function collectSite({ root = WEB } = {}) {
  for (const [path, fix] of Object.entries(REQUIRED))
    if (!existsSync(join(root, path))) throw new Error(`web/${path} is missing: run \`${fix}\` first`);
  const paths = (await listFiles(root)).filter((p) => !LEFT_OUT.some((re) => re.test(p)));
  const files = {};
  let newest = 0;
  for (const path of paths) {
    files[path] = await minified(path, await readFile(join(root, path)));
    newest = Math.max(newest, (await stat(join(root, path))).mtimeMs);
  }
  const hashes = Object.fromEntries(paths.map((p) => [p, sha256(files[p])]));
  // The id names the content: the same files give the same id, so a rebuild is no "update".
  const id = sha256(paths.map((p) => `${p} ${hashes[p]}\n`).join('')).slice(0, 12);
  const builtAt = new Date(newest).toISOString();

  const page = replaceOnce(
    files['index.html'].toString('utf8'),
    HTML_TAG,
    `<html lang="en" data-build="${id}" data-built="${builtAt}">`,
    'web/index.html',
  );
  files['index.html'] = Buffer.from(page);
  hashes['index.html'] = sha256(files['index.html']);
  delete hashes['sw.js']; // the worker script itself is fetched by the browser, never from the cache
  const site = { id, builtAt, simdProbe: [...SIMD_PROBE], files: hashes };
  const worker = replaceOnce(
    files['sw.js'].toString('utf8'),
    SW_SITE_LINE,
    `const SITE = ${JSON.stringify(site)};`,
    'web/sw.js',
  );
  files['sw.js'] = Buffer.from(worker);
  return { files, site };
}

export async function buildSite({ out = 'dist', root = WEB, log = console.log } = {}) {
  const outDir = isAbsolute(out) ? out : resolve(REPO_ROOT, out);
  if (outDir === resolve(root) || resolve(root).startsWith(outDir + sep))
    throw new Error(`--out ${out} would overwrite the sources`);
  const { files, site } = await collectSite({ root });
  const temp = `${outDir}.tmp-${process.pid}`;
  await rm(temp, { recursive: true, force: true });
  try {
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(dirname(join(temp, path)), { recursive: true });
      await writeFile(join(temp, path), bytes);
    }
    await rm(outDir, { recursive: true, force: true });
    await rename(temp, outDir);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  const bytes = Object.values(files).reduce((sum, b) => sum + b.length, 0);
  const shown = relative(process.cwd(), outDir) || '.';
  log(`build:site: ${Object.keys(files).length} files, ${(bytes / 1e6).toFixed(1)} MB in ${shown}/ ` +
    `(version ${site.id}); copy it to any static host, e.g. python3 -m http.server -d ${shown}`);
  return { outDir, site };
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const options = {};
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--out' && args[i + 1]) options.out = args[++i];
      else throw new Error(`unknown argument ${args[i]} (usage: node tools/build-site.mjs [--out DIR])`);
    }
    await buildSite(options);
  });
}
