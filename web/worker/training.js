// Train, Pause and Step: the live run on the current model, driven through
// the run state machine (run-state.js) and the scheduler's 'model' lane.
import { parseAugment, trainingOptions } from '../settings.js';
import { emit } from './events.js';
import { netName } from './network.js';
import { TrainingRun } from './training-run.js';
import {
  buildFreshModel,
  datasetTitle,
  ensureTest,
  ensureTrain,
  evaluateSubsetInSlices,
  fullEvaluation,
  predictDigit,
  queueFullEvaluation,
  world,
} from './world.js';

// The run on the current model, made when first needed. Resolves to null
// when the run was given up while the training data loaded (another model
// or data set came meanwhile).
async function ensureRun() {
  if (world.run) return world.run;
  if (!world.trainLoaded)
    emit('boot', { message: `Loading the 60,000 ${datasetTitle(world.dataset)} training images…` });
  const loading = ensureTrain();
  const model = world.model;
  // The test set too (it is the smaller): the run's test accuracy and its end-of-epoch results need it.
  const [trainData] = await Promise.all([loading, ensureTest()]);
  if (world.train !== loading || world.model !== model) return null;
  if (!trainData) throw new Error('the training data could not be loaded');
  if (world.run) return world.run; // another command made one meanwhile
  const run = new TrainingRun(world.engine, world.model, trainData, trainingOptions(world.settings), {
    onStats: (stats) => emit('stats', stats),
    onSubsetTest: evaluateSubsetInSlices,
    onEpochEnd: () => fullEvaluation('epoch'),
    onEpochEndCut: () => queueFullEvaluation('epoch'),
    onPredict: predictDigit,
  });
  run.training.setAugment(parseAugment(world.settings.augment));
  world.run = run;
  world.modelInfo = { ...world.modelInfo, name: `${netName(world.modelInfo.builtWith.net)}, trained here` };
  emit('model', { changed: false, ...world.modelInfo });
  return run;
}

// What the run did: its epochs, or, when Epochs was lowered below what it had
// already trained, how far it went (a run does not untrain).
function finishedMessage(run) {
  const { epochs } = run.options;
  const next = 'Raise Epochs to keep training, or Reset to start over.';
  // The last batch may pass the end by less than one batch; more means Epochs came down mid-run.
  if (run.epoch > epochs + run.options.batchSize / run.trainCount) {
    return `Stopped: Epochs was lowered to ${epochs} after ${run.epoch.toFixed(2)} epochs had been trained, ` +
      `so the network has seen more than ${epochs}. ${next}`;
  }
  return `Finished ${epochs} epoch${epochs === 1 ? '' : 's'}. ${next}`;
}

// A model from a file or the pretrained one is not trained further: Train
// starts a fresh network from the settings, so a link reproduces a run.
function ensureFreshModel() {
  if (world.modelInfo.source !== 'fresh') buildFreshModel(world.settings);
}

export async function train() {
  if (world.runState.is('training', 'starting')) return;
  ensureFreshModel();
  world.runState.go('starting');
  const run = await ensureRun().catch((error) => {
    if (world.runState.is('starting')) world.runState.go(world.run ? 'paused' : 'idle');
    throw error;
  });
  // A Pause, a Reset or another data set may have come while the data loaded.
  if (!run || world.run !== run || !world.runState.is('starting')) return;
  if (run.epoch >= run.options.epochs) {
    world.runState.go('finished', { kind: 'done', message: finishedMessage(run) });
    return;
  }
  world.runState.go('training');
  followTraining(run); // the reply does not wait for the run: its states tell the page
}

async function followTraining(run) {
  const outcome = await world.scheduler.add(
    'train',
    run.slices(() => world.runState.is('training')),
    { lane: 'model' },
  );
  if (world.run !== run) return; // dropped: the new model set the state
  if (outcome?.kind === 'diverged') world.runState.go('paused', divergedMessage(run.options));
  else if (outcome?.kind === 'done') {
    world.runState.go('finished', { kind: 'done', message: finishedMessage(run) });
    if (world.lastFullEvalAt !== run.imagesSeen) queueFullEvaluation('done');
  }
}

export function pause() {
  if (world.runState.is('training', 'starting')) world.runState.go(world.run ? 'paused' : 'idle', { kind: 'paused' });
}

export async function step() {
  if (!world.runState.is('idle', 'paused', 'finished')) return;
  ensureFreshModel();
  const run = await ensureRun();
  if (!run || world.run !== run || world.runState.is('training', 'starting') || world.scheduler.has('train')) return;
  const outcome = await world.scheduler.add('step', run.singleStep(), { lane: 'model' });
  if (world.run !== run) return;
  world.runState.go('paused', outcome?.kind === 'diverged' ? divergedMessage(run.options) : {});
}

// New settings: the optimiser's and the augmentation apply at once, the
// architecture's at the next Reset.
export function applySettingsToRun() {
  if (!world.run) return;
  world.run.setOptions(trainingOptions(world.settings));
  world.run.training.setAugment(parseAugment(world.settings.augment));
}

function divergedMessage(options) {
  return {
    kind: 'diverged',
    message:
      'Training diverged: the loss became NaN or infinite, so the last good weights were restored. ' +
      `Learning rate too high? ${options.learningRate} is a lot for ${options.optimizer}; try a smaller one.`,
  };
}
