// The pen-stroke data the browser tests replay lives in the repository
// (tests/data/pendigits/) and reads the same gzipped or not, in the harness
// and in tools/replay-pendigits.mjs --data.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { PENDIGITS_PATH, REPO, loadPendigits } from '../browser/pendigits-harness.mjs';

test('the pendigits data is inside the checkout and holds what its README says', async () => {
  assert.ok(PENDIGITS_PATH.startsWith(REPO), PENDIGITS_PATH);
  const digits = await loadPendigits();
  assert.equal(digits.length, 7494);
  const perLabel = Array.from({ length: 10 }, (_, d) => digits.filter((x) => x.label === d).length);
  assert.deepEqual(perLabel, [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]);
  assert.equal(new Set(digits.map((d) => d.writer)).size, 30);
  assert.deepEqual(digits[0].strokes[0][0], [0.5077, 0.0718]);
});

test('loadPendigits and replay-pendigits --data read a plain .json file as well', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnn-pendigits-'));
  try {
    const path = join(dir, 'two.json');
    const two = [
      { label: 1, writer: 3, sample: 7, strokes: [[[0, 0], [0, 1]]] },
      { label: 7, writer: 4, sample: 2, strokes: [[[0, 0], [1, 0], [0.5, 1]]] },
    ];
    await writeFile(path, JSON.stringify(two));
    assert.deepEqual(await loadPendigits(path), two);
    const out = execFileSync(process.execPath, ['tools/replay-pendigits.mjs', '--direct', '--data', path], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.match(out, new RegExp(`^2 pen digits from ${path}$`, 'm'));
    assert.match(out, /: \d\/2 = /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
