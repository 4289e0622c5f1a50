// The page's engine room: a module Web Worker that owns the engine, the model
// and the data. The page sends commands (predict, train, pause, step, reset,
// save, load); the worker answers with compact results (probabilities,
// stats, evaluations), transferring typed arrays rather than copying them.
// Nothing here touches the DOM, and the page never waits on a training step.
import { createRunner } from './worker-runner.js';
import { loadEngine } from './worker-engine.js';
import { loadDataset, fetchModelFile, splitIntoChunks } from './worker-data.js';
import { evaluateChunks, resultsMessage } from './worker-eval.js';
import { TrainingRun } from './worker-training.js';
import { handleInspectMessage, applyAugmentTo } from './worker-inspect.js';
import { defaultSettings, trainingOptions, specWithDropout, MAX_BATCH } from './state.js';

const PRETRAINED_PATH = './models/lenet5.cnn';
const PRETRAINED_NAME = 'lenet5';
const SUBSET_SIZE = 1000; // test images evaluated during training
const CHUNK_SIZE = 500;   // test images per evaluation slice (≈ 40 ms)

const post = (message, transfer = []) => self.postMessage(message, transfer);

// Registered before anything asynchronous so no early message is lost. Each
// message waits for the boot; handlers never wait for a training job, so a
// Pause is read while training runs.
self.onmessage = (event) => {
  handle(event.data).catch((error) => reportError(error, event.data?.type));
};

const world = {
  engine: null,        // the Emscripten module
  model: null,         // engine Model
  modelInfo: null,     // what the page shows about it
  pretrainedBytes: null,
  presets: [],
  settings: defaultSettings(),
  test: null,          // engine Data, the whole test set
  testSubset: null,    // its first SUBSET_SIZE images
  testChunks: null,    // [{data, offset}] for chunked evaluation
  trainPromise: null,  // resolves to the training Data (null if it failed)
  trainReady: false,
  run: null,           // TrainingRun on the current model, if any
  digit: null,         // the drawn digit (Float32Array 784) or null
  digitSeq: 0,         // the page's number for it, echoed with each prediction
  lastFullEvalAt: -1,  // imagesSeen of the last full evaluation
  wantRunning: false,  // the page's last word: Train (true) or Pause (false)
  dataset: 'mnist',    // web/data/<dataset>/: 'mnist' or 'fashion' (the inspect panels' picker)
};

const runner = createRunner({ onError: (error, job) => reportError(error, job) });

function reportError(error, context) {
  const message = error?.message ?? String(error);
  console.error(`[worker] ${context ?? ''}`, error);
  post({ type: 'error', context: context ?? null, message });
}

// ---- boot -----------------------------------------------------------------

async function boot() {
  const build = new URL(self.location.href).searchParams.get('engine') ?? 'auto';
  post({ type: 'boot', message: 'Loading the WebAssembly engine…' });
  const { module, build: buildName, simd } = await loadEngine(build);
  world.engine = module;
  world.presets = module.presets().map((p) => ({ name: p.name, description: p.description, spec: p.spec }));

  post({ type: 'boot', message: 'Loading the pretrained model…' });
  const file = await fetchModelFile(PRETRAINED_PATH);
  let warning = null;
  if (file.bytes) {
    try {
      setModel(module.Model.fromBytes(file.bytes, MAX_BATCH), { source: 'pretrained', name: 'pretrained LeNet-5' });
      world.pretrainedBytes = file.bytes;
    } catch (error) {
      warning = `The pretrained model file is damaged (${error.message}). Using a fresh, untrained LeNet-5 instead: train it, or load a model file.`;
    }
  } else {
    warning = `The pretrained model is missing (${file.reason}). Using a fresh, untrained LeNet-5 instead: train it, or load a model file.`;
  }
  if (!world.model) buildFreshModel({ ...world.settings, preset: PRETRAINED_NAME, dropout: 0 });

  post({
    type: 'ready',
    version: module.version(),
    simd,
    build: buildName,
    presets: world.presets,
    warning,
  });
  loadData();
}

// Test data first (small, needed for accuracy), then the 10 MB training set
// in the background. The training promise exists from the first moment, so a
// Train clicked while the test data still loads waits instead of failing. A
// data set switched meanwhile makes this load stale: its results are dropped.
function loadData() {
  const engine = world.engine;
  const dataset = world.dataset;
  const current = () => world.dataset === dataset;
  const testLoaded = loadTestData(engine, dataset, current);
  world.trainPromise = testLoaded.then(() => loadDataset(engine, dataset, 'train')).then(
    (data) => {
      if (current()) {
        world.trainReady = true;
        post({ type: 'data', stage: 'train-ready', trainCount: data.count() });
      }
      return data; // a stale one is deleted by the switch that made it stale
    },
    (error) => {
      if (current()) post({ type: 'data', stage: 'train-error', message: `The training digits could not be loaded: ${error.message}` });
      return null;
    },
  );
  return testLoaded;
}

const datasetTitle = (name) => (name === 'fashion' ? 'Fashion-MNIST' : 'MNIST');

