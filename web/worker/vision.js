// Beyond classification, in the worker: classification + localization and
// semantic segmentation on 64×64 scenes composed from MNIST digits. The
// engine makes the scenes (makeScenes, the CLI's own generator: training
// scenes from the training digits, test scenes from the test digits), gives
// the task's default network (taskSpec) and scores it (scoreLocalize,
// scoreSegment); this job trains it through the one Stepper (whole steps or
// micro-batches of about one slice), so Stop is instant. Segmentation trains the three up-sampling kinds one after
// another on the same scenes (same network otherwise), for a side-by-side.
// The trained networks stay in world.vision, for visionPredict on a drawing.
import { clampInt } from '../util.js';
import { world } from './world.js';
import { checkedImages, liveTest } from './inspect.js';
import { Stepper } from './stepper.js';

export const SCENE = 64;
const KINDS = ['nearest', 'unpool', 'deconv'];
const TEST_SCENES = 100; // scored every evalEvery steps: ~0.2 s of wasm each time
const BATCH = 16;
const TEST_SEED_OFFSET = 1000003; // as cnn train --task: other places as well as other digits

function checkedTask(payload) {
  const task = payload.task;
  if (task !== 'localize' && task !== 'segment') throw new Error("task must be 'localize' or 'segment'");
  const kinds = task === 'localize' ? ['-'] : payload.upsample ? [payload.upsample] : KINDS;
  if (task === 'segment' && !kinds.every((k) => KINDS.includes(k)))
    throw new Error(`upsample must be one of ${KINDS.join(', ')}`);
  return {
    task, kinds,
    steps: clampInt(payload.steps, 1, 20000, 500),
    scenes: clampInt(payload.scenes, 64, 20000, 4000),
    seed: clampInt(payload.seed, 0, 2 ** 31 - 1, 1),
  };
}

function score(task, model, scenes) {
  return task === 'localize' ? world.engine.scoreLocalize(model, scenes) : world.engine.scoreSegment(model, scenes);
}

// The first test scene as the panel draws it: its pixels, its truth and the
// network's answer (a mask of classes, or a box with its IoU).
function sceneAnswer(task, model, scenes, labels, s) {
  const image = scenes.image(0);
  if (task === 'segment') {
    return { image, truth: labels.masks.slice(0, SCENE * SCENE), predicted: world.engine.pixelClasses(model, image) };
  }
  const [label, x0, y0, x1, y1] = labels.boxes.slice(0, 5);
  const box = Array.from(s.boxes.slice(0, 4));
  const probs = model.predict(image);
  const predictedClass = probs.slice(0, 10).indexOf(Math.max(...probs.slice(0, 10)));
  const truth = { label, box: [x0, y0, x1, y1] };
  return { image, truth, predicted: { label: predictedClass, box }, iou: boxIou(box, truth.box) };
}

export function boxIou(a, b) {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (r) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - w * h;
  return union > 0 ? (w * h) / union : 0;
}

function keepModel(task, kind, model) {
  const key = `${task}/${kind}`;
  world.vision.get(key)?.delete();
  world.vision.set(key, model);
}

export function* visionTrain(payload, progress, trainData) {
  const { task, kinds, steps, scenes, seed } = checkedTask(payload);
  const engine = world.engine;
  const testDigits = liveTest();
  const evalEvery = Math.max(10, Math.round(steps / 20));
  const train = engine.makeScenes(trainData, { task, count: scenes, seed });
  const testOptions = { task, count: TEST_SCENES, seed: seed + TEST_SEED_OFFSET };
  const test = engine.makeScenes(testDigits, testOptions);
  const labels = engine.sceneLabels(testDigits, { ...testOptions, count: 1 });
  const results = [];
  const started = performance.now();
  try {
    for (const kind of kinds) {
      const model = new engine.Model(engine.taskSpec(task, kind === '-' ? undefined : kind), BATCH);
      const training = new engine.Training(model, train,
        { optimizer: 'adam', learningRate: 0.002, batchSize: BATCH, seed, schedule: 'constant' });
      let kept = false;
      try {
        model.init(seed);
        const history = [];
        let s = null;
        const stepper = new Stepper(training, BATCH);
        for (let step = 0; step < steps;) {
          const nextEval = Math.min(steps, (Math.floor(step / evalEvery) + 1) * evalEvery);
          const { result } = stepper.run(nextEval - step);
          step += result.diverged ? Math.max(1, result.steps) : result.steps; // a diverged step was rolled back
          yield;
          if (step === nextEval && stepper.inProgress === 0) {
            s = score(task, model, test);
            history.push([step, s.meanIou, s.accuracy ?? s.pixelAccuracy]);
            progress({ task, kind, step, total: steps, loss: result.loss, meanIou: s.meanIou,
              accuracy: s.accuracy ?? s.pixelAccuracy });
            yield;
          }
        }
        const scene = sceneAnswer(task, model, test, labels, s);
        results.push({ kind, history, score: { ...s, boxes: undefined }, scene });
        keepModel(task, kind, model);
        kept = true;
      } finally {
        training.delete();
        if (!kept) model.delete();
      }
    }
  } finally {
    train.delete();
    test.delete();
  }
  return { task, steps, scenes, seconds: (performance.now() - started) / 1000, results };
}

// The learner's 28×28 digit in the middle of a 64×64 scene, scaled to 36 pixels (nearest neighbour):
// about the size of the scenes' digits.
export function drawingScene(digit) {
  const out = new Float32Array(SCENE * SCENE), size = 36, at = (SCENE - size) / 2;
  for (let y = 0; y < size; ++y)
    for (let x = 0; x < size; ++x)
      out[(at + y) * SCENE + at + x] = digit[Math.floor((y * 28) / size) * 28 + Math.floor((x * 28) / size)];
  return out;
}

// A trained task network's answer for an image: the drawn digit (28×28,
// placed in a scene) or a 64×64 scene.
export function visionPredict({ task, upsample, image }) {
  const kind = task === 'localize' ? '-' : upsample ?? 'nearest';
  const model = world.vision.get(`${task}/${kind}`);
  if (!model) throw new Error(`no ${task} network trained yet${task === 'segment' ? ` (${kind})` : ''}; train one`);
  const digit = image ?? world.digit;
  if (!digit) return { empty: true };
  const scene = digit.length === 784 ? drawingScene(checkedImages(digit, { c: 1, h: 28, w: 28 }))
    : checkedImages(digit, { c: 1, h: SCENE, w: SCENE });
  if (task === 'segment') return { image: scene, predicted: world.engine.pixelClasses(model, scene) };
  const out = model.predict(scene);
  const logits = Array.from(out.slice(0, 10));
  const [cx, cy, w, h] = out.slice(10, 14);
  return { image: scene, predicted: { label: logits.indexOf(Math.max(...logits)),
    box: [cx - Math.max(0, w) / 2, cy - Math.max(0, h) / 2, cx + Math.max(0, w) / 2, cy + Math.max(0, h) / 2] } };
}
