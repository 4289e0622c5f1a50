// The engine module over time: the wasm heap stays flat across thousands of
// calls and handle create/delete cycles, divergence at an absurd learning rate
// is caught in the step and undone, and a 500-step training sample shows no
// heap growth after warm-up (bench/soak.mjs runs the long one). Hostile
// arguments are boundary.test.mjs.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { heapBytes, images, loadEngine, readMnist } from './engine-helpers.mjs';

describe('the engine module over time (cnn-simd)', () => {
  let m;
  let modelBytes; // a LeNet-5 file, for loadWeights and a corrupt copy
  let mnist; // { png, labels } of the test split

  before(async () => {
    m = await loadEngine('simd');
    const model = new m.Model('lenet5', 4);
    model.init(11, 'he');
    modelBytes = model.save();
    model.delete();
    mnist = await readMnist('test');
  });

  test('the wasm heap stays flat across thousands of calls and handle cycles', () => {
    const model = new m.Model('lenet5', 16);
    const data = m.Data.fromArrays(images(32, 13), Uint8Array.from({ length: 32 }, (_, i) => i % 10), { c: 1, h: 28,
      w: 28 });
    const x = images(4, 14);
    const nan = images(64, 15);
    nan[nan.length - 1] = NaN;
    const big = modelBytes.slice();
    big[big.length - 1] ^= 0xff; // a 250 KB file that fails its checksum: copied in, then refused
    const cycle = () => {
      for (let i = 0; i < 10; i++) model.predict(x);
      model.activation(1, 0);
      model.layerParams(0);
      const other = new m.Model('lenet5', 64); // ~20 MB of activations at this batch
      other.loadWeights(modelBytes);
      const training = new m.Training(other, data, { batchSize: 16 });
      training.step(1);
      training.delete();
      other.delete();
      data.slice(0, 32); // bulk copies go to JavaScript, through a small scratch
      data.pick(Int32Array.from([31, 0, 7]));
      const head = data.head(8);
      m.evaluate(model, head, -1);
      head.delete();
      // Refusals on the error path, each with a large copy: a leak here shows.
      assert.throws(() => model.predict(nan));
      assert.throws(() => m.Model.fromBytes(big, 8));
      assert.throws(() => new m.Model('input 1x28x28\nconv 6 k=29', 64));
    };
    try {
      for (let i = 0; i < 20; i++) cycle(); // warm-up: the heap reaches its working size
      const heap = heapBytes(m);
      const handles = m.count_emval_handles();
      for (let i = 0; i < 300; i++) cycle(); // 3,000 predictions, 300 of each handle
      assert.equal(heapBytes(m), heap, 'wasm heap grew');
      assert.equal(m.count_emval_handles(), handles, 'Embind value handles leaked');
    } finally {
      data.delete();
      model.delete();
    }
  });

  test('an absurd learning rate is caught in the step, the last snapshot comes back, training goes on', () => {
    const all = new m.Data(mnist.png, mnist.labels);
    const data = all.head(2048);
    const model = new m.Model('lenet5', 32);
    try {
      for (const optimizer of ['sgd', 'adam']) {
        model.init(3, 'he');
        const sane = optimizer === 'sgd' ? 0.01 : 0.001;
        const training = new m.Training(model, data, { optimizer, learningRate: sane, batchSize: 32, seed: 5 });
        try {
          assert.equal(training.step(50).diverged, false);
          const snapshot = model.params(); // the trainer keeps a copy every 50 steps
          assert.equal(training.step(7).steps, 7);
          assert.notDeepEqual(model.params(), snapshot);

          training.setOptions({ optimizer, learningRate: 1e3, batchSize: 32 });
          const blowUp = training.step(1);
          assert.equal(blowUp.diverged, true, `${optimizer}: a step at 1e3 must report divergence`);
          assert.equal(blowUp.steps, 0);
          const restored = model.params();
          assert.ok(restored.every(Number.isFinite), `${optimizer}: weights finite`);
          assert.deepEqual(restored, snapshot, `${optimizer}: weights are the last snapshot`);

          training.setOptions({ optimizer, learningRate: sane, batchSize: 32 });
          const after = training.step(20);
          assert.equal(after.diverged, false, `${optimizer}: training goes on at a sane rate`);
          assert.equal(after.steps, 20);
          assert.ok(Number.isFinite(after.loss) && after.loss < 2.3, `${optimizer}: loss ${after.loss}`);
          assert.ok(model.predict(images(2, 16)).every(Number.isFinite));
        } finally {
          training.delete();
        }
      }
    } finally {
      model.delete();
      data.delete();
      all.delete();
    }
  });

  test('soak sample: 500 LeNet-5 training steps, no wasm heap growth after warm-up', async () => {
    const { png, labels } = await readMnist('train');
    const train = new m.Data(png, labels);
    const model = new m.Model('lenet5', 64);
    model.init(1, 'he');
    const training = new m.Training(model, train, { optimizer: 'adam', learningRate: 0.001, batchSize: 32 });
    const probe = images(1, 17);
    try {
      // As the page's worker does: steps in chunks, a prediction and activation maps between.
      const chunk = () => {
        const r = training.step(10);
        assert.equal(r.diverged, false);
        model.predict(probe);
        model.activation(0, 0);
        return r;
      };
      for (let i = 0; i < 5; i++) chunk(); // 50 steps of warm-up
      const heap = heapBytes(m);
      let last;
      for (let i = 0; i < 45; i++) last = chunk();
      assert.equal(heapBytes(m), heap, 'wasm heap grew during training');
      assert.ok(last.loss < 1.0, `500 steps of Adam should have learned something: loss ${last.loss}`);
    } finally {
      training.delete();
      model.delete();
      train.delete();
    }
  });
});
