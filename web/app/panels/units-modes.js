// Training mode against test mode for the drawn digit, for the layers that
// behave differently: batch norm (a batch's own mean and variance vs the
// running averages) and dropout (a random mask, scaled by 1/p, vs nothing
// dropped). Both passes are the engine's (the activations command, mode
// 'train' | 'test'); the dropped units are counted from its maps: a value
// the dropout layer got that it passed on as 0.
import { flattenLayers } from '../../network.js';
import { argmax, formatPercent } from '../../util.js';
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintBars, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';

const SHOWN_MAPS = 6; // channels drawn per layer
const MODES = ['test', 'train'];

// The map before entry k in its own chain (same block and branch), or -1 when k is first there.
function inputIndex(flat, k) {
  for (let j = k - 1; j >= 0; j--) {
    if (flat[j].parent === flat[k].parent && flat[j].branch === flat[k].branch) return j;
    if (j === flat[k].parent) return -1;
  }
  return -1;
}

function drawMaps(map, shape) {
  const { c, h, w } = shape;
  if (h === 1 && w === 1) {
    const bars = el('canvas', { className: 'activation-bars', style: { width: '260px', height: '40px' } });
    return { node: bars, paint: () => paintBars(bars, Array.from(map)) };
  }
  const scale = scaleFor(valueRange(map));
  const canvases = Array.from({ length: Math.min(c, SHOWN_MAPS) }, () => mapCanvas(w, h, wholeScale(w, 42)));
  return { node: el('div', { className: 'map-row' }, ...canvases),
    paint: () => canvases.forEach((cv, i) => paintMap(cv, map, i * h * w, w, h, scale)) };
}

export function createModesView(container, { client }) {
  const root = el('div', { className: 'units-modes', dataset: { testid: 'units-modes' } });
  root.append(html`<h3>Training mode or test mode, for your digit</h3>
    <p class="inspect-status" data-role="status">Draw a digit above.</p>
    <div data-role="layers"></div>`);
  container.append(root);
  const parts = roles(root);
  let image = null, asked = 0;

  async function show() {
    const mine = ++asked;
    if (!image) {
      parts.status.textContent = 'Draw a digit above.';
      parts.layers.replaceChildren();
      return;
    }
    // A copy each: a request's typed arrays are transferred to the worker.
    const [test, train] = await Promise.all(MODES.map((mode) =>
      client.request('activations', { image: image.slice(), mode })));
    if (mine !== asked || test.empty) return;
    const flat = flattenLayers(test.layers);
    const answer = (probs) => {
      const k = argmax(probs);
      return `${k} (${formatPercent(probs[k])})`;
    };
    parts.status.textContent = `Test mode answers ${answer(test.probs)}, training mode ${answer(train.probs)}.`;
    root.dataset.testAnswer = String(argmax(test.probs));
    root.dataset.trainAnswer = String(argmax(train.probs));
    const rows = [];
    flat.forEach(({ layer }, k) => {
      if (layer.kind !== 'batchnorm' && layer.kind !== 'dropout') return;
      const drawn = MODES.map((mode) => drawMaps((mode === 'test' ? test : train).maps[k], layer.output));
      const j = inputIndex(flat, k);
      let note = layer.kind === 'batchnorm' ? 'test: the running mean and variance; training: this digit\'s own'
        : 'test: nothing dropped';
      const differ = test.maps[k].some((v, i) => v !== train.maps[k][i]);
      const row = el('div', { className: 'units-mode-row', dataset: { testid: 'units-mode-layer', kind: layer.kind,
        path: layer.path, modesDiffer: differ ? '1' : '0' } });
      if (layer.kind === 'dropout' && j >= 0) {
        const x = train.maps[j], y = train.maps[k];
        let dropped = 0, live = 0;
        x.forEach((v, i) => {
          if (v === 0) return;
          live++;
          dropped += y[i] === 0;
        });
        const keptTest = test.maps[k].every((v, i) => v === test.maps[j][i]);
        const share = formatPercent(live ? dropped / live : 0);
        note = `training: ${dropped} of ${live} non-zero values dropped (${share}), the rest scaled by 1/p; ` +
          `test: ${keptTest ? 'nothing dropped' : 'changed'}`;
        row.dataset.dropped = String(dropped);
        row.dataset.testUnchanged = keptTest ? '1' : '0';
      }
      row.append(el('p', { className: 'mono', textContent: `${layer.path} ${layer.spec}: ${note}` }),
        ...drawn.map((d, i) => el('figure', {}, d.node, el('figcaption', { textContent: `${MODES[i]} mode` }))));
      rows.push({ row, drawn });
    });
    if (!rows.length) {
      parts.layers.replaceChildren(el('p', { textContent: 'This network has no batch norm or dropout layer: both ' +
        'modes compute the same (add one in the network editor, or set Dropout above and Reset).' }));
    } else parts.layers.replaceChildren(...rows.map((r) => r.row));
    rows.forEach((r) => r.drawn.forEach((d) => d.paint()));
    root.dataset.updates = String(Number(root.dataset.updates ?? 0) + 1);
  }

  const refresh = () => show().catch((error) => (parts.status.textContent = `Could not compare: ${error.message}`));
  return {
    setDigit(next) {
      image = next;
      refresh();
    },
    refresh,
  };
}
