// The units panel and the training-digits setting in headless Chromium, on
// one page: the dead-ReLU counts the page shows equal a count this test makes
// itself from the engine's activation maps of the same test digits; a
// constant initialisation's filters are shown (and measured) to stay
// identical while it trains; a run on 100 training digits ends with its
// measured training accuracy above its test accuracy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { flattenLayers } from '../../web/network.js';
import { openPlayground, startSession, endSession } from './pendigits-harness.mjs';

let server, browser, page;

before(async () => {
  ({ server, browser } = await startSession());
  ({ page } = await openPlayground(browser, server.url, { query: '?test-commands=1' }));
});
after(() => endSession({ server, browser }));

const PANEL = '[data-testid="panel-units"]';
const updates = () => page.$eval(PANEL, (el) => Number(el.dataset.updates) || 0);

// A new link in the same page (the settings store reads it on hashchange, before this listener).
const openLink = (hash) => page.evaluate((h) => new Promise((resolve) => {
  addEventListener('hashchange', () => resolve(), { once: true });
  location.hash = h;
}), hash);

// A new link, then Reset (a fresh network from it) and Train; resolves once the run ended.
async function trainWith(hash) {
  await openLink(hash);
  await page.click('[data-testid="reset"]');
  await page.waitForFunction(() => !document.querySelector('[data-testid="train"]').disabled, null,
    { timeout: 30000 });
  const before = await updates();
  await page.click('[data-testid="train"]');
  // The panel measures again when the run stops (finished, or paused by a divergence).
  await page.waitForFunction(([sel, n]) => {
    const el = document.querySelector(sel);
    return Number(el.dataset.updates) > n && ['finished', 'paused'].includes(el.dataset.measuredState);
  }, [PANEL, before], { timeout: 120000 });
}

test("the dead ReLU units shown are the ones the engine's activations are 0 for on every measured digit",
  async () => {
    // SGD at a learning rate this high kills units within a few hundred steps.
    await trainWith('#net=lenet5&optimizer=sgd&lr=0.3&momentum=0.9&batch=32&epochs=0.1&seed=3&trainSize=60000');
    const shown = await page.$$eval('[data-testid="units-row"]', (rows) => rows.map((r) =>
      ({ path: r.dataset.path, kind: r.dataset.kind, dead: r.dataset.dead, units: Number(r.dataset.units) })));
    const count = Number((await page.textContent('[data-testid="units-status"]')).match(/on (\d+) test digits/)[1]);
    assert.equal(count, 128);
    // The same digits through the engine, one at a time, and the count made here.
    const mine = await page.evaluate(async (n) => {
      const alive = [];
      let layers = null;
      for (let i = 0; i < n; i++) {
        const { image } = await window.cnnTest.request('testDigit', { index: i });
        const reply = await window.cnnTest.request('activations', { image });
        layers = reply.layers;
        reply.maps.forEach((map, k) => {
          alive[k] ??= new Uint8Array(map.length);
          map.forEach((v, u) => (alive[k][u] ||= v !== 0));
        });
      }
      return { layers, alive: alive.map((a) => Array.from(a)) };
    }, count);
    const flat = flattenLayers(mine.layers);
    assert.deepEqual(shown.map((r) => r.path), flat.map(({ layer }) => layer.path), 'one row per layer, in order');
    let relus = 0, dead = 0;
    flat.forEach(({ layer }, k) => {
      if (layer.kind !== 'relu') return assert.equal(shown[k].dead, '');
      const counted = mine.alive[k].filter((a) => !a).length;
      assert.equal(Number(shown[k].dead), counted, `relu ${layer.path}`);
      relus++;
      dead += counted;
    });
    assert.equal(relus, 4);
    console.log(`# dead ReLU units after SGD at 0.3: ${shown.filter((r) => r.kind === 'relu')
      .map((r) => `${r.path}: ${r.dead}/${r.units}`).join(', ')}`);
    assert.ok(dead > 0, 'a learning rate this high leaves dead units');
    const chart = await page.$eval(`${PANEL} .chart-plot`, (el) => Number(el.dataset.points));
    assert.ok(chart >= 2, `the dead-unit curve has points over the run (${chart})`);
  });

// The output layer's rows do differ: each class has its own target, so its own gradient.
test('a constant initialisation keeps every hidden layer\'s filters identical while it trains', async () => {
  const net = 'input 1x28x28\ninit constant value=0.02\nconv 4 k=5\nrelu\nmaxpool 2\nflatten\ndense 16\nrelu\ndense 10';
  await trainWith(`#net=${encodeURIComponent(net)}&optimizer=adam&lr=0.002&batch=32&epochs=0.05&seed=1`);
  const filters = await page.$$eval('[data-testid="units-row"]', (rows) => rows
    .filter((r) => ['conv', 'dense'].includes(r.dataset.kind))
    .map((r) => r.querySelector('[data-testid="units-filters"]').textContent));
  assert.deepEqual(filters.slice(0, 2), ['all identical', 'all identical']);
  assert.match(filters[2], /^differ by up to/);
  assert.match(await page.textContent('[data-testid="units-status"]'), /after [1-9]/);
});

