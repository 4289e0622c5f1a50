// The network's spec text, editable, beside the editor's list: a textarea
// with line numbers in a gutter, and the engine's error marked at its line.
// onInput(text) fires as the learner types; the editor debounces it and asks
// the engine (through the worker) what the text builds.
import { el } from '../dom.js';

export function createNetworkText(container, { onInput }) {
  const id = 'network-spec-text';
  const gutter = el('pre', { className: 'ne-gutter', ariaHidden: 'true' });
  const area = el('textarea', {
    id, className: 'ne-text', spellcheck: false, rows: 18, wrap: 'off',
    dataset: { testid: 'spec-text' },
  });
  area.setAttribute('autocapitalize', 'off');
  area.setAttribute('aria-describedby', `${id}-error`);
  const error = el('p', { id: `${id}-error`, className: 'ne-text-error', hidden: true,
    dataset: { testid: 'spec-error' } });
  error.setAttribute('role', 'alert');
  const label = el('label', { htmlFor: id, className: 'ne-text-label', textContent: 'Spec text (one layer a line)' });
  container.append(label, el('div', { className: 'ne-text-box' }, gutter, area), error);

  let errorLine = null;
  const drawGutter = () => {
    const count = area.value.split('\n').length;
    gutter.replaceChildren(...Array.from({ length: count }, (_, i) =>
      el('span', { className: i + 1 === errorLine ? 'is-error' : '', textContent: `${i + 1}\n` })));
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener('input', () => {
    drawGutter();
    onInput(area.value);
  });
  area.addEventListener('scroll', () => (gutter.scrollTop = area.scrollTop));

  return {
    get value() {
      return area.value;
    },
    // New text from the list (not while the learner types in the box).
    set(text) {
      if (area.value !== text) area.value = text;
      drawGutter();
    },
    // { line, message } or null.
    showError(problem) {
      errorLine = problem?.line ?? null;
      error.textContent = problem ? problem.message : '';
      error.hidden = !problem;
      area.setAttribute('aria-invalid', problem ? 'true' : 'false');
      drawGutter();
    },
  };
}
