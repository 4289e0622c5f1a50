// The page's side of the inspect protocol (see worker-inspect.js): requests
// with ids over the page's one worker, answered by promises, with progress
// callbacks for long jobs. Works over either a plain Worker (listening with
// addEventListener, so it coexists with the page's own onmessage) or the
// page's engine client ({on(type, fn), send(type, payload, transfer)}).

// The page's own message types that mean "the model or the digit changed".
export const PAGE_EVENTS = ['ready', 'model', 'reset', 'prediction', 'stats', 'test', 'running', 'dataset'];

function channelOver(target) {
  if (typeof target.on === 'function' && typeof target.send === 'function') {
    return {
      send: (msg, transfer) => target.send(msg.type, msg, transfer),
      listen(onInspect, onOther) {
        target.on('inspect', onInspect);
        for (const type of PAGE_EVENTS) target.on(type, onOther);
      },
    };
  }
  return {
    send: (msg, transfer) => target.postMessage(msg, transfer),
    listen(onInspect, onOther) {
      target.addEventListener('message', (e) => (e.data?.type === 'inspect' ? onInspect(e.data) : onOther(e.data)));
    },
  };
}

export function createInspectClient(target) {
  let nextId = 1;
  const pending = new Map();  // inspectId -> {resolve, reject, onProgress}
  const others = new Set();   // listeners for the worker's non-inspect messages
  const channel = channelOver(target);

  channel.listen((msg) => {
    const p = pending.get(msg.inspectId);
    if (!p) return;
    if (msg.progress !== undefined) {
      p.onProgress?.(msg.progress);
      return;
    }
    pending.delete(msg.inspectId);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  }, (msg) => {
    for (const listener of others) listener(msg);
  });

  return {
    // Sends {type: 'inspect', op, inspectId, ...payload}; transfer lists
    // buffers to move. Returns {id, promise}.
    start(op, payload = {}, { transfer = [], onProgress } = {}) {
      const id = nextId++;
      const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject, onProgress }));
      channel.send({ ...payload, type: 'inspect', op, inspectId: id }, transfer);
      return { id, promise };
    },
    request(op, payload, options) {
      return this.start(op, payload, options).promise;
    },
    cancel(id) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      channel.send({ type: 'inspect', op: 'cancel', inspectId: nextId++, target: id }, []);
      p.reject(new Error('cancelled'));
    },
    // Every message of the page's own protocol (training progress, resets...).
    onWorkerMessage(listener) {
      others.add(listener);
      return () => others.delete(listener);
    },
  };
}

// Calls fn at most every `ms` milliseconds and never while its previous call
// (a promise) is still running; a call that arrives meanwhile is kept as one
// pending call, so the last change always gets drawn.
export function throttleAsync(fn, ms) {
  let running = false, queued = false, last = 0, timer = 0;
  const run = async () => {
    timer = 0;
    if (running) { queued = true; return; }
    running = true;
    queued = false;
    last = performance.now();
    try {
      await fn();
    } catch (e) {
      if (e?.message !== 'cancelled') console.warn('inspect:', e);
    } finally {
      running = false;
      if (queued) schedule();
    }
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - performance.now()));
  };
  return schedule;
}

// Calls fn once `ms` milliseconds after the last call.
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
