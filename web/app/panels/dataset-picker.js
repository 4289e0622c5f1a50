// Which data set the network learns: MNIST digits, or Fashion-MNIST (ten
// kinds of clothing, same 28×28 grey format) when its files were prepared
// (web/data/fashion/, written by the prepare script when Debian's
// dataset-fashion-mnist is installed; probed with a HEAD request).
//
// The choice is a setting ('dataset'), so a link carries it: picking one
// only sets it; the worker switches, loads its pretrained model and posts a
// 'dataset' event, and that event (or the layers reply, via setActive) is
// what the picker shows as active.
import { el, html, roles } from '../dom.js';

export const DATASETS = {
  mnist: { label: 'MNIST digits', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
  fashion: {
    label: 'Fashion-MNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
};

export function classNamesFor(name) {
  return (DATASETS[name] ?? DATASETS.mnist).classes;
}

// Whether the data set's files are served (both splits' images).
export async function datasetAvailable(name, base = new URL('../../data/', import.meta.url)) {
  try {
    const heads = await Promise.all(['train', 'test'].map((split) =>
      fetch(new URL(`${name}/${split}-images.png`, base), { method: 'HEAD' })));
    return heads.every((r) => r.ok);
  } catch {
    return false;
  }
}

const NOT_PREPARED = 'not prepared: install dataset-fashion-mnist and run npm run prepare-data';

// app: { client, settings }. Returns { element, setActive(name) }.
export function createDatasetPicker(container, { client, settings }) {
  const root = el('div', { className: 'dataset-picker', dataset: { testid: 'dataset-picker' } });
  root.append(html`<span class="dataset-title">Data set:</span>`);
  const radios = {};
  for (const [name, d] of Object.entries(DATASETS)) {
    // Disabled until probed.
    const input = el('input', { type: 'radio', name: 'dataset-choice', value: name, disabled: true });
    input.dataset.testid = `dataset-${name}`;
    input.addEventListener('change', () => {
      // Compared with the choice, not with what the worker has made active: a
      // second choice made while the first loads must still be sent (the last one wins).
      if (!input.checked || name === settings.get().dataset) return;
      parts.note.textContent = `switching to ${d.label} and its pretrained model…`;
      settings.set({ dataset: name });
    });
    radios[name] = { input, label: el('label', {}, input, ` ${d.label}`) };
    root.append(radios[name].label);
  }
  root.append(html`
    <span class="dataset-active" data-testid="dataset-active" data-role="active"></span>
    <span class="inspect-status" data-role="note"></span>
    <div class="dataset-classes" data-testid="dataset-classes" data-role="classes"></div>`);
  const parts = roles(root);
  container.append(root);
  let active = null;

  (async () => {
    for (const [name, { input, label }] of Object.entries(radios)) {
      const ok = name === 'mnist' || (await datasetAvailable(name));
      input.disabled = !ok;
      label.title = ok ? '' : NOT_PREPARED;
      label.classList.toggle('unavailable', !ok);
      root.dataset[`has${name[0].toUpperCase()}${name.slice(1)}`] = String(ok);
    }
    root.dataset.probed = '1';
  })();

  function setActive(name) {
    if (name === active) return;
    active = name;
    for (const [n, { input }] of Object.entries(radios)) input.checked = n === name;
    parts.active.textContent = `active: ${DATASETS[name]?.label ?? name}`;
    parts.active.dataset.dataset = name;
    parts.classes.textContent = name === 'mnist' ? 'classes: the digits 0–9'
      : `classes: ${classNamesFor(name).map((c, k) => `${k} ${c}`).join(' · ')}`;
    parts.note.textContent = '';
  }
  setActive(settings.get().dataset ?? 'mnist');
  const off = client.on('dataset', ({ name }) => setActive(name));
  return { element: root, setActive, destroy: off };
}
