// "What the network thinks": its ten class probabilities as bars with the
// winner highlighted, for the digit being drawn. The prediction element
// carries data-digit, data-probs and data-strokes so tests (and the curious)
// can read the exact numbers and know which drawing they belong to.
import { argmax } from '../../util.js';
import { el, html, roles } from '../dom.js';

function percent(p) {
  if (p >= 0.995) return '>99%';
  if (p < 0.005) return p > 0 ? '<1%' : '0%';
  return `${Math.round(p * 100)}%`;
}

export const predictPanel = {
  id: 'predict',
  title: 'What the network thinks',
  mount(section, app) {
    section.append(html`
      <p class="lead">The last layer gives one score per digit; softmax turns the scores into probabilities that add up
        to 100%. The tallest bar is the answer.</p>
      <div class="prediction is-empty" data-testid="prediction" data-digit="" data-probs="" aria-live="polite">
        <div class="verdict">
          <span class="verdict-digit" data-role="verdict-digit">?</span>
          <span class="verdict-text" data-role="verdict-text">Draw a digit and the network will guess it.</span>
        </div>
        <ol class="bars" data-role="bars" aria-label="Probability of each digit"></ol>
      </div>
      <p class="model-line" data-role="model-line">Model: loading…</p>`);
    const parts = roles(section);
    const root = section.querySelector('[data-testid="prediction"]');
    const bars = Array.from({ length: 10 }, (_, digit) => {
      const fill = el('span', { className: 'bar-fill' });
      const value = el('span', { className: 'bar-value', textContent: '–' });
      const item = el('li', { className: 'bar' }, el('span', { className: 'bar-label', textContent: digit }),
        el('span', { className: 'bar-track' }, fill), value);
      parts.bars.append(item);
      return { item, fill, value };
    });
    let latestSeq = 0; // the page's newest drawing; answers about older ones are ignored
    let tooSmall = false; // the newest drawing is too little ink to read

    function show(probs, strokes) {
      root.dataset.strokes = String(probs ? strokes : 0);
      root.dataset.tooSmall = tooSmall ? '1' : '0';
      root.classList.toggle('is-empty', !probs);
      if (!probs) {
        root.dataset.digit = '';
        root.dataset.probs = '';
        parts['verdict-digit'].textContent = '?';
        parts['verdict-text'].textContent = tooSmall
          ? 'Too little ink to read: draw a bigger digit.'
          : 'Draw a digit and the network will guess it.';
        for (const { item, fill, value } of bars) {
          item.classList.remove('is-winner');
          fill.style.transform = 'scaleX(0)';
          value.textContent = '–';
        }
        return;
      }
      const best = argmax(probs);
      root.dataset.digit = String(best);
      root.dataset.probs = JSON.stringify(Array.from(probs, (p) => Number(p.toFixed(6))));
      parts['verdict-digit'].textContent = String(best);
      const confidence = probs[best];
      parts['verdict-text'].textContent =
        confidence > 0.9 ? `It's a ${best} — ${percent(confidence)} sure.`
          : confidence > 0.5 ? `Probably a ${best} (${percent(confidence)}).`
            : `Unsure: maybe a ${best} (${percent(confidence)})?`;
      bars.forEach(({ item, fill, value }, i) => {
        item.classList.toggle('is-winner', i === best);
        fill.style.transform = `scaleX(${Math.max(0, Math.min(1, probs[i]))})`;
        value.textContent = percent(probs[i]);
      });
    }

    const off = [
      app.events.on('digit', ({ seq, image, tooSmall: small }) => {
        latestSeq = seq;
        tooSmall = Boolean(small);
        if (!image) show(null, 0);
      }),
      app.client.on('prediction', ({ probs, seq, strokes }) => {
        if (seq === latestSeq) show(probs, strokes); // probs is null for an empty pad
      }),
      app.client.on('model', (info) => {
        const weights = info.params.toLocaleString('en');
        const preset = info.preset ?? 'custom network';
        parts['model-line'].textContent = `Model: ${info.name} (${preset}, ${weights} weights)`;
      }),
    ];
    show(null, 0);
    return { destroy: () => off.forEach((fn) => fn()) };
  },
};
