// `npm run bench` (bench/run.mjs) in its quickest form on three systems —
// the engine's wasm SIMD build, TF.js wasm (which exercises the benchmark's
// own Conv2DBackpropFilter kernel and its check against the cpu backend) and
// ConvNetJS: the JSON's shape, every figure named and positive, the ratios,
// the per-layer split and the goals. No timing thresholds: speed is for the
// benchmark to print, not for a test to fail on (STYLE.md). Also: the bench
// modules are the page's module plus the benchmark, and the page's has none.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { CONFIGS } from '../../bench/protocol.mjs';
import { figure, summarize } from '../../bench/report.mjs';
import { selectSystems } from '../../bench/systems.mjs';

const repo = (path) => new URL(`../../${path}`, import.meta.url).pathname;
const SYSTEMS = ['engine_wasm_simd', 'tfjs_wasm', 'convnetjs'];

const positive = (x) => typeof x === 'number' && Number.isFinite(x) && x > 0;

describe('npm run bench --quick', () => {
  let summary;
  let table;

  test('runs and ends with one JSON object', { timeout: 120_000 }, async () => {
    const args = [repo('bench/run.mjs'), '--quick', '--json', '--only', SYSTEMS.join(',')];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repo(''), maxBuffer: 16 << 20 });
    const lines = stdout.trim().split('\n');
    summary = JSON.parse(lines.at(-1));
    table = lines.slice(0, -1).join('\n');
    assert.deepEqual(summary.errors, {});
    assert.deepEqual(Object.keys(summary.systems), SYSTEMS);
  });

  test('names every figure system_build.bN and each is positive, with its repeats', () => {
    assert.ok(summary, 'the run above gave a summary');
    for (const key of SYSTEMS)
      for (const { mode, batch } of CONFIGS) {
        const name = `${mode}.${key}.b${batch}`;
        assert.ok(positive(figure(summary, name)), `${name} = ${figure(summary, name)}`);
        const samples = summary.samples[mode][key][`b${batch}`];
        assert.equal(samples.length, summary.protocol.repeats, `${name}: one sample per repeat`);
        assert.ok(samples.every(positive), `${name} samples ${samples}`);
      }
  });

  test('ratios of the engine to each peer are the figures divided', () => {
    for (const peer of ['tfjs_wasm', 'convnetjs'])
      for (const { mode, batch } of CONFIGS) {
        const b = `b${batch}`;
        const expected = summary[mode].engine_wasm_simd[b] / summary[mode][peer][b];
        assert.ok(Math.abs(summary.ratios[mode][peer][b] - expected) < 1e-9 * expected, `${mode}.${peer}.${b}`);
      }
    assert.equal(summary.ratios.train.engine_wasm_simd, undefined, 'no ratio of the baseline to itself');
  });

  test('the engine reports a per-layer split, conv GFLOP/s and its peak', () => {
    const train = summary.layers.engine_wasm_simd['train.b32'];
    assert.deepEqual(train.slice(0, 4).map((l) => l.layer),
      ['conv 6 k=5 s=1 p=2', 'relu', 'maxpool 2 s=2', 'conv 16 k=5 s=1 p=0']);
    assert.deepEqual(train.slice(-2).map((l) => l.layer), ['loss', 'zero grads + sgd']);
    const shares = train.reduce((a, l) => a + l.share, 0);
    // 1e-4: the engine prints each time to 6 significant digits.
    assert.ok(Math.abs(shares - 1) < 1e-4, `shares add up to ${shares}`);
    const inference = summary.layers.engine_wasm_simd['infer.b64'];
    assert.equal(inference.length, 11, 'inference: the 11 layers, no loss or update');
    for (const { mode, batch } of CONFIGS) {
      assert.ok(positive(summary.conv_gflops.engine_wasm_simd[`${mode}.b${batch}`]));
    }
    assert.ok(positive(summary.peak_gflops.engine_wasm_simd));
    assert.equal(summary.layers.tfjs_wasm, undefined, 'peers have no split');
  });

  test('TF.js wasm: stock training fails on Conv2DBackpropFilter, the registered kernel passes its check', () => {
    const [stock, registered] = summary.notes.tfjs_wasm;
    assert.match(stock, /cannot train.*Conv2DBackpropFilter/);
    assert.match(registered, /agrees with the cpu backend/);
  });

  test('goals: measured ones are met or missed, the Chromium ones not measured', () => {
    const byGoal = Object.fromEntries(summary.goals.map((g) => [g.goal, g]));
    const ratio = byGoal['train.engine_wasm_simd.b32 / train.tfjs_wasm.b32 >= 6'];
    assert.equal(typeof ratio.met, 'boolean');
    assert.equal(ratio.value, summary.ratios.train.tfjs_wasm.b32);
    assert.equal(byGoal['infer.engine_chromium_simd.b64 >= 40000'].met, null);
  });

  test('the table has a row per system and the goals', () => {
    for (const key of SYSTEMS) assert.match(table, new RegExp(`^  .*\\b${key}\\b`, 'm'));
    assert.match(table, /goals \(issue #4\)/);
  });
});

