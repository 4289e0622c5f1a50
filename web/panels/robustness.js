// "How robust is it?": the current model's test accuracy as the test digits
// are rotated (−45°…45°) and shifted (−6…6 px), plotted as curves. The
// worker measures a copy of the model with the engine's transformImages on
// a test subset; this panel plots the points as they arrive and exposes them
// as data-points (JSON) for tests and curious learners.
import { COLORS, createLineChart } from './chart.js';

export function createRobustnessPanel(container, { client, count = 500 }) {
  const root = document.createElement('div');
  root.className = 'robustness';
  root.dataset.testid = 'robustness';
  root.dataset.state = 'idle';
  container.append(root);

  const bar = document.createElement('div');
  bar.className = 'panel-bar';
  const run = document.createElement('button');
  run.type = 'button';
  run.textContent = `Measure on ${count} test digits`;
  run.dataset.testid = 'robustness-run';
  const status = document.createElement('span');
  status.className = 'inspect-status';
  status.dataset.testid = 'robustness-status';
  bar.append(run, status);
  const charts = document.createElement('div');
  charts.className = 'chart-row';
  root.append(bar, charts);

  const rotation = createLineChart(charts, { title: 'rotated test digits', xLabel: 'rotation (°)', series: [{ label: 'this model', color: COLORS.plain }] });
  const shift = createLineChart(charts, {
    title: 'shifted test digits', xLabel: 'shift (px)',
    series: [{ label: 'left/right', color: COLORS.plain }, { label: 'up/down', color: COLORS.third, dash: [6, 4] }],
  });
  let job = null;

  function plot(curves) {
    rotation.setPoints([curves.rotation]);
    shift.setPoints([curves.shiftX, curves.shiftY]);
  }

  run.addEventListener('click', async () => {
    if (job) {
      client.cancel(job.id);
      return;
    }
    const curves = { rotation: [], shiftX: [], shiftY: [] };
    plot(curves);
    root.dataset.state = 'running';
    run.textContent = 'Stop';
    status.textContent = 'measuring…';
    job = client.start('robustness', { count }, {
      onProgress(p) {
        curves[p.curve].push([p.x, p.accuracy]);
        status.textContent = `measuring… ${p.done}/${p.total}`;
        plot(curves);
      },
    });
    try {
      const result = await job.promise;
      plot(result);
      root.dataset.points = JSON.stringify({ rotation: result.rotation, shiftX: result.shiftX, shiftY: result.shiftY, count: result.count });
      root.dataset.state = 'done';
      const at = (list, x) => list.find((p) => p[0] === x)?.[1];
      const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
      status.textContent = `${result.count} digits: ${pct(at(result.rotation, 0))} upright, ${pct(at(result.rotation, 45))} at 45°, ${pct(at(result.shiftX, 6))} shifted 6 px`;
    } catch (e) {
      root.dataset.state = e.message === 'cancelled' ? 'idle' : 'error';
      status.textContent = e.message === 'cancelled' ? 'stopped' : `failed: ${e.message}`;
    } finally {
      job = null;
      run.textContent = `Measure on ${count} test digits`;
    }
  });

  return { element: root };
}
