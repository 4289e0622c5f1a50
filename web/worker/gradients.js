// How the network learns, from the engine's own gradients (../protocol.js):
//  - gradientFlow: deep-sigmoid, deep-relu and deep-residual (or any nets)
//    trained briefly one after another, each layer's weight-gradient norm
//    recorded as they train (the engine's gradient monitor): the vanishing
//    gradient side by side;
//  - gradientUpdate: one Step of the live run with one conv filter watched:
//    its weights, its gradient, the per-position terms of one weight's
//    gradient (weight sharing), the change the optimiser applied, the new weights;
//  - saliency: ∂(class score)/∂pixels for the drawn digit;
//  - poolGradient: a max pool's input, and the gradient reaching it (only
//    each window's arg-max cell gets any).
import { argmax, clampInt } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveModel } from './inspect.js';
import { oneHot } from './explore.js';
import { SLICE_MS, Stepper } from './stepper.js';
import { step } from './training.js';

export const GRADIENT_FLOW_NETS = ['deep-sigmoid', 'deep-relu', 'deep-residual'];

export function* gradientFlow(payload, progress, trainData) {
  const e = world.engine;
  const nets = Array.isArray(payload.nets) && payload.nets.length ? payload.nets.map(String) : GRADIENT_FLOW_NETS;
  if (nets.length > 4) throw new Error('at most 4 networks side by side');
  const steps = clampInt(payload.steps, 1, 2000, 150);
  const every = clampInt(payload.every, 1, 100, 5);
  const options = { learningRate: Number(payload.learningRate) || 0.05, momentum: 0.9, batchSize: 32, seed: 1 };
  const out = [];
  for (const net of nets) {
    const model = new e.Model(net, 32);
    let training = null;
    try {
      model.init(1);
      training = new e.Training(model, trainData, { ...options, epochs: 1 });
      const layers = training.gradientNorms().layers.map(({ path, kind }) => ({ path, kind }));
      const points = [];
      const stepper = new Stepper(training, options.batchSize);
      for (let done = 0; done < steps;) {
        const start = performance.now();
        while (done < steps && performance.now() - start < SLICE_MS) {
          const { result: r } = stepper.run(Math.min(every - (done % every), steps - done));
          if (r.diverged) throw new Error(`${net} diverged at step ${done + r.steps + 1}`);
          if (r.steps === 0) continue; // a micro-batch of a minibatch not yet done
          done += r.steps;
          if (done % every === 0 || done === steps) {
            const norms = training.gradientNorms();
            points.push({ step: done, loss: r.loss, weights: norms.layers.map((l) => l.weight) });
          }
        }
        progress({ net, step: done, total: steps, points, layers });
        yield;
      }
      const norms = training.gradientNorms();
      const first = norms.layers[0].weight, last = norms.layers[norms.layers.length - 1].weight;
      const ratio = last > 0 ? first / last : null;
      out.push({ net, layers: norms.layers, residuals: norms.residuals, points, ratio });
    } finally {
      training?.delete();
      model.delete();
    }
  }
  return { nets: out, steps, every, window: 20 };
}

// A conv layer's filter as the panel names it: { path, filter, c, r, s } checked against the live model.
function watchedWeight(m, { path, filter, weight }) {
  const layer = findLayer(m.layers(), String(path ?? ''));
  if (!layer || layer.kind !== 'conv') throw new Error(`no convolution at path '${path}'`);
  const k = clampInt(filter, 0, layer.output.c - 1, 0);
  const c = clampInt(weight?.c, 0, layer.input.c - 1, 0);
  const r = clampInt(weight?.r, 0, layer.kernel.h - 1, 0), s = clampInt(weight?.s, 0, layer.kernel.w - 1, 0);
  return { layer, k, c, r, s };
}

export function findLayer(layers, path) {
  for (const l of layers) {
    if (l.path === path) return l;
    const inner = [...(l.children ?? []), ...(l.branches ?? []).flat()];
    const found = inner.length ? findLayer(inner, path) : null;
    if (found) return found;
  }
  return null;
}

