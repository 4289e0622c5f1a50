// Which data set the network learns: MNIST digits, or Fashion-MNIST (ten
// kinds of clothing, same 28×28 grey format) when its files were prepared
// (web/data/fashion/, written by the prepare script when Debian's
// dataset-fashion-mnist is installed; probed with a HEAD request). Shows the
// active one with its class names; switching asks the page for a fresh
// network on the other data set.

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
export async function datasetAvailable(name, base = new URL('../data/', import.meta.url)) {
  try {
    const heads = await Promise.all(['train', 'test'].map((split) => fetch(new URL(`${name}/${split}-images.png`, base), { method: 'HEAD' })));
    return heads.every((r) => r.ok);
  } catch {
    return false;
  }
}

export function createDatasetPicker(container, { onChange, enabled = true }) {
  const root = document.createElement('div');
  root.className = 'dataset-picker';
  root.dataset.testid = 'dataset-picker';
  const title = document.createElement('span');
  title.className = 'dataset-title';
  title.textContent = 'Data set:';
  root.append(title);
  const radios = {};
  for (const [name, d] of Object.entries(DATASETS)) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'inspect-dataset';
    input.value = name;
    input.dataset.testid = `dataset-${name}`;
    input.disabled = true;  // until probed
    input.addEventListener('change', () => {
      if (!input.checked || name === active) return;
      note.textContent = `starting a fresh network on ${d.label}…`;
      onChange(name);
    });
    label.append(input, ` ${d.label}`);
    root.append(label);
    radios[name] = { input, label };
  }
  const active_ = document.createElement('span');
  active_.className = 'dataset-active';
  active_.dataset.testid = 'dataset-active';
  const classes = document.createElement('div');
  classes.className = 'dataset-classes';
  classes.dataset.testid = 'dataset-classes';
  const note = document.createElement('span');
  note.className = 'inspect-status';
  root.append(active_, note, classes);
  container.append(root);
  let active = 'mnist';

  (async () => {
    for (const name of Object.keys(DATASETS)) {
      const ok = name === 'mnist' || (await datasetAvailable(name));
      radios[name].input.disabled = !ok || !enabled;
      radios[name].label.title = ok ? '' : 'not prepared: install dataset-fashion-mnist and run npm run prepare-data';
      radios[name].label.classList.toggle('unavailable', !ok);
      root.dataset[`has${name[0].toUpperCase()}${name.slice(1)}`] = String(ok);
    }
    root.dataset.probed = '1';
  })();

  function setActive(name) {
    active = name;
    for (const [n, r] of Object.entries(radios)) r.input.checked = n === name;
    active_.textContent = `active: ${DATASETS[name]?.label ?? name}`;
    active_.dataset.dataset = name;
    classes.textContent = name === 'mnist' ? 'classes: the digits 0–9' : `classes: ${classNamesFor(name).map((c, k) => `${k} ${c}`).join(' · ')}`;
    note.textContent = '';
  }
  setActive(active);
  return { element: root, setActive };
}
