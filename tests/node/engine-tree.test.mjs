// The engine's layer tree at its JavaScript boundary (wasm/model_bindings.cpp):
// paths, per-axis geometry, canonical line numbers, nested activations and
// parameters, the network's own initialisation, and build errors that name
// the line of the layer inside a block.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadEngine } from './engine-helpers.mjs';

const engine = await loadEngine();

const SPEC = [
  'input 1x8x8', // 1
  'conv 4 k=3 p=same', // 2: path 0
  'concat', // 3: path 1
  '  branch', // 4
  '    conv 2 k=1', // 5: 1.b0.0
  '  branch', // 6
  '    conv 2 k=1x3 p=0x1', // 7: 1.b1.0
  '    residual scale=0.5', // 8: 1.b1.1
  '      conv 2 k=3 p=1', // 9: 1.b1.1.0
  '    end', // 10
  '  branch', // 11
  '    maxpool 3 s=1 p=1', // 12: 1.b2.0
  'end', // 13
  'dense 10', // 14: path 2
].join('\n');

test('layers() is a tree with paths, per-axis geometry and canonical lines', () => {
  const model = new engine.Model(SPEC, 2);
  const layers = model.layers();
  assert.deepEqual(layers.map((l) => l.path), ['0', '1', '2']);
  assert.deepEqual(layers[0].pad, { h: 1, w: 1 });
  const concat = layers[1];
  assert.equal(concat.kind, 'concat');
  assert.deepEqual(concat.output, { c: 8, h: 8, w: 8 });
  assert.deepEqual(concat.branches.map((b) => b.map((l) => l.path)), [['1.b0.0'], ['1.b1.0', '1.b1.1'], ['1.b2.0']]);
  const [oneByThree, residual] = concat.branches[1];
  assert.deepEqual([oneByThree.kernel, oneByThree.pad], [{ h: 1, w: 3 }, { h: 0, w: 1 }]);
  assert.equal(oneByThree.macs, 8 * 8 * 2 * 4 * 3); // OH·OW·K·C·KH·KW
  assert.equal(residual.scale, 0.5);
  assert.equal(residual.children[0].path, '1.b1.1.0');
  // The receptive field per axis: 3×3, then 1×3 adds 2 across, the inner 3×3 two more each way.
  assert.deepEqual(oneByThree.receptiveField, { h: 3, w: 5 });
  assert.deepEqual(residual.children[0].receptiveField, { h: 5, w: 7 });
  assert.deepEqual(layers[2].receptiveField, { h: 0, w: 0 });
  // Each layer's line in the canonical spec is the line that spells it.
  const lines = model.spec().split('\n');
  const all = [];
  const walk = (list) => list.forEach((l) => {
    all.push(l);
    walk(l.children ?? []);
    (l.branches ?? []).forEach(walk);
  });
  walk(layers);
  assert.equal(all.length, 8);
  for (const l of all) assert.equal(lines[l.line - 1].trim(), l.spec.split('\n')[0].trim(), l.path);
  model.delete();
});

test('activationAt and layerParamsAt reach layers inside blocks; bad paths are refused', () => {
  const model = new engine.Model(SPEC, 2);
  const x = Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7);
  model.predict(x);
  const whole = model.activationAt('1', 0);
  assert.equal(whole.length, 8 * 64);
  // Branch 1's output is channels 2..3 of the concatenation: the residual block's output.
  assert.deepEqual([...model.activationAt('1.b1.1', 0)], [...whole.slice(2 * 64, 4 * 64)]);
  assert.deepEqual([...model.activationAt('0', 0)], [...model.activation(0, 0)]);
  assert.equal(model.layerParamsAt('1.b1.1.0').length, (3 * 3 * 2 + 1) * 2);
  assert.deepEqual([...model.layerParamsAt('2')], [...model.layerParams(2)]);
  for (const [path, why] of [['3', /layer '3' is not in 0..2/], ['1.0', /BLOCK\.bBRANCH\.LAYER/],
    ['1.b3.0', /branch '3' is not in 0..2/], ['0.0', /'conv' has no inner layers/], ['1.b1.1.1', /not in 0..0/]]) {
    assert.throws(() => model.activationAt(path, 0), why, path);
  }
  assert.throws(() => model.activationAt(1, 0), /layer path/);
  assert.throws(() => model.activationAt('0', 2), /sample index/);
  model.delete();
});

test('init: the network\'s own scheme unless one is given; constant weights are the value', () => {
  const model = new engine.Model('input 1x4x4\ninit constant value=0.25\nconv 2 k=3\ndense 2', 1);
  assert.match(model.spec(), /^input 1x4x4\ninit constant value=0\.25\n/);
  model.init(7);
  assert.ok([...model.layerParams(0).slice(0, 18)].every((v) => v === 0.25));
  model.init(7, undefined);
  assert.equal(model.layerParams(1)[0], 0.25);
  model.init(7, 'he');
  assert.ok(model.layerParams(0).slice(0, 18).some((v) => v !== 0.25));
  model.init(7, 'constant', -0.5);
  assert.equal(model.layerParams(0)[3], -0.5);
  assert.throws(() => model.init(7, 'zeros'), /unknown initialisation 'zeros' \(known: he, xavier, lecun, constant\)/);
  assert.throws(() => model.init(7, 'he', 1), /needs the scheme 'constant'/);
  model.delete();
});

test('build errors inside blocks start with the line of the layer that does not fit', () => {
  const bad = SPEC.replace('    conv 2 k=1x3 p=0x1', '    conv 2 k=1x3 s=1x3');
  assert.throws(() => new engine.Model(bad, 1),
    /line 7 'conv': width: .* = \(8 − 3 \+ 0\)\/3 \+ 1 is not a whole number/);
  assert.throws(() => new engine.Model('input 1x7x7\nconv 2 k=3 s=3', 1),
    /line 2 'conv': .*\(7 − 3 \+ 0\)\/3 \+ 1 is not a whole number/);
  const uneven = SPEC.replace('    maxpool 3 s=1 p=1', '    maxpool 2');
  assert.throws(() => new engine.Model(uneven, 1),
    /line 3 'concat': branch 3 gives 4x4x4 but branch 1 gives 2x8x8 — every branch must keep the same height/);
});
