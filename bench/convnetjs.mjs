// ConvNetJS 0.3 (Karpathy's in-browser trainer, plain JavaScript): LeNet-5 as
// in bench/lenet5.mjs. It works one image at a time, so a batch of B is B
// calls: Trainer.train accumulates gradients and, with batch_size B, applies
// one SGD-momentum update on the B-th; inference is B calls of net.forward.
import { createRequire } from 'node:module';

import { IMAGE_SIZE, LENET5, syntheticBatches } from './lenet5.mjs';
import { measure } from './protocol.mjs';

const convnetjs = createRequire(import.meta.url)('convnetjs');

function buildNet() {
  const { h, w, c } = LENET5.input;
  const defs = [{ type: 'input', out_sx: w, out_sy: h, out_depth: c }];
  for (const l of LENET5.layers) {
    const activation = l.relu ? { activation: 'relu' } : {};
    if (l.kind === 'conv') {
      defs.push({ type: 'conv', sx: l.size, filters: l.filters, stride: 1, pad: l.pad, ...activation });
    } else if (l.kind === 'maxpool') {
      defs.push({ type: 'pool', sx: l.size, stride: l.size });
    } else if (l === LENET5.layers.at(-1)) {
      defs.push({ type: 'softmax', num_classes: l.units }); // ConvNetJS adds its fc layer
    } else {
      defs.push({ type: 'fc', num_neurons: l.units, ...activation });
    }
  }
  const net = new convnetjs.Net();
  net.makeLayers(defs);
  return net;
}

// The synthetic batches as ConvNetJS volumes (its own HWC layout, as ours).
function volumeBatches(batch) {
  const { h, w, c } = LENET5.input;
  return syntheticBatches(batch).map(({ images, labels }) => ({
    volumes: Array.from({ length: batch }, (_, i) => {
      const v = new convnetjs.Vol(w, h, c, 0);
      v.w.set(images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE));
      return v;
    }),
    labels,
  }));
}

function trainingStep(net, batch, batches) {
  const trainer = new convnetjs.Trainer(net, {
    method: 'sgd', learning_rate: LENET5.learningRate, momentum: LENET5.momentum, batch_size: batch, l2_decay: 0,
  });
  let next = 0;
  return () => {
    const { volumes, labels } = batches[next];
    next = (next + 1) % batches.length;
    let loss = 0;
    for (let i = 0; i < batch; i++) loss += trainer.train(volumes[i], labels[i]).cost_loss;
    return loss / batch;
  };
}

function inferenceStep(net, batch, batches) {
  let next = 0;
  return () => {
    const { volumes } = batches[next];
    next = (next + 1) % batches.length;
    let first = 0;
    for (let i = 0; i < batch; i++) first = net.forward(volumes[i], false).w[0];
    return first;
  };
}

export async function run(protocol) {
  const results = [];
  for (const { mode, batch } of protocol.configs) {
    const net = buildNet();
    const batches = volumeBatches(batch);
    const step = mode === 'train' ? trainingStep(net, batch, batches) : inferenceStep(net, batch, batches);
    const r = measure(step, { batch, ...protocol });
    console.error(`  ${mode} b${batch}: ${Math.round(r.images_per_second)} img/s`);
    results.push({ mode, batch, ...r });
  }
  return { detail: `ConvNetJS 0.3.0, Node ${process.version}`, peak_gflops: null, results };
}
