// "Augmentation": one digit and a grid of its augmented versions under the
// panel's settings (a slider or checkbox per transform, augment-controls.js),
// redrawn as they change (debounced), plus the "train with augmentation"
// switch. The engine draws the versions (the worker's augmentPreview); this
// panel holds the slider values and paints.
//
// The live training's augmentation is a setting ('augment', text such as
// "rotation=15,shiftX=3"), so a link carries it: the switch writes it, and a
// pasted link shows its values here.
//
// Page events: listens to 'inspect-digit' (the digit the inside panel looks
// at; null = the drawn one); emits 'augment-options' { options, standard }
// whenever the sliders change (options: theirs; standard: the engine's
// standard preset, null until known), for the side-by-side comparison.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit, wholeScale } from '../maps.js';
import { debounce, MNIST_SIDE } from '../../util.js';
import { formatAugment, parseAugment } from '../../settings.js';
import { augmentOptions, CONTROLS, controlsFromOptions, OFF } from './augment-controls.js';

const COPIES = 16; // a 4×4 grid
const PREVIEW_MS = 120;
const TRAINING_MS = 300; // a slider dragged with training on writes the setting this long after it stops

const optionsText = (opts) => (Object.keys(opts).length
  ? `engine options: ${JSON.stringify(opts).replace(/,"/g, ', "').replace(/":/g, '": ')}`
  : 'no augmentation: every copy is the original');

function controlRow(c) {
  const input = el('input', { type: c.type ?? 'range', dataset: { testid: `augment-${c.key}` } });
  if (input.type === 'range') Object.assign(input, { min: c.min, max: c.max, step: c.step });
  const out = el('output');
  const name = el('span', { textContent: c.label });
  const label = el('label', { className: 'aug-control', title: c.help }, name, input, out);
  return { label, input, out, c };
}

