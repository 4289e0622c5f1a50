// The playground by keyboard alone, as a keyboard user meets it: Tab reaches
// every enabled control, each with a visible focus ring; a digit drawn with
// the arrow keys is classified, and so is a test digit chosen by number; the
// feature maps, the filters, one's own digits and the confusion matrix's
// mistakes are one tab stop each, moved through with the arrows and used with
// Enter/Delete; Train and Pause hand the focus to each other instead of
// dropping it to <body>; charts and maps say their figures in words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { endSession, openPlayground, readPrediction, startSession } from './pendigits-harness.mjs';

let session, page;
before(async () => {
  session = await startSession();
  ({ page } = await openPlayground(session.browser, session.server.url));
});
after(() => endSession(session));

// What has the focus: { testid, tag, layer, channel, filter, index, body }.
const focused = () => page.evaluate(() => {
  const el = document.activeElement;
  return { body: el === document.body, tag: el.tagName.toLowerCase(), ...el.dataset };
});
const press = async (...keys) => {
  for (const key of keys) await page.keyboard.press(key);
};

test('a digit drawn with the arrow keys on the pad is classified; Esc clears it', async () => {
  await page.focus('[data-testid="draw"]');
  // The pen starts in the middle: up to the top, down (Space), a straight stroke down, up again: a 1.
  await press(...Array(6).fill('ArrowUp'), 'Space', ...Array(12).fill('ArrowDown'));
  assert.equal(await page.getAttribute('[data-testid="draw"]', 'data-pen'), 'down');
  await press('Space');
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').dataset.strokes === '1');
  assert.equal((await readPrediction(page)).digit, 1, 'a straight vertical stroke reads as a 1');
  await press('Escape');
  assert.deepEqual(await readPrediction(page), { digit: null, probs: null });
  // A diagonal-free 7: across the top, then down to the bottom left.
  await press(...Array(6).fill('ArrowUp'), ...Array(5).fill('ArrowLeft'), 'Space', ...Array(10).fill('ArrowRight'));
  await press(...Array(12).fill('ArrowDown'), 'Space');
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').dataset.strokes === '1');
  assert.notEqual((await readPrediction(page)).digit, null);
});

test('a test digit chosen by its number is shown on the pad and classified', async () => {
  await page.focus('[data-testid="draw-test-index"]');
  await press('Control+a');
  await page.keyboard.type('42');
  await press('Tab', 'Enter');
  await page.waitForFunction(() => /labelled \d/.test(document.querySelector('[data-testid="draw-test-status"]')
    .textContent));
  const label = Number((await page.textContent('[data-testid="draw-test-status"]')).match(/labelled (\d)/)[1]);
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').dataset.digit !== '');
  assert.equal((await readPrediction(page)).digit, label, 'the pretrained model reads test digit #42 right');
  // Esc clears the picture as it clears a drawing; the maps below look at the test digit until then.
  await page.focus('[data-testid="draw"]');
  await press('Escape');
  assert.deepEqual(await readPrediction(page), { digit: null, probs: null });
  // A stroke long enough to be read (too little ink gets no guess).
  await press(...Array(6).fill('ArrowUp'), 'Space', ...Array(12).fill('ArrowDown'), 'Space');
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').dataset.strokes === '1');
});

test('the maps are one tab stop: arrows move between maps and layers, Enter shows where one looks', async () => {
  await page.locator('[data-testid="panel-inside"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('canvas[data-testid="map"][tabindex="0"]', { timeout: 30000 });
  assert.equal(await page.locator('canvas[data-testid="map"][tabindex="0"]').count(), 1, 'one tab stop for all maps');
  await page.focus('canvas[data-testid="map"][tabindex="0"]');
  assert.deepEqual([(await focused()).layer, (await focused()).channel], ['0', '0']);
  await press('ArrowRight', 'ArrowRight');
  assert.deepEqual([(await focused()).layer, (await focused()).channel], ['0', '2']);
  await press('ArrowDown', 'ArrowDown', 'ArrowDown');
  assert.deepEqual([(await focused()).layer, (await focused()).channel], ['3', '2'], 'Down goes to the next layer');
  const label = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
  assert.match(label, /^conv layer 3, map 2 of 16, 10×10: strongest response -?\d+\.\d\d at row \d, column \d$/);
  await press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="field-view"]').dataset.layer === '3');
  const field = await page.$eval('[data-testid="field-view"]', (el) => ({ ...el.dataset }));
  assert.equal(field.channel, '2');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-pressed')), 'true');
  // Tab leaves the group; Shift+Tab comes back to the map last used.
  await press('Tab', 'Shift+Tab');
  assert.deepEqual([(await focused()).layer, (await focused()).channel], ['3', '2']);
  await press('End');
  assert.equal((await focused()).layer, String(await page.$$eval('[data-testid="activation-layer"][data-maps]',
    (els) => Math.max(...els.filter((e) => Number(e.dataset.maps) > 0).map((e) => Number(e.dataset.layer))))));
});

