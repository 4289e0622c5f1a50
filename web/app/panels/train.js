// "Train it yourself": the run's settings (bound to the settings store,
// hence to the URL hash), Train / Pause / Step / Reset, the live numbers
// (test accuracy, loss, images per second, epoch progress) and the loss and
// accuracy charts. The buttons follow the worker's run state ('state'
// events); the numbers come from 'stats' and 'test' events.
import { ARCHITECTURE_KEYS, isPresetName, SETTINGS } from '../../settings.js';
import { formatCount } from '../../util.js';
import { createCurves } from './train-curves.js';
import { el, html, roles } from '../dom.js';

// Nice values for each select; a value from a link that is not in the list
// is added to it rather than lost.
const CHOICES = {
  keep: [[1, 'as the network has it'], [0.9, 'keep 90%'], [0.75, 'keep 75%'], [0.5, 'keep 50%']],
  optimizer: [['sgd', 'SGD + momentum'], ['rmsprop', 'RMSprop'], ['adam', 'Adam']],
  lr: [0.00001, 0.00003, 0.0001, 0.0003, 0.0007, 0.001, 0.002, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 100, 1000],
  schedule: [['constant', 'constant'], ['step', 'halved each epoch'], ['cosine', 'cosine']],
  batch: [1, 4, 8, 16, 32, 64, 128, 256],
  momentum: [0, 0.5, 0.8, 0.9, 0.95, 0.99],
  decay: [[0, 'none'], 0.00001, 0.0001, 0.0005, 0.001, 0.01],
  epochs: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 50, 100],
  loss: [['net', 'as the network has it'], ['cross_entropy', 'softmax cross-entropy'], ['mse', 'mean squared error']],
  input: [['net', 'as the network has it'], ['standardize', 'standardised (zero mean, unit variance)']],
  trainSize: [[100, '100'], [500, '500'], [1000, '1,000'], [10000, '10,000'], [60000, 'all 60,000']],
};

function fillSelect(select, choices, value) {
  const list = choices.map((c) => (Array.isArray(c) ? c : [c, String(c)]));
  if (!list.some(([v]) => v === value)) list.push([value, String(value)]);
  if (typeof value === 'number') list.sort((a, b) => a[0] - b[0]);
  select.replaceChildren(...list.map(([v, label]) => new Option(label, String(v), false, v === value)));
}

// The form, in order; a tooltip where the word alone does not say enough.
const FIELDS = [
  'net', 'keep', 'loss', 'input', 'trainSize', 'optimizer', 'lr', 'schedule', 'batch', 'momentum', 'decay', 'epochs',
  'seed',
];
const FIELD_HELP = {
  keep: 'Dropout keeps each unit with probability p while training (dropout keep=p in the spec) and scales it ' +
    'by 1/p; at test time every unit is kept.',
  loss: 'Softmax cross-entropy −log pₜ, or the mean squared error ½Σ(t − o)² between the one-hot target t and the ' +
    "raw outputs o (the spec's loss line; as the network has it: its own line, cross-entropy without one).",
  input: 'Pixels in [0, 1] as they are, or standardised to zero mean and unit variance by a first layer ' +
    "'standardize mean=… std=…' (the data set's own statistics): part of the network, so its model file and ONNX " +
    'export standardise too.',
  trainSize: 'How many of the training images the run learns from (the first ones). With few, the network learns ' +
    'them by heart: its accuracy on them (measured, the dashed line) reaches 100 % while the test accuracy stays ' +
    'behind.',
  schedule: 'How the learning rate changes over the run: kept constant, halved after every epoch, or lowered ' +
    'along a cosine to 1% of its starting value at the end of the run.',
};

function settingsField(key) {
  const control = key === 'seed'
    ? el('input', { type: 'number', min: 0, max: SETTINGS.seed.max, step: 1, inputMode: 'numeric' })
    : el('select');
  control.dataset.setting = key;
  return el('label', { title: FIELD_HELP[key] ?? '' }, `${SETTINGS[key].label} `, control);
}

const netTitle = (net) => (isPresetName(net) ? net : 'custom network');

// After this many images a network still at chance is not learning.
const STUCK_AFTER = 6000;

