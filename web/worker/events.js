// How the worker tells the page something it did not ask for: one listed
// event (../protocol.js), its typed arrays transferred.
import { EVENTS, transferables } from '../protocol.js';

export function emit(name, payload = {}) {
  if (!EVENTS[name]) throw new Error(`unknown event '${name}' (see web/protocol.js)`);
  self.postMessage({ kind: 'event', name, payload }, transferables(payload));
}
