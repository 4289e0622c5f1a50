// The augmentation panel: one digit and a grid of its augmented versions
// under the current settings (a slider or checkbox per transform), redrawn
// as settings change (debounced), plus the "train with augmentation" switch
// the live training uses. The engine draws the versions (augmentPreview in
// the worker); this module only holds the settings and paints.
import { mapCanvas, paintDigit, wholeScale } from './maps.js';
import { debounce } from './rpc.js';

// The controls, in the engine's option keys (src/augment_options.cpp has the
// full list and ranges; these are the ranges worth exploring on digits).
// `toOptions` turns a control's value into engine options.
const CONTROLS = [
  { key: 'rotation', label: 'rotate', unit: '°', min: 0, max: 45, step: 1, help: 'a random angle in ±this' },
  { key: 'shift', label: 'shift', unit: ' px', min: 0, max: 6, step: 1, help: 'moves by whole pixels, up to ±this', toOptions: (v) => ({ shiftX: v, shiftY: v }) },
  { key: 'zoom', label: 'zoom', unit: '', min: 0, max: 0.3, step: 0.01, help: 'scales by a factor in 1 ± this', toOptions: (v) => ({ scaleMin: 1 - v, scaleMax: 1 + v }) },
  { key: 'shear', label: 'shear', unit: '', min: 0, max: 0.5, step: 0.01, help: 'slants: x moves by up to ±this × y' },
  { key: 'elasticAlpha', label: 'elastic', unit: ' px', min: 0, max: 40, step: 1, help: 'a smooth random wobble (Simard et al. used 34)' },
  { key: 'elasticSigma', label: 'smoothness', unit: ' px', min: 2, max: 8, step: 0.5, help: 'how smooth the wobble is' },
  { key: 'crop', label: 'crop', unit: '', min: 0.5, max: 1, step: 0.01, help: 'keeps a random window of this fraction and resizes it (1 = off)' },
  { key: 'erase', label: 'erase', unit: '', min: 0, max: 1, step: 0.05, help: 'probability of blanking a random rectangle' },
  { key: 'noise', label: 'noise', unit: '', min: 0, max: 0.3, step: 0.01, help: 'Gaussian noise of this standard deviation' },
  { key: 'brightness', label: 'brightness', unit: '', min: 0, max: 0.5, step: 0.01, help: 'multiplies the ink by 1 ± this' },
  { key: 'contrast', label: 'contrast', unit: '', min: 0, max: 0.5, step: 0.01, help: 'stretches about the mean by 1 ± this' },
  { key: 'flipH', label: 'mirror ↔', type: 'checkbox', help: 'half the time; a mirrored 2 is no 2 — watch what it does to digits', toOptions: (v) => ({ flipH: v ? 0.5 : 0 }) },
  { key: 'flipV', label: 'flip ↕', type: 'checkbox', help: 'half the time; a flipped 6 looks like a 9', toOptions: (v) => ({ flipV: v ? 0.5 : 0 }) },
];
const OFF = { rotation: 0, shift: 0, zoom: 0, shear: 0, elasticAlpha: 0, elasticSigma: 4, crop: 1, erase: 0, noise: 0, brightness: 0, contrast: 0, flipH: false, flipV: false };

// Engine options (e.g. one of the engine's presets) -> these controls' values.
export function controlsFromOptions(o) {
  return {
    ...OFF,
    rotation: o.rotation ?? 0,
    shift: Math.max(o.shiftX ?? 0, o.shiftY ?? 0),
    zoom: Math.round(Math.max(1 - (o.scaleMin ?? 1), (o.scaleMax ?? 1) - 1) * 100) / 100,
    shear: o.shear ?? 0,
    elasticAlpha: o.elasticAlpha ?? 0,
    elasticSigma: o.elasticSigma ?? 4,
    crop: o.crop ?? 1,
    erase: o.erase ?? 0,
    noise: o.noise ?? 0,
    brightness: o.brightness ?? 0,
    contrast: o.contrast ?? 0,
    flipH: (o.flipH ?? 0) > 0,
    flipV: (o.flipV ?? 0) > 0,
  };
}

// The engine options' "off" values: left out, so {} means no augmentation.
const ENGINE_OFF = { rotation: 0, shiftX: 0, shiftY: 0, scaleMin: 1, scaleMax: 1, shear: 0, elasticAlpha: 0, crop: 1, erase: 0, noise: 0, brightness: 0, contrast: 0, flipH: 0, flipV: 0 };

// Control values -> the engine's options object (only what is on).
export function augmentOptions(values) {
  const out = {};
  for (const c of CONTROLS) Object.assign(out, c.toOptions ? c.toOptions(values[c.key]) : { [c.key]: values[c.key] });
  for (const [k, v] of Object.entries(ENGINE_OFF)) if (out[k] === v) delete out[k];
  if (!out.elasticAlpha) delete out.elasticSigma;
  if (out.erase) Object.assign(out, { eraseAreaMin: 0.02, eraseAreaMax: 0.12 });
  return out;
}

const GRID = 4;

