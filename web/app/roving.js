// Keyboard access to a group of many small clickable things (feature maps,
// filters, a learner's digits) with one tab stop for the whole group: a
// "roving tabindex". Tab enters the group at the item last used; the arrow
// keys move between items (with `rows`, Up/Down jump to the item straight
// above or below in the neighbouring row, a row being the items that share a
// parent element); Home/End go to the
// first/last; Enter or Space acts on the item (onActivate), and any other
// key in `keys` does too (onKey). 175 maps stay one stop of the Tab order,
// not 175. Items are found afresh on every key, so the group may rebuild its
// children at will; call refresh() after a rebuild to keep one tab stop.
//
//   const roving = createRoving(root, 'canvas.map', { rows: true, onActivate: (item) => … });
export function createRoving(root, selector, { rows = false, onActivate = () => {}, keys = {} } = {}) {
  let current = null;
  const items = () => [...root.querySelectorAll(selector)];

  function moveTo(item, { focus = true } = {}) {
    if (!item) return;
    for (const other of items()) other.tabIndex = other === item ? 0 : -1;
    current = item;
    if (focus) item.focus();
  }

  // Up/Down: the item of the previous/next row whose middle is nearest across.
  function rowJump(list, item, step) {
    const rowsList = [...new Set(list.map((i) => i.parentElement))];
    const r = rowsList.indexOf(item.parentElement) + step;
    if (r < 0 || r >= rowsList.length) return null;
    const middle = (el) => {
      const box = el.getBoundingClientRect();
      return box.left + box.width / 2;
    };
    const x = middle(item);
    const target = list.filter((i) => i.parentElement === rowsList[r]);
    return target.reduce((best, i) => (Math.abs(middle(i) - x) < Math.abs(middle(best) - x) ? i : best));
  }

  root.addEventListener('keydown', (event) => {
    const item = event.target.closest?.(selector);
    if (!item || !root.contains(item)) return;
    const list = items();
    const at = list.indexOf(item);
    const next = {
      ArrowRight: list[at + 1],
      ArrowLeft: list[at - 1],
      ArrowDown: rows ? rowJump(list, item, 1) : list[at + 1],
      ArrowUp: rows ? rowJump(list, item, -1) : list[at - 1],
      Home: list[0],
      End: list[list.length - 1],
    };
    if (event.key in next) {
      event.preventDefault();
      moveTo(next[event.key]);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      moveTo(item, { focus: false });
      onActivate(item, event);
    } else if (keys[event.key]) {
      event.preventDefault();
      keys[event.key](item, event);
    }
  });
  // A click (mouse, touch) makes the item the group's tab stop too.
  root.addEventListener('pointerdown', (event) => {
    const item = event.target.closest?.(selector);
    if (item && root.contains(item)) moveTo(item, { focus: false });
  });

  return {
    // After the items were rebuilt: one of them (the last used, if it is still there) is the tab stop.
    refresh() {
      const list = items();
      const keep = list.includes(current) ? current : list[0];
      for (const item of list) item.tabIndex = item === keep ? 0 : -1;
      current = keep ?? null;
    },
    // Focuses the item at `index` (clamped), e.g. the neighbour of one that was removed.
    focusAt(index) {
      const list = items();
      if (list.length) moveTo(list[Math.max(0, Math.min(index, list.length - 1))]);
    },
    moveTo,
  };
}
