// The page's one client of the engine worker (the conversation itself is
// listed in ../protocol.js): request/reply with ids, progress callbacks,
// cancellation, and errors as rejected promises carrying the worker's
// message. Events from the worker go to whoever subscribed with on().
//
// A worker that dies (a wasm trap, out of memory, a failed start) rejects
// every pending request and is reported as a 'worker-lost' event;
// restart() starts a new one behind the same client, so subscribers stay.
import { CANCELLED, COMMANDS, EVENTS, transferables } from '../protocol.js';
import { createEmitter } from '../util.js';

// makeWorker(): a new module Worker running worker/main.js.
export function createClient(makeWorker) {
  const listeners = createEmitter(); // the worker's events, to their subscribers
  const pending = new Map(); // id -> { resolve, reject, onProgress }
  let nextId = 1;
  let worker = null;

  const emit = listeners.emit;

  function rejectAll(message) {
    for (const p of pending.values()) p.reject(new Error(message));
    pending.clear();
  }

  function onMessage({ data: message }) {
    if (message?.kind === 'event') {
      emit(message.name, message.payload);
      return;
    }
    const request = pending.get(message?.id);
    if (!request) return; // cancelled, or from a worker that was replaced
    if (message.kind === 'progress') {
      request.onProgress?.(message.progress);
      return;
    }
    pending.delete(message.id);
    if (message.ok) request.resolve(message.result);
    else request.reject(new Error(message.error));
  }

  function start() {
    const w = makeWorker();
    w.onmessage = (event) => worker === w && onMessage(event);
    // A worker that cannot even start (a syntax error, a missing file, a
    // browser without module workers), or one that died, only says so here.
    w.onerror = (event) => {
      event.preventDefault?.();
      if (worker !== w) return;
      const where = event.filename ? ` (${event.filename.split('/').pop()}:${event.lineno})` : '';
      const reason = event.message || 'unknown error (module workers unsupported?)';
      const message = `the engine worker stopped${where}: ${reason}`;
      rejectAll(message);
      emit('worker-lost', { message });
    };
    w.onmessageerror = () => emit('error', { message: 'a message from the worker could not be read', context: null });
    worker = w;
  }

  // Sends a command; returns { id, promise, cancel() }.
  function send(name, payload = {}, { onProgress, transfer } = {}) {
    if (!COMMANDS[name]) throw new Error(`unknown command '${name}' (see web/protocol.js)`);
    const id = nextId++;
    const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject, onProgress }));
    worker.postMessage({ kind: 'command', id, name, payload }, transfer ?? transferables(payload));
    const cancel = () => {
      const request = pending.get(id);
      if (!request) return;
      pending.delete(id);
      worker.postMessage({ kind: 'cancel', id });
      request.reject(new Error(CANCELLED));
    };
    return { id, promise, cancel };
  }

  start();
  return {
    // A promise of the command's reply.
    request: (name, payload, options) => send(name, payload, options).promise,
    // A long command: { promise, cancel() }, progress to options.onProgress.
    start: send,
    // Commands whose outcome arrives as events: failures are reported as an 'error' event.
    post(name, payload, options) {
      send(name, payload, options).promise.catch((error) => {
        if (error.message !== CANCELLED) emit('error', { message: error.message, context: name });
      });
    },
    on(name, fn) {
      if (!EVENTS[name] && name !== 'worker-lost') throw new Error(`unknown event '${name}' (see web/protocol.js)`);
      return listeners.on(name, fn);
    },
    // Replaces a lost (or any) worker with a new one; subscribers stay.
    restart() {
      worker?.terminate();
      rejectAll('the engine worker was restarted');
      start();
    },
  };
}
