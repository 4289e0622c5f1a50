// The learner's digits in IndexedDB: one record per digit, so adding one
// writes one record (not the whole list) and thousands fit (localStorage
// held ~5 MB of base64 at most). Database 'cnn-playground', store 'digits':
//   { id (auto), dataset: 'mnist' | …, label: 0..9, pixels: Uint8Array(784) }
// with an index on dataset. Every call returns a promise that rejects with a
// readable Error (a full disk is a QuotaExceededError); the caller keeps
// what it has in memory.
const DB_NAME = 'cnn-playground';
const STORE = 'digits';

const failure = (request, what) =>
  new Error(`${what}: ${request.error?.name === 'QuotaExceededError' ? 'the browser\'s storage is full'
    : request.error?.message ?? 'unknown error'}`, { cause: request.error });

// Resolves with the result of a transaction's work once it has committed.
function transact(db, mode, work, what) {
  return new Promise((resolve, reject) => {
    let tx;
    let result;
    try {
      tx = db.transaction(STORE, mode);
      result = work(tx.objectStore(STORE));
    } catch (error) {
      reject(new Error(`${what}: ${error.name === 'QuotaExceededError' ? 'the browser\'s storage is full'
        : error.message}`, { cause: error }));
      try {
        tx?.abort();
      } catch {
        // already finished
      }
      return;
    }
    tx.oncomplete = () => resolve(typeof result === 'function' ? result() : result);
    tx.onabort = tx.onerror = () => reject(failure(tx, what));
  });
}

// Opens the database: resolves with { load, add, remove, clear } or rejects
// (no IndexedDB, blocked by the browser's privacy settings…).
export function openDigitDb(idb = globalThis.indexedDB) {
  if (!idb) return Promise.reject(new Error('this browser has no IndexedDB'));
  return new Promise((resolve, reject) => {
    const request = idb.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
      store.createIndex('dataset', 'dataset');
    };
    request.onerror = () => reject(failure(request, 'could not open the digit store'));
    request.onblocked = () => reject(new Error('the digit store is blocked by another tab'));
    request.onsuccess = () => resolve(wrap(request.result));
  });
}

function wrap(db) {
  return {
    // Every record of a data set, in the order they were added (raw: the caller checks them).
    load: (dataset) =>
      transact(db, 'readonly', (store) => {
        const request = store.index('dataset').getAll(dataset);
        return () => request.result.sort((a, b) => a.id - b.id);
      }, 'could not read your digits'),
    // [{ label, pixels }] → their new ids, in one transaction.
    add: (dataset, digits) =>
      transact(db, 'readwrite', (store) => {
        const requests = digits.map((d) => store.add({ dataset, label: d.label, pixels: d.pixels }));
        return () => requests.map((r) => r.result);
      }, 'could not save your digits'),
    remove: (ids) => transact(db, 'readwrite', (store) => ids.forEach((id) => store.delete(id)),
      'could not remove the digits'),
    clear: (dataset) =>
      transact(db, 'readwrite', (store) => {
        const request = store.index('dataset').getAllKeys(dataset);
        request.onsuccess = () => request.result.forEach((id) => store.delete(id));
      }, 'could not remove your digits'),
  };
}
