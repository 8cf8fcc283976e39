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
  /** @type {Map<string, number>} */
  #index = new Map();
  /** @type {Set<string>} */
  #marked = new Set();
  #cursor = -1;
  #anchor = -1;

  /**
   * A new view (sorted, filtered, refreshed): marks of names still shown are kept,
   * and the cursor goes to `cursorName` (else it stays by name, else by position).
   */
  setView(names, cursorName = null) {
    const before = this.#names[this.#cursor] ?? null;
    const position = this.#cursor;
    this.#names = names;
    this.#index = new Map(names.map((name, i) => [name, i]));
    for (const name of [...this.#marked]) if (!this.#index.has(name)) this.#marked.delete(name);
    const wanted = cursorName ?? before;
    const at = wanted != null && this.#index.has(wanted) ? this.#index.get(wanted) : Math.min(Math.max(position, 0), names.length - 1);
    this.#cursor = names.length ? at : -1;
    const anchor = this.#names[this.#anchor];
    this.#anchor = anchor != null && this.#index.has(anchor) ? this.#index.get(anchor) : this.#cursor;
  }

  /** Forgets every mark (a new folder). */
  clear() {
    this.#marked.clear();
    this.#cursor = this.#names.length ? 0 : -1;
    this.#anchor = this.#cursor;
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
    return [...this.#marked].map((name) => this.#index.get(name)).sort((a, b) => a - b);
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
        this.#anchor = i;
        break;
      case 'extend': {
        const from = this.#anchor < 0 ? i : this.#anchor;
        this.#marked.clear();
        for (let k = Math.min(from, i); k <= Math.max(from, i); k++) this.#marked.add(this.#names[k]);
        this.#anchor = from;
        break;
      }
      case 'keep':
        break;
      default:
        this.#marked = new Set([name]);
        this.#anchor = i;
    }
    this.#cursor = i;
    return i;
  }

  /** Marks every row; the cursor stays. */
  all() {
    this.#marked = new Set(this.#names);
  }
}
