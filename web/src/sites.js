// Servers the page remembers, without the DOM: the recent ones (the last eight) and
// the sites saved under a name, each with its settings and the folder it was left in,
// never a password; and the view's choices (sort, hidden files, transfers at once).
// Everything lives in the page's localStorage, or in the storage given (tests).

const RECENT_KEY = 'ftpbridge:recent-servers';
const SAVED_KEY = 'ftpbridge:saved-sites';
const VIEW_KEY = 'ftpbridge:view';
const RECENT_MAX = 8;
const MODES = ['auto', 'passive', 'active'];
const TLS = ['if-available', 'require', 'implicit', 'plain'];

/** The settings of a session worth keeping: never its password. */
export function siteOf(session, path = null) {
  const site = {
    host: String(session.host ?? ''),
    port: Number(session.port) || 21,
    user: session.anonymous ? '' : String(session.user ?? ''),
    anonymous: Boolean(session.anonymous),
    mode: MODES.includes(session.mode) ? session.mode : 'auto',
    tls: TLS.includes(session.tls) ? session.tls : 'if-available',
    encoding: String(session.encoding ?? ''),
  };
  const folder = path ?? session.path;
  if (typeof folder === 'string' && folder.startsWith('/')) site.path = folder;
  return site;
}

/** Whether two sites are the same server and login. */
export function sameServer(a, b) {
  return a.host === b.host && (a.port || 21) === (b.port || 21) && Boolean(a.anonymous) === Boolean(b.anonymous) && (a.user ?? '') === (b.user ?? '');
}

export class Sites {
  #storage;

  constructor(storage = globalThis.localStorage) {
    this.#storage = storage;
  }

  #get(key, fallback) {
    try {
      return JSON.parse(this.#storage?.getItem(key) ?? 'null') ?? fallback;
    } catch {
      return fallback;
    }
  }

  #set(key, value) {
    try {
      this.#storage?.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or off (private windows): remembering is a convenience.
    }
  }

  #list(key) {
    const list = this.#get(key, []);
    return Array.isArray(list) ? list.filter((s) => s && typeof s.host === 'string' && s.host) : [];
  }

  /** The recent servers, newest first. */
  recent() {
    return this.#list(RECENT_KEY);
  }

  /** The saved sites, in the order they were saved. */
  saved() {
    return this.#list(SAVED_KEY).filter((s) => typeof s.name === 'string' && s.name);
  }

  /** The saved site of this server and login, if there is one. */
  savedFor(session) {
    const site = siteOf(session);
    return this.saved().find((s) => sameServer(s, site)) ?? null;
  }

  /**
   * The session was in the folder `path`: it heads the recent servers, and its saved
   * site, if any, follows it there.
   */
  visited(session, path) {
    const site = siteOf(session, path);
    this.#set(RECENT_KEY, [site, ...this.recent().filter((s) => !sameServer(s, site))].slice(0, RECENT_MAX));
    const saved = this.saved();
    const i = saved.findIndex((s) => sameServer(s, site));
    if (i >= 0) {
      saved[i] = { ...siteOf(site, path), name: saved[i].name };
      this.#set(SAVED_KEY, saved);
    }
  }

  /** Saves the session's site under `name` (renaming it if it was saved). */
  save(session, name, path = null) {
    const site = { ...siteOf(session, path), name: String(name).trim() || String(session.host) };
    const saved = this.saved();
    const i = saved.findIndex((s) => sameServer(s, site));
    if (i >= 0) saved[i] = site;
    else saved.push(site);
    this.#set(SAVED_KEY, saved);
    return site;
  }

  /** Forgets the saved site of this server and login. */
  forget(site) {
    this.#set(SAVED_KEY, this.saved().filter((s) => !sameServer(s, site)));
  }

  /** The view's choices: `{ sort, showHidden, parallel }`, as far as they were made. */
  view() {
    const view = this.#get(VIEW_KEY, {});
    return view && typeof view === 'object' ? view : {};
  }

  /** Remembers some of the view's choices. */
  setView(choices) {
    this.#set(VIEW_KEY, { ...this.view(), ...choices });
  }
}
