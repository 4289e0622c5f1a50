// "One update, step by step": pick a convolution filter, press Step, and see
// what one minibatch did to it, all from the engine: its weights w, the
// gradient g the backward pass accumulated, one weight's g as the sum it is
// over every position the filter was applied (weight sharing: the same
// weight at every position, so its gradient adds up their terms), the change
// the optimiser applied (new − old, momentum, Adam and weight decay
// included) and the new weights. The worker's gradientUpdate runs the Step.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintMap, unitAt, valueRange, scaleFor, wholeScale } from '../maps.js';

const fmt = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

// Conv layers whose input a step keeps (a block's first layer reads the block's input): { path, spec, … }.
function convLayers(layers, out = []) {
  for (const l of layers) {
    if (l.kind === 'conv') out.push(l);
    (l.children ?? []).slice(1).forEach((c) => convLayers([c], out));
    (l.branches ?? []).forEach((b) => convLayers(b.slice(1), out));
  }
  return out;
}

// One channel's kh×kw values of a filter as a table; the watched weight
// marked. onPick(r, s): each value is a button that picks its weight.
function kernelTable(testid, values, { c, kh, kw }, watched, onPick = null) {
  const table = el('table', { className: 'kernel-table', dataset: { testid } });
  for (let r = 0; r < kh; ++r) {
    const row = el('tr');
    for (let s = 0; s < kw; ++s) {
      const text = fmt(values[(c * kh + r) * kw + s]);
      const content = onPick ? el('button', { type: 'button', className: 'kernel-pick', onclick: () => onPick(r, s),
        ariaLabel: `watch weight row ${r}, column ${s} (g = ${text})` }, text) : text;
      const cell = el('td', { dataset: { r, s } }, content);
      if (r === watched.r && s === watched.s) cell.classList.add('is-watched');
      row.append(cell);
    }
    table.append(row);
  }
  return table;
}

function optimiserRule({ optimizer, momentum, weightDecay, learningRate }) {
  const eta = `η = ${Number(learningRate).toPrecision(3)}`;
  const decay = weightDecay > 0 ? ` + λ·w with λ = ${weightDecay}` : '';
  if (optimizer === 'adam')
    return `Adam (${eta}): m = β₁·m + (1−β₁)·g′, s = β₂·s + (1−β₂)·g′², Δw = −η·m̂/(√ŝ + ε), g′ = g${decay}`;
  if (optimizer === 'rmsprop') return `RMSprop (${eta}): s = ρ·s + (1−ρ)·g′², Δw = −η·g′/(√s + ε), g′ = g${decay}`;
  if (momentum > 0) return `SGD with momentum μ = ${momentum} (${eta}): v = μ·v − η·g′, Δw = v, g′ = g${decay}`;
  return `SGD (${eta}): Δw = −η·g′, g′ = g${decay}`;
}

