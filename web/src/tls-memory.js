// What this browser remembers about FTP servers, per host and port, in IndexedDB: which
// ones did TLS (a later session to them that the server, or something between, answers
// without TLS is refused as a downgrade, as HSTS does for web sites), and the key the
// user trusted for a server no authority vouches for (a pin).
//

import { SERVERS, open, run as runIn } from './idb.js';

/** In-memory fallback where IndexedDB is missing or refused (private windows, tests). */
const fallback = new Map();

function key(host, port) {
  return `${String(host).trim().toLowerCase()}:${Number(port) || 21}`;
}

const run = (db, mode, act) => runIn(db, SERVERS, mode, act);

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
