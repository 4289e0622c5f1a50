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
  pretrained: { payload: '{}', reply: "nothing; the current data set's shipped model again" },
  // Looking inside
  layers: { payload: '{}', reply: '{ spec, layers, inputShape, classes, dataset }' },
  activations: {
    payload: "{ image?: Float32Array, mode?: 'test' | 'train' (batch norm by this image's statistics, dropout on) }",
    reply: '{ layers (tree), maps: Float32Array[] (one per flattenLayers entry), probs, input, mode } '
      + '| { empty: true }',
  },
  // layer: the index in flattenLayers(layers) (web/network.js), blocks' insides included.
  filters: { payload: '{}', reply: '{ filters: [{ layer, spec, k, c, kh, kw, weights, bias }] }' },
  describeNetwork: {
    payload: '{ net: a preset name or a spec, batch?, sketch?: any shape, no limits }',
    reply: '{ net, text, spec, layers (tree), inputShape, classes, totals, limits } ' +
      '| { net, text, error: { line, message } }',
  },
  // The units panel (worker/units.js): every layer of flattenLayers order on the first count test digits.
  unitStats: {
    payload: '{ count?: 1..256 (128) }',
    reply: '{ imagesSeen, count, spec, layers (tree), stats: [{ path, kind, units, rectifier, dead, mean, std, min, '
      + 'max, histogram: Uint32Array, hasFilters, filterSpread, batchnorm?: { batchMean, batchVar, runningMean, '
      + 'runningVar } }] }',
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
  // Detection (worker/detect.js): the live classifier made fully convolutional, over a wide drawing.
  detect: {
    payload: '{ image: Float32Array (height·width, ink 1), width, height }: at least the model\'s 28×28, at most 512',
    reply: '{ maps: Float32Array (classes·rows·cols: softmax over the classes at each window), classes, rows, cols, '
      + 'stride: { h, w }, window: { h, w }, spec (the converted network), width, height } (the image padded with '
      + 'zeros, right and bottom, to window + k·stride); window (r, c) covers pixels from (r·stride.h, c·stride.w)',
  },
  readWindows: {
    payload: "{ image, width, height (as detect's), boxes: [{ x, y }] (at most 64 windows' top-left corners) }",
    reply: '{ probs: Float32Array (boxes·classes), classes, windows: [{ x, y }] }: each window moved to centre the '
      + "ink's centre of mass in it, then classified by the live model (web/detections.js recentredWindow)",
  },
  // Beyond classification (worker/vision.js): 64×64 scenes of MNIST digits
  visionTrain: long(
    "{ task: 'localize' | 'segment', upsample?: 'nearest' | 'unpool' | 'deconv' (segment: all three when absent), "
      + 'steps?, scenes?, seed? }',
    '{ task, steps, scenes, seconds, results: [{ kind, history: [[step, meanIou, accuracy]], score: { meanIou, '
      + 'accuracy | pixelAccuracy, backgroundAccuracy? }, scene: { image, truth, predicted, iou? } }] }; '
      + 'segment: truth and predicted are class masks (Uint8Array 64·64, 0 background, 1 + digit); localize: '
      + '{ label, box: [x0, y0, x1, y1] }',
    '{ task, kind, step, total, loss, meanIou, accuracy (localize: class; segment: pixels), on 100 test scenes }',
  ),
  visionPredict: {
    payload: '{ task, upsample?, image?: Float32Array (28·28: placed in a scene; or 64·64) }: the drawn digit '
      + 'if absent',
    reply: '{ image (64·64), predicted: mask | { label, box } } | { empty: true }',
  },
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
  // Two fresh networks differing in one setting (../comparison.js COMPARE_SETTINGS), side by side.
  compare: long(
    '{ setting, values: [a, b], steps, evalEvery, count, seed, net?, training?: engine options, augment? }',
    '{ setting, values, labels, steps, evalEvery, count, dataset, augment, seconds, history: [[[step, train, test]], '
      + '[…]], diverged: [bool, bool], robustness: [curves, curves] | null (augmentation only) }',
    "{ phase: 'train', run: 0 | 1, step, total, train, test, diverged } | { phase: 'robustness', run, point }",
  ),
  // How it learns: the gradients (worker/gradients.js). Norms are the engine's gradient monitor's.
  gradientFlow: long(
    '{ nets?: [names or specs] (deep-sigmoid, deep-relu, deep-residual), steps?, every?, learningRate? }',
    '{ nets: [{ net, layers: [{ path, kind, weight, input }], residuals, points: [{ step, loss, weights }], ratio }], '
      + 'steps, every, window }',
    '{ net, step, total, points, layers: [{ path, kind }] }',
  ),
  gradientUpdate: {
    payload: '{ path: a conv layer, filter, weight: { c, r, s } }: one Step of the paused run, this filter watched',
    reply: '{ path, spec, filter, weight, shape: { c, kh, kw }, output, before, gradient, change, after, bias, '
      + 'terms: Float32Array (OH·OW: the weight\'s gradient term per position), samples, options }',
  },
  saliency: {
    payload: '{ image?, target? }',
    reply: '{ saliency: Float32Array (∂ score of target / ∂ input), shape, target, predicted, probs, input } '
      + '| { empty }',
  },
  poolGradient: {
    payload: '{ image?, target?, layer?: a top-level maxpool index }',
    reply: '{ layer, pools, spec, kernel, stride, pad, inputShape, outputShape, target, predicted, probs, input, '
      + 'gradientIn, gradientOut } | { noPool } | { empty }',
  },
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
  stats: '{ imagesSeen, epoch, epochs, loss, accuracy, imagesPerSecond, learningRate, steps, gradients }; gradients: '
    + 'the engine\'s gradient norms, means of the last `window` minibatches: { window, steps, layers: [{ path, kind, '
    + 'weight, input }], residuals: [{ path, scale, output (|∂L/∂H|), body, shortcut, input }] } (null: not computed)',
  test: '{ imagesSeen, accuracy, count, full }',
  // The accuracy on (the first 1,000 of) the run's training digits, measured as it predicts (worker/train-subset.js).
  trainAccuracy: '{ imagesSeen, accuracy, count, trainSize }',
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

// The largest drawing 'detect' takes, per side, in the network's pixels: a
// drawn number is 36 pixels tall and a few hundred wide at most.
export const DETECT_MAX_SIDE = 512;

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
