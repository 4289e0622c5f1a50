// Beyond classification: classification + localization and semantic
// segmentation on 64×64 scenes of MNIST digits, trained in the worker
// (worker/vision.js). Segmentation trains the same encoder–decoder three
// times, once per up-sampling kind (nearest neighbour, max unpooling,
// transposed convolution), and shows each one's mask over a test scene in a
// colour per class with its mean IoU; localization shows the predicted box
// over a test scene with its IoU. Both then answer for the drawn digit,
// placed in the middle of a scene.
import { el, html, roles } from '../dom.js';
import { formatPercent } from '../../util.js';
import { wireJobButton } from './job-button.js';

const SIDE = 64;
const STEP_CHOICES = [100, 300, 600, 1200, 2400];
const KIND_TITLES = { nearest: 'nearest neighbour', unpool: 'max unpooling', deconv: 'transposed convolution' };
// Background transparent, then one colour per digit 0–9 (tab10).
const CLASS_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22',
  '#17becf'].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

// The scene in grey, and over it each pixel's class in its colour (mask) or a box.
function paintScene(canvas, image, { mask = null, boxes = [] } = {}) {
  const ctx = canvas.getContext('2d');
  const pixels = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; ++i) {
    const v = 255 - Math.round(255 * image[i]);
    let rgb = [v, v, v];
    if (mask && mask[i] > 0) rgb = CLASS_COLORS[mask[i] - 1].map((c) => Math.round(0.35 * v + 0.65 * c));
    pixels.data.set([...rgb, 255], i * 4);
  }
  ctx.putImageData(pixels, 0, 0);
  for (const { box, color } of boxes) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.strokeRect(box[0] + 0.5, box[1] + 0.5, box[2] - box[0] - 1, box[3] - box[1] - 1);
  }
}

function sceneCanvas(testid, label) {
  const c = el('canvas', { width: SIDE, height: SIDE, className: 'vision-scene', dataset: { testid } });
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  return c;
}

function legend() {
  const box = el('p', { className: 'vision-legend' });
  CLASS_COLORS.forEach((rgb, digit) => {
    const swatch = el('span', { className: 'vision-swatch', textContent: String(digit) });
    swatch.style.backgroundColor = `rgb(${rgb.join(',')})`;
    box.append(swatch);
  });
  return box;
}

