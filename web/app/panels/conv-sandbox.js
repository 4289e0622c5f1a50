// "Convolution by hand": one kernel over the drawn digit, computed by the
// engine (a one-layer conv network with the kernel as its weights: the
// 'convolve' command), with the window stepped cell by cell to show the
// products and their sum, stride and padding with the output-size formula,
// and a switch between cross-correlation (what conv layers compute) and
// convolution (the kernel flipped). Below it, the same for a learned filter
// of the live network: per input channel, then summed over the depth.
import { el, html, roles } from '../dom.js';
import { mapCanvas, paintDigit, paintMap, scaleFor, valueRange, wholeScale } from '../maps.js';
import { KERNELS, flipKernel, outputSize, windowProducts } from './conv-kernels.js';
import { learnedFilterView } from './conv-learned.js';

const SIDE = 28;
const fmt = (v) => (Math.abs(v) < 5e-4 ? '0' : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));

function mount(section, { client, events }) {
  section.classList.add('see-inside');
  section.append(html`
    <p class="lead">A kernel slides over the image; at each position the output is the sum of the element-wise
      products of the kernel and the pixels under it. The engine computes the map below (a one-layer network
      whose weights are this kernel).</p>
    <div class="sandbox-controls">
      <label>kernel <select data-testid="sandbox-kernel" data-role="kernel"></select></label>
      <label>size <select data-testid="sandbox-size" data-role="size">
        <option value="3">3×3</option><option value="5">5×5</option><option value="7">7×7</option></select></label>
      <label>stride <select data-testid="sandbox-stride" data-role="stride">
        <option>1</option><option>2</option><option>3</option></select></label>
      <label>padding <select data-testid="sandbox-pad" data-role="pad">
        <option>0</option><option>1</option><option>2</option><option>3</option></select></label>
      <fieldset class="sandbox-mode"><legend>operation</legend>
        <label><input type="radio" name="sandbox-mode" value="xcorr" checked data-testid="sandbox-xcorr">
          cross-correlation (what conv layers compute)</label>
        <label><input type="radio" name="sandbox-mode" value="conv" data-testid="sandbox-conv">
          convolution Σ x[t − a]·w[a] (kernel flipped)</label></fieldset>
    </div>
    <p class="formula" data-testid="sandbox-formula" data-role="formula" aria-live="polite"></p>
    <div class="sandbox-row">
      <figure><div data-role="kernelGrid" class="kernel-grid" data-testid="sandbox-weights"></div>
        <figcaption>the kernel — edit any weight</figcaption></figure>
      <figure><div class="overlay-wrap" data-role="inputWrap"></div><figcaption>input, the window</figcaption></figure>
      <figure><div class="overlay-wrap" data-role="outputWrap"></div>
        <figcaption data-role="outputCaption">output map</figcaption></figure>
    </div>
    <p data-testid="sandbox-difference" data-role="difference"></p>
    <div class="sandbox-step">
      <label>window position <input type="range" min="0" value="0" data-testid="sandbox-position"
        data-role="position"></label>
      <button type="button" class="button secondary" data-role="next" data-testid="sandbox-next">Next position</button>
      <span data-role="where" aria-live="polite"></span>
    </div>
    <div data-testid="sandbox-products" data-role="products" class="products"></div>
    <div data-role="learned"></div>`);
  const parts = roles(section);
  for (const [name, k] of Object.entries(KERNELS)) {
    parts.kernel.append(el('option', { value: name, textContent: k.label }));
  }
  parts.kernel.append(el('option', { value: 'painted', textContent: 'painted (your own)' }));
  parts.kernel.value = 'sobelX';

  const scale = wholeScale(SIDE, 168);
  const inputCanvas = mapCanvas(SIDE, SIDE, scale, { className: 'map digit', dataset: { testid: 'sandbox-input' } });
  const windowBox = el('div', { className: 'window-box' });
  parts.inputWrap.append(inputCanvas, windowBox);
  let outputCanvas = null;
  const cellBox = el('div', { className: 'window-box' });

  let kernel = Float32Array.from(KERNELS.sobelX.values); // as painted, before any flip
  let size = 3;
  let image = new Float32Array(SIDE * SIDE);
  let result = null; // { output, flippedOutput, side }
  let generation = 0;

  const options = () => ({
    stride: Number(parts.stride.value), pad: Number(parts.pad.value), flip: section.querySelector(
      'input[name="sandbox-mode"]:checked').value === 'conv',
  });
  const applied = () => (options().flip ? flipKernel(kernel) : kernel);

  function buildGrid() {
    parts.kernelGrid.style.gridTemplateColumns = `repeat(${size}, 3.6em)`;
    parts.kernelGrid.replaceChildren(...Array.from(kernel, (v, i) => {
      const input = el('input', { type: 'number', step: '0.1', value: String(Number(v.toFixed(4))),
        className: 'kernel-cell', dataset: { index: i } });
      input.setAttribute('aria-label', `weight row ${Math.floor(i / size) + 1}, column ${(i % size) + 1}`);
      input.addEventListener('change', () => {
        const value = Number(input.value);
        if (!Number.isFinite(value)) return;
        kernel[i] = value;
        parts.kernel.value = 'painted';
        compute();
      });
      return input;
    }));
  }

  function chooseKernel(name) {
    if (name === 'painted') return;
    kernel = Float32Array.from(KERNELS[name].values);
    size = KERNELS[name].size;
    parts.size.value = String(size);
    buildGrid();
    compute();
  }

  // Both the kernel and its flip in one engine call: the map shown and where they differ.
  async function compute() {
    const mine = ++generation;
    const { stride, pad, flip } = options();
    const expected = outputSize(SIDE, size, stride, pad);
    const formula = `O = (W − K + 2P)/S + 1 = (${SIDE} − ${size} + 2·${pad})/${stride} + 1 = `
      + `${Number(expected.size.toFixed(2))}`;
    const weights = new Float32Array(2 * size * size);
    weights.set(kernel);
    weights.set(flipKernel(kernel), size * size);
    let reply;
    try {
      reply = await client.request('convolve', {
        image: image.slice(), shape: { c: 1, h: SIDE, w: SIDE }, weights, kernel: size, stride, pad,
      });
    } catch (error) {
      if (mine !== generation) return;
      parts.formula.textContent = `${formula}: ${expected.fits ? '' : 'not a whole number, so '}the engine refuses `
        + `this geometry (${error.message})`;
      parts.formula.dataset.side = 'refused';
      return;
    }
    if (mine !== generation) return;
    const side = reply.shape.w, per = side * side;
    const xcorr = reply.output.subarray(0, per), conv = reply.output.subarray(per);
    result = { output: flip ? conv : xcorr, side };
    let differ = 0;
    for (let i = 0; i < per; ++i) if (Math.abs(xcorr[i] - conv[i]) > 1e-5) ++differ;
    const symmetric = kernel.every((v, i) => v === kernel[kernel.length - 1 - i]);
    parts.difference.textContent = differ === 0
      ? `Here convolution and cross-correlation give the same map${symmetric
        ? ': the kernel is unchanged by a 180° turn.' : '.'}`
      : `Convolution and cross-correlation differ at ${differ} of ${per} output cells: the flipped kernel `
        + 'is another kernel (a Sobel kernel flips its sign: edges of the other polarity light up).';
    parts.difference.dataset.differ = String(differ);
    parts.formula.textContent = `${formula}  →  the engine's map is ${side}×${side}`;
    parts.formula.dataset.side = String(side);
    paintOutput();
  }

  function paintOutput() {
    const { output, side } = result;
    if (!outputCanvas || Number(outputCanvas.width) !== side) {
      outputCanvas = mapCanvas(side, side, (SIDE * scale) / side, { dataset: { testid: 'sandbox-output' } });
      parts.outputWrap.replaceChildren(outputCanvas, cellBox);
    }
    paintMap(outputCanvas, output, 0, side, side, scaleFor(valueRange(output)));
    outputCanvas.dataset.values = JSON.stringify(Array.from(output, (v) => Number(v.toFixed(5))));
    parts.position.max = String(side * side - 1);
    if (Number(parts.position.value) > side * side - 1) parts.position.value = '0';
    showStep();
  }

  // The window at the chosen position: its products, their sum, and the engine's value for that cell.
  function showStep() {
    if (!result) return;
    const { side, output } = result;
    const { stride, pad } = options();
    const at = Number(parts.position.value), row = Math.floor(at / side), col = at % side;
    const w = applied();
    const { cells, sum } = windowProducts(image, SIDE, w, size, { row, col, stride, pad });
    const px = inputCanvas.getBoundingClientRect().width / SIDE || scale;
    Object.assign(windowBox.style, { left: `${(col * stride - pad) * px}px`, top: `${(row * stride - pad) * px}px`,
      width: `${size * px}px`, height: `${size * px}px` });
    const cellPx = (SIDE * scale) / side;
    Object.assign(cellBox.style, { left: `${col * cellPx}px`, top: `${row * cellPx}px`, width: `${cellPx}px`,
      height: `${cellPx}px` });
    parts.where.textContent = `row ${row}, column ${col} of the output`;
    const table = el('div', { className: 'product-grid', style: { gridTemplateColumns: `repeat(${size}, auto)` } },
      ...cells.map((c) => el('span', {
        className: `product${c.inside ? '' : ' padding'}`, textContent: `${fmt(c.value)}×${fmt(c.weight)}`,
        title: c.inside ? `pixel (${c.y}, ${c.x})` : 'padding: 0', dataset: { testid: 'sandbox-product',
          value: c.value, weight: c.weight, product: c.product, y: c.y, x: c.x },
      })));
    const engine = output[at];
    parts.products.replaceChildren(table, el('p', { dataset: { testid: 'sandbox-sum', sum, engine },
      textContent: `sum of the ${size * size} products = ${fmt(sum)}; the engine's output cell = ${fmt(engine)}` }));
  }

  parts.kernel.addEventListener('change', () => chooseKernel(parts.kernel.value));
  parts.size.addEventListener('change', () => {
    size = Number(parts.size.value);
    kernel = new Float32Array(size * size);
    kernel[(size * size - 1) / 2] = 1; // an identity to start painting from
    parts.kernel.value = 'painted';
    buildGrid();
    compute();
  });
  for (const control of [parts.stride, parts.pad]) control.addEventListener('change', compute);
  for (const radio of section.querySelectorAll('input[name="sandbox-mode"]')) {
    radio.addEventListener('change', () => {
      compute();
      learned.refresh();
    });
  }
  parts.position.addEventListener('input', showStep);
  parts.next.addEventListener('click', () => {
    parts.position.value = String((Number(parts.position.value) + 1) % (Number(parts.position.max) + 1));
    showStep();
  });

  let drawnDigit = null;
  const learned = learnedFilterView(parts.learned, { client, digit: () => drawnDigit });
  const offDigit = events.on('digit', ({ image: drawn }) => {
    drawnDigit = drawn;
    image = drawn ? drawn.slice() : new Float32Array(SIDE * SIDE);
    paintDigit(inputCanvas, image, 0, SIDE, SIDE);
    compute();
    learned.refresh();
  });
  buildGrid();
  paintDigit(inputCanvas, image, 0, SIDE, SIDE);
  const offReady = client.on('ready', compute);
  compute();
  return {
    destroy() {
      offDigit();
      offReady();
      learned.destroy();
    },
  };
}

export const convSandboxPanel = { id: 'convolution', title: 'Convolution by hand', wide: true, mount };
