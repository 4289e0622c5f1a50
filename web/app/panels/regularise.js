// "Overfitting and regularisation": two fresh copies of the page's network
// trained side by side, differing in one setting the learner picks (dropout,
// weight decay, augmentation, training digits, initialisation, activation,
// optimiser, loss), their train and test curves together (compare.js). With
// few training digits the train curve runs away from the test one; dropout,
// weight decay and augmentation narrow the gap.
//
// Page events: 'augment-options' from the augmentation panel (what
// "with augmentation" uses).
import { COMPARE_SETTINGS } from '../../comparison.js';
import { trainingOptions } from '../../settings.js';
import { html } from '../dom.js';
import { createCompareView } from './compare.js';

function mount(section, { client, settings, events }) {
  section.classList.add('see-inside'); // the inspect panels' look, its buttons' contrast included
  section.append(html`
    <p class="lead">A network that learns its training digits by heart does worse on digits it has not seen:
      set <em>Training digits</em> to 100 above and watch the measured training accuracy reach 100 % while the test
      accuracy stays behind. Here two fresh copies of the network above, from the same seed and with the same
      optimiser settings, are trained side by side and differ in one thing you choose; the plain lines are the
      test digits, the dashed ones the training batches. With the mean squared error the network learns from
      ½Σ(t − o)² of its raw outputs instead of the softmax's −log pₜ.</p>`);
  let latest = null;
  const view = createCompareView(section, {
    client,
    settings: Object.keys(COMPARE_SETTINGS),
    augment: () => latest && { options: latest.options, fallback: latest.standard ?? {} },
    base: () => {
      const s = settings.get();
      const { optimizer, learningRate, momentum, batchSize, weightDecay, seed } = trainingOptions(s);
      return { net: s.net, seed, training: { optimizer, learningRate, momentum, batchSize, weightDecay } };
    },
  });
  const off = events.on('augment-options', (payload) => (latest = payload));
  return {
    destroy() {
      off();
      view.destroy();
    },
  };
}

export const regularisePanel = { id: 'regularise', title: 'Overfitting and regularisation', wide: true, mount };
