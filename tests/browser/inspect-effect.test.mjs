// "What augmentation buys", in headless Chromium: the robustness curves of
// the page's model are measured by the engine (rotated/shifted test digits)
// and plotted, with the numbers exposed as data-points; the side-by-side
// comparison trains two fresh networks in the worker and plots both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPlayground, startSession, endSession } from './pendigits-harness.mjs';

let server, browser, page;

before(async () => {
  ({ server, browser } = await startSession());
  ({ page } = await openPlayground(browser, server.url));
});
after(() => endSession({ server, browser }));

const at = (list, x) => list.find((p) => p[0] === x)?.[1];

test('robustness curves come from the engine: best upright, worse turned or moved', async () => {
  await page.locator('[data-testid="panel-effect"]').scrollIntoViewIfNeeded();
  await page.click('[data-testid="robustness-run"]');
  await page.waitForSelector('[data-testid="robustness"][data-state="done"]', { timeout: 120000 });
  const points = JSON.parse(await page.getAttribute('[data-testid="robustness"]', 'data-points'));
  assert.equal(points.count, 500);
  const angles = Array.from({ length: 19 }, (_, i) => -45 + 5 * i); // −45°, −40° … 45°
  assert.deepEqual(points.rotation.map((p) => p[0]), angles);
  assert.deepEqual(points.shiftX.map((p) => p[0]), [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
  for (const list of [points.rotation, points.shiftX, points.shiftY]) {
    for (const [, a] of list) assert.ok(a >= 0 && a <= 1);
  }
  console.log(`# robustness of the pretrained LeNet-5 (500 test digits): 0° ${at(points.rotation, 0)}, `
    + `45° ${at(points.rotation, 45)}, −45° ${at(points.rotation, -45)}, `
    + `shift x ±6: ${at(points.shiftX, -6)}/${at(points.shiftX, 6)}`);
  assert.ok(at(points.rotation, 0) > 0.97, 'the pretrained model is right upright');
  assert.ok(at(points.rotation, 0) > at(points.rotation, 45) + 0.1);
  assert.ok(at(points.rotation, 0) > at(points.rotation, -45) + 0.1);
  assert.ok(at(points.shiftX, 0) > at(points.shiftX, 6));
  assert.ok(new Set(points.rotation.map((p) => p[1])).size > 5, 'accuracy varies with the angle');
  // Plotted: uPlot drew lines on its canvas.
  const drawn = await page.$$eval('[data-testid="robustness"] canvas', (cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ++n;
    return n;
  }));
  assert.equal(drawn.length, 2);
  assert.ok(drawn.every((n) => n > 200), `chart pixels ${drawn}`);
  assert.match(await page.textContent('[data-testid="robustness-status"]'), /upright/);
});

test('two fresh networks, with and without augmentation, trained side by side and both measured', async () => {
  await page.selectOption('[data-testid="compare-steps"]', '100');
  await page.click('[data-testid="compare-run"]');
  await page.waitForSelector('[data-testid="compare"][data-state="done"]', { timeout: 300000 });
  const points = JSON.parse(await page.getAttribute('[data-testid="compare"]', 'data-points'));
  assert.equal(points.steps, 100);
  assert.equal(points.setting, 'augment');
  assert.deepEqual(points.values, [false, true]);
  for (const [name, i] of [['plain', 0], ['augmented', 1]]) {
    const history = points.history[i];
    assert.equal(history.at(-1)[0], 100);
    assert.ok(history.length >= 5);
    assert.ok(history.at(-1)[2] > 0.5, `${name} learned something: ${history.at(-1)[2]}`);
    assert.equal(points.robustness[i].rotation.length, 19);
  }
  assert.ok(Object.keys(points.augment).length > 0, 'the augmented run used some augmentation');
  // Same seed, different data: the two runs really differ.
  assert.notDeepEqual(points.history[0], points.history[1]);
  const { history, robustness } = points;
  console.log(`# comparison after 100 steps: test ${history[0].at(-1)[2]} vs ${history[1].at(-1)[2]}; `
    + `at 30°: ${at(robustness[0].rotation, 30)} vs ${at(robustness[1].rotation, 30)}`);
});