const markup = () => html`
  <p class="lead">Training shows the network batches of the 60,000 training images and nudges every weight to make
    its answers a little less wrong. Watch the loss fall and the accuracy rise; try a huge learning rate to see
    training blow up.</p>
  <div class="train-grid">
    <form class="settings" data-role="settings"></form>
    <div class="controls">
      <div class="buttons">
        <button type="button" class="button primary" data-testid="train" disabled>Train</button>
        <button type="button" class="button" data-testid="pause" disabled>Pause</button>
        <button type="button" class="button" data-testid="step" disabled title="Train on one batch">Step</button>
        <button type="button" class="button" data-testid="reset" disabled
          title="Fresh random weights from the seed">Reset</button>
      </div>
      <p class="note" data-role="note" hidden></p>
      <p class="message" id="train-blocked" data-role="blocked" data-testid="train-blocked" data-tone="error"
        hidden></p>
      <div class="stats">
        <div class="stat accent">
          <span class="stat-label">Test accuracy</span>
          <span class="stat-value" data-testid="test-accuracy" data-value="">–</span>
          <span class="stat-sub" data-role="test-scope">on test digits</span>
        </div>
        <div class="stat">
          <span class="stat-label">Training loss</span>
          <span class="stat-value" data-role="loss">–</span>
          <span class="stat-sub">lower is better</span>
        </div>
        <div class="stat">
          <span class="stat-label">Speed</span>
          <span class="stat-value" data-testid="images-per-second" data-value="0">–</span>
          <span class="stat-sub">images per second</span>
        </div>
        <div class="stat">
          <span class="stat-label">Images seen</span>
          <span class="stat-value" data-role="seen">0</span>
          <span class="stat-sub">training images so far</span>
        </div>
      </div>
      <div class="progress" data-role="progress" role="progressbar" aria-label="Training progress" aria-valuemin="0"
        aria-valuemax="100" aria-valuenow="0"><span class="progress-fill"></span></div>
      <p class="progress-text" data-role="progress-text">epoch 0</p>
      <p class="message" data-role="message" data-tone="info" hidden></p>
    </div>
  </div>
  <div class="charts">
    <figure class="chart" data-role="loss-chart">
      <figcaption>Training loss <span>— how wrong the network is on the batches it trains on</span></figcaption>
    </figure>
    <figure class="chart" data-role="accuracy-chart">
      <figcaption>Accuracy <span>— training batches as they train, the training digits measured, and test images it
        never trains on</span></figcaption>
    </figure>
  </div>`;

