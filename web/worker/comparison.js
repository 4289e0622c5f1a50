// The comparison job: two fresh networks that differ in one chosen setting
// (../comparison.js: augmentation, dropout, weight decay, training digits,
// initialisation, activation, optimiser, loss) and in nothing else, trained
// side by side. Each slice runs one engine call of one run, sized by the
// Stepper (whole steps when they fit in a slice, else one micro-batch), so
// Pause and Cancel wait one slice, whatever the network.
// Every evalEvery steps a run records its accuracy on the training batches
// since the last point and on the first `count` test digits (predicted in
// time-bounded chunks too). An augmentation comparison then measures both
// networks on turned and moved digits.
import { COMPARE_SETTINGS, compareRecipe, compareValueLabel } from '../comparison.js';
import { parseAugment } from '../settings.js';
import { clampInt } from '../util.js';
import { liveTest } from './inspect.js';
import { inTurns, sweep, sweepPoints } from './jobs.js';
import { checkedSpec, netSpec } from './network.js';
import { accuracyInSlices } from './sliced.js';
import { Stepper } from './stepper.js';
import { world } from './world.js';

// An epoch count no comparison reaches: steps end the runs (and the schedule is constant).
const ENDLESS_EPOCHS = 1000;

function checkedPayload(payload) {
  const setting = payload.setting ?? 'augment';
  const values = payload.values ?? COMPARE_SETTINGS[setting]?.values.slice(0, 2).map(([v]) => v);
  if (!Array.isArray(values) || values.length !== 2) {
    throw new Error('compare: values must be two values of the setting');
  }
  const labels = values.map((v) => compareValueLabel(setting, v));
  return {
    setting, values, labels,
    steps: clampInt(payload.steps, 10, 20000, 600),
    evalEvery: clampInt(payload.evalEvery, 5, 1e9, 50),
    seed: clampInt(payload.seed, 0, 2147483647, 1),
    count: clampInt(payload.count, 10, 10000, 500),
  };
}

// One run of the pair, built from its recipe; its handles go into `keep`.
function makeRun(recipe, { seed, augment, trainData, keep }) {
  const e = world.engine;
  const batch = recipe.options.batchSize;
  const model = keep(new e.Model(checkedSpec(e, recipe.spec, batch), Math.max(64, batch)));
  // The same seed: both start from the same weights unless the initialisation is what differs.
  if (recipe.init) model.init(seed, recipe.init.scheme, recipe.init.value);
  else model.init(seed);
  const data = recipe.trainSize && recipe.trainSize < trainData.count() ? keep(trainData.head(recipe.trainSize))
    : trainData;
  const training = keep(new e.Training(model, data, { ...recipe.options, epochs: ENDLESS_EPOCHS }));
  if (recipe.augment) training.setAugment(augment);
  return { model, stepper: new Stepper(training, batch), steps: 0, correct: 0, images: 0, history: [],
    diverged: false };
}

export function* compare(payload, progress, trainData) {
  const p = checkedPayload(payload);
  const test = liveTest();
  const spec = netSpec(payload.net ?? 'lenet5', world.presets);
  const options = { batchSize: 32, learningRate: 0.01, momentum: 0.9, optimizer: 'sgd', seed: p.seed,
    ...payload.training, schedule: 'constant' };
  const augment = typeof payload.augment === 'string' ? parseAugment(payload.augment) : payload.augment ?? {};
  const handles = [];
  const keep = (h) => (handles.push(h), h);
  try {
    const base = { spec, options, dataset: world.dataset };
    const runs = p.values.map((value) => makeRun(compareRecipe(p.setting, value, base),
      { seed: p.seed, augment, trainData, keep }));
    const subset = test.slice(0, Math.min(p.count, test.count()));
    const startedAt = performance.now();
    for (;;) {
      const going = runs.filter((r) => r.steps < p.steps && !r.diverged);
      if (going.length === 0) break;
      yield;
      // The run behind goes next, so both advance together.
      const r = going.reduce((a, b) => (b.steps < a.steps ? b : a));
      const toPoint = Math.min(p.steps, (Math.floor(r.steps / p.evalEvery) + 1) * p.evalEvery) - r.steps;
      const { result } = r.stepper.run(toPoint);
      r.diverged = result.diverged;
      r.steps += result.steps;
      r.correct += result.accuracy * result.images;
      r.images += result.images;
      const atPoint = result.steps > 0 && (r.steps % p.evalEvery === 0 || r.steps === p.steps);
      if (!atPoint && !r.diverged) continue;
      const train = r.images ? r.correct / r.images : 0;
      r.correct = r.images = 0;
      const test = yield* accuracyInSlices(r.model, subset.images, subset.labels);
      r.history.push([r.steps, train, test]);
      progress({ phase: 'train', total: p.steps, run: runs.indexOf(r), step: r.steps, train, test,
        diverged: r.diverged });
    }
    let robustness = null;
    if (p.setting === 'augment') {
      const points = sweepPoints(payload.angles, payload.shifts);
      const shape = runs[0].model.inputShape();
      robustness = yield* inTurns(runs.map((r, i) => sweep(r.model, subset, shape, points,
        (point) => progress({ phase: 'robustness', run: i, point }))));
    }
    return {
      setting: p.setting, values: p.values, labels: p.labels, steps: p.steps, evalEvery: p.evalEvery,
      count: subset.labels.length, dataset: world.dataset, augment,
      seconds: (performance.now() - startedAt) / 1000,
      history: runs.map((r) => r.history), diverged: runs.map((r) => r.diverged), robustness,
    };
  } finally {
    for (const h of handles.reverse()) h.delete();
  }
}
