// The settings that define a training run, as one typed table that
// round-trips through the URL hash: a link reproduces a run. Pure parsing and
// formatting (unit-testable) plus a tiny store that keeps the hash in sync.
// The page edits them; the worker gets the whole table ('configure').
//
// Only the run's recipe lives here (data set, network, optimiser,
// augmentation, seed...). Transient things (is it training, the drawn digit)
// are not state a link should carry.

// The engine's augmentation options (src/augment/options.cpp) a link may carry.
export const AUGMENT_KEYS = [
  'rotation', 'shiftX', 'shiftY', 'scaleMin', 'scaleMax', 'shear', 'elasticAlpha', 'elasticSigma', 'crop',
  'erase', 'eraseAreaMin', 'eraseAreaMax', 'noise', 'brightness', 'contrast', 'flipH', 'flipV',
];

// type: 'enum' (one of values), 'net', 'number', 'int', 'augment'; min/max are inclusive.
export const SETTINGS = {
  dataset: { type: 'enum', values: ['mnist', 'fashion'], default: 'mnist', label: 'Data set' },
  // A preset's name, or a network's whole spec (the editor's): a link then
  // carries the custom network itself. The engine judges the spec.
  net: { type: 'net', default: 'lenet5', label: 'Network' },
  // The probability of keeping a unit, as the spec language and the course
  // say it (dropout keep=p); 1 keeps the preset as it is.
  keep: { type: 'number', default: 1, min: 0.1, max: 1, label: 'Dropout' },
  // The loss the network trains with: its spec's own 'loss' line ('net'), softmax + cross-entropy, or the
  // course's mean squared error ½Σ(t − o)² on the raw outputs (loss mse in the spec language).
  loss: { type: 'enum', values: ['net', 'cross_entropy', 'mse'], default: 'net', label: 'Loss' },
  // The pixels as they are in [0, 1] ('net': as the network has it), or standardised to zero mean and unit
  // variance by a first layer 'standardize mean=… std=…' with the data set's own statistics (INPUT_STATS).
  input: { type: 'enum', values: ['net', 'standardize'], default: 'net', label: 'Input' },
  // How many of the 60,000 training images a run learns from (the first ones): few make it overfit.
  trainSize: { type: 'int', default: 60000, min: 10, max: 60000, label: 'Training digits' },
  optimizer: { type: 'enum', values: ['sgd', 'rmsprop', 'adam'], default: 'adam', label: 'Optimiser' },
  // Cosine by default: Adam at 0.002 reaches 99 % test accuracy within a
  // 3-epoch run only when the rate comes down at the end (~20 s in the page).
  // Batches of 4 at 0.0007 reach it within 2 epochs natively, but train ~8×
  // fewer images a second (README, "The page's defaults").
  lr: { type: 'number', default: 0.002, min: 1e-6, max: 1000, label: 'Learning rate' },
  schedule: { type: 'enum', values: ['constant', 'step', 'cosine'], default: 'cosine', label: 'LR schedule' },
  batch: { type: 'int', default: 32, min: 1, max: 256, label: 'Batch size' },
  momentum: { type: 'number', default: 0.9, min: 0, max: 0.999, label: 'Momentum' },
  decay: { type: 'number', default: 0, min: 0, max: 0.1, label: 'Weight decay' },
  epochs: { type: 'number', default: 3, min: 0.1, max: 100, label: 'Epochs' },
  seed: { type: 'int', default: 1, min: 0, max: 2147483647, label: 'Seed' },
  // The live training's augmentation: engine options as "key=value,…"; '' = none.
  augment: { type: 'augment', default: '', label: 'Augmentation' },
};

// The largest batch the engine's network is built for.
export const MAX_BATCH = SETTINGS.batch.max;

// Settings that change the network's architecture, its starting weights or its
// training digits: they take effect when a fresh network is built (Reset / Train from scratch).
export const ARCHITECTURE_KEYS = ['net', 'keep', 'loss', 'input', 'trainSize', 'seed'];

export function defaultSettings() {
  const out = {};
  for (const [key, spec] of Object.entries(SETTINGS)) out[key] = spec.default;
  return out;
}

