// The "what the network thinks" panel: the 28×28 image the network is given,
// and its ten class probabilities as bars with the winner highlighted. The
// prediction element carries data-digit and data-probs so tests (and the
// curious) can read the exact numbers.

export function createPredictionPanel({ root, inputCanvas }) {
  const verdictDigit = root.querySelector('[data-role="verdict-digit"]');
  const verdictText = root.querySelector('[data-role="verdict-text"]');
  const list = root.querySelector('[data-role="bars"]');
  const bars = [];
  for (let digit = 0; digit < 10; digit++) {
    const item = document.createElement('li');
    item.className = 'bar';
    item.innerHTML =
      `<span class="bar-label">${digit}</span>` +
      `<span class="bar-track"><span class="bar-fill"></span></span>` +
      `<span class="bar-value">–</span>`;
    list.append(item);
    bars.push({ item, fill: item.querySelector('.bar-fill'), value: item.querySelector('.bar-value') });
  }

  const inputCtx = inputCanvas.getContext('2d');
  const inputPixels = inputCtx.createImageData(28, 28);

  // image: Float32Array(784) in [0, 1], white ink on black; null clears.
  function showInput(image) {
    const px = inputPixels.data;
    for (let i = 0; i < 784; i++) {
      const v = image ? Math.round(Math.min(1, Math.max(0, image[i])) * 255) : 0;
      px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = v;
      px[4 * i + 3] = 255;
    }
    inputCtx.putImageData(inputPixels, 0, 0);
  }

  // probs: 10 probabilities, or null for "no digit". strokes: how many
  // strokes the digit had (data-strokes, so a reader knows which drawing
  // the numbers belong to).
  function showProbs(probs, strokes = 0) {
    root.dataset.strokes = String(probs ? strokes : 0);
    if (!probs) {
      root.dataset.digit = '';
      root.dataset.probs = '';
      root.classList.add('is-empty');
      verdictDigit.textContent = '?';
      verdictText.textContent = 'Draw a digit and the network will guess it.';
      bars.forEach(({ item, fill, value }) => {
        item.classList.remove('is-winner');
        fill.style.transform = 'scaleX(0)';
        value.textContent = '–';
      });
      return;
    }
    let best = 0;
    for (let i = 1; i < 10; i++) if (probs[i] > probs[best]) best = i;
    root.dataset.digit = String(best);
    root.dataset.probs = JSON.stringify(Array.from(probs, (p) => Number(p.toFixed(6))));
    root.classList.remove('is-empty');
    verdictDigit.textContent = String(best);
    const confidence = probs[best];
    verdictText.textContent =
      confidence > 0.9 ? `It's a ${best} — ${percent(confidence)} sure.`
        : confidence > 0.5 ? `Probably a ${best} (${percent(confidence)}).`
          : `Unsure: maybe a ${best} (${percent(confidence)})?`;
    bars.forEach(({ item, fill, value }, i) => {
      item.classList.toggle('is-winner', i === best);
      fill.style.transform = `scaleX(${Math.max(0, Math.min(1, probs[i]))})`;
      value.textContent = percent(probs[i]);
    });
  }

  showInput(null);
  showProbs(null);
  return { showInput, showProbs };
}

function percent(p) {
  if (p >= 0.995) return '>99%';
  if (p < 0.005) return p > 0 ? '<1%' : '0%';
  return `${Math.round(p * 100)}%`;
}
