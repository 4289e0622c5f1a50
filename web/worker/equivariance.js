// Equivariance and invariance, measured: the drawn digit (or test digits)
// moved by the engine's transformImages, without the page's recentring, and
// every layer's output compared with the unmoved one.
//  - moved: how far a layer's maps moved, in input pixels: the shift (in map
//    units, refined between units by a parabola through the errors) that best
//    lines the moved maps up with the original ones (turned first by the
//    digit's rotation, when it was turned), times the layer's jump (a map
//    unit (r, c) sits at input pixel start + (r, c)·jump per axis, geometry.js).
//    Equivariant layers move with the digit. (A centre of mass would not do:
//    a conv map's bias lights up the empty background too.)
//  - mismatch: ‖A(moved digit) − T·A(digit)‖ / ‖T·A(digit)‖, where T is the
//    digit's own move (rotation about the input's centre, then the shift)
//    done to the layer's maps in map units, compared where T·A(digit) comes
//    from inside the map. An equivariant layer's mismatch is small whatever
//    the rotation; it is the measure that accounts for rotation.
//  - change: ‖A(moved) − A(original)‖ / ‖A(original)‖. An invariant output
//    changes little.
// The short command answers for the live model and, once one is trained
// (the sweep trains it), for the mlp beside it: a dense layer's units are
// tied to fixed pixels, so it has no maps to move (no equivariance), only a
// change. The job sweeps shifts for a copy of the live model and the mlp.
import { argmax, clampInt } from '../util.js';
import { unitGeometry } from '../app/panels/geometry.js';
import { world } from './world.js';
import { checkedImages, liveModel, liveTest } from './inspect.js';
import { Stepper } from './stepper.js';

const isSpatial = (l) => l.output.h > 1 || l.output.w > 1;

// Mean squared difference of moved[r, q] and original[r − dy, q − dx] where both exist.
function misfit(moved, original, { c, h, w }, dy, dx) {
  let sum = 0, n = 0;
  for (let k = 0; k < c; ++k)
    for (let r = Math.max(0, dy); r < Math.min(h, h + dy); ++r)
      for (let q = Math.max(0, dx); q < Math.min(w, w + dx); ++q) {
        const d = moved[(k * h + r) * w + q] - original[(k * h + r - dy) * w + q - dx];
        sum += d * d;
        ++n;
      }
  return n ? sum / n : Infinity;
}

// The vertex of the parabola through (−1, a), (0, b), (1, c): the sub-unit correction.
const vertex = (a, b, c) => (Number.isFinite(a + c) && a - 2 * b + c > 0 ? (a - c) / (2 * (a - 2 * b + c)) : 0);

// How far moved is original shifted, in input pixels {x, y}; along x only
// when alongXOnly (the sweep's shifts are all left/right).
function displacement(moved, original, shape, { jump }, alongXOnly = false) {
  const finest = Math.min(jump.h, jump.w);
  const range = Math.max(1, Math.min(Math.ceil(10 / finest), Math.floor(Math.min(shape.h, shape.w) / 2)));
  let best = { dy: 0, dx: 0, e: Infinity };
  for (let dy = alongXOnly ? 0 : -range; dy <= (alongXOnly ? 0 : range); ++dy)
    for (let dx = -range; dx <= range; ++dx) {
      const e = misfit(moved, original, shape, dy, dx);
      if (e < best.e) best = { dy, dx, e };
    }
  const at = (dy, dx) => misfit(moved, original, shape, dy, dx);
  const x = best.dx + vertex(at(best.dy, best.dx - 1), best.e, at(best.dy, best.dx + 1));
  const y = alongXOnly ? 0 : best.dy + vertex(at(best.dy - 1, best.dx), best.e, at(best.dy + 1, best.dx));
  return { x: x * jump.w, y: y * jump.h };
}

function relativeChange(a, b) {
  let diff = 0, norm = 0;
  for (let i = 0; i < a.length; ++i) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : 0;
}

// Every layer's output for sample i of the model's last forward pass.
const outputsOf = (model, layers, i) => layers.map((_, j) => model.activation(j, i));

