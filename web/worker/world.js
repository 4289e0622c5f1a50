// What the worker owns: the engine, the model, the data sets, the settings,
// the drawn digit and the run's state, in one object, with the operations on
// them that more than one command needs (a new model, a prediction, a test).
// Nothing here touches the DOM; the page hears of changes through events.
import { defaultSettings, specWithDropout, MAX_BATCH } from '../settings.js';
import { MNIST_SHAPE } from '../util.js';
import { loadDataset, splitIntoChunks } from './data.js';
import { emit } from './events.js';
import { evaluateChunks, resultsPayload } from './evaluate.js';
import { createRunState } from './run-state.js';
import { createScheduler } from './scheduler.js';

const SUBSET_SIZE = 1000; // test images evaluated during training
const CHUNK_SIZE = 500; // test images per evaluation slice (≈ 40 ms)

export const world = {
  engine: null, // the Emscripten module
  model: null, // engine Model
  modelInfo: null, // what the page shows about it
  pretrainedBytes: null,
  presets: [],
  settings: defaultSettings(),
  dataset: null, // web/data/<dataset>/, from the first configure
  test: null, // engine Data, the whole test set
  testSubset: null, // its first SUBSET_SIZE images
  testChunks: null, // [{data, offset}] for chunked evaluation
  testLoading: null, // a promise that the test set is in place (or failed to load)
  train: null, // a promise of the training Data (null if it failed)
  trainLoaded: false,
  run: null, // TrainingRun on the current model, if any
  digit: null, // the drawn digit (Float32Array 784) or null
  digitSeq: 0, // the page's number for it, echoed with each prediction
  digitStrokes: 0,
  lastFullEvalAt: -1, // imagesSeen of the last full evaluation
  runState: createRunState((payload) => emit('state', payload)),
  scheduler: createScheduler({ onError: (error, job) => reportError(error, job) }),
};

function reportError(error, context) {
  console.error(`[worker] ${context ?? ''}`, error);
  emit('error', { context: context ?? null, message: error?.message ?? String(error) });
}

export const datasetTitle = (name) => (name === 'fashion' ? 'Fashion-MNIST' : 'MNIST');

// ---- data ---------------------------------------------------------------------

// Test data first (small, needed for accuracy), then the 10 MB training set
// in the background. The training promise exists from the first moment, so a
// Train clicked while the test data still loads waits instead of failing. A
// data set switched meanwhile makes this load stale: its results are dropped.
export function loadData(dataset) {
  world.dataset = dataset;
  emit('dataset', { name: dataset });
  const { engine } = world;
  const current = () => world.dataset === dataset;
  const testLoaded = loadTestData(engine, dataset, current);
  world.testLoading = testLoaded;
  world.train = testLoaded
    .then(() => loadDataset(engine, dataset, 'train'))
    .then(
      (data) => {
        if (current()) {
          world.trainLoaded = true;
          emit('data', { stage: 'train-ready', trainCount: data.count() });
        }
        return data; // a stale one is deleted by the switch that made it stale
      },
      (error) => {
        if (current())
          emit('data', { stage: 'train-error', message: `The training digits could not be loaded: ${error.message}` });
        return null;
      },
    );
  return testLoaded;
}

async function loadTestData(engine, dataset, current) {
  try {
    emit('data', { stage: 'test', message: `Loading the 10,000 ${datasetTitle(dataset)} test images…` });
    const test = await loadDataset(engine, dataset, 'test');
    if (!current()) {
      test.delete();
      return;
    }
    world.test = test;
    world.testSubset = test.head(SUBSET_SIZE);
    world.testChunks = splitIntoChunks(engine, test, CHUNK_SIZE);
    emit('data', { stage: 'test-ready', testCount: test.count() });
    queueFullEvaluation('start');
  } catch (error) {
    if (current())
      emit('data', { stage: 'test-error', message: `The test digits could not be loaded: ${error.message}` });
  }
}

// Another data set: the old one's handles are freed, a fresh network built.
export async function switchDataset(name) {
  dropRun();
  const old = [world.testSubset, world.test, ...(world.testChunks ?? []).map((c) => c.data)];
  world.train?.then((data) => data?.delete());
  Object.assign(world, { test: null, testSubset: null, testChunks: null, train: null, trainLoaded: false });
  for (const data of old) data?.delete();
  buildFreshModel(world.settings);
  await loadData(name);
}

