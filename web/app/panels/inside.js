// "Inside the network": every layer's output for one digit (activations.js),
// where a clicked unit looks (receptive-field.js) and the learned filters
// (filters.js), with the data set picker on top. The digit is the one drawn
// on the page (the worker keeps it, so it is not sent twice) or a test digit
// picked here.
//
// Data flows one way: the worker computes, this panel paints. The worker's
// news (a prediction, training stats, a new model…) redraws the maps, at most
// every LIVE_MS and not while the panel is off screen.
//
// Page events: emits 'inspect-digit' { image: Float32Array | null } when the
// digit to look at changes (null: the drawn one), so the augmentation panel
// shows the same digit.
import { html, roles } from '../dom.js';
import { throttleAsync } from '../../util.js';
import { CANCELLED } from '../../protocol.js';
import { createActivationsView } from './activations.js';
import { classNamesFor, createDatasetPicker } from './dataset-picker.js';
import { createFiltersView } from './filters.js';
import { layersSignature, watchModel } from './model-info.js';
import { createFieldView, sourceConvOf } from './receptive-field.js';

const LIVE_MS = 400;
const TEST_DIGITS = 10000;
// The worker's events after which the maps may look different.
const REDRAW_EVENTS = ['ready', 'model', 'dataset', 'prediction', 'stats', 'test', 'state'];

function mount(section, app) {
  const { client, events } = app;
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Every layer's output for the digit: each small picture is one feature map (bright = strong
      response; blue/orange = negative/positive). Under each layer, the arithmetic that gives its size and its
      number of parameters. Click a map to see where it looks.</p>
    <div data-role="picker"></div>
    <div class="panel-bar" data-role="bar">
      <span class="seg">
        <label><input type="radio" name="inspect-source" value="drawn" checked data-testid="inspect-source-canvas">
          the drawn digit</label>
        <label><input type="radio" name="inspect-source" value="test" data-testid="inspect-source-test">
          test digit</label>
        <input type="number" min="0" value="0" class="narrow" data-testid="inspect-test-index" data-role="index"
          aria-label="Test digit number (0 to 9999)">
        <button type="button" data-testid="inspect-test-random" data-role="random">random</button>
      </span>
      <label><input type="checkbox" data-testid="inspect-per-layer" data-role="perLayer"> one scale per layer</label>
      <span class="inspect-status" data-testid="inspect-status" data-role="status"></span>
    </div>
    <div class="inside-cols">
      <div data-role="maps"></div>
      <div class="inside-side" data-role="side"></div>
    </div>`);
  const parts = roles(section);

  // The panel's state: which digit (the drawn one, or test digit `test`
  // { index, label, image }), the data set's name (null until the worker
  // has described its model: nothing to draw before), the last filters
  // reply, the selected unit { layer, channel, row, col } and whether the
  // panel is on screen (off screen, a redraw is only noted as owed).
  let source = 'drawn';
  let test = null;
  let dataset = null;
  let filtersReply = null;
  let selection = null;
  let visible = true;
  let owed = false;
  const classNames = () => classNamesFor(dataset ?? 'mnist');
  const digit = () => (source === 'test' && test ? test.image : null);

  const picker = createDatasetPicker(parts.picker, app);
  const activations = createActivationsView(parts.maps, { onSelect: select, classNames });
  const field = createFieldView(parts.side);
  parts.side.append(html`<h3>Learned filters</h3>`);
  const filters = createFiltersView(parts.side, {
    onSelectFilter({ layer, filter }) {
      const l = activations.last?.flat[layer]?.layer;
      if (l) select({ layer, channel: filter, row: l.output.h >> 1, col: l.output.w >> 1 });
    },
  });

  function select(unit) {
    selection = unit;
    activations.select(unit.layer, unit.channel);
    showSelection();
  }
  function showSelection() {
    const act = activations.last;
    if (!selection || !act || selection.layer >= act.flat.length) return;
    const l = act.flat[selection.layer].layer;
    if (selection.channel >= l.output.c || !(l.output.h > 1 || l.output.w > 1)) return;
    field.show(selection, act, filtersReply);
    const { conv } = sourceConvOf(act.flat, selection.layer);
    if (conv >= 0) filters.highlight(conv, selection.channel);
  }

  const refresh = throttleAsync(async () => {
    if (!dataset) return;
    if (!visible) {
      owed = true;
      return;
    }
    const image = digit();
    // A copy goes to the worker (transfer: []): the test digit stays ours.
    const r = await client.request('activations', image ? { image } : {}, { transfer: [] });
    if (r.empty) {
      parts.status.textContent = 'draw a digit (or pick a test digit) to look inside';
      return;
    }
    parts.status.textContent = image
      ? `test digit #${test.index}, labelled ${classNames()[test.label]}` : 'your drawing';
    const before = layersSignature(activations.last?.layers);
    activations.update(r);
    if (layersSignature(r.layers) !== before) selection = null; // another architecture
    filtersReply = await client.request('filters');
    filters.update(filtersReply);
    showSelection();
    section.dataset.updates = String((Number(section.dataset.updates) || 0) + 1);
  }, LIVE_MS, (error) => {
    if (error.message !== CANCELLED) parts.status.textContent = error.message;
  });

  async function showSource(next, index = Number(parts.index.value) || 0) {
    source = next;
    parts.bar.querySelector(`[value="${next}"]`).checked = true;
    if (next === 'test') {
      try {
        test = await client.request('testDigit', { index });
        parts.index.value = String(test.index);
      } catch (error) {
        parts.status.textContent = error.message;
        return;
      }
    }
    events.emit('inspect-digit', { image: digit() });
    refresh();
  }

  parts.bar.addEventListener('change', ({ target }) => {
    if (target.name === 'inspect-source') showSource(target.value);
    else if (target === parts.perLayer) activations.setPerLayer(target.checked);
    else if (target === parts.index) showSource('test', Number(target.value));
  });
  parts.random.addEventListener('click', () => showSource('test', Math.floor(Math.random() * TEST_DIGITS)));

  const observer = new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && owed) {
      owed = false;
      refresh();
    }
  });
  observer.observe(section);

  const offs = [
    ...REDRAW_EVENTS.map((name) => client.on(name, refresh)),
    // The layer list arrives once a model exists: the first maps can be drawn.
    watchModel(client, (info) => {
      const switched = dataset !== null && info.dataset !== dataset;
      dataset = info.dataset;
      picker.setActive(info.dataset);
      if (switched && source === 'test') showSource('test'); // the same index in the new data set
      else refresh();
    }),
    picker.destroy,
  ];
  return {
    destroy() {
      observer.disconnect();
      offs.forEach((off) => off());
    },
  };
}

export const insidePanel = { id: 'inside', title: 'Inside the network', wide: true, mount };
