// What this browser remembers about FTP servers, per host and port, in IndexedDB: which
// ones did TLS (a later session to them that the server, or something between, answers
// without TLS is refused as a downgrade, as HSTS does for web sites), and the key the
// user trusted for a server no authority vouches for (a pin).
//
// A few lines over IndexedDB rather than a package: the element ships as plain modules
// with no bundler, and this is one object store with get and put.

const DB = 'ftpbridge';
const STORE = 'servers';

/** In-memory fallback where IndexedDB is missing or refused (private windows, tests). */
const fallback = new Map();
let database = null;

function key(host, port) {
  return `${String(host).trim().toLowerCase()}:${Number(port) || 21}`;
}

function open() {
  if (!globalThis.indexedDB) return Promise.resolve(null);
  database ??= new Promise((resolve) => {
    let request;
    try {
      request = globalThis.indexedDB.open(DB, 1);
    } catch {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
  return database;
}

function run(db, mode, act) {
  return new Promise((resolve) => {
    try {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}

/** What is remembered about `host:port`: `{ tls: boolean, pin: string | null }`. */
export async function recall(host, port) {
  const id = key(host, port);
  const db = await open();
  const stored = db ? await run(db, 'readonly', (store) => store.get(id)) : fallback.get(id);
  return { tls: Boolean(stored?.tls), pin: typeof stored?.pin === 'string' ? stored.pin : null };
}

/** Remembers `{ tls, pin }` for `host:port` (a `pin` of `undefined` keeps the old one). */
export async function remember(host, port, { tls, pin }) {
  const id = key(host, port);
  const before = await recall(host, port);
  const value = { tls: Boolean(tls) || before.tls, pin: pin === undefined ? before.pin : pin };
  const db = await open();
  if (db) await run(db, 'readwrite', (store) => store.put(value, id));
  else fallback.set(id, value);
}
