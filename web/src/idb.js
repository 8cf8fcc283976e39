// The element's IndexedDB database: `servers` (what tls-memory.js remembers per host)
// and `queue` (transfers not finished, kept across a reload by queue-store.js).
//
// A few lines over IndexedDB rather than a package: the element ships as plain modules
// with no bundler, and these are two object stores with get, put, delete and a scan.

const DB = 'ftpbridge';
const VERSION = 2;
export const SERVERS = 'servers';
export const QUEUE = 'queue';

let database = null;

/** The database, or null where IndexedDB is missing or refused (private windows). */
export function open() {
  if (!globalThis.indexedDB) return Promise.resolve(null);
  database ??= new Promise((resolve) => {
    let request;
    try {
      request = globalThis.indexedDB.open(DB, VERSION);
    } catch {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of [SERVERS, QUEUE]) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
  return database;
}

/** Runs `act(objectStore)` in a transaction; resolves with the request's result (undefined on failure). */
export function run(db, store, mode, act) {
  return new Promise((resolve) => {
    try {
      const request = act(db.transaction(store, mode).objectStore(store));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}