// One value from text: { value } when valid, else { reason } saying why not
// in the page's own words (never echoing the text itself).
export function checkValue(spec, text) {
  if (spec.type === 'augment' && text === '') return { value: '' };
  if (typeof text !== 'string' || text === '') return { reason: 'empty' };
  if (spec.type === 'enum')
    return spec.values.includes(text) ? { value: text } : { reason: `not one of ${spec.values.join(', ')}` };
  if (spec.type === 'net') {
    const net = parseNet(text);
    return net === undefined ? { reason: "not a network's name or a spec starting with 'input'" } : { value: net };
  }
  if (spec.type === 'augment') {
    try {
      return { value: formatAugment(parseAugment(text)) };
    } catch {
      return { reason: `not augmentation options (${AUGMENT_KEYS.slice(0, 3).join(', ')}…=number)` };
    }
  }
  const n = Number(text.trim() === '' ? NaN : text);
  if (!Number.isFinite(n)) return { reason: 'not a number' };
  if (spec.type === 'int' && !Number.isInteger(n)) return { reason: 'not a whole number' };
  if (n < spec.min || n > spec.max) return { reason: `out of range (${spec.min} to ${spec.max})` };
  return { value: n };
}

// One value from text; returns undefined when the text is not valid.
export const parseValue = (spec, text) => checkValue(spec, text).value;

export function formatValue(spec, value) {
  // Numbers print without float noise (0.1 + 0.2 style tails).
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
}

// Links made before a setting was renamed still open: name → (text) → { key, value }.
const LEGACY = {
  // The network was a preset's name; it became a name or a spec.
  preset: (text) => ({ key: 'net', value: text }),
  // The drop rate became the keep probability p = 1 − rate.
  dropout: (text) => ({ key: 'keep', value: text === '' ? text : String(Number((1 - Number(text)).toPrecision(6))) }),
};

// Lookups in these tables are own-property only: '#constructor=1' or
// '#__proto__=1' must not find Object.prototype's members.
const own = (table, key) => (Object.hasOwn(table, key) ? table[key] : undefined);

// Foreign text (from a link) is quoted only when short and plain; anything
// else is described, so a link cannot make the page say what its author chose.
export function quoteForeign(text) {
  const t = String(text);
  return /^[A-Za-z0-9_.,=+-]{1,24}$/.test(t) ? `'${t}'` : `(a ${t.length.toLocaleString('en')}-character text)`;
}

// "#preset=lenet5&lr=0.001" → { settings, errors }. Unknown keys, bad values
// and repeated keys are reported, not silently dropped; bad values fall back
// to defaults. choices: { key: [allowed names] } for settings whose valid
// values only the engine knows (the networks).
export function parseHash(hash, { choices = {} } = {}) {
  const settings = defaultSettings();
  const errors = [];
  const seen = new Map(); // key -> how many times given
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  for (const [name, text] of params) {
    const { key, value: legacyText } = own(LEGACY, name)?.(text) ?? { key: name, value: text };
    const spec = own(SETTINGS, key);
    if (!spec) {
      errors.push(`unknown setting ${quoteForeign(key)}`);
      continue;
    }
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (seen.get(key) === 2) errors.push(`${spec.label} is given more than once; the last one counts`);
    const checked = checkValue(spec, legacyText);
    const problem = invalidChoice(spec, checked, own(choices, key));
    if (problem) errors.push(invalidMessage(spec, text, problem));
    else settings[key] = checked.value;
  }
  return { settings, errors };
}

const invalidMessage = (spec, text, problem) => `${spec.label}: ${quoteForeign(text)} is not valid (${problem})`;

// Why a checked value is refused (its own reason, or not among the choices), or null.
function invalidChoice(spec, checked, allowed) {
  if (checked.reason) return checked.reason;
  // A custom network's spec is the engine's to judge (the editor shows its verdict).
  const isSpec = spec.type === 'net' && !PRESET_NAME.test(checked.value);
  if (allowed && !isSpec && !allowed.includes(checked.value)) return `not one of ${allowed.join(', ')}`;
  return null;
}

