// "Max pooling's gradient": a max pool passes each window's largest value
// on, so backpropagation sends the gradient arriving at that output back to
// that one cell and nothing to the others. Shown on the maps of the drawn
// digit: the pool's input with each window's arg-max cell marked, and the
// gradient of the answer's score reaching that input (the worker's
// poolGradient, from the engine's backward pass) — non-zero only where marked.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';

// Gradients are signed: blue < 0 < orange on one symmetric scale.
const signed = (values) => ({ ...scaleFor(valueRange(values)), kind: 'diverging' });
import { throttleAsync } from '../../util.js';

// Per output (oy, ox) of a max pool over one h×w plane: the input cell its
// value came from (the first largest, row by row, as the engine picks it).
export function argmaxCells(plane, { h, w }, out, { kernel, stride, pad }) {
  const cells = [];
  for (let oy = 0; oy < out.h; ++oy)
    for (let ox = 0; ox < out.w; ++ox) {
      const y0 = Math.max(0, oy * stride.h - pad.h), x0 = Math.max(0, ox * stride.w - pad.w);
      const y1 = Math.min(h, oy * stride.h - pad.h + kernel.h), x1 = Math.min(w, ox * stride.w - pad.w + kernel.w);
      let best = y0 * w + x0, max = -Infinity;
      for (let y = y0; y < y1; ++y)
        for (let x = x0; x < x1; ++x)
          if (plane[y * w + x] > max) (max = plane[y * w + x]), (best = y * w + x);
      cells.push({ window: oy * out.w + ox, cell: best, y0, x0, y1, x1 });
    }
  return cells;
}

// The windows' outlines and a ring around each arg-max cell, over a map shown at `scale`.
function paintMarks(canvas, cells, scale) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#8888';
  for (const c of cells)
    ctx.strokeRect(c.x0 * scale + 0.5, c.y0 * scale + 0.5, (c.x1 - c.x0) * scale - 1, (c.y1 - c.y0) * scale - 1);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#d6601a';
  const w = canvas.width / scale;
  for (const c of cells)
    ctx.strokeRect((c.cell % w) * scale + 1, Math.floor(c.cell / w) * scale + 1, scale - 2, scale - 2);
}

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">A max pool keeps the largest value of each window. Backpropagation therefore hands the
      gradient arriving at each pooled output to that one cell — the arg-max — and zero to the others.</p>
    <div class="panel-bar"><label>channel <select data-testid="pool-channel" data-role="channel"></select></label>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="reliance-row" data-testid="pool-gradient" data-role="view">
      <figure><div class="overlay-wrap" data-role="inputWrap"></div>
        <figcaption data-role="inputCaption">the pool's input, each window's arg-max ringed</figcaption></figure>
      <figure><div data-role="gradWrap"></div><figcaption>∂score/∂(the pool's input)</figcaption></figure>
      <figure><div data-role="outWrap"></div><figcaption>∂score/∂(the pool's output)</figcaption></figure>
    </div>`);
  const parts = roles(section);
  let drawn = null, last = null, view = null;

  function paint(r) {
    const c = Math.min(Number(parts.channel.value) || 0, r.inputShape.c - 1);
    const { h, w } = r.inputShape, out = r.outputShape;
    const scale = wholeScale(w, 150);
    if (!view || view.w !== w || view.h !== h || view.outW !== out.w) {
      view = {
        w, h, outW: out.w,
        input: mapCanvas(w, h, scale, { dataset: { testid: 'pool-input' } }),
        marks: el('canvas', { className: 'pool-marks', width: w * scale, height: h * scale,
          style: { width: `${w * scale}px`, height: `${h * scale}px` } }),
        grad: mapCanvas(w, h, scale, { dataset: { testid: 'pool-grad-in' } }),
        out: mapCanvas(out.w, out.h, wholeScale(out.w, 150), { dataset: { testid: 'pool-grad-out' } }),
      };
      view.marks.setAttribute('aria-hidden', 'true');
      parts.inputWrap.replaceChildren(view.input, view.marks);
      parts.gradWrap.replaceChildren(view.grad);
      parts.outWrap.replaceChildren(view.out);
    }
    const plane = r.input.subarray(c * h * w, (c + 1) * h * w);
    const gin = r.gradientIn.subarray(c * h * w, (c + 1) * h * w);
    const gout = r.gradientOut.subarray(c * out.h * out.w, (c + 1) * out.h * out.w);
    paintMap(view.input, plane, 0, w, h, scaleFor(valueRange(plane)));
    paintMap(view.grad, gin, 0, w, h, signed(gin));
    paintMap(view.out, gout, 0, out.w, out.h, signed(gout));
    const cells = argmaxCells(plane, { h, w }, out, r);
    paintMarks(view.marks, cells, scale);
    // Per window: the cell marked, and how many of its cells the engine's gradient reached.
    const reached = cells.map((cell) => {
      let n = 0;
      for (let y = cell.y0; y < cell.y1; ++y) for (let x = cell.x0; x < cell.x1; ++x) n += gin[y * w + x] !== 0;
      return n;
    });
    parts.inputCaption.textContent = `layer ${r.layer} (${r.spec}), channel ${c}: its input ${h}×${w}, `
      + `${cells.length} windows, each arg-max ringed`;
    const one = reached.filter((n) => n === 1).length, more = reached.filter((n) => n > 1).length;
    parts.status.textContent = `the gradient of class ${r.target}'s score reached ${one} of ${cells.length} windows `
      + `at one cell, ${more} at more`;
    Object.assign(parts.view.dataset, {
      layer: String(r.layer), channel: String(c), marks: JSON.stringify(cells.map((x) => x.cell)),
      windows: JSON.stringify(cells.map(({ y0, x0, y1, x1 }) => [y0, x0, y1, x1])), reached: JSON.stringify(reached),
    });
  }

  async function refresh() {
    const r = await client.request('poolGradient', { image: drawn?.slice() });
    if (r.empty || r.noPool) {
      parts.status.textContent = r.empty ? 'Draw a digit.' : 'This network has no max pooling layer.';
      delete parts.view.dataset.marks;
      return;
    }
    if (parts.channel.options.length !== r.inputShape.c)
      parts.channel.replaceChildren(...Array.from({ length: r.inputShape.c }, (_, k) =>
        el('option', { value: String(k) }, String(k))));
    last = r;
    paint(r);
  }
  const show = () => refresh().catch((error) => (parts.status.textContent = `Not shown: ${error.message}`));
  parts.channel.addEventListener('change', () => last && paint(last));
  const offs = [
    events.on('digit', ({ image }) => {
      drawn = image;
      show();
    }),
    client.on('model', show),
    client.on('stats', throttleAsync(refresh, 1000)),
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}

export const poolGradientPanel = { id: 'pool-gradient', title: "Max pooling's gradient", mount };
