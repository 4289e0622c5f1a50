// How much of Grad-CAM's and LayerCAM's heat lies near the ink, for the
// shipped LeNet-5 on the first N MNIST test digits and on a few pen digits
// drawn by the page's preprocessing: the figures in the README's
// "Measured in the explorables". The maps and their upsampling are the
// page's own (web/worker/explore.js, web/app/panels/reliance.js).
//   node bench/cam-on-ink.mjs [N]
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

import { loadEngine, readMnist, repo } from '../tests/node/engine-helpers.mjs';
import { unitGeometry } from '../web/app/panels/geometry.js';
import { camOverInput, nearInk } from '../web/app/panels/reliance.js';
import { strokesToMnist } from '../web/app/preprocess.js';
import { activationMap, fineCamLayer, gradCamLayer } from '../web/worker/explore.js';

const count = Number(process.argv[2] ?? 200);
const engine = await loadEngine();
const model = engine.Model.fromBytes(new Uint8Array(await readFile(repo('web/models/lenet5.cnn'))), 1);
const layers = model.layers();
const geometry = unitGeometry(layers);
const methods = [['Grad-CAM', gradCamLayer(layers), false], ['LayerCAM', fineCamLayer(layers), true]];

// { share near the ink, peak near the ink } of one image's map for its class.
function onInk(image, label, layer, perPosition, clampedEdges) {
  model.inputGradient(image, Float32Array.from({ length: 10 }, (_, i) => (i === label ? 1 : 0)));
  const { cam } = activationMap(model.activation(layer, 0), model.outputGradient(layer, 0), layers[layer].output,
    perPosition);
  const heat = camOverInput(cam, layers[layer].output, geometry[layer], 28, { clampedEdges });
  const near = nearInk(image);
  const total = heat.reduce((a, b) => a + b, 0) || 1e-12;
  let peak = 0;
  for (let j = 1; j < heat.length; ++j) if (heat[j] > heat[peak]) peak = j;
  return { share: heat.reduce((a, v, j) => a + (near[j] ? v : 0), 0) / total, peak: near[peak],
    area: near.reduce((a, b) => a + b, 0) / near.length };
}

const mnist = await readMnist('test');
const data = new engine.Data(mnist.png, mnist.labels);
const { images, labels } = data.slice(0, count);
const pct = (v) => `${(100 * v).toFixed(1)} %`;
for (const [name, layer, perPosition] of methods)
  for (const clampedEdges of perPosition ? [false] : [true, false]) {
    let share = 0, peak = 0, area = 0;
    for (let i = 0; i < count; ++i) {
      const r = onInk(images.subarray(i * 784, (i + 1) * 784), labels[i], layer, perPosition, clampedEdges);
      share += r.share / count, peak += r.peak / count, area += r.area / count;
    }
    console.log(`${name} over layer ${layer} (${layers[layer].spec})${clampedEdges ? ', edges stretched (before)' : ''}`
      + `: ${pct(share)} of the heat near the ink, the peak near the ink for ${pct(peak)} of ${count} test digits `
      + `(near-ink pixels: ${pct(area)} of the image)`);
  }
const pens = JSON.parse(gunzipSync(await readFile(repo('tests/data/pendigits/pendigits-train.json.gz'))).toString());
const three = pens.find((d) => d.label === 3 && d.writer === 2); // the browser test's digit
const image = strokesToMnist(three.strokes);
for (const [name, layer, perPosition] of methods) {
  const r = onInk(image, 3, layer, perPosition, false);
  console.log(`the pen 3 of writer 2, ${name}: ${pct(r.share)} near the ink, peak on it: ${r.peak === 1}`);
}
model.delete();
data.delete();
