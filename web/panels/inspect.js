// "See inside": mounts the inspection panels (activation maps with the
// network explained, filters and receptive fields, augmentation, robustness
// and the with/without comparison, fine-tuning on your own digits, the data
// set picker) into one container, and wires them to the page's worker.
//
// The page gives its engine client (or a bare Worker); this talks the
// 'inspect' protocol of worker-inspect.js over it. The worker keeps the drawn
// digit, so the page need not send it twice: a 'prediction' event means the
// digit (or the model) changed. Data flows one way: the worker computes, the
// panels paint. Live updates while training are throttled and skipped while
// the maps are off screen.
import { createActivationsPanel } from './activations.js';
import { createAugmentationPanel } from './augmentation.js';
import { createComparePanel } from './compare.js';
import { classNamesFor, createDatasetPicker } from './dataset-picker.js';
import { createFieldView } from './receptive-field.js';
import { createFiltersPanel } from './filters.js';
import { createFinetunePanel } from './finetune.js';
import { renderNetworkSummary } from './layer-explain.js';
import { createRobustnessPanel } from './robustness.js';
import { createInspectClient, throttleAsync } from './rpc.js';

const LIVE_MS = 400;

// One panel, styled like the page's own (class "panel wide", a step number).
function section(root, id, step, title, intro) {
  const s = document.createElement('section');
  s.className = `panel wide inspect-panel panel-${id}`;
  s.dataset.testid = `panel-${id}`;
  const h = document.createElement('h2');
  if (step) {
    const n = document.createElement('span');
    n.className = 'step';
    n.textContent = String(step);
    h.append(n);
  }
  h.append(title);
  s.append(h);
  if (intro) {
    const p = document.createElement('p');
    p.className = 'lead intro';
    p.textContent = intro;
    s.append(p);
  }
  root.append(s);
  return s;
}

