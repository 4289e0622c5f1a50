// "What augmentation buys": the page's network measured on turned and moved
// test digits (robustness.js), then two fresh networks trained side by side,
// with and without augmentation, and measured the same way (compare.js).
//
// Page events: listens to 'augment-options' { options, standard } from the
// augmentation panel: the comparison trains with its settings, or with the
// engine's standard preset when every transform there is off.
import { html } from '../dom.js';
import { createCompareView } from './compare.js';
import { createRobustnessView } from './robustness.js';

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Accuracy on test digits as they are turned and moved. First for the network on this page; then
      for two fresh LeNet-5s trained side by side from the same start, one with augmentation and one without.</p>`);
  let latest = null; // the last 'augment-options' payload
  const robustness = createRobustnessView(section, { client });
  section.append(html`<h3>With and without augmentation, side by side</h3>`);
  const compare = createCompareView(section, {
    client,
    augment: () => latest && { options: latest.options, fallback: latest.standard ?? {} },
  });
  const off = events.on('augment-options', (payload) => {
    latest = payload;
  });
  return {
    destroy() {
      off();
      robustness.destroy();
      compare.destroy();
    },
  };
}

export const effectPanel = { id: 'effect', title: 'What augmentation buys', wide: true, mount };
