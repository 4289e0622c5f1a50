// The drawing pad: a canvas that records strokes from a mouse, a finger or a
// pen through pointer events. Strokes are kept as points in units of the pad
// (0..1 across, y down), so the pad can resize without losing the digit and
// preprocessing gets the geometry rather than screen pixels.
//
// One pointer at a time draws (a second finger is ignored, not a new stroke);
// pointer capture keeps a stroke alive when it leaves the canvas, and the
// page's CSS sets touch-action: none so drawing never scrolls the page.
//
// The keyboard draws too, for those who cannot use a pointer: with the pad
// focused, the arrow keys move a pen (a ring shown over the pad; Shift for
// small steps), Space or Enter puts it down (a stroke starts) or lifts it (the
// stroke ends, as a pointer's does when it leaves the glass).
//
// The pad can also show a picture instead of strokes (a test digit, 28×28
// values in [0, 1]); the next stroke starts a fresh drawing.

// On-screen pen diameter as a fraction of the pad: close to what the network
// sees for a digit that fills most of the pad.
const SCREEN_PEN = 0.075;
// Keyboard pen steps, as fractions of the pad: a digit spans about 15 steps.
const KEY_STEP = 0.05;
const FINE_KEY_STEP = 0.01;
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

export function createDrawingPad(canvas, { onStrokeEnd, onChange } = {}) {
  const ctx = canvas.getContext('2d');
  const strokes = [];
  let active = null; // { pointerId, stroke, rect }
  let picture = null; // a canvas holding the shown picture, or null

  const style = () => getComputedStyle(canvas);
  const inkColour = () => style().getPropertyValue('--pad-ink').trim() || '#fff';

  // The backing store follows the CSS size × devicePixelRatio, so lines stay crisp.
  const fitBackingStore = () => {
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      redraw();
    }
  };

  const setPen = () => {
    ctx.strokeStyle = ctx.fillStyle = inkColour();
    ctx.lineWidth = SCREEN_PEN * canvas.width;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
  };

  const toCanvas = ([x, y]) => [x * canvas.width, y * canvas.height];

  const drawDot = (p) => {
    const [x, y] = toCanvas(p);
    ctx.beginPath();
    ctx.arc(x, y, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
  };

  const drawSegment = (a, b) => {
    const [ax, ay] = toCanvas(a);
    const [bx, by] = toCanvas(b);
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.stroke();
  };

  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (picture) {
      ctx.imageSmoothingEnabled = false; // the picture's pixels as crisp squares
      ctx.drawImage(picture, 0, 0, canvas.width, canvas.height);
    }
    setPen();
    for (const stroke of strokes) {
      if (stroke.length === 1) drawDot(stroke[0]);
      else {
        ctx.beginPath();
        stroke.forEach((p, i) => {
          const [x, y] = toCanvas(p);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }
    }
  }

  const pointAt = (event, rect) => [
    Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
    Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)),
  ];

  const changed = () => {
    canvas.dataset.strokes = String(strokes.length);
    onChange?.(strokes);
  };
  // A stroke begins: a picture on the pad gives way to the drawing.
  const dropPicture = () => {
    if (!picture) return;
    picture = null;
    redraw();
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (active || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    liftKeyPen(); // a keyboard stroke in progress ends where a pointer starts
    dropPicture();
    fitBackingStore();
    canvas.setPointerCapture?.(event.pointerId);
    const rect = canvas.getBoundingClientRect();
    const stroke = [pointAt(event, rect)];
    strokes.push(stroke);
    active = { pointerId: event.pointerId, stroke, rect };
    setPen();
    drawDot(stroke[0]);
    changed();
  });

  canvas.addEventListener('pointermove', (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    event.preventDefault();
    // Coalesced events carry every sample the device sent since the last
    // frame: smooth curves from fast pens.
    const samples = event.getCoalescedEvents?.() ?? [];
    for (const sample of samples.length ? samples : [event]) {
      const p = pointAt(sample, active.rect);
      const last = active.stroke[active.stroke.length - 1];
      if (p[0] === last[0] && p[1] === last[1]) continue;
      active.stroke.push(p);
      drawSegment(last, p);
    }
  });

  const finish = (event) => {
    if (!active || event.pointerId !== active.pointerId) return;
    active = null;
    changed();
    onStrokeEnd?.(strokes);
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);
  canvas.addEventListener('lostpointercapture', finish);
  // A long press must not open a context menu over the pad.
  canvas.addEventListener('contextmenu', (event) => event.preventDefault());

  // The keyboard pen: where it is (pad units) and the stroke it draws while down.
  const keyPen = { at: [0.5, 0.5], stroke: null };
  const ring = document.createElement('div');
  ring.className = 'pad-pen';
  ring.setAttribute('aria-hidden', 'true');
  canvas.after(ring);
  const showRing = () => {
    ring.style.left = `${keyPen.at[0] * 100}%`;
    ring.style.top = `${keyPen.at[1] * 100}%`;
    ring.classList.toggle('is-down', keyPen.stroke !== null);
    canvas.dataset.pen = keyPen.stroke ? 'down' : 'up';
  };
  const liftKeyPen = () => {
    if (!keyPen.stroke) return;
    keyPen.stroke = null;
    showRing();
    changed();
    onStrokeEnd?.(strokes);
  };
  canvas.addEventListener('keydown', (event) => {
    if (active || event.altKey || event.ctrlKey || event.metaKey) return;
    const arrow = ARROWS[event.key];
    if (arrow) {
      event.preventDefault();
      const step = event.shiftKey ? FINE_KEY_STEP : KEY_STEP;
      const last = keyPen.at;
      keyPen.at = last.map((v, i) => Math.min(1, Math.max(0, v + arrow[i] * step)));
      if (keyPen.stroke) {
        keyPen.stroke.push(keyPen.at);
        drawSegment(last, keyPen.at);
      }
      showRing();
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      if (keyPen.stroke) return liftKeyPen();
      dropPicture();
      fitBackingStore();
      keyPen.stroke = [keyPen.at];
      strokes.push(keyPen.stroke);
      setPen();
      drawDot(keyPen.at);
      showRing();
      changed();
    }
  });
  canvas.addEventListener('blur', liftKeyPen);
  showRing();

  new ResizeObserver(fitBackingStore).observe(canvas);
  fitBackingStore();

  return {
    get strokes() {
      return strokes;
    },
    get drawing() {
      return active !== null;
    },
    // Nothing on the pad: no stroke, no picture.
    get empty() {
      return strokes.length === 0 && !picture;
    },
    clear() {
      strokes.length = 0;
      active = null;
      picture = null;
      keyPen.stroke = null;
      showRing();
      redraw();
      changed();
    },
    // Replaces the drawing (e.g. a digit from a data set), points in 0..1.
    setStrokes(next) {
      strokes.length = 0;
      keyPen.stroke = null;
      showRing();
      for (const stroke of next) strokes.push(stroke.map(([x, y]) => [x, y]));
      redraw();
      changed();
    },
    // Shows a side×side picture (values in [0, 1], white on the pad's dark) instead of strokes.
    showPicture(values, side) {
      strokes.length = 0;
      active = null;
      keyPen.stroke = null;
      showRing();
      picture = document.createElement('canvas');
      picture.width = picture.height = side;
      const pictureCtx = picture.getContext('2d');
      const pixels = pictureCtx.createImageData(side, side);
      values.forEach((v, i) => {
        pixels.data.fill(Math.round(Math.min(1, Math.max(0, v)) * 255), 4 * i, 4 * i + 3);
        pixels.data[4 * i + 3] = 255;
      });
      pictureCtx.putImageData(pixels, 0, 0);
      redraw();
      changed();
    },
    redraw,
  };
}
