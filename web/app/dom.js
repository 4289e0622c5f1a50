// How every panel makes its markup: html`…` turns a template into DOM nodes,
// escaping every interpolated value (text, never markup), and roles() finds
// a panel's parts by their data-role. A panel module exports
//   { id, title, wide?, mount(section, app) → { destroy() } }
// and app/main.js gives it its <section> (heading and step number made
// there), in page order.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

// A DocumentFragment from a template literal; values are escaped.
export function html(strings, ...values) {
  const template = document.createElement('template');
  template.innerHTML = strings.reduce((out, s, i) => out + escapeHtml(values[i - 1] ?? '') + s);
  return template.content;
}

// { role: element } for every [data-role] under root (the first of each).
export function roles(root) {
  const out = {};
  for (const el of root.querySelectorAll('[data-role]')) out[el.dataset.role] ??= el;
  return out;
}

// One element: el('canvas', { className: 'map', dataset: { layer: 1 } }, ...children).
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { dataset, style, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) for (const [k, v] of Object.entries(dataset)) node.dataset[k] = String(v);
  if (style) Object.assign(node.style, style);
  node.append(...children);
  return node;
}

// Makes a panel's <section> in container and mounts the panel into it.
export function mountPanel(container, panel, step, app) {
  const section = el('section', {
    id: panel.id,
    className: `panel${panel.wide ? ' wide' : ''}`,
    dataset: { testid: `panel-${panel.id}` },
  });
  section.setAttribute('aria-labelledby', `${panel.id}-title`);
  section.append(html`<h2 id="${panel.id}-title"><span class="step">${step}</span>${panel.title}</h2>`);
  container.append(section);
  return panel.mount(section, app);
}
