// tools/build-site.mjs without a browser: what dist/ holds (both engine builds, the data, the model, the
// service worker with this build's hashes; not the dev pages or the benchmark builds), relative URLs
// only, and a build id that names the content. tests/browser/site.test.mjs serves it in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { collectSite } from '../../tools/build-site.mjs';

const { files, site } = await collectSite();
const paths = Object.keys(files);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('dist/ holds the page, both engine builds, the data and the model; not the dev pages', () => {
  for (const path of ['index.html', 'sw.js', 'app/main.js', 'worker/main.js', 'vendor/uPlot.esm.js',
    'engine/cnn-simd.mjs', 'engine/cnn-simd.wasm', 'engine/cnn-scalar.mjs', 'engine/cnn-scalar.wasm',
    'data/mnist/train-images.png', 'data/mnist/test-labels.idx', 'models/lenet5.cnn'])
    assert.ok(paths.includes(path), path);
  assert.deepEqual(paths.filter((p) => p.startsWith('dev/') || p.includes('cnn-bench')), []);
});

test('the service worker carries every other file with its hash; the page names the build', () => {
  const worker = files['sw.js'].toString('utf8');
  const written = JSON.parse(/^const SITE = (.*);$/m.exec(worker)[1]);
  assert.deepEqual(written, site);
  assert.deepEqual(Object.keys(site.files).sort(), paths.filter((p) => p !== 'sw.js').sort());
  for (const path of Object.keys(site.files)) assert.equal(site.files[path], sha256(files[path]), path);
  const page = files['index.html'].toString('utf8');
  assert.match(page, new RegExp(`<html lang="en" data-build="${site.id}" data-built="${site.builtAt}">`));
  assert.match(site.id, /^[0-9a-f]{12}$/);
  assert.equal(new Uint8Array(site.simdProbe).length, 29, 'the SIMD probe module, for the engine choice');
});

test('every URL in the page is relative, so any sub-path works', () => {
  const page = files['index.html'].toString('utf8');
  const urls = [...page.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(urls.length >= 4, urls.join(' '));
  assert.deepEqual(urls.filter((u) => u.startsWith('/') || /^https?:/.test(u)), []);
  const scripts = paths.filter((p) => /\.(m?js)$/.test(p) && !p.startsWith('engine/') && !p.startsWith('vendor/'));
  for (const path of scripts) {
    const text = files[path].toString('utf8');
    assert.doesNotMatch(text, /(?:import|from|fetch\(|new URL\()\s*['"`]\//, `${path} uses a root-relative URL`);
  }
});

// (A changed file giving a new id is checked by the browser test's update.)
test('the same files give the same build id: a rebuild is no update', async () => {
  assert.equal((await collectSite()).site.id, site.id);
});
