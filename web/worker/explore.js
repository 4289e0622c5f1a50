// The explorables' short commands (../protocol.js): the convolution sandbox
// (any kernels over any image, computed by a one-layer engine network so the
// page shows what the engine computes), Grad-CAM and LayerCAM and the fast gradient sign
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
  return last < 0 ? -1 : afterActivation(layers, last);
}

const POOLING = ['maxpool', 'avgpool', 'l2pool'];
const sameShape = (a, b) => a.c === b.c && a.h === b.h && a.w === b.w;

// Layer i's output or, when an activation of the same shape follows it, that activation's.
function afterActivation(layers, i) {
  const next = layers[i + 1];
  return next && ![...POOLING, 'dense'].includes(next.kind) && sameShape(next.output, layers[i].output) ? i + 1 : i;
}

// The layer LayerCAM reads: the first convolution's maps after its first
// pooling (or, without one before the next convolution or dense layer, after
// its activation): fine maps, one unit per 1–2 pixels. -1 without a convolution.
export function fineCamLayer(layers) {
  const first = layers.findIndex((l) => l.kind === 'conv' || l.kind === 'residual');
  if (first < 0) return -1;
  for (let i = first + 1; i < layers.length && !['conv', 'residual', 'concat', 'dense'].includes(layers[i].kind); ++i)
    if (POOLING.includes(layers[i].kind)) return i;
  return afterActivation(layers, first);
}

// A class activation map of maps A (c×h×w) and the class score's gradient G
// there: Grad-CAM weighs each map by its mean gradient, ReLU(Σₖ αₖ·Aₖ) with
// αₖ = mean(Gₖ); LayerCAM (perPosition) each unit by its own positive
// gradient, ReLU(Σₖ max(0, Gₖ)·Aₖ), so a coarse mean does not spread a map's
// weight over units that did not matter.
export function activationMap(maps, grads, { c, h, w }, perPosition) {
  const plane = h * w, weights = new Float32Array(c), cam = new Float32Array(plane);
  for (let k = 0; k < c; ++k) {
    let sum = 0;
    for (let j = 0; j < plane; ++j) sum += grads[k * plane + j];
    weights[k] = sum / plane;
    for (let j = 0; j < plane; ++j)
      cam[j] += (perPosition ? Math.max(0, grads[k * plane + j]) : weights[k]) * maps[k * plane + j];
  }
  for (let j = 0; j < plane; ++j) cam[j] = Math.max(0, cam[j]);
  return { cam, weights };
}

// A size given as one number for both axes or as { h, w }, each clamped to lo..hi.
function perAxis(v, lo, hi, fallback) {
  const one = (x) => clampInt(x, lo, hi, fallback);
  return typeof v === 'object' && v !== null ? { h: one(v.h), w: one(v.w) } : { h: one(v), w: one(v) };
}

const FGSM_EPSILONS = Array.from({ length: 51 }, (_, i) => i / 100); // 0, 0.01 … 0.5

// x + ε·sign(g), clipped to the pixels' range [0, 1].
function nudged(image, sign, epsilon) {
  return image.map((v, i) => Math.min(1, Math.max(0, v + epsilon * sign[i])));
}

export const exploreCommands = {
  // image (C×H×W) through K kernels (K·C·KH·KW, cross-correlation as conv
  // layers compute it) with biases (K), stride and zero padding. kernel,
  // stride and pad are each a number (both axes) or { h, w }.
  convolve({ image, shape, weights, bias, kernel, stride, pad }) {
    const s = checkedShape(shape ?? { c: 1, h: 28, w: 28 });
    const input = checkedImages(image ?? world.digit?.slice() ?? new Float32Array(pixelsOf(s)), s);
    const r = perAxis(kernel, 1, 11, 3), st = perAxis(stride, 1, 4, 1), p = perAxis(pad, 0, 5, 0);
    const taps = r.h * r.w;
    if (!(weights instanceof Float32Array) || weights.length === 0 || weights.length % (s.c * taps) !== 0)
      throw new Error(`weights must be a Float32Array of K·${s.c}·${r.h}·${r.w} values`);
    const k = weights.length / (s.c * taps);
    if (k > 64) throw new Error('at most 64 kernels at once');
    if (bias != null && !(bias instanceof Float32Array && bias.length === k))
      throw new Error(`bias must be a Float32Array of ${k} values`);
    const hw = (v) => `${v.h}x${v.w}`;
    const model = convModel(`input ${s.c}x${s.h}x${s.w}\nconv ${k} k=${hw(r)} s=${hw(st)} p=${hw(p)}\nloss mse`);
    const params = new Float32Array(weights.length + k);
    params.set(weights);
    if (bias) params.set(bias, weights.length);
    model.setParams(params);
    const output = model.predict(input);
    return { output, shape: model.layers()[0].output, input };
  },

  // Grad-CAM over the last convolution's maps and LayerCAM over the first
  // convolution's pooled maps (activationMap), for the class's logit.
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
    const at = (i, perPosition) => ({
      layer: i, spec: layers[i].spec, shape: { h: layers[i].output.h, w: layers[i].output.w },
      ...activationMap(m.activation(i, 0), m.outputGradient(i, 0), layers[i].output, perPosition),
    });
    const coarse = at(layer, false);
    return { ...coarse, fine: at(fineCamLayer(layers), true), layers, target: cls, predicted, probs, input };
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
