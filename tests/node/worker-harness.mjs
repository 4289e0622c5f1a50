// Runs the page's worker (web/worker/main.js) inside this Node process, as a
// browser would, and speaks web/protocol.js to it: `self` is this global,
// fetch() reads the repository's files, postMessage() lands here. Not a test
// file itself; imported by tests/node/worker.test.mjs.
/* global self */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';

const WORKER_URL = new URL('../../web/worker/main.js', import.meta.url);
const replies = new Map(); // id -> { resolve, reject, progress[] }
const listeners = new Set();
export const events = [];

globalThis.self = globalThis;
globalThis.location = { href: `${WORKER_URL.href}?engine=simd` };
// Files whose fetch fails as it does offline (a test adds part of a path, then deletes it).
export const offline = new Set();
globalThis.fetch = async (url) => {
  const path = fileURLToPath(new URL(url));
  if ([...offline].some((part) => path.includes(part))) throw new TypeError('Failed to fetch');
  const type = path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
  try {
    const bytes = await readFile(path);
    return new Response(bytes, { headers: { 'content-type': type, 'content-length': String(bytes.length) } });
  } catch {
    return new Response('not found', { status: 404 });
  }
};
globalThis.postMessage = (message) => {
  if (message.kind === 'event') {
    events.push(message);
    for (const fn of listeners) fn(message);
    return;
  }
  const r = replies.get(message.id);
  if (!r) return;
  if (message.kind === 'progress') {
    r.progress.push(message.progress);
    r.onProgress?.(message.progress);
  }
  else if (message.ok) r.resolve({ ...message.result, progress: r.progress });
  else r.reject(new Error(message.error));
};
// Nested workers (the engine worker's UMAP helper) as Node threads: the
// Worker API a browser gives a worker, over node:worker_threads.
const THREAD_BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
const early = [];
parentPort.on('message', (data) => (self.onmessage ? self.onmessage({ data }) : early.push(data)));
import(workerData.url).then(() => early.splice(0).forEach((data) => self.onmessage({ data })));
`;
globalThis.Worker ??= class ThreadWorker {
  constructor(url) {
    this.thread = new NodeWorker(THREAD_BOOT, { eval: true, workerData: { url: String(url) } });
    this.thread.on('message', (data) => this.onmessage?.({ data }));
    this.thread.on('error', (error) => this.onerror?.({ message: error.message, preventDefault() {} }));
  }
  postMessage(message, transfer) {
    this.thread.postMessage(message, transfer);
  }
  terminate() {
    this.thread.terminate();
  }
};
await import(WORKER_URL.href);

let nextId = 1;
// Sends a command; resolves with its result (plus the progress it reported).
// onProgress(progress) is called as each progress message is posted (inside the job's slice).
export function call(name, payload = {}, { onProgress } = {}) {
  const id = nextId++;
  const promise = new Promise((resolve, reject) => replies.set(id, { resolve, reject, progress: [], onProgress }));
  self.onmessage({ data: { kind: 'command', id, name, payload } });
  return { id, promise, cancel: () => self.onmessage({ data: { kind: 'cancel', id } }) };
}

export const request = (name, payload) => call(name, payload).promise;

// Resolves with the first event named `name` (after `since` events) that satisfies test.
export function waitForEvent(name, test = () => true, since = 0) {
  const seen = events.slice(since).find((e) => e.name === name && test(e.payload));
  if (seen) return Promise.resolve(seen.payload);
  return new Promise((resolve) => {
    const fn = (e) => {
      if (e.name === name && test(e.payload)) {
        listeners.delete(fn);
        resolve(e.payload);
      }
    };
    listeners.add(fn);
  });
}
