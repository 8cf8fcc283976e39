// The connect form of <ftp-browser>: host, port, encryption, login, the advanced
// settings, the servers the page remembers (recent ones under Host, saved sites in a
// list above), and the password note that follows the encryption. It reads and fills
// itself; the element decides when to connect.

import { ICONS, h, icon } from './look.js';
import { visibleName } from './ftp-util.js';

/** The encryption settings, as FtpClient's `tls` option names them. */
export const TLS_MODES = ['if-available', 'require', 'implicit', 'plain'];

const ENCODINGS = [
  ['', 'UTF-8 (default)'],
  ['latin1', 'Western, Latin-1 (ISO-8859-1)'],
  ['windows-1252', 'Western (Windows-1252)'],
  ['iso-8859-2', 'Central European (ISO-8859-2)'],
  ['windows-1250', 'Central European (Windows-1250)'],
  ['windows-1251', 'Cyrillic (Windows-1251)'],
  ['koi8-r', 'Cyrillic (KOI8-R)'],
  ['iso-8859-7', 'Greek (ISO-8859-7)'],
  ['shift_jis', 'Japanese (Shift_JIS)'],
  ['euc-jp', 'Japanese (EUC-JP)'],
  ['gbk', 'Chinese, Simplified (GBK)'],
  ['big5', 'Chinese, Traditional (Big5)'],
  ['euc-kr', 'Korean (EUC-KR)'],
];

export class ConnectForm {
  /** The form's section, to place in the element. */
  el;
  /** Where the form's errors go (`renderAlert`'s target). */
  alert;
  #e = {};
  #sites;
  /** The recent server or saved site chosen, with the folder it was left in. */
  #picked = null;
  /** Whether a link named the server (no autofill, no saved-site choice). */
  #linked = false;

