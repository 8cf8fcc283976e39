// The element's question dialog: a title, a sentence and the choices, one of them the
// way out (Escape or closing the dialog picks it). Every "are you sure" of the element
// goes through it, so that each question looks, sounds and answers the same.

import { h } from './look.js';

export class Question {
  /** The dialog, to place in the element. */
  el;
  #title;
  #text;
  #actions;

  /** `ids` prefixes the dialog's element ids. */
  constructor(ids) {
    this.#title = h('h3', { id: `${ids}-dt` });
    this.#text = h('p', { id: `${ids}-dd` });
    this.#actions = h('div', { class: 'form-actions' });
    this.el = h('dialog', { 'aria-labelledby': `${ids}-dt`, 'aria-describedby': `${ids}-dd`, part: 'dialog' }, this.#title, this.#text, this.#actions);
  }

  /**
   * Asks: resolves with the `value` of the choice clicked, or `null` for the way out.
   * `choices`: `{ label, value, kind }` (`kind`: 'danger', 'primary' or nothing); the
   * way out is the `cancel` label, shown first and focused.
   */
  choose(title, text, choices, cancel = 'Cancel') {
    this.#title.textContent = title;
    this.#text.textContent = text;
    return new Promise((resolve) => {
      const done = (value) => {
        this.el.onclose = null;
        if (this.el.open) this.el.close();
        resolve(value);
      };
      const out = h('button', { class: 'btn outline', type: 'button', onclick: () => done(null) }, cancel);
      const buttons = choices.map(({ label, value, kind }) =>
        h('button', { class: `btn ${kind ?? 'outline'}`, type: 'button', onclick: () => done(value) }, label));
      this.#actions.replaceChildren(out, ...buttons);
      this.el.onclose = () => done(null);
      this.el.showModal();
      out.focus();
    });
  }

  /** A yes or no: `ok` (shown as a warning) or `cancel`. */
  async confirm(title, text, ok, cancel = 'Cancel') {
    return (await this.choose(title, text, [{ label: ok, value: true, kind: 'danger' }], cancel)) === true;
  }
}
