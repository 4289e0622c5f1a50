// One layer's settings as labelled controls, for the network editor: a
// convolution's filters, kernel, stride and padding (with "same"), a pool's
// kind, size, stride and padding, an activation and its parameter, dropout's
// keep probability, a dense layer's width, a residual block's scale λ, an
// up-sampling factor, the max pool an unpool undoes, a transposed convolution's
// filters, kernel, stride and trimmed padding.
// Each control edits the item in place and calls onChange(); the editor
// writes the spec and asks the engine what it makes of it.
import { el } from '../dom.js';
import { ACTIVATION_PARAM, ACTIVATIONS, POOLS } from '../network-items.js';

let uid = 0;

// A labelled number input; set(v) gets a valid number, an invalid entry is marked and skipped.
function numberField(label, value, set, { min = 1, max = 4096, step = 1, integer = true, testid } = {}) {
  const id = `lc-${++uid}`;
  const input = el('input', { type: 'number', id, min, max, step, value: String(value), className: 'narrow' });
  if (testid) input.dataset.testid = testid;
  input.addEventListener('input', () => {
    const v = Number(input.value);
    const ok = input.value !== '' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
    input.setCustomValidity(ok ? '' : `${label}: a ${integer ? 'whole ' : ''}number from ${min} to ${max}`);
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (ok) set(v);
  });
  return el('span', { className: 'lc-field' }, el('label', { htmlFor: id, textContent: label }), input);
}

// Height × width of a kernel, stride or padding: two inputs, one label each.
// current() gives the item's pair now (the other axis may have changed since).
function pairField(label, current, set, options) {
  const [h, w] = current();
  const box = el('span', { className: 'lc-pair', role: 'group' });
  box.setAttribute('aria-label', label);
  box.append(
    el('span', { className: 'lc-pair-label', textContent: label }),
    numberField(`${label} height`, h, (v) => set([v, current()[1]]), { ...options, testid: options.testid?.('h') }),
    '×',
    numberField(`${label} width`, w, (v) => set([current()[0], v]), { ...options, testid: options.testid?.('w') }),
  );
  return box;
}

// A word (a pool's name): letters, digits, '_' and '-'; anything else is marked and skipped.
function textField(label, value, set) {
  const id = `lc-${++uid}`;
  const input = el('input', { type: 'text', id, value, className: 'narrow' });
  input.addEventListener('input', () => {
    const ok = /^[A-Za-z0-9_-]*$/.test(input.value);
    input.setCustomValidity(ok ? '' : `${label}: letters, digits, _ and - only`);
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (ok) set(input.value);
  });
  return el('span', { className: 'lc-field' }, el('label', { htmlFor: id, textContent: label }), input);
}

function selectField(label, choices, value, set) {
  const id = `lc-${++uid}`;
  const select = el('select', { id });
  select.append(...choices.map((c) => new Option(c, c, false, c === value)));
  select.addEventListener('change', () => set(select.value));
  return el('span', { className: 'lc-field' }, el('label', { htmlFor: id, textContent: label }), select);
}

// Kernel, stride and padding (h × w each), with "same": P = (K − 1)/2 per axis.
function geometryFields(item, onChange, { pad }) {
  const set = (key) => (v) => {
    item[key] = v;
    onChange();
  };
  const padding = pairField('padding', () => item.p, set('p'), { min: 0, max: 63, testid: (a) => `pad-${a}` });
  const fields = [
    pairField('kernel', () => item.k, set('k'), { max: 64, testid: (a) => `kernel-${a}` }),
    pairField('stride', () => item.s, set('s'), { max: 64, testid: (a) => `stride-${a}` }),
  ];
  if (!pad) return fields;
  const same = el('button', {
    type: 'button', className: 'button small', textContent: 'same',
    title: 'Padding P = (K − 1)/2 on each axis: with stride 1 the output keeps the input\'s size',
  });
  same.dataset.testid = 'pad-same';
  const note = el('span', { className: 'lc-note' });
  note.setAttribute('aria-live', 'polite');
  same.addEventListener('click', () => {
    const even = item.k.some((k) => k % 2 === 0);
    note.textContent = even ? '“same” needs an odd kernel: (K − 1)/2 is not a whole number' : '';
    if (even) return;
    item.p = item.k.map((k) => (k - 1) / 2);
    padding.querySelectorAll('input').forEach((input, i) => (input.value = String(item.p[i])));
    onChange();
  });
  return [...fields, padding, same, note];
}

// The controls for item (an editor item, network-items.js).
export function layerControls(item, onChange) {
  const set = (key) => (v) => {
    item[key] = v;
    onChange();
  };
  switch (item.kind) {
    case 'conv':
      return [numberField('filters', item.filters, set('filters'), { testid: 'filters' }),
        ...geometryFields(item, onChange, { pad: true })];
    case 'pool':
      return [selectField('pooling', POOLS, item.type, set('type')), ...geometryFields(item, onChange, { pad: true }),
        textField('name (for max unpooling)', item.name ?? '', set('name'))];
    case 'upsample':
      return [pairField('factor', () => item.f, set('f'), { max: 64, testid: (a) => `factor-${a}` })];
    case 'unpool':
      return [textField('max pool to undo (its name)', item.pool, set('pool'))];
    case 'deconv':
      return [numberField('filters', item.filters, set('filters'), { testid: 'filters' }),
        ...geometryFields(item, onChange, { pad: false }),
        pairField('padding (trimmed)', () => item.p, set('p'), { min: 0, max: 63, testid: (a) => `pad-${a}` })];
    case 'activation': {
      const param = () => ACTIVATION_PARAM[item.fn];
      const paramBox = el('span', { className: 'lc-param' });
      const showParam = () => {
        const p = param();
        paramBox.replaceChildren(...(p ? [numberField(p.label, item.param ?? p.value, set('param'),
          p.key ? { min: p.key === 'sigma' ? 0 : -100, max: 100, step: 'any', integer: false } : { min: 2, max: 255 })]
          : []));
      };
      showParam();
      return [selectField('function', ACTIVATIONS, item.fn, (fn) => {
        item.fn = fn;
        item.param = ACTIVATION_PARAM[fn]?.value ?? null;
        showParam();
        onChange();
      }), paramBox];
    }
    case 'dropout':
      return [numberField('keep probability p', item.keep, set('keep'),
        { min: 0.01, max: 1, step: 0.05, integer: false, testid: 'keep' })];
    case 'dense':
      return [numberField('outputs', item.units, set('units'), { max: 65536, testid: 'units' })];
    case 'residual':
      return [numberField('scale λ in F(x) + λ·x', item.scale, set('scale'),
        { min: -100, max: 100, step: 'any', integer: false, testid: 'scale' })];
    default:
      return [];
  }
}
