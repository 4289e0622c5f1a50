// The network a run builds, from the `net` setting (a preset's name or a
// spec): its spec text, and the engine's description of it for the editor
// and the Train button (describeNetwork): the layer tree with every number
// the engine computes, its totals, and whether the page can train it. The
// description comes from building the spec (for one image) and reading the
// model back, so nothing here parses a spec or does its arithmetic.
import { isPresetName, MAX_BATCH } from '../settings.js';
import { buildError, networkLimits, networkTotals } from '../network.js';
import { MNIST_SHAPE } from '../util.js';

// The spec text the `net` setting names (a preset's, or the setting itself).
export function netSpec(net, presets) {
  if (!isPresetName(net)) return net;
  const preset = presets.find((p) => p.name === net);
  if (!preset) throw new Error(`unknown network '${net}' (known: ${presets.map((p) => p.name).join(', ')})`);
  return preset.spec;
}

// The name a network goes by on the page.
export const netName = (net) => (isPresetName(net) ? net : 'custom network');

// The page's models take MNIST-sized images and answer one of 10 classes.
function pageMismatch(model) {
  const shape = model.inputShape();
  if (shape.c === MNIST_SHAPE.c && shape.h === MNIST_SHAPE.h && shape.w === MNIST_SHAPE.w && model.classes() === 10)
    return null;
  return `this page works with 1×28×28 images and 10 classes; the model takes ${shape.c}×${shape.h}×${shape.w} ` +
    `and has ${model.classes()} classes`;
}

// { spec, layers, inputShape, classes, totals, limits } from the engine, or
// { error: { line, message } } when the spec does not build (or does not fit
// the page's images); batch is the training batch the limits are judged for.
// forPage false: any input size and class count (a sketch of a few layers).
export function describeSpec(engine, spec, batch, { forPage = true } = {}) {
  let model;
  try {
    model = new engine.Model(spec, 1);
  } catch (error) {
    return { error: buildError(error?.message ?? String(error)) };
  }
  try {
    const mismatch = forPage ? pageMismatch(model) : null;
    if (mismatch) return { error: { line: 1, message: mismatch } };
    const layers = model.layers();
    const totals = networkTotals(layers);
    return {
      spec: model.spec(),
      layers,
      inputShape: model.inputShape(),
      classes: model.classes(),
      totals,
      limits: networkLimits(totals, { batch, maxBatch: MAX_BATCH }),
    };
  } finally {
    model.delete();
  }
}

// The spec for a fresh model, refused with the engine's message (or the
// page's limit) before anything big is allocated.
export function checkedSpec(engine, spec, batch) {
  const described = describeSpec(engine, spec, batch);
  if (described.error) throw new Error(`the network does not build: ${described.error.message}`);
  if (!described.limits.ok) throw new Error(described.limits.reason);
  return spec;
}
