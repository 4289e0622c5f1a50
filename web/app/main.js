// The playground page: starts the engine worker behind the one client
// (client.js, speaking ../protocol.js), makes the settings store (the URL
// hash) and mounts every panel, in page order, each into its own section.
//
// app, what every panel's mount(section, app) gets:
//   client    commands to the worker and its events (client.js)
//   settings  the run's settings, kept in the URL hash (../settings.js)
//   events    page-side news between panels; no panel calls another:
//               'digit' { seq, image: Float32Array | null, strokes, tooSmall }  the drawing changed
//                 (draw panel); tooSmall: ink, but too little to read (image null)
//               'inspect-digit' { image | null }  the digit the inside panel inspects (null: the drawing)
//               'augment-options' { options, standard }  the augmentation panel's sliders (for the comparison)
//               'units' { imagesSeen, count, relus: [{ path, dead, units }] }  dead ReLUs measured (units panel)
import { createEmitter } from '../util.js';
import { createSettingsStore, summariseProblems } from '../settings.js';
import { createClient } from './client.js';
import { mountDataProgress } from './data-progress.js';
import { mountSiteStatus } from './site.js';
import { mountPanel } from './dom.js';
import { createModelKeeper } from './model-keeper.js';
import { drawPanel } from './panels/draw.js';
import { predictPanel } from './panels/predict.js';
import { trainPanel } from './panels/train.js';
import { networkEditorPanel } from './panels/network-editor.js';
import { resultsPanel } from './panels/results.js';
import { sharePanel } from './panels/share.js';
import { insidePanel } from './panels/inside.js';
import { unitsPanel } from './panels/units.js';
import { explainedPanel } from './panels/explained.js';
import { augmentationPanel } from './panels/augmentation.js';
import { effectPanel } from './panels/effect.js';
import { regularisePanel } from './panels/regularise.js';
import { finetunePanel } from './panels/finetune.js';
import { convSandboxPanel } from './panels/conv-sandbox.js';
import { reliancePanel } from './panels/reliance.js';
import { equivariancePanel } from './panels/equivariance.js';
import { embeddingPanel } from './panels/embedding.js';
import { transferPanel } from './panels/transfer.js';
import { detectPanel } from './panels/detect.js';
import { gradientFlowPanel } from './panels/gradient-flow.js';
import { updateStepPanel } from './panels/update-step.js';
import { poolGradientPanel } from './panels/pool-gradient.js';
import { saliencyPanel } from './panels/saliency.js';
import { visionPanel } from './panels/vision.js';

const PANELS = [
  drawPanel,
  predictPanel,
  trainPanel,
  networkEditorPanel,
  resultsPanel,
  sharePanel,
  insidePanel,
  unitsPanel,
  explainedPanel,
  gradientFlowPanel,
  updateStepPanel,
  convSandboxPanel,
  equivariancePanel,
  augmentationPanel,
  effectPanel,
  regularisePanel,
  finetunePanel,
  transferPanel,
  reliancePanel,
  saliencyPanel,
  poolGradientPanel,
  embeddingPanel,
  detectPanel,
  visionPanel,
];

const $ = (selector) => document.querySelector(selector);
const banner = $('[data-testid="status"]');
const bannerText = banner.querySelector('[data-role="status-text"]');
const dismiss = banner.querySelector('[data-testid="status-dismiss"]');
// Warnings can be dismissed; the loading message and fatal errors stay.
function showStatus(text, tone = 'info') {
  bannerText.textContent = text ?? '';
  banner.dataset.tone = tone;
  banner.hidden = !text;
  dismiss.hidden = tone !== 'warn';
}
dismiss.addEventListener('click', () => (banner.hidden = true));

// ?engine= forces a build; ?test-commands=1 lets tests use the worker's
// test-only commands (protocol.js: crash).
const workerUrl = new URL('../worker/main.js', import.meta.url);
for (const name of ['engine', 'test-commands']) {
  const value = new URLSearchParams(location.search).get(name);
  if (value) workerUrl.searchParams.set(name, value);
}

