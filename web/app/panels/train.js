// The training panel: the run's settings (bound to the settings store, hence
// to the URL hash), the Train / Pause / Step / Reset buttons, and the live
// numbers (test accuracy, loss, images per second, epoch progress). It sends
// commands; what it shows comes back from the worker as events.
import { SETTINGS, ARCHITECTURE_KEYS } from './state.js';

// Nice values for each select; a value from a link that is not in the list
// is added to it rather than lost.
const CHOICES = {
  dropout: [[0, 'as preset'], [0.1, '10%'], [0.25, '25%'], [0.5, '50%']],
  optimizer: [['sgd', 'SGD + momentum'], ['rmsprop', 'RMSprop'], ['adam', 'Adam']],
  lr: [0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.002, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 100, 1000],
  schedule: [['constant', 'constant'], ['step', 'halved each epoch'], ['cosine', 'cosine']],
  batch: [1, 4, 8, 16, 32, 64, 128, 256],
  momentum: [0, 0.5, 0.8, 0.9, 0.95, 0.99],
  decay: [[0, 'none'], 0.00001, 0.0001, 0.0005, 0.001, 0.01],
  epochs: [0.25, 0.5, 1, 2, 3, 5, 10, 20],
};

function fillSelect(select, choices, value) {
  const list = choices.map((c) => (Array.isArray(c) ? c : [c, String(c)]));
  if (!list.some(([v]) => v === value)) list.push([value, String(value)]);
  if (typeof value === 'number') list.sort((a, b) => a[0] - b[0]);
  select.replaceChildren(...list.map(([v, label]) => new Option(label, String(v), false, v === value)));
}

