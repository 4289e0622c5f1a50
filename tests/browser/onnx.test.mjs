// ONNX on the page, in headless Chromium: "Download as ONNX" gives a model
// ONNX Runtime runs; that .onnx file loads back through "Load model file…",
// classifies a drawn digit as before and shows its maps; a graph with an
// operator the engine lacks is refused by name and the page keeps its model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import * as ort from 'onnxruntime-web';

import { openPlayground, classifyOnPage, startSession, endSession } from './pendigits-harness.mjs';
import { onnxModel } from '../node/onnx-writer.mjs';

let server, browser, digits;

before(async () => {
  ({ server, browser, digits } = await startSession({ pendigits: true }));
});
after(() => endSession({ server, browser }));

const onnxFile = (name, buffer) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(buffer) });
const modelName = (page) => page.textContent('[data-role="model-name"]');

test('Download as ONNX, then load the .onnx file back: same prediction, maps shown', async () => {
  const { context, page } = await openPlayground(browser, server.url, {
    contextOptions: { viewport: { width: 1280, height: 1000 } },
  });
  const digit = digits.find((d) => d.label === 3 && d.strokes.length === 1);
  const p1 = await classifyOnPage(page, digit.strokes);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-onnx"]')]);
  assert.match(download.suggestedFilename(), /^lenet5.*\.onnx$/);
  const bytes = await readFile(await download.path());

  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) });
  assert.deepEqual(out.probabilities.dims, [1, 10], 'ONNX Runtime runs the download');
  await session.release();

  await page.setInputFiles('[data-testid="load-model"]', onnxFile('mine.onnx', bytes));
  await page.waitForFunction(() => /mine\.onnx/.test(document.querySelector('[data-role="model-name"]').textContent));
  assert.equal(await page.locator('[data-testid="model-error"]').isVisible(), false);
  const p2 = await classifyOnPage(page, digit.strokes);
  assert.equal(p2.digit, p1.digit);
  p2.probs.forEach((v, i) => assert.ok(Math.abs(v - p1.probs[i]) < 1e-5, `class ${i}: ${v} vs ${p1.probs[i]}`));
  await page.locator('[data-testid="panel-inside"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('canvas[data-testid="map"][data-layer="0"]').length === 6,
    null, { timeout: 30000 });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an .onnx graph with an unsupported operator is refused by name; the model stays', async () => {
  const { context, page } = await openPlayground(browser, server.url);
  const before = await modelName(page);
  const digit = digits.find((d) => d.label === 7 && d.strokes.length === 1);
  const p1 = await classifyOnPage(page, digit.strokes);
  const resize = onnxModel({
    inputs: [{ name: 'x', dims: ['N', 1, 28, 28] }],
    outputs: [{ name: 'y', dims: ['N', 1, 56, 56] }],
    nodes: [{ op: 'Resize', name: 'upsample', inputs: ['x'], outputs: ['y'] }],
  });
  await page.setInputFiles('[data-testid="load-model"]', onnxFile('resize.onnx', resize));
  const error = page.locator('[data-testid="model-error"]');
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  assert.match(text, /resize\.onnx/);
  assert.match(text, /operator 'Resize' \(node 'upsample'\) is not supported/);
  assert.match(text, /unchanged/);
  assert.equal(await modelName(page), before);
  const p2 = await classifyOnPage(page, digit.strokes);
  assert.deepEqual(p2.probs, p1.probs, 'the same model classifies as before');
  await context.close();
});
