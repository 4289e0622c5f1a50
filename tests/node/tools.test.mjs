// Tests of the project's own tooling (tools/): the static server the page and
// the browser tests use, the PNG encoder and IDX checks behind web/data, and
// the parsers that turn test output into the totals `npm test` prints, and
// which files the C++ format check covers.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';

import { makeSprite, parseIdxImages, parseIdxLabels } from '../../tools/prepare-data.mjs';
import { cppFiles } from '../../tools/lint-cpp.mjs';
import { crc32, encodeGrayPng } from '../../tools/lib/png.mjs';
import { parseDoctest, parseNodeTest } from '../../tools/lib/steps.mjs';
import { resolveUrlPath, startServer } from '../../tools/serve.mjs';
import { STEPS, withPrerequisites } from '../../tools/test.mjs';

describe('tools/serve.mjs', () => {
  let dir, server, url;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-serve-test-'));
    await mkdir(join(dir, 'root', 'engine'), { recursive: true });
    await writeFile(join(dir, 'root', 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'root', 'engine', 'm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    await writeFile(join(dir, 'root', 'engine', 'm.mjs'), 'export {}');
    await writeFile(join(dir, 'root', 'a b.json'), '{}');
    await writeFile(join(dir, 'secret.txt'), 'outside the root');
    ({ server, url } = await startServer({ root: join(dir, 'root'), port: 0 }));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  // Raw paths (fetch would normalise "..").
  const get = (path, method = 'GET') =>
    new Promise((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(new URL(url), { path, method }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    });

  test('serves files with their MIME types and the isolation headers', async () => {
    for (const [path, type] of [
      ['/', 'text/html; charset=utf-8'],
      ['/engine/m.wasm', 'application/wasm'],
      ['/engine/m.mjs', 'text/javascript; charset=utf-8'],
      ['/a%20b.json', 'application/json; charset=utf-8'],
    ]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
      assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp');
      assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
    assert.match((await get('/')).body, /<title>x<\/title>/);
    const head = await get('/engine/m.wasm', 'HEAD');
    assert.equal(head.headers['content-length'], '4');
    assert.equal(head.body, '');
  });

  test('refuses paths outside the root, missing files and other methods', async () => {
    const refused = ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/engine/..%2f..%2fsecret.txt'];
    for (const path of [...refused, '/nope.js', '/%E0%A4%A', '/engine']) {
      assert.equal((await get(path)).status, 404, path);
    }
    assert.equal((await get('/', 'POST')).status, 405);
    assert.equal(resolveUrlPath('/srv/web', '/../etc/passwd'), null);
    assert.equal(resolveUrlPath('/srv/web', '/a/../../web2/x'), null);
    assert.equal(resolveUrlPath('/srv/web', '/a/../b.js'), '/srv/web/b.js');
  });

  test('a busy port is reported clearly', async () => {
    const port = Number(new URL(url).port);
    await assert.rejects(startServer({ root: join(dir, 'root'), port }), /port \d+ .*already in use/);
  });
});

// Reads back a PNG we wrote: checks every chunk's CRC and returns its pixels.
function decodeGrayPng(png) {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  const chunks = {};
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = crc32(png.subarray(offset + 4, offset + 8 + length));
    assert.equal(png.readUInt32BE(offset + 8 + length), crc, `${type} CRC`);
    chunks[type] = data;
    offset += 12 + length;
  }
  assert.ok(chunks.IEND && chunks.IHDR && chunks.IDAT);
  const width = chunks.IHDR.readUInt32BE(0);
  const height = chunks.IHDR.readUInt32BE(4);
  assert.deepEqual([...chunks.IHDR.subarray(8)], [8, 0, 0, 0, 0], 'grayscale, 8 bits, no interlace');
  const raw = inflateSync(chunks.IDAT);
  assert.equal(raw.length, (width + 1) * height);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width + 1)], 0, 'filter type 0');
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

describe('PNG encoder and IDX conversion', () => {
  test('crc32 matches the standard check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  test('a PNG decodes to the same pixels', async () => {
    const pixels = Uint8Array.from({ length: 7 * 3 }, (_, i) => (i * 37) & 255);
    const decoded = decodeGrayPng(await encodeGrayPng(7, 3, pixels));
    assert.equal(decoded.width, 7);
    assert.equal(decoded.height, 3);
    assert.deepEqual(decoded.pixels, pixels);
    await assert.rejects(encodeGrayPng(7, 3, pixels.subarray(1)), /expected 7×3 = 21 bytes, got 20/);
  });

  test('the sprite puts image i at column i%100, row i/100', () => {
    const count = 101; // two sprite rows, the second nearly empty
    const images = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) images.fill(i + 1, i * 784, (i + 1) * 784);
    const { width, height, sprite } = makeSprite(images, count);
    assert.equal(width, 2800);
    assert.equal(height, 56);
    const at = (x, y) => sprite[y * width + x];
    assert.equal(at(0, 0), 1); // image 0
    assert.equal(at(99 * 28 + 27, 27), 100); // image 99, bottom-right pixel
    assert.equal(at(0, 28), 101); // image 100 starts the second row
    assert.equal(at(28, 28), 0); // unused cells stay black
  });

  const idx3 = (count, rows = 28, cols = 28, magic = 0x803, extra = 0) => {
    const b = Buffer.alloc(16 + count * rows * cols + extra);
    b.writeUInt32BE(magic, 0);
    b.writeUInt32BE(count, 4);
    b.writeUInt32BE(rows, 8);
    b.writeUInt32BE(cols, 12);
    return b;
  };
  const idx1 = (labels, magic = 0x801) => {
    const b = Buffer.alloc(8 + labels.length);
    b.writeUInt32BE(magic, 0);
    b.writeUInt32BE(labels.length, 4);
    b.set(labels, 8);
    return b;
  };

  test('IDX headers are validated with clear errors', () => {
    assert.equal(parseIdxImages(idx3(2), 'ok').count, 2);
    assert.throws(() => parseIdxImages(idx3(2, 28, 28, 0x801), 'f'), /f: magic 0x00000801, expected 0x00000803/);
    assert.throws(() => parseIdxImages(idx3(2, 32, 32), 'f'), /images are 32×32, expected 28×28/);
    assert.throws(() => parseIdxImages(idx3(2, 28, 28, 0x803, 5), 'f'), /2 images \(1584 bytes\), the file has 1589/);
    assert.throws(() => parseIdxImages(Buffer.alloc(3), 'f'), /too short/);
    assert.deepEqual([...parseIdxLabels(idx1([3, 9]), 'ok').labels], [3, 9]);
    assert.throws(() => parseIdxLabels(idx1([3], 0x803), 'l'), /expected 0x00000801/);
    assert.throws(() => parseIdxLabels(idx1([3, 10]), 'l'), /label 1 is 10, expected 0\.\.9/);
    assert.throws(() => parseIdxLabels(idx1([1, 2]).subarray(0, 9), 'l'), /2 labels \(10 bytes\), the file has 9/);
  });
});

