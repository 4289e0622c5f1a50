// Every way a hash arrives is checked the same way (issue 15, items 3–5):
// at load, on hashchange and for a pasted link the store reports problems,
// falls back to defaults, rewrites the address bar to the full valid hash,
// and never lets a network the engine does not know through.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SETTINGS, createSettingsStore, formatHash, parseHash, summariseProblems } from '../../web/settings.js';

// A window with a location, history.replaceState and hashchange, enough for the store.
function fakeWindow(hash) {
  const handlers = [];
  const win = {
    location: { hash },
    replaced: [],
    history: { replaceState: (_, __, h) => { win.replaced.push(h); win.location.hash = h; } },
    addEventListener: (name, fn) => name === 'hashchange' && handlers.push(fn),
    // What the browser does when the user edits the address bar or pastes a link.
    navigate(h) {
      win.location.hash = h;
      handlers.forEach((fn) => fn());
    },
  };
  return win;
}

test('only the table\'s own settings are found: constructor, __proto__, toString are unknown', () => {
  const { settings, errors } = parseHash('#constructor=2&__proto__=1&toString=x&hasOwnProperty=1');
  assert.deepEqual(errors, [
    "unknown setting 'constructor'", "unknown setting '__proto__'", "unknown setting 'toString'",
    "unknown setting 'hasOwnProperty'",
  ]);
  assert.equal(Object.getPrototypeOf(settings), Object.prototype, 'the settings object was not re-prototyped');
  assert.ok(!Object.hasOwn(settings, 'constructor'));
});

test('a key given twice is reported; the last value counts', () => {
  const { settings, errors } = parseHash('#lr=0.01&lr=0.1');
  assert.equal(settings.lr, 0.1);
  assert.deepEqual(errors, ['Learning rate is given more than once; the last one counts']);
});

test('each bad value says why: not a whole number, empty, out of range, not a number', () => {
  const { errors } = parseHash('#seed=1.5&batch=&lr=-1&epochs=lots');
  assert.deepEqual(errors, [
    "Seed: '1.5' is not valid (not a whole number)",
    "Batch size: (a 0-character text) is not valid (empty)",
    "Learning rate: '-1' is not valid (out of range (0.000001 to 1000))",
    "Epochs: 'lots' is not valid (not a number)",
  ]);
});

test('a flood of problems is summarised: a count and three, never foreign prose or a huge key', () => {
  const many = `#${Array.from({ length: 3000 }, (_, i) => `k${i}=1`).join('&')}`;
  const summary = summariseProblems(parseHash(many).errors);
  assert.match(summary, /^3000 settings in the link were not understood/);
  assert.match(summary, /and 2,997 more\.$/);
  assert.ok(summary.length < 250, summary);
  const foreign = summariseProblems(parseHash(`#${encodeURIComponent('Get the fixed model at evil.example')}=1`
    + `&${'x'.repeat(200000)}=1`).errors);
  assert.doesNotMatch(foreign, /evil|fixed|xxxxxxxxxxxxxxxxxxxxxxxxx/);
  assert.match(foreign, /35-character text/);
  assert.match(foreign, /200,000-character text/);
  assert.ok(foreign.length < 250, foreign);
});

test('a hash edited after load is checked, reported and rewritten in full', () => {
  const win = fakeWindow('#preset=lenet5');
  const store = createSettingsStore(win);
  assert.equal(win.location.hash, formatHash(store.get()), 'a partial hash is filled in at load');
  const reported = [];
  const changed = [];
  store.onProblems((errors) => reported.push(errors));
  store.subscribe((_, keys) => changed.push(keys));
  store.restrict('net', ['lenet5', 'mlp']);
  win.navigate('#preset=foo&lr=-1&batch=1e9&zzz=1&seed=9');
  assert.equal(store.get().seed, 9, 'the good values are taken');
  assert.equal(store.get().lr, SETTINGS.lr.default);
  assert.equal(reported.at(-1).length, 4, reported.at(-1).join(' | ')); // preset, lr, batch, zzz
  assert.equal(win.location.hash, formatHash(store.get()), 'the address bar shows the valid full hash');
  assert.deepEqual(changed, [['seed']]);
});

test('a network the engine does not know never reaches the settings, before or after load', () => {
  const win = fakeWindow('#preset=foo&seed=4');
  const store = createSettingsStore(win);
  const reported = [];
  store.onProblems((errors) => reported.push(errors));
  store.restrict('net', ['lenet5', 'mlp']); // the engine's list, when it is ready
  assert.equal(store.get().net, 'lenet5');
  assert.equal(store.get().seed, 4, 'the rest of the link stays');
  assert.match(reported.at(-1)[0], /Network: 'foo' is not valid \(not one of lenet5, mlp\)/);
  assert.match(win.location.hash, /net=lenet5/);
  win.navigate('#preset=bar');
  assert.equal(store.get().net, 'lenet5');
  assert.match(reported.at(-1)[0], /'bar' is not valid/);
  assert.throws(() => store.set({ net: 'baz' }), /Network: not one of lenet5, mlp/);
  store.set({ net: 'mlp' });
  assert.equal(store.get().net, 'mlp');
  // A custom network is a spec: the engine judges it, not the list of presets.
  store.set({ net: 'input 1x28x28\ndense 10' });
  assert.equal(store.get().net, 'input 1x28x28\ndense 10');
});

test('the form\'s text is checked: an empty seed box and seed 1.5 get their own messages', () => {
  const store = createSettingsStore(fakeWindow(''));
  assert.throws(() => store.set({ seed: '' }), /^Error: Seed: a value is needed$/);
  assert.throws(() => store.set({ seed: '1.5' }), /^Error: Seed: not a whole number$/);
  assert.throws(() => store.set({ seed: 1.5 }), /not a whole number/);
  store.set({ seed: '12' });
  assert.equal(store.get().seed, 12);
});
