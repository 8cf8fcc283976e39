// The transfer queue as a plain model, without the DOM: what each transfer is and how
// far it got, which may start (a free slot, and the transfer it waits for finished),
// cancel, resume and remove, speed from recent samples, and what the page may know
// (paths left partial on the server). The element draws it; `node --test` tests it.

/** States: queued → running → done | failed | cancelled; failed or cancelled → queued. */
export const STATES = ['queued', 'running', 'done', 'failed', 'cancelled'];

/** Samples older than this do not count toward the speed. */
const SPEED_WINDOW_MS = 3000;
/** At most one sample this often. */
const SAMPLE_EVERY_MS = 250;

let nextId = 1;

export class TransferQueue {
  /** Every transfer, oldest first. */
  items = [];
  /** Slots in use: slot i runs on transfer session i. */
  #busy = new Set();

  /**
   * A new transfer: `fields` say what it is (`direction`: download, upload or mkdir;
   * `name`, `path`, `total`, ...) and may carry `uid`, `added` and `bytes` kept from
   * an earlier visit. `after`: a transfer this one waits for.
   */
  add(fields) {
    const t = {
      id: nextId++,
      uid: globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`,
      added: Date.now(),
      state: 'queued',
      bytes: 0,
      total: null,
      error: null,
      samples: [],
      speed: 0,
      ...fields,
    };
    this.items.push(t);
    return t;
  }

  /**
   * The next transfer to start and the slot it gets, while fewer than `limit` run;
   * `null` when none may start. The transfer is running from here on.
   */
  take(limit, now = 0) {
    if (this.#busy.size >= limit) return null;
    const t = this.items.find((x) => x.state === 'queued' && !(x.after && (x.after.state === 'queued' || x.after.state === 'running')));
    if (!t) return null;
    let slot = 0;
    while (this.#busy.has(slot)) slot += 1;
    this.#busy.add(slot);
    this.begin(t, now);
    return { t, slot };
  }

  /** `t` runs (from `take`, or on slots of its own, as a download in ranges). */
  begin(t, now = 0) {
    t.state = 'running';
    t.error = null;
    t.started = now;
    t.samples = [{ at: now, bytes: t.bytes }];
    t.speed = 0;
  }

  /** The slot is free again. */
  release(slot) {
    this.#busy.delete(slot);
  }

  /** How many slots are in use. */
  get busy() {
    return this.#busy.size;
  }

  /** The slots in use (a download in ranges borrows the free ones). */
  freeSlots(limit) {
    const free = [];
    for (let slot = 0; slot < limit; slot++) if (!this.#busy.has(slot)) free.push(slot);
    return free;
  }

  /** Takes `slots` for a transfer that already runs (its extra ranges). */
  claim(slots) {
    for (const slot of slots) this.#busy.add(slot);
  }

  /**
   * Cancels `t`: a queued one at once (true); a running one must be stopped by its
   * runner (false: abort its controller), which then ends it as cancelled.
   */
  cancel(t) {
    if (t.state !== 'queued') return false;
    t.state = 'cancelled';
    return true;
  }

  /** A failed or cancelled transfer waits to run again; false when it cannot. */
  resume(t) {
    if (t.state !== 'cancelled' && t.state !== 'failed') return false;
    t.state = 'queued';
    t.error = null;
    return true;
  }

  /** Drops a finished transfer from the list; false while it runs or waits. */
  remove(t) {
    if (t.state === 'running' || t.state === 'queued') return false;
    this.items = this.items.filter((x) => x !== t);
    return true;
  }

  /** `t` has `bytes` now (at `now` ms): its speed follows the last seconds. */
  progress(t, bytes, now) {
    t.bytes = bytes;
    const last = t.samples[t.samples.length - 1];
    if (last && now - last.at <= SAMPLE_EVERY_MS) return;
    t.samples.push({ at: now, bytes });
    while (t.samples.length > 2 && now - t.samples[0].at > SPEED_WINDOW_MS) t.samples.shift();
    const first = t.samples[0];
    const seconds = (now - first.at) / 1000;
    if (seconds > 0.2) t.speed = (bytes - first.bytes) / seconds;
  }

  /** Transfers running or waiting that the user sees (not a folder step). */
  active() {
    return this.items.filter((t) => !t.hiddenRow && (t.state === 'running' || t.state === 'queued'));
  }

  /**
   * Paths of files the server holds only part of, as far as this page knows: the last
   * upload to each that was cancelled or failed after sending some bytes.
   */
  partialUploads() {
    const last = new Map();
    for (const t of this.items) if (t.direction === 'upload') last.set(t.path, t);
    const partial = new Set();
    for (const [path, t] of last) if ((t.state === 'cancelled' || t.state === 'failed') && t.bytes > 0) partial.add(path);
    return partial;
  }

  /** What a page may know of a transfer (`ftp-transfer`'s detail). */
  static info(t) {
    return { id: t.id, direction: t.direction, name: t.name, path: t.path, state: t.state, bytes: t.bytes, total: t.total, error: t.error };
  }
}
