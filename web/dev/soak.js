// The browser half of the memory soak (bench/soak.mjs opens soak.html?steps=N&every=K
// in headless Chromium). Trains LeNet-5 on MNIST as the page's worker does,
// in chunks of 10 steps with a prediction and activation maps in between,
// on this page's main thread so the driver can read the heap over CDP.
// Every K steps it records the wasm heap and pauses until the driver has
// measured the JS heap (after a GC) and calls window.soak.resume().
import createEngine from '../engine/cnn-simd.mjs';

const query = new URLSearchParams(location.search);
const steps = Number(query.get('steps') ?? 20000);
const every = Number(query.get('every') ?? 1000);
const status = document.getElementById('status');

const soak = (window.soak = { rows: [], done: false, error: null, paused: false, resume: null });

async function bytes(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} (run 'npm run prepare-data')`);
  return new Uint8Array(await response.arrayBuffer());
}

// Resolves when the driver has taken its measurements for this row.
function pauseForDriver() {
  soak.paused = true;
  return new Promise((resolve) => {
    soak.resume = () => {
      soak.paused = false;
      resolve();
    };
  });
}

async function run() {
  const engine = await createEngine();
  const [png, labels] = await Promise.all([
    bytes('../data/mnist/train-images.png'),
    bytes('../data/mnist/train-labels.idx'),
  ]);
  const data = new engine.Data(png, labels);
  const model = new engine.Model('lenet5', 256); // the page's MAX_BATCH
  model.init(1, 'he');
  const training = new engine.Training(model, data, { optimizer: 'adam', learningRate: 0.001, batchSize: 32, seed: 1 });
  const probe = data.image(0);
  const layers = model.layers().length;
  const started = performance.now();
  let loss = 0;
  let chunks = 0;
  for (let done = 0; done < steps; ) {
    const r = training.step(10);
    if (r.diverged) throw new Error(`training diverged at step ${done}`);
    done += r.steps;
    loss += r.loss;
    chunks++;
    model.predict(probe);
    if (done % 100 === 0) for (let i = 0; i < layers; i++) model.activation(i, 0);
    if (done % every === 0) {
      soak.rows.push({
        step: done,
        seconds: (performance.now() - started) / 1000,
        loss: loss / chunks,
        wasm: engine.HEAP8.buffer.byteLength,
      });
      loss = 0;
      chunks = 0;
      status.textContent = `step ${done} of ${steps}`;
      await pauseForDriver();
    }
  }
  training.delete();
  model.delete();
  data.delete();
  status.textContent = 'done';
}

run()
  .catch((e) => {
    soak.error = e?.message ?? String(e);
    status.textContent = `error: ${soak.error}`;
  })
  .finally(() => {
    soak.done = true;
  });
