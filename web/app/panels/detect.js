// "Read a number": detection with the digit classifier. The learner writes
// several digits on a wide pad; the page makes the image the network slides
// over (../number-image.js), the worker runs the live classifier made fully
// convolutional over it in one pass ('detect', worker/detect.js), and the
// page turns its class maps into boxes (../../detections.js: thresholding,
// then non-maximum suppression, both settings as sliders); each box is read
// again centred on its ink ('readWindows'), and those digits, left to right,
// are the number.
// The reading element carries data-number and data-strokes for the tests.
import { argmax, throttleAsync } from '../../util.js';
import { html, roles } from '../dom.js';
import { createDrawingPad } from '../draw-pad.js';
import { DEFAULT_DETECTION, readNumber } from '../../detections.js';
import { strokesToNumberImage } from '../number-image.js';
import { tooLittleInk } from '../preprocess.js';
import { paintDetections, paintHeatMaps, viewScale } from './detect-view.js';

function mount(section, app) {
  const { client } = app;
  section.append(html`
    <p class="lead">A classifier trained on single 28×28 digits can read a whole number. Its dense layers are
      turned into convolutions with the same weights: the first one, over the C×H×W maps below it, is a convolution
      with an H×W kernel; the later ones see one C×1×1 vector per place, so they are 1×1 convolutions. The network
      then takes an image of any width and gives, in one pass, its ten probabilities for every 28×28 window of it,
      one window every few pixels (the product of the strides of its pooling and convolution layers).</p>
    <div class="pad-wrap number-pad-wrap">
      <canvas class="pad number-pad" data-testid="number-pad" tabindex="0" role="application"
        aria-roledescription="drawing pad" aria-label="Wide drawing area: write a number of several digits"
        aria-describedby="number-pad-keys"></canvas>
      <div class="pad-hint" data-role="hint" aria-hidden="true">write a number here, e.g. 372</div>
    </div>
    <p class="pad-keys" id="number-pad-keys">Keyboard: on the pad, the arrow keys move the pen (Shift: small steps),
      Space puts it down or lifts it.
      <button type="button" class="button secondary" data-testid="number-clear" data-role="clear">Clear</button></p>
    <p class="detect-reading" data-testid="detect-number" data-number="" data-strokes="0" aria-live="polite">
      <span data-role="reading">Write a number and the network will read it.</span></p>
    <p class="detect-status" data-role="status" aria-live="polite"></p>
    <div class="detect-figure" data-role="figure" tabindex="0" role="group"
      aria-label="What the network read: the image with its boxes, and a heat map per digit">
      <div class="detect-row"><span class="heat-label" data-role="label" aria-hidden="true"></span>
        <canvas class="detect-image" data-testid="detect-image" data-role="image"
          aria-label="The image the network slides over, with the windows it kept as boxes"></canvas></div>
      <div class="heat-maps" data-role="maps" role="group"
        aria-label="One heat map per digit: its probability at each window">
      </div>
    </div>
    <p class="detect-caption" data-role="caption"></p>
    <div class="detect-controls">
      <label>Threshold: keep a window when its most probable digit has at least
        <input type="range" min="0.05" max="0.999" step="0.001" data-testid="detect-threshold" data-role="threshold">
        <output data-role="threshold-value"></output></label>
      <label>Non-maximum suppression: drop a window whose overlap (IoU) with a more probable kept one is above
        <input type="range" min="0.05" max="0.95" step="0.05" data-testid="detect-overlap" data-role="overlap">
        <output data-role="overlap-value"></output></label>
    </div>
    <p class="detect-explain">How the boxes are found. <strong>Thresholding:</strong> every window has a most
      probable digit and its softmax probability; windows below the threshold are dropped (the dashed boxes are the
      ones left).
      <strong>Non-maximum suppression:</strong> neighbouring windows overlap, so one digit lights up several of them.
      The most probable window is kept, every other window whose intersection over union with it is above the limit
      is dropped whatever digit it says, and the same is done with the best window left, until none is left. The
      boxes left are the digits. The network never learnt what "no digit" looks like: a window between two digits
      sees half of each and may still be sure of something, which is what the threshold and the suppression must
      remove. <strong>Reading each box again:</strong> a window falls on a digit only to within the stride, while
      MNIST centres every digit by its centre of mass; so each box is moved to centre the mass of its ink (in its
      middle 20 columns) and that 28×28 window is classified once more. Those digits (the bold boxes, where they
      were read), left to right, are the number.</p>
    <details class="detect-spec"><summary>The network as it slides (dense layers now convolutions)</summary>
      <pre data-role="spec"></pre></details>`);
  const parts = roles(section);
  const reading = section.querySelector('[data-testid="detect-number"]');
  parts.threshold.value = String(DEFAULT_DETECTION.threshold);
  parts.overlap.value = String(DEFAULT_DETECTION.overlap);
  let seq = 0; // the newest drawing; replies about older ones are dropped
  let last = null; // { image, result, strokes } of the newest reading

  const settings = () => ({ threshold: Number(parts.threshold.value), overlap: Number(parts.overlap.value) });

  // Draws the maps and boxes for the sliders' settings, then reads the kept boxes again (recentred).
  async function show() {
    parts['threshold-value'].textContent = Number(parts.threshold.value).toFixed(3);
    parts['overlap-value'].textContent = Number(parts.overlap.value).toFixed(2);
    if (!last) return;
    const { image, result, strokes, id } = last;
    const read = readNumber(result, settings());
    // The room beside the heat maps' digit labels.
    const room = parts.figure.clientWidth - parts.label.getBoundingClientRect().width;
    const scale = viewScale(image.width, room > 0 ? room : image.width);
    paintHeatMaps(parts.maps, result, scale);
    parts.caption.textContent = `${image.width}×${image.height} pixels (padded to ${result.width}×${result.height}): `
      + `${result.rows}×${result.cols} windows of ${result.window.w}×${result.window.h}, one every `
      + `${result.stride.w} pixels; ${read.candidates.length} above the threshold, ${read.boxes.length} after `
      + 'non-maximum suppression.';
    parts.spec.textContent = result.spec;
    const again = await client.request('readWindows', {
      image: image.data.slice(), width: image.width, height: image.height,
      boxes: read.boxes.map(({ x, y }) => ({ x, y })),
    });
    if (last?.id !== id) return;
    const boxes = again.windows.map(({ x, y }, i) => ({
      x, y, w: result.window.w, h: result.window.h,
      digit: argmax(again.probs, i * again.classes, again.classes),
      p: again.probs[i * again.classes + argmax(again.probs, i * again.classes, again.classes)],
    }));
    const number = boxes.map((b) => b.digit).join('');
    paintDetections(parts.image, image, { candidates: read.candidates, boxes }, scale);
    reading.dataset.number = number;
    reading.dataset.heatMapNumber = read.number;
    reading.dataset.strokes = String(strokes);
    const heat = read.number === number ? '' : ` (the heat map's windows alone said ${read.number})`;
    parts.reading.textContent = number
      ? `The number: ${number}${heat}`
      : 'No window is sure enough of a digit: lower the threshold, or write bigger.';
  }
  const showQuietly = () => show().catch((error) => (parts.status.textContent = `Could not read: ${error.message}`));

  function clearView() {
    last = null;
    reading.dataset.number = '';
    reading.dataset.strokes = '0';
    parts.reading.textContent = 'Write a number and the network will read it.';
    parts.caption.textContent = '';
    parts.maps.replaceChildren();
    parts.image.width = parts.image.height = 0;
  }

  const canvas = section.querySelector('[data-testid="number-pad"]');
  const pad = createDrawingPad(canvas, {
    onStrokeEnd: () => detect(),
    onChange: () => (parts.hint.hidden = !pad.empty),
  });
  // The pad's width over its height (3 by the page's CSS): strokes come in units of each.
  const aspect = () => {
    const r = canvas.getBoundingClientRect();
    return r.height > 0 ? r.width / r.height : 3;
  };

  async function detect() {
    const strokes = pad.strokes;
    const id = ++seq;
    // A tap or a dash scaled up to 20 pixels would get a confident answer about nothing (as on the digit pad).
    const tooSmall = tooLittleInk(strokes);
    const image = strokes.length && !tooSmall ? strokesToNumberImage(strokes, { aspect: aspect() }) : null;
    if (!image) {
      clearView();
      if (tooSmall) parts.reading.textContent = 'Too little ink to read: write bigger.';
      return;
    }
    try {
      const result = await client.request('detect', { image: image.data.slice(), width: image.width,
        height: image.height });
      if (id !== seq) return;
      parts.status.textContent = '';
      last = { image, result, strokes: strokes.length, id };
      await show();
    } catch (error) {
      if (id === seq) parts.status.textContent = `Could not read the number: ${error.message}`;
    }
  }

  parts.clear.addEventListener('click', () => {
    pad.clear();
    seq++;
    clearView();
  });
  parts.threshold.addEventListener('input', showQuietly);
  parts.overlap.addEventListener('input', showQuietly);
  // New weights (a model loaded, a training step): read again, at most once a second while training.
  const again = throttleAsync(() => (pad.strokes.length ? detect() : null), 1000);
  const offs = ['ready', 'model', 'stats'].map((name) => client.on(name, again));
  showQuietly();
  return { destroy: () => offs.forEach((off) => off()) };
}

export const detectPanel = { id: 'detect', title: 'Read a number: detection', wide: true, mount };