// root: an empty element; engine: the page's engine client ({on, send}) or
// a Worker. Options:
//   firstStep: the number on the first panel's heading (the page's own panels come first)
//   onDatasetChange(name): asks the page to start a fresh network on that data set.
export function mountInspect(root, { engine, worker, firstStep = 6, onDatasetChange = null } = {}) {
  root.classList.add('inspect');
  const client = createInspectClient(engine ?? worker);
  let testDigit = null;     // {index, label, image} when inspecting a test digit
  let source = 'canvas';
  let step = firstStep;
  let layers = null, inputShape = null, dataset = 'mnist';
  let filtersResult = null, selection = null;
  const classNames = () => classNamesFor(dataset);
  // The digit to inspect; null means "the one drawn on the page" (the worker has it).
  const current = () => (source === 'test' && testDigit ? testDigit.image : null);
  const drawnDigit = async () => (await client.request('drawnDigit')).image;

  // --- Inside the network: activations, the unit inspector, filters.
  const inside = section(root, 'inside', step++, 'Inside the network',
    'Every layer\'s output for the digit: each small picture is one feature map (bright = strong response; blue/orange = negative/positive). Under each layer, the arithmetic that gives its size and its number of parameters. Click a map to see where it looks.');
  const bar = document.createElement('div');
  bar.className = 'panel-bar';
  bar.innerHTML = `
    <span class="seg"><label><input type="radio" name="inspect-source" value="canvas" checked data-testid="inspect-source-canvas"> the drawn digit</label>
    <label><input type="radio" name="inspect-source" value="test" data-testid="inspect-source-test"> test digit</label>
    <input type="number" min="0" value="0" data-testid="inspect-test-index" class="narrow">
    <button type="button" data-testid="inspect-test-random">random</button></span>
    <label><input type="checkbox" data-testid="inspect-per-layer"> one scale per layer</label>
    <span class="inspect-status" data-testid="inspect-status"></span>`;
  inside.append(bar);
  const status = bar.querySelector('[data-testid="inspect-status"]');
  const cols = document.createElement('div');
  cols.className = 'inside-cols';
  inside.append(cols);
  const left = document.createElement('div');
  const right = document.createElement('div');
  right.className = 'inside-side';
  cols.append(left, right);
  const activations = createActivationsPanel(left, { onSelect: select, classNames });
  const field = createFieldView(right);
  const filterTitle = document.createElement('h3');
  filterTitle.textContent = 'Learned filters';
  right.append(filterTitle);
  const filters = createFiltersPanel(right, {
    onSelectFilter: ({ layer, filter }) => {
      const l = layers?.[layer];
      if (l) select({ layer, channel: filter, row: l.output.h >> 1, col: l.output.w >> 1 });
    },
  });

  function select(sel) {
    selection = sel;
    activations.select(sel.layer, sel.channel);
    showSelection();
  }
  function showSelection() {
    const act = activations.last;
    if (!selection || !act || selection.layer >= act.layers.length) return;
    const l = act.layers[selection.layer];
    if (selection.channel >= l.output.c || !(l.output.h > 1 || l.output.w > 1)) return;
    field.show(selection, act, filtersResult);
    const conv = act.layers.slice(0, selection.layer + 1).map((x) => x.kind).lastIndexOf('conv');
    if (conv >= 0) filters.highlight(conv, selection.channel);
  }

  // --- The network explained: the summary table.
  const explained = section(root, 'explained', step++, 'The network explained',
    'Each layer\'s output shape and parameter count. A conv layer\'s output side is O = (W − K + 2P)/S + 1 (input W, kernel K, padding P, stride S); it has (K·K·C_in + 1)·C_out parameters. A dense layer has (in + 1)·out.');
  const summaryBox = document.createElement('div');
  explained.append(summaryBox);

  // --- Augmentation.
  const aug = section(root, 'augmentation', step++, 'Augmentation',
    'Training on randomly changed copies of each digit teaches the network that a slightly turned, moved or wobbly 7 is still a 7. Here is the digit and 16 random copies under the settings.');
  const augmentation = createAugmentationPanel(aug, { client, getDigit: current });

  // --- Robustness and the comparison.
  const effect = section(root, 'effect', step++, 'What augmentation buys',
    'Accuracy on test digits as they are turned and moved. First for the network on this page; then for two fresh LeNet-5s trained side by side from the same start, one with augmentation and one without.');
  createRobustnessPanel(effect, { client });
  const compareTitle = document.createElement('h3');
  compareTitle.textContent = 'With and without augmentation, side by side';
  effect.append(compareTitle);
  createComparePanel(effect, { client, getAugment: () => augmentation.options(), fallbackAugment: () => augmentation.presetOptions('standard') });

  // --- Fine-tuning on your own digits.
  const mine = section(root, 'finetune', step++, 'Teach it your handwriting',
    'Label digits you draw to build your own small data set (it stays in this browser). Fine-tuning trains the network a little more on them; freezing layers keeps their weights as they are — by default the conv layers, whose feature detectors are already good.');
  const finetune = createFinetunePanel(mine, { client, getCanvasDigit: drawnDigit, classNames, onModelChanged: () => refreshNow() });

  // --- Data set picker (top of the container).
  const picker = createDatasetPicker(root, { onChange: (name) => onDatasetChange?.(name), enabled: Boolean(onDatasetChange) });
  root.prepend(picker.element);

  // --- Refreshing.
  let visible = true;
  let dirty = false;
  const refresh = throttleAsync(async () => {
    // The layer list is one small request, and the fine-tune panel's freeze
    // choices need it even while the maps are off screen.
    await loadLayers();
    if (!visible) { dirty = true; return; }
    const digit = current();
    const r = await client.request('activations', { image: digit ? digit.slice() : undefined });
    if (r.empty) {
      status.textContent = 'draw a digit (or pick a test digit) to look inside';
      return;
    }
    status.textContent = source === 'test' && testDigit ? `test digit #${testDigit.index}, labelled ${classNames()[testDigit.label]}` : 'your drawing';
    noteLayers(r.layers);
    activations.update(r);
    filtersResult = await client.request('filters');
    filters.update(filtersResult);
    showSelection();
    root.dataset.updates = String((Number(root.dataset.updates) || 0) + 1);
  }, LIVE_MS);
  const refreshNow = () => { refresh(); augmentation.refresh(); };

  async function loadLayers() {
    if (layers) return;
    const info = await client.request('layers');
    inputShape = info.inputShape;
    if (info.dataset !== dataset) {
      dataset = info.dataset;
      finetune.setDataset(dataset);
    }
    picker.setActive(dataset);
    noteLayers(info.layers);
  }
  function noteLayers(list) {
    const sig = (ls) => ls?.map((l) => `${l.spec}/${l.output.c}x${l.output.h}x${l.output.w}`).join('|');
    if (sig(list) === sig(layers)) return;
    layers = list;
    summaryBox.replaceChildren(renderNetworkSummary(layers, inputShape ?? { c: 1, h: 28, w: 28 }));
    finetune.setLayers(layers);
    selection = null;
  }

  finetune.setDataset(dataset);
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && dirty) { dirty = false; refresh(); }
  }).observe(inside);

  // The page's own messages (training progress, a reset, a new model) mean
  // the weights may have changed: redraw, at most every LIVE_MS.
  let digitSeq;
  client.onWorkerMessage((msg) => {
    if (['model', 'reset', 'ready', 'dataset'].includes(msg?.type)) layers = null;  // maybe another architecture
    // A new drawing (not just a new prediction while training) gets new augmentations.
    if (msg?.type === 'prediction' && msg.seq !== digitSeq) {
      digitSeq = msg.seq;
      if (source === 'canvas') augmentation.refresh();
    }
    refresh();
  });

  bar.addEventListener('change', (e) => {
    const t = e.target;
    if (t.name === 'inspect-source') { source = t.value; pickTest(); }
    if (t.dataset.testid === 'inspect-per-layer') activations.setPerLayer(t.checked);
    if (t.dataset.testid === 'inspect-test-index') { source = 'test'; bar.querySelector('[value="test"]').checked = true; pickTest(Number(t.value)); }
  });
  bar.querySelector('[data-testid="inspect-test-random"]').addEventListener('click', () => {
    source = 'test';
    bar.querySelector('[value="test"]').checked = true;
    pickTest(Math.floor(Math.random() * 10000));
  });
  async function pickTest(index = testDigit?.index ?? 0) {
    if (source !== 'test') { refreshNow(); return; }
    try {
      testDigit = await client.request('testDigit', { index });
      bar.querySelector('[data-testid="inspect-test-index"]').value = String(testDigit.index);
      refreshNow();
    } catch (e) {
      status.textContent = e.message;
    }
  }

  refresh();
  return {
    // The page replaced the model (reset, load, another data set).
    modelChanged() { layers = null; refreshNow(); },
    client,
  };
}
