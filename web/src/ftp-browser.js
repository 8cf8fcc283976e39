// <ftp-browser>: an FTP file browser as a custom element, on the ftpbridge FtpClient.
//
//   attributes ─► connect form ─► FtpClient (browsing) ─► grid, breadcrumbs, log
//                                 FtpClient (transfers, opened on first use) ─► queue
//                                   downloads ─► save picker | service worker | Blob URL
//                                   uploads   ◄─ file chooser | drag and drop (folders too)
//
// Two sessions: browsing stays responsive while a transfer runs, because one FTP
// control connection does one thing at a time. Plain JavaScript, no dependencies.

import init, { FtpClient, FtpErrorClass } from './pkg/ftpbridge.js';
import {
  baseName,
  describeError,
  describeSecurity,
  formatDate,
  formatDuration,
  formatFtpUrl,
  formatSize,
  formatSpeed,
  hasHiddenCharacters,
  isHidden,
  joinPath,
  normalizePath,
  parentPath,
  pathSegments,
  nameKey,
  parentRef,
  relayHealthUrl,
  sameOriginRelay,
  sameRef,
  segmentRefs,
  shownPath,
  withText,
  sortEntries,
  visibleName,
} from './ftp-util.js';
import { recall, remember } from './tls-memory.js';
import { forget, keep, pending, sessionKey } from './queue-store.js';
import { EDIT_LIMIT, PREVIEW_LIMITS, editable, looksLikeText, previewKind, readUpTo } from './preview.js';
import { ICONS, h, icon, styles } from './look.js';
import { loadZip, localFile, localFolder, openWorkerSink, saveBlob, zipNames } from './sinks.js';
import { ProtocolLog } from './protocol-log.js';
import { ConnectForm, TLS_MODES } from './connect-form.js';
import { Sites } from './sites.js';
import { Question } from './dialogs.js';
import { Grid } from './grid.js';
import { SessionPool } from './session-pool.js';
import { TransferQueue } from './transfer-queue.js';
import { SPLIT_AT, gotOf, needsWhole, runSegments } from './segments.js';

/** How often an idle session sends NOOP (servers and NATs drop silent ones). */
const KEEP_ALIVE_MS = 60_000;

let wasm = null;

/** Loads and instantiates the wasm module once; resolves with `{ FtpClient, FtpError }`. */
export function loadFtpBridge(moduleOrPath) {
  wasm ??= init(moduleOrPath ? { module_or_path: moduleOrPath } : undefined).then(
    () => ({ FtpClient, FtpError: FtpErrorClass() }),
    (error) => {
      wasm = null; // let a later call try again
      throw Object.assign(new Error(`the WebAssembly module did not load: ${error?.message ?? error}`), { code: 'wasm' });
    },
  );
  return wasm;
}

const Base = globalThis.HTMLElement ?? class {};

let nextId = 1;

/**
 * `<ftp-browser relay host port path user mode encoding anonymous show-hidden
 *  download-strategy download-worker theme>`: see the README for every attribute,
 * property, event and CSS custom property.
 */
export class FtpBrowser extends Base {
  static observedAttributes = [
    'relay',
    'host',
    'port',
    'path',
    'user',
    'mode',
    'encoding',
    'tls',
    'anonymous',
    'show-hidden',
    'from-link',
  ];

  #shadow;
  #el = {};
  #client = null;
  /** The transfer sessions: up to `#parallel()` transfers run at once, each on a slot of its own. */
  #pool = new SessionPool((slot) => this.#openTransferSession(slot));
  /** The transfers, and which slots run them. */
  #queue = new TransferQueue();
  #session = null; // { relay, host, port, user, mode, encoding, tls, anonymous }
  #security = null; // client.security of the session
  /** PEM certificates of authorities to trust instead of the built-in roots. */
  caCertificates = null;
  #password = '';
  /** A new browsing session being opened in place of a dropped one. */
  #reopening = null;
  /** Recent servers, saved sites and the view's choices (never a password). */
  #sites = new Sites();
  /** The connect form. */
  #form;
  /** The question dialog (every "are you sure"). */
  #question;
  /** The folder's table: its rows, the cursor and the marks. */
  #grid;
  /** The file shown in the preview dialog, while it is open. */
  #previewing = null;
  /** The entries the Move and Permissions dialogs act on. */
  #moving = null;
  #chmodding = null;
  #state = 'idle'; // idle | form | connecting | connected
  #cwd = '/';
  /** The current folder's bytes, when its text does not give them back (else null). */
  #cwdBytes = null;
  /** Whether this session was told that some names do not decode. */
  #toldUndecodable = false;
  #entries = [];
  #sort = { key: 'name', dir: 1 };
  #showHidden = false;
  #navSeq = 0;
  #log;
  #dockTab = 'transfers';
  #dockOpen = false;
  #refreshing = null;
  #refreshAgain = false;
  #dragDepth = 0;
  #autoTried = false;
  #connecting = null;

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    styles(this.#shadow);
    this.#build();
    // The sort and the hidden-files choice the user made last time.
    const view = this.#sites.view();
    if (['name', 'size', 'modified', 'permissions'].includes(view.sort?.key) && (view.sort.dir === 1 || view.sort.dir === -1)) {
      this.#sort = { key: view.sort.key, dir: view.sort.dir };
    }
    if (view.showHidden === true) this.#toggleHidden(true, { remember: false });
  }

  // ── Public API ────────────────────────────────────────────────────────────────

  /** The browsing session's `FtpClient` once connected, else `null`. */
  get client() {
    return this.#client;
  }

  /** The current remote folder. */
  get path() {
    return this.#cwd;
  }

  /** Whether a session is open. */
  get connected() {
    return this.#state === 'connected';
  }

