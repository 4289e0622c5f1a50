// "Build your own network": the network as a list of layers the learner
// edits (network-list.js), its spec text beside it (network-text.js), both in
// sync, and under every layer the engine's arithmetic for it; the totals, the
// page's limits, and the course's 5×5 vs 3×3 vs 1×3 + 3×1 comparison on the
// current layer (network-compare.js). The network is the `net` setting, so
// it is in the link and it is what Train / Reset build.
//
// The list → text direction is JavaScript (network-items.js formats); text
// → list goes through the worker: the engine builds the text and its layer
// tree becomes the list. Every number shown is the engine's.
import { isPresetName, MAX_NET_LENGTH } from '../../settings.js';
import { debounce } from '../../util.js';
import { flattenLayers } from '../../network.js';
import { html, roles } from '../dom.js';
import { flattenItems, formatSpec, INITS, networkFromDescription } from '../network-items.js';
import { renderArithmetic, renderTotals } from './network-arithmetic.js';
import { createNetworkCompare } from './network-compare.js';
import { createNetworkList } from './network-list.js';
import { createNetworkText } from './network-text.js';

const TYPING_MS = 250;

const markup = () => html`
  <p class="lead">Build a network layer by layer: add, remove and reorder layers, set each one's kernel, stride
    and padding, put layers into residual blocks or side by side in a concat (Inception) block. Under each
    layer the engine works out its output size, parameters, receptive field and multiply-adds as you type.
    The spec text on the right is the same network; edit either. Train and Reset build this network, and
    the page's link carries it.</p>
  <div class="panel-bar ne-bar">
    <label>Start from <select data-role="preset" data-testid="editor-preset"></select></label>
    <label>Initialisation <select data-role="init" data-testid="editor-init"></select></label>
    <label data-role="init-value-box" hidden>weight value
      <input type="number" step="any" class="narrow" data-role="init-value" data-testid="editor-init-value"></label>
    <span class="ne-status" data-role="status" data-testid="editor-status" aria-live="polite"></span>
  </div>
  <div class="ne-cols">
    <div class="ne-list-col" data-role="list"></div>
    <div class="ne-side">
      <div data-role="text"></div>
      <div class="ne-totals" data-role="totals" data-testid="editor-totals"></div>
      <div class="ne-compare" data-role="compare"></div>
    </div>
  </div>`;

const INIT_WORDS = {
  he: 'He (ReLU)', xavier: 'Xavier (tanh, sigmoid)', lecun: 'LeCun', constant: 'constant (every weight the same)',
};

