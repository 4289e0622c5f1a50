// "The network explained": one table of every layer of the worker's model,
// its output shape, parameter count and receptive field (layer-explain.js),
// redrawn when the model's architecture changes.
import { html, roles } from '../dom.js';
import { MNIST_SHAPE } from '../../util.js';
import { renderNetworkSummary } from './layer-explain.js';
import { layersSignature, watchModel } from './model-info.js';

function mount(section, { client }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">Each layer's output shape and parameter count. A conv layer's output side is
      O = (W − K + 2P)/S + 1 (input W, kernel K, padding P, stride S); it has (K·K·C_in + 1)·C_out parameters.
      A dense layer has (in + 1)·out.</p>
    <div data-role="summary"></div>`);
  const { summary } = roles(section);
  let shown = '';
  const off = watchModel(client, ({ layers, inputShape }) => {
    const signature = layersSignature(layers);
    if (signature === shown) return;
    shown = signature;
    summary.replaceChildren(renderNetworkSummary(layers, inputShape ?? MNIST_SHAPE));
  });
  return { destroy: off };
}

export const explainedPanel = { id: 'explained', title: 'The network explained', wide: true, mount };
