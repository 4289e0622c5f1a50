// "Saliency": the gradient of the chosen class's score (its logit, before
// the softmax) with respect to every input pixel, for the drawn digit — which
// pixels the answer depends on, and which way: orange pixels raise the score
// when brightened, blue ones lower it. From the engine's
// Network::input_gradient (the worker's saliency command), live as it trains.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit, paintMap, wholeScale } from '../maps.js';
import { base64Of, throttleAsync } from '../../util.js';

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">How much does the score of a class change if one pixel gets a little brighter? The gradient
      ∂score/∂pixel answers for every pixel at once, computed by backpropagating from the class's output all the
      way down to the image.</p>
    <div class="panel-bar"><label>class <select data-testid="saliency-class" data-role="target">
      <option value="">the answer</option></select></label></div>
    <div class="reliance-row" data-testid="saliency" data-role="view">
      <figure><div data-role="digit"></div><figcaption>your digit</figcaption></figure>
      <figure><div data-role="map"></div><figcaption data-role="caption">draw a digit</figcaption></figure>
      <figure><div data-role="abs"></div><figcaption>|∂score/∂pixel|</figcaption></figure>
    </div>`);
  const parts = roles(section);
  for (let k = 0; k < 10; ++k) parts.target.append(el('option', { value: String(k) }, String(k)));
  let canvases = null;
  let drawn = null;

  async function refresh() {
    const target = parts.target.value === '' ? undefined : Number(parts.target.value);
    const r = await client.request('saliency', { image: drawn?.slice(), target });
    if (r.empty) {
      parts.caption.textContent = 'draw a digit';
      delete parts.view.dataset.saliency;
      return;
    }
    const { c, h, w } = r.shape;
    if (!canvases || Number(canvases.map.width) !== w) {
      const scale = wholeScale(w, 140);
      canvases = {
        digit: mapCanvas(w, h * c, scale, { className: 'map digit' }),
        map: mapCanvas(w, h * c, scale, { dataset: { testid: 'saliency-map' } }),
        abs: mapCanvas(w, h * c, scale),
      };
      parts.digit.replaceChildren(canvases.digit);
      parts.map.replaceChildren(canvases.map);
      parts.abs.replaceChildren(canvases.abs);
    }
    const g = r.saliency, abs = g.map(Math.abs);
    const max = Math.max(...abs, 1e-12);
    paintDigit(canvases.digit, r.input, 0, w, h * c);
    paintMap(canvases.map, g, 0, w, h * c, { kind: 'diverging', max });
    paintMap(canvases.abs, abs, 0, w, h * c, { kind: 'sequential', max });
    const sum = g.reduce((a, b) => a + b, 0);
    parts.caption.textContent = `∂score/∂pixel for class ${r.target}${r.target === r.predicted ? ' (the answer)' : ''}`
      + ` (blue < 0 < orange, largest |value| ${max.toExponential(2)})`;
    Object.assign(parts.view.dataset, {
      target: String(r.target), predicted: String(r.predicted), sum: String(sum), saliency: base64Of(g),
      input: base64Of(r.input),
    });
  }
  const show = () => refresh().catch((error) => (parts.caption.textContent = `Not shown: ${error.message}`));
  parts.target.addEventListener('change', show);
  const whileTraining = throttleAsync(refresh, 1000);
  const offs = [
    events.on('digit', ({ image }) => {
      drawn = image;
      show();
    }),
    client.on('model', show),
    client.on('stats', whileTraining),
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}

export const saliencyPanel = { id: 'saliency', title: 'Saliency: which pixels the answer depends on', mount };