test('trained on 100 digits, the measured training accuracy ends above the test accuracy', async () => {
  await trainWith('#net=lenet5&trainSize=100&optimizer=adam&lr=0.002&schedule=constant&batch=20&epochs=40&seed=1');
  const chart = '[data-testid="chart-accuracy"]';
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.trainMeasured !== undefined, chart);
  // The run's last measurement of both (the full test follows the end of the run).
  await page.waitForFunction(() => document.querySelector('[data-testid="test-accuracy"]').dataset.full === '1',
    null, { timeout: 60000 });
  const train = Number(await page.$eval(chart, (el) => el.dataset.trainMeasured));
  const testAccuracy = Number(await page.$eval('[data-testid="test-accuracy"]', (el) => el.dataset.value));
  console.log(`# 100 training digits, 40 epochs: train ${train}, test ${testAccuracy}`);
  assert.ok(train >= 0.95, `it learns its 100 digits by heart (${train})`);
  assert.ok(train > testAccuracy + 0.05, `train ${train} vs test ${testAccuracy}`);
  assert.deepEqual(page.errors, []);
});

test('the comparison trains two runs that differ in the loss and draws both', async () => {
  const view = '#regularise [data-testid="compare"]';
  await page.locator(view).scrollIntoViewIfNeeded();
  await page.selectOption(`${view} [data-testid="compare-setting"]`, 'loss');
  await page.selectOption(`${view} [data-testid="compare-steps"]`, '100');
  await page.click(`${view} [data-testid="compare-run"]`);
  await page.waitForSelector(`${view}[data-state="done"]`, { timeout: 120000 });
  const points = JSON.parse(await page.getAttribute(view, 'data-points'));
  assert.equal(points.setting, 'loss');
  assert.deepEqual(points.values, ['cross_entropy', 'mse']);
  for (const history of points.history) {
    assert.equal(history.at(-1)[0], 100);
    assert.ok(history.length >= 5);
  }
  assert.notDeepEqual(points.history[0], points.history[1], 'another loss, another run');
  const [ce, mse] = points.history.map((h) => h.at(-1)[2]);
  console.log(`# 100 steps, cross-entropy vs mse: test ${ce} vs ${mse}`);
  // Both runs' test curves are drawn: the chart's text equivalent names each one's latest point.
  const summary = await page.textContent(`${view} [data-role="chart-summary"]`);
  assert.match(summary, /test, softmax cross-entropy \d+\.\d% at step 100/);
  assert.match(summary, /test, mean squared error \d+\.\d% at step 100/);
  assert.equal(await page.$eval(`${view} .chart-plot`, (el) => Number(el.dataset.points)), points.history[0].length);
});

test('for the shown digit, training mode drops dropout units and normalises by its own statistics; test mode not',
  async () => {
    const net = 'input 1x28x28\nconv 4 k=5\nbatchnorm\nrelu\nmaxpool 2\nflatten\ndropout keep=0.5\ndense 10';
    await openLink(`#net=${encodeURIComponent(net)}&seed=2`);
    await page.click('[data-testid="reset"]');
    const modes = '[data-testid="units-modes"]';
    const before = await page.$eval(modes, (el) => Number(el.dataset.updates ?? 0));
    await page.click('[data-testid="draw-test-digit"]');
    await page.waitForFunction(([sel, n]) => {
      const el = document.querySelector(sel);
      return Number(el.dataset.updates ?? 0) > n
        && el.querySelectorAll('[data-testid="units-mode-layer"]').length === 2;
    }, [modes, before], { timeout: 30000 }).catch(async (error) => {
      throw new Error(`${error.message}; the view says: ${await page.textContent(modes)}; ${page.errors}`);
    });
    const rows = await page.$$eval(`${modes} [data-testid="units-mode-layer"]`,
      (els) => els.map((e) => ({ ...e.dataset })));
    assert.deepEqual(rows.map((r) => r.kind), ['batchnorm', 'dropout']);
    assert.equal(rows[0].modesDiffer, '1', 'batch norm: its own statistics differ from the running ones');
    // About half of the non-zero values dropped in training, none at test time.
    assert.ok(Number(rows[1].dropped) > 50, `dropped ${rows[1].dropped}`);
    assert.equal(rows[1].testUnchanged, '1');
  });
