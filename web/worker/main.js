// The page's engine room: a module Web Worker that owns the engine, the
// model and the data (world.js). It runs the commands of ../protocol.js —
// short ones at once, long ones as jobs on the one scheduler — and tells the
// page what changed through events. Nothing here touches the DOM, and the
// page never waits on a training step.
import { CANCELLED, COMMANDS, transferables } from '../protocol.js';
import { MAX_BATCH } from '../settings.js';
import { clampInt } from '../util.js';
import { fetchModelFile } from './data.js';
import { loadEngine } from './engine.js';
import { emit } from './events.js';
import { inspectCommands } from './inspect.js';
import { exploreCommands } from './explore.js';
import { equivarianceCommands, invariance } from './equivariance.js';
import { embedding } from './embedding.js';
import { loadUmap } from './umap-layout.js';
import { transfer, transferSets } from './transfer.js';
import { adversarial } from './adversarial.js';
import { compare, finetune, robustness } from './jobs.js';
import { describeSpec, netSpec } from './network.js';
import { applySettingsToRun, pause, step, train } from './training.js';
import {
  buildFreshModel,
  ensureTest,
  ensureTrain,
  loadData,
  loadModelBytes,
  loadOnnxBytes,
  predictDigit,
  queueFullEvaluation,
  switchDataset,
  world,
} from './world.js';

const PRETRAINED_PATH = '../models/lenet5.cnn';
const PRETRAINED = { source: 'pretrained', name: 'pretrained LeNet-5' };

const post = (message) => self.postMessage(message, transferables(message));

// Registered before anything asynchronous so no early message is lost. Each
// command waits for the boot; none waits for a training job, so a Pause is
// read while training runs.
self.onmessage = ({ data: message }) => {
  if (message?.kind === 'cancel') cancel(message.id);
  else if (message?.kind === 'command') run(message);
};

// A cancel can overtake its command (which may still wait for the boot or
// the data): it is remembered until the job would start.
const cancelledEarly = new Set();
function cancel(id) {
  if (!world.scheduler.cancel(id)) cancelledEarly.add(id);
}

// ---- boot -------------------------------------------------------------------

async function boot() {
  const build = new URL(self.location.href).searchParams.get('engine') ?? 'auto';
  emit('boot', { message: 'Loading the WebAssembly engine…' });
  const { module, build: buildName, simd } = await loadEngine(build);
  world.engine = module;
  world.presets = module.presets().map((p) => ({ name: p.name, description: p.description, spec: p.spec }));

  emit('boot', { message: 'Loading the pretrained model…' });
  const file = await fetchModelFile(new URL(PRETRAINED_PATH, import.meta.url));
  const fallback = 'Using a fresh, untrained LeNet-5 instead: train it, or load a model file.';
  let warning = null;
  if (file.bytes) {
    try {
      loadModelBytes(file.bytes, PRETRAINED);
      world.pretrainedBytes = file.bytes;
    } catch (error) {
      warning = `The pretrained model file is damaged (${error.message}). ${fallback}`;
    }
  } else {
    warning = `The pretrained model is missing (${file.reason}). ${fallback}`;
  }
  if (!world.model) buildFreshModel({ ...world.settings, net: 'lenet5', keep: 1 });
  world.runState.go('idle');
  emit('ready', { version: module.version(), simd, build: buildName, presets: world.presets, warning });
}

const booted = boot().catch((error) => {
  emit('fatal', { message: error?.message ?? String(error) });
  throw error;
});

// ---- commands -----------------------------------------------------------------

// A long command runs as a job: progress goes to the page, and the page can
// cancel it. Jobs on the live model share its lane (after the training).
function job(generator, { lane, needsTrain = () => false } = {}) {
  return async (payload, { id, progress }) => {
    // Pressed while the data loads: the job waits for it rather than fail.
    const loading = needsTrain(payload) ? ensureTrain() : null; // both sets download at once
    await ensureTest();
    let trainData = null;
    if (loading) {
      trainData = await loading;
      if (world.train !== loading) throw new Error('the data set changed while its training data loaded; try again');
      if (!trainData) throw new Error('the training data is not loaded');
    }
    if (cancelledEarly.delete(id)) throw new Error(CANCELLED);
    let failure = null;
    const result = await world.scheduler.add(generator.name, generator(payload, progress, trainData), {
      id,
      lane: lane ?? `job ${id}`,
      onError: (error) => (failure = error),
    });
    if (failure) throw failure;
    if (result === undefined) throw new Error(CANCELLED);
    return result;
  };
}

const embeddingJob = job(embedding);
const transferJob = job(transfer);
const fineTuneJob = job(finetune, { lane: 'model', needsTrain: (p) => p.rehearsal > 0 });