describe('bench selection and failures', () => {
  test('--only takes substrings of keys and refuses a name that matches none', () => {
    assert.deepEqual(selectSystems('tfjs').map((s) => s.key), ['tfjs_wasm', 'tfjs_cpu']);
    assert.throws(() => selectSystems('tensorflow'), /matches no system/);
  });

  test('a failed system is an error in the summary and leaves its goals unmeasured', () => {
    const protocol = { quick: true, warmup: 0, seconds: 0, repeats: 1 };
    const machine = { load_before: [], load_after: [] };
    const s = summarize({ engine_wasm_simd: { error: 'no engine' } }, { protocol, machine });
    assert.deepEqual(s.errors, { engine_wasm_simd: 'no engine' });
    assert.deepEqual(s.train, {});
    assert.ok(s.goals.every((g) => g.met === null && g.value === null));
  });
});

describe('bench modules (web/engine/cnn-bench-<flavour>) and the page\'s', () => {
  const load = async (name) => {
    const { default: createEngine } = await import(new URL(`../../web/engine/${name}.mjs`, import.meta.url));
    return createEngine({ wasmBinary: await readFile(repo(`web/engine/${name}.wasm`)) });
  };

  for (const flavour of ['simd', 'scalar']) {
    const name = `cnn-bench-${flavour} is cnn-${flavour} plus benchmark() and peakGflops(); ` +
      'the page\'s carries no benchmark code';
    test(name, async () => {
      const [page, bench] = [await load(`cnn-${flavour}`), await load(`cnn-bench-${flavour}`)];
      const api = (m) =>
        Object.keys(m).filter((k) => typeof m[k] === 'function' && /^[A-Za-z]/.test(k) && !/^(HEAP|_)/.test(k));
      assert.ok(['Model', 'Data', 'Training', 'evaluate', 'augmentPreview'].every((k) => api(page).includes(k)));
      const missing = api(page).filter((k) => !(k in bench));
      assert.deepEqual(missing, [], 'the bench module has everything the page module has');
      assert.equal(typeof bench.benchmark, 'function');
      assert.equal(typeof bench.peakGflops, 'function');
      assert.equal(page.benchmark, undefined);
      assert.equal(page.peakGflops, undefined);
      assert.equal(bench.simdEnabled(), flavour === 'simd');
      // Not even the names or the JSON keys are in the page's binary.
      const bytes = (await readFile(repo(`web/engine/cnn-${flavour}.wasm`))).toString('latin1');
      for (const text of ['peakGflops', 'benchmark', 'profiled_step_ms']) assert.ok(!bytes.includes(text),
        `cnn-${flavour}.wasm contains '${text}'`);
    });
  }
});
