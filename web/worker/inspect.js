// The commands that look inside the live model for the "see inside" panels:
// layers, activation maps, filters, test digits, augmentation previews.
// Each takes the command's payload and returns its reply (../protocol.js);
// every typed array in a reply is a copy the page may take over.
import { flattenLayers } from '../network.js';
import { clampInt, pixelsOf } from '../util.js';
import { ensureTest, world } from './world.js';

// The model, or an error the page can show.
export function liveModel() {
  if (!world.model) throw new Error('the model is not ready yet');
  return world.model;
}

export function liveTest() {
  if (!world.test) throw new Error('the test data is not loaded yet');
  return world.test;
}

// A Float32Array of one image of `shape` (or `many` of them), or an error naming the sizes.
export function checkedImages(image, shape, many = false) {
  if (!(image instanceof Float32Array)) throw new Error('image must be a Float32Array');
  const per = pixelsOf(shape);
  if (many ? image.length % per !== 0 : image.length !== per) {
    const expected = `${many ? 'a multiple of ' : ''}${per} (${shape.c}×${shape.h}×${shape.w})`;
    throw new Error(`image has ${image.length} values, expected ${expected}`);
  }
  return image;
}

// The image a payload names, else a copy of the drawn digit, else null.
const payloadOrDrawn = (image) => image ?? world.digit?.slice() ?? null;

export const inspectCommands = {
  // Architecture and per-layer facts for the explanation and freeze panels.
  layers() {
    const m = liveModel();
    return {
      spec: m.spec(),
      layers: m.layers(),
      inputShape: m.inputShape(),
      classes: m.classes(),
      dataset: world.dataset,
    };
  },

  // One forward pass of the image (or the drawn digit), then every layer's
  // output, blocks' insides included: maps[i] belongs to flattenLayers(layers)[i].
  // mode 'train': the pass as training computes it (batch norm by this image's
  // own statistics, dropout's mask drawn), the network left as it was.
  activations({ image, mode = 'test' }) {
    if (mode !== 'test' && mode !== 'train') throw new Error(`mode must be 'test' or 'train', not ${String(mode)}`);
    const m = liveModel();
    const input = payloadOrDrawn(image);
    if (!input) return { empty: true };
    checkedImages(input, m.inputShape());
    const probs = mode === 'train' ? world.engine.predictAsTraining(m, input) : m.predict(input);
    const layers = m.layers();
    const maps = flattenLayers(layers).map(({ layer }) => m.activationAt(layer.path, 0));
    return { layers, maps, probs, input, mode };
  },

  // Every conv layer's weights (K, C, KH, KW) then K biases, blocks' insides
  // included; layer is its index in flattenLayers(layers).
  filters() {
    const m = liveModel();
    const out = [];
    flattenLayers(m.layers()).forEach(({ layer: l }, i) => {
      if (l.kind !== 'conv') return;
      const params = m.layerParamsAt(l.path);
      const k = l.output.c, c = l.input.c, kh = l.kernel.h, kw = l.kernel.w;
      out.push({
        layer: i,
        spec: l.spec,
        k,
        c,
        kh,
        kw,
        weights: params.subarray(0, k * c * kh * kw),
        bias: params.subarray(k * c * kh * kw),
      });
    });
    return { filters: out };
  },

  // Test digit `index` of the active data set (any integer wraps around),
  // once the test set is in (asked for while it loads, the answer waits).
  async testDigit({ index }) {
    await ensureTest();
    const test = liveTest();
    const count = test.count();
    const i = ((clampInt(index, -1e9, 1e9, 0) % count) + count) % count;
    return { index: i, label: test.label(i), image: test.image(i) };
  },

  drawnDigit: () => ({ image: world.digit ? world.digit.slice() : null }),

  // The engine's augmentation presets ({name, summary, options}) for the panel's buttons.
  augmentInfo: () => ({ presets: world.engine.augmentPresets() }),

  // count augmented versions of one image (or the drawn digit) under `options`.
  augmentPreview({ image, options, seed, count }) {
    const shape = world.model ? world.model.inputShape() : { c: 1, h: 28, w: 28 };
    const source = payloadOrDrawn(image);
    if (!source) return { empty: true };
    checkedImages(source, shape);
    const n = clampInt(count, 1, 64, 16);
    const images = world.engine.augmentPreview(source, shape, options ?? {}, clampInt(seed, 0, 2147483647, 1), n);
    return { images, shape, count: n, source };
  },
};