// Per layer { moved: {x, y} | null, mismatch: number | null, change } of
// `moved` against `original` (lists of layer outputs) for the digit's `move`.
function compareLayers(layers, geometry, moved, original, move, inputShape, alongXOnly = false) {
  return layers.map((l, j) => ({
    ...(isSpatial(l) ? followed(moved[j], original[j], l.output, geometry[j], move, inputShape, alongXOnly)
      : { moved: null, mismatch: null }),
    change: relativeChange(moved[j], original[j]),
  }));
}

function transform(images, shape, { shiftX = 0, shiftY = 0, rotation = 0 }) {
  return world.engine.transformImages(images, shape, { rotation, shiftX, shiftY, scale: 1 });
}

// The digit's move done to a layer's maps (shape), in map units: the shift
// divided by the jump, the rotation about the point where the input's centre
// falls. transformImages turns about the map's centre m, so turning about p
// is that plus a shift of (p − m) − R·(p − m), R = [[cos, sin], [−sin, cos]]
// as the engine turns (src/augment/ops.cpp). null when the axes' jumps differ
// (a rotation of the input is no rotation of such maps).
function moveMaps(maps, shape, { start, jump }, move, inputShape) {
  if (move.rotation && jump.h !== jump.w) return null;
  const dx = (inputShape.w - 1) / 2 - start.w - ((shape.w - 1) / 2) * jump.w;
  const dy = (inputShape.h - 1) / 2 - start.h - ((shape.h - 1) / 2) * jump.h;
  const px = dx / jump.w, py = dy / jump.h; // p − m in map units
  const a = (move.rotation * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
  // Each map as a one-channel image: the same move for every map (transformImages takes up to 4 channels).
  return transform(maps, { c: 1, h: shape.h, w: shape.w }, {
    rotation: move.rotation,
    shiftX: move.shiftX / jump.w + px - (cos * px + sin * py),
    shiftY: move.shiftY / jump.h + py - (-sin * px + cos * py),
  });
}

// ‖moved − expected‖ / ‖expected‖ over the units where `expected` came from
// inside the map (a moved all-ones plane is 1 there).
function mismatch(moved, expected, inside) {
  const plane = inside.length;
  let diff = 0, norm = 0;
  for (let i = 0; i < moved.length; ++i) {
    if (inside[i % plane] < 0.999) continue;
    diff += (moved[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : 0;
}

// One layer's { moved, mismatch } for maps of `shape` at `geometry`, or nulls.
function followed(movedMap, originalMap, shape, geometry, move, inputShape, alongXOnly) {
  const turned = move.rotation ? moveMaps(originalMap, shape, geometry, { ...move, shiftX: 0, shiftY: 0 },
    inputShape) : originalMap;
  const expected = moveMaps(originalMap, shape, geometry, move, inputShape);
  if (!turned || !expected) return { moved: null, mismatch: null };
  const ones = moveMaps(new Float32Array(shape.h * shape.w).fill(1), { c: 1, h: shape.h, w: shape.w }, geometry,
    move, inputShape);
  return {
    moved: displacement(movedMap, turned, shape, geometry, alongXOnly),
    mismatch: mismatch(movedMap, expected, ones),
  };
}

const number = (v, lo, hi) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : 0);

// A model's answer and per-layer measures for `source` and `input` (source moved by `move`).
function measureModel(model, source, input, move) {
  const layers = model.layers();
  const geometry = unitGeometry(layers);
  const originalProbs = model.predict(source);
  const original = outputsOf(model, layers, 0);
  const probs = model.predict(input);
  const maps = outputsOf(model, layers, 0);
  return {
    layers, maps, probs, answer: argmax(probs), originalAnswer: argmax(originalProbs),
    measures: compareLayers(layers, geometry, maps, original, move, model.inputShape()),
  };
}

// The mlp the sweep trained, if it was trained on the data set in use now.
const comparisonMlp = () => (world.comparisonMlp?.dataset === world.dataset ? world.comparisonMlp.model : null);

export const equivarianceCommands = {
  // The drawn digit moved: every layer's output and how it moved and changed,
  // for the live model and (when trained) the mlp beside it.
  equivariance({ image, shiftX, shiftY, rotation }) {
    const m = liveModel();
    const source = image ?? world.digit?.slice();
    if (!source) return { empty: true };
    const shape = m.inputShape();
    checkedImages(source, shape);
    const move = {
      shiftX: number(shiftX, -10, 10), shiftY: number(shiftY, -10, 10), rotation: number(rotation, -90, 90),
    };
    const input = transform(source, shape, move);
    const mlp = comparisonMlp();
    const mlpResult = mlp ? measureModel(mlp, source, input, move) : null;
    return {
      ...move, input, ...measureModel(m, source, input, move),
      mlp: mlpResult && { layers: mlpResult.layers, measures: mlpResult.measures, answer: mlpResult.answer,
        originalAnswer: mlpResult.originalAnswer, probs: mlpResult.probs },
      inputMoved: followed(input, source, shape, { start: { h: 0, w: 0 }, jump: { h: 1, w: 1 } }, move, shape)
        .moved,
    };
  },
};

// The mlp beside the CNN, trained for `steps` steps on the training data (as
// a generator: progress between slices) and kept in world.comparisonMlp for
// the sliders, until the data set changes or a sweep asks for other steps.
function* trainedMlp(steps, trainData, progress) {
  const kept = world.comparisonMlp;
  if (kept?.dataset === world.dataset && kept.steps === steps) return kept.model;
  const e = world.engine;
  const mlpSpec = world.presets.find((p) => p.name === 'mlp').spec;
  const mlp = new e.Model(mlpSpec, 64);
  let training = null, trained = false;
  try {
    mlp.init(1, 'he');
    training = new e.Training(mlp, trainData, { batchSize: 32, learningRate: 0.05, momentum: 0.9, seed: 1 });
    const stepper = new Stepper(training, 32); // about a slice a call, as every training job
    for (let done = 0; done < steps; ) {
      const { result } = stepper.run(steps - done);
      done += result.steps;
      if (result.images === 0) break;
      progress({ phase: 'train', step: done, total: steps });
      yield;
    }
    trained = true;
  } finally {
    training?.delete();
    if (!trained) mlp.delete(); // failed or cancelled (the scheduler returns the generator)
  }
  kept?.model.delete();
  world.comparisonMlp = { model: mlp, dataset: world.dataset, steps };
  return mlp;
}

// Mean per-layer change over `count` test digits shifted left/right by each
// shift, and their accuracy; for a copy of the live model and the mlp
// (trained first unless kept). Progress after every (model, shift).
export function* invariance(payload, progress, trainData) {
  const e = world.engine;
  const test = liveTest();
  const count = clampInt(payload.count, 8, 64, 48);
  const steps = clampInt(payload.steps, 10, 5000, 600);
  const shifts = Array.isArray(payload.shifts) ? payload.shifts.slice(0, 25).map((s) => number(s, -10, 10))
    : [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6];
  const subset = test.slice(0, Math.min(count, test.count()));
  const shape = liveModel().inputShape();
  const cnn = e.Model.fromBytes(world.model.save(), 64);
  try {
    const mlp = yield* trainedMlp(steps, trainData, progress);
    const result = {};
    for (const [name, model] of [['cnn', cnn], ['mlp', mlp]]) {
      const layers = model.layers();
      const geometry = unitGeometry(layers);
      model.predict(subset.images);
      const original = Array.from({ length: count }, (_, i) => outputsOf(model, layers, i));
      const curves = layers.map(() => []);
      const accuracy = [];
      const moved = layers.map(() => []);
      for (const shift of shifts) {
        const move = { shiftX: shift, shiftY: 0, rotation: 0 };
        const probs = model.predict(transform(subset.images, shape, move));
        const classes = model.classes();
        let right = 0;
        const sums = layers.map(() => ({ change: 0, moved: 0, n: 0 }));
        for (let i = 0; i < count; ++i) {
          right += argmax(probs, i * classes, classes) === subset.labels[i];
          compareLayers(layers, geometry, outputsOf(model, layers, i), original[i], move, shape, true)
            .forEach((m, j) => {
              sums[j].change += m.change;
              if (m.moved) (sums[j].moved += m.moved.x), ++sums[j].n;
            });
        }
        sums.forEach((s, j) => {
          curves[j].push([shift, s.change / count]);
          if (s.n) moved[j].push([shift, s.moved / s.n]);
        });
        accuracy.push([shift, right / count]);
        progress({ phase: 'measure', model: name, shift });
        yield;
      }
      const described = layers.map((l) => ({ kind: l.kind, spec: l.spec, output: l.output }));
      result[name] = { layers: described, curves, moved, accuracy };
    }
    return { ...result, shifts, count, steps };
  } finally {
    cnn.delete();
  }
}
