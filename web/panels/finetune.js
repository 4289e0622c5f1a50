// Transfer learning on your own digits: label the digit on the canvas (0–9)
// to build a personal data set (kept in the browser, exportable as JSON),
// choose which layers to freeze (by default every conv layer: keep the
// learned feature detectors, retrain the classifier), fine-tune the live
// model on them in the worker, and see the predictions before and after.
import { createDigitStore, parseDigits } from './personal-digits.js';
import { mapCanvas, paintDigit } from './maps.js';

// getCanvasDigit(): a promise of the drawn digit (Float32Array 784) or null;
// classNames(): labels for the classes.
export function createFinetunePanel(container, { client, getCanvasDigit, classNames, onModelChanged = () => {} }) {
  const root = document.createElement('div');
  root.className = 'finetune';
  root.dataset.testid = 'finetune';
  container.append(root);
  let store = null;
  let layers = [];
  let freezeChoice = new Map();  // layer index -> bool, kept across layer refreshes

  const add = document.createElement('div');
  add.className = 'panel-bar finetune-add';
  const list = document.createElement('div');
  list.className = 'my-digits';
  list.dataset.testid = 'my-digits';
  const count = document.createElement('span');
  count.className = 'inspect-status';
  count.dataset.testid = 'my-digits-count';

  const files = document.createElement('div');
  files.className = 'panel-bar';
  const exportButton = button('Export JSON', 'my-digits-export', () => {
    const blob = new Blob([store.exportText()], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `my-digits-${store.dataset}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  const importInput = document.createElement('input');
  importInput.type = 'file';
  importInput.accept = 'application/json,.json';
  importInput.dataset.testid = 'my-digits-import';
  importInput.hidden = true;
  importInput.addEventListener('change', async () => {
    const file = importInput.files[0];
    importInput.value = '';
    if (!file) return;
    try {
      const { digits } = parseDigits(await file.text());
      store.replace([...store.digits, ...digits]);
      status.textContent = `imported ${digits.length} digits`;
    } catch (e) {
      status.textContent = `import failed: ${e.message}`;
    }
  });
  const importButton = button('Import JSON…', 'my-digits-import-button', () => importInput.click());
  const clearButton = button('Remove all', 'my-digits-clear', () => { if (store.digits.length && confirm(`Remove all ${store.digits.length} of your digits?`)) store.clear(); });
  files.append(exportButton, importButton, importInput, clearButton, count);

  const freeze = document.createElement('div');
  freeze.className = 'freeze';
  freeze.dataset.testid = 'freeze';

  const runBar = document.createElement('div');
  runBar.className = 'panel-bar';
  const steps = numberInput('steps', 60, 1, 1000, 'finetune-steps');
  const lr = numberInput('learning rate', 0.01, 0.0001, 1, 'finetune-lr');
  const rehearsal = document.createElement('label');
  const rehearsalBox = document.createElement('input');
  rehearsalBox.type = 'checkbox';
  rehearsalBox.checked = true;
  rehearsalBox.dataset.testid = 'finetune-rehearsal';
  rehearsal.title = 'mixes 60 training digits into the fine-tuning set so the network keeps what it knew';
  rehearsal.append(rehearsalBox, ' replay 60 training digits');
  const run = button('Fine-tune on my digits', 'finetune-run', fineTune);
  const status = document.createElement('span');
  status.className = 'inspect-status';
  status.dataset.testid = 'finetune-status';
  runBar.append(steps.label, lr.label, rehearsal, run, status);

  const result = document.createElement('div');
  result.className = 'finetune-result';
  result.dataset.testid = 'finetune-result';
  root.append(add, files, list, freeze, runBar, result);

  function button(text, testid, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.dataset.testid = testid;
    b.addEventListener('click', onClick);
    return b;
  }

  function numberInput(text, value, min, max, testid) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    Object.assign(input, { type: 'number', value, min, max, step: 'any' });
    input.dataset.testid = testid;
    label.append(`${text} `, input);
    return { label, input };
  }

  function renderAddButtons() {
    const names = classNames();
    add.replaceChildren(document.createTextNode('Add the drawn digit as: '));
    names.forEach((name, k) => {
      const b = button(String(names.length === 10 && name === String(k) ? k : `${k} ${name}`), `finetune-add-${k}`, async () => {
        const digit = await getCanvasDigit();
        if (!digit) {
          status.textContent = 'draw a digit first';
          return;
        }
        store.add(digit, k);
        status.textContent = `added a ${name}`;
      });
      b.className = 'label-button';
      add.append(b);
    });
  }

  function renderList() {
    const names = classNames();
    list.replaceChildren();
    store.digits.forEach((d, i) => {
      const fig = document.createElement('figure');
      fig.className = 'my-digit';
      fig.dataset.testid = 'my-digit';
      fig.dataset.label = String(d.label);
      fig.title = 'click to remove';
      const c = mapCanvas(28, 28, 1, 'map digit');
      paintDigit(c, Float32Array.from(d.pixels, (b) => b / 255), 0, 28, 28);
      const cap = document.createElement('figcaption');
      cap.textContent = names[d.label] ?? String(d.label);
      fig.append(c, cap);
      fig.addEventListener('click', () => store.remove(i));
      list.append(fig);
    });
    const perClass = names.map((_, k) => store.digits.filter((d) => d.label === k).length);
    count.textContent = `${store.digits.length} digits (${perClass.map((n, k) => `${k}:${n}`).filter((_, k) => perClass[k]).join(' ') || 'none yet'})`;
    count.dataset.count = String(store.digits.length);
    run.disabled = store.digits.length === 0;
    exportButton.disabled = store.digits.length === 0;
  }

  function renderFreeze() {
    freeze.replaceChildren(document.createTextNode('Freeze (keep as they are): '));
    layers.forEach((l, i) => {
      if (l.params === 0) return;
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.dataset.testid = `freeze-${i}`;
      box.dataset.layer = String(i);
      box.checked = freezeChoice.get(i) ?? l.kind === 'conv';
      box.addEventListener('change', () => freezeChoice.set(i, box.checked));
      label.append(box, ` ${i} ${l.spec}`);
      freeze.append(label);
    });
  }

  async function fineTune() {
    const { images, labels } = store.arrays();
    if (labels.length === 0) return;
    const frozen = layers.map((l, i) => l.params > 0 && Boolean(freeze.querySelector(`[data-layer="${i}"]`)?.checked));
    run.disabled = true;
    status.textContent = `fine-tuning on ${labels.length} digits…`;
    root.dataset.state = 'running';
    try {
      const r = await client.request('finetune', {
        images, labels, frozen, steps: Number(steps.input.value), learningRate: Number(lr.input.value),
        rehearsal: rehearsalBox.checked ? 60 : 0,
      }, { transfer: [images.buffer] });
      showResult(r, labels);
      root.dataset.state = 'done';
      status.textContent = r.diverged ? 'stopped early: the loss blew up (try a smaller learning rate)' : `done: ${r.steps} steps, loss ${r.loss.toFixed(3)}`;
      onModelChanged();
    } catch (e) {
      root.dataset.state = 'error';
      status.textContent = `failed: ${e.message}`;
    } finally {
      run.disabled = store.digits.length === 0;
    }
  }

  function showResult(r, labels) {
    const names = classNames();
    const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
    result.dataset.before = String(r.before.accuracy);
    result.dataset.after = String(r.after.accuracy);
    result.dataset.predictedBefore = JSON.stringify(r.before.predicted);
    result.dataset.predictedAfter = JSON.stringify(r.after.predicted);
    result.dataset.labels = JSON.stringify([...labels]);
    result.dataset.testBefore = String(r.testBefore);
    result.dataset.testAfter = String(r.testAfter);
    const summary = document.createElement('p');
    summary.innerHTML = '<b></b> <span></span>';
    summary.firstChild.textContent = `Your digits: ${pct(r.before.accuracy)} → ${pct(r.after.accuracy)} right.`;
    summary.lastChild.textContent = r.testBefore == null ? '' : `Test digits (500): ${pct(r.testBefore)} → ${pct(r.testAfter)}${r.testAfter < r.testBefore - 0.02 ? ' — it forgot some of what it knew; replay training digits or freeze more layers' : ''}. Frozen: ${r.frozen.map((f, i) => (f ? i : null)).filter((i) => i !== null).join(', ') || 'nothing'}.`;
    const grid = document.createElement('div');
    grid.className = 'my-digits';
    store.digits.forEach((d, i) => {
      const fig = document.createElement('figure');
      fig.className = `my-digit ${r.after.predicted[i] === d.label ? 'right' : 'wrong'}`;
      const c = mapCanvas(28, 28, 1, 'map digit');
      paintDigit(c, Float32Array.from(d.pixels, (b) => b / 255), 0, 28, 28);
      const cap = document.createElement('figcaption');
      cap.textContent = `${names[r.before.predicted[i]]}→${names[r.after.predicted[i]]}`;
      cap.title = `labelled ${names[d.label]}; predicted ${names[r.before.predicted[i]]} before, ${names[r.after.predicted[i]]} after`;
      fig.append(c, cap);
      grid.append(fig);
    });
    result.replaceChildren(summary, grid);
  }

  return {
    element: root,
    // A data set switch brings another list of personal digits.
    setDataset(name) {
      store = createDigitStore(name);
      store.onChange(renderList);
      renderAddButtons();
      renderList();
      result.replaceChildren();
    },
    setLayers(list) {
      const signature = (ls) => ls.map((l) => l.spec).join('|');
      if (signature(list) === signature(layers)) return;
      layers = list;
      freezeChoice = new Map();
      renderFreeze();
    },
    get store() { return store; },
  };
}
