// The native command-line program as a user runs it: help, a short training
// run whose model file `eval` reads back, layer info, and clear refusals.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CNN = join(REPO, 'build', 'native', 'cnn');
const dir = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cnn = (...args) => {
  const r = spawnSync(CNN, args, { cwd: REPO, encoding: 'utf8', timeout: 120000 });
  if (r.error) throw r.error;
  return r;
};
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

test('help lists the commands, and each command its options', () => {
  const help = cnn('help');
  assert.equal(help.status, 0);
  for (const name of ['train', 'eval', 'info', 'bench']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  const train = cnn('train', '--help');
  assert.equal(train.status, 0);
  for (const option of ['--optimizer', '--augment', '--seed', '--json']) {
    assert.ok(train.stdout.includes(option), option);
  }
});

test('a short training run writes a model that eval reads back with the same accuracy', () => {
  const model = join(dir, 'short.cnn');
  const r = cnn('train', '--epochs', '1', '--limit', '512', '--batch', '32', '--optimizer', 'adam', '--lr', '0.002',
                '--augment', 'light', '--seed', '3', '--json', '--quiet', '--out', model);
  assert.equal(r.status, 0, r.stderr);
  const trained = lastJson(r.stdout);
  assert.equal(trained.model, model);
  assert.equal(trained.epochs, 1);
  const accuracy = trained.test_accuracy;
  assert.ok(accuracy > 0.5 && accuracy <= 1, `512 images teach something: ${accuracy}`);
  assert.ok(trained.images_per_second > 0);
  assert.ok(statSync(model).size > 61706 * 4, 'the weights are in the file');
  const evaluated = cnn('eval', '--model', model, '--json');
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal(lastJson(evaluated.stdout).test_accuracy, trained.test_accuracy);
});

test('info shows LeNet-5 layer by layer with its 61,706 parameters', () => {
  const r = cnn('info');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /conv 6 k=5 .*1x28x28 +6x28x28 +156 /);
  assert.match(r.stdout, /total parameters: 61706/);
});

test('info prints blocks as a tree with paths, multiply-adds and per-axis receptive fields; --presets', () => {
  const r = cnn('info', '--net', 'inception-mini');
  assert.equal(r.status, 0, r.stderr);
  // Branch 1 of the Inception block at 3: 1×1, ReLU, 1×3 (3.b1.2: its receptive field grows across only).
  assert.match(r.stdout, /^3\.b1\.2 +conv 8 k=1x3 s=1 p=0x1 +8x14x14 +8x14x14 +200 +37632 +6x10$/m);
  assert.match(r.stdout, /^3 +concat +16x14x14 +32x14x14 /m);
  const presets = cnn('info', '--presets');
  for (const name of ['lenet5-classic', 'vgg-mini', 'allconv', 'alexnet-mini', 'inception-mini', 'deep-residual']) {
    assert.match(presets.stdout, new RegExp(`^${name} +\\d+ params `, 'm'));
  }
});

test('bad options, specs and files are refused with a message and exit status 2', () => {
  for (const [args, message] of [
    [['train', '--epochs', 'many'], /--epochs expects a number/],
    [['train', '--colour', 'red'], /unknown option --colour/],
    [['train', '--augment', 'rotation=500', '--limit', '32'], /rotation/],
    [['info', '--net', 'input 1x28x28; conv 6 k=7 s=2'], /conv/],
    [['eval', '--model', join(dir, 'missing.cnn')], /cannot open/],
  ]) {
    const r = cnn(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('export --onnx and import --onnx: the shipped model round-trips, and eval reads the .onnx file', () => {
  const onnx = join(dir, 'lenet5.onnx'), back = join(dir, 'back.cnn');
  const exported = cnn('export', '--onnx', onnx, '--model', 'web/models/lenet5.cnn');
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /input \[N, 1x28x28\], output \[N, 10\] softmax probabilities/);
  const imported = cnn('import', '--onnx', onnx, '--out', back);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /written by cnn-playground .*61706 parameters:\ninput 1x28x28\nconv 6 k=5 s=1 p=2\n/);
  const a = lastJson(cnn('eval', '--model', onnx, '--json').stdout);
  const b = lastJson(cnn('eval', '--model', 'web/models/lenet5.cnn', '--json').stdout);
  assert.equal(a.test_accuracy, b.test_accuracy);
  assert.match(cnn('export', '--help').stdout, /--onnx OUT/);
  const refused = cnn('import', '--onnx', 'web/models/lenet5.cnn', '--out', back);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /cnn import: .*(ONNX|protobuf|truncated)/);
});

test('transfer learning: a new head on the MNIST model for 20 Fashion-MNIST images per class; misuse refused', () => {
  const common = ['--data', 'web/data/fashion', '--per-class', '20', '--epochs', '3', '--json', '--quiet'];
  const frozen = cnn('train', '--from', 'web/models/lenet5.cnn', '--new-head', '--freeze', 'conv', ...common,
    '--out', join(dir, 'frozen.cnn'));
  assert.equal(frozen.status, 0, frozen.stderr);
  // 200 images, 3 epochs: far above chance (10 %) on 10,000 test images with only the dense layers learning.
  assert.ok(lastJson(frozen.stdout).test_accuracy > 0.4, frozen.stdout);
  const conv = cnn('eval', '--model', join(dir, 'frozen.cnn'), '--data', 'web/data/fashion', '--json');
  assert.equal(lastJson(conv.stdout).test_accuracy, lastJson(frozen.stdout).test_accuracy);
  const both = cnn('train', '--from', 'web/models/lenet5.cnn', '--net', 'mlp', ...common);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /give --net or --from, not both/);
  const alone = cnn('train', '--lr-scale', '0.1', ...common);
  assert.match(alone.stderr, /need --from MODEL/);
  const freeze = cnn('train', '--from', 'web/models/lenet5.cnn', '--freeze', 'dense', ...common);
  assert.match(freeze.stderr, /--freeze must be conv or none/);
});

test('train --task localize and --task segment: a short run reports its scores on held-out test scenes', () => {
  const localize = cnn('train', '--task', 'localize', '--train-scenes', '96', '--test-scenes', '32', '--epochs', '1',
                       '--json', '--quiet', '--out', join(dir, 'localize.cnn'));
  assert.equal(localize.status, 0, localize.stderr);
  const l = lastJson(localize.stdout);
  assert.equal(l.task, 'localize');
  assert.ok(l.test_accuracy >= 0 && l.test_accuracy <= 1 && l.mean_iou >= 0 && l.mean_iou <= 1, JSON.stringify(l));
  assert.equal(l.test_scenes, 32);
  const segment = cnn('train', '--task', 'segment', '--upsample', 'unpool', '--train-scenes', '32', '--test-scenes',
                      '8', '--epochs', '1', '--json', '--quiet', '--out', join(dir, 'segment.cnn'));
  assert.equal(segment.status, 0, segment.stderr);
  const s = lastJson(segment.stdout);
  assert.equal(s.upsample, 'unpool');
  assert.equal(s.class_iou.length, 11);
  assert.ok(s.background_only_accuracy > 0.5 && s.mean_iou >= 0 && s.mean_iou <= 1, JSON.stringify(s));
  const bad = cnn('train', '--task', 'detect');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown task 'detect' \(known: classify, localize, segment\)/);
  assert.match(cnn('train', '--task', 'segment', '--upsample', 'bilinear').stderr, /unknown up-sampling 'bilinear'/);
});
