// "Teach it your handwriting": fine-tuning on your own digits. The same
// classes as the network already knows; only the examples are new. Label the
// digit drawn on the page to build a personal data set (kept in the browser,
// personal-digits.js, exportable as JSON), choose which layers to freeze (by
// default every conv layer: keep the learned feature detectors, adjust the
// classifier), train the live model a little more on them in the worker,
// and see the predictions before and after.
import { FINETUNE_LIMITS } from '../../protocol.js';
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit } from '../maps.js';
import { createRoving } from '../roving.js';
import { formatPercent, MNIST_SIDE } from '../../util.js';
import { classNamesFor } from './dataset-picker.js';
import { wireJobButton } from './job-button.js';
import { layersSignature, watchModel } from './model-info.js';
import { openDigitDb } from '../digit-db.js';
import { createDigitStore, dequantise, describeSkipped, parseDigits } from './personal-digits.js';

const REHEARSAL = 60; // training digits mixed in, so the network keeps what it knew
const TEST_DIGITS = 500; // the worker's before/after test accuracy is measured on this many
// The list shows the newest digits only: thousands of figures would make every change slow.
const SHOWN_DIGITS = 200;

// A learner's digit as a small figure.
function digitFigure(d, caption, props = {}) {
  const canvas = mapCanvas(MNIST_SIDE, MNIST_SIDE, 1, { className: 'map digit' });
  paintDigit(canvas, dequantise(d.pixels), 0, MNIST_SIDE, MNIST_SIDE);
  return el('figure', { className: 'my-digit', ...props }, canvas, el('figcaption', { textContent: caption }));
}

// Why a number box's value is refused (marking the box), or null.
function boxProblem(input, what, { min, max }, whole) {
  const v = input.value.trim() === '' ? NaN : Number(input.value);
  const bad = !Number.isFinite(v) || (whole && !Number.isInteger(v)) || v < min || v > max;
  const problem = bad ? `${what}: ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, please` : null;
  input.setCustomValidity(problem ?? '');
  if (problem) input.reportValidity();
  return problem;
}

