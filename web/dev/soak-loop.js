// The memory soak's training loop, shared by Node (bench/soak.mjs) and the
// soak page (web/dev/soak.js) so both run exactly the same calls: LeNet-5
// trained in chunks of 10 steps with a prediction after each chunk and every
// layer's activation map every 100 steps, as the page's worker does. Every
// `every` steps it awaits onRow({ step, seconds, loss }), where the caller
// measures its heaps. No DOM, no Node: plain module code.
export async function soakLoop(engine, data, { steps, every, onRow }) {
  const model = new engine.Model('lenet5', 256); // the page's MAX_BATCH
  model.init(1, 'he');
  const training = new engine.Training(model, data, { optimizer: 'adam', learningRate: 0.001, batchSize: 32, seed: 1 });
  const probe = data.image(0);
  const layers = model.layers().length;
  const started = performance.now();
  let loss = 0;
  let chunks = 0;
  try {
    for (let done = 0; done < steps; ) {
      const r = training.step(10);
      if (r.diverged) throw new Error(`training diverged at step ${done}`);
      done += r.steps;
      loss += r.loss;
      chunks++;
      model.predict(probe);
      if (done % 100 === 0) for (let i = 0; i < layers; i++) model.activation(i, 0);
      if (done % every === 0) {
        await onRow({ step: done, seconds: (performance.now() - started) / 1000, loss: loss / chunks });
        loss = 0;
        chunks = 0;
      }
    }
  } finally {
    training.delete();
    model.delete();
  }
}