  /**
   * `ids` prefixes the form's element ids; `sites` is the `Sites` store; `on` has
   * `submit()`, `cancel()` and `parallel(n)`.
   */
  constructor(ids, sites, on) {
    this.#sites = sites;
    const e = this.#e;
    e.formAlert = h('div', { class: 'alert', role: 'alert', hidden: true });
    this.alert = e.formAlert;
    e.recent = h('datalist', { id: `${ids}-recent` });
    e.host = h('input', { id: `${ids}-host`, name: 'host', autocomplete: 'url', placeholder: 'ftp.example.com', required: true, spellcheck: false, autocapitalize: 'off', list: `${ids}-recent`, oninput: (ev) => this.#hostInput(ev) });
    e.port = h('input', { id: `${ids}-port`, name: 'port', type: 'number', min: 1, max: 65535, value: '21', inputmode: 'numeric' });
    e.user = h('input', { id: `${ids}-user`, name: 'user', autocomplete: 'username', spellcheck: false, autocapitalize: 'off' });
    e.password = h('input', { id: `${ids}-password`, name: 'password', type: 'password', autocomplete: 'current-password', 'aria-describedby': `${ids}-password-note` });
    // Plain FTP sends the password as it is: whoever carries the connection can read it.
    e.passwordNote = h('p', { id: `${ids}-password-note`, class: 'note' });
    e.linkNotice = h('p', { class: 'link-notice', role: 'note', hidden: true });
    e.anonymous = h('input', { id: `${ids}-anon`, name: 'anonymous', type: 'checkbox', onchange: () => this.syncAnonymous() });
    e.tls = h('select', { id: `${ids}-tls`, name: 'tls', onchange: () => this.syncTls() },
      h('option', { value: 'if-available' }, 'Use TLS if available (recommended)'),
      h('option', { value: 'require' }, 'Require TLS'),
      h('option', { value: 'implicit' }, 'Implicit TLS (FTPS, port 990)'),
      h('option', { value: 'plain' }, 'Plain FTP (insecure)'));
    e.mode = h('select', { id: `${ids}-mode`, name: 'mode' },
      h('option', { value: 'auto' }, 'Automatic (recommended)'),
      h('option', { value: 'passive' }, 'Passive'),
      h('option', { value: 'active' }, 'Active'));
    e.encoding = h('select', { id: `${ids}-enc`, name: 'encoding' }, ENCODINGS.map(([value, label]) => h('option', { value }, label)));
    // Transfers at once: one session each (shared hosts often allow 2 to 4 per user).
    e.parallel = h('select', { id: `${ids}-parallel`, name: 'parallel', onchange: () => on.parallel(Number(e.parallel.value)) },
      [1, 2, 3, 4, 6, 8].map((n) => h('option', { value: String(n) }, n === 2 ? '2 (recommended)' : String(n))));
    e.relay = h('input', { id: `${ids}-relay`, name: 'relay', type: 'url', spellcheck: false, placeholder: 'wss://relay.example.com/ws' });
    e.relayField = h('div', { class: 'field' }, h('label', { for: e.relay.id }, 'Relay'), e.relay);
    e.connectBtn = h('button', { class: 'btn primary', type: 'submit' }, 'Connect');
    e.cancelConnectBtn = h('button', { class: 'btn outline', type: 'button', hidden: true, onclick: () => on.cancel() }, 'Cancel');
    e.savedList = h('ul', { class: 'saved-list', 'aria-labelledby': `${ids}-saved` });
    e.saved = h('div', { class: 'saved', hidden: true }, h('h3', { id: `${ids}-saved` }, 'Saved sites'), e.savedList);
    const field = (label, input) => h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
    e.form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': `${ids}-title`, onsubmit: (ev) => { ev.preventDefault(); on.submit(); } },
      h('h2', { id: `${ids}-title`, html: `${ICONS.server}<span>Connect to an FTP server</span>` }),
      h('p', { class: 'lead' }, 'Browse, download and upload files right in the browser.'),
      e.formAlert,
      e.linkNotice,
      e.saved,
      h('div', { class: 'grid2' }, field('Host', e.host), field('Port', e.port)), e.recent,
      field('Encryption', e.tls),
      field('User name', e.user),
      h('div', { class: 'field' }, h('label', { for: e.password.id }, 'Password'), e.password, e.passwordNote),
      h('label', { class: 'check' }, e.anonymous, 'Anonymous login'),
      h('details', { class: 'advanced' },
        h('summary', {}, 'Advanced'),
        h('div', { class: 'grid2', style: 'grid-template-columns: 1fr 1fr' }, field('Transfer mode', e.mode), field('File name encoding', e.encoding)),
        field('Transfers at once', e.parallel),
        e.relayField),
      h('div', { class: 'form-actions' }, e.cancelConnectBtn, e.connectBtn));
    this.el = h('section', { class: 'connect', part: 'connect', hidden: true }, e.form);
  }

  /**
   * Fills the form from `a` (the attributes, or a session). `context`: `linked` (a link
   * named the server), `relayFixed` (the page set the relay), `relayPlaceholder`,
   * `parallel` (transfers at once now) and `parallelFixed` (the page set it).
   */
  fill(a, { linked = false, relayFixed = false, relayPlaceholder = '', relay = '', anonymousHint = false, parallel = 2, parallelFixed = false } = {}) {
    const e = this.#e;
    e.host.value = a.host ?? '';
    e.port.value = String(a.port || 21);
    e.user.value = a.anonymous ? '' : a.user ?? '';
    e.anonymous.checked = Boolean(a.anonymous) || (!a.user && Boolean(a.host) && anonymousHint);
    e.mode.value = a.mode || 'auto';
    e.tls.value = TLS_MODES.includes(a.tls) ? a.tls : 'if-available';
    const encoding = (a.encoding || '').toLowerCase();
    if (encoding && ![...e.encoding.options].some((o) => o.value === encoding)) {
      e.encoding.append(h('option', { value: encoding }, encoding));
    }
    e.encoding.value = encoding;
    e.relay.value = a.relay || relay || '';
    // A server named by a link: say so, and keep the browser from filling in a
    // password saved for this page (it may belong to another server).
    this.#linked = linked && Boolean(a.host);
    e.linkNotice.hidden = !this.#linked;
    e.linkNotice.textContent = this.#linked
      ? `A link brought you here to connect to ${visibleName(a.host)}:${a.port || 21}. Check that it is the server you mean, then connect.`
      : '';
    e.password.autocomplete = this.#linked ? 'off' : 'current-password';
    e.user.autocomplete = this.#linked ? 'off' : 'username';
    e.relayField.hidden = relayFixed;
    if (!e.relay.value) e.relay.placeholder = relayPlaceholder;
    this.syncAnonymous();
    this.syncTls(false);
    this.renderSites();
    const n = String(parallel);
    if (![...e.parallel.options].some((o) => o.value === n)) e.parallel.append(h('option', { value: n }, n));
    e.parallel.value = n;
    // A page that sets the attribute decides.
    e.parallel.disabled = parallelFixed;
  }

  /** What the form says; `relay` wins over the relay field when the page set it. */
  read(relay = '') {
    const e = this.#e;
    return {
      host: e.host.value.trim(),
      port: Number(e.port.value) || 21,
      user: e.user.value.trim(),
      password: e.password.value,
      anonymous: e.anonymous.checked,
      mode: e.mode.value,
      encoding: e.encoding.value,
      tls: e.tls.value,
      relay: relay || e.relay.value.trim(),
    };
  }

  /** The folder of the recent server or saved site chosen, when `session` is that server. */
  takePicked(session) {
    const picked = this.#picked && this.#picked.host === session.host && this.#picked.port === (session.port || 21) ? this.#picked.path : null;
    this.#picked = null;
    return picked;
  }

  set password(value) {
    this.#e.password.value = value;
  }

  focusHost() {
    this.#e.host.focus();
  }

  focusPassword() {
    this.#e.password.focus();
  }

  hideLinkNotice() {
    this.#e.linkNotice.hidden = true;
  }

  /** While connecting: the fields are read-only and Connect says so. */
  setBusy(busy) {
    const e = this.#e;
    e.connectBtn.disabled = busy;
    e.cancelConnectBtn.hidden = !busy;
    e.connectBtn.replaceChildren(...(busy ? [h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Connecting…'] : ['Connect']));
    for (const input of [e.host, e.port, e.tls, e.mode, e.encoding, e.relay, e.anonymous]) input.disabled = busy;
    if (busy) {
      e.user.disabled = true;
      e.password.disabled = true;
      e.formAlert.hidden = true;
    } else this.syncAnonymous();
  }

  /** The password note follows the encryption; implicit TLS moves port 21 to 990 and back. */
  syncTls(movePort = true) {
    const e = this.#e;
    const mode = e.tls.value;
    if (movePort) {
      if (mode === 'implicit' && (e.port.value === '' || e.port.value === '21')) e.port.value = '990';
      if (mode !== 'implicit' && e.port.value === '990') e.port.value = '21';
    }
    const plain = mode === 'plain';
    e.passwordNote.classList.toggle('warn', plain);
    e.passwordNote.textContent = plain
      ? 'Not encrypted: the relay and the networks on the way can read this password.'
      : mode === 'if-available'
        ? 'Encrypted in this page with TLS: the relay cannot read it. A server without TLS gets no password.'
        : 'Encrypted in this page with TLS: the relay cannot read it.';
  }

  syncAnonymous() {
    const e = this.#e;
    const anon = e.anonymous.checked;
    e.user.disabled = anon;
    e.password.disabled = anon;
  }

  /** The recent servers under Host, and the saved sites above the form. */
  renderSites() {
    const e = this.#e;
    const login = (s) => `${s.anonymous ? 'anonymous' : s.user || ''}${s.anonymous || s.user ? '@' : ''}${s.host}:${s.port || 21}`;
    e.recent.replaceChildren(...this.#sites.recent().map((r) => h('option', { value: r.host }, login(r))));
    const saved = this.#linked ? [] : this.#sites.saved();
    e.saved.hidden = saved.length === 0;
    e.savedList.replaceChildren(...saved.map((site) => h('li', {},
      h('button', { type: 'button', class: 'site', title: `${login(site)}${site.path ? site.path : ''}`, onclick: () => this.#choose(site) },
        icon('star'), h('span', { class: 'site-name' }, visibleName(site.name)), h('small', {}, login(site))),
      h('button', {
        type: 'button',
        class: 'btn icon small forget',
        'aria-label': `Forget ${site.name}`,
        title: `Forget ${site.name}`,
        html: ICONS.close,
        onclick: () => {
          this.#sites.forget(site);
          this.renderSites();
          this.focusHost();
        },
      }))));
  }

  /**
   * A recent server picked from the host's suggestions (an input that replaces the
   * text, not typing): its settings fill the form. Typed text leaves the form as it is.
   */
  #hostInput(ev) {
    const picked = typeof InputEvent === 'undefined' || !(ev instanceof InputEvent) || ev.inputType === 'insertReplacementText';
    if (!picked) {
      this.#picked = null;
      return;
    }
    const r = this.#sites.recent().find((entry) => entry.host === this.#e.host.value.trim());
    this.#picked = null;
    if (r && !this.#linked) this.#use(r);
  }

  /** A saved site clicked: the form is filled, and the password is next. */
  #choose(site) {
    this.#e.host.value = site.host;
    this.#use(site);
    if (site.anonymous) this.#e.connectBtn.focus();
    else this.#e.password.focus();
  }

  #use(r) {
    const e = this.#e;
    e.port.value = String(r.port || 21);
    e.user.value = r.anonymous ? '' : r.user ?? '';
    e.anonymous.checked = Boolean(r.anonymous);
    if (['auto', 'passive', 'active'].includes(r.mode)) e.mode.value = r.mode;
    if (TLS_MODES.includes(r.tls)) e.tls.value = r.tls;
    e.encoding.value = [...e.encoding.options].some((o) => o.value === r.encoding) ? r.encoding : '';
    this.#picked = typeof r.path === 'string' && r.path.startsWith('/') ? { host: r.host, port: r.port || 21, path: r.path } : null;
    this.syncAnonymous();
    this.syncTls(false);
  }
}
