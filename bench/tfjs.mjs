// TF.js peers: @tensorflow/tfjs-core + tfjs-layers with the wasm backend
// (SIMD on, one thread: the wasm backend has no threads in Node, and the
// engine uses one) or the cpu backend (plain JavaScript). LeNet-5 as in
// bench/lenet5.mjs; a training step is optimizer.minimize over softmax
// cross-entropy with SGD momentum, inference is model.predict with the
// probabilities read back (the engine's inference ends with them in memory).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { repoPath } from '../tools/lib/common.mjs';
import { LENET5, syntheticBatches } from './lenet5.mjs';
import { measure } from './protocol.mjs';
import {
  checkConvFilterGradient, hasConvFilterGradient, registerConvFilterGradient,
} from './tfjs-conv-filter-grad.mjs';

function buildModel() {
  const { h, w, c } = LENET5.input;
  const layers = [tfl.layers.inputLayer({ inputShape: [h, w, c] })];
  for (const l of LENET5.layers) {
    const activation = l.relu ? 'relu' : 'linear';
    if (l.kind === 'conv') {
      layers.push(tfl.layers.conv2d({
        filters: l.filters, kernelSize: l.size, padding: l.pad ? 'same' : 'valid', activation,
      }));
    } else if (l.kind === 'maxpool') layers.push(tfl.layers.maxPooling2d({ poolSize: l.size }));
    else if (l.kind === 'dense') {
      if (layers.at(-1).getClassName() !== 'Dense') layers.push(tfl.layers.flatten());
      layers.push(tfl.layers.dense({ units: l.units, activation }));
    }
  }
  // 'same' is what pad 2 means only for a 5×5 kernel at stride 1: say so if the network changes.
  if (LENET5.layers.some((l) => l.kind === 'conv' && l.pad && l.pad !== (l.size - 1) / 2)) {
    throw new Error('TF.js: only "same" or no padding');
  }
  return tfl.sequential({ layers });
}

// The data as tensors, made before timing starts.
function tensorBatches(batch) {
  const { h, w, c } = LENET5.input;
  return syntheticBatches(batch).map(({ images, labels }) => ({
    x: tf.tensor4d(images, [batch, h, w, c]),
    y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), LENET5.classes), 'float32')),
  }));
}

function trainingStep(model, optimizer, batches) {
  let next = 0;
  return () => {
    const { x, y } = batches[next];
    next = (next + 1) % batches.length;
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true);
    const loss = cost.dataSync()[0];
    cost.dispose();
    return loss;
  };
}

function inferenceStep(model, batches) {
  let next = 0;
  return () => {
    const { x } = batches[next];
    next = (next + 1) % batches.length;
    const out = model.predict(x);
    const first = out.dataSync()[0];
    out.dispose();
    return first;
  };
}

// Whether one training step works as installed; the error when it does not.
function stockTrainingError() {
  const model = buildModel();
  const batches = tensorBatches(1);
  try {
    trainingStep(model, tf.train.momentum(LENET5.learningRate, LENET5.momentum), batches)();
    return null;
  } catch (e) {
    return e.message;
  } finally {
    model.dispose();
    for (const b of batches) tf.dispose([b.x, b.y]);
  }
}

async function prepareWasm(notes) {
  setWasmPaths(`${repoPath('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm: this Node has no wasm SIMD');
  const error = stockTrainingError();
  if (error === null) {
    notes.push('stock TF.js wasm trains this network (no kernel registered)');
    return;
  }
  notes.push(`stock TF.js wasm cannot train LeNet-5: "${error}"`);
  if (hasConvFilterGradient()) {
    throw new Error(`TF.js wasm training fails although Conv2DBackpropFilter is registered: ${error}`);
  }
  registerConvFilterGradient();
  const worst = await checkConvFilterGradient();
  notes.push('benchmark registers Conv2DBackpropFilter for wasm from its PadV2/Transpose/Conv2D/Slice kernels; ' +
    `agrees with the cpu backend to ${worst.toExponential(1)} (relative)`);
}

// backend: 'wasm' | 'cpu'
export async function run(protocol, { backend }) {
  const notes = [];
  tf.enableProdMode(); // as a deployed page would run it (and no "install tfjs-node" banner)
  if (backend === 'wasm') await prepareWasm(notes);
  else await tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`TF.js: backend ${backend} did not start (got ${tf.getBackend()})`);
  const results = [];
  for (const { mode, batch } of protocol.configs) {
    const model = buildModel();
    const optimizer = tf.train.momentum(LENET5.learningRate, LENET5.momentum);
    const batches = tensorBatches(batch);
    const tensorsBefore = tf.memory().numTensors;
    const step = mode === 'train' ? trainingStep(model, optimizer, batches) : inferenceStep(model, batches);
    const r = measure(step, { batch, ...protocol });
    // Momentum slots appear with the first step; after that a step must leave nothing behind.
    const leaked = tf.memory().numTensors - tensorsBefore - (mode === 'train' ? model.trainableWeights.length : 0);
    if (leaked > 0) notes.push(`${mode} b${batch}: ${leaked} tensors not freed`);
    console.error(`  ${mode} b${batch}: ${Math.round(r.images_per_second)} img/s`);
    results.push({ mode, batch, ...r });
    optimizer.dispose();
    model.dispose();
    for (const b of batches) tf.dispose([b.x, b.y]);
  }
  const simd = backend === 'wasm' ? ', SIMD on, 1 thread' : '';
  return {
    detail: `TF.js ${tf.version_core} (core + layers, prod mode), ${backend} backend${simd}, Node ${process.version}`,
    peak_gflops: null,
    notes,
    results,
  };
}