export const trainPanel = {
  id: 'train',
  title: 'Train it yourself',
  wide: true,
  mount(section, app) {
    const { client, settings } = app;
    section.append(markup());
    const parts = roles(section);
    parts.settings.append(...FIELDS.map(settingsField));
    const byTestid = (id) => section.querySelector(`[data-testid="${id}"]`);
    const fields = Object.fromEntries(FIELDS.map((key) => [key, section.querySelector(`[data-setting="${key}"]`)]));
    const buttons = Object.fromEntries(['train', 'pause', 'step', 'reset'].map((name) => [name, byTestid(name)]));
    const testAccuracy = byTestid('test-accuracy');
    const speed = byTestid('images-per-second');
    const curves = createCurves(parts, (text) => setMessage(text, 'warn'));

    let presets = [];
    let model = null; // the worker's description of the current model
    let runState = 'loading';
    let lastStats = null;
    let warnedStuck = false;
    let smoothSpeed = 0;
    let blocked = null; // why the network in the settings cannot be trained here, or null
    let verdictAsked = 0;

    // The engine's verdict on the settings' network (does it build, does it
    // fit the page's limits for this batch): Train, Step and Reset wait for a good one.
    async function checkNetwork() {
      const mine = ++verdictAsked;
      const { net, batch } = settings.get();
      try {
        const r = await client.request('describeNetwork', { net, batch });
        if (mine !== verdictAsked) return;
        blocked = r.error ? `the network does not build: ${r.error.message}` : r.limits.ok ? null : r.limits.reason;
      } catch (error) {
        if (mine === verdictAsked) blocked = error.message;
      }
      section.dataset.verdict = blocked ? 'blocked' : 'ok';
      renderButtons();
    }

    function setMessage(text, tone = 'info') {
      parts.message.textContent = text ?? '';
      parts.message.dataset.tone = tone;
      parts.message.hidden = !text;
    }

    function renderFields() {
      const s = settings.get();
      if (presets.length) {
        const custom = isPresetName(s.net) ? [] : [[s.net, 'custom (the editor\'s)']];
        fillSelect(fields.net, [...presets.map((p) => [p.name, p.name]), ...custom], s.net);
        fields.net.title = presets.find((p) => p.name === s.net)?.description ?? 'the network built in the editor';
      }
      for (const key of Object.keys(CHOICES)) fillSelect(fields[key], CHOICES[key], s[key]);
      fields.seed.value = String(s.seed);
      // Momentum is SGD's; Adam and RMSprop keep their own running averages.
      fields.momentum.disabled = s.optimizer !== 'sgd';
      renderNote();
    }

    // Says when the next Train starts over, and with what.
    function renderNote() {
      const s = settings.get();
      let text = '';
      if (model && model.source !== 'fresh') {
        text = `Train starts a fresh ${netTitle(s.net)} (seed ${s.seed}) from random weights; ` +
          `the ${model.name} stays one click away under “Save and share”.`;
      } else if (model?.builtWith && ARCHITECTURE_KEYS.some((k) => model.builtWith[k] !== s[k])) {
        text = 'Network, dropout, loss, input, training-digit and seed changes take effect when you press Reset.';
      }
      parts.note.textContent = text;
      parts.note.hidden = !text;
      buttons.reset.classList.toggle('is-pending', Boolean(text) && model?.source === 'fresh');
    }

    // A focused button that becomes disabled would drop focus to <body> (a screen reader
    // loses its place): focus moves to the counterpart that now does something.
    const COUNTERPARTS = { train: ['pause', 'train'], pause: ['train', 'step'], step: ['pause', 'step'] };
    function keepFocus(focused) {
      const name = Object.keys(COUNTERPARTS).find((n) => buttons[n] === focused);
      if (!name || !focused.disabled) return;
      const next = COUNTERPARTS[name].map((n) => buttons[n]).find((b) => !b.disabled) ?? buttons.reset;
      if (!next.disabled) next.focus();
    }

    function renderButtons() {
      const ready = runState !== 'loading';
      const running = runState === 'training' || runState === 'starting';
      // Enabled after a failed download too: the next Train tries it again.
      const canTrain = ready && !blocked;
      const focused = document.activeElement;
      buttons.train.disabled = !canTrain || running;
      buttons.pause.disabled = !running;
      buttons.step.disabled = !canTrain || running;
      buttons.reset.disabled = !ready || Boolean(blocked);
      keepFocus(focused);
      for (const name of ['train', 'step', 'reset']) {
        if (blocked) buttons[name].setAttribute('aria-describedby', 'train-blocked');
        else buttons[name].removeAttribute('aria-describedby');
      }
      parts.blocked.textContent = blocked ? `Train is off: ${blocked}` : '';
      parts.blocked.hidden = !blocked;
      buttons.train.title = blocked ? `Train is off: ${blocked}` : '';
      const resumable = runState === 'paused' && model?.source === 'fresh' && (lastStats?.imagesSeen ?? 0) > 0;
      buttons.train.textContent = running ? 'Training…' : resumable ? 'Resume'
        : model?.source === 'fresh' ? 'Train' : 'Train from scratch';
      section.classList.toggle('is-running', running);
    }

    // The units panel's last measurement of dead ReLUs, as a sentence ('' when none is dead or none was measured).
    let units = null;
    function deadUnitsText() {
      const dead = units?.relus.reduce((sum, r) => sum + r.dead, 0) ?? 0;
      const all = units?.relus.reduce((sum, r) => sum + r.units, 0) ?? 0;
      return dead ? `${formatCount(dead)} of its ${formatCount(all)} ReLU units are dead (0 for all ${units.count} ` +
        'test digits the Units panel measures). ' : '';
    }

    function showStats(stats) {
      lastStats = stats;
      if (!warnedStuck && stats.imagesSeen >= STUCK_AFTER && stats.accuracy < 0.2) {
        warnedStuck = true;
        const s = settings.get();
        setMessage(`Not learning: after ${formatCount(stats.imagesSeen)} images the accuracy is still near chance ` +
          '(10%). ' + deadUnitsText() + (s.lr >= 0.1 ? `A learning rate of ${s.lr} is probably too high: each ` +
            'update overshoots. Try a smaller one.' : 'Try a larger learning rate, or another optimiser.'), 'warn');
      }
      parts.loss.textContent = stats.loss < 1000 ? stats.loss.toFixed(3) : stats.loss.toExponential(1);
      // Smoothed over a few points: one slow slice should not make the number jump.
      smoothSpeed = smoothSpeed ? 0.7 * smoothSpeed + 0.3 * stats.imagesPerSecond : stats.imagesPerSecond;
      speed.dataset.value = String(Math.round(smoothSpeed));
      speed.textContent = formatCount(smoothSpeed);
      parts.seen.textContent = formatCount(stats.imagesSeen);
      const fraction = Math.min(1, stats.epoch / stats.epochs);
      parts.progress.style.setProperty('--fraction', fraction.toFixed(4));
      parts.progress.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      // Epochs lowered below what was trained: the true count, not a clamped one
      // (the last batch of a run may pass its end by a batch: ≤ 256 of 60,000 images).
      parts['progress-text'].textContent = stats.epoch > stats.epochs + 0.005
        ? `epoch ${stats.epoch.toFixed(2)}, past the ${stats.epochs} now set`
        : `epoch ${stats.epoch.toFixed(2)} of ${stats.epochs}`;
      renderButtons();
    }

    function clearStats() {
      lastStats = null;
      smoothSpeed = 0;
      warnedStuck = false;
      parts.loss.textContent = '–';
      speed.textContent = '–';
      speed.dataset.value = '0';
      parts.seen.textContent = '0';
      parts.progress.style.setProperty('--fraction', '0');
      parts.progress.setAttribute('aria-valuenow', '0');
      parts['progress-text'].textContent = `epoch 0 of ${settings.get().epochs}`;
      testAccuracy.dataset.value = '';
      testAccuracy.textContent = '–';
      parts['test-scope'].textContent = 'on test digits';
    }

    function showTest({ accuracy, count, full, imagesSeen }) {
      testAccuracy.dataset.value = accuracy.toFixed(4);
      testAccuracy.dataset.full = full ? '1' : '0'; // the whole test set, not the running sample
      testAccuracy.dataset.imagesSeen = String(imagesSeen ?? 0); // the weights it scored had trained on so many
      testAccuracy.textContent = `${(accuracy * 100).toFixed(1)}%`;
      const scope = full ? `all ${formatCount(count)} test digits` : `${formatCount(count)}-digit sample`;
      testAccuracy.title = full ? scope : `the first ${formatCount(count)} test digits`;
      parts['test-scope'].textContent = scope;
    }

    section.querySelector('form').addEventListener('submit', (event) => event.preventDefault());
    for (const [key, field] of Object.entries(fields)) {
      field.addEventListener('change', () => {
        try {
          settings.set({ [key]: field.value }); // the text: an emptied box is refused, not read as 0
          field.setCustomValidity('');
        } catch (error) {
          field.setCustomValidity(error.message);
          field.reportValidity();
        }
      });
    }
    for (const name of ['train', 'pause', 'step', 'reset']) {
      buttons[name].addEventListener('click', () => {
        if (name !== 'pause') setMessage('');
        client.post(name);
      });
    }

    const off = [
      settings.subscribe((s, changed) => {
        renderFields();
        renderButtons();
        if (changed.includes('net') || changed.includes('batch')) checkNetwork();
      }),
      client.on('ready', (info) => {
        presets = info.presets; // the store checks the network's name (main.js: settings.restrict)
        renderFields();
        checkNetwork();
      }),
      client.on('boot', ({ message }) => runState !== 'loading' && setMessage(message)),
      client.on('error', ({ message, context }) => {
        if (runState === 'loading') return; // the banner shows it
        setMessage(`Something went wrong${context ? ` (${context})` : ''}: ${message}`, 'error');
      }),
      client.on('state', ({ state, message, kind }) => {
        runState = state;
        if (state === 'training') setMessage('');
        else if (message) setMessage(message, kind === 'diverged' ? 'error' : 'info');
        renderButtons();
      }),
      client.on('model', (info) => {
        model = info;
        // A new model starts with no numbers: its run (if any) starts now.
        if (info.changed) {
          clearStats();
          curves.clear();
        }
        renderNote();
        renderButtons();
      }),
      client.on('data', ({ stage, message }) => {
        if (stage === 'train-error' || stage === 'test-error') setMessage(message, 'error');
        renderButtons();
      }),
      client.on('stats', (stats) => {
        showStats(stats);
        curves.addStats(stats);
      }),
      client.on('test', (test) => {
        showTest(test);
        if (model?.source === 'fresh') curves.addTest(test);
      }),
      app.events.on('units', (measured) => (units = measured)),
      client.on('trainAccuracy', (measured) => curves.addTrainMeasured(measured)),
    ];
    clearStats();
    renderFields();
    renderButtons();
    return { destroy: () => off.forEach((fn) => fn()) };
  },
};