function download(text, fileName) {
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: fileName });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function mount(section, { client }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Fine-tuning: the network keeps the classes it knows and learns a little more from examples
      of your own. Label digits you draw to build your own small data set (it stays in this browser); fine-tuning
      trains the network a few steps on them. Freezing layers keeps their weights as they are — by default the
      conv layers, whose feature detectors are already good.</p>
    <div class="finetune" data-testid="finetune" data-role="root">
      <div class="panel-bar finetune-add" data-role="add"></div>
      <div class="panel-bar">
        <button type="button" data-testid="my-digits-export" data-role="exportButton">Export JSON</button>
        <button type="button" data-testid="my-digits-import-button" data-role="importButton">Import JSON…</button>
        <input type="file" accept="application/json,.json" hidden data-testid="my-digits-import"
          data-role="importInput">
        <button type="button" data-testid="my-digits-clear" data-role="clear">Remove all</button>
        <span class="inspect-status" data-testid="my-digits-count" data-role="count"></span>
      </div>
      <p class="io-status" data-testid="my-digits-status" data-role="saveStatus" role="status"></p>
      <div class="my-digits" data-testid="my-digits" data-role="list"></div>
      <div class="freeze" data-testid="freeze" data-role="freeze"></div>
      <div class="panel-bar">
        <label>steps <input type="number" value="60" min="${FINETUNE_LIMITS.steps.min}"
          max="${FINETUNE_LIMITS.steps.max}" step="1" data-testid="finetune-steps" data-role="steps"></label>
        <label>learning rate <input type="number" value="0.01" min="${FINETUNE_LIMITS.learningRate.min}"
          max="${FINETUNE_LIMITS.learningRate.max}" step="any" data-testid="finetune-lr" data-role="lr"></label>
        <label title="mixes ${REHEARSAL} training digits into the fine-tuning set so the network keeps what it knew">
          <input type="checkbox" checked data-testid="finetune-rehearsal" data-role="rehearsal">
          replay ${REHEARSAL} training digits</label>
        <button type="button" data-testid="finetune-run" data-role="run"></button>
        <span class="inspect-status" data-testid="finetune-status" data-role="status"></span>
      </div>
      <div class="finetune-result" data-testid="finetune-result" data-role="result"></div>
    </div>`);
  const parts = roles(section);

  // The panel's state: the active data set's digit store (one list per data
  // set), the model's layers, and the learner's freeze choices (layer index
  // → frozen), kept until the architecture changes.
  let store = null;
  const db = openDigitDb(); // one database for every data set's list; a rejection is said by the store
  let storeFor = null; // the data set whose list is loading or loaded
  const figures = new Map(); // digit → its figure in the list
  let layers = [];
  let freezeChoice = new Map();
  let classNames = classNamesFor('mnist');
  // By keyboard the digits are one tab stop: arrows move, Enter, Space or Delete removes
  // the digit and focus goes to its neighbour (focusAfterRemove: the index to focus once redrawn).
  let focusAfterRemove = null;
  const digitOf = new WeakMap(); // figure → its digit
  const removeFocused = (fig) => {
    focusAfterRemove = [...parts.list.children].indexOf(fig);
    store.remove(digitOf.get(fig));
  };
  parts.list.setAttribute('role', 'group');
  parts.list.setAttribute('aria-label', 'Your digits. Arrow keys move between them, Enter or Delete removes one.');
  const roving = createRoving(parts.list, '[data-testid="my-digit"]', {
    onActivate: removeFocused,
    keys: { Delete: removeFocused, Backspace: removeFocused },
  });

  function renderAddButtons() {
    parts.add.replaceChildren('Add the drawn digit as: ', ...classNames.map((name, k) => {
      const text = classNames.length === 10 && name === String(k) ? String(k) : `${k} ${name}`;
      const b = el('button', { type: 'button', className: 'label-button', textContent: text });
      b.dataset.testid = `finetune-add-${k}`;
      b.addEventListener('click', () => addDrawn(k, name));
      return b;
    }));
  }

  async function addDrawn(label, name) {
    if (!store) return;
    const { image } = await client.request('drawnDigit');
    if (!image) {
      parts.status.textContent = 'draw a digit first';
      return;
    }
    const saved = saving(store.add(image, label));
    parts.status.textContent = `added a ${name}`;
    if (await saved) saySaved('');
  }

  function saySaved(text, tone = 'info') {
    parts.saveStatus.textContent = text;
    parts.saveStatus.dataset.tone = tone;
  }

  // While digits are still being written (or cannot be), leaving the page
  // asks first: a reload must not drop what the learner just added.
  function saving(promise) {
    parts.saveStatus.dataset.saving = 'true';
    promise.finally(() => {
      if (!store?.unsaved()) delete parts.saveStatus.dataset.saving;
    });
    return promise;
  }
  const guardUnload = (event) => {
    if (!store?.unsaved()) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers need it set to show the question
  };
  window.addEventListener('beforeunload', guardUnload);

  function figureOf(d) {
    const name = classNames[d.label] ?? String(d.label);
    const fig = digitFigure(d, name, {
      title: 'click to remove', dataset: { testid: 'my-digit', label: d.label }, tabIndex: -1,
    });
    fig.setAttribute('role', 'button');
    fig.setAttribute('aria-label', `your ${name}: press Enter to remove it`);
    fig.addEventListener('click', () => store.remove(d));
    figures.set(d, fig);
    digitOf.set(fig, d);
    return fig;
  }

  // An Add draws one figure (and drops the oldest shown); the rest redraws the newest few.
  function renderChange({ type, digit }) {
    if (type !== 'add') return renderList();
    parts.list.append(figureOf(digit));
    if (figures.size > SHOWN_DIGITS) {
      const [oldest, fig] = figures.entries().next().value;
      fig.remove();
      figures.delete(oldest);
    }
    roving.refresh();
    renderCount();
  }

  function renderList() {
    figures.clear();
    parts.list.replaceChildren(...(store?.digits ?? []).slice(-SHOWN_DIGITS).map(figureOf));
    roving.refresh();
    if (focusAfterRemove !== null) {
      const shown = parts.list.querySelectorAll('[data-testid="my-digit"]').length;
      if (shown) roving.focusAt(Math.min(focusAfterRemove, shown - 1));
      else parts.add.querySelector('button')?.focus();
      focusAfterRemove = null;
    }
    renderCount();
  }

  function renderCount() {
    if (!store) {
      parts.count.textContent = 'reading your digits…';
      parts.run.disabled = parts.exportButton.disabled = true;
      return;
    }
    const perClass = classNames.map(() => 0);
    for (const d of store.digits) perClass[d.label]++;
    const counts = perClass.map((n, k) => (n ? `${k}:${n}` : '')).filter(Boolean).join(' ');
    const shown = store.digits.length > SHOWN_DIGITS ? `; the newest ${SHOWN_DIGITS} shown` : '';
    parts.count.textContent = `${store.digits.length} digits (${counts || 'none yet'}${shown})`;
    parts.count.dataset.count = String(store.digits.length);
    parts.run.disabled = store.digits.length === 0;
    parts.exportButton.disabled = store.digits.length === 0;
  }

  function renderFreeze() {
    const boxes = layers.flatMap((l, i) => {
      if (l.params === 0) return [];
      const box = el('input', { type: 'checkbox', checked: freezeChoice.get(i) ?? l.kind === 'conv' });
      Object.assign(box.dataset, { testid: `freeze-${i}`, layer: String(i) });
      box.addEventListener('change', () => freezeChoice.set(i, box.checked));
      return [el('label', {}, box, ` ${i} ${l.spec}`)];
    });
    parts.freeze.replaceChildren('Freeze (keep as they are): ', ...boxes);
  }

  // The list of the data set now active; a quicker switch makes a slower load moot.
  async function useDataset(name) {
    storeFor = name;
    store = null;
    classNames = classNamesFor(name);
    renderAddButtons();
    renderList();
    parts.result.replaceChildren();
    const loaded = await createDigitStore(name, { db });
    if (storeFor !== name) return;
    store = loaded;
    store.onChange(renderChange);
    store.onStatus(saySaved);
    renderList();
    const worst = store.notices.find((n) => n.tone === 'error') ?? store.notices.find((n) => n.tone === 'warn');
    saySaved(store.notices.map((n) => n.text).join(' '), worst?.tone ?? 'info');
  }

  function showResult(r, labels) {
    const names = classNames;
    Object.assign(parts.result.dataset, {
      before: String(r.before.accuracy),
      after: String(r.after.accuracy),
      predictedBefore: JSON.stringify(r.before.predicted),
      predictedAfter: JSON.stringify(r.after.predicted),
      labels: JSON.stringify([...labels]),
      testBefore: String(r.testBefore),
      testAfter: String(r.testAfter),
    });
    const pct = (v) => (v == null ? '–' : formatPercent(v));
    const frozen = r.frozen.map((f, i) => (f ? i : null)).filter((i) => i !== null).join(', ') || 'nothing';
    const forgot = r.testAfter < r.testBefore - 0.02
      ? ' — it forgot some of what it knew; replay training digits or freeze more layers' : '';
    const test = r.testBefore == null ? ''
      : `Test digits (${TEST_DIGITS}): ${pct(r.testBefore)} → ${pct(r.testAfter)}${forgot}. Frozen: ${frozen}.`;
    const shown = store.digits.map((d, i) => {
      const [was, now] = [names[r.before.predicted[i]], names[r.after.predicted[i]]];
      return digitFigure(d, `${was}→${now}`, {
        className: `my-digit ${r.after.predicted[i] === d.label ? 'right' : 'wrong'}`,
        title: `labelled ${names[d.label]}; predicted ${was} before, ${now} after`,
      });
    });
    parts.result.replaceChildren(
      html`<p><b>Your digits: ${pct(r.before.accuracy)} → ${pct(r.after.accuracy)} right.</b>
        <span>${test}</span></p>`,
      el('div', { className: 'my-digits' }, ...shown));
  }

  let labels = null; // the labels of the running fine-tuning, for its result
  const job = wireJobButton({
    button: parts.run,
    root: parts.root,
    status: parts.status,
    idleText: 'Fine-tune on my digits',
    run() {
      const problem = boxProblem(parts.steps, 'steps', FINETUNE_LIMITS.steps, true) ??
        boxProblem(parts.lr, 'learning rate', FINETUNE_LIMITS.learningRate, false);
      if (problem) {
        parts.status.textContent = problem;
        return null;
      }
      const arrays = store?.arrays() ?? { labels: [] };
      if (arrays.labels.length === 0) return null;
      labels = arrays.labels.slice();
      const frozen = layers.map((l, i) =>
        l.params > 0 && Boolean(parts.freeze.querySelector(`[data-layer="${i}"]`)?.checked));
      parts.status.textContent = `fine-tuning on ${labels.length} digits…`;
      return client.start('finetune', {
        ...arrays, frozen, steps: Number(parts.steps.value), learningRate: Number(parts.lr.value),
        rehearsal: parts.rehearsal.checked ? REHEARSAL : 0,
      }, {
        onProgress: ({ step, total }) => { parts.status.textContent = `fine-tuning… step ${step}/${total}`; },
      });
    },
    done(r) {
      showResult(r, labels);
      parts.status.textContent = r.diverged ? 'stopped early: the loss blew up (try a smaller learning rate)'
        : `done: ${r.steps} steps, loss ${r.loss.toFixed(3)}`;
      parts.run.disabled = !store?.digits.length;
    },
  });

  parts.exportButton.addEventListener('click', () => download(store.exportText(), `my-digits-${store.dataset}.json`));
  parts.importButton.addEventListener('click', () => parts.importInput.click());
  parts.importInput.addEventListener('change', async () => {
    const file = parts.importInput.files[0];
    parts.importInput.value = '';
    if (!file || !store) return;
    try {
      const { digits, skipped } = parseDigits(await file.text());
      const saved = saving(store.addMany(digits));
      parts.status.textContent = `imported ${digits.length} digits` +
        (skipped.length ? `; of the file's digits, ${describeSkipped(skipped)}` : '');
      if (await saved) saySaved('');
    } catch (error) {
      parts.status.textContent = `import failed: ${error.message}`;
    }
  });
  parts.clear.addEventListener('click', () => {
    // Nothing is discarded without the chance to keep it: the question offers the export.
    const n = store?.digits.length;
    if (n && confirm(`Remove all ${n} of your digits? Press Cancel, then Export JSON, to keep a copy first.`))
      store.clear();
  });

  useDataset('mnist');
  // The layer list loads even while the maps are off screen: the freeze choices need it.
  const off = watchModel(client, (info) => {
    if (info.dataset !== storeFor) useDataset(info.dataset);
    if (layersSignature(info.layers) === layersSignature(layers)) return;
    layers = info.layers;
    freezeChoice = new Map();
    renderFreeze();
  });
  return {
    destroy() {
      off();
      job.cancel();
      window.removeEventListener('beforeunload', guardUnload);
    },
  };
}

export const finetunePanel = { id: 'finetune', title: 'Teach it your handwriting', wide: true, mount };
