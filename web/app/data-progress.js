// The download of a data set, as a bar at the foot of the window: the sets
// load only when something needs them (worker/world.js), which may be a
// panel far from where the learner is looking, and 10 MB takes a while on a
// phone. One row per set, from its 'data' events; gone when it is in.
import { el } from './dom.js';

const MB = 1e6;
const megabytes = (bytes) => (bytes / MB).toFixed(1);

export function mountDataProgress(container, client) {
  const strip = el('div', { className: 'data-progress', hidden: true, dataset: { testid: 'data-progress' } });
  container.append(strip);
  const rows = new Map(); // set name ('test' | 'train') -> { row, text, bar, message }

  function rowFor(set, message) {
    if (!rows.has(set)) {
      const text = el('span', { className: 'data-progress-text' });
      const bar = el('progress', { max: 1 });
      bar.setAttribute('aria-label', message);
      const row = el('div', { className: 'data-progress-row', dataset: { set } }, text, bar);
      strip.append(row);
      rows.set(set, { row, text, bar, message });
    }
    strip.hidden = false;
    return rows.get(set);
  }

  function done(set) {
    rows.get(set)?.row.remove();
    rows.delete(set);
    strip.hidden = rows.size === 0;
  }

  const off = client.on('data', ({ stage, message, loaded, total }) => {
    const [set, step] = stage.split('-');
    if (!step) rowFor(set, message).text.textContent = message;
    else if (step === 'progress' && rows.has(set)) {
      const r = rows.get(set);
      if (total) r.bar.value = loaded / total;
      else r.bar.removeAttribute('value'); // size unknown: an indeterminate bar
      r.text.textContent = `${r.message} ${megabytes(loaded)}${total ? ` of ${megabytes(total)}` : ''} MB`;
    } else if (step === 'ready' || step === 'error') done(set);
  });
  // A new worker starts with nothing loading.
  const offLost = client.on('worker-lost', () => [...rows.keys()].forEach(done));
  return {
    destroy() {
      off();
      offLost();
      strip.remove();
    },
  };
}
