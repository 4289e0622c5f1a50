// The whole conversation between the page and its engine worker, in one
// table that both sides import: every command the page may send (its
// payload and its reply), every event the worker may post, and the shapes of
// the messages that carry them. The client (app/client.js) refuses to send a
// command that is not listed here and the worker (worker/main.js) refuses to
// run one; the worker only posts listed events.
//
// On the wire:
//   page → worker  { kind: 'command', id, name, payload }
//                  { kind: 'cancel', id }                 stop a long command
//   worker → page  { kind: 'reply', id, ok: true, result } | { kind: 'reply', id, ok: false, error }
//                  { kind: 'progress', id, progress }      long commands, before their reply
//                  { kind: 'event', name, payload }        unasked news (training, the model…)
// Typed arrays in payloads and results are transferred, not copied.

// A long command: a job on the worker's scheduler that reports progress and
// can be cancelled (its promise then rejects with CANCELLED).
function long(payload, reply, progress) {
  return { long: true, payload, reply, progress };
}

export const COMMANDS = {
  // The run
  configure: { payload: '{ settings }: the whole settings table (settings.js)', reply: 'nothing' },
  train: { payload: '{}', reply: 'nothing; the run state follows as state events' },
  pause: { payload: '{}', reply: 'nothing' },
  step: { payload: '{}', reply: 'nothing; one minibatch, then stats' },
  reset: { payload: '{}', reply: 'nothing; a fresh network from the settings (a model event)' },
  evaluate: {
    payload: '{}',
    reply: 'nothing; a full test and a results event follow (the first one downloads the test set)',
  },
  // The model
  predict: { payload: '{ image: Float32Array(784) | null, seq, strokes }', reply: 'nothing; a prediction event' },
  save: { payload: '{}', reply: '{ bytes: Uint8Array, name, imagesSeen }' },
  exportOnnx: { payload: '{}', reply: '{ bytes: Uint8Array (an ONNX model, opset 13), name, imagesSeen }' },
  load: {
    payload: '{ bytes: Uint8Array, fileName, restore?: { source, name, builtWith } }: a model file, or an ONNX '
      + 'model when fileName ends in .onnx',
    reply: "{ name, net: its preset's name or its spec }; the model is unchanged on error. restore: the page's "
      + 'copy after a lost worker',
  },
  pretrained: { payload: '{}', reply: 'nothing; the shipped model again' },
  // Looking inside
  layers: { payload: '{}', reply: '{ spec, layers, inputShape, classes, dataset }' },
  activations: {
    payload: '{ image?: Float32Array }',
    reply: '{ layers (tree), maps: Float32Array[] (one per flattenLayers entry), probs, input } | { empty: true }',
  },
  // layer: the index in flattenLayers(layers) (web/network.js), blocks' insides included.
  filters: { payload: '{}', reply: '{ filters: [{ layer, spec, k, c, kh, kw, weights, bias }] }' },
  describeNetwork: {
    payload: '{ net: a preset name or a spec, batch?, sketch?: any shape, no limits }',
    reply: '{ net, text, spec, layers (tree), inputShape, classes, totals, limits } ' +
      '| { net, text, error: { line, message } }',
  },
  testDigit: { payload: '{ index }', reply: '{ index, label, image }' },
  drawnDigit: { payload: '{}', reply: '{ image: Float32Array | null }' },
  // The explorables (worker/explore.js)
  convolve: {
    payload: '{ image?, shape?, weights: Float32Array (K·C·KH·KW), bias?, kernel, stride, pad (each N or { h, w }) }',
    reply: '{ output: Float32Array (K·OH·OW), shape, input }',
  },
  gradcam: {
    payload: '{ image?, target? }',
    reply: '{ cam, shape, layer, spec, weights, fine: { cam, shape, layer, spec, weights } (LayerCAM), layers, ' +
      'target, predicted, probs, input } | { noConv } | { empty }',
  },
  fgsm: {
    payload: '{ image?, epsilon, label? }',
    reply: '{ epsilon, label, predicted, probs, input, adversarial, adversarialProbs, perturbation, answer, flipsAt }',
  },
  equivariance: {
    payload: '{ image?, shiftX, shiftY, rotation }',
    reply: '{ input, layers, maps, probs, answer, originalAnswer, measures: [{ moved, mismatch, change }], ' +
      'inputMoved, mlp: { layers, measures, answer, originalAnswer, probs } | null (until a sweep trained it) }',
  },
  invariance: long(
    '{ shifts?, count?, steps? }',
    '{ cnn: { layers, curves, moved, accuracy }, mlp: { … }, shifts, count, steps } (the mlp is kept for equivariance)',
    "{ phase: 'train', step, total } | { phase: 'measure', model, shift }",
  ),
  adversarial: long(
    '{ count?, steps?, epsilon? }',
    '{ before: { accuracy, median, flippedBy }, after: { … }, steps, epsilon, count }',
    "{ phase: 'before' | 'after', done, total } | { phase: 'train', step, total }",
  ),
  embedding: long(
    '{ count?, seed?, image? }',
    '{ points: Float32Array (2·count), labels, digit: { x, y } | null, count, layer, spec, dataset }',
    "{ phase: 'features', done, total } | { phase: 'layout', epoch, epochs }",
  ),
  transfer: long(
    "{ target: 'fashion' | 'pendigits', perClass, steps?, evalEvery?, lrScale?, seed? }",
    '{ target, perClass, trainCount, testCount, steps, lrScale, history: { frozen, finetuned, scratch } }',
    '{ step, total, frozen, finetuned, scratch }',
  ),
  // Augmentation
  augmentInfo: { payload: '{}', reply: '{ presets: [{ name, summary, options }] }' },
  augmentPreview: {
    payload: '{ image?, options, seed, count }',
    reply: '{ images, shape, count, source } | { empty: true }',
  },
  robustness: long(
    '{ count, angles?, shifts? }',
    '{ rotation, shiftX, shiftY, count, dataset }',
    '{ curve, x, accuracy, done, total }',
  ),
  compare: long(
    '{ steps, evalEvery, augment, count, seed, preset? }',
    '{ steps, evalEvery, count, dataset, augment, seconds, history, robustness }',
    "{ phase: 'train', step, total, plain, augmented } | { phase: 'robustness', plain | augmented: "
      + '{ curve, x, accuracy } }',
  ),
  // Test-only: makes the worker fail as a wasm trap would (an uncaught error
  // outside any command), so tests can check the page survives. Refused
  // unless the worker was started with ?test-commands=1 (the page passes its
  // own ?test-commands=1 on), so no click of the normal page can reach it.
  crash: { payload: '{}', reply: 'never; the worker fails just after replying' },
  finetune: long(
    '{ images, labels, frozen, steps, learningRate, rehearsal, seed? }',
    '{ before, after, testBefore, testAfter, steps, rehearsal, loss, diverged, frozen }',
    '{ step, total }',
  ),
};

