// What `npm run bench` reports, from each system's measurements: one JSON
// object with every figure named system_build and batch (train.tfjs_wasm.b32:
// json.train.tfjs_wasm.b32), the ratios of the engine's wasm SIMD build to
// each peer, the engine's per-layer split, the conv layers' GFLOP/s against
// each build's measured peak, and issue #4's goals; and the same as tables.
import { CONFIGS } from './protocol.mjs';
import { BASELINE, SYSTEMS } from './systems.mjs';

// Issue #4's goals: a figure at least `min`, or its ratio to `per` at least `min`.
const GOALS = [
  { figure: 'train.engine_wasm_simd.b32', min: 10000 },
  { figure: 'train.engine_wasm_simd.b32', per: 'train.tfjs_wasm.b32', min: 6 },
  { figure: 'train.engine_wasm_simd.b1', min: 3000 },
  { figure: 'infer.engine_wasm_simd.b64', min: 40000 },
  { figure: 'train.engine_chromium_simd.b32', min: 10000 },
  { figure: 'train.engine_chromium_simd.b1', min: 3000 },
  { figure: 'infer.engine_chromium_simd.b64', min: 40000 },
];

const configKey = ({ mode, batch }) => `${mode}.b${batch}`;
const sum = (values) => values.reduce((a, b) => a + b, 0);
const isConv = (layer) => layer.spec.startsWith('conv');

// A figure of the summary by its name, or undefined.
export const figure = (summary, name) => name.split('.').reduce((node, part) => node?.[part], summary);

// GFLOP/s of an engine result's conv layers, from its profiled per-layer split.
function convGflops(r) {
  const train = r.mode === 'train';
  const conv = r.layers.filter(isConv);
  const flop = sum(conv.map((l) => l.forward_flop + (train ? l.backward_flop : 0))) * r.batch;
  const ms = sum(conv.map((l) => l.forward_ms + (train ? l.backward_ms : 0)));
  return ms > 0 ? flop / ms / 1e6 : null;
}

function layerSplit(r) {
  const rows = r.layers.map((l) => ({ layer: l.spec, forward_ms: l.forward_ms, backward_ms: l.backward_ms }));
  if (r.mode === 'train') {
    rows.push(
      { layer: 'loss', forward_ms: r.loss_ms, backward_ms: 0 },
      { layer: 'zero grads + sgd', forward_ms: r.update_ms, backward_ms: 0 },
    );
  }
  return rows.map((row) => ({ ...row, share: (row.forward_ms + row.backward_ms) / r.profiled_step_ms }));
}

// reports: { key: {detail, peak_gflops, notes, results} or {error} } in run order.
export function summarize(reports, { protocol, machine }) {
  const summary = {
    benchmark: 'LeNet-5, synthetic 28x28 data, SGD momentum 0.9; images/s, median of repeats',
    date: new Date().toISOString(),
    machine,
    protocol: {
      quick: protocol.quick, warmup_s: protocol.warmup, repeat_s: protocol.seconds, repeats: protocol.repeats,
    },
    systems: {},
    train: {},
    infer: {},
    samples: { train: {}, infer: {} },
    ratios: { train: {}, infer: {} },
    peak_gflops: {},
    conv_gflops: {},
    layers: {},
    notes: {},
    errors: {},
    goals: [],
  };
  for (const [key, report] of Object.entries(reports)) {
    const { label } = SYSTEMS.find((s) => s.key === key);
    summary.systems[key] = { label, detail: report.detail ?? null };
    if (report.error) {
      summary.errors[key] = report.error;
      continue;
    }
    if (report.notes?.length) summary.notes[key] = report.notes;
    if (report.peak_gflops) summary.peak_gflops[key] = report.peak_gflops;
    for (const r of report.results) {
      const b = `b${r.batch}`;
      (summary[r.mode][key] ??= {})[b] = r.images_per_second;
      (summary.samples[r.mode][key] ??= {})[b] = r.samples;
      if (r.layers) {
        (summary.conv_gflops[key] ??= {})[configKey(r)] = convGflops(r);
        (summary.layers[key] ??= {})[configKey(r)] = layerSplit(r);
      }
    }
  }
  for (const mode of ['train', 'infer']) {
    const base = summary[mode][BASELINE];
    if (!base) continue;
    for (const [key, figures] of Object.entries(summary[mode])) {
      if (key === BASELINE) continue;
      summary.ratios[mode][key] = Object.fromEntries(Object.entries(figures).map(([b, v]) => [b, base[b] / v]));
    }
  }
  summary.goals = GOALS.map((g) => {
    const value = figure(summary, g.figure);
    const divisor = g.per ? figure(summary, g.per) : 1;
    const measured = value !== undefined && divisor !== undefined;
    const result = measured ? value / divisor : null;
    return {
      goal: `${g.figure}${g.per ? ` / ${g.per}` : ''} >= ${g.min}`,
      value: result,
      met: measured ? result >= g.min : null,
    };
  });
  return summary;
}

