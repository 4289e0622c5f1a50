// The seeded monkey's short form (tests/browser/monkey.mjs): 150 actions (at most 20 s) of random
// clicks, keys, hash edits, uploads and strokes across every panel, then no
// page error, a drawn digit read within a second, and every saved digit back
// after a reload. The long form: `npm run monkey -- --seconds 600 --seed N`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { endSession, startSession } from './pendigits-harness.mjs';
import { runMonkey } from './monkey.mjs';

let session;
before(async () => {
  session = await startSession({ pendigits: true });
});
after(() => endSession(session));

test('a seeded monkey leaves no page error, a responsive page and every saved digit', async () => {
  const r = await runMonkey({ seconds: 20, maxActions: 150, seed: 15, session });
  console.log(`# monkey: ${r.actions} actions ${JSON.stringify(r.counts)}, ${r.driverMisses} driver misses, ` +
    `digit read in ${r.predictMs} ms, ${r.kept} digits kept`);
  assert.deepEqual(r.errors, []);
  assert.ok(r.actions > 0);
  assert.ok(r.predictMs < 1000, `a drawn digit was read in ${r.predictMs} ms`);
  assert.equal(r.afterReload, r.kept, 'every saved digit is read back after a reload');
});