export const EVENTS = {
  boot: '{ message }: what the worker is loading',
  ready: '{ version, simd, build, presets, warning }',
  fatal: '{ message }: the engine could not start; nothing will work',
  error: '{ message, context }: a command without a reply failed',
  state: '{ state, message?, kind? }: the run state (RUN_STATES)',
  model: '{ changed, source, name, preset, spec, params, layers, builtWith? }',
  dataset: '{ name }: the active data set changed',
  // Each set downloads when first needed: stage 'test' | 'train' (with a message), then
  // '<set>-progress' { loaded, total (bytes; 0: unknown) }, then '<set>-ready' or '<set>-error'.
  data: "{ stage: 'test' | 'test-progress' | 'test-ready' | 'test-error' | 'train' | 'train-progress' | …, … }",
  prediction: '{ probs: Float32Array | null, seq, strokes }',
  stats: '{ imagesSeen, epoch, epochs, loss, accuracy, imagesPerSecond, learningRate, steps }',
  test: '{ imagesSeen, accuracy, count, full }',
  results: '{ accuracy, loss, count, confusion, wrongTotal, wrong: { index, label, predicted, pixels }, … }',
};

// The run's states (worker/run-state.js holds the transitions).
export const RUN_STATES = {
  loading: 'the engine, the model or the data are loading',
  idle: 'a model, no training yet',
  starting: 'Train was pressed; waiting for the training data',
  training: 'training in time slices',
  paused: 'a run that can go on',
  finished: 'the run did all its epochs',
};

// Fine-tuning's limits, shared by the panel's boxes and the worker's checks.
export const FINETUNE_LIMITS = { steps: { min: 1, max: 1000 }, learningRate: { min: 0.0001, max: 1 } };

// The error message of a cancelled long command.
export const CANCELLED = 'cancelled';

// Every typed array in a value (one level into objects and arrays), for postMessage's transfer list.
export function transferables(value) {
  const out = new Set();
  const visit = (v, depth) => {
    if (ArrayBuffer.isView(v)) out.add(v.buffer);
    else if (depth < 3 && v && typeof v === 'object') for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(value, 0);
  return [...out];
}