function mount(section, app) {
  const { client, settings, events } = app;
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Training on randomly changed copies of each digit teaches the network that a slightly turned,
      moved or wobbly 7 is still a 7. Here is the digit and 16 random copies under the settings.</p>
    <div class="augmentation" data-testid="augmentation" data-role="root">
      <div class="panel-bar aug-bar">
        <span class="seg" data-role="presets">presets</span>
        <button type="button" data-testid="augment-reseed" data-role="reseed">new random draws</button>
      </div>
      <div class="aug-main">
        <div>
          <div class="aug-controls" data-role="controls"></div>
          <p class="aug-summary" data-testid="augment-summary" data-role="summary"></p>
          <label class="aug-train"><input type="checkbox" data-testid="augment-train" data-role="train">
            train with augmentation<span class="aug-train-state" data-testid="augment-train-state"
              data-role="trainState"></span></label>
        </div>
        <div class="aug-view">
          <figure><div data-role="source"></div><figcaption>original</figcaption></figure>
          <div class="aug-grid" data-testid="augment-grid" data-role="grid"></div>
        </div>
      </div>
    </div>`);
  const parts = roles(section);
  const root = parts.root;

  // The panel's state: the controls' values (until the engine's presets
  // arrive, a mild default), the random seed of the draws, the digit to
  // augment (null: the drawn one, which the worker has), the last drawing's
  // number, and the 'augment' text this panel wrote last (its own change
  // coming back from the settings is not applied again).
  const values = { ...OFF, rotation: 15, shift: 3, zoom: 0.15 };
  let seed = 1;
  let image = null;
  let drawingSeq;
  let written = null;
  let standard = null; // the engine's 'standard' preset as engine options

  const rows = CONTROLS.map(controlRow);
  parts.controls.append(...rows.map((r) => r.label));
  const source = mapCanvas(MNIST_SIDE, MNIST_SIDE, wholeScale(MNIST_SIDE, 112), {
    className: 'map digit', dataset: { testid: 'augment-source' },
  });
  parts.source.replaceWith(source);
  const cells = Array.from({ length: COPIES }, () =>
    mapCanvas(MNIST_SIDE, MNIST_SIDE, 3, { className: 'map digit', dataset: { testid: 'augment-cell' } }));
  parts.grid.append(...cells);

  // Values → controls, summary and the page event.
  function sync() {
    for (const { input, out, c } of rows) {
      if (input.type === 'checkbox') input.checked = Boolean(values[c.key]);
      else input.value = String(values[c.key]);
      out.textContent = input.type === 'checkbox' ? '' : `${values[c.key]}${c.unit}`;
    }
    const options = augmentOptions(values);
    parts.summary.textContent = optionsText(options);
    root.dataset.options = JSON.stringify(options);
    events.emit('augment-options', { options, standard });
  }

  async function preview() {
    try {
      const payload = { options: augmentOptions(values), seed, count: cells.length, ...(image ? { image } : {}) };
      const r = await client.request('augmentPreview', payload, { transfer: [] }); // the digit stays the inside panel's
      if (r.empty) {
        root.dataset.empty = '1';
        return;
      }
      root.dataset.empty = '';
      paintDigit(source, r.source, 0, r.shape.w, r.shape.h);
      const per = r.shape.c * r.shape.h * r.shape.w;
      cells.forEach((c, i) => paintDigit(c, r.images, i * per, r.shape.w, r.shape.h));
      root.dataset.rendered = String((Number(root.dataset.rendered) || 0) + 1);
      root.dataset.error = '';
      parts.summary.textContent = optionsText(payload.options);
    } catch (error) {
      root.dataset.error = error.message;
      parts.summary.textContent = `augmentation unavailable: ${error.message}`;
    }
  }
  const previewSoon = debounce(preview, PREVIEW_MS);

  // The switch and the sliders → the 'augment' setting.
  function writeTraining() {
    const text = parts.train.checked ? formatAugment(augmentOptions(values)) : '';
    written = text; // before set(): its subscribers hear of it at once
    try {
      settings.set({ augment: text });
    } catch (error) {
      parts.trainState.textContent = ` — ${error.message}`;
      root.dataset.training = 'error';
    }
  }
  const writeTrainingSoon = debounce(writeTraining, TRAINING_MS);
  // The 'augment' setting → the switch (and, when on, the sliders).
  function showTraining(text, { adopt }) {
    const on = text !== '';
    parts.trainState.textContent = on ? ' — on for the live training' : ' — off';
    root.dataset.training = on ? 'on' : 'off';
    if (!adopt) return;
    parts.train.checked = on;
    if (on) Object.assign(values, controlsFromOptions(parseAugment(text)));
    sync();
    previewSoon();
  }

  function changed() {
    sync();
    previewSoon();
    if (parts.train.checked) writeTrainingSoon();
  }
  for (const { input, c } of rows) {
    input.addEventListener('input', () => {
      values[c.key] = input.type === 'checkbox' ? input.checked : Number(input.value);
      changed();
    });
  }
  parts.train.addEventListener('change', writeTraining);
  parts.reseed.addEventListener('click', () => {
    seed += 1;
    preview();
  });

  // The engine's named presets (src/augment/options.cpp) become buttons.
  client.request('augmentInfo').then(({ presets }) => {
    parts.presets.append(...presets.map((p) => {
      const b = el('button', { type: 'button', textContent: p.name, title: p.summary });
      b.dataset.testid = `augment-preset-${p.name}`;
      b.addEventListener('click', () => {
        Object.assign(values, controlsFromOptions(p.options));
        changed();
      });
      return b;
    }));
    const preset = presets.find((p) => p.name === 'standard');
    standard = preset ? augmentOptions(controlsFromOptions(preset.options)) : null;
    // A link's augmentation wins over the default preset.
    if (preset && settings.get().augment === '') Object.assign(values, controlsFromOptions(preset.options));
    sync();
    previewSoon();
  }, (error) => {
    parts.summary.textContent = `augmentation unavailable: ${error.message}`;
  });

  showTraining(settings.get().augment ?? '', { adopt: true });
  const offs = [
    settings.subscribe((now, keys) => {
      if (keys.includes('augment')) showTraining(now.augment, { adopt: now.augment !== written });
    }),
    client.on('ready', previewSoon),
    events.on('inspect-digit', (digit) => {
      image = digit.image;
      previewSoon();
    }),
    // A new drawing (not a new prediction of the same one while training): new copies.
    client.on('prediction', ({ seq }) => {
      if (seq === drawingSeq) return;
      drawingSeq = seq;
      if (!image) previewSoon();
    }),
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}

export const augmentationPanel = { id: 'augmentation', title: 'Augmentation', wide: true, mount };
