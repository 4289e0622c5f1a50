// The two-run comparison's settings: two fresh networks that differ in one
// of these and in nothing else (same network, seed, data order, optimiser
// settings), trained side by side (worker/comparison.js), their curves
// together (app/panels/compare.js). Pure: the page lists the values, the
// worker turns a value into its recipe; both import this table.
import { specWithDropout, specWithInput, specWithLoss } from './settings.js';

// values: [value, label]; the first two are a setting's default pair.
export const COMPARE_SETTINGS = {
  augment: { label: 'augmentation', values: [[false, 'without augmentation'], [true, 'with augmentation']] },
  keep: { label: 'dropout', values: [[1, 'no dropout'], [0.5, 'dropout keep 50%'], [0.75, 'dropout keep 75%'],
    [0.9, 'dropout keep 90%']] },
  decay: { label: 'weight decay', values: [[0, 'no weight decay'], [0.001, 'weight decay 0.001'],
    [0.0001, 'weight decay 0.0001'], [0.01, 'weight decay 0.01']] },
  trainSize: { label: 'training digits', values: [[60000, 'all 60,000 digits'], [500, '500 digits'],
    [100, '100 digits'], [1000, '1,000 digits'], [10000, '10,000 digits']] },
  init: { label: 'initialisation', values: [['he', 'He'], ['constant', 'constant 0.01'], ['xavier', 'Xavier'],
    ['lecun', 'LeCun']] },
  activation: { label: 'activation', values: [['relu', 'ReLU'], ['sigmoid', 'sigmoid'], ['tanh', 'tanh'],
    ['leaky_relu', 'leaky ReLU'], ['elu', 'ELU']] },
  optimizer: { label: 'optimiser', values: [['sgd', 'SGD + momentum'], ['adam', 'Adam'], ['rmsprop', 'RMSprop']] },
  loss: { label: 'loss', values: [['cross_entropy', 'softmax cross-entropy'], ['mse', 'mean squared error']] },
  input: { label: 'input', values: [['net', 'raw pixels in [0, 1]'], ['standardize', 'standardised pixels']] },
};

// Each optimiser at a learning rate it trains well with (a shared one would
// favour one of them).
export const OPTIMIZER_RATES = { sgd: 0.01, adam: 0.001, rmsprop: 0.001 };

// The spec language's elementwise activations (src/layers/activation.h).
const ACTIVATIONS = new Set(['relu', 'leaky_relu', 'noisy_relu', 'sigmoid', 'tanh', 'elu']);

// A spec with every activation layer replaced by `name` (its parameters dropped: each takes its defaults).
export function specWithActivation(spec, name) {
  return spec.split('\n').map((line) => {
    const word = line.trim().split(/\s+/)[0];
    return ACTIVATIONS.has(word) ? `${line.match(/^\s*/)[0]}${name}` : line;
  }).join('\n');
}

// The label of a setting's value, or throws naming what is allowed (bad input from a page or a test).
export function compareValueLabel(setting, value) {
  const entry = Object.hasOwn(COMPARE_SETTINGS, setting) ? COMPARE_SETTINGS[setting] : null;
  if (!entry) {
    throw new Error(`compare: unknown setting '${setting}' (one of ${Object.keys(COMPARE_SETTINGS).join(', ')})`);
  }
  const found = entry.values.find(([v]) => v === value);
  if (!found) {
    throw new Error(`compare: ${entry.label} cannot be ${JSON.stringify(value)} ` +
      `(one of ${entry.values.map(([v]) => JSON.stringify(v)).join(', ')})`);
  }
  return found[1];
}

// One run's recipe: { spec, options, init: { scheme, value? } | null, trainSize: number | null, augment }
// from the base { spec, options, dataset } and the setting's value.
export function compareRecipe(setting, value, { spec, options, dataset }) {
  compareValueLabel(setting, value);
  const recipe = { spec, options: { ...options }, init: null, trainSize: null, augment: false };
  if (setting === 'augment') recipe.augment = value;
  else if (setting === 'keep') recipe.spec = specWithDropout(spec, value);
  else if (setting === 'loss') recipe.spec = specWithLoss(spec, value);
  else if (setting === 'input') recipe.spec = specWithInput(spec, value, dataset);
  else if (setting === 'activation') recipe.spec = specWithActivation(spec, value);
  else if (setting === 'decay') recipe.options.weightDecay = value;
  else if (setting === 'trainSize') recipe.trainSize = value;
  else if (setting === 'init') recipe.init = value === 'constant' ? { scheme: 'constant', value: 0.01 }
    : { scheme: value };
  else if (setting === 'optimizer') {
    Object.assign(recipe.options, { optimizer: value, learningRate: OPTIMIZER_RATES[value] });
  }
  return recipe;
}