// Resolves when the test set is in place (or failed, which the page is told).
async function loadTestData(engine, dataset, current) {
  try {
    post({ type: 'data', stage: 'test', message: `Loading the 10,000 ${datasetTitle(dataset)} test images…` });
    const test = await loadDataset(engine, dataset, 'test');
    if (!current()) {
      test.delete();
      return;
    }
    world.test = test;
    world.testSubset = test.head(SUBSET_SIZE);
    world.testChunks = splitIntoChunks(engine, test, CHUNK_SIZE);
    post({ type: 'data', stage: 'test-ready', testCount: test.count() });
    queueFullEvaluation('start');
  } catch (error) {
    if (current()) post({ type: 'data', stage: 'test-error', message: `The test digits could not be loaded: ${error.message}` });
  }
}

// ---- the model --------------------------------------------------------------

function presetSpec(name) {
  return world.presets.find((p) => p.name === name)?.spec ?? null;
}

function describeModel(model, extra) {
  const layers = model.layers();
  const params = layers.reduce((sum, l) => sum + l.params, 0);
  const canonical = model.spec();
  const preset = world.presets.find((p) => sameArchitecture(p.spec, canonical))?.name ?? null;
  return {
    ...extra,
    preset,
    spec: canonical,
    params,
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

function setModel(model, extra) {
  const shape = model.inputShape();
  if (shape.c !== 1 || shape.h !== 28 || shape.w !== 28 || model.classes() !== 10) {
    model.delete();
    throw new Error(`this page works with 1×28×28 images and 10 classes; the model takes ${shape.c}×${shape.h}×${shape.w} and has ${model.classes()} classes`);
  }
  dropRun();
  world.model?.delete();
  world.model = model;
  world.modelInfo = describeModel(model, extra);
  world.lastFullEvalAt = -1;
  post({ type: 'model', changed: true, ...world.modelInfo });
  predictDigit();
}

// A fresh network from the settings: preset, dropout, seed.
function buildFreshModel(settings) {
  const base = presetSpec(settings.preset);
  if (!base) throw new Error(`unknown network '${settings.preset}' (known: ${world.presets.map((p) => p.name).join(', ')})`);
  const model = new world.engine.Model(specWithDropout(base, settings.dropout), MAX_BATCH);
  model.init(settings.seed, 'he');
  setModel(model, {
    source: 'fresh',
    name: `fresh ${settings.preset}`,
    builtWith: { preset: settings.preset, dropout: settings.dropout, seed: settings.seed },
  });
  evaluateSubset(); // where a run starts: about 10%, chance
}

function dropRun() {
  runner.cancelAll();
  if (world.run) {
    const wasRunning = world.run.running;
    world.run.delete();
    world.run = null;
    if (wasRunning) post({ type: 'running', running: false });
  }
}

// ---- predictions and evaluations ------------------------------------------

function predictDigit() {
  if (!world.model) return;
  const probs = world.digit ? world.model.predict(world.digit) : null;
  post({ type: 'prediction', probs, seq: world.digitSeq }, probs ? [probs.buffer] : []);
}

function postTest(evaluation, full) {
  post({
    type: 'test',
    imagesSeen: world.run?.imagesSeen ?? 0,
    accuracy: evaluation.accuracy,
    count: evaluation.count,
    full,
  });
}

function evaluateSubset() {
  if (!world.testSubset) return;
  postTest(world.engine.evaluate(world.model, world.testSubset, -1), false);
}

// A generator: the whole test set, in chunks, then the results panel.
function* fullEvaluation(reason) {
  if (!world.testChunks) return;
  const imagesSeen = world.run?.imagesSeen ?? 0;
  const evaluation = yield* evaluateChunks(world.engine, world.model, world.testChunks);
  world.lastFullEvalAt = imagesSeen;
  postTest(evaluation, true);
  const { message, transfer } = resultsMessage(evaluation, world.test, {
    reason,
    imagesSeen,
    modelName: world.modelInfo.name,
  });
  post(message, transfer);
}

function queueFullEvaluation(reason) {
  if (!world.testChunks || runner.has('evaluate')) return;
  runner.add('evaluate', fullEvaluation(reason));
}

// ---- training -----------------------------------------------------------------

async function ensureRun() {
  if (world.run) return world.run;
  // A model from a file or the pretrained one is not trained further: Train
  // starts a fresh network from the settings, so a link reproduces a run.
  if (world.modelInfo.source !== 'fresh') buildFreshModel(world.settings);
  const loading = world.trainPromise;
  if (!loading) throw new Error('the engine is still starting; try again in a moment');
  if (!world.trainReady) post({ type: 'boot', message: `Loading the 60,000 ${datasetTitle(world.dataset)} training images…` });
  const trainData = await loading;
  if (world.trainPromise !== loading) return null; // the data set changed meanwhile
  if (!trainData) throw new Error('the training data could not be loaded');
  if (world.run) return world.run; // another command made one meanwhile
  // A model file may have been loaded while the data loaded.
  if (world.modelInfo.source !== 'fresh') buildFreshModel(world.settings);
  world.run = new TrainingRun(world.engine, world.model, trainData, trainingOptions(world.settings), {
    onStats: (stats) => post({ type: 'stats', ...stats }),
    onSubsetTest: evaluateSubset,
    onEpochEnd: () => fullEvaluation('epoch'),
    onPredict: predictDigit,
    onStop: (reason) => {
      post({ type: 'running', running: false, ...reason });
      if (reason.kind === 'done' && world.lastFullEvalAt !== world.run?.imagesSeen) queueFullEvaluation('done');
    },
  });
  applyAugmentTo(world.run.training); // the inspect panels' "train with augmentation"
  world.modelInfo = { ...world.modelInfo, name: `${world.modelInfo.builtWith.preset}, trained here` };
  post({ type: 'model', changed: false, ...world.modelInfo });
  return world.run;
}

async function startTraining() {
  world.wantRunning = true;
  const run = await ensureRun();
  // A Pause (or a Reset) may have arrived while the training data loaded.
  if (!run || !world.wantRunning || world.run !== run || run.running || runner.has('train')) return;
  if (run.epoch >= run.options.epochs) {
    post({ type: 'running', running: false, kind: 'done', message: `Already trained for ${run.options.epochs} epochs. Raise Epochs to keep training, or Reset.` });
    return;
  }
  post({ type: 'running', running: true });
  runner.add('train', run.run()).then(() => {
    if (world.run === run && !run.running) post({ type: 'running', running: false });
  });
}

// ---- commands ---------------------------------------------------------------

// What the inspect panels' handlers (worker-inspect.js) may use, read at use.
const inspectHost = {
  get engine() { return world.engine; },
  get model() { return world.model; },
  get test() { return world.test; },
  get train() { return world.trainPromise; },
  get training() { return world.run?.training ?? null; },
  get digit() { return world.digit; },
  get dataset() { return world.dataset; },
};

const commands = {
  // Activation maps, filters, augmentation, robustness, fine-tuning (replies as type 'inspect').
  inspect: (message) => handleInspectMessage(message, inspectHost),
  // The inspect panels' data set picker: another data set, and a fresh network for it.
  async dataset({ name }) {
    if (name !== 'mnist' && name !== 'fashion') throw new Error(`unknown data set '${name}' (known: mnist, fashion)`);
    if (name === world.dataset) return;
    world.wantRunning = false;
    dropRun();
    const old = [world.testSubset, world.test, ...(world.testChunks ?? []).map((c) => c.data)];
    world.trainPromise?.then((data) => data?.delete());
    Object.assign(world, { dataset: name, test: null, testSubset: null, testChunks: null, trainPromise: null, trainReady: false });
    for (const data of old) data?.delete();
    buildFreshModel(world.settings);
    post({ type: 'dataset', name });
    await loadData();
  },
  // settings: the whole settings table. Optimiser settings apply at once;
  // the architecture ones (preset, dropout, seed) at the next Reset.
  configure({ settings }) {
    world.settings = { ...world.settings, ...settings };
    if (world.run) world.run.setOptions(trainingOptions(world.settings));
  },
  predict({ image, seq }) {
    world.digit = image ?? null;
    world.digitSeq = seq;
    predictDigit();
  },
  train: startTraining,
  pause() {
    world.wantRunning = false;
    if (world.run?.running) world.run.running = false;
    post({ type: 'running', running: false, kind: 'paused' });
  },
  async step() {
    const run = await ensureRun();
    if (!run || run.running || runner.has('train')) return;
    runner.add('step', run.singleStep());
  },
  reset() {
    world.wantRunning = false;
    buildFreshModel(world.settings);
  },
  save() {
    return { bytes: world.model.save(), name: world.modelInfo.preset ?? 'model', imagesSeen: world.run?.imagesSeen ?? 0 };
  },
  load({ bytes, fileName }) {
    // fromBytes validates the whole file before anything changes: on error
    // the current model is untouched.
    const model = world.engine.Model.fromBytes(bytes, MAX_BATCH);
    setModel(model, { source: 'file', name: fileName || 'model file' });
    queueFullEvaluation('load');
    return { name: world.modelInfo.name };
  },
  pretrained() {
    if (!world.pretrainedBytes) throw new Error('the pretrained model is not available');
    setModel(world.engine.Model.fromBytes(world.pretrainedBytes, MAX_BATCH), { source: 'pretrained', name: 'pretrained LeNet-5' });
    queueFullEvaluation('pretrained');
  },
  evaluate() {
    queueFullEvaluation('request');
  },
};

const booted = boot().catch((error) => {
  post({ type: 'fatal', message: error?.message ?? String(error) });
  throw error;
});

async function handle(message) {
  try {
    await booted;
  } catch {
    return; // the page has been told why ('fatal'); nothing can run
  }
  const command = commands[message?.type];
  if (!command) throw new Error(`unknown command '${message?.type}'`);
  try {
    const result = await command(message);
    if (message.id !== undefined) {
      const transfer = result?.bytes ? [result.bytes.buffer] : [];
      post({ type: 'reply', id: message.id, ok: true, result }, transfer);
    }
  } catch (error) {
    if (message.id === undefined) throw error;
    post({ type: 'reply', id: message.id, ok: false, error: error?.message ?? String(error) });
  }
}
