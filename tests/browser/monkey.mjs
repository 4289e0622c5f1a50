// A seeded random "monkey" for the playground page (issue 15): for a bounded
// time it clicks buttons and labels, changes selects, types keys, edits the
// address bar's hash, uploads files (good and bad models and digit exports)
// and draws strokes, across every panel; then it checks that the page threw
// nothing, still reads a drawn digit within a second, and lost none of the
// digits the learner saved. The same seed makes the same actions.
//
// Not a test file itself: tests/browser/monkey.test.mjs runs a short form in
// `npm test`; the long form is a command (README):
//   npm run monkey -- --seconds 600 --seed 7        (node tools/run.mjs monkey …)
import { readFile } from 'node:fs/promises';

import { isMain, repoPath, runCli } from '../../tools/lib/common.mjs';
import { quantise, serialiseDigits } from '../../web/app/panels/personal-digits.js';
import { drawDigit, endSession, openPlayground, startSession } from './pendigits-harness.mjs';

// mulberry32: a small, well-mixed 32-bit generator; the seed fixes the run.
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

const HASHES = [
  '#preset=mlp', '#preset=foo&lr=-1&batch=1e9&zzz=1', '#dataset=fashion', '#dataset=mnist', '#seed=1.5',
  '#constructor=2&__proto__=1&toString=x', '#lr=0.01&lr=0.1', '#batch=8&epochs=0.25', '#augment=rotation%3D15',
  '#augment=spin%3D3', `#${'x'.repeat(5000)}=1`, '#keep=0.5&optimizer=sgd&momentum=0.9', '', '#%E0%A4%A',
];
const KEYS = ['Escape', 'Tab', 'Enter', 'Space', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', '7', 'a'];

async function uploadFiles() {
  const model = await readFile(repoPath('web/models/lenet5.cnn'));
  const pixels = quantise(Float32Array.from({ length: 784 }, (_, i) => (i % 13) / 13));
  const digits = serialiseDigits(Array.from({ length: 12 }, (_, i) => ({ label: i % 10, pixels })), 'mnist');
  return [
    { name: 'lenet5.cnn', mimeType: 'application/octet-stream', buffer: model },
    { name: 'half.cnn', mimeType: 'application/octet-stream', buffer: model.subarray(0, model.length >> 1) },
    { name: 'noise.cnn', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') },
    { name: 'digits.json', mimeType: 'application/json', buffer: Buffer.from(digits) },
    { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"cnn-playground-digits"') },
  ];
}

// One random action on the page. Failures of the driver itself (an element
// that moved away) are not the page's: they are counted, not thrown.
async function act(page, rng, { files, pendigits }) {
  const kind = rng.pick(['click', 'click', 'click', 'click', 'select', 'key', 'key', 'hash', 'upload', 'stroke',
    'stroke', 'digit']);
  if (kind === 'click') {
    const targets = page.locator('button:visible:enabled, label:visible, input[type=checkbox]:visible:enabled, ' +
      'input[type=radio]:visible:enabled, summary:visible');
    const n = await targets.count();
    if (n) await targets.nth(rng.int(n)).click({ timeout: 1000 });
  } else if (kind === 'select') {
    const selects = page.locator('select:visible:enabled');
    const n = await selects.count();
    if (!n) return kind;
    const select = selects.nth(rng.int(n));
    const values = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
    await select.selectOption(rng.pick(values), { timeout: 1000 });
  } else if (kind === 'key') {
    await page.keyboard.press(rng.pick(KEYS));
  } else if (kind === 'hash') {
    await page.evaluate((hash) => (location.hash = hash), rng.pick(HASHES));
  } else if (kind === 'upload') {
    const inputs = page.locator('input[type=file]');
    const n = await inputs.count();
    if (n) await inputs.nth(rng.int(n)).setInputFiles(rng.pick(files), { timeout: 1000 });
  } else if (kind === 'stroke') {
    const box = await page.locator('canvas[data-testid="draw"]').boundingBox();
    if (!box) return kind;
    await page.mouse.move(box.x + rng.next() * box.width, box.y + rng.next() * box.height);
    await page.mouse.down();
    for (let i = rng.int(6); i >= 0; i--) {
      await page.mouse.move(box.x + rng.next() * box.width, box.y + rng.next() * box.height, { steps: 2 });
    }
    await page.mouse.up();
  } else {
    await page.locator('canvas[data-testid="draw"]').scrollIntoViewIfNeeded();
    await drawDigit(page, rng.pick(pendigits).strokes);
  }
  return kind;
}

// Milliseconds from the pen lifting off a drawn digit to the page showing its prediction.
async function timeToPrediction(page, strokes) {
  await page.click('[data-testid="clear"]');
  await page.waitForSelector('[data-testid="prediction"][data-digit=""]');
  await drawDigit(page, strokes.slice(0, -1));
  const last = strokes.at(-1);
  const box = await page.locator('canvas[data-testid="draw"]').boundingBox();
  const at = ([x, y]) => [box.x + (0.12 + 0.76 * x) * box.width, box.y + (0.12 + 0.76 * y) * box.height];
  await page.mouse.move(...at(last[0]));
  await page.mouse.down();
  for (const p of last.slice(1)) await page.mouse.move(...at(p));
  const started = Date.now();
  await page.mouse.up();
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid="prediction"]');
    return el.dataset.digit !== '' && el.dataset.strokes === String(n);
  }, strokes.length, { timeout: 30000 });
  return Date.now() - started;
}

