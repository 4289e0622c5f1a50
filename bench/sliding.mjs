// One pass of the fully convolutional LeNet-5 over a drawn number's image
// against the same windows cut out and classified one by one (as one batch):
// the saving the 1×1-convolution idea buys. Same engine build, same image,
// side by side in one run, the two alternating; medians and minima of
// `--repeat` (default 30) runs each (on a loaded machine the minimum is the
// figure the scheduler disturbed least).
//
//   node bench/sliding.mjs [--width 100] [--repeat 30]
import { readFile } from 'node:fs/promises';
import { optionValue, repoPath } from '../tools/lib/common.mjs';

const width = Number(optionValue(process.argv, '--width', 100)), height = 36;
const repeat = Number(optionValue(process.argv, '--repeat', 30));
const { default: createEngine } = await import(repoPath('web', 'engine', 'cnn-simd.mjs'));
const engine = await createEngine({ wasmBinary: await readFile(repoPath('web', 'engine', 'cnn-simd.wasm')) });
const model = engine.Model.fromBytes(new Uint8Array(await readFile(repoPath('web', 'models', 'lenet5.cnn'))), 256);
const image = Float32Array.from({ length: width * height }, (_, i) => ((i * 7919) % 101) / 100);
const stride = engine.slidingStride(model);
let positions = 0;
let fc = null;
function convert() {
  fc?.delete();
  fc = new engine.FullyConvolutional(model, height, width);
  const g = fc.geometry();
  positions = g.positions.h * g.positions.w;
}
const slide = () => fc.classMaps(image);
function windowByWindow() {
  const crops = new Float32Array(positions * 784);
  let n = 0;
  for (let y = 0; y + 28 <= height; y += stride.h) {
    for (let x = 0; x + 28 <= width; x += stride.w, n++)
      for (let r = 0; r < 28; r++)
        crops.set(image.subarray((y + r) * width + x, (y + r) * width + x + 28), n * 784 + r * 28);
  }
  model.predict(crops);
}
const times = { convert: [], slide: [], windows: [] };
convert();
slide();
windowByWindow();
for (let i = 0; i < repeat; i++) {
  for (const [name, fn] of [['convert', convert], ['slide', slide], ['windows', windowByWindow]]) {
    const start = performance.now();
    fn();
    times[name].push(performance.now() - start);
  }
}
const stats = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0] };
};
const a = stats(times.slide), b = stats(times.windows), c = stats(times.convert);
const ms = (s) => `${s.median.toFixed(2)} ms (min ${s.min.toFixed(2)})`;
console.log(`${width}×${height} image, ${positions} windows of 28×28 every ${stride.w} pixels (wasm SIMD, medians of ` +
  `${repeat}): one fully convolutional pass ${ms(a)}; the windows cut out and classified as one batch ${ms(b)}: ` +
  `${(b.median / a.median).toFixed(1)}× the time (minima ${(b.min / a.min).toFixed(1)}×); making the fully ` +
  `convolutional network (a new Network, the weights copied) ${ms(c)}`);
fc.delete();
model.delete();
