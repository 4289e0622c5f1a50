// "What the network relies on, and how to fool it", live on the drawn digit
// and the live network (so it changes as the network trains):
//  - Grad-CAM: the last convolution's maps weighted by how much the answer's
//    score grows with each (the mean of its gradient), ReLU of the sum, laid
//    over the digit where those map units sit (geometry.js's unitGeometry);
//    beside it LayerCAM over the first convolution's pooled maps (each unit
//    weighed by its own positive gradient): the last convolution's units see
//    14×14 pixels 2 apart, too coarse to put the heat on a 2-pixel stroke;
//  - the fast gradient sign method: x + ε·sign(∂loss/∂x) with an ε slider,
//    the changed digit, the perturbation, and the answer flipping.
import { html, roles } from '../dom.js';
import { mapCanvas, paintDigit, paintMap, wholeScale } from '../maps.js';
import { argmax, base64Of, formatPercent, MNIST_SIDE, throttleAsync } from '../../util.js';
import { unitGeometry } from './geometry.js';
import { wireJobButton } from './job-button.js';

const SIDE = MNIST_SIDE;

// The map (h×w, map unit (r, c) centred on input pixel (start.h + r·jump.h, start.w + c·jump.w))
// sampled bilinearly at every input pixel: an input-sized heat map. Beyond the
// outermost units it falls to 0 one jump out: stretching the edge units over
// the border (lenet5's last conv units sit at pixels 4.5 … 22.5) put a hot
// edge unit's heat on more than half the image. (clampedEdges: that old way,
// for bench/cam-on-ink.mjs's before-and-after.)
export function camOverInput(cam, { h, w }, { start, jump }, side = SIDE, { clampedEdges = false } = {}) {
  const out = new Float32Array(side * side);
  const clamp = (v, n) => Math.min(n - 1, Math.max(0, v));
  const at = clampedEdges ? (r, c) => cam[clamp(r, h) * w + clamp(c, w)]
    : (r, c) => (r < 0 || c < 0 || r >= h || c >= w ? 0 : cam[r * w + c]);
  for (let y = 0; y < side; ++y) {
    const v = (y - start.h) / jump.h, r0 = Math.floor(v), fr = v - r0;
    for (let x = 0; x < side; ++x) {
      const u = (x - start.w) / jump.w, c0 = Math.floor(u), fc = u - c0;
      out[y * side + x] = (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1))
        + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
    }
  }
  return out;
}

// Pixels within 2 of an inked one (> 0.5): the map's own resolution, 2 pixels a unit after pooling.
export function nearInk(image, side = SIDE) {
  const out = new Uint8Array(side * side);
  for (let y = 0; y < side; ++y)
    for (let x = 0; x < side; ++x) {
      if (image[y * side + x] <= 0.5) continue;
      for (let dy = -2; dy <= 2; ++dy)
        for (let dx = -2; dx <= 2; ++dx) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < side && xx >= 0 && xx < side) out[yy * side + xx] = 1;
        }
    }
  return out;
}

// A heat map as a translucent overlay: transparent at 0, hot where large.
function paintHeat(canvas, values) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(SIDE, SIDE);
  const max = Math.max(...values, 1e-12);
  values.forEach((v, i) => {
    const t = v / max;
    img.data.set([255, Math.round(200 * t), 0, Math.round(255 * Math.min(1, t * 1.2))], i * 4);
  });
  ctx.putImageData(img, 0, 0);
}


