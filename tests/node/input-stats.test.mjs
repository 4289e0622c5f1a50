// The 'Input: standardised' setting's figures (web/settings.js INPUT_STATS)
// are each data set's own: the pixel mean and standard deviation over its
// 60,000 training images, measured here from web/data/ through the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { INPUT_STATS } from '../../web/settings.js';
import { loadEngine, repo } from './engine-helpers.mjs';

const engine = await loadEngine();
const CHUNK = 5000;

for (const [dataset, stats] of Object.entries(INPUT_STATS)) {
  const images = repo(`web/data/${dataset}/train-images.png`);
  test(`${dataset}: mean ${stats.mean}, std ${stats.std} over its training pixels`,
    { skip: !existsSync(images) && `web/data/${dataset} is not prepared` }, async () => {
      const labels = repo(`web/data/${dataset}/train-labels.idx`);
      const data = new engine.Data(new Uint8Array(await readFile(images)), new Uint8Array(await readFile(labels)));
      try {
        let sum = 0, squares = 0, count = 0;
        for (let start = 0; start < data.count(); start += CHUNK) {
          const { images: x } = data.slice(start, Math.min(CHUNK, data.count() - start));
          for (const v of x) {
            sum += v;
            squares += v * v;
          }
          count += x.length;
        }
        const mean = sum / count, std = Math.sqrt(squares / count - mean * mean);
        console.log(`# ${dataset}: mean ${mean.toFixed(5)}, std ${std.toFixed(5)} over ${count / 784} images`);
        assert.equal(count, 60000 * 784);
        assert.ok(Math.abs(mean - stats.mean) < 5e-4, `mean ${mean}`);
        assert.ok(Math.abs(std - stats.std) < 5e-4, `std ${std}`);
      } finally {
        data.delete();
      }
    });
}
