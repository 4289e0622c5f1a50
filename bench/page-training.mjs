// How long the page takes, from a click on Train with a fresh network, to
// reach 99 % on the whole MNIST test set: the playground's promise, measured
// the way a person gets it (headless Chromium, the page's default settings,
// the worker's own full-test evaluations at each epoch's end).
//
//   node bench/page-training.mjs [--seeds 1,2,3] [--hash '&lr=0.002'] [--limit-seconds 600] [--json]
//
// A benchmark: it prints figures (median over seeds) and asserts nothing.
import { launchBrowser, openPlayground, serveWeb } from '../tests/browser/pendigits-harness.mjs';
import { optionValue } from '../tools/lib/common.mjs';

const args = process.argv.slice(2);
const seeds = optionValue(args, '--seeds', '1,2,3').split(',').map(Number);
const extraHash = optionValue(args, '--hash', '');
const json = args.includes('--json');
const GOAL = 0.99;
const LIMIT_MS = Number(optionValue(args, '--limit-seconds', '600')) * 1000; // a busy machine trains slowly

// Runs in the page: records every test-accuracy update with its time since the click.
const WATCH_AND_CLICK = () => {
  const out = document.querySelector('[data-testid="test-accuracy"]');
  const ips = document.querySelector('[data-testid="images-per-second"]');
  window.__updates = [];
  new MutationObserver(() => {
    if (out.dataset.value === '') return;
    window.__updates.push({ ms: performance.now() - window.__clicked, accuracy: Number(out.dataset.value),
                            full: out.dataset.full === '1', ips: Number(ips.dataset.value || 0),
                            images: Number(out.dataset.imagesSeen || 0) });
  }).observe(out, { attributes: true, attributeFilter: ['data-value', 'data-full'] });
  window.__clicked = performance.now();
  document.querySelector('[data-testid="train"]').click();
};

async function runOnce(browser, url, seed) {
  const { context, page } = await openPlayground(browser, url, { hash: `#seed=${seed}${extraHash}` });
  const settings = await page.evaluate(() => location.hash);
  await page.evaluate(WATCH_AND_CLICK);
  // Until the run stops by itself (all epochs done: the page says "Finished")
  // or diverges, or the time limit.
  await page.waitForFunction(
    () => /Finished|diverged/.test(document.querySelector('#train [data-role="message"]')?.textContent ?? ''),
    null, { timeout: LIMIT_MS, polling: 200 });
  const updates = await page.evaluate(() => window.__updates);
  await context.close();
  const full = updates.filter((u) => u.full);
  const reached = full.find((u) => u.accuracy >= GOAL);
  return {
    seed, settings,
    seconds_to_99: reached ? reached.ms / 1000 : null,
    images_to_99: reached ? reached.images : null,
    epoch_accuracies: full.map((u) => u.accuracy),
    final_accuracy: full.at(-1)?.accuracy ?? null,
    run_seconds: (full.at(-1)?.ms ?? 0) / 1000,
    images_per_second: Math.max(...updates.map((u) => u.ips)),
  };
}

const median = (v) => {
  const s = v.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : null;  // lower median; null when none reached
};

const server = await serveWeb();
const browser = await launchBrowser();
const runs = [];
try {
  for (const seed of seeds) {
    const r = await runOnce(browser, server.url, seed);
    runs.push(r);
    console.log(`seed ${seed} (${r.settings}): full-test accuracy per epoch ` +
      `${r.epoch_accuracies.map((a) => (a * 100).toFixed(2)).join(' → ')} %; ` +
      (r.seconds_to_99 === null
        ? `never reached ${GOAL * 100} %`
        : `${GOAL * 100} % after ${r.seconds_to_99.toFixed(1)} s, ${r.images_to_99.toLocaleString('en')} images`) +
      `; run ${r.run_seconds.toFixed(1)} s; ${Math.round(r.images_per_second)} images/s at best`);
  }
} finally {
  await browser.close();
  await server.close();
}
const reachedAll = runs.every((r) => r.seconds_to_99 !== null);
const summary = {
  goal: GOAL,
  runs: runs.length,
  reached: runs.filter((r) => r.seconds_to_99 !== null).length,
  median_seconds_to_99: reachedAll ? median(runs.map((r) => r.seconds_to_99)) : null,
  median_images_to_99: reachedAll ? median(runs.map((r) => r.images_to_99)) : null,
  median_final_accuracy: median(runs.map((r) => r.final_accuracy)),
  runs_detail: runs,
};
console.log(`page training: ${summary.reached}/${runs.length} runs reached ${GOAL * 100} % on the whole test set; ` +
  `median time from Train ${
    summary.median_seconds_to_99 === null ? 'n/a' : `${summary.median_seconds_to_99.toFixed(1)} s`
  }, ${summary.median_images_to_99 === null ? 'n/a' : `${summary.median_images_to_99.toLocaleString('en')} images`}; ` +
  `median final accuracy ${(summary.median_final_accuracy * 100).toFixed(2)} %`);
if (json) console.log(JSON.stringify(summary));
