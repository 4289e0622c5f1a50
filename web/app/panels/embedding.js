// "The network's view of the data set": the penultimate layer's outputs for
// a few thousand test digits, laid out in 2-D by UMAP in the worker (the
// 'embedding' job), one dot per digit coloured by its class, the drawn digit
// as a ring among them. Redrawn as the network trains (when asked), so the
// clusters can be seen to form; and measured: how much nearer a digit lies
// to its own class than to the others.
import { el, html, roles } from '../dom.js';
import { wireJobButton } from './job-button.js';
import { classNamesFor } from './dataset-picker.js';

const SIZE = 380;
// Ten colours told apart by most eyes (Tableau 10).
const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac'];

// Mean distance between points of one class over that between classes (small: tight, separate clusters).
export function separation(points, labels) {
  let within = 0, nWithin = 0, between = 0, nBetween = 0;
  for (let i = 0; i < labels.length; i += 3) // every third point: enough for the figure, cheap
    for (let j = i + 3; j < labels.length; j += 3) {
      const d = Math.hypot(points[2 * i] - points[2 * j], points[2 * i + 1] - points[2 * j + 1]);
      if (labels[i] === labels[j]) (within += d), ++nWithin;
      else (between += d), ++nBetween;
    }
  return nWithin && nBetween ? within / nWithin / (between / nBetween) : null;
}

function paint(canvas, { points, labels, digit }) {
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = SIZE * dpr;
  canvas.height = SIZE * dpr;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, SIZE, SIZE);
  let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
  for (let i = 0; i < labels.length; ++i)
    for (const k of [0, 1]) {
      lo[k] = Math.min(lo[k], points[2 * i + k]);
      hi[k] = Math.max(hi[k], points[2 * i + k]);
    }
  const span = Math.max(hi[0] - lo[0], hi[1] - lo[1], 1e-9);
  const at = (x, y) => [8 + ((x - lo[0]) / span) * (SIZE - 16), 8 + ((y - lo[1]) / span) * (SIZE - 16)];
  for (let i = 0; i < labels.length; ++i) {
    const [x, y] = at(points[2 * i], points[2 * i + 1]);
    ctx.fillStyle = CLASS_COLORS[labels[i] % 10];
    ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
  }
  if (digit) {
    const [x, y] = at(digit.x, digit.y);
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#111';
    ctx.beginPath();
    ctx.arc(x, y, 8, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">What the classifier at the end reads: the outputs of the layer before it, for test digits, laid
      out in two dimensions by UMAP so that digits the network sees alike lie close. Your digit is the black ring.</p>
    <div class="panel-bar">
      <button type="button" data-testid="embedding-run" data-role="run"></button>
      <label>test digits <select data-testid="embedding-count" data-role="count">
        <option>500</option><option>1000</option><option selected>2000</option><option>4000</option></select></label>
      <label><input type="checkbox" data-testid="embedding-live" data-role="live"> redraw as it trains</label>
      <span class="inspect-status" data-role="status" aria-live="polite"></span>
    </div>
    <div class="reliance-row">
      <canvas data-testid="embedding-plot" data-role="plot"
        role="img" aria-label="Test digits laid out by the network's penultimate layer, coloured by class"></canvas>
      <ul class="embedding-legend" data-role="legend"></ul>
    </div>
    <p data-testid="embedding-summary" data-role="summary" aria-live="polite"></p>`);
  const parts = roles(section);
  // Sized through the CSSOM: the page's Content-Security-Policy refuses style attributes.
  Object.assign(parts.plot.style, { width: `${SIZE}px`, height: `${SIZE}px` });
  let drawn = null;
  let dataset = 'mnist';

  function legend() {
    parts.legend.replaceChildren(...classNamesFor(dataset).map((name, k) => el('li', {},
      el('span', { className: 'swatch', style: { background: CLASS_COLORS[k] } }), ` ${name}`)));
  }

  const job = wireJobButton({
    button: parts.run, root: section, status: parts.status, idleText: 'Lay out the test digits',
    run() {
      parts.status.textContent = 'reading the penultimate layer…';
      return client.start('embedding', { count: Number(parts.count.value), image: drawn?.slice() }, {
        onProgress(p) {
          parts.status.textContent = p.phase === 'features' ? `reading the penultimate layer… ${p.done}/${p.total}`
            : `UMAP: epoch ${p.epoch} of ${p.epochs}`;
        },
      });
    },
    done(r) {
      dataset = r.dataset ?? dataset;
      legend();
      paint(parts.plot, r);
      const ratio = separation(r.points, r.labels);
      parts.status.textContent = '';
      parts.summary.textContent = `${r.count} test digits, layer ${r.layer} (${r.spec}). On average two digits of `
        + `one class lie ${ratio == null ? '?' : ratio.toFixed(2)}× as far apart as two of different classes`
        + `${ratio != null && ratio < 1 ? ': the network has sorted them into clusters.' : '.'}`;
      section.dataset.points = JSON.stringify({ points: Array.from(r.points), labels: Array.from(r.labels),
        digit: r.digit });
    },
  });

  // While training, a new layout after each test evaluation, one at a time.
  const offs = [
    events.on('digit', ({ image }) => (drawn = image)),
    client.on('dataset', ({ name }) => (dataset = name)),
    client.on('test', () => {
      if (parts.live.checked && section.dataset.state !== 'running') parts.run.click();
    }),
  ];
  legend();
  return {
    destroy() {
      job.cancel();
      offs.forEach((off) => off());
    },
  };
}

export const embeddingPanel = { id: 'embedding', title: 'The network\'s view of the data set', wide: true, mount };
