// "What does augmentation buy?": two fresh LeNet-5s from the same seed,
// trained side by side in the worker (interleaved steps), one on augmented
// digits and one on plain ones. Plots their train/test accuracy as they
// learn, then both robustness curves (rotation and shift). The augmented
// one usually learns a little slower on plain digits but holds up far better
// when digits are turned or moved.
import { COLORS, createLineChart } from './chart.js';

const STEP_CHOICES = [100, 300, 500, 1000, 2000];

// getAugment(): the augmentation panel's engine options ({} when all off);
// fallbackAugment(): the options used then, so the comparison always compares something.
export function createComparePanel(container, { client, getAugment, fallbackAugment, count = 500 }) {
  const root = document.createElement('div');
  root.className = 'compare';
  root.dataset.testid = 'compare';
  root.dataset.state = 'idle';
  container.append(root);

  const bar = document.createElement('div');
  bar.className = 'panel-bar';
  const steps = document.createElement('select');
  steps.dataset.testid = 'compare-steps';
  for (const n of STEP_CHOICES) steps.append(new Option(`${n} steps`, String(n), n === 500, n === 500));
  const run = document.createElement('button');
  run.type = 'button';
  run.textContent = 'Train both';
  run.dataset.testid = 'compare-run';
  const status = document.createElement('span');
  status.className = 'inspect-status';
  status.dataset.testid = 'compare-status';
  bar.append(steps, run, status);
  const charts = document.createElement('div');
  charts.className = 'chart-row';
  root.append(bar, charts);

  const series2 = [{ label: 'without', color: COLORS.plain }, { label: 'with augmentation', color: COLORS.augmented }];
  const learning = createLineChart(charts, { width: 350,
    title: 'learning (batches of 32)', xLabel: 'step',
    series: [
      { label: 'test, without', color: COLORS.plain },
      { label: 'test, with', color: COLORS.augmented },
      { label: 'train, without', color: COLORS.plain, dash: [4, 4] },
      { label: 'train, with', color: COLORS.augmented, dash: [4, 4] },
    ],
  });
  const rotation = createLineChart(charts, { width: 350, title: 'then: rotated test digits', xLabel: 'rotation (°)', series: series2 });
  const shift = createLineChart(charts, { width: 350, title: 'then: shifted test digits', xLabel: 'shift left/right (px)', series: series2 });

  let job = null;
  const empty = () => ({ plain: [], augmented: [] });

  function plot(history, curves) {
    const col = (list, k) => list.map((p) => [p[0], p[k]]);
    learning.setPoints([col(history.plain, 2), col(history.augmented, 2), col(history.plain, 1), col(history.augmented, 1)]);
    rotation.setPoints([curves.plain.rotation, curves.augmented.rotation]);
    shift.setPoints([curves.plain.shiftX, curves.augmented.shiftX]);
  }

  run.addEventListener('click', async () => {
    if (job) {
      client.cancel(job.id);
      return;
    }
    let augment = getAugment();
    const fallback = Object.keys(augment).length === 0;
    if (fallback) augment = fallbackAugment();
    const history = empty();
    const curves = { plain: { rotation: [], shiftX: [], shiftY: [] }, augmented: { rotation: [], shiftX: [], shiftY: [] } };
    plot(history, curves);
    root.dataset.state = 'running';
    run.textContent = 'Stop';
    status.textContent = `training… (augmentation: ${fallback ? 'the standard preset, since the panel above is off' : 'the settings above'})`;
    const total = Number(steps.value);
    job = client.start('compare', { steps: total, evalEvery: Math.max(10, Math.round(total / 20)), augment, count, seed: 1 }, {
      onProgress(p) {
        if (p.phase === 'train') {
          for (const name of ['plain', 'augmented']) history[name].push([p.step, p[name].train, p[name].test]);
          status.textContent = `training… step ${p.step}/${p.total}`;
        } else {
          for (const name of ['plain', 'augmented']) if (p[name]) curves[name][p[name].curve].push([p[name].x, p[name].accuracy]);
          status.textContent = 'measuring robustness…';
        }
        plot(history, curves);
      },
    });
    try {
      const r = await job.promise;
      plot(r.history, r.robustness);
      root.dataset.points = JSON.stringify({ history: r.history, robustness: r.robustness, augment: r.augment, steps: r.steps });
      root.dataset.state = 'done';
      const at = (list, x) => list.find((p) => p[0] === x)?.[1] ?? NaN;
      const pct = (v) => `${(v * 100).toFixed(1)}%`;
      const last = (h) => h[h.length - 1][2];
      status.textContent = `after ${r.steps} steps (${r.seconds.toFixed(0)} s): upright ${pct(last(r.history.plain))} vs ${pct(last(r.history.augmented))}; at 30° ${pct(at(r.robustness.plain.rotation, 30))} vs ${pct(at(r.robustness.augmented.rotation, 30))} (without vs with)`;
    } catch (e) {
      root.dataset.state = e.message === 'cancelled' ? 'idle' : 'error';
      status.textContent = e.message === 'cancelled' ? 'stopped' : `failed: ${e.message}`;
    } finally {
      job = null;
      run.textContent = 'Train both';
    }
  });

  return { element: root };
}
