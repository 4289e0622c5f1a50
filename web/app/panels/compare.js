// "What does augmentation buy?": two fresh LeNet-5s from the same seed,
// trained side by side in the worker (interleaved steps), one on augmented
// digits and one on plain ones. Plots their train/test accuracy as they
// learn, then both robustness curves (rotation and shift). The augmented
// one usually learns a little slower on plain digits but holds up far better
// when digits are turned or moved.
import { COLORS, createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { wireJobButton } from './job-button.js';
import { percentAt } from './robustness.js';

const STEP_CHOICES = [100, 300, 500, 1000, 2000];
const DEFAULT_STEPS = 500;
const CHART = { width: 350 };
const MODELS = ['plain', 'augmented'];

const noCurves = () => ({ rotation: [], shiftX: [], shiftY: [] });

// augment(): { options, fallback } — the augmentation panel's engine options
// ({} when all off) and the ones used then, so the comparison always
// compares something; null while unknown.
export function createCompareView(container, { client, augment, count = 500 }) {
  const root = el('div', { className: 'compare', dataset: { testid: 'compare' } });
  root.append(html`
    <div class="panel-bar">
      <select data-testid="compare-steps" data-role="steps" aria-label="Training steps for each network"></select>
      <button type="button" data-testid="compare-run" data-role="run"></button>
      <span class="inspect-status" data-testid="compare-status" data-role="status"></span>
    </div>
    <div class="chart-row" data-role="charts"></div>`);
  const parts = roles(root);
  const isDefault = (n) => n === DEFAULT_STEPS;
  parts.steps.append(...STEP_CHOICES.map((n) => new Option(`${n} steps`, String(n), isDefault(n), isDefault(n))));
  container.append(root);

  const both = [{ label: 'without', color: COLORS.plain }, { label: 'with augmentation', color: COLORS.augmented }];
  const learning = createChart(parts.charts, {
    ...CHART, title: 'learning (batches of 32)', xLabel: 'step',
    series: [
      { label: 'test, without', color: COLORS.plain },
      { label: 'test, with', color: COLORS.augmented },
      { label: 'train, without', color: COLORS.plain, dash: [4, 4] },
      { label: 'train, with', color: COLORS.augmented, dash: [4, 4] },
    ],
  });
  const rotation = createChart(parts.charts, {
    ...CHART, title: 'then: rotated test digits', xLabel: 'rotation (°)', series: both,
  });
  const shift = createChart(parts.charts, {
    ...CHART, title: 'then: shifted test digits', xLabel: 'shift left/right (px)', series: both,
  });

  // history: per model [[step, train accuracy, test accuracy], …]; curves: per model { rotation, shiftX, shiftY }.
  function plot(history, curves) {
    const column = (list, k) => list.map((p) => [p[0], p[k]]);
    learning.setPoints([
      column(history.plain, 2), column(history.augmented, 2), column(history.plain, 1), column(history.augmented, 1),
    ]);
    rotation.setPoints([curves.plain.rotation, curves.augmented.rotation]);
    shift.setPoints([curves.plain.shiftX, curves.augmented.shiftX]);
  }

  function run() {
    const chosen = augment();
    if (!chosen) {
      parts.status.textContent = 'the augmentation settings are still loading';
      return null;
    }
    const useFallback = Object.keys(chosen.options).length === 0;
    const history = { plain: [], augmented: [] };
    const curves = { plain: noCurves(), augmented: noCurves() };
    plot(history, curves);
    parts.status.textContent = `training… (augmentation: ${useFallback
      ? 'the standard preset, since the panel above is off' : 'the settings above'})`;
    const steps = Number(parts.steps.value);
    const payload = {
      steps, evalEvery: Math.max(10, Math.round(steps / 20)), count, seed: 1,
      augment: useFallback ? chosen.fallback : chosen.options,
    };
    return client.start('compare', payload, {
      onProgress(p) {
        if (p.phase === 'train') {
          for (const name of MODELS) history[name].push([p.step, p[name].train, p[name].test]);
          parts.status.textContent = `training… step ${p.step}/${p.total}`;
        } else {
          for (const name of MODELS) if (p[name]) curves[name][p[name].curve].push([p[name].x, p[name].accuracy]);
          parts.status.textContent = 'measuring robustness…';
        }
        plot(history, curves);
      },
    });
  }

  function done(r) {
    plot(r.history, r.robustness);
    const { history, robustness, augment: used, steps } = r;
    root.dataset.points = JSON.stringify({ history, robustness, augment: used, steps });
    const upright = (h) => formatPercent(h[h.length - 1][2]);
    parts.status.textContent = `after ${r.steps} steps (${r.seconds.toFixed(0)} s): `
      + `upright ${upright(r.history.plain)} vs ${upright(r.history.augmented)}; `
      + `at 30° ${percentAt(r.robustness.plain.rotation, 30)} vs ${percentAt(r.robustness.augmented.rotation, 30)} `
      + '(without vs with)';
  }

  const job = wireJobButton({ button: parts.run, root, status: parts.status, idleText: 'Train both', run, done });
  return {
    element: root,
    destroy() {
      job.cancel();
      for (const chart of [learning, rotation, shift]) chart.destroy();
    },
  };
}
