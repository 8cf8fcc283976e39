// The file grid of <ftp-browser>: the table of a folder's entries with its headers,
// rows drawn only around the visible part in a large folder (spacers stand for the
// rest), the cursor and the marks (a `Selection`), and the keys, clicks and taps that
// move them. What an action does (open, delete, rename, ...) is the element's: the
// grid says which was asked for through `on`.

import { ICONS, h, icon } from './look.js';
import { formatDate, formatSize, nameKey, visibleName } from './ftp-util.js';
import { Selection } from './selection.js';

/**
 * Folders with more rows than this draw only the rows on screen (and a margin): a
 * folder of 100,000 entries costs the page as much as one of a hundred.
 */
const VIRTUAL_AT = 300;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 30;

export class Grid {
  /** The table and what stands in for it (empty folder, no match): the element places it. */
  el;
  /** The inline editor (rename, new folder) while one is open: `{ input, row }`. */
  editing = null;
  #on;
  #e = {};
  #view = [];
  #sel = new Selection();
  #cursor = -1;
  /** The rows drawn: view indices [start, end), their elements, and a row's height. */
  #win = { start: 0, end: 0 };
  #rowEls = [];
  #rowH = 36;
  #scrollPending = false;
  #typeahead = { text: '', at: 0 };
  /** Whether the rows' boxes (touch) have been used since the last one-row selection. */
  #boxed = false;
  /** Whether a row's file is partial on the server (a stopped upload), for its badge. */
  #partial = () => false;