describe('test output parsers', () => {
  test('doctest summary', () => {
    const out =
      '...\n[doctest] test cases:  42 |  40 passed | 2 failed | 0 skipped\n' +
      '[doctest] assertions: 9 | 9 passed\n[doctest] Status: FAILURE!\n';
    assert.deepEqual(parseDoctest(out), { passed: 40, failed: 2 });
    const coloured = '\x1b[0m[doctest] test cases: 3 | 3 passed | 0 failed | 0 skipped';
    assert.deepEqual(parseDoctest(coloured), { passed: 3, failed: 0 });
    assert.equal(parseDoctest('Segmentation fault'), null);
  });

  test('node --test summary (TAP and spec reporters)', () => {
    const tap = 'ok 1 - x\n# tests 5\n# pass 4\n# fail 1\n# cancelled 0\n';
    assert.deepEqual(parseNodeTest(tap), { passed: 4, failed: 1 });
    assert.deepEqual(parseNodeTest('# pass 3\n# fail 0\n# cancelled 2\n'), { passed: 3, failed: 2 });
    assert.deepEqual(parseNodeTest('ℹ tests 2\nℹ pass 2\nℹ fail 0\n'), { passed: 2, failed: 0 });
    assert.equal(parseNodeTest('# Subtest: x\n'), null);
  });
});

describe('tools/test.mjs', () => {
  test('--only brings the steps a chosen step needs, in order', () => {
    const names = (chosen) => withPrerequisites(STEPS.filter((s) => chosen.includes(s.name))).map((s) => s.name);
    assert.deepEqual(names(['browser tests']), ['prepare', 'build wasm', 'browser tests']);
    assert.deepEqual(names(['sanitizers', 'lint']), ['prepare', 'lint', 'build sanitize', 'sanitizers']);
    assert.deepEqual(names(['prepare']), ['prepare']);
  });
});

describe('tools/lint-cpp.mjs', () => {
  test('checks every .cpp and .h of src/, wasm/, tests/native/, tests/fuzz/ and nothing else', () => {
    const files = cppFiles();
    for (const f of [
      'src/network.cpp',
      'src/kernels/kernels.h',
      'src/augment/ops.cpp',
      'wasm/js_args.h',
      'tests/native/gradcheck.h',
      'tests/fuzz/fuzz_spec.cpp',
    ])
      assert.ok(files.includes(f), f);
    assert.ok(
      files.every((f) => /^(src|wasm|tests\/native|tests\/fuzz)\/.*\.(cpp|h)$/.test(f) && !f.includes('/corpus/')),
      files.join(' '),
    );
    assert.deepEqual(files, [...files].sort());
  });
});