function mount(section, app) {
  const { client, settings } = app;
  section.append(markup());
  const parts = roles(section);
  // He is the engine's default: no init line (the engine's own text leaves it out too).
  parts.init.append(new Option(`${INIT_WORDS.he}, the default`, ''),
    ...INITS.filter((m) => m !== 'he').map((m) => new Option(INIT_WORDS[m], m)));

  let network = null; // { input, init, loss, items }: what the list shows
  let formatted = null; // formatSpec(network): the text and each item's line
  let committed = null; // the `net` value this editor last wrote or loaded
  let asked = 0; // the newest describe request's number
  let current = null; // the item the learner works on (the comparison follows it)
  let nodes = new Map(); // item → the engine's layer for it

  const list = createNetworkList(parts.list, {
    onEdit: () => fromList({ redraw: false }),
    onStructure: () => fromList({ redraw: true }),
    onSelect: (item) => {
      current = item;
      compare.show(nodes.get(item) ?? null);
    },
  });
  const text = createNetworkText(parts.text, { onInput: debounce((value) => fromText(value), TYPING_MS) });
  const compare = createNetworkCompare(parts.compare, client);

  const describe = (net) => client.request('describeNetwork', { net, batch: settings.get().batch });
  const status = (message) => (parts.status.textContent = message);

  // The list changed: new text at once, the engine's numbers a moment later.
  const commitSoon = debounce(() => commit(formatted.text, 'list'), TYPING_MS);
  function fromList({ redraw }) {
    formatted = formatSpec(network);
    text.set(formatted.text);
    if (redraw) list.render(network.items);
    commitSoon();
  }

  function fromText(value) {
    commit(value, 'text');
  }

  // Writes the network to the settings (so the link and Train follow) and
  // shows what the engine makes of it.
  async function commit(value, origin) {
    try {
      if (settings.get().net !== value) {
        committed = value.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
        settings.set({ net: value });
      }
    } catch {
      const empty = value.trim() === '';
      text.showError({ line: null, message: empty ? 'The spec is empty: a network starts with “input 1x28x28”.'
        : `Not a network for a link: a spec starts with “input CxHxW” and is printable text of at most ` +
          `${MAX_NET_LENGTH} characters.` });
      return;
    }
    await show(value, origin);
  }

  // Asks the engine about net and draws its answer. origin 'list': the list
  // made the text (keep the list, put numbers under it); 'text' or 'load':
  // the engine's tree becomes the list.
  async function show(net, origin) {
    const mine = ++asked;
    let reply;
    try {
      reply = await describe(net);
    } catch (error) {
      if (mine === asked) status(error.message);
      return;
    }
    if (mine !== asked) return;
    section.dataset.described = String(asked);
    if (origin !== 'list') {
      if (!reply.error) {
        network = networkFromDescription(reply);
        formatted = formatSpec(network);
        list.render(network.items);
      } else if (!network) {
        network = { input: 'input 1x28x28', init: null, loss: null, items: [] };
        list.render(network.items, { disabled: true });
      } else {
        list.render(network.items, { disabled: true });
      }
      if (origin === 'load') text.set(reply.text);
    }
    parts.preset.value = isPresetName(net) ? net : '';
    showInit();
    draw(reply, origin);
  }

  // Numbers under every layer (the engine's tree has the list's shape, in
  // the same order); the error at the layer of its line (the list made the text).
  function draw(reply, origin) {
    nodes = new Map();
    const items = flattenItems(network.items);
    if (!reply.error) flattenLayers(reply.layers).forEach(({ layer }, i) => items[i] && nodes.set(items[i], layer));
    const errorItem = reply.error && origin === 'list' ? itemAtLine(reply.error.line) : null;
    for (const item of items) {
      const slot = list.slot(item);
      if (!slot) continue;
      const node = nodes.get(item);
      slot.arithmetic.replaceChildren(...(node ? [renderArithmetic(node)] : []));
      slot.error.hidden = item !== errorItem;
      slot.error.textContent = item === errorItem ? reply.error.message : '';
      slot.row.classList.toggle('has-error', item === errorItem);
    }
    text.showError(reply.error ?? null);
    parts.totals.replaceChildren(renderTotals(reply, settings.get().batch));
    status(reply.error
      ? (origin === 'text' ? `The text does not build (line ${reply.error.line ?? '?'}); fix it to edit the list again.`
        : 'This network does not build: see the layer marked below.')
      : `${isPresetName(reply.net) ? reply.net : 'custom network'}: ${reply.layers.length} layers`);
    section.dataset.state = reply.error ? 'error' : reply.limits.ok ? 'ok' : 'too-big';
    compare.show((current && nodes.get(current)) ?? firstConv());
  }

  const firstConv = () => [...nodes.values()].find((n) => n.kind === 'conv') ?? null;

  function itemAtLine(line) {
    for (const [item, l] of formatted.lineOf) if (l === line) return item;
    for (const [item, l] of formatted.endOf) if (l === line) return item;
    return null;
  }

  function showInit() {
    const init = network?.init;
    parts.init.value = init?.method ?? '';
    parts['init-value-box'].hidden = init?.method !== 'constant';
    if (init?.method === 'constant') parts['init-value'].value = String(init.value ?? 0);
  }
  parts.init.addEventListener('change', () => {
    if (!network) return;
    const method = parts.init.value;
    network.init = method ? { method, value: Number(parts['init-value'].value) || 0 } : null;
    showInit();
    fromList({ redraw: false });
  });
  parts['init-value'].addEventListener('input', () => {
    const v = Number(parts['init-value'].value);
    if (!network?.init || parts['init-value'].value === '' || !Number.isFinite(v)) return;
    network.init.value = v;
    fromList({ redraw: false });
  });
  parts.preset.addEventListener('change', () => {
    if (parts.preset.value) settings.set({ net: parts.preset.value });
  });

  // A network from elsewhere (a link, the Train panel's choice, a model file).
  function follow() {
    const net = settings.get().net;
    if (net === committed) return;
    committed = net;
    show(net, 'load');
  }

  const offs = [
    settings.subscribe((s, changed) => {
      if (changed.includes('net')) follow();
      else if (changed.includes('batch') && committed !== null) show(committed, 'load'); // the limits depend on it
    }),
    client.on('ready', ({ presets }) => {
      parts.preset.replaceChildren(new Option('(custom network)', ''),
        ...presets.map((p) => new Option(`${p.name} — ${p.description}`, p.name)));
      committed = null;
      follow();
    }),
    compare.destroy,
  ];
  return { destroy: () => offs.forEach((off) => off()) };
}

export const networkEditorPanel = { id: 'network', title: 'Build your own network', wide: true, mount };
