// What a first visit to the built site downloads, counted from Chromium's network events (Playwright's
// request events carry CDP's encoded sizes; service-worker requests included): the site built into a
// temporary folder and served under a sub-path by a plain static server (tests/browser/static-site.mjs),
// one fresh browser context, then
//   usable     the page ready, a digit drawn and classified, the maps of the drawn digit on screen (the service
//              worker registers at ready: its install's requests, revalidations of what the page fetched,
//              are counted here and shown apart as service_worker_bytes)
//   stored     until the service worker is installed, if it was not yet
//   trained    Train pressed, the training and test sets in, two seconds of training
//
//   node bench/first-visit.mjs [--json]          (npm run bench:first-visit builds the wasm first)
//
// A benchmark: it prints figures and asserts nothing (the 1.5 MB budget is a test: tests/browser/site.test.mjs).
import { classifyOnPage, launchBrowser, loadPendigits } from '../tests/browser/pendigits-harness.mjs';
import { serveBuiltSite } from '../tests/browser/static-site.mjs';

// Playwright reports the service worker's own requests only when asked to.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

const json = process.argv.includes('--json');
const MB = 1e6;

// Every finished request's bytes over the network (headers + encoded body; 0 when a cache answered).
function recordNetwork(context) {
  const requests = [];
  context.on('requestfinished', async (request) => {
    const response = await request.response();
    const entry = {
      url: request.url(),
      bytes: 0,
      byServiceWorker: request.serviceWorker() !== null, // its install storing the app
      fromServiceWorker: response?.fromServiceWorker() ?? false,
      status: response?.status() ?? 0,
    };
    requests.push(entry);
    if (entry.fromServiceWorker) return; // the worker's own fetch is counted as its own request
    const sizes = await request.sizes().catch(() => null);
    entry.bytes = sizes ? sizes.responseHeadersSize + sizes.responseBodySize : 0;
  });
  return requests;
}

const shortName = (url) => new URL(url).pathname.split('/').slice(-2).join('/');
const sum = (list) => list.reduce((s, r) => s + r.bytes, 0);

function phase(name, requests, from) {
  const list = requests.slice(from);
  const biggest = [...list].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  const byWorker = list.filter((r) => r.byServiceWorker);
  return {
    name,
    requests: list.length,
    bytes: sum(list),
    service_worker_bytes: sum(byWorker),
    revalidated: byWorker.filter((r) => r.status === 304).length,
    biggest: biggest.map((r) => `${shortName(r.url)} ${(r.bytes / MB).toFixed(2)}`),
  };
}

const [site, browser, digits] = await Promise.all([serveBuiltSite(), launchBrowser(), loadPendigits()]);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const requests = recordNetwork(context);
  const page = await context.newPage();
  const settle = () => page.waitForTimeout(300); // the last requestfinished handlers
  await page.goto(site.url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
  await classifyOnPage(page, digits.find((d) => d.label === 7).strokes);
  await page.locator('[data-testid="panel-inside"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="panel-inside"]').dataset.updates) > 0);
  await settle();
  const phases = [phase('usable', requests, 0)];
  let mark = requests.length;

  // Train once the app is stored, as a learner who comes back offline would have.
  await page.waitForSelector('[data-testid="site-status"][data-offline="1"]', { timeout: 60000 });
  await settle();
  phases.push(phase('stored', requests, mark));
  mark = requests.length;

  await page.click('[data-testid="train"]');
  await page.waitForFunction(() => document.querySelector('[data-role="seen"]').textContent !== '0', null,
    { timeout: 120000 });
  await page.waitForTimeout(2000);
  await page.click('[data-testid="pause"]');
  await settle();
  phases.push(phase('trained', requests, mark));
  const report = {
    site: site.site.id,
    usable_mb: +(phases[0].bytes / MB).toFixed(3),
    total_after_train_mb: +(sum(requests) / MB).toFixed(3),
    phases,
  };
  if (json) console.log(JSON.stringify(report));
  else {
    for (const p of phases)
      console.log(`${p.name.padEnd(8)} ${(p.bytes / MB).toFixed(2).padStart(6)} MB in ` +
        `${String(p.requests).padStart(3)} requests (service worker: ${(p.service_worker_bytes / MB).toFixed(2)} MB)` +
        `   biggest: ${p.biggest.join(', ')}`);
    console.log(`first visit: ${report.usable_mb.toFixed(2)} MB before usable, ` +
      `${report.total_after_train_mb.toFixed(2)} MB in all after Train (site ${report.site})`);
  }
} finally {
  await browser.close();
  await site.close();
}
