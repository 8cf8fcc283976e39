/**
 * The file grid's selection, without the DOM: a cursor (the row keys act on), an
 * anchor for Shift ranges, and the marked rows. Marks are kept by name, so that they
 * survive a re-sort or a refresh that still shows the same entries.
 *
 * Gestures, as file managers have them: a click or a plain arrow marks one row; Ctrl
 * (or ⌘) toggles a row; Shift marks the range from the anchor; Space toggles the
 * cursor's row; Ctrl+A marks every row.
 *
 * @module
 */

export class Selection {
  /** @type {string[]} */
  #names = [];
  /** @type {Set<string>} */
  #marked = new Set();
  /** The marked rows' indices in view order, or null until asked for again. */
  #indices = [];
  #cursor = -1;
  #anchor = -1;

  /**
   * A new view (sorted, filtered, refreshed): marks of names still shown are kept,
   * and the cursor goes to `cursorName` (else it stays by name, else by position).
   * One pass over the names, with no index of them built (a folder may hold 100,000).
   */
  setView(names, cursorName = null) {
    const wanted = cursorName ?? this.#names[this.#cursor] ?? null;
    const anchorName = this.#names[this.#anchor] ?? null;
    const position = this.#cursor;
    let cursor = -1;
    let anchor = -1;
    const kept = new Set();
    const indices = [];
    const marked = this.#marked;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name === wanted && cursor < 0) cursor = i;
      if (name === anchorName && anchor < 0) anchor = i;
      if (marked.size && marked.has(name)) {
        kept.add(name);
        indices.push(i);
      }
    }
    this.#names = names;
    this.#marked = kept;
    this.#indices = indices;
    if (cursor < 0) cursor = Math.min(Math.max(position, 0), names.length - 1);
    this.#cursor = names.length ? cursor : -1;
    this.#anchor = anchor < 0 ? this.#cursor : anchor;
  }

  get cursor() {
    return this.#cursor;
  }

  /** How many rows are marked. */
  get size() {
    return this.#marked.size;
  }

  isMarked(i) {
    const name = this.#names[i];
    return name != null && this.#marked.has(name);
  }

  /** The marked rows' indices, in view order. */
  marked() {
    if (!this.#indices) {
      this.#indices = [];
      if (this.#marked.size === this.#names.length) for (let i = 0; i < this.#names.length; i++) this.#indices.push(i);
      else for (let i = 0; i < this.#names.length; i++) if (this.#marked.has(this.#names[i])) this.#indices.push(i);
    }
    return this.#indices;
  }

  #clamp(i) {
    return Math.max(0, Math.min(i, this.#names.length - 1));
  }

  /**
   * Moves the cursor to `i` and changes the marks as `mode` says: `only` (mark just
   * this row), `toggle` (flip this row), `extend` (the range from the anchor), `keep`
   * (the cursor moves, marks stay). Returns the cursor.
   */
  apply(i, mode = 'only') {
    if (!this.#names.length) {
      this.#cursor = -1;
      return -1;
    }
    i = this.#clamp(i);
    const name = this.#names[i];
    switch (mode) {
      case 'toggle':
        if (this.#marked.has(name)) this.#marked.delete(name);
        else this.#marked.add(name);
        this.#indices = null;
        this.#anchor = i;
        break;
      case 'extend': {
        const from = this.#anchor < 0 ? i : this.#anchor;
        this.#marked = new Set();
        this.#indices = [];
        for (let k = Math.min(from, i); k <= Math.max(from, i); k++) {
          this.#marked.add(this.#names[k]);
          this.#indices.push(k);
        }
        this.#anchor = from;
        break;
      }
      case 'keep':
        break;
      default:
        this.#marked = new Set([name]);
        this.#indices = [i];
        this.#anchor = i;
    }
    this.#cursor = i;
    return i;
  }

  /** Marks every row; the cursor stays. */
  all() {
    this.#marked = new Set(this.#names);
    this.#indices = null;
  }
}