// A banner's worth of problems: how many, the first few, never a flood.
export function summariseProblems(errors, { shown = 3 } = {}) {
  if (!errors.length) return '';
  const more = errors.length - shown;
  const head = errors.length === 1 ? 'A setting in the link was' : `${errors.length} settings in the link were`;
  const tail = more > 0 ? `; and ${more.toLocaleString('en')} more` : '';
  return `${head} not understood and use defaults: ${errors.slice(0, shown).join('; ')}${tail}.`;
}

// Every setting, in table order, so a link still means the same run if a
// default changes later.
export function formatHash(settings) {
  const params = new URLSearchParams();
  for (const [key, spec] of Object.entries(SETTINGS)) params.set(key, formatValue(spec, settings[key] ?? spec.default));
  return '#' + params.toString();
}

// The longest network spec a link may carry (a big Inception is ~1,500).
export const MAX_NET_LENGTH = 6000;
const PRESET_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

export const isPresetName = (net) => PRESET_NAME.test(net);

// A preset's name, or a spec: printable text of at most MAX_NET_LENGTH
// characters that starts with 'input', its lines trimmed and blank lines
// dropped (so the same network is the same link). Whether it is a network
// is the engine's call.
function parseNet(text) {
  if (PRESET_NAME.test(text)) return text;
  if (text.length > MAX_NET_LENGTH || /[^\n\r\t\x20-\x7e]/.test(text)) return undefined;
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  return /^input\b/.test(lines[0] ?? '') ? lines.join('\n') : undefined;
}

// "rotation=15,shiftX=3" → { rotation: 15, shiftX: 3 }; throws on an unknown
// key or a value that is not a finite number. The engine checks the ranges.
export function parseAugment(text) {
  const options = {};
  for (const pair of String(text).split(',').filter(Boolean)) {
    const [key, value, extra] = pair.split('=');
    if (!AUGMENT_KEYS.includes(key)) throw new Error(`unknown augmentation option '${key}'`);
    const n = Number(value);
    if (extra !== undefined || value === undefined || value === '' || !Number.isFinite(n)) {
      throw new Error(`augmentation option ${key}: '${value}' is not a number`);
    }
    options[key] = n;
  }
  return options;
}

// The inverse of parseAugment, keys in AUGMENT_KEYS order so a link is stable.
export function formatAugment(options) {
  return AUGMENT_KEYS.filter((k) => options[k] !== undefined)
    .map((k) => `${k}=${Number(Number(options[k]).toPrecision(6))}`)
    .join(',');
}

// The training options the engine's Training takes, from the settings.
export function trainingOptions(settings) {
  return {
    optimizer: settings.optimizer,
    learningRate: settings.lr,
    schedule: settings.schedule,
    batchSize: settings.batch,
    momentum: settings.momentum,
    weightDecay: settings.decay,
    epochs: settings.epochs,
    seed: settings.seed,
  };
}

// A spec with the chosen loss: 'net' leaves its own 'loss' line (or none:
// cross-entropy); otherwise that line is replaced by 'loss <name>'.
export function specWithLoss(spec, loss) {
  if (loss === 'net') return spec;
  const lines = spec.split('\n').filter((line) => !/^\s*loss\b/.test(line));
  return [...lines, `loss ${loss}`].join('\n');
}

// Each data set's pixel mean and standard deviation over its 60,000 training
// images (tests/node/input-stats.test.mjs measures them from web/data/).
export const INPUT_STATS = { mnist: { mean: 0.1307, std: 0.3081 }, fashion: { mean: 0.286, std: 0.353 } };

