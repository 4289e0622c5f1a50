// axe-core for the browser tests (a helper, not a test file): the audit
// script goes into every page of a context through the devtools protocol
// (addInitScript), not as an inline <script>, so the page's
// Content-Security-Policy applies to the page alone and the audit still runs.
//
//   await installAxe(context);
//   const found = await audit(page);    // [{ id, impact, help, nodes: [target, …] }]
import { createRequire } from 'node:module';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// WCAG 2.1 levels A and AA; "serious" and "critical" are the impacts that fail a test.
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const FAILING_IMPACTS = ['serious', 'critical'];

export async function installAxe(context) {
  await context.addInitScript({ path: AXE_PATH });
}

// The serious and critical WCAG 2.1 A/AA violations on the page (or under `include`, a selector).
export async function audit(page, { include } = {}) {
  const violations = await page.evaluate(async ({ tags, include }) => {
    const result = await globalThis.axe.run(include ? { include: [include] } : document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, summary: n.failureSummary })),
    }));
  }, { tags: WCAG_TAGS, include });
  return violations
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => FAILING_IMPACTS.includes(n.impact ?? v.impact)) }))
    .filter((v) => v.nodes.length);
}

export const countNodes = (violations) => violations.reduce((n, v) => n + v.nodes.length, 0);

// For an assertion message: one line per failing node.
export const describeViolations = (violations) => violations.flatMap((v) => v.nodes.map((n) => {
  const why = n.summary?.split('\n').slice(0, 3).join(' ') ?? '';
  return `  [${n.impact ?? v.impact}] ${v.id} (${v.help}): ${n.target}\n      ${why}`;
})).join('\n');
