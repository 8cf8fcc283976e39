// The protocol log: every session's transcript (passwords masked by the engine), kept
// in memory up to a bound and drawn in the dock's list only while it is shown.

import { h } from './look.js';

/** Lines kept; past it the oldest thousand go. */
const KEEP = 5000;

/** A log line's session: a short mark (B, T, or T1, T2… for transfer sessions) and its words. */
export function whoOf(who) {
  if (who === 'browse' || !who) return { label: 'B', title: 'browsing session' };
  const n = /^transfer (\d+)$/.exec(who)?.[1];
  return n ? { label: `T${n}`, title: `transfer session ${n}` } : { label: 'T', title: 'transfer session' };
}

export class ProtocolLog {
  #lines = [];
  #shown = 0;
  #frame = 0;
  #panel;
  #list;
  #visible;

  /**
   * `panel` scrolls, `list` holds the drawn lines; `visible()` says whether the log
   * is on screen (lines are drawn only then).
   */
  constructor(panel, list, visible) {
    this.#panel = panel;
    this.#list = list;
    this.#visible = visible;
  }

  /** A transcript line (`{ direction, text }`) of the session `who`. */
  add(line, who) {
    this.#lines.push({ ...line, who });
    if (this.#lines.length > KEEP) {
      this.#lines.splice(0, 1000);
      this.#shown = Math.max(0, this.#shown - 1000);
      for (let i = 0; i < 1000 && this.#list.firstChild; i++) this.#list.firstChild.remove();
    }
    if (this.#visible() && !this.#frame) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.render();
      });
    }
  }

  /** Draws the lines that came since the last time, keeping the view at the bottom. */
  render() {
    const panel = this.#panel;
    const atBottom = panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 8;
    const arrows = { sent: '→', received: '←', note: '·' };
    const fragment = document.createDocumentFragment();
    for (const line of this.#lines.slice(this.#shown)) {
      fragment.append(h('li', { class: line.direction },
        h('span', { class: 'who', title: whoOf(line.who).title }, whoOf(line.who).label),
        h('span', { class: 'dir', 'aria-label': line.direction }, arrows[line.direction] ?? ''),
        line.text));
    }
    this.#shown = this.#lines.length;
    this.#list.append(fragment);
    if (atBottom) panel.scrollTop = panel.scrollHeight;
  }

  clear() {
    this.#lines = [];
    this.#shown = 0;
    this.#list.replaceChildren();
  }

  /** The whole log as text, one line each: `B > USER anonymous`. */
  text() {
    const mark = { sent: '>', received: '<' };
    return this.#lines.map((l) => `${whoOf(l.who).label} ${mark[l.direction] ?? '#'} ${l.text}`).join('\n');
  }
}
