// The engine's unitStats and predictAsTraining from JavaScript (wasm/unit_bindings.cpp):
// the numbers agree with a count made here from the engine's own activations, a
// training-mode pass leaves the network as it was, and bad input is refused clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { images, loadEngine } from './engine-helpers.mjs';

const engine = await loadEngine();
const SPEC = 'input 1x28x28\nconv 4 k=5\nbatchnorm\nrelu\nmaxpool 2\nflatten\ndropout keep=0.5\ndense 10';

test('unitStats: the dead count is the units that are 0 for every image, by the engine\'s activations', () => {
  const model = new engine.Model(SPEC, 8);
  try {
    model.init(3);
    const x = images(8, 5);
    const stats = engine.unitStats(model, x);
    assert.deepEqual(stats.map((s) => s.kind), ['conv', 'batchnorm', 'relu', 'maxpool', 'flatten', 'dropout', 'dense']);
    const relu = stats[2];
    const alive = new Uint8Array(relu.units);
    model.predict(x);
    for (let i = 0; i < 8; i++) model.activation(2, i).forEach((v, u) => (alive[u] ||= v !== 0));
    assert.equal(relu.dead, alive.filter((a) => !a).length);
    assert.equal(stats[1].batchnorm.runningMean.length, 4);
    assert.equal(stats[0].histogram.reduce((a, b) => a + b, 0), 8 * stats[0].units);
    assert.throws(() => engine.unitStats(model, new Float32Array(783)), /images/);
    assert.throws(() => engine.unitStats(model, images(9, 1)), /images/);
  } finally {
    model.delete();
  }
});

test('predictAsTraining: dropout and batch statistics in, the network unchanged afterwards', () => {
  const model = new engine.Model(SPEC, 8);
  try {
    model.init(3);
    const x = images(2, 7);
    const before = model.predict(x);
    const train = engine.predictAsTraining(model, x);
    assert.notDeepEqual(train, before);
    assert.deepEqual(engine.predictAsTraining(model, x), train, 'the same dropout mask: its generator was put back');
    assert.deepEqual(model.predict(x), before, 'running statistics untouched');
    assert.throws(() => engine.predictAsTraining(model, images(9, 1)), /images/);
  } finally {
    model.delete();
  }
});
