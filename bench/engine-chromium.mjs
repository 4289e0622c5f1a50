// The engine in headless Chromium: web/dev/bench.html runs the same engine
// benchmark (web/dev/bench-engine.js) in a module Web Worker, as the playground
// runs the engine; this opens it with the browser tests' launcher
// (tests/browser/browser.mjs: tools/serve.mjs + playwright-core + /usr/bin/chromium)
// and reads the outcome from window.bench.
import { describeProblems, openSession } from '../tests/browser/browser.mjs';
import { fromEngineJson } from './protocol.mjs';

const POLL_MS = 250;

// build: 'simd' | 'scalar'
export async function run(protocol, { build }) {
  const session = await openSession();
  try {
    const query = new URLSearchParams({ build, protocol: JSON.stringify(protocol) });
    const page = await session.open(`/dev/bench.html?${query}`);
    // Generous: a full run takes ~20 s; a hung page must still end the run.
    const deadline = Date.now() + 600_000;
    let shown = 0;
    for (;;) {
      const state = await page.evaluate(() => ({ ...window.bench, log: document.getElementById('log').textContent }));
      const lines = state.log.split('\n').filter((l) => l !== 'starting');
      for (const line of lines.slice(shown)) console.error(`  ${line}`);
      shown = lines.length;
      if (state.done) {
        if (state.error) throw new Error(`the bench page failed: ${state.error}${describeProblems(page)}`);
        const { result } = state;
        if (result.simd !== (build === 'simd')) {
          throw new Error(`${result.build} reports SIMD ${result.simd ? 'on' : 'off'}: a build mix-up`);
        }
        return {
          detail: `${result.build}.wasm in a Worker, Chromium ${session.browser.version()}, ` +
            `crossOriginIsolated ${result.crossOriginIsolated}`,
          peak_gflops: result.peak_gflops,
          notes: [
            'its per-layer times are in steps of the browser\'s coarsened timer ' +
              `(${result.crossOriginIsolated ? '5' : '100'} µs): read small-batch splits from Node`,
          ],
          results: result.results.map(fromEngineJson),
        };
      }
      if (Date.now() > deadline) {
        throw new Error(`the bench page did not finish in 10 minutes${describeProblems(page)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await session.close();
  }
}
