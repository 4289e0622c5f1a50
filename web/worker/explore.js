// The explorables' short commands (../protocol.js): the convolution sandbox
// (any kernels over any image, computed by a one-layer engine network so the
// page shows what the engine computes), Grad-CAM and the fast gradient sign
// method on the live model (its gradients with respect to the input and to a
// layer's maps). Each returns its reply; typed arrays are copies.
import { argmax, clampInt, pixelsOf } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveModel } from './inspect.js';

// One-layer conv networks by spec: the sandbox asks for the same few again
// and again (one per kernel size, stride and padding), so a few are kept.
const convModels = new Map();
const KEPT_CONV_MODELS = 6;

function convModel(spec) {
  let model = convModels.get(spec);
  if (model) {
    convModels.delete(spec); // re-inserted: the map's order is least recently used first
  } else {
    model = new world.engine.Model(spec, 1);
    if (convModels.size >= KEPT_CONV_MODELS) {
      const [oldest, old] = convModels.entries().next().value;
      convModels.delete(oldest);
      old.delete();
    }
  }
  convModels.set(spec, model);
  return model;
}

function checkedShape(shape) {
  const c = clampInt(shape?.c, 1, 64, NaN), h = clampInt(shape?.h, 1, 64, NaN), w = clampInt(shape?.w, 1, 64, NaN);
  if (![c, h, w].every(Number.isFinite)) throw new Error('shape must be { c, h, w } with whole numbers 1..64');
  return { c, h, w };
}

// The class (or the drawn digit's answer) and the gradient of its score or
// of the loss, for one image.
export const oneHot = (classes, k) => Float32Array.from({ length: classes }, (_, i) => (i === k ? 1 : 0));

// The layer Grad-CAM reads: the last convolution's maps, after the
// activation that follows it (what the layers above see), or -1.
export function gradCamLayer(layers) {
  let last = -1;
  layers.forEach((l, i) => {
    if (l.kind === 'conv' || l.kind === 'residual') last = i;
  });
  if (last < 0) return -1;
  const next = layers[last + 1];
  const sameShape = (a, b) => a.c === b.c && a.h === b.h && a.w === b.w;
  const activation = next && !['maxpool', 'avgpool', 'l2pool', 'dense'].includes(next.kind);
  return activation && sameShape(next.output, layers[last].output) ? last + 1 : last;
}

const FGSM_EPSILONS = Array.from({ length: 51 }, (_, i) => i / 100); // 0, 0.01 … 0.5

// x + ε·sign(g), clipped to the pixels' range [0, 1].
function nudged(image, sign, epsilon) {
  return image.map((v, i) => Math.min(1, Math.max(0, v + epsilon * sign[i])));
}

export const exploreCommands = {
  // image (C×H×W) through K kernels (K·C·R·R, cross-correlation as conv
  // layers compute it) with biases (K), stride and zero padding.
  convolve({ image, shape, weights, bias, kernel, stride, pad }) {
    const s = checkedShape(shape ?? { c: 1, h: 28, w: 28 });
    const input = checkedImages(image ?? world.digit?.slice() ?? new Float32Array(pixelsOf(s)), s);
    const r = clampInt(kernel, 1, 9, 3), st = clampInt(stride, 1, 4, 1), p = clampInt(pad, 0, 4, 0);
    if (!(weights instanceof Float32Array) || weights.length === 0 || weights.length % (s.c * r * r) !== 0)
      throw new Error(`weights must be a Float32Array of K·${s.c}·${r}·${r} values`);
    const k = weights.length / (s.c * r * r);
    if (k > 64) throw new Error('at most 64 kernels at once');
    if (bias != null && !(bias instanceof Float32Array && bias.length === k))
      throw new Error(`bias must be a Float32Array of ${k} values`);
    // mse: the network's outputs are the maps themselves, not a softmax of them.
    const model = convModel(`input ${s.c}x${s.h}x${s.w}\nconv ${k} k=${r} s=${st} p=${p}\nloss mse`);
    const params = new Float32Array(weights.length + k);
    params.set(weights);
    if (bias) params.set(bias, weights.length);
    model.setParams(params);
    const output = model.predict(input);
    return { output, shape: model.layers()[0].output, input };
  },

  // Grad-CAM: the weights α_k = mean over positions of ∂score/∂A_k, the map
  // ReLU(Σ α_k·A_k) over the last convolution's maps A.
  gradcam({ image, target }) {
    const m = liveModel();
    const input = image ?? world.digit?.slice();
    if (!input) return { empty: true };
    checkedImages(input, m.inputShape());
    const layers = m.layers();
    const layer = gradCamLayer(layers);
    const probs = m.predict(input);
    const predicted = argmax(probs);
    if (layer < 0) return { noConv: true, probs, predicted, input };
    const cls = clampInt(target, 0, m.classes() - 1, predicted);
    m.inputGradient(input, oneHot(m.classes(), cls)); // the class's logit: its score before the softmax
    const maps = m.activation(layer, 0), grads = m.outputGradient(layer, 0);
    const { c, h, w } = layers[layer].output;
    const weights = new Float32Array(c);
    const cam = new Float32Array(h * w);
    for (let k = 0; k < c; ++k) {
      let sum = 0;
      for (let j = 0; j < h * w; ++j) sum += grads[k * h * w + j];
      weights[k] = sum / (h * w);
      for (let j = 0; j < h * w; ++j) cam[j] += weights[k] * maps[k * h * w + j];
    }
    for (let j = 0; j < h * w; ++j) cam[j] = Math.max(0, cam[j]);
    return { cam, shape: { h, w }, layer, spec: layers[layer].spec, layers, weights, target: cls, predicted, probs,
      input };
  },

  // The fast gradient sign method: x' = clip(x + ε·sign(∂loss/∂x)) with the
  // loss of `label` (default: the clean image's answer). Also the smallest ε
  // of 0, 0.01 … 0.5 that changes the answer (null if none does).
  fgsm({ image, epsilon, label }) {
    const m = liveModel();
    const input = image ?? world.digit?.slice();
    if (!input) return { empty: true };
    checkedImages(input, m.inputShape());
    const classes = m.classes();
    const probs = m.predict(input);
    const predicted = argmax(probs);
    const target = clampInt(label, 0, classes - 1, predicted);
    // Cross-entropy's gradient at the logits is softmax − one-hot (mse: output − one-hot, up to a factor).
    const dLoss = probs.map((p, i) => p - (i === target ? 1 : 0));
    const gradient = m.inputGradient(input, dLoss);
    const sign = gradient.map(Math.sign);
    const eps = Number.isFinite(epsilon) ? Math.min(1, Math.max(0, epsilon)) : 0.1;
    const adversarial = nudged(input, sign, eps);
    const adversarialProbs = m.predict(adversarial);
    const all = new Float32Array(FGSM_EPSILONS.length * input.length);
    FGSM_EPSILONS.forEach((e, i) => all.set(nudged(input, sign, e), i * input.length));
    const answers = m.predict(all);
    const flipsAt = FGSM_EPSILONS.find((_, i) => argmax(answers, i * classes, classes) !== predicted) ?? null;
    return {
      epsilon: eps, label: target, predicted, probs, input, adversarial, adversarialProbs,
      perturbation: adversarial.map((v, i) => v - input[i]), answer: argmax(adversarialProbs), flipsAt,
    };
  },
};
