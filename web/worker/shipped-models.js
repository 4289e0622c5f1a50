// The shipped models, one per data set. MNIST's LeNet-5 is fetched at boot
// (the page opens with it); Fashion-MNIST's only when the learner first
// switches to that data set, so a first visit never downloads it.
import { fetchModelFile } from './data.js';
import { emit } from './events.js';
import { datasetTitle, loadModelBytes, world } from './world.js';

export const SHIPPED_MODELS = {
  mnist: { path: '../models/lenet5.cnn', name: 'pretrained LeNet-5' },
  fashion: { path: '../models/fashion-mnist.cnn', name: 'pretrained Fashion-MNIST network' },
};

const files = new Map(); // data set → promise of { bytes } or { bytes: null, reason }

// One download per data set; a failed one is tried again at the next call.
export function shippedModelFile(dataset) {
  if (!files.has(dataset)) {
    const { path } = SHIPPED_MODELS[dataset];
    files.set(dataset, fetchModelFile(new URL(path, import.meta.url)).then((file) => {
      if (!file.bytes) files.delete(dataset);
      return file;
    }));
  }
  return files.get(dataset);
}

// The data set's shipped model becomes the live one. Returns null, or why
// not in the page's words (missing or damaged: the live model stays).
export async function loadShippedModel(dataset) {
  const file = await shippedModelFile(dataset);
  if (!file.bytes) return `The pretrained ${datasetTitle(dataset)} model is missing (${file.reason}).`;
  try {
    loadModelBytes(file.bytes, { source: 'pretrained', name: SHIPPED_MODELS[dataset].name });
  } catch (error) {
    return `The pretrained ${datasetTitle(dataset)} model file is damaged (${error.message}).`;
  }
  if (dataset === 'mnist') world.pretrainedBytes = file.bytes; // the transfer panel's MNIST features
  return null;
}

// After a switch of data set: the data set's shipped model takes the place of
// the fresh network the switch built, unless something came first (a Train,
// a loaded file, another switch). The page is told which it has (its
// results panel asks for the test when shown). Never rejects (nobody waits
// for it): an error goes to the page as one.
export async function preferShippedModel(dataset) {
  const fresh = world.model;
  await shippedModelFile(dataset);
  if (world.model !== fresh || world.dataset !== dataset || !world.runState.is('idle')) return;
  try {
    const problem = await loadShippedModel(dataset);
    const title = datasetTitle(dataset);
    world.runState.go('idle', {
      kind: 'dataset',
      message: problem
        ? `Switched to ${title}: a fresh network. ${problem}`
        : `Switched to ${title}: the ${SHIPPED_MODELS[dataset].name} (Train starts a fresh network).`,
    });
  } catch (error) {
    emit('error', { context: 'dataset', message: error.message });
  }
}
