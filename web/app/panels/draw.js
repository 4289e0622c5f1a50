// "Draw a digit": the drawing pad (../draw-pad.js), the 28×28 image the
// network is given (../preprocess.js, MNIST's recipe), and Clear (or Esc).
// Without a pointer: the keyboard pen on the pad, or a test digit by its
// number (the worker's testDigit), shown on the pad and classified.
// Each change of the drawing is a new digit with a number (seq): it goes to
// the worker ('predict') and to the other panels (the 'digit' page event).
import { MNIST_PIXELS, MNIST_SIDE } from '../../util.js';
import { html, roles } from '../dom.js';
import { createDrawingPad } from '../draw-pad.js';
import { strokesToMnist, tooLittleInk } from '../preprocess.js';

export const drawPanel = {
  id: 'draw',
  title: 'Draw a digit',
  mount(section, app) {
    section.append(html`
      <p class="lead">Use a mouse, a finger or a pen. The network gets your digit the way it got its training digits:
        cropped to the ink, scaled to about 20×20 pixels and centred in a 28×28 grid.</p>
      <div class="draw-row">
        <div class="pad-wrap">
          <canvas class="pad" data-testid="draw" tabindex="0" role="application" aria-roledescription="drawing pad"
            aria-label="Drawing area: draw a digit from 0 to 9" aria-describedby="pad-keys"></canvas>
          <div class="pad-hint" data-role="hint" aria-hidden="true">draw 0–9 here</div>
        </div>
        <div class="seen">
          <canvas class="network-input" data-testid="network-input" width="${MNIST_SIDE}" height="${MNIST_SIDE}"
            aria-label="The 28×28 image the network sees"></canvas>
          <p class="caption">What the network sees: 28×28 pixels</p>
          <button type="button" class="button secondary" data-testid="clear"
            title="Clear the drawing (Esc)">Clear</button>
        </div>
      </div>
      <p class="pad-keys" id="pad-keys">Keyboard: on the pad, the arrow keys move the pen (Shift: small steps), Space
        puts it down or lifts it, Esc clears.</p>
      <form class="test-digit" data-role="test-form">
        <label>Or show test digit number <input type="number" min="0" max="9999" step="1" value="0"
          data-testid="draw-test-index" data-role="test-index"></label>
        <button type="submit" class="button secondary" data-testid="draw-test-digit">Show it</button>
        <span class="test-digit-status" data-testid="draw-test-status" data-role="test-status"
          aria-live="polite"></span>
      </form>`);
    const { hint, 'test-form': testForm, 'test-index': testIndex, 'test-status': testStatus } = roles(section);
    const inputCanvas = section.querySelector('[data-testid="network-input"]');
    const inputCtx = inputCanvas.getContext('2d');
    const inputPixels = inputCtx.createImageData(MNIST_SIDE, MNIST_SIDE);
    let seq = 0;

    // image: Float32Array(784) in [0, 1], white ink on black; null clears.
    function showInput(image) {
      const px = inputPixels.data;
      for (let i = 0; i < MNIST_PIXELS; i++) {
        const v = image ? Math.round(Math.min(1, Math.max(0, image[i])) * 255) : 0;
        px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
        px[4 * i + 3] = 255;
      }
      inputCtx.putImageData(inputPixels, 0, 0);
    }

    // A new digit (image null: none) goes to the worker and the other panels.
    // tooSmall: strokes with too little ink to be a digit get no guess; the
    // prediction panel asks for a bigger one.
    function send(image, strokes, tooSmall = false) {
      showInput(image);
      seq++;
      hint.hidden = image !== null || strokes > 0;
      testStatus.textContent = '';
      app.events.emit('digit', { seq, image, strokes, tooSmall });
      // A copy goes to the worker (transferred); the page keeps its own.
      app.client.post('predict', { image: image?.slice() ?? null, seq, strokes });
    }
    function classify(strokes) {
      const tooSmall = tooLittleInk(strokes);
      send(strokes.length && !tooSmall ? strokesToMnist(strokes) : null, strokes.length, tooSmall);
    }

    const pad = createDrawingPad(section.querySelector('[data-testid="draw"]'), {
      onStrokeEnd: classify,
      onChange: () => (hint.hidden = !pad.empty),
    });
    const clear = () => {
      pad.clear();
      classify([]);
    };
    testForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const test = await app.client.request('testDigit', { index: Number(testIndex.value) || 0 });
        pad.showPicture(test.image, MNIST_SIDE);
        send(test.image, 0);
        testIndex.value = String(test.index);
        testStatus.textContent = `test digit #${test.index}, labelled ${test.label}`;
      } catch (error) {
        testStatus.textContent = `no test digit: ${error.message}`;
      }
    });
    section.querySelector('[data-testid="clear"]').addEventListener('click', clear);
    // Escape clears the pad too (not while typing in a field or choosing an option).
    const onKey = (event) => {
      if (event.key === 'Escape' && !event.target.closest?.('input, select, textarea') && !pad.empty) clear();
    };
    document.addEventListener('keydown', onKey);
    // A digit drawn while the engine loaded is classified once it is ready.
    const offReady = app.client.on('ready', () => pad.strokes.length && classify(pad.strokes));
    showInput(null);
    return {
      destroy() {
        document.removeEventListener('keydown', onKey);
        offReady();
      },
    };
  },
};