// Runs the monkey for `seconds` or `maxActions` actions, whichever ends first;
// returns { actions, driverMisses, counts, errors, predictMs, kept, afterReload, dataset }.
export async function runMonkey({ seconds = 30, maxActions = Infinity, seed = 1, session, log = () => {} } = {}) {
  const own = !session;
  session ??= await startSession({ pendigits: true });
  const rng = random(seed);
  const files = await uploadFiles();
  const pendigits = session.digits.filter((d) => d.strokes.length === 1).slice(0, 200);
  const { context, page } = await openPlayground(session.browser, session.server.url);
  page.on('filechooser', (chooser) => chooser.setFiles(rng.pick(files)).catch(() => {}));
  const counts = {};
  let driverMisses = 0;
  let actions = 0;
  try {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline && actions < maxActions) {
      try {
        const kind = await act(page, rng, { files, pendigits });
        counts[kind] = (counts[kind] ?? 0) + 1;
      } catch {
        driverMisses++;
      }
      actions++;
      if (actions % 100 === 0) log(`${actions} actions, ${page.errors.length} page errors`);
    }
    // The page still reads a drawn digit within a second.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.keyboard.press('Escape');
    const predictMs = await timeToPrediction(page, pendigits[0].strokes);
    log(`at the end: ${await page.evaluate(() => location.hash)}; ` +
      `train button "${await page.textContent('[data-testid="train"]')}"`);
    // Nothing saved is lost: what the page holds for the active data set is what a reload reads back.
    const countNow = () => page.$eval('[data-testid="my-digits-count"]', (el) => Number(el.dataset.count));
    await page.waitForFunction(() => document.querySelector('[data-testid="my-digits-count"]')?.dataset.count);
    const kept = await countNow();
    const dataset = await page.$eval('[data-testid="dataset-active"]', (el) => el.dataset.dataset);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
    await page.waitForFunction((name) => document.querySelector('[data-testid="dataset-active"]')?.dataset.dataset
      === name, dataset, { timeout: 60000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="my-digits-count"]')?.dataset.count);
    const afterReload = await countNow();
    return { actions, driverMisses, counts, errors: [...page.errors], predictMs, kept, afterReload, dataset };
  } finally {
    await context.close();
    if (own) await endSession(session);
  }
}

if (isMain(import.meta.url)) {
  runCli(async (args) => {
    const option = (name, fallback) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? Number(args[i + 1]) : fallback;
    };
    const seconds = option('seconds', 60);
    const seed = option('seed', 1);
    if (!(seconds > 0) || !Number.isInteger(seed)) throw new Error('usage: monkey.mjs [--seconds S] [--seed N]');
    const r = await runMonkey({ seconds, seed, log: (line) => console.log(line) });
    console.log(`monkey: seed ${seed}, ${seconds} s, ${r.actions} actions (${JSON.stringify(r.counts)}), ` +
      `${r.driverMisses} driver misses; a drawn digit read in ${r.predictMs} ms; ` +
      `${r.kept} digits kept, ${r.afterReload} after a reload (${r.dataset})`);
    for (const e of r.errors) console.log(`page error: ${e}`);
    const ok = r.errors.length === 0 && r.predictMs < 1000 && r.kept === r.afterReload;
    console.log(ok ? 'monkey: ok' : 'monkey: FAILED');
    if (!ok) process.exitCode = 1;
  });
}