  /**
   * `on` answers what the grid cannot decide: `sort(key)`, `open()`, `tap(entry)`,
   * `up()`, `remove()`, `rename()`, `preview()`, `menu(point)` (null: at the cursor),
   * `rowMenu(ev)`, `filter()`, `announce(text)`, `changed()` (the cursor or the marks
   * moved), and the rows' drag events `dragStart`, `dragOver` and `drop`.
   */
  constructor(on) {
    this.#on = on;
    const e = this.#e;
    const th = (key, label, cls) =>
      h('th', { role: 'columnheader', class: cls, 'aria-sort': 'none', 'data-key': key, scope: 'col' },
        h('button', { type: 'button', onclick: () => on.sort(key) }, label, h('span', { class: 'arrow', html: ICONS.sortUp })));
    e.headers = [th('name', 'Name', 'name'), th('size', 'Size', 'size'), th('modified', 'Modified', 'modified'), th('permissions', 'Permissions', 'perms')];
    e.tbody = h('tbody', {
      onclick: (ev) => this.#click(ev),
      ondblclick: (ev) => this.#dblclick(ev),
      oncontextmenu: (ev) => on.rowMenu(ev),
      ondragstart: (ev) => on.dragStart(ev),
      ondragover: (ev) => on.dragOver(ev),
      ondrop: (ev) => on.drop(ev),
      onfocusin: (ev) => this.#focusIn(ev),
    });
    // Spacers stand for the rows not drawn in a large folder.
    e.spacerTop = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: '4' }));
    e.spacerBottom = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: '4' }));
    // Keys go to the grid, so that they still work when the focused row was scrolled
    // out of a large folder's drawn rows (focus then rests on the grid itself).
    e.grid = h('table', { role: 'grid', 'aria-label': 'Files', 'aria-multiselectable': 'true', 'aria-rowcount': '1', part: 'grid', tabindex: '-1', onkeydown: (ev) => this.#keys(ev) },
      h('colgroup', {}, h('col', { class: 'c-name' }), h('col', { class: 'c-size' }), h('col', { class: 'c-modified' }), h('col', { class: 'c-perms' })),
      h('thead', {}, h('tr', { role: 'row', 'aria-rowindex': '1' }, e.headers)),
      e.tbody);
    e.empty = h('div', { class: 'empty', hidden: true, html: `${ICONS.folder}<div>This folder is empty.</div><div>Drop files here or use “Upload files”.</div>` });
    e.noMatch = h('div', { class: 'empty', hidden: true }, h('div', {}, 'No name in this folder contains the filter’s text.'));
    this.el = h('div', { class: 'table-wrap', onscroll: () => this.#scrolled() }, e.grid, e.empty, e.noMatch);
  }

  /** The entries shown, in order. */
  get view() {
    return this.#view;
  }

  /** The cursor's row (-1: none). */
  get cursor() {
    return this.#cursor;
  }

  /** The tbody, for the element's checks of where an event happened. */
  get body() {
    return this.#e.tbody;
  }

  /** The headers, by sort key. */
  header(key) {
    return this.#e.headers.find((th) => th.dataset.key === key);
  }

  /** How many rows are marked. */
  get markedCount() {
    return this.#sel.size;
  }

  isMarked(i) {
    return this.#sel.isMarked(i);
  }

  /** The marked entries, in view order (the cursor's, when nothing is marked). */
  marked() {
    const marked = this.#sel.marked().map((i) => this.#view[i]).filter(Boolean);
    if (marked.length) return marked;
    const entry = this.#view[this.#cursor];
    return entry ? [entry] : [];
  }

  /**
   * Shows `view` (filtered and sorted already) sorted by `sort`: the cursor goes to the
   * entry keyed `select` (`nameKey`), else stays where it was; with `keepMarks`, the
   * marks of entries still shown stay. `partial(entry)` marks a stopped upload's file;
   * `filtering` says whether an empty view is the filter's doing.
   */
  show(view, { select = null, keepMarks = false, sort, partial = () => false, filtering = false }) {
    const e = this.#e;
    this.#view = view;
    this.#partial = partial;
    this.editing = null;
    const hadFocus = this.hasFocus();
    this.#sel.setView(view.map(nameKey), select);
    let index = select != null ? view.findIndex((entry) => nameKey(entry) === select) : -1;
    if (index < 0 && view.length) index = select != null ? Math.min(this.#cursor, view.length - 1) : 0;
    if (keepMarks && this.#sel.size > 0) index = this.#sel.cursor;
    this.#cursor = index;
    this.#draw(true);
    e.grid.setAttribute('aria-rowcount', String(view.length + 1));
    e.empty.hidden = view.length > 0 || filtering;
    e.noMatch.hidden = view.length > 0 || !filtering;
    for (const header of e.headers) {
      const key = header.dataset.key;
      header.setAttribute('aria-sort', key === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none');
    }
    this.select(index, { focus: hadFocus, scroll: true, mode: keepMarks && this.#sel.size > 0 ? 'keep' : 'only' });
  }

  /** An inline editor's row stands in for the empty folder's note while it is open. */
  set emptyHidden(hidden) {
    this.#e.empty.hidden = hidden;
  }

  /** The row before the first: where the new-folder editor goes. */
  prepend(row) {
    this.#e.tbody.prepend(row);
  }

  /**
   * Moves the cursor to row `index`; `mode` says what happens to the marks (see
   * `Selection.apply`: `only`, `toggle`, `extend`, `keep`).
   */
  select(index, { focus = false, scroll = true, mode = 'only' } = {}) {
    if (!this.#view.length) {
      this.#cursor = -1;
      this.#on.changed();
      return;
    }
    index = this.#sel.apply(index, mode);
    if (mode === 'only') this.#boxed = false;
    this.#cursor = index;
    if (scroll) this.scrollTo(index);
    this.#paintMarks();
    const row = this.rowEl(index);
    for (const other of this.#rowEls) if (other !== row && other.tabIndex === 0) other.tabIndex = -1;
    if (row) row.tabIndex = 0;
    if (focus) (row ?? this.#e.grid).focus({ preventScroll: true });
    this.#on.changed();
  }

  /** Every row marked (Ctrl+A). */
  markAll() {
    this.#sel.all();
    this.select(this.#cursor, { focus: true, mode: 'keep' });
  }

  hasFocus() {
    const active = this.el.getRootNode().activeElement;
    return Boolean(active && (active === this.#e.grid || this.#e.tbody.contains(active)));
  }

  /** Focuses the cursor's row; false when there is none to focus. */
  focus() {
    if (this.#cursor >= 0) this.scrollTo(this.#cursor);
    const row = this.rowEl(this.#cursor);
    row?.focus();
    return Boolean(row);
  }

  /** The row an event happened in, if any. */
  rowOf(ev) {
    const row = ev.target.closest?.('tr[data-index]');
    return row && this.#e.tbody.contains(row) ? row : null;
  }

  /** The entry of a row element. */
  entryOf(row) {
    return row ? this.#view[Number(row.dataset.index)] ?? null : null;
  }

  /** The element of view row `i`, when it is drawn. */
  rowEl(i) {
    return i >= this.#win.start && i < this.#win.end ? this.#rowEls[i - this.#win.start] ?? null : null;
  }

  /** The rows under a drag of rows: the one a drop would move onto shows it. */
  markTarget(row) {
    for (const old of this.#e.tbody.querySelectorAll('tr.move-target')) if (old !== row) old.classList.remove('move-target');
    row?.classList.add('move-target');
  }

  /** Scrolls row `i` into view (drawing it first in a large folder). */
  scrollTo(i) {
    if (this.#view.length <= VIRTUAL_AT) {
      this.rowEl(i)?.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    const wrap = this.el;
    const head = this.#e.grid.tHead?.offsetHeight || 34;
    const top = i * this.#rowH;
    const view = wrap.clientHeight - head;
    if (top < wrap.scrollTop) wrap.scrollTop = top;
    else if (top + this.#rowH > wrap.scrollTop + view) wrap.scrollTop = top + this.#rowH - view;
    this.#draw();
  }

  /**
   * Draws the rows around the visible part of the table (every row, below
   * `VIRTUAL_AT`). Without `force`, nothing happens while the visible rows are drawn.
   */
  #draw(force = false) {
    const e = this.#e;
    const n = this.#view.length;
    let start = 0;
    let end = n;
    if (n > VIRTUAL_AT) {
      const wrap = this.el;
      const head = e.grid.tHead?.offsetHeight || 34;
      const top = Math.max(0, wrap.scrollTop - head);
      const visible = Math.ceil((wrap.clientHeight || 800) / this.#rowH) + 1;
      const first = Math.floor(top / this.#rowH);
      if (!force && (this.editing || (first >= this.#win.start && first + visible <= this.#win.end))) return;
      start = Math.max(0, first - OVERSCAN);
      end = Math.min(n, first + visible + OVERSCAN);
    }
    const hadFocus = this.hasFocus();
    const rows = [];
    for (let i = start; i < end; i++) rows.push(this.#row(this.#view[i], i));
    this.#rowEls = rows;
    this.#win = { start, end };
    e.spacerTop.style.height = `${start * this.#rowH}px`;
    e.spacerBottom.style.height = `${(n - end) * this.#rowH}px`;
    e.tbody.replaceChildren(...(start > 0 ? [e.spacerTop] : []), ...rows, ...(end < n ? [e.spacerBottom] : []));
    this.#paintMarks();
    const cursor = this.rowEl(this.#cursor);
    if (cursor) cursor.tabIndex = 0;
    if (hadFocus) (cursor ?? e.grid).focus({ preventScroll: true });
    // A row's real height (themes and touch layouts change it), for the next drawing.
    const height = rows[0]?.offsetHeight;
    if (n > VIRTUAL_AT && height && Math.abs(height - this.#rowH) > 0.5) {
      this.#rowH = height;
      this.#draw(true);
    }
  }

  /** The table scrolled: draw what came into view, once per frame. */
  #scrolled() {
    if (this.#scrollPending || this.#view.length <= VIRTUAL_AT) return;
    this.#scrollPending = true;
    requestAnimationFrame(() => {
      this.#scrollPending = false;
      this.#draw();
    });
  }

  #row(entry, i) {
    const kind = entry.kind === 'dir' ? 'folder' : entry.kind === 'link' ? 'link' : 'file';
    const shown = visibleName(entry.name);
    const name = h('span', { class: 'label', dir: 'auto' }, shown);
    const partial = entry.kind === 'file' && this.#partial(entry);
    const badge = partial
      ? h('span', { class: 'partial', title: 'An upload of this file was stopped: the server holds only part of it. Resume it in the transfer list, or delete it.' }, 'partial')
      : null;
    // A box to select the row with a tap (shown on touch screens only).
    const pick = h('input', { type: 'checkbox', class: 'pick', tabindex: '-1', 'aria-label': `Select ${shown}` });
    const cell = h('span', { class: 'cell' }, pick, icon(kind), name, badge, entry.kind === 'link' && entry.target ? h('span', { class: 'target' }, `→ ${entry.target}`) : null);
    const size = entry.kind === 'dir' ? '—' : formatSize(entry.size);
    return h('tr', {
      role: 'row',
      'aria-rowindex': String(i + 2),
      'aria-selected': 'false',
      tabindex: '-1',
      'data-index': String(i),
      'data-name': entry.name,
      'data-kind': entry.kind,
      'data-partial': partial ? 'true' : null,
      draggable: 'true',
    },
      h('td', { role: 'gridcell', class: 'name', title: shown }, cell),
      h('td', { role: 'gridcell', class: 'size', title: entry.size != null ? `${entry.size.toLocaleString()} bytes` : '' }, size),
      h('td', { role: 'gridcell', class: 'modified', title: entry.modified ?? '' }, formatDate(entry.modified, entry.raw)),
      h('td', { role: 'gridcell', class: 'perms' }, entry.permissions ?? ''));
  }

  /** Each row's aria-selected as the model has it (only rows that change are touched). */
  #paintMarks() {
    const { start } = this.#win;
    this.#rowEls.forEach((row, k) => {
      const want = String(this.#sel.isMarked(start + k));
      if (row.getAttribute('aria-selected') !== want) {
        row.setAttribute('aria-selected', want);
        const pick = row.querySelector('.pick');
        if (pick) pick.checked = want === 'true';
      }
    });
  }

  #click(ev) {
    const row = this.rowOf(ev);
    if (!row || this.editing) return;
    const index = Number(row.dataset.index);
    if (ev.target.classList?.contains('pick')) {
      // The row's box: the first one ticked replaces the one-row selection a click or
      // a folder's opening made; the next ones add to it or take out.
      this.select(index, { focus: true, scroll: false, mode: this.#boxed ? 'toggle' : 'only' });
      this.#boxed = true;
      return;
    }
    const mode = ev.shiftKey ? 'extend' : ev.ctrlKey || ev.metaKey ? 'toggle' : 'only';
    if (ev.shiftKey) ev.preventDefault();
    this.select(index, { focus: true, scroll: false, mode });
    // A tap on a touch screen opens: a folder, a preview, or the download.
    if (ev.pointerType === 'touch' && mode === 'only') this.#on.tap(this.#view[index]);
  }

  #dblclick(ev) {
    const row = this.rowOf(ev);
    if (!row || this.editing) return;
    this.select(Number(row.dataset.index), { focus: true, scroll: false });
    this.#on.open();
  }

  #focusIn(ev) {
    const row = this.rowOf(ev);
    if (row && !this.editing && Number(row.dataset.index) !== this.#cursor) {
      // Focus alone (a mouse press before its click, Tab) moves the cursor, not the marks.
      this.select(Number(row.dataset.index), { scroll: false, mode: 'keep' });
    }
  }

  #keys(ev) {
    // The column headers' buttons keep their own keys.
    if (this.editing || ev.target.tagName === 'INPUT' || ev.target.closest?.('thead')) return;
    const on = this.#on;
    const count = this.#view.length;
    const page = Math.max(1, Math.floor(this.el.clientHeight / this.#rowH) - 1);
    // Shift extends the marks, Ctrl moves the cursor alone, a plain key marks one row.
    const how = ev.shiftKey ? 'extend' : ev.ctrlKey || ev.metaKey ? 'keep' : 'only';
    const move = (to) => {
      ev.preventDefault();
      if (count) this.select(to, { focus: true, mode: how });
    };
    const act = (action) => {
      ev.preventDefault();
      action();
    };
    switch (ev.key) {
      case 'ArrowDown': return move(this.#cursor + 1);
      case 'ArrowUp': return ev.altKey ? act(on.up) : move(this.#cursor - 1);
      case 'Home': return move(0);
      case 'End': return move(count - 1);
      case 'PageDown': return move(this.#cursor + page);
      case 'PageUp': return move(this.#cursor - page);
      case 'Enter': return act(on.open);
      case 'Backspace': return act(on.up);
      case 'Delete': return act(on.remove);
      case 'F2': return act(on.rename);
      case 'F3': return act(on.preview);
      case 'ContextMenu': return act(() => on.menu(null));
      case 'F10':
        if (ev.shiftKey) act(() => on.menu(null));
        return;
      case ' ':
        ev.preventDefault();
        if (count) this.select(this.#cursor, { focus: true, mode: 'toggle' });
        return;
      case '/': return act(on.filter);
      case 'Escape':
        if (this.#sel.size > 1) act(() => this.select(this.#cursor, { focus: true, mode: 'only' }));
        return;
      case 'a':
      case 'A':
        if (ev.ctrlKey || ev.metaKey) {
          // The rows, not the page's text.
          ev.preventDefault();
          this.markAll();
          on.announce(`${this.#sel.size} selected`);
          return;
        }
        this.#typeAhead(ev.key);
        ev.preventDefault();
        return;
      default:
        if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
          this.#typeAhead(ev.key);
          ev.preventDefault();
        }
    }
  }

  #typeAhead(key) {
    const now = Date.now();
    const t = this.#typeahead;
    t.text = now - t.at > 800 ? key : t.text + key;
    t.at = now;
    const lower = t.text.toLowerCase();
    const start = t.text.length === 1 ? this.#cursor + 1 : this.#cursor;
    const n = this.#view.length;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (this.#view[i].name.toLowerCase().startsWith(lower)) {
        this.select(i, { focus: true });
        return;
      }
    }
  }
}