test('the filters are one tab stop: arrows move, Enter chooses the filter and its map', async () => {
  await page.focus('[data-testid="filter"][tabindex="0"]');
  await press('ArrowDown', 'ArrowDown', 'ArrowDown', 'Enter');
  assert.deepEqual([(await focused()).layer, (await focused()).filter], ['0', '3']);
  assert.equal(await page.getAttribute('[data-testid="filter"][data-filter="3"][data-layer="0"]', 'class'),
    'filter selected');
  await page.waitForFunction(() => document.querySelector('[data-testid="field-view"]').dataset.layer === '0');
  assert.equal(await page.$eval('[data-testid="field-view"]', (el) => el.dataset.channel), '3');
});

test('the confusion matrix\'s mistakes are one tab stop; Enter filters the gallery and keeps the focus', async () => {
  // The results are measured when their panel comes on screen, as a keyboard user's Tab brings it.
  await page.locator('[data-testid="panel-results"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('#results:not(.is-empty)', { timeout: 30000 });
  assert.equal(await page.locator('.confusion td.off[tabindex="0"]').count(), 1, 'one tab stop for all mistakes');
  await page.focus('.confusion td.off[tabindex="0"]');
  await press('ArrowDown', 'ArrowRight');
  const cell = await focused();
  await press('Enter');
  const title = await page.textContent('[data-role="gallery-title"]');
  assert.equal(title.split(':')[0], `${cell.label}s read as ${cell.predicted}`);
  const now = await page.evaluate(() => ({ ...document.activeElement.dataset, cls: document.activeElement.className }));
  assert.deepEqual([now.label, now.predicted, now.cls], [cell.label, cell.predicted, 'off is-selected'],
    'the redrawn matrix keeps the focus on the same cell');
});

test('one\'s own digits: added, moved through and removed by keyboard, the focus kept in place', async () => {
  await page.focus('[data-testid="finetune-add-7"]');
  await press('Enter');
  await page.waitForSelector('[data-testid="my-digit"]');
  await press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="my-digit"]').length === 2);
  await page.focus('[data-testid="my-digit"][tabindex="0"]');
  await press('ArrowRight', 'Delete');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="my-digit"]').length === 1);
  assert.equal((await focused()).testid, 'my-digit', 'focus goes to the neighbour');
  await press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="my-digit"]').length === 0);
  assert.equal((await focused()).testid, 'finetune-add-0', 'with no digit left, focus goes to the add buttons');
});

test('Train and Pause by keyboard hand the focus to each other, never to <body>', async () => {
  await page.focus('[data-testid="train"]');
  await press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="train"]').disabled);
  assert.equal((await focused()).testid, 'pause');
  // Train first downloads the 60,000 training images (nothing loads before it is needed).
  await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.value) > 0,
    '[data-testid="images-per-second"]', { timeout: 90000 });
  await press('Space');
  await page.waitForFunction(() => document.querySelector('[data-testid="pause"]').disabled);
  assert.equal((await focused()).testid, 'train');
  // The chart says its latest figures in words.
  await page.waitForFunction(() => /training loss \d/.test(
    document.querySelector('[data-testid="chart-loss"] [data-role="chart-summary"]').textContent));
  const words = await page.textContent('[data-testid="chart-loss"] [data-role="chart-summary"]');
  assert.match(words, /^loss chart, \d+ points; latest: training loss \d+\.\d{3} at images seen [\d.]+k?\.$/);
});

test('Tab reaches every enabled control, each with a visible focus ring', async () => {
  // A name for each control; a radio group and a roving group (one tab stop) count once.
  await page.evaluate(() => {
    const controls = [...document.querySelectorAll('button, input, select, textarea, a[href], [tabindex]')];
    window.__keyOf = (el) => (el.type === 'radio' ? `radio:${el.name}`
      : el.dataset.testid ?? el.dataset.setting ?? el.dataset.role ?? `${el.tagName}#${controls.indexOf(el)}`);
  });
  const wanted = await page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const controls = [...document.querySelectorAll('button, input, select, textarea, a[href], [tabindex="0"]')]
      .filter((el) => !el.disabled && el.tabIndex >= 0 && visible(el));
    return [...new Set(controls.map(window.__keyOf))];
  });
  // Round the whole page once, from wherever the focus is, until it comes back.
  const reached = [];
  const unringed = [];
  for (let i = 0; i < 400; i++) {
    await press('Tab');
    const at = await page.evaluate(() => {
      const el = document.activeElement;
      if (el === document.body) return null;
      // The file input hides in its label-button: the label shows the ring.
      const shown = getComputedStyle(el).opacity === '0' ? el.closest('label') : el;
      const style = getComputedStyle(shown);
      const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return { key: window.__keyOf(el), ring };
    });
    if (!at) continue;
    if (at.key === reached[0]) break;
    if (reached.includes(at.key)) continue;
    reached.push(at.key);
    if (!at.ring) unringed.push(at.key);
  }
  const missed = wanted.filter((key) => !reached.includes(key));
  assert.deepEqual(missed, [], `Tab never reached: ${missed.join(', ')}`);
  assert.deepEqual(unringed, [], 'no visible focus on these');
  console.log(`# keyboard: ${reached.length} tab stops, every one with a visible focus ring`);
});