// ---- tables -------------------------------------------------------------

const grouped = (x) => Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const rate = (x) => (x === undefined || x === null ? '—' : x < 100 ? x.toFixed(1) : grouped(x));
const times = (x) => (x === undefined ? '—' : x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(1)}x`);
const percent = (x) => `${(100 * x).toFixed(1)}%`;
const ms = (x) => (x ? x.toFixed(4) : '');

// Columns padded to their widest cell; the first column left-aligned, the rest right.
function table(rows, indent = '  ') {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => indent + r
      .map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c])))
      .join('  ')
      .trimEnd())
    .join('\n');
}

const configHeaders = CONFIGS.map((c) => `${c.mode} b${c.batch}`);

export function formatSummary(s) {
  const out = [];
  const label = (key) => s.systems[key].label;
  const { machine: m, protocol: p } = s;
  out.push(`LeNet-5 throughput, images/s: median of ${p.repeats} repeats of ≥${p.repeat_s} s ` +
    `after ${p.warmup_s} s warm-up${p.quick ? ' (--quick)' : ''}`);
  out.push(`machine: ${m.cpu}, ${m.cores} cores; Node ${m.node}; ${m.chromium}; engine at ${m.commit}` +
    `${m.engine_modified ? ' with uncommitted changes in src/ or wasm/' : ''}`);
  out.push(`quiet? other processes used ${percent(m.others_cpu_share ?? NaN)} of the machine's CPU during the run; ` +
    `load ${m.load_before.join(' ')} before, ${m.load_after.join(' ')} after`);
  out.push('', table([
    ['system', 'figure key', ...configHeaders],
    ...Object.keys(s.systems).map((key) => [
      label(key),
      key,
      ...CONFIGS.map((c) => (s.errors[key] ? 'failed' : rate(s[c.mode][key]?.[`b${c.batch}`]))),
    ]),
  ]));

  const peers = Object.keys(s.ratios.train)
    .concat(Object.keys(s.ratios.infer))
    .filter((k, i, all) => all.indexOf(k) === i);
  if (peers.length) {
    out.push('', `ratio: ${label(BASELINE)} ÷ each (higher: the engine is faster)`);
    out.push(table([
      ['vs', ...configHeaders],
      ...peers.map((key) => [label(key), ...CONFIGS.map((c) => times(s.ratios[c.mode][key]?.[`b${c.batch}`]))]),
    ]));
  }

  const split = s.layers[BASELINE];
  if (split?.['train.b32'] && split?.['infer.b64']) {
    const train = split['train.b32'];
    const infer = split['infer.b64'];
    out.push('', `per-layer split of ${label(BASELINE)}, profiled step (ms per step)`);
    out.push(table([
      ['layer', 'train b32 fwd', 'bwd', 'share', 'infer b64 fwd', 'share'],
      ...train.map((row, i) => [
        row.layer,
        ms(row.forward_ms),
        ms(row.backward_ms),
        percent(row.share),
        ms(infer[i]?.forward_ms),
        infer[i] ? percent(infer[i].share) : '',
      ]),
    ]));
  }

  const engines = Object.keys(s.conv_gflops);
  if (engines.length) {
    out.push('', 'conv layers: achieved GFLOP/s (share of the build\'s measured f32x4 mul+add peak)');
    out.push(table([
      ['build', 'peak', ...configHeaders],
      ...engines.map((key) => {
        const peak = s.peak_gflops[key];
        return [label(key), peak.toFixed(1), ...CONFIGS.map((c) => {
          const g = s.conv_gflops[key][`${c.mode}.b${c.batch}`];
          return g === undefined || g === null ? '—' : `${g.toFixed(1)} (${(100 * g / peak).toFixed(0)}%)`;
        })];
      }),
    ]));
  }

  out.push('', 'goals (issue #4)');
  for (const g of s.goals) {
    const state = g.met === null ? 'not measured' : g.met ? 'met' : 'MISSED';
    const value = g.value === null ? '' : `: ${g.goal.includes('/') ? times(g.value) : rate(g.value)}`;
    out.push(`  ${state.padEnd(12)}  ${g.goal}${value}`);
  }
  for (const [key, notes] of Object.entries(s.notes)) for (const n of notes) out.push(`note: ${key}: ${n}`);
  for (const [key, detail] of Object.entries(s.systems)) {
    if (detail.detail) out.push(`system: ${key}: ${detail.detail}`);
  }
  for (const [key, error] of Object.entries(s.errors)) out.push(`FAILED: ${key}: ${error}`);
  return out.join('\n');
}
