// The bench page's main thread: starts web/dev/bench-worker.js with the protocol
// the query names, shows its progress, and leaves the outcome in window.bench
// ({done, result, error}) for the driver (bench/engine-chromium.mjs) to read.
// The protocol comes whole in ?protocol=<JSON> (bench/protocol.mjs) so the
// page times exactly what Node times; ?build picks the engine as the
// playground's ?engine= does.
const query = new URLSearchParams(location.search);
const log = document.getElementById('log');
const bench = (window.bench = { done: false, result: null, error: null });

function say(text) {
  log.textContent = log.textContent === 'starting' ? text : `${log.textContent}\n${text}`;
}

function finish(outcome) {
  Object.assign(bench, outcome, { done: true });
  say(outcome.error ? `error: ${outcome.error}` : 'done');
}

try {
  const protocol = JSON.parse(query.get('protocol') ?? 'null');
  if (!protocol?.configs?.length) throw new Error('the page needs ?protocol=<JSON> (see bench/protocol.mjs)');
  const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'progress') say(data.text);
    else if (data.type === 'done') finish({ result: data.result });
    else if (data.type === 'error') finish({ error: data.message });
  };
  worker.onerror = (event) => finish({ error: `the worker failed: ${event.message ?? 'could not start'}` });
  worker.postMessage({ build: query.get('build') ?? 'simd', protocol });
} catch (e) {
  finish({ error: e.message });
}
