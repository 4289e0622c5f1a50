// The page loads in a real browser: the engine starts in its Web Worker,
// the page marks itself ready, and it reports a SIMD build of the engine
// whose version is the one the Node tests load.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { describeProblems, openSession } from './browser.mjs';

const READY_TIMEOUT_MS = 30_000;
let session;
let page;

before(async () => {
  session = await openSession();
  page = await session.open('/');
});
after(async () => {
  await session?.close();
});

test('the page becomes ready (body[data-ready="1"])', async () => {
  // The page sets data-ready="error" when the engine cannot start: stop at either.
  try {
    await page.waitForFunction(() => ['1', 'error'].includes(document.body.dataset.ready), null, {
      timeout: READY_TIMEOUT_MS,
    });
  } catch (e) {
    const why = e.message.split('\n')[0];
    assert.fail(`page not ready after ${READY_TIMEOUT_MS / 1000} s: ${why}${describeProblems(page)}`);
  }
  const state = await page.evaluate(() => document.body.dataset.ready);
  assert.equal(state, '1', `page reports data-ready="${state}"${describeProblems(page)}`);
});

test('the engine info shows a SIMD build and the engine version', async () => {
  const info = page.locator('[data-testid="engine-info"]');
  assert.equal(await info.count(), 1, 'one [data-testid="engine-info"] element');
  assert.equal(await info.getAttribute('data-simd'), '1', `data-simd${describeProblems(page)}`);

  // The version the page shows is the one the engine module itself reports.
  const moduleUrl = new URL('../../web/engine/cnn-simd.mjs', import.meta.url);
  const { default: createEngine } = await import(moduleUrl);
  const wasmBinary = await readFile(new URL('../../web/engine/cnn-simd.wasm', import.meta.url));
  const engine = await createEngine({ wasmBinary });
  assert.match(engine.version(), /^\d+\.\d+\.\d+/);
  assert.equal(await info.getAttribute('data-version'), engine.version());
});

test('the page is cross-origin isolated (served with COOP/COEP)', async () => {
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
});
