// "Teach it your handwriting": fine-tuning on your own digits. The same
// classes as the network already knows; only the examples are new. Label the
// digit drawn on the page to build a personal data set (kept in the browser,
// personal-digits.js, exportable as JSON), choose which layers to freeze (by
// default every conv layer: keep the learned feature detectors, adjust the
// classifier), train the live model a little more on them in the worker,
// and see the predictions before and after.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit } from '../maps.js';
import { createRoving } from '../roving.js';
import { formatPercent, MNIST_SIDE } from '../../util.js';
import { classNamesFor } from './dataset-picker.js';
import { wireJobButton } from './job-button.js';
import { layersSignature, watchModel } from './model-info.js';
import { createDigitStore, dequantise, parseDigits } from './personal-digits.js';

const REHEARSAL = 60; // training digits mixed in, so the network keeps what it knew
const TEST_DIGITS = 500; // the worker's before/after test accuracy is measured on this many

// A learner's digit as a small figure.
function digitFigure(d, caption, props = {}) {
  const canvas = mapCanvas(MNIST_SIDE, MNIST_SIDE, 1, { className: 'map digit' });
  paintDigit(canvas, dequantise(d.pixels), 0, MNIST_SIDE, MNIST_SIDE);
  return el('figure', { className: 'my-digit', ...props }, canvas, el('figcaption', { textContent: caption }));
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
      <div class="my-digits" data-testid="my-digits" data-role="list"></div>
      <div class="freeze" data-testid="freeze" data-role="freeze"></div>
      <div class="panel-bar">
        <label>steps <input type="number" value="60" min="1" max="1000" step="any" data-testid="finetune-steps"
          data-role="steps"></label>
        <label>learning rate <input type="number" value="0.01" min="0.0001" max="1" step="any" data-testid="finetune-lr"
          data-role="lr"></label>
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
  let layers = [];
  let freezeChoice = new Map();
  let classNames = classNamesFor('mnist');
  // By keyboard the digits are one tab stop: arrows move, Enter, Space or Delete removes
  // the digit and focus goes to its neighbour (focusAfterRemove: the index to focus once redrawn).
  let focusAfterRemove = null;
  const removeFocused = (fig) => {
    focusAfterRemove = Number(fig.dataset.index);
    store.remove(focusAfterRemove);
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
    const { image } = await client.request('drawnDigit');
    if (!image) {
      parts.status.textContent = 'draw a digit first';
      return;
    }
    store.add(image, label);
    parts.status.textContent = `added a ${name}`;
  }

  function renderList() {
    parts.list.replaceChildren(...store.digits.map((d, i) => {
      const name = classNames[d.label] ?? String(d.label);
      const fig = digitFigure(d, name, {
        title: 'click to remove', dataset: { testid: 'my-digit', label: d.label, index: i }, tabIndex: -1,
      });
      fig.setAttribute('role', 'button');
      fig.setAttribute('aria-label', `your ${name}, ${i + 1} of ${store.digits.length}: press Enter to remove it`);
      fig.addEventListener('click', () => store.remove(i));
      return fig;
    }));
    roving.refresh();
    if (focusAfterRemove !== null) {
      if (store.digits.length) roving.focusAt(focusAfterRemove);
      else parts.add.querySelector('button')?.focus();
      focusAfterRemove = null;
    }
    const perClass = classNames.map((_, k) => store.digits.filter((d) => d.label === k).length);
    const counts = perClass.map((n, k) => (n ? `${k}:${n}` : '')).filter(Boolean).join(' ');
    parts.count.textContent = `${store.digits.length} digits (${counts || 'none yet'})`;
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

  function useDataset(name) {
    store = createDigitStore(name);
    store.onChange(renderList);
    classNames = classNamesFor(name);
    renderAddButtons();
    renderList();
    parts.result.replaceChildren();
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
    const figures = store.digits.map((d, i) => {
      const [was, now] = [names[r.before.predicted[i]], names[r.after.predicted[i]]];
      return digitFigure(d, `${was}→${now}`, {
        className: `my-digit ${r.after.predicted[i] === d.label ? 'right' : 'wrong'}`,
        title: `labelled ${names[d.label]}; predicted ${was} before, ${now} after`,
      });
    });
    parts.result.replaceChildren(
      html`<p><b>Your digits: ${pct(r.before.accuracy)} → ${pct(r.after.accuracy)} right.</b>
        <span>${test}</span></p>`,
      el('div', { className: 'my-digits' }, ...figures));
  }

  let labels = null; // the labels of the running fine-tuning, for its result
  const job = wireJobButton({
    button: parts.run,
    root: parts.root,
    status: parts.status,
    idleText: 'Fine-tune on my digits',
    run() {
      const arrays = store.arrays();
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
      parts.run.disabled = store.digits.length === 0;
    },
  });

  parts.exportButton.addEventListener('click', () => download(store.exportText(), `my-digits-${store.dataset}.json`));
  parts.importButton.addEventListener('click', () => parts.importInput.click());
  parts.importInput.addEventListener('change', async () => {
    const file = parts.importInput.files[0];
    parts.importInput.value = '';
    if (!file) return;
    try {
      const { digits } = parseDigits(await file.text());
      store.replace([...store.digits, ...digits]);
      parts.status.textContent = `imported ${digits.length} digits`;
    } catch (error) {
      parts.status.textContent = `import failed: ${error.message}`;
    }
  });
  parts.clear.addEventListener('click', () => {
    if (store.digits.length && confirm(`Remove all ${store.digits.length} of your digits?`)) store.clear();
  });

  useDataset('mnist');
  // The layer list loads even while the maps are off screen: the freeze choices need it.
  const off = watchModel(client, (info) => {
    if (info.dataset !== store.dataset) useDataset(info.dataset);
    if (layersSignature(info.layers) === layersSignature(layers)) return;
    layers = info.layers;
    freezeChoice = new Map();
    renderFreeze();
  });
  return {
    destroy() {
      off();
      job.cancel();
    },
  };
}

export const finetunePanel = { id: 'finetune', title: 'Teach it your handwriting', wide: true, mount };