export function createTrainingPanel({ root, store, engine }) {
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);
  const fields = Object.fromEntries([...root.querySelectorAll('[data-setting]')].map((el) => [el.dataset.setting, el]));
  const buttons = {
    train: root.querySelector('[data-testid="train"]'),
    pause: root.querySelector('[data-testid="pause"]'),
    step: root.querySelector('[data-testid="step"]'),
    reset: root.querySelector('[data-testid="reset"]'),
  };
  const testAccuracy = root.querySelector('[data-testid="test-accuracy"]');
  const speed = root.querySelector('[data-testid="images-per-second"]');
  const lossOut = $('loss');
  const seenOut = $('seen');
  const progress = $('progress');
  const progressText = $('progress-text');
  const message = $('message');
  const note = $('note');

  let presets = [];
  let model = null;     // the worker's description of the current model
  let running = false;
  let ready = false;
  let trainFailed = false;
  let lastStats = null;

  function renderFields() {
    const s = store.get();
    if (presets.length) {
      const names = presets.map((p) => [p.name, p.name]);
      fillSelect(fields.preset, names, s.preset);
      fields.preset.title = presets.find((p) => p.name === s.preset)?.description ?? '';
    }
    for (const key of Object.keys(CHOICES)) fillSelect(fields[key], CHOICES[key], s[key]);
    fields.seed.value = String(s.seed);
    // Momentum is SGD's; Adam and RMSprop keep their own running averages.
    fields.momentum.disabled = s.optimizer !== 'sgd';
    renderNote();
  }

  // Says when the next Train starts over, and with what.
  function renderNote() {
    const s = store.get();
    let text = '';
    if (model && model.source !== 'fresh') {
      text = `Train starts a fresh ${s.preset} (seed ${s.seed}) from random weights; the ${model.name} stays one click away under “Save and share”.`;
    } else if (model?.builtWith && ARCHITECTURE_KEYS.some((k) => model.builtWith[k] !== s[k])) {
      text = 'Network, dropout and seed changes take effect when you press Reset.';
    }
    note.textContent = text;
    note.hidden = !text;
    buttons.reset.classList.toggle('is-pending', Boolean(text) && model?.source === 'fresh');
  }

  function renderButtons() {
    const canTrain = ready && !trainFailed;
    buttons.train.disabled = !canTrain || running;
    buttons.pause.disabled = !running;
    buttons.step.disabled = !canTrain || running;
    buttons.reset.disabled = !ready;
    const resumable = model?.source === 'fresh' && (lastStats?.imagesSeen ?? 0) > 0 && lastStats.epoch < store.get().epochs;
    buttons.train.textContent = running ? 'Training…' : resumable ? 'Resume' : model?.source === 'fresh' ? 'Train' : 'Train from scratch';
    root.classList.toggle('is-running', running);
  }

  function setMessage(text, tone = 'info') {
    message.textContent = text ?? '';
    message.dataset.tone = tone;
    message.hidden = !text;
  }

  root.querySelector('form')?.addEventListener('submit', (event) => event.preventDefault());
  for (const [key, el] of Object.entries(fields)) {
    el.addEventListener('change', () => {
      const spec = SETTINGS[key];
      const raw = el.value;
      const value = spec.type === 'enum' || spec.type === 'name' ? raw : Number(raw);
      try {
        store.set({ [key]: value });
        el.setCustomValidity('');
      } catch (error) {
        el.setCustomValidity(error.message);
        el.reportValidity();
      }
    });
  }
  store.subscribe(() => {
    renderFields();
    renderButtons();
    engine.send('configure', { settings: store.get() });
  });

  buttons.train.addEventListener('click', () => {
    setMessage('');
    engine.send('train');
  });
  buttons.pause.addEventListener('click', () => engine.send('pause'));
  buttons.step.addEventListener('click', () => {
    setMessage('');
    engine.send('step');
  });
  buttons.reset.addEventListener('click', () => {
    setMessage('');
    engine.send('reset');
  });

  // After this many images a network still at chance is not learning.
  const STUCK_AFTER = 6000;
  let warnedStuck = false;
  let smoothSpeed = 0;
  function showStats(stats) {
    lastStats = stats;
    if (!warnedStuck && stats.imagesSeen >= STUCK_AFTER && stats.accuracy < 0.2) {
      warnedStuck = true;
      const s = store.get();
      setMessage(
        `Not learning: after ${stats.imagesSeen.toLocaleString('en')} images the accuracy is still near chance (10%). ` +
        (s.lr >= 0.1 ? `A learning rate of ${s.lr} is probably too high: the updates are so big that the ReLUs die. Try a smaller one.`
          : `Try a larger learning rate, or another optimiser.`),
        'warn',
      );
    }
    lossOut.textContent = stats.loss < 1000 ? stats.loss.toFixed(3) : stats.loss.toExponential(1);
    // Smoothed over a few points: one slow slice should not make the number jump.
    smoothSpeed = smoothSpeed ? 0.7 * smoothSpeed + 0.3 * stats.imagesPerSecond : stats.imagesPerSecond;
    speed.dataset.value = String(Math.round(smoothSpeed));
    speed.textContent = Math.round(smoothSpeed).toLocaleString('en');
    seenOut.textContent = stats.imagesSeen.toLocaleString('en');
    const fraction = Math.min(1, stats.epoch / stats.epochs);
    progress.style.setProperty('--fraction', fraction.toFixed(4));
    progress.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
    const epochNow = Math.min(stats.epoch, stats.epochs);
    progressText.textContent = `epoch ${epochNow.toFixed(2)} of ${stats.epochs}`;
    renderButtons();
  }

  function clearStats() {
    lastStats = null;
    smoothSpeed = 0;
    warnedStuck = false;
    lossOut.textContent = '–';
    speed.textContent = '–';
    speed.dataset.value = '0';
    seenOut.textContent = '0';
    progress.style.setProperty('--fraction', '0');
    progress.setAttribute('aria-valuenow', '0');
    progressText.textContent = `epoch 0 of ${store.get().epochs}`;
  }

  clearStats();
  renderFields();
  renderButtons();

  return {
    setReady(info) {
      ready = true;
      presets = info.presets;
      if (!presets.some((p) => p.name === store.get().preset)) {
        setMessage(`Unknown network '${store.get().preset}' in the link; using lenet5.`, 'warn');
        store.set({ preset: 'lenet5' });
      }
      renderFields();
      renderButtons();
      engine.send('configure', { settings: store.get() });
    },
    setTrainData(ok) {
      trainFailed = !ok;
      renderButtons();
    },
    setModel(info) {
      model = info;
      // A new model starts with no numbers: its run (if any) starts now.
      if (info.changed) {
        clearStats();
        testAccuracy.dataset.value = '';
        testAccuracy.textContent = '–';
        $('test-scope').textContent = 'on test digits';
      }
      renderNote();
      renderButtons();
    },
    setRunning(state) {
      running = state.running;
      if (state.running) setMessage('');
      else if (state.message) setMessage(state.message, state.kind === 'diverged' ? 'error' : 'info');
      renderButtons();
    },
    showStats,
    showTest({ accuracy, count, full }) {
      testAccuracy.dataset.value = accuracy.toFixed(4);
      testAccuracy.dataset.full = full ? '1' : '0';  // the whole test set, not the running sample
      testAccuracy.textContent = `${(accuracy * 100).toFixed(1)}%`;
      testAccuracy.title = full ? `all ${count.toLocaleString('en')} test digits` : `the first ${count.toLocaleString('en')} test digits`;
      $('test-scope').textContent = full ? `all ${count.toLocaleString('en')} test digits` : `${count.toLocaleString('en')}-digit sample`;
    },
    setMessage,
  };
}