// client: the inspect rpc client; getDigit(): the digit to augment, or null
// for the digit drawn on the page (the worker has it).
export function createAugmentationPanel(container, { client, getDigit, onChange = () => {} }) {
  const root = document.createElement('div');
  root.className = 'augmentation';
  root.dataset.testid = 'augmentation';
  container.append(root);
  const values = { ...OFF, rotation: 15, shift: 3, zoom: 0.15 };  // until the engine's presets arrive
  let presets = [];
  let seed = 1;
  let trainWith = false;

  const controls = document.createElement('div');
  controls.className = 'aug-controls';
  const inputs = {};
  for (const c of CONTROLS) {
    const label = document.createElement('label');
    label.className = 'aug-control';
    label.title = c.help;
    const name = document.createElement('span');
    name.textContent = c.label;
    const input = document.createElement('input');
    input.type = c.type ?? 'range';
    input.dataset.testid = `augment-${c.key}`;
    if (input.type === 'range') Object.assign(input, { min: c.min, max: c.max, step: c.step });
    const out = document.createElement('output');
    input.addEventListener('input', () => {
      values[c.key] = input.type === 'checkbox' ? input.checked : Number(input.value);
      sync();
      changed();
    });
    label.append(name, input, out);
    controls.append(label);
    inputs[c.key] = { input, out, c };
  }

  const bar = document.createElement('div');
  bar.className = 'panel-bar aug-bar';
  const presetButtons = document.createElement('span');
  presetButtons.className = 'seg';
  presetButtons.append('presets');
  bar.append(presetButtons);
  // The engine's named presets (src/augment_options.cpp) become buttons.
  client.request('augmentInfo').then((info) => {
    presets = info.presets;
    for (const p of presets) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = p.name;
      b.title = p.summary;
      b.dataset.testid = `augment-preset-${p.name}`;
      b.addEventListener('click', () => { Object.assign(values, controlsFromOptions(p.options)); sync(); changed(); });
      presetButtons.append(b);
    }
    const standard = presets.find((p) => p.name === 'standard');
    if (standard) { Object.assign(values, controlsFromOptions(standard.options)); sync(); refreshSoon(); }
  }, (e) => { summary.textContent = `augmentation unavailable: ${e.message}`; });
  const reseed = document.createElement('button');
  reseed.type = 'button';
  reseed.textContent = 'new random draws';
  reseed.dataset.testid = 'augment-reseed';
  reseed.addEventListener('click', () => { seed += 1; refresh(); });
  bar.append(reseed);

  const train = document.createElement('label');
  train.className = 'aug-train';
  const trainBox = document.createElement('input');
  trainBox.type = 'checkbox';
  trainBox.dataset.testid = 'augment-train';
  train.append(trainBox, document.createTextNode(' train with augmentation'));
  const trainState = document.createElement('span');
  trainState.className = 'aug-train-state';
  trainState.dataset.testid = 'augment-train-state';
  train.append(trainState);
  trainBox.addEventListener('change', () => { trainWith = trainBox.checked; pushTraining(); });

  const view = document.createElement('div');
  view.className = 'aug-view';
  const source = mapCanvas(28, 28, wholeScale(28, 112), 'map digit');
  source.dataset.testid = 'augment-source';
  const grid = document.createElement('div');
  grid.className = 'aug-grid';
  grid.dataset.testid = 'augment-grid';
  const cells = [];
  for (let i = 0; i < GRID * GRID; ++i) {
    const c = mapCanvas(28, 28, 3, 'map digit');
    c.dataset.testid = 'augment-cell';
    grid.append(c);
    cells.push(c);
  }
  const sourceFig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = 'original';
  sourceFig.append(source, cap);
  const summary = document.createElement('p');
  summary.className = 'aug-summary';
  summary.dataset.testid = 'augment-summary';
  view.append(sourceFig, grid);
  const main = document.createElement('div');
  main.className = 'aug-main';
  const left = document.createElement('div');
  left.append(controls, summary, train);
  main.append(left, view);
  root.append(bar, main);

  function sync() {
    for (const { input, out, c } of Object.values(inputs)) {
      if (input.type === 'checkbox') input.checked = Boolean(values[c.key]);
      else input.value = String(values[c.key]);
      out.textContent = input.type === 'checkbox' ? '' : `${values[c.key]}${c.unit}`;
    }
    const opts = augmentOptions(values);
    summary.textContent = Object.keys(opts).length ? `engine options: ${JSON.stringify(opts).replace(/,"/g, ', "').replace(/":/g, '": ')}` : 'no augmentation: every copy is the original';
    root.dataset.options = JSON.stringify(opts);
  }

  async function pushTraining() {
    const options = trainWith ? augmentOptions(values) : {};
    try {
      const r = await client.request('setAugment', { options });
      trainState.textContent = Object.keys(r.augment).length ? ' — on for the live training' : ' — off';
      root.dataset.training = Object.keys(r.augment).length ? 'on' : 'off';
    } catch (e) {
      trainState.textContent = ` — ${e.message}`;
      root.dataset.training = 'error';
    }
  }

  const refresh = async () => {
    const digit = getDigit();  // null: the worker uses the drawn digit
    try {
      const r = await client.request('augmentPreview', { image: digit ? digit.slice() : undefined, options: augmentOptions(values), seed, count: cells.length });
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
    } catch (e) {
      root.dataset.error = e.message;
      summary.textContent = `augmentation unavailable: ${e.message}`;
    }
  };
  const refreshSoon = debounce(refresh, 120);
  const pushSoon = debounce(pushTraining, 300);
  function changed() {
    refreshSoon();
    if (trainWith) pushSoon();
    onChange(augmentOptions(values));
  }
  sync();

  return {
    element: root,
    refresh: refreshSoon,
    options: () => augmentOptions(values),
    // A named engine preset's options (for the comparison's fallback).
    presetOptions: (name) => augmentOptions(controlsFromOptions(presets.find((p) => p.name === name)?.options ?? {})),
    values: () => ({ ...values }),
  };
}
