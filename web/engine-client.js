// The page's side of the worker: starts it, sends commands, and hands the
// worker's messages to whoever subscribed. Requests that need an answer
// (save, load) get a promise; everything else is fire-and-forget, because
// data flows one way: commands out, results back as events.

export function startEngine({ build = 'auto' } = {}) {
  const url = new URL('./worker.js', import.meta.url);
  if (build !== 'auto') url.searchParams.set('engine', build);
  const worker = new Worker(url, { type: 'module' });
  const listeners = new Map(); // type -> Set of handlers
  const pending = new Map();   // request id -> {resolve, reject}
  let nextId = 1;

  const emit = (type, message) => listeners.get(type)?.forEach((fn) => fn(message));

  worker.onmessage = (event) => {
    const message = event.data;
    if (message.type === 'reply') {
      const request = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) request?.resolve(message.result);
      else request?.reject(new Error(message.error));
      return;
    }
    emit(message.type, message);
  };
  // A worker that cannot even start (a syntax error, a missing file, a
  // browser without module workers) only says so here.
  worker.onerror = (event) => {
    event.preventDefault?.();
    const where = event.filename ? ` (${event.filename.split('/').pop()}:${event.lineno})` : '';
    emit('fatal', { type: 'fatal', message: `the engine worker failed to start${where}: ${event.message || 'unknown error (module workers unsupported?)'}` });
  };
  worker.onmessageerror = () => emit('error', { type: 'error', message: 'a message from the worker could not be read' });

  return {
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(fn);
      return () => listeners.get(type).delete(fn);
    },
    send(type, payload = {}, transfer = []) {
      worker.postMessage({ type, ...payload }, transfer);
    },
    request(type, payload = {}, transfer = []) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type, id, ...payload }, transfer);
      });
    },
  };
}
