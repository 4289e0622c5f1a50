// The network editor's list: one row per layer with its controls
// (layer-controls.js), buttons to move it up or down and remove it, and a
// slot under it for the engine's arithmetic; residual and concat blocks hold
// their own lists (a concat one per branch) with their own "add" rows.
// Everything is a real button or labelled control, so the keyboard does all
// the mouse does; after a move the moved layer's button keeps the focus.
import { el } from '../dom.js';
import { ITEM_KINDS, itemLine, move, newBranch, newItem } from '../network-items.js';
import { layerControls } from './layer-controls.js';

const KIND_LABELS = {
  conv: 'convolution', pool: 'pooling', activation: 'activation', dropout: 'dropout', batchnorm: 'batch norm',
  flatten: 'flatten', dense: 'dense', residual: 'residual block', concat: 'concat block (Inception)',
  upsample: 'up-sampling (nearest)', unpool: 'max unpooling', deconv: 'transposed convolution',
};

function button(text, label, action, onClick) {
  const b = el('button', { type: 'button', className: 'button small', textContent: text, title: label });
  b.setAttribute('aria-label', label);
  b.dataset.action = action;
  b.addEventListener('click', onClick);
  return b;
}

// onEdit(): a value changed (the list stays); onStructure(): layers were
// added, removed or moved (the list is drawn again); onSelect(item): the
// learner is working on this layer.
export function createNetworkList(container, { onEdit, onStructure, onSelect }) {
  const root = el('div', { className: 'ne-list', dataset: { testid: 'editor-list' } });
  container.append(root);
  let rows = new Map(); // item → { row, line, arithmetic }
  let focusAfter = null; // { item, action } to focus once the list is drawn again

  const structural = (item, action) => {
    focusAfter = { item, action };
    onStructure();
  };

  function addRow(list, where) {
    const select = el('select');
    select.setAttribute('aria-label', `kind of layer to add ${where}`);
    select.append(...ITEM_KINDS.map((k) => new Option(KIND_LABELS[k], k)));
    select.dataset.testid = 'add-kind';
    const add = button('Add layer', `Add layer ${where}`, 'add', () => {
      const item = newItem(select.value);
      list.push(item);
      structural(item, 'up'); // the next thing to do with a new layer is usually to move it into place
    });
    add.dataset.testid = 'add-layer';
    return el('div', { className: 'ne-add' }, select, add);
  }

  function listElement(list, where) {
    const ol = el('ol', { className: 'ne-items' });
    list.forEach((item, i) => ol.append(itemRow(list, item, i)));
    return el('div', { className: 'ne-block-list' }, ol, addRow(list, where));
  }

  function itemRow(list, item, i) {
    const line = el('code', { className: 'ne-line', textContent: itemLine(item) });
    const arithmetic = el('div', { className: 'ne-arithmetic', dataset: { testid: 'editor-arithmetic' } });
    const error = el('p', { className: 'ne-error', hidden: true, dataset: { testid: 'editor-layer-error' } });
    error.setAttribute('role', 'alert');
    const name = `layer ${i + 1} (${itemLine(item)})`;
    const tools = el('span', { className: 'ne-tools' },
      button('↑', `move ${name} up`, 'up', () => move(list, i, -1) && structural(item, 'up')),
      button('↓', `move ${name} down`, 'down', () => move(list, i, +1) && structural(item, 'down')),
      button('✕', `remove ${name}`, 'remove', () => {
        list.splice(i, 1);
        // The focus goes to the layer that took its place (not to its ✕: Enter again should not remove it too).
        structural(list[Math.min(i, list.length - 1)] ?? null, 'up');
      }));
    const edited = () => {
      line.textContent = itemLine(item);
      onEdit();
    };
    const dataset = { testid: 'editor-layer', kind: item.kind };
    const row = el('li', { className: `ne-layer kind-${item.kind}`, dataset },
      el('div', { className: 'ne-head' }, line, tools),
      el('div', { className: 'ne-controls' }, ...layerControls(item, edited)),
      error, arithmetic);
    // The innermost layer is the one being worked on, not its block.
    for (const type of ['focusin', 'click']) {
      row.addEventListener(type, (event) => {
        event.stopPropagation();
        onSelect(item);
      });
    }
    if (item.kind === 'residual') row.append(listElement(item.children, 'inside this residual block'));
    if (item.kind === 'concat') row.append(branchesElement(item));
    rows.set(item, { row, line, arithmetic, error });
    return row;
  }

  function branchesElement(item) {
    const box = el('div', { className: 'ne-branches' });
    item.branches.forEach((branch, b) => {
      const fieldset = el('fieldset', { className: 'ne-branch', dataset: { testid: 'editor-branch' } },
        el('legend', { textContent: `branch ${b + 1}` }));
      fieldset.append(listElement(branch, `to branch ${b + 1}`));
      if (item.branches.length > 1) {
        fieldset.append(button('Remove branch', `Remove branch ${b + 1}`, 'remove-branch', () => {
          item.branches.splice(b, 1);
          structural(item, 'add-branch');
        }));
      }
      box.append(fieldset);
    });
    const addBranch = button('Add branch', 'Add branch to this concat block', 'add-branch', () => {
      item.branches.push(newBranch());
      structural(item, 'add-branch');
    });
    addBranch.dataset.testid = 'add-branch';
    box.append(addBranch);
    return box;
  }

  return {
    // Draws items (the top list) again, keeping the focus where the learner was.
    render(items, { disabled = false } = {}) {
      rows = new Map();
      const fieldset = el('fieldset', { className: 'ne-fieldset', disabled });
      fieldset.append(el('legend', { textContent: 'Layers' }),
        listElement(items, 'at the end of the network'));
      root.replaceChildren(fieldset);
      if (focusAfter) {
        const target = focusAfter.item && rows.get(focusAfter.item);
        const focusable = target?.row.querySelector(`[data-action="${focusAfter.action}"]:not(:disabled)`) ??
          target?.row.querySelector('button') ?? root.querySelector('[data-action="add"]');
        focusable?.focus();
        focusAfter = null;
      }
    },
    // The slot under item: its arithmetic box and its error line.
    slot: (item) => rows.get(item) ?? null,
  };
}
