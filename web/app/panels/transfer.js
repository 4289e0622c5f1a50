// "Transfer learning": the trained MNIST network's convolutional features
// under a new classifier head, on N labelled images per class of a new task
// (the worker's 'transfer' job), three ways at once: frozen features, all
// layers fine-tuned with a smaller learning rate for the old ones, and the
// same network from scratch; test-accuracy curves side by side, and the
// same-domain case (MNIST itself) for comparison.
import { COLORS, createChart } from '../chart.js';
import { html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { wireJobButton } from './job-button.js';

const RUNS = [
  { name: 'frozen', label: '(a) frozen features, new head', color: COLORS.plain },
  { name: 'finetuned', label: '(b) all fine-tuned, old layers ×0.1', color: COLORS.augmented },
  { name: 'scratch', label: '(c) from scratch', color: COLORS.third },
];
const TARGET_TITLES = { fashion: 'Fashion-MNIST (another domain)', mnist: 'MNIST (the same domain)' };

// The verdict, from the final accuracies only.
function verdict(finals) {
  const best = RUNS.reduce((a, b) => (finals[b.name] > finals[a.name] ? b : a));
  const transferBest = Math.max(finals.frozen, finals.finetuned);
  const gap = transferBest - finals.scratch;
  if (Math.abs(gap) < 0.01) return 'Reusing the MNIST features made no real difference here.';
  return gap > 0
    ? `The MNIST features helped: ${best.label} ends ${formatPercent(gap)} above training from scratch.`
    : `The MNIST features did not help: from scratch ends ${formatPercent(-gap)} above the best transfer. `
      + 'Features learnt on one domain transfer when the new task looks like the old one.';
}

function mount(section, { client }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">The course's transfer learning: keep a trained network's feature extractor and put a new
      classifier on it for a new task. Here the pretrained MNIST LeNet-5 gets a fresh last layer for a new
      set of ten classes and learns from only N labelled images per class.</p>
    <div class="sandbox-controls">
      <label>new task <select data-testid="transfer-target" data-role="target">
        <option value="fashion">${TARGET_TITLES.fashion}</option>
        <option value="mnist">${TARGET_TITLES.mnist}</option></select></label>
      <label>images per class <select data-testid="transfer-per-class" data-role="perClass">
        <option>10</option><option selected>100</option><option>1000</option></select></label>
      <label>steps <select data-testid="transfer-steps" data-role="steps">
        <option>60</option><option selected>300</option><option>1000</option></select></label>
    </div>
    <div class="panel-bar"><button type="button" data-testid="transfer-run" data-role="run"></button>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="chart-row" data-role="charts"></div>
    <p data-testid="transfer-summary" data-role="summary" aria-live="polite"></p>`);
  const parts = roles(section);
  const chart = createChart(parts.charts, {
    title: 'test accuracy on the new task', xLabel: 'training steps (batches of 32)', width: 520,
    series: RUNS.map((r) => ({ label: r.label, color: r.color })),
  });
  const plot = (history) => chart.setPoints(RUNS.map((r) => history[r.name]));

  const job = wireJobButton({
    button: parts.run, root: section, status: parts.status, idleText: 'Train the three',
    run() {
      const history = { frozen: [], finetuned: [], scratch: [] };
      plot(history);
      parts.status.textContent = 'loading the new task\'s images…';
      const payload = { target: parts.target.value, perClass: Number(parts.perClass.value),
        steps: Number(parts.steps.value), evalEvery: Math.max(5, Number(parts.steps.value) / 20) };
      return client.start('transfer', payload, {
        onProgress(p) {
          for (const r of RUNS) history[r.name].push([p.step, p[r.name]]);
          parts.status.textContent = `step ${p.step} of ${p.total}`;
          plot(history);
        },
      });
    },
    done(r) {
      plot(r.history);
      const finals = Object.fromEntries(RUNS.map((run) => [run.name, r.history[run.name].at(-1)[1]]));
      parts.status.textContent = '';
      parts.summary.textContent = `${TARGET_TITLES[r.target]}, ${r.perClass} images per class (${r.trainCount}), `
        + `${r.steps} steps, tested on ${r.testCount} test images: `
        + RUNS.map((run) => `${run.label} ${formatPercent(finals[run.name])}`).join('; ') + `. ${verdict(finals)}`;
      section.dataset.history = JSON.stringify(r.history);
    },
  });
  return {
    destroy() {
      job.cancel();
      chart.destroy();
    },
  };
}

export const transferPanel = { id: 'transfer', title: 'Transfer learning to a new task', wide: true, mount };