function mount(section, { client }) {
  section.append(html`
    <p class="lead">One Step of the paused run with one filter watched: the gradient the backward pass built for
      it, and what the optimiser did with it. Click a weight of g to see its gradient as a sum over positions.</p>
    <div class="panel-bar">
      <label>layer <select data-testid="update-layer" data-role="layer"></select></label>
      <label>filter <select data-testid="update-filter" data-role="filter"></select></label>
      <label>input channel <select data-testid="update-channel" data-role="channel"></select></label>
      <button type="button" class="button" data-testid="update-step" data-role="step">Step</button>
      <span class="inspect-status" data-role="status" aria-live="polite"></span></div>
    <div class="update-grid" data-testid="update-view" data-role="view"></div>
    <div data-role="terms"></div>
    <p data-role="rule" data-testid="update-rule"></p>`);
  const parts = roles(section);
  let convs = [];
  let watched = { r: 2, s: 2 }; // the centre of LeNet-5's 5×5 kernels until a layer is chosen
  let last = null;

  const option = (value, text) => el('option', { value: String(value) }, text);
  // The filter and channel choices of the chosen layer, keeping the ones made when they still exist.
  function fillFilters() {
    const l = convs.find((c) => c.path === parts.layer.value);
    if (!l) return;
    const refill = (select, count) => {
      const keep = select.value;
      select.replaceChildren(...Array.from({ length: count }, (_, k) => option(k, String(k))));
      if (keep !== '' && Number(keep) < count) select.value = keep;
    };
    refill(parts.filter, l.output.c);
    refill(parts.channel, l.input.c);
    if (watched.r >= l.kernel.h || watched.s >= l.kernel.w) watched = { r: 0, s: 0 };
  }
  async function loadLayers() {
    const { layers } = await client.request('layers');
    convs = convLayers(layers);
    const keep = parts.layer.value;
    parts.layer.replaceChildren(...convs.map((l) => option(l.path, `${l.path}: ${l.spec}`)));
    if (convs.some((l) => l.path === keep)) parts.layer.value = keep;
    fillFilters();
    parts.step.disabled = convs.length === 0;
    if (!convs.length) parts.status.textContent = 'This network has no convolution to watch.';
  }

  function show(r) {
    const shape = { ...r.shape, c: Number(parts.channel.value) || 0 };
    const w = { r: r.weight.r, s: r.weight.s };
    const pick = (row, col) => {
      watched = { r: row, s: col };
      parts.status.textContent = `weight [${row}, ${col}] watched from the next Step on`;
    };
    const column = (title, testid, values, onPick) => el('figure', {},
      kernelTable(testid, values, shape, w, onPick), el('figcaption', {}, title));
    parts.view.replaceChildren(column('w before', 'update-before', r.before),
      column('g = ∂L/∂w', 'update-gradient', r.gradient, pick),
      column('Δw applied (new − old)', 'update-change', r.change), column('w after', 'update-after', r.after));
    const index = (shape.c * r.shape.kh + w.r) * r.shape.kw + w.s;
    const sum = r.terms.reduce((a, b) => a + b, 0);
    const scale = wholeScale(r.output.w, 160);
    const canvas = mapCanvas(r.output.w, r.output.h, scale, { dataset: { testid: 'update-terms' } });
    paintMap(canvas, r.terms, 0, r.output.w, r.output.h, scaleFor(valueRange(r.terms)));
    canvas.addEventListener('click', (event) => {
      const { row, col } = unitAt(event, canvas, r.output.w, r.output.h);
      parts.status.textContent = `position (${row}, ${col}): term ${fmt(r.terms[row * r.output.w + col])}`;
    });
    parts.terms.replaceChildren(canvas, el('p', {}, `Weight [filter ${r.filter}, channel ${shape.c}, row ${w.r}, `
      + `column ${w.s}] is used at all ${r.output.h}×${r.output.w} output positions of every image. Its gradient is `
      + `the sum of one term per position, ∂L/∂y·x (blue < 0 < orange), over the ${r.samples} images of the `
      + `step: Σ = ${fmt(sum)}, g = ${fmt(r.gradient[index])}.`));
    parts.rule.textContent = `${optimiserRule(r.options)}. Bias: g = ${fmt(r.bias.gradient)}, `
      + `${fmt(r.bias.before)} → ${fmt(r.bias.after)}.`;
    Object.assign(parts.view.dataset, {
      path: r.path, filter: String(r.filter), channel: String(shape.c),
      gradient: JSON.stringify(Array.from(r.gradient)),
      termsSum: String(sum), watchedGradient: String(r.gradient[index]), samples: String(r.samples),
    });
  }

  parts.layer.addEventListener('change', () => {
    const l = convs.find((c) => c.path === parts.layer.value);
    watched = { r: Math.floor(l.kernel.h / 2), s: Math.floor(l.kernel.w / 2) };
    fillFilters();
  });
  parts.channel.addEventListener('change', () => last && show(last));
  parts.step.addEventListener('click', async () => {
    parts.step.disabled = true;
    parts.status.textContent = 'stepping…';
    try {
      last = await client.request('gradientUpdate', {
        path: parts.layer.value, filter: Number(parts.filter.value),
        weight: { c: Number(parts.channel.value), ...watched },
      });
      show(last);
      parts.status.textContent = '';
    } catch (error) {
      parts.status.textContent = `Not stepped: ${error.message}`;
    } finally {
      parts.step.disabled = convs.length === 0;
    }
  });
  const refresh = () => loadLayers().catch((error) => (parts.status.textContent = error.message));
  const offs = [client.on('ready', refresh), client.on('model', ({ changed }) => changed && refresh())];
  return { destroy: () => offs.forEach((off) => off()) };
}

export const updateStepPanel = { id: 'update-step', title: 'One update, step by step', wide: true, mount };
