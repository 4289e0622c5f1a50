// Two fresh networks trained side by side in the worker (worker/comparison.js)
// that differ in one chosen setting (../../comparison.js) and in nothing else:
// their train and test accuracy plotted together as they learn. The
// augmentation panel uses it for with/without augmentation (then both
// robustness curves, rotation and shift, follow); the regularisation panel
// offers every setting.
import { COMPARE_SETTINGS } from '../../comparison.js';
import { COLORS, createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { wireJobButton } from './job-button.js';
import { percentAt } from './robustness.js';

const STEP_CHOICES = [100, 300, 500, 1000, 2000];
const DEFAULT_STEPS = 500;
const CHART = { width: 350 };
const TWO = [COLORS.plain, COLORS.augmented];

const noCurves = () => ({ rotation: [], shiftX: [], shiftY: [] });
const fillValues = (select, setting, index) => select.replaceChildren(...COMPARE_SETTINGS[setting].values
  .map(([v, label], i) => new Option(label, JSON.stringify(v), i === index, i === index)));

// settings: the COMPARE_SETTINGS keys offered (one: no choice shown).
// augment(): { options, fallback }, the augmentation panel's engine options ({} when all off) and the ones used
// then, so an augmentation comparison always compares something; null while unknown.
// base(): { net, training } the two runs share (the network, engine training options); default LeNet-5, SGD.
export function createCompareView(container, { client, augment, count = 500, settings = ['augment'],
  base = () => ({}) }) {
  const root = el('div', { className: 'compare', dataset: { testid: 'compare' } });
  root.append(html`
    <div class="panel-bar" data-role="bar">
      <select data-testid="compare-steps" data-role="steps" aria-label="Training steps for each network"></select>
      <button type="button" data-testid="compare-run" data-role="run"></button>
      <span class="inspect-status" data-testid="compare-status" data-role="status"></span>
    </div>
    <div class="chart-row" data-role="charts"></div>`);
  const parts = roles(root);
  const isDefault = (n) => n === DEFAULT_STEPS;
  parts.steps.append(...STEP_CHOICES.map((n) => new Option(`${n} steps`, String(n), isDefault(n), isDefault(n))));
  const choose = settings.length > 1 && {
    setting: el('select', { dataset: { testid: 'compare-setting' } }),
    a: el('select', { dataset: { testid: 'compare-a' } }),
    b: el('select', { dataset: { testid: 'compare-b' } }),
  };
  if (choose) {
    choose.setting.append(...settings.map((key) => new Option(COMPARE_SETTINGS[key].label, key)));
    const label = (text, control) => el('label', {}, `${text} `, control);
    parts.bar.prepend(label('Differ in', choose.setting), label('run A', choose.a), label('run B', choose.b));
    const refill = () => {
      fillValues(choose.a, choose.setting.value, 0);
      fillValues(choose.b, choose.setting.value, 1);
    };
    choose.setting.addEventListener('change', refill);
    refill();
  }
  container.append(root);

  // The chosen setting and its two values with their labels.
  function chosen() {
    const setting = choose ? choose.setting.value : settings[0];
    const picks = choose ? [choose.a, choose.b].map((s) => JSON.parse(s.value))
      : COMPARE_SETTINGS[setting].values.slice(0, 2).map(([v]) => v);
    const labels = picks.map((v) => COMPARE_SETTINGS[setting].values.find(([x]) => x === v)[1]);
    return { setting, values: picks, labels };
  }

  let learning = null;
  function learningChart(labels) {
    learning?.destroy();
    learning = createChart(parts.charts, {
      ...CHART, title: 'learning', xLabel: 'step',
      series: [
        ...labels.map((l, i) => ({ label: `test, ${l}`, color: TWO[i] })),
        ...labels.map((l, i) => ({ label: `train, ${l}`, color: TWO[i], dash: [4, 4] })),
      ],
    });
    parts.charts.prepend(learning.element);
  }
  learningChart(chosen().labels);
  const sweeps = settings.includes('augment') && {
    rotation: createChart(parts.charts, { ...CHART, title: 'then: rotated test digits', xLabel: 'rotation (°)',
      series: chosen().labels.map((label, i) => ({ label, color: TWO[i] })) }),
    shift: createChart(parts.charts, { ...CHART, title: 'then: shifted test digits',
      xLabel: 'shift left/right (px)', series: chosen().labels.map((label, i) => ({ label, color: TWO[i] })) }),
  };

  // history: per run [[step, train accuracy, test accuracy], …]; curves: per run { rotation, shiftX, shiftY }.
  function plot(history, curves) {
    const column = (list, k) => list.map((p) => [p[0], p[k]]);
    learning.setPoints([column(history[0], 2), column(history[1], 2), column(history[0], 1), column(history[1], 1)]);
    if (!sweeps || !curves) return;
    sweeps.rotation.setPoints(curves.map((c) => c.rotation));
    sweeps.shift.setPoints(curves.map((c) => c.shiftX));
  }

  function augmentation(setting) {
    if (setting !== 'augment') return {};
    const given = augment?.();
    if (!given) return null;
    const useFallback = Object.keys(given.options).length === 0;
    return { options: useFallback ? given.fallback : given.options, useFallback };
  }

  function run() {
    const { setting, values, labels } = chosen();
    const aug = augmentation(setting);
    if (!aug) {
      parts.status.textContent = 'the augmentation settings are still loading';
      return null;
    }
    learningChart(labels);
    const history = [[], []];
    const curves = [noCurves(), noCurves()];
    plot(history, curves);
    parts.status.textContent = setting === 'augment' ? `training… (augmentation: ${aug.useFallback
      ? 'the standard preset, since the panel above is off' : 'the settings above'})` : 'training…';
    const steps = Number(parts.steps.value);
    const payload = {
      setting, values, steps, evalEvery: Math.max(10, Math.round(steps / 20)), count, seed: 1, ...base(),
      ...(setting === 'augment' ? { augment: aug.options } : {}),
    };
    return client.start('compare', payload, {
      onProgress(p) {
        if (p.phase === 'train') {
          history[p.run].push([p.step, p.train, p.test]);
          parts.status.textContent = `training… step ${Math.min(...history.map((h) => h.at(-1)?.[0] ?? 0))}/` +
            `${p.total}`;
        } else {
          curves[p.run][p.point.curve].push([p.point.x, p.point.accuracy]);
          parts.status.textContent = 'measuring robustness…';
        }
        plot(history, curves);
      },
    });
  }

  function done(r) {
    plot(r.history, r.robustness);
    const { history, robustness, augment: used, steps, setting, values, labels } = r;
    root.dataset.points = JSON.stringify({ history, robustness, augment: used, steps, setting, values });
    const last = (h) => (h.length ? formatPercent(h.at(-1)[2]) : '–');
    const diverged = r.diverged.map((d, i) => (d ? ` (${labels[i]} diverged)` : '')).join('');
    parts.status.textContent = `after ${steps} steps (${r.seconds.toFixed(0)} s): test ${last(history[0])} vs ` +
      `${last(history[1])}` + (robustness ? `; at 30° ${percentAt(robustness[0].rotation, 30)} vs ` +
        `${percentAt(robustness[1].rotation, 30)}` : '') + ` (${labels.join(' vs ')})${diverged}`;
  }

  const job = wireJobButton({ button: parts.run, root, status: parts.status, idleText: 'Train both', run, done });
  return {
    element: root,
    destroy() {
      job.cancel();
      learning?.destroy();
      if (sweeps) for (const chart of Object.values(sweeps)) chart.destroy();
    },
  };
}