// Filter k of a conv layer's parameters (K·C·R·S weights, then K biases).
function filterOf(values, { layer, k }) {
  const size = layer.input.c * layer.kernel.h * layer.kernel.w;
  return { weights: values.slice(k * size, (k + 1) * size), bias: values[layer.output.c * size + k] };
}

export async function gradientUpdate(payload) {
  watchedWeight(liveModel(), payload); // a filter the network does not have is refused before any step
  let watched = null, before = null, after = null, gone = null;
  await step({
    // Read right before the minibatch's first part and right after its last,
    // before a prediction or a test runs the network again. The network may
    // have changed while the training data loaded: then the Step still runs,
    // unwatched, and the reply says why.
    before() {
      const m = liveModel();
      try {
        watched = watchedWeight(m, payload);
      } catch (error) {
        gone = error;
        return;
      }
      before = filterOf(m.layerParamsAt(watched.layer.path), watched);
    },
    after(run) {
      if (!watched) return;
      const m = liveModel();
      const { layer, k, c, r, s } = watched;
      const terms = run.training.weightGradientTerms(layer.path, k, c, r, s);
      after = {
        gradient: filterOf(m.layerGradsAt(layer.path), watched),
        next: filterOf(m.layerParamsAt(layer.path), watched),
        terms: terms.terms,
        samples: terms.samples,
        options: { ...run.options, learningRate: run.learningRate },
      };
    },
  });
  if (gone) throw new Error(`the network changed before the step: ${gone.message}`);
  if (!after) throw new Error('no step ran: pause the training first (Step works on a paused run)');
  const { layer, k, c, r, s } = watched;
  const change = after.next.weights.map((v, i) => v - before.weights[i]);
  return {
    path: layer.path, spec: layer.spec, filter: k, weight: { c, r, s },
    shape: { c: layer.input.c, kh: layer.kernel.h, kw: layer.kernel.w }, output: layer.output,
    before: before.weights, gradient: after.gradient.weights, change, after: after.next.weights,
    bias: { before: before.bias, gradient: after.gradient.bias, after: after.next.bias },
    terms: after.terms, samples: after.samples, options: after.options,
  };
}

// The class's score (its logit) and ∂score/∂input for one image.
function scoreGradient(m, image, target) {
  const probs = m.predict(image);
  const predicted = argmax(probs);
  const cls = clampInt(target, 0, m.classes() - 1, predicted);
  return { probs, predicted, target: cls, gradient: m.inputGradient(image, oneHot(m.classes(), cls)) };
}

export const gradientCommands = {
  saliency({ image, target }) {
    const m = liveModel();
    const input = image ?? world.digit?.slice();
    if (!input) return { empty: true };
    checkedImages(input, m.inputShape());
    const { probs, predicted, target: cls, gradient } = scoreGradient(m, input, target);
    return { saliency: gradient, shape: m.inputShape(), target: cls, predicted, probs, input };
  },

  // layer: a top-level maxpool's index (default: the first). input: the
  // pool's input maps (C×H×W), gradientIn: ∂score/∂ of them, gradientOut:
  // ∂score/∂ of the pool's output.
  poolGradient({ image, target, layer }) {
    const m = liveModel();
    const input = image ?? world.digit?.slice();
    if (!input) return { empty: true };
    checkedImages(input, m.inputShape());
    const layers = m.layers();
    const pools = layers.map((l, i) => (l.kind === 'maxpool' ? i : -1)).filter((i) => i >= 0);
    if (!pools.length) return { noPool: true };
    const index = pools.includes(layer) ? layer : pools[0];
    const { probs, predicted, target: cls, gradient } = scoreGradient(m, input, target);
    const l = layers[index];
    return {
      layer: index, pools, spec: l.spec, kernel: l.kernel, stride: l.stride, pad: l.pad,
      inputShape: l.input, outputShape: l.output, target: cls, predicted, probs,
      input: index === 0 ? input : m.activation(index - 1, 0),
      gradientIn: index === 0 ? gradient : m.outputGradient(index - 1, 0),
      gradientOut: m.outputGradient(index, 0),
    };
  },
};
