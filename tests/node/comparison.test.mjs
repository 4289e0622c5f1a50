// The two-run comparison's recipes (web/comparison.js): each setting changes
// exactly one thing of the shared base, and a setting or value the table does
// not list is refused with a message saying what is allowed. Also the spec
// rewrites the training panel's loss setting uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPARE_SETTINGS, compareRecipe, specWithActivation } from '../../web/comparison.js';
import { parseHash, formatHash, specWithInput, specWithLoss } from '../../web/settings.js';

const base = {
  spec: 'input 1x28x28\nconv 6 k=5\nleaky_relu a=0.1\nmaxpool 2\nflatten\ndense 84\nrelu\ndense 10',
  options: { optimizer: 'sgd', learningRate: 0.01, momentum: 0.9, batchSize: 32, weightDecay: 0 },
};

test('each setting changes its one thing and leaves the rest of the base as it is', () => {
  const same = (r) => r.spec === base.spec && JSON.stringify(r.options) === JSON.stringify(base.options);
  assert.ok(same(compareRecipe('augment', false, base)));
  assert.equal(compareRecipe('augment', true, base).augment, true);
  assert.match(compareRecipe('keep', 0.5, base).spec, /\ndropout keep=0.5\ndense 84\n.*\ndropout keep=0.5\ndense 10/s);
  assert.equal(compareRecipe('decay', 0.001, base).options.weightDecay, 0.001);
  assert.equal(compareRecipe('trainSize', 100, base).trainSize, 100);
  assert.deepEqual(compareRecipe('init', 'constant', base).init, { scheme: 'constant', value: 0.01 });
  assert.deepEqual(compareRecipe('init', 'xavier', base).init, { scheme: 'xavier' });
  assert.deepEqual(compareRecipe('optimizer', 'adam', base).options,
    { ...base.options, optimizer: 'adam', learningRate: 0.001 });
  assert.equal(compareRecipe('loss', 'mse', base).spec, `${base.spec}\nloss mse`);
  assert.equal(compareRecipe('input', 'standardize', { ...base, dataset: 'fashion' }).spec,
    base.spec.replace('\nconv', '\nstandardize mean=0.286 std=0.353\nconv'));
  assert.equal(compareRecipe('input', 'net', base).spec, base.spec);
  assert.equal(compareRecipe('activation', 'tanh', base).spec, base.spec.replace('leaky_relu a=0.1', 'tanh')
    .replace('\nrelu', '\ntanh'));
  // Every listed value makes a recipe.
  for (const [setting, { values }] of Object.entries(COMPARE_SETTINGS))
    for (const [v] of values) assert.ok(compareRecipe(setting, v, base));
});

test('an unlisted setting or value is refused, naming what is allowed', () => {
  assert.throws(() => compareRecipe('colour', 1, base), /unknown setting 'colour' \(one of augment, keep/);
  assert.throws(() => compareRecipe('keep', 0.3, base), /dropout cannot be 0.3 \(one of 1, 0.5, 0.75, 0.9\)/);
  assert.throws(() => compareRecipe('constructor', 1, base), /unknown setting/);
});

test('the loss setting rewrites the spec\'s loss line, or leaves it', () => {
  assert.equal(specWithLoss('input 1x2x2\ndense 2\nloss mse', 'net'), 'input 1x2x2\ndense 2\nloss mse');
  assert.equal(specWithLoss('input 1x2x2\ndense 2\nloss mse', 'cross_entropy'),
    'input 1x2x2\ndense 2\nloss cross_entropy');
  assert.equal(specWithActivation('a\n  relu\nrelux', 'elu'), 'a\n  elu\nrelux');
  // After input and init; a network that standardises already is left alone.
  assert.equal(specWithInput('input 1x28x28\ninit xavier\ndense 10', 'standardize'),
    'input 1x28x28\ninit xavier\nstandardize mean=0.1307 std=0.3081\ndense 10');
  assert.equal(specWithInput('input 1x28x28\nstandardize mean=0 std=2\ndense 10', 'standardize'),
    'input 1x28x28\nstandardize mean=0 std=2\ndense 10');
  // Both new settings live in the link.
  const { settings, errors } = parseHash('#loss=mse&trainSize=100');
  assert.deepEqual(errors, []);
  assert.equal(settings.loss, 'mse');
  assert.equal(settings.trainSize, 100);
  assert.match(formatHash(settings), /&loss=mse&input=net&trainSize=100&/);
  assert.match(parseHash('#trainSize=5').errors[0], /Training digits/);
});