// ---- the model ------------------------------------------------------------------

const presetSpec = (name) => world.presets.find((p) => p.name === name)?.spec ?? null;

function describeModel(model, extra) {
  const layers = model.layers();
  const canonical = model.spec();
  return {
    ...extra,
    preset: world.presets.find((p) => sameArchitecture(p.spec, canonical))?.name ?? null,
    spec: canonical,
    params: layers.reduce((sum, l) => sum + l.params, 0),
    layers: layers.map((l) => ({ kind: l.kind, spec: l.spec, output: l.output, params: l.params })),
  };
}

// Compares specs by building the preset and reading back the canonical text.
function sameArchitecture(spec, canonical) {
  try {
    const probe = new world.engine.Model(spec, 1);
    const same = probe.spec() === canonical;
    probe.delete();
    return same;
  } catch {
    return false;
  }
}

// Makes `model` the live one (and deletes the old): every job on the old
// model is cancelled and the run is dropped.
export function setModel(model, extra) {
  const shape = model.inputShape();
  if (shape.c !== MNIST_SHAPE.c || shape.h !== MNIST_SHAPE.h || shape.w !== MNIST_SHAPE.w || model.classes() !== 10) {
    const got = `${shape.c}×${shape.h}×${shape.w} and has ${model.classes()} classes`;
    model.delete();
    throw new Error(`this page works with 1×28×28 images and 10 classes; the model takes ${got}`);
  }
  dropRun();
  world.model?.delete();
  world.model = model;
  world.modelInfo = describeModel(model, extra);
  world.lastFullEvalAt = -1;
  emit('model', { changed: true, ...world.modelInfo });
  predictDigit();
}

export const loadModelBytes = (bytes, extra) => setModel(world.engine.Model.fromBytes(bytes, MAX_BATCH), extra);

// A fresh network from the settings: preset, dropout keep probability, seed.
export function buildFreshModel(settings) {
  const base = presetSpec(settings.preset);
  if (!base)
    throw new Error(`unknown network '${settings.preset}' (known: ${world.presets.map((p) => p.name).join(', ')})`);
  const model = new world.engine.Model(specWithDropout(base, settings.keep), MAX_BATCH);
  model.init(settings.seed); // the network's own scheme (its spec's 'init' line, else He)
  setModel(model, {
    source: 'fresh',
    name: `fresh ${settings.preset}`,
    builtWith: { preset: settings.preset, keep: settings.keep, seed: settings.seed },
  });
  evaluateSubset(); // where a run starts: about 10%, chance
}

// The run (and every job on the live model) ends; the state becomes idle.
function dropRun() {
  world.scheduler.cancelLane('model');
  world.run?.delete();
  world.run = null;
  if (!world.runState.is('loading')) world.runState.go('idle');
}

// ---- predictions and evaluations -------------------------------------------------

export function predictDigit() {
  if (!world.model) return;
  const probs = world.digit ? world.model.predict(world.digit) : null;
  emit('prediction', { probs, seq: world.digitSeq, strokes: world.digitStrokes });
}

function emitTest(evaluation, full) {
  emit('test', {
    imagesSeen: world.run?.imagesSeen ?? 0,
    accuracy: evaluation.accuracy,
    count: evaluation.count,
    full,
  });
}

export function evaluateSubset() {
  if (world.testSubset) emitTest(world.engine.evaluate(world.model, world.testSubset, -1), false);
}

// A job: the whole test set, in chunks, then the results panel's event.
export function* fullEvaluation(reason) {
  if (!world.testChunks) return;
  const imagesSeen = world.run?.imagesSeen ?? 0;
  const evaluation = yield* evaluateChunks(world.engine, world.model, world.testChunks);
  world.lastFullEvalAt = imagesSeen;
  emitTest(evaluation, true);
  emit('results', resultsPayload(evaluation, world.test, { reason, imagesSeen, modelName: world.modelInfo.name }));
}

export function queueFullEvaluation(reason) {
  if (!world.testChunks || world.scheduler.has('evaluate')) return;
  world.scheduler.add('evaluate', fullEvaluation(reason), { lane: 'model' });
}
