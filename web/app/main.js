// The playground page: starts the engine worker behind the one client
// (client.js, speaking ../protocol.js), makes the settings store (the URL
// hash) and mounts every panel, in page order, each into its own section.
//
// app, what every panel's mount(section, app) gets:
//   client    commands to the worker and its events (client.js)
//   settings  the run's settings, kept in the URL hash (../settings.js)
//   events    page-side news between panels; no panel calls another:
//               'digit' { seq, image: Float32Array | null, strokes }  the drawing changed (draw panel)
//               'inspect-digit' { image | null }  the digit the inside panel inspects (null: the drawing)
//               'augment-options' { options, standard }  the augmentation panel's sliders (for the comparison)
import { createSettingsStore } from '../settings.js';
import { createEmitter } from '../util.js';
import { createClient } from './client.js';
import { mountPanel } from './dom.js';
import { drawPanel } from './panels/draw.js';
import { predictPanel } from './panels/predict.js';
import { trainPanel } from './panels/train.js';
import { resultsPanel } from './panels/results.js';
import { sharePanel } from './panels/share.js';
import { insidePanel } from './panels/inside.js';
import { explainedPanel } from './panels/explained.js';
import { augmentationPanel } from './panels/augmentation.js';
import { effectPanel } from './panels/effect.js';
import { finetunePanel } from './panels/finetune.js';
import { convSandboxPanel } from './panels/conv-sandbox.js';
import { reliancePanel } from './panels/reliance.js';
import { equivariancePanel } from './panels/equivariance.js';
import { embeddingPanel } from './panels/embedding.js';
import { transferPanel } from './panels/transfer.js';

const PANELS = [
  drawPanel,
  predictPanel,
  trainPanel,
  resultsPanel,
  sharePanel,
  insidePanel,
  explainedPanel,
  convSandboxPanel,
  equivariancePanel,
  augmentationPanel,
  effectPanel,
  finetunePanel,
  transferPanel,
  reliancePanel,
  embeddingPanel,
];

const $ = (selector) => document.querySelector(selector);
const banner = $('[data-testid="status"]');
function showStatus(text, tone = 'info') {
  banner.textContent = text ?? '';
  banner.dataset.tone = tone;
  banner.hidden = !text;
}

const engineBuild = new URLSearchParams(location.search).get('engine');
const workerUrl = new URL('../worker/main.js', import.meta.url);
if (engineBuild) workerUrl.searchParams.set('engine', engineBuild);

const settings = createSettingsStore(window);
const client = createClient(() => new Worker(workerUrl, { type: 'module' }));
const app = { client, settings, events: createEmitter() };
const linkProblems = () =>
  settings.errors.length
    ? `Some settings in the link were not understood and use defaults: ${settings.errors.join('; ')}.`
    : '';

let ready = false;
client.on('boot', ({ message }) => {
  if (!ready) showStatus(message);
});
client.on('ready', (info) => {
  ready = true;
  const engineInfo = $('[data-testid="engine-info"]');
  engineInfo.dataset.version = info.version;
  engineInfo.dataset.simd = info.simd ? '1' : '0';
  engineInfo.querySelector('[data-role="version"]').textContent = `engine ${info.version}`;
  engineInfo.querySelector('[data-role="simd"]').textContent = info.simd ? 'WebAssembly SIMD' : 'WebAssembly (no SIMD)';
  engineInfo.classList.toggle('is-simd', info.simd);
  engineInfo.title = `running ${info.build}.wasm in a Web Worker`;
  showStatus([info.warning, linkProblems()].filter(Boolean).join(' '), 'warn');
  document.body.dataset.ready = '1';
});
client.on('fatal', ({ message }) => {
  showStatus(`The engine could not start: ${message}`, 'error');
  document.body.dataset.ready = 'error';
});
client.on('error', ({ message, context }) => {
  if (ready) return; // the training panel shows it
  // Keep the fatal reason if there is one.
  if (document.body.dataset.ready !== 'error')
    showStatus(`Something went wrong${context ? ` (${context})` : ''}: ${message}`, 'error');
});
// A worker that died is replaced; the settings go to the new one when it is ready.
client.on('worker-lost', ({ message }) => {
  if (!ready) {
    showStatus(`The engine could not start: ${message}`, 'error');
    document.body.dataset.ready = 'error';
    return;
  }
  ready = false;
  showStatus(`The engine stopped (${message}); starting it again…`, 'warn');
  client.restart();
  configure();
});

// The worker gets the whole settings table at once (it loads the data set
// they name) and after every change.
function configure() {
  client.post('configure', { settings: settings.get() });
}
configure();
settings.subscribe(configure);

const layout = $('main.layout');
PANELS.forEach((panel, i) => mountPanel(layout, panel, i + 1, app));

if (settings.errors.length) showStatus(linkProblems(), 'warn');

// Never hang silently: if the engine has said nothing useful for a while, say so.
setTimeout(() => {
  if (!ready && document.body.dataset.ready !== 'error') {
    showStatus(
      'Still loading the engine… If this does not finish, check the browser console ' +
        '(is the page served over http with the engine built?).',
      'warn',
    );
  }
}, 15000);
