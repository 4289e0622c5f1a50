// "Transfer learning": the trained MNIST network's convolutional features
// under a new classifier head, on N labelled images per class of a new task
// (the worker's 'transfer' job), three ways at once: frozen features, all
// layers fine-tuned with a smaller learning rate for the old ones, and the
// same network from scratch; test-accuracy curves side by side, for two
// tasks one after the other: Fashion-MNIST (another domain) and the pen
// digits (the same domain: digits, drawn by other people on a tablet and
// brought to 28×28 by the page's own preprocessing).
import { COLORS, createChart } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { CANCELLED } from '../../protocol.js';
import { wireJobButton } from './job-button.js';

const RUNS = [
  { name: 'frozen', label: '(a) frozen features, new head', color: COLORS.plain },
  { name: 'finetuned', label: '(b) all fine-tuned, old layers ×0.1', color: COLORS.augmented },
  { name: 'scratch', label: '(c) from scratch', color: COLORS.third },
];
const TASKS = [
  { target: 'fashion', title: 'Fashion-MNIST (another domain)' },
  { target: 'pendigits', title: 'pen digits, writers unseen (the same domain)' },
];
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
      set of ten classes and learns from only N labelled images per class: for clothes (Fashion-MNIST), and
      for digits written with a pen on a tablet by people MNIST never saw (the pen digits, writers 21–30 for
      testing). The course says transfer works when the new domain is like the old one: compare the two.</p>
    <div class="sandbox-controls">
      <label>images per class <select data-testid="transfer-per-class" data-role="perClass">
        <option>10</option><option selected>100</option><option>1000</option></select></label>
      <label>steps <select data-testid="transfer-steps" data-role="steps">
        <option>60</option><option selected>300</option><option>1000</option></select></label>
    </div>
    <div class="panel-bar"><button type="button" data-testid="transfer-run" data-role="run"></button>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="chart-row" data-role="charts"></div>
    <div data-testid="transfer-summary" data-role="summary" aria-live="polite"></div>`);
  const parts = roles(section);
  const charts = TASKS.map((task) => createChart(parts.charts, {
    title: `test accuracy: ${task.title}`, xLabel: 'training steps (batches of 32)', width: 420,
    series: RUNS.map((r) => ({ label: r.label, color: r.color })),
  }));
  const plot = (k, history) => charts[k].setPoints(RUNS.map((r) => history[r.name]));
  const lines = TASKS.map((task) => el('p', { dataset: { testid: `transfer-summary-${task.target}` } }));
  parts.summary.replaceChildren(...lines);

  function describe(k, r) {
    const finals = Object.fromEntries(RUNS.map((run) => [run.name, r.history[run.name].at(-1)[1]]));
    lines[k].textContent = `${TASKS[k].title}, ${r.perClass} images per class (${r.trainCount}), `
      + `${r.steps} steps, tested on ${r.testCount} test images: `
      + RUNS.map((run) => `${run.label} ${formatPercent(finals[run.name])}`).join('; ') + `. ${verdict(finals)}`;
  }

  // The two tasks one after the other, as one job for the button: { promise, cancel }.
  function runBoth(payload) {
    let current = null, cancelled = false;
    const promise = (async () => {
      const results = {};
      for (const [k, task] of TASKS.entries()) {
        if (cancelled) throw new Error(CANCELLED);
        const history = { frozen: [], finetuned: [], scratch: [] };
        plot(k, history);
        parts.status.textContent = `${task.title}: loading its images…`;
        current = client.start('transfer', { ...payload, target: task.target }, {
          onProgress(p) {
            for (const r of RUNS) history[r.name].push([p.step, p[r.name]]);
            parts.status.textContent = `${task.title}: step ${p.step} of ${p.total}`;
            plot(k, history);
          },
        });
        try {
          results[task.target] = await current.promise;
        } catch (error) {
          if (error.message === CANCELLED) throw error;
          lines[k].textContent = `${task.title}: not run (${error.message}).`; // e.g. Fashion-MNIST not installed
          continue;
        }
        plot(k, results[task.target].history);
        describe(k, results[task.target]);
      }
      return results;
    })();
    return { promise, cancel: () => ((cancelled = true), current?.cancel()) };
  }

  const job = wireJobButton({
    button: parts.run, root: section, status: parts.status, idleText: 'Train the three, on both tasks',
    run() {
      lines.forEach((line) => (line.textContent = ''));
      const steps = Number(parts.steps.value);
      return runBoth({ perClass: Number(parts.perClass.value), steps, evalEvery: Math.max(5, steps / 20) });
    },
    done(results) {
      parts.status.textContent = '';
      section.dataset.history = JSON.stringify(Object.fromEntries(Object.entries(results).map(([t, r]) =>
        [t, r.history])));
    },
  });
  return {
    destroy() {
      job.cancel();
      charts.forEach((chart) => chart.destroy());
    },
  };
}

export const transferPanel = { id: 'transfer', title: 'Transfer learning to a new task', wide: true, mount };
