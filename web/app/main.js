// The playground page's entry point: starts the engine worker and wires the
// panels to it. Data flows one way: user actions become commands to the
// worker; the worker's events update the panels. No panel talks to another.
import { startEngine } from './engine-client.js';
import { createSettingsStore } from './state.js';
import { createDrawingPad } from './draw.js';
import { strokesToMnist } from './preprocess.js';
import { createPredictionPanel } from './predictions.js';
import { createTrainingPanel } from './training.js';
import { createCharts } from './charts.js';
import { createResultsPanel } from './results.js';
import { createModelPanel } from './model-io.js';
import { mountInspect } from './panels/inspect.js';

const $ = (selector) => document.querySelector(selector);

// ---- status banner: boot progress, warnings, fatal errors -----------------

const banner = $('[data-testid="status"]');
function showStatus(text, tone = 'info') {
  banner.textContent = text ?? '';
  banner.dataset.tone = tone;
  banner.hidden = !text;
}

// ---- panels ---------------------------------------------------------------

const store = createSettingsStore(window);
const engine = startEngine({ build: new URLSearchParams(location.search).get('engine') ?? 'auto' });

const prediction = createPredictionPanel({
  root: $('[data-testid="prediction"]'),
  inputCanvas: $('[data-testid="network-input"]'),
});

// Each drawn digit gets a number; a late answer about an older digit (or
// about a digit since cleared) is ignored.
let digitSeq = 0;
let digitStrokes = 0; // how many strokes the current digit has
function classify(strokes) {
  const image = strokes.length ? strokesToMnist(strokes) : null;
  prediction.showInput(image);
  digitSeq++;
  digitStrokes = strokes.length;
  if (!image) prediction.showProbs(null);
  engine.send('predict', { image, seq: digitSeq }, image ? [image.buffer] : []);
  $('.pad-hint').hidden = strokes.length > 0;
}

const pad = createDrawingPad($('[data-testid="draw"]'), {
  onStrokeEnd: classify,
  onChange: (strokes) => ($('.pad-hint').hidden = strokes.length > 0),
});
function clearDigit() {
  pad.clear();
  classify([]);
}
$('[data-testid="clear"]').addEventListener('click', clearDigit);
// Escape clears the pad too (not while typing in a field or choosing an option).
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !event.target.closest?.('input, select, textarea') && pad.strokes.length) clearDigit();
});

const training = createTrainingPanel({ root: $('#train'), store, engine });
const charts = createCharts({
  lossEl: $('[data-testid="chart-loss"]'),
  accuracyEl: $('[data-testid="chart-accuracy"]'),
  onMissing: (text) => training.setMessage(text, 'warn'),
});
const results = createResultsPanel($('#results'));
results.clear('Testing the model on the 10,000 MNIST test digits…');
const modelPanel = createModelPanel({ root: $('#share'), engine });
// Activation maps, filters, augmentation, fine-tuning, and the data set picker.
mountInspect($('#inspect'), { engine, onDatasetChange: (name) => engine.send('dataset', { name }) });

if (store.errors.length) showStatus(`Some settings in the link were not understood and use defaults: ${store.errors.join('; ')}.`, 'warn');

// ---- worker events --------------------------------------------------------

let modelSource = null;
let ready = false;

engine.on('boot', ({ message }) => {
  if (!ready) showStatus(message);
  else training.setMessage(message);
});

engine.on('ready', (info) => {
  ready = true;
  const engineInfo = $('[data-testid="engine-info"]');
  engineInfo.dataset.version = info.version;
  engineInfo.dataset.simd = info.simd ? '1' : '0';
  engineInfo.querySelector('[data-role="version"]').textContent = `engine ${info.version}`;
  engineInfo.querySelector('[data-role="simd"]').textContent = info.simd ? 'WebAssembly SIMD' : 'WebAssembly (no SIMD)';
  engineInfo.classList.toggle('is-simd', info.simd);
  engineInfo.title = `running ${info.build}.wasm in a Web Worker`;
  const linkProblems = store.errors.length ? `Some settings in the link were not understood and use defaults: ${store.errors.join('; ')}.` : '';
  const warnings = [info.warning, linkProblems].filter(Boolean).join(' ');
  showStatus(warnings, 'warn');
  training.setReady(info);
  modelPanel.setReady();
  modelPanel.setPretrainedAvailable(!info.warning);
  document.body.dataset.ready = '1';
  if (pad.strokes.length) classify(pad.strokes); // drawn while the engine loaded
});

engine.on('fatal', ({ message }) => {
  showStatus(`The engine could not start: ${message}`, 'error');
  document.body.dataset.ready = 'error';
});

engine.on('error', ({ message, context }) => {
  const text = `Something went wrong${context ? ` (${context})` : ''}: ${message}`;
  if (ready) training.setMessage(text, 'error');
  else if (document.body.dataset.ready !== 'error') showStatus(text, 'error'); // keep the fatal reason
});

engine.on('model', (info) => {
  modelSource = info.source;
  // Results describe the model they were measured on; a new one starts blank.
  if (info.changed) {
    charts.clear();
    results.clear(info.source === 'fresh'
      ? 'Train the network: at the end of each epoch its results on all 10,000 test digits appear here.'
      : 'Testing the model on the 10,000 MNIST test digits…');
  }
  training.setModel(info);
  modelPanel.setModel(info);
  $('[data-role="model-line"]').textContent = `Model: ${info.name} (${info.preset ?? 'custom network'}, ${info.params.toLocaleString('en')} weights)`;
});

engine.on('prediction', ({ probs, seq }) => {
  if (seq !== undefined && seq !== digitSeq) return;
  prediction.showProbs(probs && digitStrokes ? probs : null, digitStrokes);
});

engine.on('running', (state) => training.setRunning(state));
engine.on('stats', (stats) => {
  training.showStats(stats);
  charts.addStats(stats);
});
engine.on('test', (test) => {
  training.showTest(test);
  if (modelSource === 'fresh') charts.addTest(test);
});
engine.on('results', (r) => results.show(r));
engine.on('data', (d) => {
  if (d.stage === 'train-ready') training.setTrainData(true);
  if (d.stage === 'train-error') {
    training.setTrainData(false);
    training.setMessage(d.message, 'error');
  }
  if (d.stage === 'test-error') {
    results.clear(d.message);
    training.setMessage(d.message, 'error');
  }
});

// Never hang silently: if the engine has said nothing useful for a while, say so.
setTimeout(() => {
  if (!ready && document.body.dataset.ready !== 'error') {
    showStatus('Still loading the engine… If this does not finish, check the browser console (is the page served over http with the engine built?).', 'warn');
  }
}, 15000);