const settings = createSettingsStore(window);
const client = createClient(() => new Worker(workerUrl, { type: 'module' }));
const app = { client, settings, events: createEmitter() };
const keeper = createModelKeeper(client);
// Tests that start the page with ?test-commands=1 can make the worker fail (protocol.js: crash).
// request: any command, so a test can check a panel against the engine (the model's bytes, say).
if (workerUrl.searchParams.get('test-commands') === '1')
  window.cnnTest = { crash: () => client.request('crash'), request: (name, payload) => client.request(name, payload) };
const linkProblems = () => summariseProblems(settings.errors);
// A hash that arrives later (edited, pasted) is checked by the same path as at load.
settings.onProblems((errors) => errors.length && showStatus(linkProblems(), 'warn'));

let ready = false;
client.on('boot', ({ message }) => {
  if (!ready) showStatus(message);
});
let lost = null; // { message } while a replacement worker starts
client.on('ready', (info) => {
  ready = true;
  settings.restrict('net', info.presets.map((p) => p.name));
  const engineInfo = $('[data-testid="engine-info"]');
  engineInfo.dataset.version = info.version;
  engineInfo.dataset.simd = info.simd ? '1' : '0';
  engineInfo.querySelector('[data-role="version"]').textContent = `engine ${info.version}`;
  engineInfo.querySelector('[data-role="simd"]').textContent = info.simd ? 'WebAssembly SIMD' : 'WebAssembly (no SIMD)';
  engineInfo.classList.toggle('is-simd', info.simd);
  engineInfo.title = `running ${info.build}.wasm in a Web Worker`;
  if (lost) restoreAfterLoss(lost);
  else showStatus([info.warning, linkProblems()].filter(Boolean).join(' '), 'warn');
  lost = null;
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
// A worker that died is replaced: the settings go to the new one, and the
// model the page kept (model-keeper.js) is loaded into it. A worker that
// keeps dying is not restarted for ever.
const restarts = [];
client.on('worker-lost', ({ message }) => {
  keeper.forgetRequests();
  const recent = restarts.filter((t) => performance.now() - t < 60_000);
  if (!ready || recent.length >= 3) {
    showStatus(ready ? `The engine stopped again (${message}), the fourth time in a minute; reload the page.`
      : `The engine could not start: ${message}`, 'error');
    document.body.dataset.ready = 'error';
    return;
  }
  restarts.splice(0, restarts.length, ...recent, performance.now());
  ready = false;
  lost = { message };
  document.body.dataset.ready = '0';
  showStatus(`The engine stopped (${message}); starting it again…`, 'warn');
  client.restart();
  configure();
});

async function restoreAfterLoss({ message }) {
  const kept = keeper.latest(settings.get().dataset);
  const said = `The engine stopped (${message}) and was started again with your settings`;
  if (!kept) {
    showStatus(`${said}; there was no model to restore, so it starts from the pretrained one.`, 'warn');
    return;
  }
  try {
    await client.request('load', { bytes: kept.bytes.slice(), fileName: kept.info.name, restore: kept.info });
    showStatus(`${said} and the model as it was (${kept.info.name}). The run's progress and the optimiser's ` +
      'state were lost: Train goes on from these weights in a new run.', 'warn');
  } catch (error) {
    showStatus(`${said}, but the model could not be restored (${error.message}).`, 'error');
  }
}

// The worker gets the whole settings table at once (it loads the data set
// they name) and after every change.
function configure() {
  client.post('configure', { settings: settings.get() });
}
configure();
settings.subscribe(configure);

const layout = $('main.layout');
PANELS.forEach((panel, i) => mountPanel(layout, panel, i + 1, app));
mountDataProgress(document.body, client);
mountSiteStatus($('footer.footer'), client);

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
