// How long the page takes, from a click on Train in the "Beyond
// classification" panel, to reach the issue's floors on the worker's 100 test
// scenes: localization box IoU ≥ 0.75 with class accuracy ≥ 97 %,
// segmentation mean IoU ≥ 0.70 (each up-sampling kind on its own clock: the
// page trains them one after another, so a kind's time starts when the one
// before it finished). Headless Chromium, the panel's own progress.
//
//   node bench/vision-page.mjs [--task localize|segment|both] [--steps 2400] [--json]
//
// A benchmark: it prints figures and asserts nothing.
import { launchBrowser, openPlayground, serveWeb } from '../tests/browser/pendigits-harness.mjs';
import { optionValue } from '../tools/lib/common.mjs';

const args = process.argv.slice(2);
const which = optionValue(args, '--task', 'both');
const steps = optionValue(args, '--steps', '2400');
const json = args.includes('--json');
const LIMIT_MS = 1_800_000;
const reached = {
  localize: (p) => p.meanIou >= 0.75 && p.accuracy >= 0.97,
  segment: (p) => p.meanIou >= 0.7,
};

async function runTask(page, task) {
  await page.selectOption('[data-testid="vision-task"]', task);
  await page.selectOption('[data-testid="vision-steps"]', steps);
  await page.click('[data-testid="vision-run"]');
  await page.waitForSelector('[data-testid="vision"]:is([data-state="done"], [data-state="error"])',
    { timeout: LIMIT_MS });
  const history = JSON.parse(await page.getAttribute('[data-testid="vision"]', 'data-history') ?? '[]');
  const kinds = [...new Set(history.map((p) => p.kind))];
  return kinds.map((kind, i) => {
    const own = history.filter((p) => p.kind === kind);
    const before = i > 0 ? history.filter((p) => p.kind === kinds[i - 1]).at(-1).seconds : 0;
    const first = own.find(reached[task]);
    return { task, kind, seconds_to_floor: first ? first.seconds - before : null, step_at_floor: first?.step ?? null,
      last: own.at(-1) };
  });
}

const server = await serveWeb();
const browser = await launchBrowser();
const results = [];
try {
  const { page } = await openPlayground(browser, server.url);
  await page.locator('[data-testid="panel-vision"]').scrollIntoViewIfNeeded();
  for (const task of which === 'both' ? ['localize', 'segment'] : [which]) {
    for (const r of await runTask(page, task)) {
      results.push(r);
      const floor = r.seconds_to_floor === null ? `no floor in ${steps} steps`
        : `floor after ${r.seconds_to_floor.toFixed(1)} s (step ${r.step_at_floor})`;
      console.log(`${task}${r.kind !== '-' ? ` (${r.kind})` : ''}: ${floor}; `
        + `last: step ${r.last?.step}, mean IoU ${r.last?.meanIou.toFixed(3)}, `
        + `accuracy ${r.last?.accuracy.toFixed(3)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
if (json) console.log(JSON.stringify(results));