// A spec whose first layer standardises the pixels, (x − mean)/std, unless
// it has a standardize layer already; 'net' leaves the spec as it is.
export function specWithInput(spec, input, dataset = 'mnist') {
  if (input === 'net' || /^\s*standardize\b/m.test(spec)) return spec;
  const { mean, std } = INPUT_STATS[dataset] ?? INPUT_STATS.mnist;
  const lines = spec.split('\n');
  // After the header lines: input, and init when given.
  let at = 0;
  while (at < lines.length && /^\s*(input|init)\b|^\s*(#.*)?$/.test(lines[at])) at++;
  lines.splice(at, 0, `standardize mean=${mean} std=${std}`);
  return lines.join('\n');
}

// A preset's spec with the chosen dropout: keep = 1 leaves the preset as it
// is; keep < 1 replaces the preset's own dropout with 'dropout keep=p' before
// every dense layer that has a layer before it (not on the raw pixels).
export function specWithDropout(spec, keepProbability) {
  if (!(keepProbability < 1)) return spec;
  const keep = Number(keepProbability.toPrecision(6));
  const lines = spec.split('\n').filter((line) => !/^\s*dropout\b/.test(line));
  const out = [];
  let layersSoFar = 0;
  for (const line of lines) {
    const word = line.trim().split(/\s+/)[0];
    if ((word === 'dense' || word === 'fc') && layersSoFar > 0) {
      const indent = line.match(/^\s*/)[0];
      out.push(`${indent}dropout keep=${keep}`);
    }
    if (word && word !== 'input' && !word.startsWith('#')) layersSoFar++;
    out.push(line);
  }
  return out.join('\n');
}

// A store for the settings: set() validates, notifies subscribers and
// writes the hash (replaceState, so tweaking a slider does not flood history).
// A hash is checked by one path whenever it arrives (the page's load, a
// hashchange, a pasted link): problems go to onProblems listeners and the
// address bar is rewritten to the full, valid hash, so a copied link always
// carries every setting.
export function createSettingsStore(win = globalThis.window) {
  const choices = {}; // key -> allowed values, once the engine has said (restrict)
  let settings = defaultSettings();
  const listeners = new Set();
  const problemListeners = new Set();
  const writeHash = () => {
    if (!win?.history) return;
    const hash = formatHash(settings);
    if (win.location.hash !== hash) win.history.replaceState(null, '', hash);
  };
  const notify = (changed) => listeners.forEach((fn) => fn(settings, changed));
  const report = (errors) => {
    store.errors = errors;
    problemListeners.forEach((fn) => fn(errors));
  };
  const replaceAll = (next) => {
    const changed = Object.keys(SETTINGS).filter((k) => next[k] !== settings[k]);
    settings = next;
    writeHash();
    if (changed.length) notify(changed);
  };
  const adoptHash = (hash) => {
    const parsed = parseHash(hash, { choices });
    replaceAll(parsed.settings);
    report(parsed.errors);
  };
  const store = {
    errors: [],
    get: () => settings,
    // patch values are values or their text (a form field's); throws a message naming the setting.
    set(patch) {
      const changed = [];
      const next = { ...settings };
      for (const [key, value] of Object.entries(patch)) {
        const spec = own(SETTINGS, key);
        if (!spec) throw new Error(`unknown setting '${key}'`);
        const text = typeof value === 'string' ? value : formatValue(spec, value);
        const checked = checkValue(spec, text);
        const problem = invalidChoice(spec, checked, own(choices, key));
        if (problem) throw new Error(`${spec.label}: ${problem === 'empty' ? 'a value is needed' : problem}`);
        if (next[key] !== checked.value) {
          next[key] = checked.value;
          changed.push(key);
        }
      }
      if (changed.length === 0) return;
      settings = next;
      writeHash();
      notify(changed);
    },
    // The values `key` may take, once known (the engine's networks): a
    // current value outside them is reported (with the link's other problems)
    // and replaced by the default.
    restrict(key, allowed) {
      const spec = own(SETTINGS, key);
      choices[key] = [...allowed];
      const value = settings[key];
      const problem = invalidChoice(spec, { value }, choices[key]);
      if (!problem) return;
      replaceAll({ ...settings, [key]: spec.default });
      report([...store.errors, invalidMessage(spec, formatValue(spec, value), problem)]);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onProblems(fn) {
      problemListeners.add(fn);
      return () => problemListeners.delete(fn);
    },
  };
  win?.addEventListener?.('hashchange', () => adoptHash(win.location.hash));
  adoptHash(win?.location?.hash ?? '');
  return store;
}