const commands = {
  // settings: the whole settings table. Optimiser and augmentation settings
  // apply at once, the architecture's (net, keep, seed) at the next Reset,
  // the data set at once (with a fresh network).
  // A setting the engine refuses (an augmentation out of range) is reported
  // after the data set has followed the rest.
  async configure({ settings }) {
    const dataset = settings.dataset ?? world.settings.dataset;
    world.settings = { ...world.settings, ...settings };
    let refused = null;
    try {
      applySettingsToRun();
    } catch (error) {
      refused = error;
    }
    // The first configure loads the data the page asks for; a later one switches.
    if (world.dataset === null) await loadData(dataset);
    else if (dataset !== world.dataset) {
      // A Train pressed while the old data set loaded is not lost: it carries
      // over to the new one (whose loading the page is then told about).
      const trainWasWaiting = world.runState.is('starting');
      const switching = switchDataset(dataset);
      if (trainWasWaiting) train().catch((error) => emit('error', { context: 'train', message: error.message }));
      await switching;
    }
    if (refused) throw refused;
  },
  predict({ image, seq, strokes }) {
    world.digit = image ?? null;
    world.digitSeq = seq;
    world.digitStrokes = strokes ?? 0;
    predictDigit();
  },
  train,
  pause,
  step,
  reset: () => buildFreshModel(world.settings),
  // The first evaluate downloads the test set, then the full test runs.
  async evaluate() {
    await ensureTest();
    queueFullEvaluation('request');
  },
  save: () => ({
    bytes: world.model.save(),
    name: world.modelInfo.preset ?? 'model',
    imagesSeen: world.run?.imagesSeen ?? 0,
  }),
  exportOnnx: () => ({
    bytes: world.model.toOnnx(),
    name: world.modelInfo.preset ?? 'model',
    imagesSeen: world.run?.imagesSeen ?? 0,
  }),
  // fromBytes and fromOnnx validate the whole file before anything changes:
  // on error the current model is untouched.
  load({ bytes, fileName, restore }) {
    // A restored fresh network keeps its recipe (Train goes on with it); anything else counts as a file.
    const fresh = restore?.source === 'fresh' && restore.builtWith?.net;
    const about = restore
      ? { source: fresh ? 'fresh' : String(restore.source), name: String(restore.name), builtWith: restore.builtWith }
      : { source: 'file', name: fileName || 'model file' };
    if (about.source === 'fresh' && !fresh) about.source = 'file';
    const load = /\.onnx$/i.test(fileName ?? '') ? loadOnnxBytes : loadModelBytes;
    load(bytes, about);
    queueFullEvaluation('load');
    const { name, preset, spec } = world.modelInfo;
    return { name, net: preset ?? spec };
  },
  pretrained() {
    if (!world.pretrainedBytes) throw new Error('the pretrained model is not available');
    loadModelBytes(world.pretrainedBytes, PRETRAINED);
    queueFullEvaluation('pretrained');
  },
  crash() {
    if (new URL(self.location.href).searchParams.get('test-commands') !== '1')
      throw new Error('crash is a test-only command: start the worker with ?test-commands=1');
    setTimeout(() => {
      throw new Error('the worker was made to fail on purpose (test)');
    });
  },
  ...inspectCommands,
  // What the engine makes of a network (a preset's name or a spec), without
  // touching the live model: the editor's arithmetic and the Train button's verdict.
  // sketch: any input and output, no limits (the editor's kernel comparison).
  describeNetwork({ net, batch, sketch }) {
    let text;
    try {
      text = netSpec(String(net ?? ''), world.presets);
    } catch (error) {
      return { net, text: '', error: { line: null, message: error.message } };
    }
    const trainBatch = clampInt(batch, 1, MAX_BATCH, world.settings.batch);
    return { net, text, ...describeSpec(world.engine, text, trainBatch, { forPage: !sketch }) };
  },
  ...exploreCommands,
  ...equivarianceCommands,
  invariance: job(invariance, { needsTrain: () => true }),
  adversarial: job(adversarial, { needsTrain: () => true }),
  // The target's data are loaded first and freed however the job ends.
  async transfer(payload, context) {
    const sets = await transferSets(payload);
    try {
      return await transferJob({ ...payload, sets }, context);
    } finally {
      sets.train.delete();
      sets.test.delete();
    }
  },
  async embedding(payload, context) {
    await Promise.all([loadUmap(), ensureTest()]);
    return embeddingJob(payload, context);
  },
  robustness: job(robustness),
  compare: job(compare, { needsTrain: () => true }),
  // On the live model: the training pauses first, so the two never mix.
  async finetune(payload, context) {
    pause();
    const result = await fineTuneJob(payload, context);
    emit('model', { changed: false, ...world.modelInfo }); // new weights: maps and predictions follow
    predictDigit();
    return result;
  },
};

for (const name of Object.keys(COMMANDS))
  if (!commands[name]) throw new Error(`worker: no handler for command '${name}'`);

async function run({ id, name, payload }) {
  try {
    if (!COMMANDS[name]) throw new Error(`unknown command '${name}' (see web/protocol.js)`);
    await booted;
    const progress = (p) => post({ kind: 'progress', id, progress: p });
    const result = await commands[name](payload ?? {}, { id, progress });
    post({ kind: 'reply', id, ok: true, result });
  } catch (error) {
    if (error?.message !== CANCELLED) console.warn(`[worker] ${name}:`, error?.message ?? error);
    post({ kind: 'reply', id, ok: false, error: error?.message ?? String(error) });
  }
}