function mount(section, { client, events }) {
  section.classList.add('see-inside'); // the inspect panels' look, its buttons' contrast included
  const root = el('div', { className: 'vision', dataset: { testid: 'vision' } });
  root.append(html`
    <p>Scenes of 64×64 pixels with one to three MNIST digits at random places and sizes, made by the engine
    (training scenes from the training digits, test scenes from the test digits). <strong>Segmentation</strong>:
    an encoder–decoder (max pooling 64 → 8, then three ×2 up-samplings) gives each pixel one of 11 classes
    (background or a digit); the same network is trained with each kind of up-sampling. <strong>Localization</strong>:
    one digit per scene, a network with two heads on one trunk, the class and the box (x, y, width, height).</p>
    <div class="panel-bar">
      <select data-testid="vision-task" data-role="task" aria-label="Task">
        <option value="segment">segmentation (three up-samplings)</option>
        <option value="localize">classification + localization</option>
      </select>
      <select data-testid="vision-steps" data-role="steps" aria-label="Training steps (batches of 16 scenes)"></select>
      <button type="button" data-testid="vision-run" data-role="run"></button>
      <span class="inspect-status" data-testid="vision-status" data-role="status" aria-live="polite"></span>
    </div>
    <div class="vision-row" data-role="results"></div>
    <div class="vision-row" data-role="drawing"></div>`);
  const parts = roles(root);
  parts.steps.append(...STEP_CHOICES.map((n) => new Option(`${n} steps`, String(n), n === 600, n === 600)));
  section.append(root);
  let trained = null; // the last result: which networks the worker holds
  let drawn = null;

  function figure(canvas, caption, testid) {
    return el('figure', { className: 'vision-figure' }, canvas,
      el('figcaption', { textContent: caption, dataset: { testid } }));
  }

  function showResults(r) {
    parts.results.replaceChildren();
    if (r.task === 'segment') {
      const truth = sceneCanvas('vision-truth', 'a test scene with its true mask');
      paintScene(truth, r.results[0].scene.image, { mask: r.results[0].scene.truth });
      parts.results.append(figure(truth, 'the truth', 'vision-truth-caption'));
      for (const { kind, score, scene } of r.results) {
        const c = sceneCanvas(`vision-mask-${kind}`, `the mask predicted with ${KIND_TITLES[kind]}`);
        paintScene(c, scene.image, { mask: scene.predicted });
        c.dataset.pixelAccuracy = String(pixelAccuracy(scene.predicted, scene.truth));
        c.dataset.backgroundAccuracy = String(pixelAccuracy(new Uint8Array(SIDE * SIDE), scene.truth));
        parts.results.append(figure(c, `${KIND_TITLES[kind]}: mean IoU ${score.meanIou.toFixed(3)} `
          + `(pixels ${formatPercent(score.pixelAccuracy)}; all background ${formatPercent(score.backgroundAccuracy)})`,
        `vision-score-${kind}`));
      }
      parts.results.append(legend());
    } else {
      const { scene, score } = r.results[0];
      const c = sceneCanvas('vision-box', 'a test scene with its true box (green) and the predicted one (red)');
      paintScene(c, scene.image, { boxes: [{ box: scene.truth.box, color: '#2ca02c' },
        { box: scene.predicted.box, color: '#d62728' }] });
      c.dataset.iou = String(scene.iou);
      parts.results.append(figure(c, `read ${scene.predicted.label} (is ${scene.truth.label}), box IoU `
        + `${scene.iou.toFixed(2)}; on 100 test scenes: ${formatPercent(score.accuracy)} right, mean IoU `
        + `${score.meanIou.toFixed(3)}`, 'vision-box-caption'));
    }
  }

  const pixelAccuracy = (a, b) => a.reduce((n, v, i) => n + (v === b[i]), 0) / a.length;

  async function showDrawing() {
    if (!trained || !drawn) return;
    const kinds = trained.task === 'segment' ? trained.results.map((x) => x.kind) : ['-'];
    const figures = [];
    for (const kind of kinds) {
      const r = await client.request('visionPredict', { task: trained.task, upsample: kind, image: drawn.slice() });
      if (r.empty) return;
      const c = sceneCanvas(`vision-drawing-${kind}`, 'your digit in a scene, with the network\'s answer');
      if (trained.task === 'segment') paintScene(c, r.image, { mask: r.predicted });
      else paintScene(c, r.image, { boxes: [{ box: r.predicted.box, color: '#d62728' }] });
      figures.push(figure(c, trained.task === 'segment' ? `your digit: ${KIND_TITLES[kind]}`
        : `your digit: read ${r.predicted.label}`, `vision-drawing-caption-${kind}`));
    }
    parts.drawing.replaceChildren(...figures);
  }

  function run() {
    const steps = Number(parts.steps.value), task = parts.task.value;
    parts.status.textContent = 'making scenes…';
    // Each test score with its time since the click: what bench/vision-page.mjs reads.
    const started = performance.now(), history = [];
    return client.start('visionTrain', { task, steps }, {
      onProgress(p) {
        history.push({ seconds: (performance.now() - started) / 1000, kind: p.kind, step: p.step, meanIou: p.meanIou,
          accuracy: p.accuracy });
        root.dataset.history = JSON.stringify(history);
        parts.status.textContent = `training${p.kind !== '-' ? ` (${KIND_TITLES[p.kind]})` : ''}… step ${p.step}/`
          + `${p.total}, loss ${p.loss.toFixed(3)}, test mean IoU ${p.meanIou.toFixed(3)}`;
      },
    });
  }

  function done(r) {
    trained = r;
    parts.status.textContent = `${r.steps} steps on ${r.scenes} training scenes in ${r.seconds.toFixed(0)} s`;
    showResults(r);
    showDrawing();
  }

  const job = wireJobButton({ button: parts.run, root, status: parts.status, idleText: 'Train', run, done });
  const off = events.on('digit', ({ image }) => {
    drawn = image;
    showDrawing();
  });
  return {
    destroy() {
      job.cancel();
      off();
    },
  };
}

export const visionPanel = { id: 'vision', title: 'Beyond classification: localization and segmentation', wide: true,
  mount };
