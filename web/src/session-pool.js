// The transfer sessions: slot i holds a session of its own, opened on first use and
// again after it was lost, so that N transfers run at once while browsing stays on its
// own session. A server that refuses one session too many lowers the count for good
// (until the user chooses again). No DOM: `connect(slot)` opens a session.

export class SessionPool {
  #connect;
  /** slot → Promise of a session, or null. */
  #slots = [];
  /** Fewer sessions than asked for, after the server refused one as too many. */
  #limit = Infinity;

  /** `connect(slot)` resolves with a new session (an `FtpClient`). */
  constructor(connect) {
    this.#connect = connect;
  }

  /** How many sessions may run: `wanted`, at most what the server took. */
  limit(wanted) {
    return Math.max(1, Math.min(wanted, this.#limit));
  }

  /** The server refused the session of `slot` as one too many: at most `slot` from now on. */
  refused(slot) {
    this.#limit = Math.max(1, Math.min(this.#limit, slot));
    return this.#limit;
  }

  /** The user chose a count again: try it. */
  reset() {
    this.#limit = Infinity;
  }

  /** Slot `slot`'s session, opened on first use. */
  get(slot) {
    if (!this.#slots[slot]) {
      const attempt = Promise.resolve().then(() => this.#connect(slot));
      this.#slots[slot] = attempt;
      attempt.catch(() => {
        if (this.#slots[slot] === attempt) this.#slots[slot] = null;
      });
    }
    return this.#slots[slot];
  }

  /** `client`, the session of `slot`, is broken: closed, and the next `get` opens another. */
  drop(slot, client) {
    const current = this.#slots[slot];
    if (!current) return;
    current.then((c) => {
      if (c === client && this.#slots[slot] === current) {
        this.#slots[slot] = null;
        close(c);
      }
    }, () => {});
  }

  /** Closes every session (QUIT, then freed); resolves when all are closed. */
  async closeAll() {
    const slots = this.#slots;
    this.#slots = [];
    this.#limit = Infinity;
    await Promise.allSettled(slots.map((slot) => slot?.then((c) => close(c))));
  }
}

function close(client) {
  return client.close().catch(() => {}).finally(() => {
    try {
      client.free?.();
    } catch {
      // freed already
    }
  });
}
