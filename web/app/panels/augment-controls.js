// The augmentation panel's controls and their translation to and from the
// engine's augmentation options (src/augment/options.cpp has the full list
// and ranges; these are the ranges worth exploring on digits). Pure: no DOM,
// so Node tests check the round trip through a link's 'augment' setting.

// What each control does, shown as its tooltip.
const HELP = {
  rotation: 'a random angle in ±this',
  shift: 'moves by whole pixels, up to ±this',
  zoom: 'scales by a factor in 1 ± this',
  shear: 'slants: x moves by up to ±this × y',
  elasticAlpha: 'a smooth random wobble (Simard et al. used 34)',
  elasticSigma: 'how smooth the wobble is',
  crop: 'keeps a random window of this fraction and resizes it (1 = off)',
  erase: 'probability of blanking a random rectangle',
  noise: 'Gaussian noise of this standard deviation',
  brightness: 'multiplies the ink by 1 ± this',
  contrast: 'stretches about the mean by 1 ± this',
  flipH: 'half the time; a mirrored 2 is no 2 — watch what it does to digits',
  flipV: 'half the time; a flipped 6 looks like a 9',
};

// Sliders (range inputs) unless `type` says otherwise; `toOptions` turns a
// control's value into engine options (default: { [key]: value }).
export const CONTROLS = [
  { key: 'rotation', label: 'rotate', unit: '°', min: 0, max: 45, step: 1 },
  { key: 'shift', label: 'shift', unit: ' px', min: 0, max: 6, step: 1, toOptions: (v) => ({ shiftX: v, shiftY: v }) },
  {
    key: 'zoom', label: 'zoom', unit: '', min: 0, max: 0.3, step: 0.01,
    toOptions: (v) => ({ scaleMin: 1 - v, scaleMax: 1 + v }),
  },
  { key: 'shear', label: 'shear', unit: '', min: 0, max: 0.5, step: 0.01 },
  { key: 'elasticAlpha', label: 'elastic', unit: ' px', min: 0, max: 40, step: 1 },
  { key: 'elasticSigma', label: 'smoothness', unit: ' px', min: 2, max: 8, step: 0.5 },
  { key: 'crop', label: 'crop', unit: '', min: 0.5, max: 1, step: 0.01 },
  { key: 'erase', label: 'erase', unit: '', min: 0, max: 1, step: 0.05 },
  { key: 'noise', label: 'noise', unit: '', min: 0, max: 0.3, step: 0.01 },
  { key: 'brightness', label: 'brightness', unit: '', min: 0, max: 0.5, step: 0.01 },
  { key: 'contrast', label: 'contrast', unit: '', min: 0, max: 0.5, step: 0.01 },
  { key: 'flipH', label: 'mirror ↔', type: 'checkbox', toOptions: (v) => ({ flipH: v ? 0.5 : 0 }) },
  { key: 'flipV', label: 'flip ↕', type: 'checkbox', toOptions: (v) => ({ flipV: v ? 0.5 : 0 }) },
].map((c) => ({ ...c, help: HELP[c.key] }));

// Every control at "no change".
export const OFF = {
  rotation: 0, shift: 0, zoom: 0, shear: 0, elasticAlpha: 0, elasticSigma: 4, crop: 1, erase: 0, noise: 0,
  brightness: 0, contrast: 0, flipH: false, flipV: false,
};

// Engine options (a preset's, or a link's) → these controls' values.
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
const ENGINE_OFF = {
  rotation: 0, shiftX: 0, shiftY: 0, scaleMin: 1, scaleMax: 1, shear: 0, elasticAlpha: 0, crop: 1, erase: 0,
  noise: 0, brightness: 0, contrast: 0, flipH: 0, flipV: 0,
};

// Control values → the engine's options object (only what is on).
export function augmentOptions(values) {
  const out = {};
  for (const c of CONTROLS) Object.assign(out, c.toOptions ? c.toOptions(values[c.key]) : { [c.key]: values[c.key] });
  for (const [k, v] of Object.entries(ENGINE_OFF)) if (out[k] === v) delete out[k];
  if (!out.elasticAlpha) delete out.elasticSigma;
  if (out.erase) Object.assign(out, { eraseAreaMin: 0.02, eraseAreaMax: 0.12 });
  return out;
}
