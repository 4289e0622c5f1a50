// "How the units behave": every layer's units measured by the engine
// (worker/units.js, src/unit_stats.h) on the first test digits, live while
// the network trains. Dead ReLU units (zero for every one of those digits:
// they get no gradient, so they stop learning) plotted over the run; each
// layer's values as mean ± spread and a histogram, at initialisation beside
// now (so He, Xavier, LeCun and a constant start differently); how far a
// layer's filters are from being one filter (a constant initialisation
// keeps them identical); batch norm's statistics on these digits beside its
// running averages; and the drawn digit in training and in test mode
// (units-modes.js). Other panels hear the dead-unit figures as 'units'.
import { createChart, countTicks } from '../chart.js';
import { el, html, roles } from '../dom.js';
import { paintBars } from '../maps.js';
import { formatCount, formatPercent } from '../../util.js';
import { createModesView } from './units-modes.js';

const SAMPLE = 128; // test digits measured (worker/units.js UNIT_SAMPLE)
const EVERY_MS = 1000; // while training, one measurement about this often
const PALETTE = ['#3b528b', '#d6601a', '#21918c', '#b5367a', '#6a8f1f', '#7b4fd6', '#c08a00', '#444'];

const markup = () => html`
  <p class="lead">What each layer's units do, measured by the engine on the first ${SAMPLE} test digits while the
    network trains. A ReLU unit that is 0 for every one of them is <em>dead</em>: its gradient is 0 too, so no update
    can bring it back. Try SGD with a learning rate of 1 and watch them die; try another initialisation (the
    network editor's <code>init</code> line) and compare the spreads at the start.</p>
  <p class="inspect-status" data-role="status" data-testid="units-status">Not measured yet.</p>
  <figure class="chart" data-role="dead-chart">
    <figcaption>Dead ReLU units <span>— per ReLU layer, the fraction of its units that are 0 for all ${SAMPLE}
      digits</span></figcaption>
  </figure>
  <div class="units-table" tabindex="0" role="region" aria-label="Every layer's units, measured"><table
    class="net-summary" data-testid="units-table">
    <caption>Every layer on these digits: its output values as mean ± standard deviation before any training
      (a fresh network: its initialisation) and now, and their histogram (min to max) now.</caption>
    <thead><tr><th scope="col">layer</th><th scope="col">units</th><th scope="col">dead</th>
      <th scope="col">at the start (0 images)</th><th scope="col">now</th><th scope="col">histogram</th>
      <th scope="col">filters</th></tr></thead>
    <tbody data-role="rows"></tbody></table></div>
  <div data-role="batchnorm"></div>`;

const meanSpread = (s) => `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;

// "identical" when every filter is the first one, else how far apart.
const filtersText = (s) => (!s.hasFilters ? '' : s.filterSpread === 0 ? 'all identical'
  : `differ by up to ${s.filterSpread.toPrecision(2)}`);

function layerRow(s, first) {
  const histogram = el('canvas', { className: 'units-histogram', style: { width: '120px', height: '28px' } });
  histogram.setAttribute('aria-label', `histogram of ${s.kind} ${s.path}'s values, ${s.min.toPrecision(3)} to ` +
    `${s.max.toPrecision(3)}`);
  histogram.setAttribute('role', 'img');
  const row = el('tr', { dataset: { testid: 'units-row', path: s.path, kind: s.kind, units: s.units,
    dead: s.rectifier ? s.dead : '' } },
  el('th', { scope: 'row', className: 'mono', textContent: `${s.path} ${s.kind}` }),
  el('td', { className: 'num', textContent: formatCount(s.units) }),
  el('td', { className: 'num', dataset: { testid: 'units-dead' },
    textContent: s.rectifier ? `${formatCount(s.dead)} (${formatPercent(s.dead / s.units)})` : '' }),
  el('td', { className: 'num', textContent: first ? meanSpread(first) : '' }),
  el('td', { className: 'num', textContent: meanSpread(s) }),
  el('td', {}, histogram),
  el('td', { dataset: { testid: 'units-filters' }, textContent: filtersText(s) }));
  return { row, paint: () => paintBars(histogram, Array.from(s.histogram)) };
}

