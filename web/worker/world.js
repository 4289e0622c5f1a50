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
import { checkedSpec, netName, netSpec } from './network.js';

const SUBSET_SIZE = 1000; // test images evaluated during training
// Test images per evaluation slice: ≈ 4 ms with lenet5, ≈ 150 ms with resnet-mini (3 ms an image).
const CHUNK_SIZE = 50;

export const world = {
  engine: null, // the Emscripten module
  model: null, // engine Model
  modelInfo: null, // what the page shows about it
  pretrainedBytes: null,
  presets: [],
  settings: defaultSettings(),
  dataset: null, // web/data/<dataset>/, from the first configure
  test: null, // engine Data, the whole test set
  testChunks: null, // [{data, offset}] for chunked evaluation
  testLoading: null, // ensureTest()'s promise, once something asked for the test set
  train: null, // ensureTrain()'s promise of the training Data (null if it failed)
  trainLoaded: false,
  trainFailed: false, // its last download failed: the next ensureTrain() starts another
  run: null, // TrainingRun on the current model, if any
  comparisonMlp: null, // { model, dataset, steps }: the mlp the equivariance panel measures beside the model
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

// Nothing is fetched until something needs it: a learner who only draws
// downloads neither set (1.6 MB of test images, 10 MB of training images).
// ensureTest() and ensureTrain() start a set's download once per data set
// and return the same promise to everyone who asks. A data set switched
// meanwhile makes a load stale: its results are dropped.
export function loadData(dataset) {
  world.dataset = dataset;
  emit('dataset', { name: dataset });
}

function requireDataset() {
  if (world.dataset === null) throw new Error('the engine is still starting; try again in a moment');
}

const isCurrent = (dataset) => () => world.dataset === dataset;

// Reports a download's bytes to the page (its progress bar), at most every 1%.
function progressReporter(split) {
  let shown = -1;
  return (loaded, total) => {
    const percent = total ? Math.floor((100 * loaded) / total) : -1;
    if (percent === shown && total) return;
    shown = percent;
    emit('data', { stage: `${split}-progress`, loaded, total });
  };
}

// A promise that the test set is in place (or failed to load: never rejects; a failed load is tried
// again at the next call).
export function ensureTest() {
  requireDataset();
  world.testLoading ??= loadTestData(world.engine, world.dataset, isCurrent(world.dataset));
  return world.testLoading;
}

// A promise of the training Data (null if it failed).
export function ensureTrain() {
  requireDataset();
  if (world.train && !world.trainFailed) return world.train;
  world.trainFailed = false;
  const { dataset } = world;
  const current = isCurrent(dataset);
  emit('data', { stage: 'train', message: `Loading the 60,000 ${datasetTitle(dataset)} training images…` });
  world.train = loadDataset(world.engine, dataset, 'train', progressReporter('train')).then(
    (data) => {
      if (current()) {
        world.trainLoaded = true;
        emit('data', { stage: 'train-ready', trainCount: data.count() });
      }
      return data; // a stale one is deleted by the switch that made it stale
    },
    (error) => {
      if (current()) {
        world.trainFailed = true; // the next ensureTrain() tries again (the network may be back)
        emit('data', { stage: 'train-error', message: `The training digits could not be loaded: ${error.message}` });
      }
      return null;
    },
  );
  return world.train;
}

async function loadTestData(engine, dataset, current) {
  try {
    emit('data', { stage: 'test', message: `Loading the 10,000 ${datasetTitle(dataset)} test images…` });
    const test = await loadDataset(engine, dataset, 'test', progressReporter('test'));
    if (!current()) {
      test.delete();
      return;
    }
    world.test = test;
    world.testChunks = splitIntoChunks(engine, test, CHUNK_SIZE);
    emit('data', { stage: 'test-ready', testCount: test.count() });
    queueSubsetTest(); // the full test runs when its results are asked for (the evaluate command)
  } catch (error) {
    if (current()) {
      world.testLoading = null; // the next request tries again
      emit('data', { stage: 'test-error', message: `The test digits could not be loaded: ${error.message}` });
    }
  }
}

// Another data set: the old one's handles are freed, a fresh network built.
export async function switchDataset(name) {
  dropRun();
  const old = [world.test, ...(world.testChunks ?? []).map((c) => c.data)];
  world.train?.then((data) => data?.delete());
  Object.assign(world, {
    test: null, testChunks: null, testLoading: null, train: null, trainLoaded: false,
    trainFailed: false,
  });
  for (const data of old) data?.delete();
  // A network the settings name but the engine refuses (the editor holds an
  // impossible one) keeps the current model (it fits every data set: 28×28,
  // 10 classes); the data set still follows, and the page says why.
  let message = `Switched to ${datasetTitle(name)}: a fresh network.`;
  try {
    buildFreshModel(world.settings);
  } catch (error) {
    message = `Switched to ${datasetTitle(name)}, keeping the current network: ${error.message}.`;
  }
  world.runState.go('idle', { kind: 'dataset', message });
  await loadData(name);
}

// ---- the model ------------------------------------------------------------------

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
export const loadOnnxBytes = (bytes, extra) => setModel(world.engine.Model.fromOnnx(bytes, MAX_BATCH), extra);

// A fresh network from the settings: the network (a preset or a spec), the
// dropout keep probability, the seed. A spec that does not build, or that
// the page cannot train, is refused before a model is made.
export function buildFreshModel(settings) {
  const spec = specWithDropout(netSpec(settings.net, world.presets), settings.keep);
  const model = new world.engine.Model(checkedSpec(world.engine, spec, settings.batch), MAX_BATCH);
  model.init(settings.seed); // the network's own initialisation: its spec's init line, He without one
  setModel(model, {
    source: 'fresh',
    name: `fresh ${netName(settings.net)}`,
    builtWith: { net: settings.net, keep: settings.keep, seed: settings.seed },
  });
  queueSubsetTest(); // where a run starts: about 10%, chance
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

// The subset's test as a job on the model lane, in slices: a fresh slow
// network (resnet-mini) takes a second for it, and a Pause or a prediction
// must not wait. A training run that starts meanwhile queues behind it.
function queueSubsetTest() {
  if (world.testChunks && !world.scheduler.has('subset test'))
    world.scheduler.add('subset test', evaluateSubsetInSlices(), { lane: 'model' });
}

// The same while training, in slices: the subset is the first chunks.
export function* evaluateSubsetInSlices() {
  if (!world.testChunks) return;
  const chunks = world.testChunks.filter((c) => c.offset < SUBSET_SIZE);
  emitTest(yield* evaluateChunks(world.engine, world.model, chunks), false);
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
