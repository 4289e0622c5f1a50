// "How robust is it?": the current model's test accuracy as the test digits
// are rotated (−45°…45°) and shifted (−6…6 px), plotted as curves. The
// worker measures a copy of the model with the engine's transformImages on
// a test subset; this view plots the points as they arrive and exposes them
// as data-points (JSON) for tests and curious learners.
import { COLORS, createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { wireJobButton } from './job-button.js';

// The accuracy at x of a curve [[x, accuracy], …], as text.
export const percentAt = (list, x) => {
  const v = list.find((p) => p[0] === x)?.[1];
  return v == null ? '–' : formatPercent(v);
};

export function createRobustnessView(container, { client, count = 500 }) {
  const root = el('div', { className: 'robustness', dataset: { testid: 'robustness' } });
  root.append(html`
    <div class="panel-bar">
      <button type="button" data-testid="robustness-run" data-role="run"></button>
      <span class="inspect-status" data-testid="robustness-status" data-role="status"></span>
    </div>
    <div class="chart-row" data-role="charts"></div>`);
  const parts = roles(root);
  container.append(root);

  const rotation = createChart(parts.charts, {
    title: 'rotated test digits', xLabel: 'rotation (°)', width: 380,
    series: [{ label: 'this model', color: COLORS.plain }],
  });
  const shift = createChart(parts.charts, {
    title: 'shifted test digits', xLabel: 'shift (px)', width: 380,
    series: [{ label: 'left/right', color: COLORS.plain }, { label: 'up/down', color: COLORS.third, dash: [6, 4] }],
  });
  const plot = (curves) => {
    rotation.setPoints([curves.rotation]);
    shift.setPoints([curves.shiftX, curves.shiftY]);
  };

  const job = wireJobButton({
    button: parts.run,
    root,
    status: parts.status,
    idleText: `Measure on ${count} test digits`,
    run() {
      const curves = { rotation: [], shiftX: [], shiftY: [] };
      plot(curves);
      parts.status.textContent = 'measuring…';
      return client.start('robustness', { count }, {
        onProgress(p) {
          curves[p.curve].push([p.x, p.accuracy]);
          parts.status.textContent = `measuring… ${p.done}/${p.total}`;
          plot(curves);
        },
      });
    },
    done(r) {
      plot(r);
      const { rotation: angles, shiftX, shiftY, count: measured } = r;
      root.dataset.points = JSON.stringify({ rotation: angles, shiftX, shiftY, count: measured });
      parts.status.textContent = `${r.count} digits: ${percentAt(r.rotation, 0)} upright, `
        + `${percentAt(r.rotation, 45)} at 45°, ${percentAt(r.shiftX, 6)} shifted 6 px`;
    },
  });

  return {
    element: root,
    destroy() {
      job.cancel();
      rotation.destroy();
      shift.destroy();
    },
  };
}