  /** The password for the next `connect()`; kept in memory only, never reflected. */
  set password(value) {
    this.#password = value == null ? '' : String(value);
    if (this.#form) this.#form.password = this.#password;
  }

  get password() {
    return '';
  }

  /** The transfers, newest last: `{ id, direction, name, path, state, bytes, total }`. */
  get transfers() {
    return this.#queue.items.map(TransferQueue.info);
  }

  connectedCallback() {
    globalThis.addEventListener?.('beforeunload', this.#beforeUnload);
    if (!this.hasAttribute('theme')) this.setAttribute('theme', 'light');
    // Start fetching the module while the form is on screen.
    const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 1));
    idle(() => loadFtpBridge().catch(() => {}));
    if (this.#state !== 'idle') return;
    this.#fillForm();
    // A host that came from a link is shown, never connected to by itself: the link
    // may be a stranger's.
    if (!this.#autoTried && this.#hasCredentials() && !this.hasAttribute('from-link')) {
      this.#autoTried = true;
      this.connect();
    } else {
      this.#setState('form');
    }
  }

  disconnectedCallback() {
    globalThis.removeEventListener?.('beforeunload', this.#beforeUnload);
    queueMicrotask(() => {
      if (!this.isConnected && this.#state === 'connected') this.disconnect();
    });
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === 'show-hidden') {
      const show = value !== null;
      if (show !== this.#showHidden) this.#toggleHidden(show);
      return;
    }
    if (name === 'path' && this.#state === 'connected') {
      if (value && normalizePath(value) !== this.#cwd) this.navigate(value);
      return;
    }
    if (this.#state === 'form' || this.#state === 'idle') this.#fillForm();
  }

  /**
   * Connects with the attributes, the form, or `options` (`{ relay, host, port, user,
   * password, anonymous, mode, encoding, path }`); resolves with whether it worked.
   */
  async connect(options = {}) {
    const form = this.#state === 'form' ? this.#form.read(this.getAttribute('relay') || '') : {};
    const attr = this.#attributes();
    const o = { ...attr, ...form, ...options };
    if (options.password != null) this.#password = String(options.password);
    else if (form.password != null) this.#password = form.password;
    const anonymous = Boolean(o.anonymous) || !o.user;
    const session = {
      relay: o.relay || sameOriginRelay(globalThis.location ?? { protocol: 'http:', host: 'localhost' }),
      host: String(o.host || '').trim(),
      port: Number(o.port) || (o.tls === 'implicit' ? 990 : 21),
      user: anonymous ? '' : String(o.user).trim(),
      mode: ['auto', 'passive', 'active'].includes(o.mode) ? o.mode : 'auto',
      encoding: (o.encoding || '').trim(),
      tls: TLS_MODES.includes(o.tls) ? o.tls : 'if-available',
      anonymous,
    };
    if (!session.host) {
      this.#setState('form');
      this.#showFormError({ title: 'Enter the server’s host name.', hint: 'For example ftp.example.com.', detail: '' });
      this.#form.focusHost();
      return false;
    }
    if (this.#client) await this.disconnect({ quiet: true });
    const memory = await recall(session.host, session.port);
    if (session.tls === 'plain' && memory.tls && !session.anonymous) {
      const ok = await this.#confirm(
        `${visibleName(session.host)} used TLS before`,
        'You chose plain FTP, so the password and the files would go unencrypted: the relay and the networks on the way could read them. Someone may be removing the encryption.',
        'Connect unencrypted',
      );
      if (!ok) {
        this.#setState('form');
        return false;
      }
    }
    const token = {};
    this.#connecting = token;
    this.#setState('connecting');
    this.#announce(`Connecting to ${session.host}…`);
    let client;
    const transcript = [];
    const onLog = (line) => {
      if (transcript.length < 200) transcript.push(line);
      this.#addLog(line, 'browse');
    };
    try {
      const { FtpClient } = await loadFtpBridge();
      client = await FtpClient.connect(this.#clientOptions(session, onLog, memory, options.pins));
    } catch (error) {
      if (this.#connecting !== token) return false; // cancelled meanwhile
      this.#connecting = null;
      const described = await this.#describe(error, { op: 'connect', ...session });
      this.#setState('form');
      this.#showFormError(described, transcript, described.trustable ? [this.#trustButton(described.certificate, options)] : []);
      this.#announce(described.title);
      this.#emit('ftp-error', { op: 'connect', ...described });
      if (error?.code === 'login') this.#form.focusPassword();
      return false;
    }
    if (this.#connecting !== token) {
      // Cancelled while connecting: say goodbye to the session that came too late.
      client.close().catch(() => {}).finally(() => { try { client.free(); } catch {} });
      return false;
    }
    this.#connecting = null;
    this.#session = session;
    this.#client = client;
    this.#security = client.security;
    const tls = this.#security?.tls;
    if (tls) {
      const trusted = tls.trustedBy === 'pin' || tls.trustedBy === 'first_use';
      await remember(session.host, session.port, { tls: true, pin: trusted ? tls.certificate?.keySha256 ?? undefined : undefined });
    }
    this.#setState('connected');
    this.#hideAlert();
    // A recent server picked in the form opens in the folder it was left in.
    const picked = this.#form.takePicked(session);
    const start = options.path ?? (attr.path || picked || '');
    const ok = await this.#openStart(start);
    // The user chose to connect: the link's server is theirs now.
    this.removeAttribute('from-link');
    this.#form.hideLinkNotice();
    this.#rememberSite();
    this.#offerPending();
    this.#emit('ftp-connect', { ...this.#where() });
    this.#announce(`Connected to ${session.host}. ${this.#summary()}`);
    this.#focusGrid();
    return true;
  }

  /** The Disconnect button: asks first when it would stop transfers. */
  async #disconnectAsked() {
    const active = this.#queue.active();
    if (active.length) {
      const n = active.length;
      const ok = await this.#confirm(
        n === 1 ? `Stop “${visibleName(active[0].name)}” and disconnect?` : `Stop ${n} transfers and disconnect?`,
        `${n === 1 ? 'A transfer is' : `${n} transfers are`} still running or waiting. Disconnecting stops ${n === 1 ? 'it' : 'them'}; what has not arrived is not kept complete.`,
        'Disconnect',
        'Keep working',
      );
      if (!ok) {
        this.#focusGrid();
        return false;
      }
    }
    await this.disconnect();
    return true;
  }

  /** Closing or reloading the tab asks first while transfers run (`beforeunload`). */
  #beforeUnload = (ev) => {
    if (!this.#queue.active().length) return;
    ev.preventDefault();
    ev.returnValue = '';
  };

  /** Closes the sessions and shows the connect form. */
  async disconnect({ quiet = false } = {}) {
    const client = this.#client;
    this.#client = null;
    for (const t of this.#queue.items) if (t.state === 'running' || t.state === 'queued') this.#cancel(t);
    await Promise.allSettled([client?.close(), this.#pool.closeAll()]);
    try {
      client?.free();
    } catch {}
    this.#entries = [];
    this.#grid.show([], { sort: this.#sort });
    this.#navSeq += 1;
    this.#setState('form');
    this.#fillForm(this.#session);
    if (!quiet) {
      this.#emit('ftp-disconnect', { host: this.#session?.host ?? '' });
      this.#announce('Disconnected.');
    }
  }

  /** Opens the folder `path` (absolute, or relative to the current one). */
  async navigate(path) {
    if (!this.#client) return false;
    return this.#open(joinPath(this.#cwd, String(path || '/')));
  }

  /** Lists the current folder again. */
  refresh() {
    return this.#refresh();
  }

  /** Queues uploads of `files` (File objects) into the current folder (or `dir`). */
  upload(files, dir = this.#cwd) {
    const list = [...files].map((file) => ({ rel: file.webkitRelativePath || file.name, file }));
    return this.#queueUploads(list, dir);
  }

  /** Downloads the file `path` (a user gesture is needed for the save picker). */
  download(path, options = {}) {
    const full = joinPath(this.#cwd, path);
    const entry = this.#entries.find((e) => joinPath(this.#cwd, e.name) === full);
    return this.#startDownload({ name: baseName(full), size: entry?.size ?? null, kind: 'file' }, full, options);
  }

  // ── Building the DOM ──────────────────────────────────────────────────────────

  #build() {
    const e = this.#el;
    const ids = `ftpb${nextId++}`;
    e.live = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });

    // Connect form
    this.#form = new ConnectForm(ids, this.#sites, {
      submit: () => this.connect(),
      cancel: () => this.#cancelConnect(),
      parallel: (n) => this.#parallelChosen(n),
    });
    e.connect = this.#form.el;

    // Toolbar
    e.crumbs = h('ol');
    const tool = (name, label, onclick, extra = {}) =>
      h('button', { class: 'btn icon', type: 'button', title: label, 'aria-label': label, onclick, html: ICONS[name], ...extra });
    const labelled = (name, label, onclick, extra = {}) =>
      h('button', { class: 'btn', type: 'button', title: label, onclick, ...extra }, icon(name), h('span', { class: 'label-wide' }, label));
    e.upBtn = tool('up', 'Up one level (Backspace)', () => this.#goUp());
    e.refreshBtn = tool('refresh', 'Refresh', () => this.#refresh({ announce: true }));
    e.downloadBtn = labelled('download', 'Download', () => this.#downloadSelected(), { disabled: true });
    e.previewBtn = tool('preview', 'Preview (F3)', () => this.#preview(), { disabled: true });
    e.renameBtn = tool('rename', 'Rename (F2)', () => this.#beginRename(), { disabled: true });
    e.deleteBtn = tool('trash', 'Delete (Delete)', () => this.#deleteSelected(), { disabled: true });
    e.mkdirBtn = labelled('newFolder', 'New folder', () => this.#beginMkdir());
    e.fileInput = h('input', { type: 'file', multiple: true, hidden: true, onchange: () => this.#filesChosen(e.fileInput) });
    e.folderInput = h('input', { type: 'file', multiple: true, hidden: true, webkitdirectory: true, onchange: () => this.#filesChosen(e.folderInput) });
    e.uploadBtn = labelled('upload', 'Upload files', () => e.fileInput.click());
    e.uploadFolderBtn = tool('uploadFolder', 'Upload a folder', () => e.folderInput.click());
    e.hiddenBtn = tool('eye', 'Show hidden files', () => this.#toggleHidden(!this.#showHidden), { 'aria-pressed': 'false' });
    e.logBtn = tool('log', 'Protocol log', () => this.#toggleLog(), { 'aria-pressed': 'false' });
    e.siteBtn = tool('star', 'Save this site', () => this.#askSite(), { 'aria-pressed': 'false', class: 'btn icon site-btn' });
    e.disconnectBtn = tool('power', 'Disconnect', () => this.#disconnectAsked());
    // On a narrow screen these go into the More menu.
    for (const b of [e.renameBtn, e.deleteBtn, e.mkdirBtn, e.uploadFolderBtn, e.hiddenBtn, e.logBtn, e.previewBtn, e.siteBtn]) b.classList.add('rare');
    e.moreBtn = tool('more', 'More actions', () => this.#openMoreMenu(), { 'aria-haspopup': 'menu', class: 'btn icon more' });
    // One tab stop for the actions (a roving tabindex; arrows move between them).
    e.actions = h('div', {
      class: 'actions',
      role: 'toolbar',
      'aria-label': 'Folder actions',
      onkeydown: (ev) => this.#toolbarKeys(ev),
      onfocusin: (ev) => this.#rove(ev.target),
    },
      e.refreshBtn,
      h('span', { class: 'sep' }),
      e.downloadBtn, e.previewBtn, e.renameBtn, e.deleteBtn,
      h('span', { class: 'sep' }),
      e.mkdirBtn, e.uploadBtn, e.uploadFolderBtn,
      h('span', { class: 'sep' }),
      e.hiddenBtn, e.logBtn, e.siteBtn, e.moreBtn, e.disconnectBtn);
    // A filter on this folder's names (type / in the table to get here).
    e.filter = h('input', {
      type: 'search',
      class: 'filter',
      placeholder: 'Filter',
      'aria-label': 'Filter this folder by name',
      spellcheck: false,
      autocapitalize: 'off',
      oninput: () => this.#filterChanged(),
      onkeydown: (ev) => {
        if (ev.key === 'Escape' && e.filter.value) {
          ev.preventDefault();
          e.filter.value = '';
          this.#filterChanged();
        } else if (ev.key === 'ArrowDown' || ev.key === 'Enter') {
          ev.preventDefault();
          this.#focusGrid();
        }
      },
    });
    e.toolbar = h('div', { class: 'toolbar', part: 'toolbar' },
      e.upBtn,
      h('nav', { class: 'crumbs', 'aria-label': 'Current folder' }, e.crumbs),
      e.filter,
      e.actions,
      e.fileInput, e.folderInput);
    this.#rove(e.refreshBtn);

    // Table
    this.#grid = new Grid({
      sort: (key) => this.#sortBy(key),
      open: () => this.#openSelected(),
      tap: (entry) => (entry?.kind !== 'dir' && previewKind(entry?.name ?? '') ? this.#preview() : this.#openSelected()),
      up: () => this.#goUp(),
      remove: () => this.#deleteSelected(),
      rename: () => this.#beginRename(),
      preview: () => this.#preview(),
      menu: (at) => this.#openMenu(at),
      rowMenu: (ev) => this.#rowMenu(ev),
      filter: () => {
        e.filter.focus();
        e.filter.select();
      },
      announce: (text) => this.#announce(text),
      changed: () => this.#syncSelectionButtons(),
      dragStart: (ev) => this.#rowDragStart(ev),
      dragOver: (ev) => this.#moveDragOver(ev),
      drop: (ev) => this.#moveDrop(ev),
    });
    e.loading = h('div', { class: 'loading-bar', hidden: true, 'aria-hidden': 'true' });
    e.dropOverlay = h('div', { class: 'drop-overlay', hidden: true }, h('div', {}, icon('drop'), h('span', { class: 'drop-label' }, 'Drop to upload')));
    e.tableWrap = this.#grid.el;
    // The drop zone and the overlays stay put while the table scrolls under them.
    e.tableArea = h('div', {
      class: 'table-area',
      part: 'table',
      ondragenter: (ev) => this.#dragEnter(ev),
      ondragover: (ev) => this.#dragOver(ev),
      ondragleave: (ev) => this.#dragLeave(ev),
      ondrop: (ev) => this.#drop(ev),
    }, e.tableWrap, e.loading, e.dropOverlay);

    // Dock
    e.transfersTab = h('button', { class: 'tab', role: 'tab', type: 'button', id: `${ids}-tt`, 'aria-controls': `${ids}-tp`, 'aria-selected': 'true', onclick: () => this.#showDock('transfers', true) },
      'Transfers', h('span', { class: 'count', 'aria-hidden': 'true' }));
    e.logTab = h('button', { class: 'tab', role: 'tab', type: 'button', id: `${ids}-lt`, 'aria-controls': `${ids}-lp`, 'aria-selected': 'false', tabindex: '-1', onclick: () => this.#showDock('log', true) },
      'Protocol log');
    e.clearBtn = h('button', { class: 'btn small', type: 'button', onclick: () => this.#clearDock() }, 'Clear');
    e.copyLogBtn = h('button', { class: 'btn small', type: 'button', hidden: true, onclick: () => this.#copyLog() }, 'Copy');
    e.dockToggle = h('button', { class: 'btn small icon', type: 'button', 'aria-expanded': 'false', 'aria-label': 'Show the panel', title: 'Show or hide the panel', onclick: () => this.#setDock(!this.#dockOpen), html: ICONS.chevronUp });
    e.transferList = h('ul', { class: 'transfers', 'aria-label': 'Transfers' });
    e.noTransfers = h('div', { class: 'none' }, 'No transfers yet. Downloads and uploads show up here.');
    e.transfersPanel = h('div', { role: 'tabpanel', id: `${ids}-tp`, 'aria-labelledby': e.transfersTab.id, class: 'dock-body', tabindex: '-1' }, e.noTransfers, e.transferList);
    e.logList = h('ol', { class: 'log', 'aria-label': 'Protocol log' });
    e.logPanel = h('div', { role: 'tabpanel', id: `${ids}-lp`, 'aria-labelledby': e.logTab.id, class: 'dock-body', hidden: true, tabindex: '0' }, e.logList);
    this.#log = new ProtocolLog(e.logPanel, e.logList, () => this.#dockOpen && this.#dockTab === 'log');
    e.dock = h('section', { class: 'dock', part: 'dock', 'data-open': 'false', 'aria-label': 'Transfers and log' },
      h('div', { class: 'dock-head' },
        h('div', { role: 'tablist', 'aria-label': 'Panels', onkeydown: (ev) => this.#tabKeys(ev) }, e.transfersTab, e.logTab),
        h('span', { class: 'spacer' }), e.copyLogBtn, e.clearBtn, e.dockToggle),
      e.transfersPanel, e.logPanel);

    e.statusText = document.createTextNode('');
    e.selectionCount = h('strong', { class: 'selcount' });
    e.statusLeft = h('span', {}, e.statusText, e.selectionCount);
    e.statusRight = h('span');
    e.securityBtn = h('button', {
      class: 'btn small security',
      type: 'button',
      'aria-expanded': 'false',
      'aria-controls': `${ids}-sec`,
      onclick: () => this.#toggleSecurity(),
    });
    e.securityPanel = h('div', { id: `${ids}-sec`, class: 'security-panel', role: 'region', 'aria-label': 'Connection security', hidden: true });
    e.alert = h('div', { class: 'alert', role: 'alert', hidden: true, part: 'alert' });
    e.browser = h('section', { class: 'browser', hidden: true, part: 'browser' },
      e.toolbar, e.alert, e.tableArea, e.dock,
      e.securityPanel,
      h('footer', { class: 'statusbar', part: 'statusbar' }, e.securityBtn, e.statusLeft, e.statusRight));

    // Confirmation dialog
    this.#question = new Question(ids);
    e.dialog = this.#question.el;

    // The rows' menu (right click, the menu key, Shift+F10)
    e.menu = h('div', { class: 'menu', role: 'menu', 'aria-label': 'File actions', hidden: true, onkeydown: (ev) => this.#menuKeys(ev), onfocusout: (ev) => { if (!e.menu.contains(ev.relatedTarget)) this.#closeMenu(false); } });

    // Move to… and Permissions… (a small form in a dialog each)
    e.moveInput = h('input', { id: `${ids}-move`, type: 'text', spellcheck: false, autocapitalize: 'off' });
    e.moveTitle = h('h3', { id: `${ids}-mt` });
    e.moveError = h('p', { class: 'field-error', role: 'alert', hidden: true });
    e.moveDialog = h('dialog', { 'aria-labelledby': `${ids}-mt`, part: 'dialog' },
      h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); this.#moveSubmitted(); } },
        e.moveTitle,
        h('div', { class: 'field' }, h('label', { for: e.moveInput.id }, 'To the folder'), e.moveInput),
        e.moveError,
        h('div', { class: 'form-actions' },
          h('button', { class: 'btn outline', type: 'button', onclick: () => e.moveDialog.close() }, 'Cancel'),
          h('button', { class: 'btn primary', type: 'submit' }, 'Move'))));
    // Save this site: a name for the session's settings and folder (never its password).
    e.siteTitle = h('h2', { id: `${ids}-st` }, 'Save this site');
    e.siteInput = h('input', { id: `${ids}-site`, type: 'text', spellcheck: false, autocapitalize: 'off', required: true });
    e.siteNote = h('p', { class: 'note' }, 'The host, port, user name, settings and this folder are kept in this browser; the password never is.');
    e.siteForget = h('button', { class: 'btn outline danger', type: 'button', hidden: true, onclick: () => this.#forgetSite() }, 'Forget it');
    e.siteDialog = h('dialog', { 'aria-labelledby': `${ids}-st`, part: 'dialog' },
      h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); this.#saveSite(); } },
        e.siteTitle,
        h('div', { class: 'field' }, h('label', { for: e.siteInput.id }, 'Name'), e.siteInput),
        e.siteNote,
        h('div', { class: 'form-actions' },
          e.siteForget,
          h('button', { class: 'btn outline', type: 'button', onclick: () => e.siteDialog.close() }, 'Cancel'),
          h('button', { class: 'btn primary', type: 'submit' }, 'Save'))));
    const bits = [];
    e.modeBoxes = [];
    for (const [who, shift] of [['Owner', 6], ['Group', 3], ['Others', 0]]) {
      const boxes = [['read', 4], ['write', 2], ['execute', 1]].map(([what, bit]) => {
        const box = h('input', { type: 'checkbox', 'aria-label': `${who}: ${what}`, 'data-bit': String(bit << shift), onchange: () => this.#modeBoxesChanged() });
        e.modeBoxes.push(box);
        return h('span', { class: 'bit' }, box);
      });
      bits.push(h('span', { class: 'who' }, who), ...boxes);
    }
    e.modeOctal = h('input', { id: `${ids}-octal`, type: 'text', inputmode: 'numeric', maxlength: 4, pattern: '[0-7]{3,4}', spellcheck: false, oninput: () => this.#modeOctalChanged() });
    e.modeTitle = h('h3', { id: `${ids}-pmt` });
    e.modeError = h('p', { class: 'field-error', role: 'alert', hidden: true });
    e.modeDialog = h('dialog', { 'aria-labelledby': `${ids}-pmt`, part: 'dialog' },
      h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); this.#modeSubmitted(); } },
        e.modeTitle,
        // A grid of boxes (not a table: the file table's rows stay the only rows here).
        h('div', { class: 'modes', role: 'group', 'aria-label': 'Permission bits' },
          h('span'), h('span', { class: 'head' }, 'Read'), h('span', { class: 'head' }, 'Write'), h('span', { class: 'head' }, 'Execute'),
          ...bits),
        h('div', { class: 'field' }, h('label', { for: e.modeOctal.id }, 'As a number'), e.modeOctal),
        e.modeError,
        h('div', { class: 'form-actions' },
          h('button', { class: 'btn outline', type: 'button', onclick: () => e.modeDialog.close() }, 'Cancel'),
          h('button', { class: 'btn primary', type: 'submit' }, 'Apply'))));

    // Preview (and edit in place, for small text files)
    e.previewTitle = h('h3', { id: `${ids}-pt` });
    e.previewNote = h('p', { class: 'preview-note', role: 'status' });
    e.previewBody = h('div', { class: 'preview-body' });
    e.previewEdit = h('button', { class: 'btn outline', type: 'button', hidden: true, onclick: () => this.#editPreview() }, 'Edit');
    e.previewSave = h('button', { class: 'btn primary', type: 'button', hidden: true, onclick: () => this.#savePreview() }, 'Save');
    e.previewDownload = h('button', { class: 'btn outline', type: 'button', onclick: () => this.#previewDownload() }, 'Download');
    e.previewClose = h('button', { class: 'btn outline', type: 'button', onclick: () => e.previewDialog.close() }, 'Close');
    e.previewDialog = h('dialog', { class: 'preview', 'aria-labelledby': `${ids}-pt`, part: 'preview', onclose: () => this.#previewClosed() },
      h('div', { class: 'preview-head' }, e.previewTitle, h('div', { class: 'form-actions' }, e.previewEdit, e.previewSave, e.previewDownload, e.previewClose)),
      e.previewNote, e.previewBody);

    e.root = h('div', { class: 'root', 'data-state': 'idle' }, e.connect, e.browser, e.live, e.dialog, e.previewDialog, e.moveDialog, e.modeDialog, e.siteDialog, e.menu);
    this.#shadow.append(e.root);
  }

  // ── State, form and attributes ───────────────────────────────────────────────

  #attributes() {
    const attr = (name) => this.getAttribute(name);
    return {
      relay: attr('relay') || '',
      host: attr('host') || '',
      port: Number(attr('port')) || (attr('tls') === 'implicit' ? 990 : 21),
      user: attr('user') || '',
      path: attr('path') || '',
      mode: attr('mode') || 'auto',
      encoding: attr('encoding') || '',
      tls: attr('tls') || 'if-available',
      anonymous: this.hasAttribute('anonymous'),
    };
  }

  #hasCredentials() {
    const a = this.#attributes();
    if (!a.host) return false;
    if (a.anonymous || /^(anonymous|ftp)$/i.test(a.user)) return true;
    return Boolean(a.user && this.#password);
  }

  #fillForm(from = null) {
    this.#form.fill(from ?? this.#attributes(), {
      linked: this.hasAttribute('from-link'),
      relayFixed: this.hasAttribute('relay'),
      relay: this.getAttribute('relay') || '',
      relayPlaceholder: sameOriginRelay(globalThis.location ?? { protocol: 'http:', host: 'localhost' }),
      anonymousHint: this.hasAttribute('anonymous'),
      parallel: this.#parallel(),
      parallelFixed: this.hasAttribute('parallel'),
    });
  }

  /** The session was in the current folder: it heads the recent servers, and its saved site follows it. */
  #rememberSite() {
    if (this.#session?.host) this.#sites.visited(this.#session, this.#cwd);
    this.#syncSiteButton();
  }

  #syncSiteButton() {
    const saved = this.#session ? this.#sites.savedFor(this.#session) : null;
    const e = this.#el;
    e.siteBtn.setAttribute('aria-pressed', String(Boolean(saved)));
    const label = saved ? `Saved as “${saved.name}”: rename or forget` : 'Save this site';
    e.siteBtn.title = label;
    e.siteBtn.setAttribute('aria-label', label);
  }

  /** The star: a name for this site (saved with its settings and this folder), or a new name. */
  #askSite() {
    if (!this.#session) return;
    const e = this.#el;
    const saved = this.#sites.savedFor(this.#session);
    e.siteTitle.textContent = saved ? 'Rename or forget this site' : 'Save this site';
    e.siteInput.value = saved?.name ?? this.#session.host;
    e.siteForget.hidden = !saved;
    e.siteDialog.showModal();
    e.siteInput.select();
  }

  #saveSite() {
    const e = this.#el;
    const name = e.siteInput.value.trim();
    if (!name || !this.#session) return;
    this.#sites.save(this.#session, name, this.#cwd);
    e.siteDialog.close();
    this.#syncSiteButton();
    this.#announce(`Saved as ${name}.`);
    this.#focusGrid();
  }

  #forgetSite() {
    const e = this.#el;
    const saved = this.#session ? this.#sites.savedFor(this.#session) : null;
    if (saved) this.#sites.forget(saved);
    e.siteDialog.close();
    this.#syncSiteButton();
    if (saved) this.#announce(`Forgot ${saved.name}.`);
    this.#focusGrid();
  }

  /** "Trust this key": pins the refused certificate's key for this server and connects. */
  #trustButton(certificate, options) {
    const rows = [
      ['Subject', certificate.subject],
      ['Issuer', certificate.issuer],
      ['SHA-256', certificate.sha256],
    ];
    const list = h('dl', { class: 'cert' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const button = h('button', {
      class: 'btn small outline',
      type: 'button',
      onclick: () => this.connect({ ...options, pins: [certificate.keySha256] }),
    }, 'Trust this key and connect');
    return h('div', { class: 'trust' }, list, button);
  }

  #clientOptions(session, onLog, memory = null, pins = null) {
    const options = { relay: session.relay, host: session.host, port: session.port, mode: session.mode, tls: session.tls, onLog };
    if (memory?.tls) options.expectTls = true;
    const keys = [...(pins ?? []), ...(memory?.pin ? [memory.pin] : [])];
    if (keys.length) options.pins = keys;
    if (Array.isArray(this.caCertificates) && this.caCertificates.length) options.caCertificates = this.caCertificates;
    if (!session.anonymous) {
      options.user = session.user;
      options.password = this.#password;
    }
    if (session.encoding) options.encoding = session.encoding;
    const ticket = this.getAttribute('ticket');
    if (ticket) options.ticket = ticket;
    const timeout = Number(this.getAttribute('timeout'));
    if (timeout > 0) options.timeoutMs = timeout * 1000;
    // An idle session is kept alive (servers and NATs drop silent ones after minutes).
    options.keepAliveMs = KEEP_ALIVE_MS;
    return options;
  }

  #setState(state) {
    this.#state = state;
    const e = this.#el;
    e.root.dataset.state = state;
    const showForm = state === 'form' || state === 'connecting';
    e.connect.hidden = !showForm;
    e.browser.hidden = state !== 'connected';
    const busy = state === 'connecting';
    this.#form.setBusy(busy);
    this.setAttribute('aria-busy', String(busy));
  }

  #showFormError(described, transcript = [], actions = []) {
    this.#renderAlert(this.#form.alert, described, actions, transcript);
  }

  #renderAlert(target, described, actions, transcript = []) {
    const arrows = { sent: '→', received: '←', note: '·' };
    const lines = transcript.map((line) => `${arrows[line.direction] ?? ''} ${line.text}`).join('\n');
    const technical = described.detail && described.detail !== described.title;
    const children = [
      icon('alert'),
      h('div', { class: 'text' },
        h('div', { class: 'title' }, described.title),
        described.hint ? h('div', { class: 'hint' }, described.hint) : null,
        technical || lines
          ? h('details', {},
            h('summary', {}, 'Technical details'),
            technical ? h('code', {}, described.detail) : null,
            lines ? h('pre', { class: 'transcript', 'aria-label': 'Protocol log' }, lines) : null)
          : null),
    ];
    if (actions.length) children.push(h('div', { class: 'actions' }, actions));
    target.replaceChildren(...children);
    target.dataset.code = described.code ?? '';
    target.hidden = false;
  }

  #showAlert(described, op, extra = []) {
    const actions = [...extra];
    if (described.code === 'closed' || (described.code === 'connection' && op !== 'download' && op !== 'upload')) {
      actions.push(h('button', { class: 'btn small outline', type: 'button', onclick: () => this.#reconnect() }, 'Reconnect'));
    }
    actions.push(h('button', { class: 'btn small icon', type: 'button', 'aria-label': 'Dismiss', title: 'Dismiss', html: ICONS.close, onclick: () => { this.#hideAlert(); this.#focusGrid(); } }));
    this.#renderAlert(this.#el.alert, described, actions);
    this.#emit('ftp-error', { op, ...described });
  }

  #hideAlert() {
    this.#el.alert.hidden = true;
  }

  async #describe(error, context) {
    const origin = globalThis.location?.origin;
    let relayReachable;
    // A relay connection that ended at connect: refused by the relay (Origin, ticket), or down?
    if (error?.code === 'connection' && error?.detail === 'relay_lost' && context.op === 'connect') {
      relayReachable = await probe(context.relay ?? this.#session?.relay);
    }
    return describeError(error, { ...this.#session, ...context, origin, relayReachable });
  }

  #cancelConnect() {
    this.#connecting = null;
    this.#setState('form');
    this.#announce('Cancelled.');
    this.#form.focusHost();
  }

  async #reconnect() {
    const session = this.#session;
    const cwd = this.#cwd;
    if (!session) return;
    this.#hideAlert();
    await this.connect({ ...session, path: cwd, password: this.#password });
  }

  /**
   * Runs `op` on the browsing session; when the session turns out to be gone (the
   * server or a network on the way dropped it), opens a new one with the same settings,
   * by itself, and runs `op` once more. The user sees a note, not an error.
   */
  async #browse(op) {
    const client = this.#client;
    try {
      return await op(client);
    } catch (error) {
      const dropped = error?.code === 'closed' || error?.code === 'connection';
      if (!dropped || !client || this.#client !== client || !this.#session) throw error;
      let fresh;
      try {
        fresh = await this.#reopen(client);
      } catch {
        throw error;
      }
      return op(fresh);
    }
  }

  /** A new browsing session in place of `old`, which is gone. */
  #reopen(old) {
    if (this.#reopening?.old === old) return this.#reopening.done;
    const session = this.#session;
    const done = (async () => {
      const { FtpClient } = await loadFtpBridge();
      const memory = await recall(session.host, session.port);
      const client = await FtpClient.connect(this.#clientOptions(session, (line) => this.#addLog(line, 'browse'), memory));
      if (this.#client !== old) {
        // Disconnected meanwhile: this session is not wanted.
        client.close().catch(() => {}).finally(() => { try { client.free(); } catch {} });
        throw new Error('disconnected');
      }
      this.#client = client;
      try { old.free(); } catch {}
      this.#addLog({ direction: 'note', text: 'the server had closed the session: reconnected' }, 'browse');
      this.#announce('The server had closed the session. Reconnected.');
      return client;
    })();
    this.#reopening = { old, done };
    done.finally(() => { if (this.#reopening?.done === done) this.#reopening = null; }).catch(() => {});
    return done;
  }

  // ── Listing ───────────────────────────────────────────────────────────────────

  /**
   * Opens the first folder: `start` (a link's or the `path` attribute's), else the
   * login folder. When `start` is a file, its folder opens with it selected and its
   * download offered; when it does not exist, the nearest folder above it that does
   * opens, and the alert says what was not found.
   */
  async #openStart(start) {
    if (!start) return this.#open('', { initial: true });
    if (await this.#open(start, { initial: true })) return true;
    const wanted = normalizePath(start);
    let dir = parentPath(wanted);
    const name = baseName(wanted);
    let opened = false;
    for (;;) {
      opened = await this.#open(dir, { initial: true, select: dir === parentPath(wanted) ? name : null });
      if (opened || dir === '/' || !dir) break;
      dir = parentPath(dir);
    }
    if (!opened) opened = await this.#open('', { initial: true });
    if (!opened) return false;
    const entry = this.#entries.find((e) => e.name === name);
    if (entry && entry.kind !== 'dir' && this.#cwd === parentPath(wanted)) {
      const download = h('button', { class: 'btn small outline', type: 'button', onclick: () => { this.#hideAlert(); this.#startDownload(entry, this.#pathOf(entry)); } }, 'Download');
      this.#showAlert({ title: `“${visibleName(name)}” is a file.`, hint: 'Its folder is shown with it selected: download it, or press Enter.', detail: '', code: 'is_file' }, 'link', [download]);
    } else {
      this.#showAlert({ title: `“${visibleName(wanted)}” was not found.`, hint: `It may have been moved or deleted; ${this.#cwd} is shown instead.`, detail: '', code: 'not_found' }, 'link');
    }
    return true;
  }

  /** Changes to `path` ('' = the login folder) and lists it. */
  async #open(path, { initial = false, select = null } = {}) {
    const client = this.#client;
    if (!client) return false;
    const seq = ++this.#navSeq;
    this.#busy(true);
    try {
      const [dir, bytes, entries] = await this.#browse(async (client) => {
        let dir;
        if (path && path.length) {
          const changed = await client.cd(path);
          dir = typeof changed === 'string' && changed ? changed : await client.pwd();
        } else {
          dir = await client.pwd();
        }
        const exact = client.workingDirectory?.pathBytes ?? null;
        return [dir, exact, await client.list(undefined, { all: this.#showHidden })];
      });
      if (seq !== this.#navSeq) return false;
      const previous = this.#cwd;
      this.#cwd = normalizePath(dir);
      this.#cwdBytes = withText(bytes, this.#cwd);
      // A filter is for the folder it was typed in.
      if (this.#cwd !== previous) this.#el.filter.value = '';
      this.#entries = entries.filter((entry) => entry.name !== '.' && entry.name !== '..');
      // Going up: select the folder we came from.
      const from = !initial && previous.startsWith(`${this.#cwd}/`) ? previous.slice(this.#cwd.length + 1).split('/')[0] : null;
      this.#render(select ?? from);
      this.#hideAlert();
      this.#tellUndecodable();
      if (!initial) this.#rememberSite();
      this.#emit('ftp-navigate', { ...this.#where() });
      if (!initial) this.#announce(`${this.#cwd}. ${this.#summary()}`);
      return true;
    } catch (error) {
      if (seq !== this.#navSeq) return false;
      this.#showAlert(await this.#describe(error, { op: 'list', name: baseName(path) }), 'list');
      return false;
    } finally {
      if (seq === this.#navSeq) this.#busy(false);
    }
  }

  async #refresh({ announce = false, select = null } = {}) {
    if (!this.#client) return;
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const keep = select ?? this.#cursorKey();
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        const seq = ++this.#navSeq;
        this.#busy(true);
        try {
          const entries = await this.#browse((client) => client.list(this.#here(), { all: this.#showHidden }));
          if (seq !== this.#navSeq) continue;
          this.#entries = entries.filter((entry) => entry.name !== '.' && entry.name !== '..');
          this.#render(keep, { keepMarks: select == null });
          if (announce) this.#announce(`Refreshed. ${this.#summary()}`);
        } catch (error) {
          if (seq === this.#navSeq) this.#showAlert(await this.#describe(error, { op: 'list' }), 'list');
        } finally {
          if (seq === this.#navSeq) this.#busy(false);
        }
      } while (this.#refreshAgain && this.#client);
    })();
    try {
      await this.#refreshing;
    } finally {
      this.#refreshing = null;
    }
  }

  /** The current folder as the server names it: its bytes where its text does not give them back. */
  #here() {
    return this.#cwdBytes ?? this.#cwd;
  }

  /**
   * The exact path of `entry` (or of a name typed, `{ name }`) in the folder `dir`
   * (text, or the server's bytes): by its bytes where its name does not decode.
   */
  #pathOf(entry, dir = this.#here()) {
    if (!entry.nameBytes && typeof dir === 'string') return joinPath(dir, entry.name);
    const text = typeof dir === 'string' ? dir : dir.text ?? this.#cwd;
    return withText(this.#client.joinPath(dir, entry.nameBytes ?? entry.name), joinPath(text, entry.name));
  }

  /**
   * Once a session: a folder with names the session's encoding does not decode says
   * that they still work, and where the encoding is chosen.
   */
  #tellUndecodable() {
    if (this.#toldUndecodable || !this.#entries.some((entry) => entry.nameBytes)) return;
    this.#toldUndecodable = true;
    const encoding = this.#session?.encoding || 'UTF-8';
    this.#showAlert({
      title: `Some names here are not written in ${encoding}: they show “\ufffd” where a character could not be read.`,
      hint: 'They still open, download, rename and delete as they are. To read them, disconnect and choose the server’s encoding under Advanced (Latin-1, Windows-1251, Shift_JIS, …).',
      detail: '',
      code: 'undecodable',
      replyCode: null,
      retry: false,
    }, 'list');
  }

  #busy(on) {
    this.#el.loading.hidden = !on;
    this.#el.tableWrap.setAttribute('aria-busy', String(on));
  }

  /** The cursor's entry as a name key (`nameKey`), to keep it across a redraw. */
  #cursorKey() {
    const entry = this.#grid.view[this.#grid.cursor];
    return entry ? nameKey(entry) : null;
  }

  /** Shows the folder's entries (filtered, sorted), the cursor on `select` (a name key). */
  #render(select = null, { keepMarks = false } = {}) {
    const needle = this.#el.filter.value.trim().toLocaleLowerCase();
    const shown = this.#entries.filter((entry) => (this.#showHidden || !isHidden(entry)) && (!needle || entry.name.toLocaleLowerCase().includes(needle)));
    const partial = this.#queue.partialUploads();
    this.#grid.show(sortEntries(shown, this.#sort.key, this.#sort.dir), {
      select,
      keepMarks,
      sort: this.#sort,
      partial: (entry) => partial.has(joinPath(this.#cwd, entry.name)),
      filtering: Boolean(needle),
    });
    this.#renderCrumbs();
    this.#renderStatus();
  }

  #renderCrumbs() {
    const e = this.#el;
    const crumbs = pathSegments(this.#cwd);
    // A folder reached by its bytes: each crumb opens its own bytes.
    const refs = this.#cwdBytes ? segmentRefs(this.#cwdBytes, this.#cwd) : null;
    if (refs) crumbs.forEach((crumb, i) => { crumb.ref = refs[i]; });
    // On a narrow screen the middle of a long path folds into a … menu.
    const folded = crumbs.length > 3 ? crumbs.slice(1, -2) : [];
    const more = folded.length
      ? h('li', { class: 'more' }, h('button', {
        type: 'button',
        class: 'more',
        'aria-label': `${folded.length} more folder${folded.length === 1 ? '' : 's'} on the path`,
        'aria-haspopup': 'menu',
        onclick: (ev) => this.#openPathMenu(folded, ev.currentTarget),
      }, '…'))
      : null;
    e.crumbs.replaceChildren(...crumbs.flatMap((crumb, i) => {
      const last = i === crumbs.length - 1;
      const middle = i >= 1 && i < crumbs.length - 2 && folded.length > 0;
      const label = i === 0 ? [icon('home'), h('span', { class: 'host' }, this.#session?.host ?? '/')] : [crumb.name];
      const item = h('li', { class: middle ? 'middle' : null }, h('button', {
        type: 'button',
        'aria-current': last ? 'page' : null,
        title: crumb.path,
        'aria-label': i === 0 ? `${this.#session?.host ?? ''} (root folder)` : null,
        onclick: () => this.#open(crumb.ref ?? crumb.path),
        ondragover: (ev) => this.#moveDragOver(ev, crumb.ref ?? crumb.path),
        ondrop: (ev) => this.#moveDrop(ev, crumb.ref ?? crumb.path),
      }, label));
      return i === 1 && more ? [more, item] : [item];
    }));
    e.upBtn.disabled = this.#cwd === '/';
  }

  #toggleSecurity(open = this.#el.securityPanel.hidden) {
    const e = this.#el;
    e.securityPanel.hidden = !open;
    e.securityBtn.setAttribute('aria-expanded', String(open));
  }

  #renderSecurity() {
    const e = this.#el;
    const described = describeSecurity(this.#security);
    e.securityBtn.dataset.encrypted = String(described.encrypted);
    e.securityBtn.replaceChildren(icon(described.encrypted ? 'lock' : 'unlock'), h('span', {}, described.summary));
    e.securityBtn.title = described.encrypted ? 'Connection security' : 'Not encrypted: the relay can read this session';
    e.securityPanel.replaceChildren(h('dl', { class: 'cert' }, described.rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }

  #renderStatus() {
    const s = this.#session;
    this.#renderSecurity();
    this.#el.statusText.data = this.#summary();
    if (s) {
      const who = s.anonymous ? 'anonymous' : s.user;
      const port = s.port !== 21 ? `:${s.port}` : '';
      this.#el.statusRight.textContent = `${who}@${s.host}${port} · ${s.mode === 'auto' ? 'automatic mode' : `${s.mode} mode`} · ${s.encoding || 'utf-8'}`;
    }
  }

  #summary() {
    const folders = this.#grid.view.filter((entry) => entry.kind === 'dir').length;
    const files = this.#grid.view.length - folders;
    const bytes = this.#grid.view.reduce((sum, entry) => sum + (entry.kind !== 'dir' && entry.size ? entry.size : 0), 0);
    const filter = this.#el.filter?.value.trim() ?? '';
    if (!this.#grid.view.length) return filter ? `No name here contains “${filter}”` : 'Empty folder';
    const parts = [];
    if (folders) parts.push(`${folders} folder${folders === 1 ? '' : 's'}`);
    if (files) parts.push(`${files} file${files === 1 ? '' : 's'}${bytes ? ` (${formatSize(bytes)})` : ''}`);
    const shown = parts.join(', ');
    return filter ? `${shown} with “${filter}” in the name` : shown;
  }

  /** The filter text changed: show the names that contain it. */
  #filterChanged() {
    const keep = this.#cursorKey();
    this.#render(keep, { keepMarks: true });
    this.#announce(this.#el.filter.value.trim() ? `${this.#grid.view.length} of ${this.#entries.length} shown` : this.#summary());
  }

  #sortBy(key) {
    if (this.#sort.key === key) this.#sort.dir = -this.#sort.dir;
    else this.#sort = { key, dir: key === 'name' || key === 'permissions' ? 1 : -1 };
    this.#sites.setView({ sort: this.#sort });
    const keep = this.#cursorKey();
    this.#render(keep, { keepMarks: true });
    const header = this.#grid.header(key);
    this.#announce(`Sorted by ${header?.textContent.trim().toLowerCase()}, ${this.#sort.dir === 1 ? 'ascending' : 'descending'}`);
  }

  #toggleHidden(show, { remember = true } = {}) {
    this.#showHidden = show;
    if (remember) this.#sites.setView({ showHidden: show });
    this.#el.hiddenBtn.setAttribute('aria-pressed', String(show));
    this.#el.hiddenBtn.title = show ? 'Hidden files are shown' : 'Show hidden files';
    if (this.#client) this.#refresh();
  }

  // ── Selection and keyboard ───────────────────────────────────────────────────


  #syncSelectionButtons() {
    const marked = this.#grid.marked();
    const e = this.#el;
    const folders = this.#canPickFolder();
    e.downloadBtn.disabled = !marked.some((entry) => entry.kind !== 'dir' || folders);
    e.renameBtn.disabled = marked.length !== 1;
    e.previewBtn.disabled = !(marked.length === 1 && marked[0].kind !== 'dir' && previewKind(marked[0].name));
    e.deleteBtn.disabled = !marked.length;
    const n = marked.length;
    e.downloadBtn.title = n > 1 ? `Download ${n} items` : 'Download';
    e.deleteBtn.title = n > 1 ? `Delete ${n} items (Delete)` : 'Delete (Delete)';
    e.selectionCount.textContent = n > 1 ? ` · ${n} selected` : '';
    this.#rove(null);
  }

  #focusGrid() {
    if (!this.#grid.focus()) this.#el.uploadBtn.focus();
  }

  #toolbarKeys(ev) {
    const keys = ['ArrowLeft', 'ArrowRight', 'Home', 'End'];
    if (!keys.includes(ev.key) || !ev.target.matches('.btn')) return;
    // The buttons on screen (a narrow screen folds some into More).
    const buttons = [...this.#el.actions.querySelectorAll('.btn')].filter((b) => !b.disabled && b.getClientRects().length > 0);
    const i = buttons.indexOf(ev.target);
    const to = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: buttons.length - 1 }[ev.key];
    buttons[(to + buttons.length) % buttons.length]?.focus();
    ev.preventDefault();
  }

  /** Makes `button` the toolbar's one tab stop (or the first usable one). */
  #rove(button) {
    const buttons = [...this.#el.actions.querySelectorAll('.btn')];
    // On screen, once the toolbar is (before that, any enabled one).
    const shown = this.#el.actions.getClientRects().length > 0;
    const usable = (b) => !b.disabled && (!shown || b.getClientRects().length > 0);
    const current = button && usable(button) && buttons.includes(button) ? button : buttons.find((b) => b.tabIndex === 0 && usable(b)) ?? buttons.find(usable);
    for (const b of buttons) b.tabIndex = b === current ? 0 : -1;
  }

  #goUp() {
    if (this.#cwd === '/' || !this.#client) return;
    this.#open(this.#cwdBytes ? parentRef(this.#cwdBytes) : parentPath(this.#cwd));
  }

  async #openSelected(downloadOnly = false) {
    const entry = this.#grid.view[this.#grid.cursor];
    if (!entry) return;
    const path = this.#pathOf(entry);
    if (entry.kind === 'dir' && !downloadOnly) {
      await this.#open(path);
      return;
    }
    if (entry.kind === 'link' && !downloadOnly) {
      // A link to a folder opens it; to a file, downloads it (the key press or click
      // still counts as the gesture the save picker needs a moment later).
      const seq = this.#navSeq;
      try {
        const changed = await this.#client.cd(path);
        const exact = this.#client.workingDirectory?.pathBytes;
        if (seq === this.#navSeq) await this.#open(exact ?? (typeof changed === 'string' ? changed : path));
        return;
      } catch {
        return this.#startDownload(entry, path);
      }
    }
    if (entry.kind === 'dir') return;
    return this.#startDownload(entry, path);
  }

  // ── The rows' menu, Move to…, Permissions…, Copy link ────────────────────────

  #rowMenu(ev) {
    const row = this.#grid.rowOf(ev);
    if (!row || this.#grid.editing) return;
    ev.preventDefault();
    const index = Number(row.dataset.index);
    // A row outside the selection becomes the selection; inside, the selection stays.
    this.#grid.select(index, { focus: true, scroll: false, mode: this.#grid.isMarked(index) ? 'keep' : 'only' });
    this.#openMenu({ x: ev.clientX, y: ev.clientY });
  }

  /** A menu item: closes the menu, then acts. */
  #menuItem(label, action, { key = '', danger = false, disabled = false } = {}) {
    return h('button', { type: 'button', role: 'menuitem', tabindex: '-1', class: danger ? 'danger' : null, disabled, onclick: () => { this.#closeMenu(true); action(); } },
      h('span', {}, label), key ? h('kbd', {}, key) : null);
  }

  /** The toolbar's More menu (narrow screens): the actions that did not fit. */
  #openMoreMenu() {
    const e = this.#el;
    const item = (button, label, action) => this.#menuItem(label, action, { disabled: button.disabled });
    const items = [
      item(e.previewBtn, 'Preview', () => this.#preview()),
      item(e.renameBtn, 'Rename', () => this.#beginRename()),
      item(e.deleteBtn, 'Delete', () => this.#deleteSelected()),
      h('hr', { role: 'separator' }),
      item(e.mkdirBtn, 'New folder', () => this.#beginMkdir()),
      item(e.uploadFolderBtn, 'Upload a folder', () => e.folderInput.click()),
      h('hr', { role: 'separator' }),
      item(e.hiddenBtn, this.#showHidden ? 'Hide hidden files' : 'Show hidden files', () => this.#toggleHidden(!this.#showHidden)),
      item(e.logBtn, 'Protocol log', () => this.#toggleLog()),
      item(e.siteBtn, this.#session && this.#sites.savedFor(this.#session) ? 'Rename or forget this site…' : 'Save this site…', () => this.#askSite()),
    ];
    const rect = e.moreBtn.getBoundingClientRect();
    this.#showMenu(items, { x: rect.left, y: rect.bottom }, 'More actions');
  }

  /** The folded middle of the path, as a menu. */
  #openPathMenu(folded, button) {
    const rect = button.getBoundingClientRect();
    this.#showMenu(folded.map((crumb) => this.#menuItem(crumb.name, () => this.#open(crumb.path))), { x: rect.left, y: rect.bottom }, 'Folders on the path');
  }

  /** Opens the menu for the selection, at `at` (client coordinates) or by the cursor's row. */
  #openMenu(at) {
    const entries = this.#grid.marked();
    if (!entries.length) return;
    const one = entries.length === 1 ? entries[0] : null;
    const e = this.#el;
    const item = (label, action, options) => this.#menuItem(label, action, options);
    const items = [];
    if (one?.kind === 'dir') items.push(item('Open', () => this.#openSelected(), { key: 'Enter' }));
    if (!e.downloadBtn.disabled) items.push(item(entries.length > 1 ? `Download ${entries.length} items` : 'Download', () => this.#downloadSelected()));
    if (one && !e.previewBtn.disabled) items.push(item('Preview', () => this.#preview(), { key: 'F3' }));
    items.push(h('hr', { role: 'separator' }));
    if (one) items.push(item('Rename', () => this.#beginRename(), { key: 'F2' }));
    items.push(item('Move to…', () => this.#askMove()));
    items.push(item('Permissions…', () => this.#askMode()));
    if (one) items.push(item('Copy link', () => this.#copyLink(one)));
    items.push(h('hr', { role: 'separator' }));
    items.push(item(entries.length > 1 ? `Delete ${entries.length} items` : 'Delete', () => this.#deleteSelected(), { key: 'Delete', danger: true }));
    let point = at;
    if (!point) {
      const rect = this.#grid.rowEl(this.#grid.cursor)?.getBoundingClientRect();
      const host = this.getBoundingClientRect();
      point = rect ? { x: rect.left + 40, y: rect.bottom } : { x: host.left + 40, y: host.top + 80 };
    }
    this.#showMenu(items, point, 'File actions');
  }

  /** Shows `items` as the menu at the client point `point`, inside the element. */
  #showMenu(items, point, label) {
    const e = this.#el;
    e.menu.replaceChildren(...items);
    e.menu.setAttribute('aria-label', label);
    e.menu.hidden = false;
    // Placed inside the element (its own box is the containing block), kept within it.
    const host = this.getBoundingClientRect();
    const width = e.menu.offsetWidth;
    const height = e.menu.offsetHeight;
    const x = Math.max(4, Math.min(point.x - host.left, host.width - width - 4));
    const y = point.y - host.top + height > host.height - 4 ? Math.max(4, point.y - host.top - height) : point.y - host.top;
    e.menu.style.left = `${x}px`;
    e.menu.style.top = `${y}px`;
    e.menu.querySelector('[role="menuitem"]:not(:disabled)')?.focus();
  }

  #closeMenu(refocus) {
    const e = this.#el;
    if (e.menu.hidden) return;
    e.menu.hidden = true;
    if (refocus) this.#focusGrid();
  }

  #menuKeys(ev) {
    const items = [...this.#el.menu.querySelectorAll('[role="menuitem"]:not(:disabled)')];
    const i = items.indexOf(this.#shadow.activeElement);
    const go = (k) => {
      ev.preventDefault();
      items[(k + items.length) % items.length]?.focus();
    };
    switch (ev.key) {
      case 'ArrowDown': return go(i + 1);
      case 'ArrowUp': return go(i - 1);
      case 'Home': return go(0);
      case 'End': return go(items.length - 1);
      case 'Escape':
      case 'Tab':
        ev.preventDefault();
        return this.#closeMenu(true);
      default:
    }
  }

  /** The deep link to `entry`: this page's own link form when it says so, else `ftp://`. */
  async #copyLink(entry) {
    const s = this.#session;
    if (!s) return;
    const url = formatFtpUrl({ host: s.host, port: s.port, user: s.anonymous ? '' : s.user, path: joinPath(this.#cwd, entry.name), mode: s.mode, encoding: s.encoding });
    const base = this.getAttribute('link-base');
    const link = base ? `${base}#${url}` : url;
    try {
      await navigator.clipboard.writeText(link);
      this.#announce(`Link copied: ${link}`);
    } catch {
      this.#showAlert({ title: 'The link could not be copied.', hint: link, detail: '', code: 'clipboard', replyCode: null, retry: false }, 'copy');
    }
  }

  #askMove() {
    const e = this.#el;
    const entries = this.#grid.marked();
    if (!entries.length) return;
    this.#moving = entries;
    e.moveTitle.textContent = entries.length === 1 ? `Move “${visibleName(entries[0].name)}”` : `Move ${entries.length} items`;
    e.moveInput.value = this.#cwd;
    e.moveError.hidden = true;
    e.moveDialog.showModal();
    e.moveInput.select();
  }

  async #moveSubmitted() {
    const e = this.#el;
    const typed = e.moveInput.value.trim();
    const target = typed.startsWith('/') ? normalizePath(typed) : this.#pathOf({ name: typed });
    const entries = this.#moving ?? [];
    const ok = await this.#moveTo(entries, target, (message) => {
      e.moveError.textContent = message;
      e.moveError.hidden = false;
    });
    if (ok) e.moveDialog.close();
  }

  /**
   * Moves `entries` of this folder into the folder `target` (RNFR/RNTO), after a
   * fresh listing of it: a name taken there is never replaced without a yes.
   * `complain` shows why nothing moved.
   */
  async #moveTo(entries, target, complain = (message) => this.#showAlert({ title: message, hint: '', detail: '', code: 'move', replyCode: null, retry: false }, 'move')) {
    if (!entries.length || !this.#client) return false;
    if (sameRef(target, this.#here()) || target === this.#cwd) {
      complain('They are in that folder already.');
      return false;
    }
    const within = (dir) => sameRef(target, dir) || (typeof target === 'string' && typeof dir === 'string' && target.startsWith(`${dir}/`));
    const inside = entries.find((entry) => entry.kind === 'dir' && within(this.#pathOf(entry)));
    if (inside) {
      complain(`A folder cannot go inside itself (“${visibleName(inside.name)}”).`);
      return false;
    }
    let there;
    try {
      there = await this.#browse((client) => client.list(target, { all: true }));
    } catch (error) {
      complain((await this.#describe(error, { op: 'list', name: baseName(target) })).title);
      return false;
    }
    const taken = new Set(there.map(nameKey));
    const shown = typeof target === 'string' ? target : 'that folder';
    const moving = await this.#replaceAsked(entries, entries.filter((entry) => taken.has(nameKey(entry))), (entry) => entry.name, {
      title: (one, count) => `Replace ${one ?? `${count} items`} in ${visibleName(shown)}?`,
      text: (names, one) => `${names} ${one ? 'is' : 'are'} there already. Moving replaces ${one ? 'it' : 'them'} (a folder there may refuse).`,
    });
    if (!moving) return true;
    const { done, failed } = await this.#eachEntry(moving, (entry) =>
      this.#browse((client) => client.rename(this.#pathOf(entry), this.#pathOf(entry, target))));
    this.#announce(`Moved ${done} of ${moving.length} to ${visibleName(shown)}.`);
    await this.#refresh({ select: null });
    if (failed) {
      const described = await this.#describe(failed.error, { op: 'rename', name: failed.entry.name, kind: failed.entry.kind });
      this.#showAlert({ ...described, title: `${moving.length - done} of ${moving.length} could not be moved. ${described.title}` }, 'move');
    }
    return true;
  }

  #rowDragStart(ev) {
    const row = this.#grid.rowOf(ev);
    if (!row || this.#grid.editing) return;
    const index = Number(row.dataset.index);
    if (!this.#grid.isMarked(index)) this.#grid.select(index, { scroll: false });
    const marked = this.#grid.marked();
    const names = marked.map((entry) => entry.name);
    ev.dataTransfer.setData('application/x-ftpbridge-move', JSON.stringify({ from: this.#cwd, keys: marked.map(nameKey) }));
    ev.dataTransfer.setData('text/plain', names.join('\n'));
    ev.dataTransfer.effectAllowed = 'move';
  }

  /** A folder under a drag of rows: where a drop would move them (`to`, or the folder row's). */
  #moveTarget(ev, to = null) {
    if (![...(ev.dataTransfer?.types ?? [])].includes('application/x-ftpbridge-move')) return null;
    if (to) return to;
    const row = this.#grid.rowOf(ev);
    const entry = row ? this.#grid.view[Number(row.dataset.index)] : null;
    return entry?.kind === 'dir' && !this.#grid.isMarked(Number(row.dataset.index)) ? { path: this.#pathOf(entry), row } : null;
  }

  #moveDragOver(ev, to = null) {
    const target = this.#moveTarget(ev, to);
    if (!target) return;
    ev.preventDefault();
    ev.stopPropagation();
    ev.dataTransfer.dropEffect = 'move';
    this.#grid.markTarget(target.row ?? null);
  }

  async #moveDrop(ev, to = null) {
    const target = this.#moveTarget(ev, to);
    this.#grid.markTarget(null);
    if (!target) return;
    ev.preventDefault();
    ev.stopPropagation();
    let moved;
    try {
      moved = JSON.parse(ev.dataTransfer.getData('application/x-ftpbridge-move'));
    } catch {
      return;
    }
    if (moved.from !== this.#cwd) return;
    const keys = new Set(moved.keys);
    const entries = this.#entries.filter((entry) => keys.has(nameKey(entry)));
    await this.#moveTo(entries, typeof target === 'string' || target instanceof Uint8Array ? target : target.path);
  }

  #askMode() {
    const e = this.#el;
    const entries = this.#grid.marked();
    if (!entries.length) return;
    this.#chmodding = entries;
    e.modeTitle.textContent = entries.length === 1 ? `Permissions of “${visibleName(entries[0].name)}”` : `Permissions of ${entries.length} items`;
    const known = modeOf(entries[0].permissions);
    e.modeOctal.value = known != null ? known.toString(8).padStart(3, '0') : entries[0].kind === 'dir' ? '755' : '644';
    e.modeError.hidden = true;
    this.#modeOctalChanged();
    e.modeDialog.showModal();
    e.modeBoxes[0].focus();
  }

  #modeBoxesChanged() {
    const e = this.#el;
    const mode = e.modeBoxes.reduce((sum, box) => sum | (box.checked ? Number(box.dataset.bit) : 0), 0);
    const special = /^[0-7]{4}$/.test(e.modeOctal.value) ? e.modeOctal.value[0] : '';
    e.modeOctal.value = `${special}${mode.toString(8).padStart(3, '0')}`;
  }

  #modeOctalChanged() {
    const e = this.#el;
    const text = e.modeOctal.value.trim();
    if (!/^[0-7]{3,4}$/.test(text)) return;
    const mode = parseInt(text.slice(-3), 8);
    for (const box of e.modeBoxes) box.checked = (mode & Number(box.dataset.bit)) !== 0;
  }

  async #modeSubmitted() {
    const e = this.#el;
    const mode = e.modeOctal.value.trim();
    if (!/^[0-7]{3,4}$/.test(mode)) {
      e.modeError.textContent = 'Three or four digits from 0 to 7, like 644 or 0755.';
      e.modeError.hidden = false;
      return;
    }
    const { failed } = await this.#eachEntry(this.#chmodding ?? [], (entry) =>
      this.#browse((client) => client.chmod(this.#pathOf(entry), mode)));
    if (failed) {
      const described = await this.#describe(failed.error, { op: 'chmod', name: failed.entry.name, kind: failed.entry.kind });
      e.modeError.textContent = `${described.title} ${described.hint}`.trim();
      e.modeError.hidden = false;
      await this.#refresh();
      return;
    }
    e.modeDialog.close();
    this.#announce(`Permissions set to ${mode}.`);
    await this.#refresh();
  }

  // ── Preview and edit in place ────────────────────────────────────────────────

  /** Shows the selected file in a dialog: an image, a PDF, or text (size-capped). */
  async #preview() {
    const entry = this.#grid.view[this.#grid.cursor];
    if (!entry || entry.kind === 'dir' || !this.#client || this.#grid.markedCount > 1) return;
    const kind = previewKind(entry.name);
    if (!kind) {
      this.#announce('There is no preview for this kind of file.');
      return;
    }
    const textual = kind.kind === 'text' || kind.kind === 'sniff';
    const limit = PREVIEW_LIMITS[textual ? 'text' : kind.kind];
    const shown = visibleName(entry.name);
    const tooLarge = (size) => ({
      title: `“${shown}” is too large to preview (${formatSize(size)}; up to ${formatSize(limit)}).`,
      hint: 'Download it instead.',
      detail: '',
      code: 'too_large',
      replyCode: null,
      retry: false,
    });
    if (!textual && entry.size != null && entry.size > limit) {
      this.#showAlert(tooLarge(entry.size), 'preview');
      return;
    }
    const e = this.#el;
    if (e.previewDialog.open) e.previewDialog.close();
    const controller = new AbortController();
    const dir = this.#here();
    const path = this.#pathOf(entry, dir);
    const p = { entry, dir, path, controller, url: null, bytes: null, edit: null, textarea: null, stamp: null };
    this.#previewing = p;
    e.previewTitle.textContent = shown;
    e.previewNote.textContent = 'Loading…';
    e.previewBody.replaceChildren();
    e.previewEdit.hidden = true;
    e.previewSave.hidden = true;
    e.previewDialog.showModal();
    e.previewClose.focus();
    try {
      const { bytes, truncated } = await this.#browse((client) => readUpTo(client.download(path, { signal: controller.signal }), limit));
      // The time to the second (MDTM) where the server tells it: an edit saved later
      // checks that nobody changed the file meanwhile, even in the same minute.
      if (textual && !truncated) p.stamp = await this.#stamp(path);
      if (this.#previewing !== p) return;
      p.bytes = bytes;
      if (!textual) {
        if (truncated) {
          e.previewNote.textContent = tooLarge(entry.size ?? limit).title;
          return;
        }
        // A type of our choosing: the bytes are never taken as a page.
        p.url = URL.createObjectURL(new Blob([bytes], { type: kind.kind === 'pdf' ? 'application/pdf' : kind.type }));
        e.previewBody.replaceChildren(kind.kind === 'pdf'
          ? h('iframe', { src: p.url, title: `${shown} (PDF)` })
          : h('img', { src: p.url, alt: shown }));
        e.previewNote.textContent = formatSize(bytes.length);
        return;
      }
      if (!looksLikeText(bytes, truncated)) {
        e.previewNote.textContent = 'This file is not text that can be shown here. Download it instead.';
        return;
      }
      e.previewBody.replaceChildren(h('pre', { tabindex: '0', 'aria-label': `Contents of ${shown}` }, new TextDecoder().decode(bytes)));
      e.previewNote.textContent = truncated
        ? `The first ${formatSize(limit)}${entry.size != null ? ` of ${formatSize(entry.size)}` : ''} is shown.`
        : formatSize(bytes.length);
      p.edit = !truncated && bytes.length <= EDIT_LIMIT ? editable(bytes) : null;
      e.previewEdit.hidden = !p.edit;
    } catch (error) {
      if (this.#previewing !== p || controller.signal.aborted) return;
      const described = await this.#describe(error, { op: 'download', name: entry.name });
      e.previewNote.textContent = `${described.title} ${described.hint}`.trim();
    }
  }

  #previewClosed() {
    const p = this.#previewing;
    this.#previewing = null;
    if (!p) return;
    p.controller.abort();
    if (p.url) URL.revokeObjectURL(p.url);
    this.#el.previewBody.replaceChildren();
    this.#focusGrid();
  }

  #previewDownload() {
    const p = this.#previewing;
    if (!p) return;
    // The save picker opens now, in this click.
    this.#startDownload(p.entry, p.path);
    this.#el.previewDialog.close();
  }

  #editPreview() {
    const p = this.#previewing;
    const e = this.#el;
    if (!p?.edit) return;
    p.textarea = h('textarea', { 'aria-label': `Contents of ${visibleName(p.entry.name)}`, spellcheck: false });
    p.textarea.value = p.edit.text;
    e.previewBody.replaceChildren(p.textarea);
    e.previewNote.textContent = 'Editing. Save uploads it in place of the file on the server.';
    e.previewEdit.hidden = true;
    e.previewSave.hidden = false;
    p.textarea.focus();
  }

  /**
   * Uploads the edited text in place of the file, after checking that the file on
   * the server is still the one that was opened (else asking first).
   */
  /** What says a file changed: its size, and its time to the second where MDTM tells it. */
  async #stamp(path) {
    try {
      const [size, modified] = await this.#browse((client) => Promise.all([
        client.size(path).catch(() => null),
        client.modified(path).catch(() => null),
      ]));
      return { size, modified };
    } catch {
      return null;
    }
  }

  async #savePreview() {
    const p = this.#previewing;
    if (!p?.edit || !p.textarea) return;
    let now = null;
    try {
      const entries = await this.#browse((client) => client.list(p.dir, { all: true }));
      now = entries.find((entry) => nameKey(entry) === nameKey(p.entry)) ?? null;
    } catch {
      now = null;
    }
    const stamp = now ? await this.#stamp(p.path) : null;
    if (this.#previewing !== p) return;
    // The listing's size and minute, and the time to the second where MDTM gave one.
    const sameStamp = !p.stamp?.modified || !stamp?.modified || p.stamp.modified === stamp.modified;
    const same = now && now.size === p.bytes.length && (now.modified ?? null) === (p.entry.modified ?? null) && sameStamp;
    if (!same) {
      const shown = visibleName(p.entry.name);
      const go = await this.#confirm(
        now ? `“${shown}” changed on the server since you opened it` : `“${shown}” is no longer on the server`,
        now ? 'Saving replaces what is there now with your edited text.' : 'Saving uploads your edited text as a new file.',
        now ? 'Replace it' : 'Save',
      );
      if (!go || this.#previewing !== p) {
        p.textarea?.focus();
        return;
      }
    }
    const file = new File([p.edit.encode(p.textarea.value)], p.entry.name, { type: 'application/octet-stream' });
    const ref = typeof p.path === 'string' ? null : p.path;
    this.#addTransfer({ direction: 'upload', name: p.entry.name, path: shownPath(p.path), ref, total: file.size, file, rel: p.entry.name });
    this.#announce(`Saving ${p.entry.name}…`);
    this.#el.previewDialog.close();
  }

  // ── Rename, new folder, delete ───────────────────────────────────────────────

  #beginRename() {
    if (this.#grid.markedCount > 1) {
      this.#announce('Select one item to rename.');
      return;
    }
    const entry = this.#grid.view[this.#grid.cursor];
    if (entry) this.#grid.scrollTo(this.#grid.cursor);
    const row = this.#grid.rowEl(this.#grid.cursor);
    if (!entry || !row || this.#grid.editing) return;
    const cell = row.querySelector('td.name .cell');
    const label = cell.querySelector('.label');
    // Hidden characters show as markers; a name left as shown is not renamed.
    const shown = visibleName(entry.name);
    const input = h('input', { type: 'text', value: shown, 'aria-label': `New name for ${shown}`, spellcheck: false });
    label.replaceWith(input);
    const dot = entry.kind !== 'dir' ? shown.lastIndexOf('.') : -1;
    this.#grid.editing = { input, row };
    input.focus();
    input.setSelectionRange(0, dot > 0 ? dot : shown.length);
    const finish = async (commit) => {
      if (this.#grid.editing?.input !== input) return;
      this.#grid.editing = null;
      const name = input.value.trim();
      if (!commit || !name || name === entry.name || name === shown) {
        input.replaceWith(label);
        row.focus();
        return;
      }
      if (name.includes('/')) {
        input.replaceWith(label);
        this.#showAlert({ title: 'A name cannot contain “/”.', hint: 'Renaming here changes the name only; moving to another folder is not supported yet.', detail: '', code: 'invalid_input' }, 'rename');
        row.focus();
        return;
      }
      input.replaceWith(label);
      // Never onto an existing entry without a yes: RNTO would replace it. The server's
      // listing of now, not the grid's: another client may have made that name since.
      const present = await this.#client.list(this.#here(), { all: true }).catch(() => this.#entries);
      const existing = present.find((other) => !other.nameBytes && other.name === name);
      if (existing) {
        const ok = await this.#confirm(
          `Replace “${visibleName(name)}”?`,
          `A ${existing.kind === 'dir' ? 'folder' : 'file'} with that name exists in this folder. Renaming “${shown}” to it replaces it, and what it holds is lost.`,
          'Replace',
        );
        if (!ok) {
          row.focus();
          return;
        }
      }
      label.textContent = visibleName(name);
      try {
        await this.#client.rename(this.#pathOf(entry), this.#pathOf({ name }));
        this.#announce(`Renamed ${shown} to ${visibleName(name)}.`);
        await this.#refresh({ select: name });
      } catch (error) {
        label.textContent = shown;
        this.#showAlert(await this.#describe(error, { op: 'rename', name: shown, kind: entry.kind }), 'rename');
      }
      this.#focusGrid();
    };
    input.addEventListener('keydown', (ev) => {
      ev.stopPropagation();
      if (ev.key === 'Enter') { ev.preventDefault(); finish(true); }
      else if (ev.key === 'Escape') { ev.preventDefault(); finish(false); }
    });
    input.addEventListener('blur', () => finish(true));
  }

  #beginMkdir() {
    if (!this.#client || this.#grid.editing) return;
    const existing = new Set(this.#entries.map((entry) => entry.name));
    let name = 'New folder';
    for (let n = 2; existing.has(name); n++) name = `New folder ${n}`;
    const input = h('input', { type: 'text', value: name, 'aria-label': 'Name of the new folder', spellcheck: false });
    const row = h('tr', { role: 'row', 'aria-rowindex': '2', 'aria-selected': 'true', 'data-kind': 'dir', class: 'new' },
      h('td', { role: 'gridcell', class: 'name' }, h('span', { class: 'cell' }, icon('folder'), input)),
      h('td', { role: 'gridcell', class: 'size' }, '—'), h('td', { role: 'gridcell', class: 'modified' }), h('td', { role: 'gridcell', class: 'perms' }));
    this.#grid.prepend(row);
    this.#grid.emptyHidden = true;
    this.#grid.editing = { input, row };
    row.scrollIntoView?.({ block: 'nearest' });
    input.focus();
    input.select();
    const finish = async (commit) => {
      if (this.#grid.editing?.input !== input) return;
      this.#grid.editing = null;
      const value = input.value.trim();
      row.remove();
      this.#grid.emptyHidden = this.#grid.view.length > 0;
      if (!commit || !value) {
        this.#focusGrid();
        return;
      }
      try {
        await this.#client.mkdir(this.#pathOf({ name: value }));
        this.#announce(`Created the folder ${value}.`);
        await this.#refresh({ select: value });
      } catch (error) {
        // Whether that name is taken: the server's listing of now tells which cause it is.
        const present = await this.#client?.list(this.#here(), { all: true }).catch(() => null);
        const exists = present ? present.some((entry) => entry.name === value) : undefined;
        this.#showAlert(await this.#describe(error, { op: 'mkdir', name: value, exists }), 'mkdir');
      }
      this.#focusGrid();
    };
    input.addEventListener('keydown', (ev) => {
      ev.stopPropagation();
      if (ev.key === 'Enter') { ev.preventDefault(); finish(true); }
      else if (ev.key === 'Escape') { ev.preventDefault(); finish(false); }
    });
    input.addEventListener('blur', () => finish(true));
  }

  async #deleteSelected() {
    const entries = this.#grid.marked();
    if (!entries.length || !this.#client) return;
    const one = entries.length === 1 ? entries[0] : null;
    const folders = entries.filter((entry) => entry.kind === 'dir').length;
    const hidden = entries.some((entry) => hasHiddenCharacters(entry.name));
    let title;
    let text;
    if (one) {
      title = `Delete “${visibleName(one.name)}”?${hidden ? ' Its name has hidden characters, shown as ⟨U+…⟩.' : ''}`;
      text = folders
        ? 'The folder and everything in it will be deleted from the server. This cannot be undone.'
        : 'The file will be deleted from the server. This cannot be undone.';
    } else {
      title = `Delete ${entries.length} items?${hidden ? ' Some names have hidden characters, shown as ⟨U+…⟩.' : ''}`;
      const withFolders = folders ? `, ${folders === 1 ? 'the folder' : `the ${folders} folders`} with everything in ${folders === 1 ? 'it' : 'them'}` : '';
      text = `${listNames(entries.map((entry) => entry.name))} will be deleted from the server${withFolders}. This cannot be undone.`;
    }
    if (!(await this.#confirm(title, text, 'Delete'))) {
      this.#focusGrid();
      return;
    }
    const index = this.#grid.cursor;
    const { done, failed } = await this.#eachEntry(entries, (entry) => {
      const path = this.#pathOf(entry);
      return entry.kind === 'dir' ? this.#removeTree(path) : this.#browse((client) => client.delete(path));
    });
    if (done) this.#announce(one ? `Deleted ${one.name}.` : `Deleted ${done} of ${entries.length} items.`);
    await this.#refresh();
    this.#grid.select(Math.min(index, this.#grid.view.length - 1), { focus: true });
    if (failed) {
      const described = await this.#describe(failed.error, { op: 'delete', name: failed.entry.name, kind: failed.entry.kind });
      const title = one ? described.title : `${entries.length - done} of ${entries.length} items could not be deleted. ${described.title}`;
      this.#showAlert({ ...described, title }, 'delete');
    }
  }

  /** Removes a folder with everything in it (the same code as the CLI's rm -r). */
  async #removeTree(path) {
    await this.#browse((client) => client.removeTree(path));
  }

  /**
   * The one question before replacing: `clashes` (some of `items`, named by `nameOf`)
   * are there already. Returns the items to go on with (all of them for Replace,
   * without the clashes for Skip them), or null when nothing is left to do.
   * `title(one, count)` and `text(names, one)` word it for the case.
   */
  async #replaceAsked(items, clashes, nameOf, { title, text }) {
    if (!clashes.length) return items;
    const one = clashes.length === 1;
    const replace = await this.#confirm(
      title(one ? `“${visibleName(nameOf(clashes[0]))}”` : null, clashes.length),
      text(listNames(clashes.map(nameOf)), one),
      'Replace',
      clashes.length === items.length ? 'Cancel' : 'Skip them',
    );
    this.#focusGrid();
    if (replace) return items;
    const rest = items.filter((item) => !clashes.includes(item));
    return rest.length ? rest : null;
  }

  /** Runs `act` on each entry in turn; returns how many went through and the first failure. */
  async #eachEntry(entries, act) {
    let done = 0;
    let failed = null;
    for (const entry of entries) {
      try {
        await act(entry);
        done += 1;
      } catch (error) {
        failed ??= { error, entry };
      }
    }
    return { done, failed };
  }

  #confirm(title, text, okLabel, cancelLabel = 'Cancel') {
    return this.#question.confirm(title, text, okLabel, cancelLabel);
  }

  // ── Transfers ─────────────────────────────────────────────────────────────────

  /**
   * How many transfers run at once: the `parallel` attribute (1 to 8), else the
   * user's last choice in the form, else 2.
   */
  #parallel() {
    const n = Number(this.getAttribute('parallel') ?? this.#sites.view().parallel);
    const wanted = Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : 2;
    return this.#pool.limit(wanted);
  }

  #parallelChosen(n) {
    this.#sites.setView({ parallel: n });
    this.#pool.reset();
    this.#pump();
  }

  /** A new session for the transfer slot `slot`. */
  async #openTransferSession(slot) {
    const session = this.#session;
    const { FtpClient } = await loadFtpBridge();
    return FtpClient.connect(this.#clientOptions(session, (line) => this.#addLog(line, `transfer ${slot + 1}`)));
  }

  #strategy() {
    const wanted = this.getAttribute('download-strategy') || 'auto';
    const picker = typeof globalThis.showSaveFilePicker === 'function';
    if (wanted === 'blob') return 'blob';
    if (wanted === 'service-worker' || !picker) return this.#sinkWithoutPicker();
    return 'picker';
  }

  /** Whether downloads can go into a folder the user picks (folders and selections). */
  #canPickFolder() {
    return typeof globalThis.showDirectoryPicker === 'function' && this.#strategy() === 'picker';
  }

  /** The best sink that needs no picker: the service worker, else a Blob. */
  #sinkWithoutPicker() {
    const worker = Boolean(this.getAttribute('download-worker')) && 'serviceWorker' in navigator && globalThis.isSecureContext;
    return worker ? 'worker' : 'blob';
  }

  /**
   * Where a download goes. The save picker must be opened now, in the click or key
   * press; the service worker and Blob sinks are made when the transfer starts.
   */
  #pickTarget(entry) {
    const strategy = this.#strategy();
    const target = { strategy, handle: null, ready: Promise.resolve(true) };
    if (strategy === 'picker') {
      target.ready = globalThis.showSaveFilePicker({ suggestedName: entry.name }).then(
        (handle) => {
          target.handle = handle;
          return true;
        },
        (error) => {
          if (error?.name === 'AbortError') return false; // the person closed the picker
          // No user gesture, or not allowed in this frame: the next best sink.
          target.strategy = this.#sinkWithoutPicker();
          return true;
        },
      );
    }
    return target;
  }

  /**
   * The Download button: one file as before; several, or folders, into a folder the
   * user picks (where the browser can), else each file as its own download.
   */
  #downloadSelected() {
    const entries = this.#grid.marked();
    if (entries.length === 1 && entries[0].kind !== 'dir') return this.#openSelected(true);
    if (!entries.length || !this.#client) return;
    if (this.#canPickFolder()) {
      // Opened now, in the click or key press that asked for it.
      const picked = globalThis.showDirectoryPicker({ id: 'ftpbridge-downloads', mode: 'readwrite' }).then(
        (root) => root,
        (error) => (error?.name === 'AbortError' ? false : null),
      );
      return picked.then((root) => {
        if (root) return this.#downloadInto(root, entries);
        if (root === null) return this.#downloadZip(entries);
        this.#focusGrid();
      });
    }
    return this.#downloadZip(entries);
  }

  /**
   * The files and folders of `entries` (folders with everything in them, walked by the
   * driver as the CLI's get -r walks them; links are not followed), each file with its
   * exact path and its path below this folder (`rel`, names joined by `/`). Folders
   * the server would not list are said first: `null` when the user stops there.
   */
  async #gather(entries) {
    this.#busy(true);
    let walked;
    try {
      walked = await this.#walkEntries(entries);
    } finally {
      this.#busy(false);
    }
    return (await this.#unlistedAsked(walked.unlisted)) ? walked : null;
  }

  async #walkEntries(entries) {
    const files = [];
    const folders = [];
    const unlisted = [];
    for (const entry of entries) {
      const path = this.#pathOf(entry);
      if (entry.kind !== 'dir') {
        files.push({ rel: entry.name, path, entry });
        continue;
      }
      let walk;
      try {
        walk = await this.#browse((client) => client.walk(path));
      } catch {
        unlisted.push(shownPath(path));
        continue;
      }
      folders.push(entry.name);
      for (const found of walk.found) {
        const rel = [entry.name, ...found.rel].join('/');
        const ref = found.pathBytes ? withText(found.pathBytes, found.path) : found.path;
        if (found.entry.kind === 'dir') folders.push(rel);
        else files.push({ rel, path: ref, entry: found.entry });
      }
      for (const folder of walk.unlisted) unlisted.push(folder.path);
    }
    return { files, folders, unlisted };
  }

  /** What the walk could not list: going on means those folders are not downloaded. */
  async #unlistedAsked(unlisted) {
    if (!unlisted.length) return true;
    const go = await this.#confirm(
      `Download without ${unlisted.length === 1 ? `“${visibleName(unlisted[0])}”` : `${unlisted.length} folders`}?`,
      `The server did not list ${unlisted.slice(0, 3).map(visibleName).join(', ')}${unlisted.length > 3 ? ' and more' : ''}, so what is in ${unlisted.length === 1 ? 'it' : 'them'} cannot be downloaded.`,
      'Download the rest',
    );
    this.#focusGrid();
    return go;
  }

  /**
   * A selection or folders as one zip, where no folder can be picked: built in the page
   * as it streams (client-zip; ZIP64 past 4 GiB), through the service worker where there
   * is one (constant memory), else a Blob. It is one transfer of its own; a zip cannot
   * resume, so a cancelled one starts again.
   */
  async #downloadZip(entries) {
    const gathered = await this.#gather(entries);
    if (!gathered) return;
    const { files, folders } = gathered;
    if (!files.length && !folders.length) return;
    const single = entries.length === 1 ? entries[0].name : null;
    const base = single && entries[0].kind === 'dir' ? single : (this.#cwd === '/' ? this.#session?.host : baseName(this.#cwd)) || 'download';
    const name = `${zipNames([[base]])[0]}.zip`;
    const sizes = files.map((file) => file.entry.size);
    const total = sizes.every((size) => size != null) ? sizes.reduce((a, b) => a + b, 0) : null;
    const strategy = this.#sinkWithoutPicker();
    this.#addTransfer({ direction: 'download', zip: { files, folders }, name, path: this.#cwd, total, strategy, handle: null, chunks: [] });
    this.#announce(`Downloading ${files.length} file${files.length === 1 ? '' : 's'} as ${name}.`);
  }

  /**
   * Downloads `entries` (files, and folders with everything in them) into the local
   * folder `root`, asking once before replacing files that are there already.
   */
  async #downloadInto(root, entries) {
    const gathered = await this.#gather(entries);
    if (!gathered) return;
    const { files, folders } = gathered;
    // What the chosen folder holds already: never replaced without a yes.
    const clashes = [];
    for (const file of files) {
      if (await localFile(root, file.rel, false).then(() => true, () => false)) clashes.push(file);
    }
    const chosen = await this.#replaceAsked(files, clashes, (file) => file.rel, {
      title: (one, count) => `Replace ${one ?? `${count} files`} on this computer?`,
      text: (names, one) => `${names} already ${one ? 'exists' : 'exist'} in the folder you chose (${root.name}). Replacing overwrites ${one ? 'it' : 'them'}.`,
    });
    if (!chosen) return;
    for (const folder of folders) {
      try {
        await localFolder(root, folder.split('/'), true);
      } catch {
        // A name this computer cannot hold: its files fail with their own message.
      }
    }
    for (const { rel, path, entry } of chosen) {
      const ref = typeof path === 'string' ? null : path;
      this.#addTransfer({ direction: 'download', name: entry.name, path: shownPath(path), ref, total: entry.size ?? null, strategy: 'folder', root, rel, handle: null, chunks: [] });
    }
    this.#announce(`Downloading ${chosen.length} file${chosen.length === 1 ? '' : 's'} into ${root.name}.`);
  }

  /** Downloads `entry` from `path` (text, or the server's bytes) into `target`. */
  async #startDownload(entry, path, options = {}, target = this.#pickTarget(entry)) {
    if (!(await target.ready)) return null;
    const t = this.#addTransfer({
      direction: 'download',
      name: entry.name,
      path: shownPath(path),
      ref: typeof path === 'string' ? null : path,
      total: entry.size ?? null,
      strategy: target.strategy,
      handle: target.handle,
      chunks: [],
    });
    if (options.onDone) t.onDone = options.onDone;
    return t.id;
  }

  #filesChosen(input) {
    const files = [...input.files];
    input.value = '';
    if (!files.length) return;
    const list = files.map((file) => ({ rel: file.webkitRelativePath || file.name, file }));
    this.#uploadAsked(list, this.#cwd);
  }

  /**
   * Queues uploads, asking first about files that would replace others: every file of
   * the upload, at every depth of a folder, is checked against the server's listing of
   * its target folder (listed now, not the grid's copy), and one question covers them all.
   */
  async #uploadAsked(items, dir, dirs = []) {
    let found;
    this.#busy(true);
    try {
      found = await this.#browse((client) => client.existing(dir, items.map((item) => item.rel), dirs));
    } catch (error) {
      this.#showAlert(await this.#describe(error, { op: 'list', name: baseName(shownPath(dir)) }), 'upload');
      return;
    } finally {
      this.#busy(false);
    }
    const { unlisted } = found;
    if (unlisted.length) {
      // A drop box that takes uploads but shows nothing: what is there is unknown.
      const go = await this.#confirm(
        `Upload without seeing ${unlisted.length === 1 ? `“${visibleName(unlisted[0])}”` : `${unlisted.length} folders`}?`,
        `The server did not list ${unlisted.slice(0, 3).map(visibleName).join(', ')}${unlisted.length > 3 ? ' and more' : ''}, so ftpbridge cannot tell whether files there have the same names. If they do, the server may replace them.`,
        'Upload',
      );
      this.#focusGrid();
      if (!go) return;
    }
    const there = new Map(items.map((item, i) => [item, found.files[i]]).filter(([, entry]) => entry != null));
    const going = await this.#clashesAsked(items, there, dir);
    if (!going) return;
    const present = new Set(found.folders);
    if (going.length || dirs.length) this.#queueUploads(going, dir, dirs, present);
  }

  /**
   * The one question of an upload that meets files of the same names (`there`: item →
   * the server's entry): Replace them, Resume them (offered when the server holds less
   * of each than this computer, as a stopped upload leaves it), Keep both (each goes up
   * under a free name, `name (2).ext`), or Skip them. Returns the items to upload, or
   * null for nothing.
   */
  async #clashesAsked(items, there, dir) {
    if (!there.size) return items;
    const clashes = [...there.keys()];
    const one = clashes.length === 1;
    const shown = shownPath(dir);
    const where = clashes.some(({ rel }) => rel.includes('/')) ? `${shown} and its folders` : shown;
    const folders = clashes.filter((item) => there.get(item).kind === 'dir');
    if (folders.length) {
      this.#showAlert({ title: `${listNames(folders.map((item) => item.rel))} ${folders.length === 1 ? 'is a folder' : 'are folders'} on the server: a file cannot replace ${folders.length === 1 ? 'it' : 'them'}.`, hint: 'Rename the file, or the folder, and upload again.', detail: '', code: 'is_folder', replyCode: null, retry: false }, 'upload');
      return null;
    }
    const partial = clashes.every((item) => (there.get(item).size ?? Infinity) < item.file.size);
    const rest = items.filter((item) => !there.has(item));
    const choices = [];
    if (rest.length) choices.push({ label: 'Skip them', value: 'skip' });
    choices.push({ label: 'Keep both', value: 'rename' });
    if (partial) choices.push({ label: 'Resume', value: 'resume' });
    choices.push({ label: 'Replace', value: 'replace', kind: 'danger' });
    const answer = await this.#question.choose(
      `Replace ${one ? `“${visibleName(clashes[0].rel)}”` : `${clashes.length} files`}?`,
      `${listNames(clashes.map((item) => item.rel))} already ${one ? 'exists' : 'exist'} in ${visibleName(where)}. Replacing overwrites ${one ? 'it' : 'them'} on the server; Keep both uploads ${one ? 'it' : 'them'} under a new name${partial ? `; Resume goes on from what the server holds (${one ? 'it is smaller there' : 'each is smaller there'}, as a stopped upload leaves it)` : ''}.`,
      choices,
    );
    this.#focusGrid();
    if (answer === null) return null;
    if (answer === 'skip') return rest.length ? rest : null;
    if (answer === 'replace') return items;
    if (answer === 'resume') return items.map((item) => (there.has(item) ? { ...item, resume: true } : item));
    // Keep both: a name free in each file's folder, checked against the server.
    const renamed = new Map();
    for (let n = 2; renamed.size < clashes.length && n < 100; n++) {
      const left = clashes.filter((item) => !renamed.has(item));
      const tries = left.map((item) => numbered(item.rel, n));
      let found;
      try {
        found = await this.#browse((client) => client.existing(dir, tries));
      } catch (error) {
        this.#showAlert(await this.#describe(error, { op: 'list' }), 'upload');
        return null;
      }
      left.forEach((item, i) => {
        if (found.files[i] == null) renamed.set(item, tries[i]);
      });
    }
    return items.map((item) => (renamed.has(item) ? { ...item, rel: renamed.get(item) } : item));
  }

  /**
   * Queues `items` (`{ rel, file }`, `rel` a relative path) for upload below `dir`
   * (text, or the server's bytes); the folders they need are made first, but for
   * those `present` says are there already.
   */
  #queueUploads(items, dir, dirs = [], present = new Set()) {
    const folders = new Set(dirs);
    for (const { rel } of items) {
      const parts = rel.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    }
    const sorted = [...folders].filter((rel) => rel && !present.has(rel)).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    const shown = shownPath(dir);
    const ref = typeof dir === 'string' ? null : dir;
    const folderStep = sorted.length
      ? this.#addTransfer({ direction: 'mkdir', name: `${sorted.length} folder${sorted.length === 1 ? '' : 's'}`, path: shown, ref, folders: sorted, hiddenRow: true })
      : null;
    const ids = [];
    for (const { rel, file, resume } of items) {
      // Files go up once their folders are made.
      const fileRef = ref ? this.#pathOf({ name: rel }, ref) : null;
      const t = this.#addTransfer({ direction: 'upload', name: rel.split('/').pop(), path: joinPath(shown, rel), ref: fileRef, total: file.size, file, rel, after: folderStep, resumeOnServer: Boolean(resume) });
      ids.push(t.id);
    }
    return ids;
  }

  #addTransfer(fields) {
    const t = this.#queue.add({ controller: null, el: null, ...fields });
    if (!t.hiddenRow) {
      t.el = this.#transferRow(t);
      this.#el.transferList.append(t.el);
      this.#el.noTransfers.hidden = true;
      this.#showDock('transfers', false);
      t.el.scrollIntoView?.({ block: 'nearest' });
      this.#updateCount();
    }
    this.#emitTransfer(t);
    this.#pump();
    return t;
  }

  /**
   * Starts queued transfers while a slot is free. A transfer waits for the one it
   * comes `after` (an upload for the folders made for it).
   */
  #pump() {
    if (!this.#session) return;
    for (;;) {
      const next = this.#queue.take(this.#parallel(), performance.now());
      if (!next) return;
      const { t, slot } = next;
      this.#run(t, slot).finally(() => {
        this.#queue.release(slot);
        this.#pump();
      });
    }
  }

  async #run(t, slot = 0) {
    t.controller = new AbortController();
    this.#paint(t);
    this.#emitTransfer(t);
    if (t.direction !== 'mkdir') this.#announce(`${t.direction === 'download' ? 'Downloading' : 'Uploading'} ${t.name}…`);
    let client = null;
    for (let attempt = 0; ; attempt++) {
      try {
        client = await this.#pool.get(slot);
        if (t.direction === 'download') await this.#runDownload(t, client, slot);
        else if (t.direction === 'upload') await this.#runUpload(t, client);
        else await this.#runMkdirs(t, client);
        t.state = 'done';
        break;
      } catch (error) {
        if (t.controller.signal.aborted || error?.code === 'aborted') {
          t.state = 'cancelled';
          break;
        }
        // A second session the server refuses as one too many: run with fewer.
        if (slot > 0 && client === null && error?.detail === 'server_busy') {
          const limit = this.#pool.refused(slot);
          this.#addLog({ direction: 'note', text: `the server refused session ${slot + 1} as one too many: running ${limit} transfer${limit === 1 ? '' : 's'} at a time` }, 'transfer');
          t.controller = null;
          t.state = 'queued';
          this.#paint(t);
          return;
        }
        // A session lost while idle: open a new one and try once more.
        if (attempt === 0 && (error?.code === 'closed' || (error?.code === 'connection' && t.bytes === 0))) {
          this.#pool.drop(slot, client);
          client = null;
          continue;
        }
        t.state = 'failed';
        t.error = await this.#describe(error, { op: t.direction === 'mkdir' ? 'mkdir' : t.direction, name: t.name });
        if (error?.code === 'closed' || error?.code === 'connection' || error?.code === 'timeout') this.#pool.drop(slot, client);
        break;
      }
    }
    t.controller = null;
    this.#paint(t);
    this.#emitTransfer(t);
    if (t.direction === 'mkdir') {
      if (t.state === 'failed') this.#showAlert(t.error, 'mkdir');
      if (t.path === this.#cwd) this.#refresh();
      return;
    }
    const size = t.total != null ? ` (${formatSize(t.total)})` : '';
    const here = t.direction === 'upload' && parentPath(t.path) === this.#cwd;
    if (t.state === 'done') {
      this.#announce(`${t.direction === 'download' ? 'Downloaded' : 'Uploaded'} ${t.name}${size}.`);
      if (here) this.#refresh();
      t.onDone?.(t);
      return;
    }
    // A stopped upload may have left part of the file: show it, marked as partial.
    if (here && t.bytes > 0) this.#refresh();
    if (t.state === 'cancelled') {
      this.#announce(`Cancelled ${t.name}.`);
    } else {
      this.#announce(`${t.direction === 'download' ? 'Download' : 'Upload'} of ${t.name} failed: ${t.error.title}`);
      this.#emit('ftp-error', { op: t.direction, path: t.path, ...t.error });
    }
  }

  async #runDownload(t, client, slot) {
    if (t.zip) return this.#runZip(t, client);
    if (this.#inRanges(t)) return this.#runRanges(t, client, slot);
    const signal = t.controller.signal;
    const offset = t.bytes;
    const stream = client.download(t.ref ?? t.path, {
      offset,
      signal,
      onProgress: (_done, total) => {
        if (total != null) t.total = total;
      },
    });
    const reader = stream.getReader();
    let sink = null;
    try {
      // The first bytes (or the end) before any sink: a missing file fails here, before
      // the browser shows a download.
      let next = await reader.read();
      if (signal.aborted) throw abortError();
      sink = await this.#openSink(t, offset);
      while (!next.done) {
        const length = next.value.byteLength; // before the sink may transfer the buffer away
        await sink.write(next.value);
        t.bytes += length;
        this.#progress(t);
        if (signal.aborted) throw abortError();
        next = await reader.read();
        if (signal.aborted) throw abortError();
      }
      await sink.close();
    } catch (error) {
      reader.cancel().catch(() => {});
      if (sink) await sink.pause(error).catch(() => {});
      if (!sink?.resumable) {
        t.bytes = 0;
        t.chunks = [];
      }
      throw error;
    }
  }

  /**
   * Whether `t` downloads in ranges over several sessions: a file of at least
   * `SPLIT_AT` bytes of known size, saved where bytes can be written at any position
   * (the save picker, a picked folder), with more than one transfer allowed and a
   * slot free now. A download that started in ranges goes on in ranges.
   */
  #inRanges(t) {
    if (t.ranges) return true;
    if (t.whole || t.bytes > 0 || t.total == null || t.total < SPLIT_AT) return false;
    if (t.strategy !== 'picker' && t.strategy !== 'folder') return false;
    return this.#queue.freeSlots(this.#parallel()).length > 0;
  }

  /**
   * The download in ranges (see `segments.js`): the file's ranges fetched at once on
   * this slot's session and the slots free when it starts, each written at its place.
   * A server that cannot do ranges (REST ignored or refused) gets the file again in
   * one piece; after a reload, a download that was in ranges starts again from byte 0
   * (the file's size does not say which ranges arrived).
   */
  async #runRanges(t, client, slot) {
    const signal = t.controller.signal;
    const extra = this.#queue.freeSlots(this.#parallel());
    t.ranges ??= FtpClient.planRanges(t.total, 1 + extra.length);
    if (t.ranges.length === 1) {
      t.ranges = null;
      t.whole = true;
      return this.#runDownload(t, client, slot);
    }
    const slots = [slot, ...extra.slice(0, t.ranges.length - 1)];
    this.#queue.claim(slots.slice(1));
    t.sessions = slots.length;
    const path = t.ref ?? t.path;
    const workers = slots.map((s) => async (want, stop) => {
      const session = s === slot ? client : await this.#pool.get(s).catch((error) => {
        if (error?.detail === 'server_busy') {
          const limit = this.#pool.refused(s);
          this.#addLog({ direction: 'note', text: `the server refused session ${s + 1} as one too many: running ${limit} transfer${limit === 1 ? '' : 's'} at a time` }, 'transfer');
        }
        throw error;
      });
      return session.download(path, { ...want, signal: stop });
    });
    let writer = null;
    try {
      if (t.strategy === 'folder' && !t.handle) t.handle = await localFile(t.root, t.rel, true);
      writer = await t.handle.createWritable({ keepExistingData: gotOf(t.ranges) > 0 });
      await runSegments({
        ranges: t.ranges,
        workers,
        signal,
        write: (position, data) => writer.write({ type: 'write', position, data }),
        onProgress: (got) => {
          t.bytes = got;
          this.#progress(t);
        },
      });
      // The file ends where its last range ended (the engine checked that one against
      // the server's size).
      const last = t.ranges[t.ranges.length - 1];
      await writer.truncate(last.offset + last.got);
      await writer.close();
      t.bytes = gotOf(t.ranges);
      t.total = t.bytes;
    } catch (error) {
      // What arrived is kept (the writer commits it), so that a resume goes on per range.
      await writer?.close().catch(() => {});
      if (signal.aborted || error?.code === 'aborted') throw error;
      if (!needsWhole(error)) throw error;
      this.#addLog({ direction: 'note', text: `the server cannot send ranges (${error.message}): downloading ${t.name} in one piece` }, 'transfer');
      t.ranges = null;
      t.whole = true;
      t.bytes = 0;
      t.sessions = 1;
      return this.#runDownload(t, client, slot);
    } finally {
      for (const s of slots.slice(1)) this.#queue.release(s);
    }
  }

  /**
   * A zip of `t.zip.files` (and its folders, empty ones too) streamed into the sink
   * as each file downloads in turn: a file that does not arrive whole fails the zip.
   */
  async #runZip(t, client) {
    const signal = t.controller.signal;
    t.bytes = 0;
    const { makeZip } = await loadZip();
    const { files, folders } = t.zip;
    const names = zipNames([...folders, ...files.map((file) => file.rel)].map((rel) => rel.split('/')));
    let moved = 0;
    async function* entries() {
      for (let i = 0; i < folders.length; i++) yield { name: `${names[i]}/` };
      for (const [i, file] of files.entries()) {
        if (signal.aborted) throw abortError();
        const modified = file.entry.modified ? new Date(file.entry.modified) : undefined;
        const stream = client.download(file.ref ?? file.path, {
          signal,
          onProgress: (done) => {
            t.bytes = moved + done;
          },
        });
        yield { name: names[folders.length + i], lastModified: modified && !Number.isNaN(modified.getTime()) ? modified : undefined, input: stream };
        moved += file.entry.size ?? 0;
      }
    }
    const reader = makeZip(entries()).getReader();
    // The zip's length is not known before it is made: the sink is told none.
    const sink = await this.#openSink({ ...t, total: null, chunks: [] }, 0);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (signal.aborted) throw abortError();
        if (done) break;
        await sink.write(value);
        this.#progress(t);
      }
      await sink.close();
    } catch (error) {
      reader.cancel().catch(() => {});
      await sink.pause(error).catch(() => {});
      t.bytes = 0;
      throw error;
    }
  }

  async #openSink(t, offset) {
    if (t.strategy === 'folder' && !t.handle) t.handle = await localFile(t.root, t.rel, true);
    if ((t.strategy === 'picker' || t.strategy === 'folder') && t.handle) {
      const writable = await t.handle.createWritable({ keepExistingData: offset > 0 });
      if (offset > 0) {
        await writable.truncate(offset);
        await writable.seek(offset);
      }
      return {
        resumable: true,
        write: (chunk) => writable.write(chunk),
        close: () => writable.close(),
        // Keep what arrived, so that the transfer can resume from there.
        pause: () => writable.close(),
      };
    }
    if (t.strategy === 'worker') {
      try {
        return await openWorkerSink(this.getAttribute('download-worker'), t.name, t.total, this.#shadow);
      } catch (error) {
        this.#addLog({ direction: 'note', text: `download worker unavailable (${error?.message ?? error}); saving through memory instead` }, 'transfer');
        t.strategy = 'blob';
      }
    }
    // Blob: the bytes stay in memory until the end; a resumed download keeps them.
    const total = () => t.chunks.reduce((n, c) => n + c.byteLength, 0);
    if (total() !== offset) t.chunks = [];
    return {
      resumable: true,
      write: async (chunk) => { t.chunks.push(chunk); },
      close: async () => {
        const blob = new Blob(t.chunks, { type: 'application/octet-stream' });
        t.chunks = [];
        saveBlob(blob, t.name, this.#shadow);
      },
      pause: async () => {},
    };
  }

  async #runUpload(t, client) {
    const resume = t.bytes > 0 || Boolean(t.resumeOnServer);
    await client.upload(t.ref ?? t.path, t.file, {
      resume,
      signal: t.controller.signal,
      onProgress: (sent, total) => {
        t.bytes = sent;
        if (total != null) t.total = total;
        this.#progress(t);
      },
    });
    t.bytes = t.file.size;
  }

  async #runMkdirs(t, client) {
    // Only the deepest folders: makeDirs makes what is missing above them (the same
    // code as the CLI's mkdir -p), and a folder that is there already is fine.
    const leaves = t.folders.filter((rel) => !t.folders.some((other) => other.startsWith(`${rel}/`)));
    for (const rel of leaves) await client.makeDirs(t.ref ? client.joinPath(t.ref, rel) : joinPath(t.path, rel));
  }

  #cancel(t) {
    if (this.#queue.cancel(t)) {
      this.#paint(t);
      this.#emitTransfer(t);
      return;
    }
    t.controller?.abort();
  }

  #resume(t) {
    if (!this.#queue.resume(t)) return;
    this.#paint(t);
    this.#pump();
  }

  #remove(t) {
    if (!this.#queue.remove(t)) return;
    forget(t.uid);
    t.el?.remove();
    t.url && URL.revokeObjectURL(t.url);
    this.#updateCount();
    this.#el.noTransfers.hidden = this.#queue.items.some((x) => x.el);
  }

  #progress(t) {
    this.#queue.progress(t, t.bytes, performance.now());
    if (!t.frame) {
      t.frame = requestAnimationFrame(() => {
        t.frame = 0;
        this.#paint(t);
      });
    }
  }

  #transferRow(t) {
    const isDown = t.direction === 'download';
    const el = h('li', { 'data-id': String(t.id), 'data-direction': t.direction, 'data-state': t.state, 'aria-label': `${isDown ? 'Download' : 'Upload'} ${t.name}` });
    el._name = h('div', { class: 't-name', title: t.path }, t.name, h('small', {}, isDown ? `from ${parentPath(t.path)}` : `to ${parentPath(t.path)}`));
    el._progress = h('progress', { max: 1, value: 0, 'aria-label': `Progress of ${t.name}` });
    el._state = h('span', { class: 't-state' });
    el._text = h('span', { class: 't-text' });
    el._actions = h('div', { class: 't-actions' });
    el._error = h('div', { class: 't-error', hidden: true });
    el.append(h('span', { class: 't-icon', html: ICONS[isDown ? 'download' : 'upload'] }), el._name, el._actions, h('div', { class: 't-line' }, el._progress, el._state, el._text), el._error);
    this.#paintRow(t, el);
    return el;
  }

  #paint(t) {
    if (t.el) this.#paintRow(t, t.el);
    this.#updateCount();
  }

  #paintRow(t, el) {
    el.dataset.state = t.state;
    el.dataset.bytes = String(t.bytes);
    const total = t.total ?? (t.file ? t.file.size : null);
    if (total) {
      el._progress.max = total;
      el._progress.value = Math.min(t.bytes, total);
    } else if (t.state === 'done') {
      el._progress.max = 1;
      el._progress.value = 1;
    } else {
      el._progress.removeAttribute('value');
    }
    const states = { queued: 'Waiting', running: '', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
    el._state.textContent = states[t.state];
    let text = '';
    if (t.state === 'running') {
      text = total ? `${formatSize(t.bytes)} of ${formatSize(total)}` : formatSize(t.bytes);
      if (t.sessions > 1) text += ` · ${t.sessions} sessions`;
      if (t.speed > 0) {
        text += ` · ${formatSpeed(t.speed)}`;
        if (total) text += ` · ${formatDuration((total - t.bytes) / t.speed)} left`;
      }
    } else if (t.state === 'done') {
      const seconds = t.started ? (performance.now() - t.started) / 1000 : 0;
      text = `${formatSize(total ?? t.bytes)}${seconds > 0.5 && total ? ` · ${formatSpeed(total / seconds)} average` : ''}`;
    } else if (t.state === 'cancelled' || t.state === 'failed') {
      text = t.bytes && total ? `${formatSize(t.bytes)} of ${formatSize(total)}` : '';
    } else if (total) {
      text = formatSize(total);
    }
    el._text.textContent = text;
    el._error.hidden = !t.error;
    el._error.textContent = t.error ? [t.error.title, t.error.hint].filter(Boolean).join(' ') : '';
    el._error.title = t.error?.detail ?? '';
    const button = (name, label, onclick) =>
      h('button', { class: 'btn small icon', type: 'button', title: label, 'aria-label': `${label} ${t.name}`, 'data-action': name, onclick, html: ICONS[name === 'cancel' ? 'close' : name === 'resume' ? 'play' : name === 'retry' ? 'retry' : 'close'] });
    const actions = [];
    if (t.state === 'running' || t.state === 'queued') actions.push(button('cancel', 'Cancel', () => this.#cancel(t)));
    if (t.state === 'cancelled' || t.state === 'failed') {
      const resumable = t.bytes > 0 && (t.direction === 'upload' || t.strategy !== 'worker');
      actions.push(resumable ? button('resume', 'Resume', () => this.#resume(t)) : button('retry', 'Retry', () => this.#resume(t)));
    }
    if (t.state !== 'running' && t.state !== 'queued') actions.push(button('remove', 'Remove from the list', () => this.#remove(t)));
    // Keep the focused button focused across repaints when it stays.
    const focused = this.#shadow.activeElement;
    const keep = focused && el._actions.contains(focused) ? focused.dataset.action : null;
    const same = [...el._actions.children].map((b) => b.dataset.action).join() === actions.map((b) => b.dataset.action).join();
    if (!same) {
      el._actions.replaceChildren(...actions);
      if (keep) {
        const again = [...el._actions.children].find((b) => b.dataset.action === keep) ?? el._actions.firstElementChild;
        again?.focus();
      } else if (focused && !focused.isConnected) {
        el._actions.firstElementChild?.focus();
      }
    }
  }

  #updateCount() {
    const active = this.#queue.items.filter((t) => t.el && (t.state === 'running' || t.state === 'queued')).length;
    this.#el.transfersTab.querySelector('.count').textContent = active ? String(active) : '';
    // Heard as "Transfers, 2 active", not "Transfers2".
    if (active) this.#el.transfersTab.setAttribute('aria-label', `Transfers, ${active} active`);
    else this.#el.transfersTab.removeAttribute('aria-label');
  }

  #emitTransfer(t) {
    if (t.direction === 'mkdir') return;
    this.#persist(t);
    this.#emit('ftp-transfer', TransferQueue.info(t));
  }

  /**
   * Keeps a transfer that has not finished in IndexedDB, so that a reload or a closed
   * tab does not lose it: uploads (their File) and downloads saved through the picker
   * or into a picked folder (their handles). Done or cancelled ones are forgotten.
   */
  #persist(t) {
    if (!this.#session) return;
    if (t.state === 'done' || t.state === 'cancelled') {
      forget(t.uid);
      return;
    }
    const upload = t.direction === 'upload' && t.file;
    const saved = t.direction === 'download' && ((t.strategy === 'picker' && t.handle) || (t.strategy === 'folder' && t.root));
    if (!upload && !saved) return;
    keep({
      uid: t.uid,
      session: sessionKey(this.#session),
      added: t.added,
      direction: t.direction,
      name: t.name,
      path: t.path,
      // The exact path, where the text does not give the server's bytes back.
      ref: t.ref ?? null,
      total: t.total,
      bytes: t.bytes,
      state: t.state,
      strategy: upload ? null : t.strategy,
      // A download in ranges has holes until it is whole: it starts again after a reload.
      ranged: Boolean(t.ranges),
      handle: t.strategy === 'picker' ? t.handle : null,
      root: t.root ?? null,
      rel: t.rel ?? null,
      file: upload ? t.file : null,
    });
  }

  /** After connecting: transfers of this session that an earlier visit left unfinished. */
  async #offerPending() {
    const session = this.#session;
    const records = (await pending(sessionKey(session))).filter((r) => !this.#queue.items.some((t) => t.uid === r.uid));
    if (!records.length || this.#session !== session) return;
    const n = records.length;
    const names = records.slice(0, 3).map((r) => `“${visibleName(r.name)}”`).join(', ') + (n > 3 ? ` and ${n - 3} more` : '');
    const resume = h('button', { class: 'btn small primary', type: 'button', onclick: () => this.#resumePending(records) }, n === 1 ? 'Resume it' : 'Resume them');
    const discard = h('button', {
      class: 'btn small outline',
      type: 'button',
      onclick: () => {
        for (const r of records) forget(r.uid);
        this.#hideAlert();
        this.#focusGrid();
      },
    }, 'Discard');
    this.#renderAlert(this.#el.alert, {
      title: `${n === 1 ? 'A transfer' : `${n} transfers`} from your last visit did not finish: ${names}.`,
      hint: 'Resuming goes on from where each one stopped.',
      detail: '',
      code: 'pending',
    }, [resume, discard]);
  }

  /** Queues the kept transfers again, each from where it stopped (the click grants file access). */
  async #resumePending(records) {
    this.#hideAlert();
    let resumed = 0;
    for (const r of records) {
      const fields = { uid: r.uid, added: r.added, direction: r.direction, name: r.name, path: r.path, ref: r.ref ?? null, total: r.total ?? null, chunks: [] };
      if (r.direction === 'upload') {
        if (!(r.file instanceof Blob)) {
          forget(r.uid);
          continue;
        }
        // The server says how much it holds; the upload goes on from there.
        Object.assign(fields, { file: r.file, rel: r.rel, bytes: 0, resumeOnServer: true });
      } else {
        const handle = r.strategy === 'picker' ? r.handle : r.root;
        try {
          const state = (await handle?.queryPermission?.({ mode: 'readwrite' })) ?? 'granted';
          if (state !== 'granted' && (await handle.requestPermission({ mode: 'readwrite' })) !== 'granted') continue;
        } catch {
          continue;
        }
        // The file on this computer says how far the download got (not for one that
        // was in ranges: its size says nothing of the holes).
        let size = 0;
        try {
          const file = r.strategy === 'picker' ? r.handle : await localFile(r.root, r.rel, false);
          if (!r.ranged) size = (await file.getFile()).size;
        } catch {
          size = 0;
        }
        Object.assign(fields, { strategy: r.strategy, handle: r.strategy === 'picker' ? r.handle : null, root: r.root, rel: r.rel, bytes: size });
      }
      this.#addTransfer(fields);
      resumed += 1;
    }
    this.#announce(`Resuming ${resumed} transfer${resumed === 1 ? '' : 's'}.`);
  }

  // ── Drag and drop ────────────────────────────────────────────────────────────

  #hasFiles(ev) {
    return [...(ev.dataTransfer?.types ?? [])].includes('Files');
  }

  #dragEnter(ev) {
    if (!this.#hasFiles(ev) || !this.#client) return;
    ev.preventDefault();
    this.#dragDepth += 1;
    this.#el.dropOverlay.hidden = false;
    this.#dropTarget(ev);
  }

  #dragOver(ev) {
    if (!this.#hasFiles(ev) || !this.#client) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
    this.#dropTarget(ev);
  }

  /** The overlay names the folder a drop here would upload into: the row's, if a folder. */
  #dropTarget(ev) {
    const row = this.#grid.rowOf(ev);
    const entry = row ? this.#grid.view[Number(row.dataset.index)] : null;
    const dir = entry?.kind === 'dir' ? this.#pathOf(entry) : this.#here();
    const label = this.#el.dropOverlay.querySelector('.drop-label');
    const text = `Drop to upload to ${visibleName(shownPath(dir))}`;
    if (label.textContent !== text) label.textContent = text;
  }

  #dragLeave() {
    this.#dragDepth = Math.max(0, this.#dragDepth - 1);
    if (!this.#dragDepth) this.#el.dropOverlay.hidden = true;
  }

  #drop(ev) {
    if (!this.#client) return;
    ev.preventDefault();
    this.#dragDepth = 0;
    this.#el.dropOverlay.hidden = true;
    const row = this.#grid.rowOf(ev);
    const entry = row ? this.#grid.view[Number(row.dataset.index)] : null;
    const dir = entry?.kind === 'dir' ? this.#pathOf(entry) : this.#here();
    // Entries must be taken now: the DataTransfer empties after the event.
    const items = [...(ev.dataTransfer?.items ?? [])].filter((item) => item.kind === 'file');
    const taken = items.map((item) => ({ entry: item.webkitGetAsEntry?.() ?? null, file: item.getAsFile?.() ?? null }));
    if (!taken.length) {
      for (const file of ev.dataTransfer?.files ?? []) taken.push({ entry: null, file });
    }
    this.#collectDropped(taken)
      .then(({ files, dirs }) => {
        if (!files.length && !dirs.length) return;
        return this.#uploadAsked(files, dir, dirs);
      })
      .catch(async (error) => {
        this.#showAlert({ title: 'The dropped files could not be read.', hint: 'Try the “Upload files” button instead.', detail: String(error?.message ?? error), code: 'invalid_input' }, 'upload');
      });
  }

  async #collectDropped(taken) {
    const files = [];
    const dirs = [];
    const walk = async (entry, prefix) => {
      if (entry.isFile) {
        const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
        files.push({ rel: prefix + entry.name, file });
      } else if (entry.isDirectory) {
        const rel = prefix + entry.name;
        dirs.push(rel);
        const reader = entry.createReader();
        for (;;) {
          const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
          if (!batch.length) break;
          for (const child of batch) await walk(child, `${rel}/`);
        }
      }
    };
    for (const { entry, file } of taken) {
      if (entry) await walk(entry, '');
      else if (file) files.push({ rel: file.name, file });
    }
    return { files, dirs };
  }

  // ── Dock: transfers and the protocol log ─────────────────────────────────────

  #setDock(open) {
    this.#dockOpen = open;
    const e = this.#el;
    e.dock.dataset.open = String(open);
    e.dockToggle.setAttribute('aria-expanded', String(open));
    e.dockToggle.setAttribute('aria-label', open ? 'Hide the panel' : 'Show the panel');
    e.dockToggle.innerHTML = open ? ICONS.chevronDown : ICONS.chevronUp;
    e.logBtn.setAttribute('aria-pressed', String(open && this.#dockTab === 'log'));
    if (open && this.#dockTab === 'log') this.#log.render();
  }

  #showDock(tab, focus) {
    const e = this.#el;
    this.#dockTab = tab;
    const log = tab === 'log';
    e.transfersTab.setAttribute('aria-selected', String(!log));
    e.logTab.setAttribute('aria-selected', String(log));
    e.transfersTab.tabIndex = log ? -1 : 0;
    e.logTab.tabIndex = log ? 0 : -1;
    e.transfersPanel.hidden = log;
    e.logPanel.hidden = !log;
    e.copyLogBtn.hidden = !log;
    this.#setDock(true);
    if (focus) (log ? e.logTab : e.transfersTab).focus();
  }

  #toggleLog() {
    if (this.#dockOpen && this.#dockTab === 'log') this.#setDock(false);
    else this.#showDock('log', false);
  }

  #tabKeys(ev) {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    ev.preventDefault();
    this.#showDock(this.#dockTab === 'log' ? 'transfers' : 'log', true);
  }

  #clearDock() {
    if (this.#dockTab === 'log') {
      this.#log.clear();
    } else {
      for (const t of [...this.#queue.items]) if (t.state !== 'running' && t.state !== 'queued') this.#remove(t);
    }
  }

  #addLog(line, who) {
    this.#log.add(line, who);
  }

  async #copyLog() {
    const text = this.#log.text();
    try {
      await navigator.clipboard.writeText(text);
      this.#announce('Protocol log copied.');
    } catch {
      this.#announce('The browser did not allow copying.');
    }
  }

  // ── Helpers ──────────────────────────────────────────────────────────────────

  #where() {
    const s = this.#session ?? {};
    return { host: s.host, port: s.port, user: s.anonymous ? '' : s.user, path: this.#cwd, mode: s.mode, encoding: s.encoding };
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #announce(text) {
    // Re-set the text so that the same message is announced again.
    const live = this.#el.live;
    live.textContent = '';
    requestAnimationFrame(() => {
      live.textContent = text;
    });
  }
}

function abortError() {
  return Object.assign(new Error('cancelled'), { code: 'aborted' });
}

/** Whether the relay answers HTTP at all (a refused WebSocket vs. an unreachable relay). */
async function probe(relay) {
  const url = relay && relayHealthUrl(relay);
  if (!url) return undefined;
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store' });
    return true;
  } catch {
    return false;
  }
}

/** The permission bits of `rwxr-xr-x` (or `drwxr-x---`), or null when they are not in that form. */
function modeOf(permissions) {
  const text = String(permissions ?? '').replace(/^[dl-]/, '');
  if (!/^[r-][w-][xsStT-][r-][w-][xsStT-][r-][w-][xtT-]/.test(text)) return null;
  let mode = 0;
  for (let i = 0; i < 9; i++) if (!'-ST'.includes(text[i])) mode |= 1 << (8 - i);
  return mode;
}

/** `dir/name (n).ext` for the relative path `rel`: the name another copy gets. */
function numbered(rel, n) {
  const cut = rel.lastIndexOf('/');
  const dir = rel.slice(0, cut + 1);
  const name = rel.slice(cut + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${dir}${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${dir}${name} (${n})`;
}

/** Names for a sentence: “a”, “b”, “c” and 4 more. */
function listNames(names) {
  const shown = names.slice(0, 3).map((name) => `“${visibleName(name)}”`).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** Registers `<ftp-browser>` (or `name`) once. */
export function defineFtpBrowser(name = 'ftp-browser') {
  if (!globalThis.customElements) return undefined;
  if (!customElements.get(name)) {
    const taken = name !== 'ftp-browser' || customElements.getName?.(FtpBrowser);
    customElements.define(name, taken ? class extends FtpBrowser {} : FtpBrowser);
  }
  return customElements.get(name);
}
