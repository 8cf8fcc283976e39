// Transfers not finished, kept in IndexedDB across a reload or a closed tab, per FTP
// session (user, host and port): what, where, and what is needed to go on (the File of
// an upload, the file handle of a download saved through the picker or into a picked
// folder). A Blob or service-worker download holds its bytes in the page and cannot
// be kept; it is not stored.

import { QUEUE, open, run } from './idb.js';

/** The session a transfer belongs to. */
export function sessionKey({ host, port, user, anonymous }) {
  return `${anonymous ? '' : user ?? ''}@${String(host).trim().toLowerCase()}:${Number(port) || 21}`;
}

/** Keeps (or updates) a transfer's record: `{ uid, session, direction, name, path, ... }`. */
export async function keep(record) {
  const db = await open();
  if (db) await run(db, QUEUE, 'readwrite', (store) => store.put(record, record.uid));
}

/** Forgets a transfer (done, or removed by the user). */
export async function forget(uid) {
  const db = await open();
  if (db) await run(db, QUEUE, 'readwrite', (store) => store.delete(uid));
}

/** The kept transfers of `session`, oldest first. */
export async function pending(session) {
  const db = await open();
  if (!db) return [];
  const all = (await run(db, QUEUE, 'readonly', (store) => store.getAll())) ?? [];
  return all.filter((record) => record?.session === session).sort((a, b) => (a.added ?? 0) - (b.added ?? 0));
}