// Per channel: the mean and variance over these digits beside the running ones.
function batchnormTable(s) {
  const { batchMean, batchVar, runningMean, runningVar } = s.batchnorm;
  const table = html`<table class="net-summary" data-testid="units-batchnorm">
    <caption></caption>
    <thead><tr><th scope="col">channel</th><th scope="col">mean on these digits</th>
      <th scope="col">running mean</th><th scope="col">variance on these digits</th>
      <th scope="col">running variance</th></tr></thead><tbody></tbody></table>`;
  table.querySelector('caption').textContent = `batchnorm ${s.path}: training normalises by a batch's own mean ` +
    'and variance; predicting uses the running averages kept while training (α = 0.9 per batch).';
  table.querySelector('tbody').append(...Array.from(batchMean, (m, c) => el('tr', {},
    el('th', { scope: 'row', textContent: String(c) }),
    ...[m, runningMean[c], batchVar[c], runningVar[c]].map((v) => el('td', { className: 'num',
      textContent: v.toFixed(4) })))));
  return table;
}

export const unitsPanel = {
  id: 'units',
  title: 'Units: dead ReLUs, activations, initialisation, batch norm',
  wide: true,
  mount(section, { client, events }) {
    section.append(markup());
    const parts = roles(section);
    const modes = createModesView(section, { client });
    let chart = null, chartKey = '';
    let run = null; // { spec, first: stats at the first measurement, points: per relu path [[x, fraction]] }
    let updates = 0, asking = false, again = false, lastAsked = 0, runState = 'idle';

    function plotDead(reply) {
      const relus = reply.stats.filter((s) => s.rectifier);
      const key = relus.map((s) => s.path).join(',');
      if (key !== chartKey) {
        chart?.destroy();
        chartKey = key;
        chart = createChart(parts['dead-chart'], { xLabel: 'images seen', xTicks: countTicks, height: 180,
          yLabel: 'dead units', series: relus.map((s, i) => ({ label: `${s.kind} ${s.path}`,
            color: PALETTE[i % PALETTE.length] })) });
      }
      for (const s of relus) {
        const list = (run.points[s.path] ??= []);
        if (list.at(-1)?.[0] === reply.imagesSeen) list.pop();
        list.push([reply.imagesSeen, s.dead / s.units]);
      }
      chart.setPoints(relus.map((s) => run.points[s.path]));
      events.emit('units', { imagesSeen: reply.imagesSeen, count: reply.count,
        relus: relus.map((s) => ({ path: s.path, dead: s.dead, units: s.units })) });
    }

    function show(reply, state) {
      // A new network (or a Reset) starts a new story: its first measurement, at 0 images, is its start.
      if (!run || run.spec !== reply.spec || reply.imagesSeen < run.lastSeen) {
        run = { spec: reply.spec, first: null, points: {}, lastSeen: 0 };
        if (reply.imagesSeen === 0) run.first = new Map(reply.stats.map((s) => [s.path, s]));
      }
      run.lastSeen = reply.imagesSeen;
      plotDead(reply);
      const rows = reply.stats.map((s) => layerRow(s, run.first?.get(s.path)));
      parts.rows.replaceChildren(...rows.map((r) => r.row));
      rows.forEach((r) => r.paint());
      parts.batchnorm.replaceChildren(...reply.stats.filter((s) => s.batchnorm).map(batchnormTable));
      parts.status.textContent = `Measured on ${reply.count} test digits after ${formatCount(reply.imagesSeen)} ` +
        'training images.';
      section.dataset.imagesSeen = String(reply.imagesSeen);
      section.dataset.measuredState = state;
      section.dataset.updates = String(++updates);
    }

    // One request at a time; a reason that comes meanwhile asks again after it.
    async function measure() {
      if (asking) {
        again = true;
        return;
      }
      asking = true;
      lastAsked = performance.now();
      const state = runState;
      try {
        show(await client.request('unitStats', { count: SAMPLE }), state);
      } catch (error) {
        parts.status.textContent = `Could not measure: ${error.message}`;
      } finally {
        asking = false;
        if (again) {
          again = false;
          measure();
        }
      }
    }

    // Only once the test digits are here: a visitor who only draws downloads no data set for this panel.
    let testReady = false;
    const measureIfReady = () => testReady && measure();
    const offs = [
      client.on('data', ({ stage }) => {
        if (stage === 'test-ready') {
          testReady = true;
          measure();
        }
      }),
      client.on('dataset', () => (testReady = false)),
      client.on('model', ({ changed }) => {
        if (changed) run = null; // a new network: its first measurement is its start
        measureIfReady();
        modes.refresh();
      }),
      events.on('digit', ({ image }) => modes.setDigit(image)),
      client.on('state', ({ state }) => {
        runState = state;
        if (state !== 'training' && state !== 'starting') {
          measureIfReady();
          modes.refresh();
        }
      }),
      client.on('stats', () => {
        if (performance.now() - lastAsked >= EVERY_MS) measureIfReady();
      }),
    ];
    return { destroy: () => offs.forEach((off) => off()) };
  },
};