function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Where does the answer come from, and how little must change to turn it? Both use the
      gradient of the network as it predicts, computed by the engine for your digit.</p>
    <div class="reliance-row">
      <figure data-testid="gradcam" data-role="gradcam">
        <div class="overlay-wrap" data-role="camWrap"></div>
        <figcaption data-role="camCaption">Grad-CAM: draw a digit</figcaption></figure>
      <figure><div data-role="camMap"></div><figcaption>the weighted maps, ReLU(Σ αₖ·Aₖ)</figcaption></figure>
      <figure data-testid="layercam" data-role="layercam">
        <div class="overlay-wrap" data-role="fineWrap"></div>
        <figcaption data-role="fineCaption">LayerCAM</figcaption></figure>
    </div>
    <h3>Fooling the network: the fast gradient sign method</h3>
    <p>Every pixel moves by ε in the direction that raises the loss of the current answer: x′ = x + ε·sign(∂loss/∂x),
      clipped to 0…1.</p>
    <label>ε <input type="range" min="0" max="0.5" step="0.01" value="0.1" data-testid="fgsm-epsilon"
      data-role="epsilon"> <output data-role="epsilonText">0.10</output></label>
    <button type="button" class="button secondary" data-testid="fgsm-to-flip" data-role="toFlip">
      ε that flips it</button>
    <div class="reliance-row" data-testid="fgsm" data-role="fgsm">
      <figure><div data-role="cleanWrap"></div><figcaption data-role="cleanCaption">your digit</figcaption></figure>
      <figure><div data-role="perturbWrap"></div><figcaption>+ ε·sign(gradient)</figcaption></figure>
      <figure><div data-role="advWrap"></div><figcaption data-role="advCaption">the changed digit</figcaption></figure>
    </div>
    <p data-testid="fgsm-summary" data-role="summary" aria-live="polite"></p>
    <h3>Harder to fool: training on such examples</h3>
    <p>A copy of the network trains on training digits mixed with their FGSM versions (ε = 0.1); the smallest ε
      that flips each right answer among 128 test digits is measured before and after. The live network is not
      changed.</p>
    <div class="panel-bar" data-testid="adversarial" data-role="adversarial">
      <button type="button" data-testid="adversarial-run" data-role="adversarialRun"></button>
      <span class="inspect-status" data-role="adversarialStatus" aria-live="polite"></span></div>
    <p data-testid="adversarial-summary" data-role="adversarialSummary" aria-live="polite"></p>`);
  const parts = roles(section);
  const scale = wholeScale(SIDE, 140);
  const canvas = (testid) => mapCanvas(SIDE, SIDE, scale, { className: 'map digit', dataset: { testid } });
  const camDigit = canvas('gradcam-digit'), camHeat = canvas('gradcam-heat');
  camHeat.classList.add('gradcam-overlay');
  camHeat.setAttribute('aria-hidden', 'true');
  parts.camWrap.append(camDigit, camHeat);
  const fineDigit = canvas('layercam-digit'), fineHeat = canvas('layercam-heat');
  fineHeat.classList.add('gradcam-overlay');
  fineHeat.setAttribute('aria-hidden', 'true');
  parts.fineWrap.append(fineDigit, fineHeat);
  const clean = canvas('fgsm-clean'), perturbation = canvas('fgsm-perturbation'), adversarial = canvas('fgsm-image');
  parts.cleanWrap.append(clean);
  parts.perturbWrap.append(perturbation);
  parts.advWrap.append(adversarial);
  let mapCanvasEl = null;
  let generation = 0;
  let flipsAt = null;
  // The drawn digit, sent with each request: the 'digit' event comes before the worker hears of it.
  let drawn = null;

  async function showGradCam() {
    const r = await client.request('gradcam', { image: drawn?.slice() });
    if (r.empty || r.noConv) {
      parts.camCaption.textContent = r.empty
        ? 'Grad-CAM: draw a digit' : 'Grad-CAM needs a convolution: this network has none.';
      delete parts.gradcam.dataset.peak;
      delete parts.layercam.dataset.peak;
      return;
    }
    const coarse = overlay(r, r, camDigit, camHeat, parts.gradcam);
    if (!mapCanvasEl || Number(mapCanvasEl.width) !== r.shape.w) {
      const scaled = wholeScale(r.shape.w, 140);
      mapCanvasEl = mapCanvas(r.shape.w, r.shape.h, scaled, { dataset: { testid: 'gradcam-map' } });
      parts.camMap.replaceChildren(mapCanvasEl);
    }
    paintMap(mapCanvasEl, r.cam, 0, r.shape.w, r.shape.h, { kind: 'sequential', max: Math.max(...r.cam, 1e-12) });
    parts.camCaption.textContent = `Grad-CAM for the answer ${r.target}: where in layer ${r.layer} (${r.spec}, `
      + `${r.shape.h}×${r.shape.w} maps) its score comes from, over your digit; ${formatPercent(coarse, 0)} of it `
      + 'lies on or within 2 pixels of the ink';
    const fine = overlay(r, r.fine, fineDigit, fineHeat, parts.layercam);
    parts.fineCaption.textContent = `LayerCAM over layer ${r.fine.layer} (${r.fine.spec}, ${r.fine.shape.h}×`
      + `${r.fine.shape.w} maps): each unit weighed by its own positive gradient, ReLU(Σₖ max(0, ∂score/∂Aₖ)·Aₖ); `
      + `${formatPercent(fine, 0)} of it lies on or within 2 pixels of the ink`;
  }

  // One class activation map (of reply r) over the digit; its dataset says where it peaks. The share near the ink.
  function overlay(r, map, digitCanvas, heatCanvas, figure) {
    const heat = camOverInput(map.cam, map.shape, unitGeometry(r.layers)[map.layer]);
    paintDigit(digitCanvas, r.input, 0, SIDE, SIDE);
    paintHeat(heatCanvas, heat);
    const peak = argmax(heat);
    const near = nearInk(r.input);
    const total = Math.max(heat.reduce((a, b) => a + b, 0), 1e-12);
    const onInk = heat.reduce((sum, v, i) => sum + (near[i] ? v : 0), 0) / total;
    Object.assign(figure.dataset, {
      peak: String(peak), peakValue: String(heat[peak]), total: String(map.cam.reduce((a, b) => a + b, 0)),
      target: String(r.target), layer: String(map.layer), onInk: String(onInk),
      nearInkArea: String(near.reduce((a, b) => a + b, 0) / near.length),
    });
    return onInk;
  }

  async function showFgsm() {
    const epsilon = Number(parts.epsilon.value);
    parts.epsilonText.value = epsilon.toFixed(2);
    const r = await client.request('fgsm', { epsilon, image: drawn?.slice() });
    if (r.empty) {
      parts.summary.textContent = 'Draw a digit to try to fool the network.';
      delete parts.fgsm.dataset.answer;
      return;
    }
    flipsAt = r.flipsAt;
    paintDigit(clean, r.input, 0, SIDE, SIDE);
    paintMap(perturbation, r.perturbation, 0, SIDE, SIDE, { kind: 'diverging', max: Math.max(epsilon, 1e-6) });
    paintDigit(adversarial, r.adversarial, 0, SIDE, SIDE);
    const flipped = r.answer !== r.predicted;
    parts.cleanCaption.textContent = `your digit: ${r.predicted} (${formatPercent(r.probs[r.predicted])})`;
    parts.advCaption.textContent = `the changed digit: ${r.answer} (${formatPercent(r.adversarialProbs[r.answer])})`;
    Object.assign(parts.fgsm.dataset, {
      epsilon: String(r.epsilon), predicted: String(r.predicted), answer: String(r.answer), flipped: String(flipped),
      flipsAt: String(r.flipsAt), adversarial: base64Of(r.adversarial),
    });
    parts.summary.textContent = `${flipped ? `At ε = ${epsilon.toFixed(2)} the answer flips from ${r.predicted} to `
      + `${r.answer}.` : `At ε = ${epsilon.toFixed(2)} the answer stays ${r.predicted}.`} `
      + (r.flipsAt == null ? 'No ε up to 0.5 flips it along this direction.'
        : `The smallest ε (in steps of 0.01) that flips it is ${r.flipsAt.toFixed(2)}.`);
  }

  async function refresh() {
    const mine = ++generation;
    try {
      await showGradCam();
      if (mine === generation) await showFgsm();
    } catch (error) {
      parts.summary.textContent = `Not shown: ${error.message}`;
    }
  }

  const epsilonText = (v) => (v == null ? '–' : Number.isFinite(v) ? v.toFixed(2) : 'above 0.5');
  const hardening = wireJobButton({
    button: parts.adversarialRun, root: parts.adversarial, status: parts.adversarialStatus,
    idleText: 'Train a copy on fooling examples and measure',
    run() {
      parts.adversarialStatus.textContent = 'measuring…';
      return client.start('adversarial', { count: 128, steps: 100, epsilon: 0.1 }, {
        onProgress(p) {
          parts.adversarialStatus.textContent = p.phase === 'train' ? `training ${p.step}/${p.total}`
            : `measuring ${p.phase}: ${p.done}/${p.total}`;
        },
      });
    },
    done(r) {
      const { before, after } = r;
      parts.adversarialStatus.textContent = '';
      const share = (m) => formatPercent(m.flippedBy['0.1'], 0);
      const accuracy = `${formatPercent(before.accuracy)} → ${formatPercent(after.accuracy)}`;
      parts.adversarialSummary.textContent = [
        `Median ε that flips a right answer: ${epsilonText(before.median)} before,`,
        `${epsilonText(after.median)} after ${r.steps} steps on fooling examples.`,
        `ε = 0.1 flipped ${share(before)} of the answers before and ${share(after)} after;`,
        `clean accuracy ${accuracy}.`,
      ].join(' ');
      Object.assign(parts.adversarial.dataset, { before: String(before.median), after: String(after.median) });
    },
  });
  parts.epsilon.addEventListener('input', () => showFgsm().catch(() => {}));
  parts.toFlip.addEventListener('click', () => {
    if (flipsAt == null) return;
    parts.epsilon.value = String(flipsAt);
    showFgsm().catch(() => {});
  });
  const whileTraining = throttleAsync(refresh, 1000); // at most a redraw a second
  const onDigit = ({ image }) => {
    drawn = image;
    refresh();
  };
  const offs = [events.on('digit', onDigit), client.on('model', refresh), client.on('stats', whileTraining)];
  return {
    destroy() {
      hardening.cancel();
      offs.forEach((off) => off());
    },
  };
}

export const reliancePanel = { id: 'reliance', title: 'What the network relies on', wide: true, mount };
