// The browser half of the memory soak (bench/soak.mjs opens soak.html?steps=N&every=K
// in headless Chromium). Trains LeNet-5 on MNIST as the page's worker does,
// in chunks of 10 steps with a prediction and activation maps in between,
// on this page's main thread so the driver can read the heap over CDP.
// Every K steps it records the wasm heap and pauses until the driver has
// measured the JS heap (after a GC) and calls window.soak.resume().
import createEngine from '../engine/cnn-simd.mjs';
import { soakLoop } from './soak-loop.js';

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
  try {
    await soakLoop(engine, data, {
      steps,
      every,
      async onRow(row) {
        soak.rows.push({ ...row, wasm: engine.HEAP8.buffer.byteLength });
        status.textContent = `step ${row.step} of ${steps}`;
        await pauseForDriver();
      },
    });
  } finally {
    data.delete();
  }
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
