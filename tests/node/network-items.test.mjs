// The network editor's two directions against the engine: items written out
// as spec text (formatSpec) build in the engine, and the engine's layer tree
// read back as items (networkFromDescription) writes the same text again, for
// every kind the editor can add and for every preset; each item's line is
// the line the engine reports for its layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { flattenLayers, networkTotals } from '../../web/network.js';
import {
  flattenItems, formatSpec, ITEM_KINDS, move, networkFromDescription, newItem,
} from '../../web/app/network-items.js';

const root = new URL('../../', import.meta.url);
const { default: createEngine } = await import(new URL('web/engine/cnn-simd.mjs', root));
const engine = await createEngine({ wasmBinary: await readFile(new URL('web/engine/cnn-simd.wasm', root)) });

function describe(spec) {
  const model = new engine.Model(spec, 1);
  try {
    const params = model.params().length;
    return { spec: model.spec(), layers: model.layers(), inputShape: model.inputShape(), params };
  } finally {
    model.delete();
  }
}

test('every kind the editor adds builds in the engine and reads back to the same text', () => {
  const items = ITEM_KINDS.filter((k) => !['dense', 'flatten', 'unpool'].includes(k)).map(newItem);
  items.push(newItem('flatten'), { ...newItem('dense'), units: 10 });
  // Max unpooling right after the pool it undoes (named as the new unpool item expects).
  const pool = items.findIndex((i) => i.kind === 'pool');
  items[pool].name = newItem('unpool').pool;
  items.splice(pool + 1, 0, newItem('unpool'));
  const activation = items.find((i) => i.kind === 'activation');
  Object.assign(activation, { fn: 'leaky_relu', param: 0.2 });
  Object.assign(items.find((i) => i.kind === 'residual'), { scale: 0.5 });
  Object.assign(items.find((i) => i.kind === 'conv'), { k: [1, 3], p: [0, 1] });
  const network = { input: 'input 1x28x28', init: { method: 'xavier', value: 0 }, loss: null, items };
  const { text, lineOf } = formatSpec(network);
  const d = describe(text);
  const back = formatSpec(networkFromDescription(d));
  assert.equal(back.text, text);
  // The engine's tree has the items' shape, in the same order, and their lines (the text has no 'init he').
  const flat = flattenLayers(d.layers);
  const all = flattenItems(items);
  assert.equal(flat.length, all.length);
  flat.forEach(({ layer }, i) => assert.equal(layer.line, lineOf.get(all[i]), `${layer.spec}`));
  assert.deepEqual(flat.map(({ layer }) => layer.kind),
    all.map((item) => (item.kind === 'pool' ? item.type : item.kind === 'activation' ? item.fn : item.kind)));
  assert.equal(networkTotals(d.layers).params, d.params);
});

test('every preset reads back from the engine\'s tree into items that write the same network', () => {
  for (const preset of engine.presets()) {
    const d = describe(preset.spec);
    const again = describe(formatSpec(networkFromDescription(d)).text);
    assert.equal(again.spec, d.spec, preset.name);
  }
});

test('moving layers keeps the rest in order; a move past an end does nothing', () => {
  const items = ['conv', 'activation', 'pool'].map(newItem);
  const [conv, act, pool] = items;
  assert.equal(move(items, 0, -1), false);
  assert.equal(move(items, 2, 1), false);
  assert.equal(move(items, 2, -1), true);
  assert.deepEqual(items, [conv, pool, act]);
});
