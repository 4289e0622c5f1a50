// Accessibility audit of the playground with axe-core (WCAG 2.1 A and AA): at
// a desktop viewport the page ready, in use (a digit drawn, a feature map and
// a filter chosen, a digit of one's own added), in the dark colour scheme and
// training; at a phone viewport in use (the same content, laid out for a
// narrow screen: an audit takes ~10 s, so the states are not repeated). No serious or critical
// violation may remain. Every panel that
// app/main.js mounts is scrolled into view first (so panels that draw only
// when visible have drawn), hence a new panel is audited without a change here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { audit, countNodes, describeViolations, installAxe } from './axe.mjs';
import { classifyOnPage, endSession, openPlayground, startSession } from './pendigits-harness.mjs';

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

let session;
before(async () => {
  session = await startSession({ pendigits: true });
});
after(() => endSession(session));

// Scrolls every mounted panel into view, in page order; returns their ids.
async function visitPanels(page) {
  const ids = await page.$$eval('main.layout > section.panel', (sections) => sections.map((s) => s.id));
  for (const id of ids) {
    await page.locator(`main.layout > section#${id}`).scrollIntoViewIfNeeded();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  }
  return ids;
}

// Audits the page with every panel visited; the findings of each state are kept
// so one failing state still lets the others be audited (and reported).
async function auditState(page, state, findings) {
  const panels = await visitPanels(page);
  const found = await audit(page);
  console.log(`# axe, ${state}: ${countNodes(found)} serious/critical nodes over ${panels.length} panels`);
  if (found.length) findings.push(`${state}:\n${describeViolations(found)}`);
  return panels;
}

for (const [name, contextOptions] of Object.entries(VIEWPORTS)) {
  const desktop = name === 'desktop';
  const states = desktop ? 'ready, in use, dark, training' : 'in use';
  test(`axe: no serious or critical WCAG 2.1 A/AA violation, ${name} viewport (${states})`, async () => {
    const { context, page } = await openPlayground(session.browser, session.server.url, {
      contextOptions, beforeGoto: (p) => installAxe(p.context()),
    });
    const findings = [];
    if (desktop) {
      const panels = await auditState(page, `${name}, ready`, findings);
      assert.ok(panels.length >= 5, `the page mounts its panels: ${panels}`);
    }

    // In use: a digit drawn, a map and a filter chosen, a digit of one's own added.
    const three = session.digits.find((d) => d.label === 3);
    await page.locator('[data-testid="draw"]').scrollIntoViewIfNeeded();
    await classifyOnPage(page, three.strokes);
    await page.locator('[data-testid="panel-inside"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('canvas[data-testid="map"]', { timeout: 30000 });
    await page.click('canvas[data-testid="map"][data-layer="3"]');
    await page.waitForSelector('[data-testid="filter"]');
    await page.click('[data-testid="filter"]');
    await page.click('[data-testid="finetune-add-3"]');
    await page.waitForSelector('[data-testid="my-digit"]');
    // The results are asked for when their panel comes on screen (as a learner scrolls to it).
    await page.locator('#results').scrollIntoViewIfNeeded();
    await page.waitForSelector('#results:not(.is-empty)', { timeout: 30000 });
    const panels = await auditState(page, `${name}, in use`, findings);
    assert.ok(panels.length >= 5, `the page mounts its panels: ${panels}`);
    if (desktop) {
      // The dark colour scheme has colours of its own.
      await page.emulateMedia({ colorScheme: 'dark' });
      await auditState(page, `${name}, in use, dark colour scheme`, findings);
      await page.emulateMedia({ colorScheme: 'light' });
      // Training: the numbers and charts move.
      await page.click('[data-testid="train"]');
      await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.value) > 0,
        '[data-testid="images-per-second"]', { timeout: 30000 });
      await auditState(page, `${name}, training`, findings);
      await page.click('[data-testid="pause"]');
    }
    assert.deepEqual(findings, [], `axe found:\n${findings.join('\n')}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}
