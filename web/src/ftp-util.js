// Pure helpers of <ftp-browser> and the app: remote paths, sizes and dates for people,
// sorting, deep links, and FtpError turned into messages a person can act on.
// Nothing here touches the DOM or the wasm module, so Node's test runner loads it as is.

/** `dir` + `name` as an absolute remote path. */
export function joinPath(dir, name) {
  if (name.startsWith('/')) return normalizePath(name);
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return normalizePath(base + name);
}

/** Collapses `//`, `.` and `..`; always absolute, no trailing slash (except `/`). */
export function normalizePath(path) {
  const out = [];
  for (const part of String(path).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** The folder above `path` (`/` for `/`). */
export function parentPath(path) {
  const clean = normalizePath(path);
  const cut = clean.lastIndexOf('/');
  return cut <= 0 ? '/' : clean.slice(0, cut);
}

/** The last part of `path`. */
export function baseName(path) {
  const clean = normalizePath(path);
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/** Breadcrumbs: `[{ name: '/', path: '/' }, { name: 'pub', path: '/pub' }, ...]`. */
export function pathSegments(path) {
  const crumbs = [{ name: '/', path: '/' }];
  let at = '';
  for (const part of normalizePath(path).split('/')) {
    if (!part) continue;
    at += `/${part}`;
    crumbs.push({ name: part, path: at });
  }
  return crumbs;
}

// Paths as the server's bytes: a folder whose name does not decode in the session's
// encoding is reached by its bytes (an entry's `nameBytes`, `workingDirectory.pathBytes`).
// `/` is the byte 0x2F in every encoding a server may use, and never part of another
// character, so a byte path splits into folders where its text does.

const SLASH = 0x2f;

/** The folder above `ref`: a path as text, or as the server's bytes (a `Uint8Array`). */
export function parentRef(ref) {
  if (typeof ref === 'string') return parentPath(ref);
  let end = ref.length;
  while (end > 1 && ref[end - 1] === SLASH) end -= 1;
  const cut = ref.lastIndexOf(SLASH, end - 1);
  if (cut < 0) return '';
  return cut === 0 ? '/' : withText(ref.slice(0, cut), ref.text == null ? undefined : parentPath(ref.text));
}

/**
 * The breadcrumbs' paths of the absolute byte path `bytes`, as `pathSegments` gives them
 * for its text: `/`, then each folder's bytes. `null` when the two do not line up.
 */
export function segmentRefs(bytes, text) {
  const crumbs = pathSegments(text);
  const refs = ['/'];
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === SLASH && bytes[i - 1] !== SLASH) refs.push(bytes.slice(0, i));
  }
  if (bytes.length > 1 && bytes[bytes.length - 1] !== SLASH) refs.push(bytes.slice());
  if (refs.length !== crumbs.length) return null;
  refs.forEach((ref, i) => withText(ref, crumbs[i].path));
  return refs;
}

/**
 * A path for people: the text itself, or the text a byte path carries (`ref.text`,
 * set where it was made from a decoded name); the bytes cannot be shown as they are.
 */
export function shownPath(ref) {
  return typeof ref === 'string' ? ref : ref?.text ?? '(a folder whose name does not decode)';
}

/** A byte path that carries its text for people (see `shownPath`). */
export function withText(bytes, text) {
  if (bytes && typeof bytes !== 'string') bytes.text = text;
  return bytes;
}

/** An entry's name as a key: two names that decode alike but differ in bytes differ here. */
export function nameKey(entry) {
  return entry.nameBytes ? `\u0000${Array.from(entry.nameBytes).join(',')}` : entry.name;
}

/** Whether two paths (text, or the server's bytes) are the same path; text and bytes never are. */
export function sameRef(a, b) {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** `1234567` → `"1.2 MB"` (powers of 1000, like most file managers). */
export function formatSize(bytes) {
  if (bytes == null || !Number.isFinite(bytes)) return '';
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second for people: `"8.4 MB/s"`. */
export function formatSpeed(bytesPerSecond) {
  if (!bytesPerSecond || !Number.isFinite(bytesPerSecond)) return '';
  return `${formatSize(Math.round(bytesPerSecond)).replace(/ bytes?$/, ' B')}/s`;
}

/** Seconds left for people: `"42 s"`, `"3 min"`, `"1 h 5 min"`. */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * A listing date for people. MLSD times are UTC and shown in the reader's time zone;
 * LIST times are the server's wall clock (labelled UTC by the parser) and shown as
 * they are, because their time zone is unknown.
 */
export function formatDate(iso, raw = '', locale = undefined, now = new Date()) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const isMlsd = /(^|;)\s*modify=/i.test(raw);
  const year = isMlsd ? date.getFullYear() : date.getUTCFullYear();
  // This year: day and time; older: day and year (like ls).
  const options =
    year === now.getFullYear()
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
      : { year: 'numeric', month: 'short', day: 'numeric' };
  if (!isMlsd) options.timeZone = 'UTC';
  try {
    return new Intl.DateTimeFormat(locale, options).format(date);
  } catch {
    return iso;
  }
}

/** Whether a listing entry is a dot file. */
export function isHidden(entry) {
  return entry.name.startsWith('.');
}

const KIND_ORDER = { dir: 0, link: 1, file: 2, other: 3, unknown: 3 };
const collator = typeof Intl !== 'undefined' ? new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }) : null;

/**
 * A sorted copy: folders first (whatever the direction), then by `key` (`name`,
 * `size`, `modified`, `permissions`) in `direction` (1 or -1), names breaking ties.
 */
export function sortEntries(entries, key = 'name', direction = 1) {
  // Each entry's place by name is worked out once per listing (the collator is the
  // slow part: about 3 µs a comparison with numeric order); every later sort of the
  // same entries, by any column, compares numbers in typed arrays only.
  const names = nameRanks(entries);
  const n = entries.length;
  const folder = new Uint8Array(n);
  for (let i = 0; i < n; i++) folder[i] = entries[i].kind === 'dir' ? 0 : 1;
  let order;
  if (key === 'name') {
    // One number per entry holds the whole order (folders, then the name's place,
    // then the index), so the engine's native numeric sort does the work.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (folder[i] * n + (direction === 1 ? names[i] : n - 1 - names[i])) * n + i;
    keys.sort();
    order = Array.from(keys, (k) => k % n);
  } else {
    const values = new Float64Array(n);
    const kinds = new Uint8Array(n);
    let texts = null;
    if (key === 'permissions') {
      const distinct = [...new Set(entries.map((entry) => entry.permissions ?? ''))].sort();
      texts = new Map(distinct.map((text, i) => [text, i]));
    }
    for (let i = 0; i < n; i++) {
      const entry = entries[i];
      kinds[i] = KIND_ORDER[entry.kind] ?? 3;
      if (key === 'size') values[i] = entry.size ?? -1;
      else if (key === 'modified') values[i] = entry.modified ? Date.parse(entry.modified) || 0 : 0;
      else if (texts) values[i] = texts.get(entry.permissions ?? '');
    }
    const index = new Uint32Array(n);
    for (let i = 0; i < n; i++) index[i] = i;
    index.sort((a, b) => folder[a] - folder[b] || (values[a] - values[b]) * direction || (kinds[a] - kinds[b]) * direction || names[a] - names[b]);
    order = index;
  }
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = entries[order[i]];
  return out;
}

/** Entry → [generation, its place by name among the entries it was ranked with]. */
const nameRank = new WeakMap();
let rankGeneration = 0;

/**
 * Each entry's place by name (a Float64Array in the entries' order), computed again
 * only when `entries` were not ranked together before.
 */
function nameRanks(entries) {
  const n = entries.length;
  const out = new Float64Array(n);
  let generation = null;
  let known = true;
  for (let i = 0; i < n; i++) {
    const r = nameRank.get(entries[i]);
    if (!r || (generation !== null && r[0] !== generation)) {
      known = false;
      break;
    }
    generation = r[0];
    out[i] = r[1];
  }
  if (!known) {
    generation = ++rankGeneration;
    const byName = (a, b) => (collator ? collator.compare(a.name, b.name) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const sorted = [...entries].sort(byName);
    for (let i = 0; i < n; i++) nameRank.set(sorted[i], [generation, i]);
    for (let i = 0; i < n; i++) out[i] = nameRank.get(entries[i])[1];
  }
  return out;
}

/**
 * An `FtpError` (or anything thrown) as words a person can act on.
 *
 * `context.op` is what was being done: `connect`, `list`, `download`, `upload`, `mkdir`,
 * `rename`, `delete`; `context.name`, `context.host`, `context.port`, `context.relay`,
 * `context.origin` and `context.encoding` fill in the sentences; `context.relayReachable`
 * (true/false/undefined) tells a refused WebSocket from an unreachable relay.
 *
 * Returns `{ title, hint, detail, code, replyCode, retry }`: `title` says what happened,
 * `hint` what to do, `detail` is the technical message (with the server's reply).
 */
export function describeError(error, context = {}) {
  const code = (error && typeof error === 'object' && typeof error.code === 'string' && error.code) || 'unknown';
  const replyCode = (error && typeof error === 'object' && Number.isInteger(error.replyCode) && error.replyCode) || null;
  const detail = String((error && typeof error === 'object' && 'message' in error ? error.message : error) ?? '');
  // The finer code (FtpError.detail): words are chosen by codes, never by the message.
  const finer = (error && typeof error === 'object' && typeof error.detail === 'string' && error.detail) || '';
  const op = context.op ?? '';
  const name = context.name ? `“${context.name}”` : 'this';
  const server = context.host ? `${context.host}${context.port && Number(context.port) !== 21 ? `:${context.port}` : ''}` : 'the server';
  const hostPort = context.host ? `${context.host}:${context.port || 21}` : 'this server';
  const out = (title, hint = '', retry = false) => ({ title, hint, detail, code, replyCode, retry });
  const what = { download: 'file', delete: 'file', rename: 'file', list: 'folder', mkdir: 'folder', upload: 'folder' }[op];

  switch (code) {
    case 'login':
      if (replyCode === 332 || replyCode === 532) return out('The server wants an account name as well, which is not supported.');
      if (context.anonymous) return out(`${server} does not allow anonymous login.`, 'Untick “Anonymous login” and enter a user name and password.');
      return out('The server refused the user name or password.', 'Check them and try again. Public servers usually accept anonymous login.');
    case 'not_found':
      if (op === 'list') return out('This folder no longer exists (or you may not open it).', 'Go up a level and refresh.');
      if (op === 'mkdir' && context.exists === true) return out(`${name} exists already here.`, 'Choose another name.');
      if (op === 'mkdir' && context.exists === false) return out(`The folder ${name} could not be created: this folder may no longer exist.`, 'Go up a level and refresh.');
      if (op === 'mkdir') return out(`The folder ${name} could not be created: it may exist already, or its parent was removed.`, 'Refresh the listing to see the current state.');
      if (op === 'upload') return out(`The server could not create ${name} here: the folder may no longer exist.`, 'Refresh the listing and try again.');
      if (op === 'delete' && context.kind === 'dir') return out(`The folder ${name} could not be removed: it may not be empty, or it no longer exists.`, 'Refresh the listing to see its contents.');
      if (what === 'file' || op === '') return out('This file no longer exists.', 'Refresh the listing: someone may have moved or deleted it.');
      return out('This no longer exists.', 'Refresh the listing.');
    case 'permission':
      if (finer === 'relay_policy' && op === 'connect') {
        return out(`The relay does not allow connections to ${hostPort}.`, 'Its operator decides which servers and ports may be reached; ask them, or use another relay.');
      }
      if (finer === 'relay_policy') {
        return out(`The relay does not allow the data connection ${server} asked for.`, 'Its operator decides which data ports may be reached; reconnect with the other transfer mode, or ask them.');
      }
      if (op === 'connect' && context.anonymous) return out(`${server} does not allow anonymous login.`, 'Untick “Anonymous login” and enter a user name and password.');
      if (op === 'connect') return out('The server refused the login.', 'Check the user name and password.');
      if (op === 'download') return out(`You are not allowed to read ${name}.`, 'Ask the server’s administrator for access.');
      if (op === 'upload') return out('The server does not allow uploading here.', 'Try a folder where you have write access (an “incoming” or “upload” folder on public servers).');
      if (op === 'delete') return out(`You are not allowed to delete ${name}.`);
      if (op === 'rename') return out(`You are not allowed to rename ${name}.`);
      if (op === 'mkdir') return out('You are not allowed to create folders here.');
      if (op === 'list') return out('You are not allowed to open this folder.');
      return out('The server does not allow this.');
    case 'timeout':
      if (op === 'connect') return out(`${server} did not answer in time.`, 'Check the host name and port, or try again later.', true);
      return out('The server stopped responding.', 'Try again. If it keeps happening, switch the transfer mode (passive or active) when connecting.', true);
    case 'incomplete':
      return out('The transfer stopped before the end.', 'Resume it to fetch the rest.', true);
    case 'aborted':
      return out('Cancelled.');
    case 'closed':
      return out('The connection to the server was closed.', 'Reconnect to continue.', true);
    case 'invalid_input':
      switch (finer) {
        case 'unknown_encoding':
          return out('This encoding is not known to the browser.', 'Pick one from the list, e.g. utf-8 or latin1.');
        case 'unencodable':
          return out(`This name cannot be written in the server’s encoding${context.encoding ? ` (${context.encoding})` : ''}.`, 'Choose a name with other characters.');
        case 'local_read':
          return out('The browser could not read the local file.', 'It may have been moved or changed while uploading. Choose it again.');
        case 'relay_url':
          return out('The relay address is not a valid WebSocket URL.', 'It should look like wss://relay.example.com/ws.');
        case 'line_break':
          return out('Names cannot contain line breaks.');
        case 'empty_path':
          return out('A name is needed.');
        default:
          return out('This request is not valid.', '');
      }
    case 'rejected':
      if (replyCode === 552 || replyCode === 452) return out('The server is out of space, or your quota is full.', 'Free some space on the server and try again.');
      if (replyCode === 500 || replyCode === 502 || replyCode === 504) return out('The server does not support this command.');
      return out('The server refused the request.', '', false);
    case 'protocol':
      return out('The server answered in a way ftpbridge does not understand.', 'The protocol log shows the exchange; try another transfer mode or report it.');
    case 'wasm':
      return out('This browser could not load ftpbridge.', 'It needs WebAssembly; reload the page, or try an up-to-date browser.', true);
    case 'certificate': {
      const cert = error?.certificate ?? null;
      const trustable = cert && ['self_signed', 'unknown_issuer', 'key_changed'].includes(error?.detail);
      const done = (title, hint) => ({ ...out(title, hint), certificate: cert, trustable: Boolean(trustable) });
      switch (error?.detail) {
        case 'expired':
          return done(`${server}’s certificate has expired.`, 'Its owner must renew it. Connecting anyway would not protect your password.');
        case 'not_yet_valid':
          return done(`${server}’s certificate is not valid yet.`, 'Check this computer’s date and time.');
        case 'wrong_name':
          return done(`${server}’s certificate is for another name.`, 'Connect with the name the certificate is for, or ask the server’s owner.');
        case 'self_signed':
          return done(`No authority vouches for ${server}: its certificate is self-signed.`, 'Many private servers work this way. Trust its key only if its fingerprint below is the one its owner gave you.');
        case 'unknown_issuer':
          return done(`${server}’s certificate comes from an authority this page does not know.`, 'Trust its key only if its fingerprint below is the one its owner gave you.');
        case 'key_changed':
          return done(`${server}’s key changed since you trusted it.`, 'Someone may be intercepting the connection. Trust the new key only if its owner says they changed it.');
        case 'revoked':
          return done(`${server}’s certificate was revoked.`, 'Do not connect; ask the server’s owner.');
        default:
          return done(`${server}’s certificate cannot be used.`, '');
      }
    }
    case 'tls':
      if (error?.detail === 'truncated') return out('The transfer was cut short: the connection ended without TLS’s closing.', 'Try again; a network in between may be dropping connections.', true);
      if (op === 'connect') return out(`The TLS handshake with ${server} failed.`, 'The server may not support TLS on this port: try another encryption setting (implicit TLS uses port 990).', true);
      return out('TLS failed on the connection.', 'Reconnect to continue.', true);
    case 'tls_unavailable':
      if (error?.detail === 'password') {
        return out(`${server} does not offer TLS, so the password would go unencrypted.`, 'Choose “Plain FTP (insecure)” under Encryption only if you accept that the relay and the networks on the way can read it.');
      }
      if (error?.detail === 'data') return out(`${server} refuses to encrypt listings and files.`, 'Choose “Use TLS if available” to go on with only the password encrypted.');
      return out(`${server} does not offer TLS.`, 'Choose another encryption setting, or ask the server’s owner to enable FTPS.');
    case 'tls_downgrade':
      return out(`${server} used TLS before and refuses it now.`, 'Someone between you and the server may be removing the encryption. Connect with “Plain FTP (insecure)” only if you trust the network and the relay.');
    case 'connection':
      break;
    default:
      return out(detail || 'Something went wrong.');
  }

  // Connection problems: the relay or the FTP server.
  if (finer === 'data_connection' || replyCode === 425 || replyCode === 426) {
    return out('The server could not open a data connection.', 'Reconnect with the other transfer mode (passive or active).', true);
  }
  if (finer === 'server_busy') {
    return out(`${server} takes no more sessions from you right now.`, 'Close other FTP programs connected to it, or try again in a while.', true);
  }
  if (finer === 'server_closed' || replyCode === 421) return out('The server closed the connection (it may be busy or shutting down).', 'Try again in a moment.', true);
  switch (finer) {
    case 'relay_refused':
      return out('The relay refused this session (its policy or its limits).', 'Try again later, or ask the relay’s operator.');
    case 'relay_shutdown':
      return out('The relay is restarting or shutting down.', 'Try again in a moment.', true);
    case 'relay_protocol':
      return out('The relay answered in a way this page does not understand.', 'The relay and this page may be different versions; reload the page.', true);
    case 'relay_lost':
      if (op === 'connect' && context.relayReachable === true) {
        const origin = context.origin ? ` (${context.origin})` : '';
        return out(`The relay refused this page${origin}: this site is not on its list of allowed origins, or it requires a ticket.`, 'The relay’s operator can allow this site with --allow-origin.');
      }
      if (op === 'connect' && context.relayReachable === false) {
        return out(`The relay${context.relay ? ` at ${context.relay}` : ''} cannot be reached.`, 'Check your network connection and the relay address.', true);
      }
      if (op === 'connect') return out('The connection to the relay failed.', 'Check the relay address, and that the relay allows this site.', true);
      return out('The connection to the relay was lost.', 'Reconnect to continue.', true);
    case 'refused':
      return out(`Nothing accepts connections at ${hostPort}.`, 'Check the host name and the port.', true);
    case 'unreachable':
      return out(`${server} cannot be reached.`, 'Check the host name: it may be misspelt or the server may be down.', true);
    case 'reset':
      if (op === 'connect') return out(`${server} reset the connection.`, 'Check the port and the encryption setting (implicit TLS uses port 990).', true);
      break;
    default:
  }
  if (op === 'connect') return out(`Could not connect to ${server}.`, 'Check the host name and the port, and try again.', true);
  return out('The connection to the server was lost.', 'Reconnect to continue.', true);
}

const MODES = new Set(['auto', 'passive', 'active']);

/**
 * Parses a deep link: `ftp://user@host:21/pub/dir?mode=active&encoding=latin1`
 * (the `ftp://` is optional; a password in it is dropped, never returned).
 * Returns `null` when there is no host.
 */
export function parseFtpUrl(text) {
  if (!text) return null;
  let rest = String(text).trim();
  if (rest.startsWith('#')) rest = rest.slice(1);
  rest = rest.replace(/^ftp:\/\//i, '');
  if (!rest) return null;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  let authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const rawPath = slash >= 0 ? rest.slice(slash) : '/';
  let user = '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = safeDecode(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
  }
  let host = authority;
  let port = 21;
  const bracket = authority.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (bracket) {
    host = bracket[1];
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.indexOf(':') === colon) {
      host = authority.slice(0, colon);
      port = Number(authority.slice(colon + 1)) || 21;
    }
  }
  host = safeDecode(host);
  if (!host) return null;
  const path = normalizePath(rawPath.split('/').map(safeDecode).join('/'));
  const params = new URLSearchParams(query);
  const mode = params.get('mode');
  const encoding = params.get('encoding');
  return {
    host,
    port: port > 0 && port < 65536 ? port : 21,
    user,
    path,
    mode: mode && MODES.has(mode) ? mode : 'auto',
    encoding: encoding ?? '',
  };
}

/** The deep link for a location (never with a password). */
export function formatFtpUrl({ host, port = 21, user = '', path = '/', mode = 'auto', encoding = '' }) {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const userPart = user ? `${encodeURIComponent(user)}@` : '';
  const portPart = port && Number(port) !== 21 ? `:${port}` : '';
  const pathPart = normalizePath(path)
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%40/g, '@').replace(/%2C/g, ','))
    .join('/');
  const params = new URLSearchParams();
  if (mode && mode !== 'auto') params.set('mode', mode);
  if (encoding && encoding.toLowerCase() !== 'utf-8') params.set('encoding', encoding);
  const query = params.toString();
  return `ftp://${userPart}${hostPart}${portPart}${pathPart}${query ? `?${query}` : ''}`;
}

/** Reads `?host=&port=&user=&path=&mode=&encoding=` (a password there is ignored). */
export function parseQuery(search) {
  const params = new URLSearchParams(search);
  const host = params.get('host');
  if (!host) return null;
  const mode = params.get('mode');
  return {
    host,
    port: Number(params.get('port')) || 21,
    user: params.get('user') ?? '',
    path: normalizePath(params.get('path') ?? '/'),
    mode: mode && MODES.has(mode) ? mode : 'auto',
    encoding: params.get('encoding') ?? '',
  };
}

/** The WebSocket URL of a relay serving the page at `location` on `/ws`. */
export function sameOriginRelay(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** The relay's HTTP health URL for its WebSocket URL (`ws://h/ws` → `http://h/healthz`). */
export function relayHealthUrl(relay) {
  try {
    const url = new URL(relay);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    url.pathname = url.pathname.replace(/\/[^/]*$/, '/healthz');
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return null;
  }
}

/** A file name safe for a `Content-Disposition` header's `filename="..."`. */
export function asciiFileName(name) {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\/]/g, '_').trim();
  return ascii || 'download';
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Characters a name may carry that would hide what it is: C0 and C1 controls, DEL,
 * and the bidirectional controls that reorder text (`photo\u202Egpj.exe` reads as
 * `photoexe.jpg`). */
const HIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/**
 * A name as it is safe to show: every hidden character (control, bidi) replaced by a
 * visible marker like `⟨U+202E⟩`, so nobody mistakes a name for another.
 */
export function visibleName(name) {
  return String(name).replace(HIDDEN_CHARACTERS, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** Whether a name has characters `visibleName` would mark. */
export function hasHiddenCharacters(name) {
  HIDDEN_CHARACTERS.lastIndex = 0;
  const found = HIDDEN_CHARACTERS.test(String(name));
  HIDDEN_CHARACTERS.lastIndex = 0;
  return found;
}

/**
 * A session's protection (`client.security`) as lines a person reads: `{ encrypted,
 * summary, rows: [[label, value], ...] }`.
 */
export function describeSecurity(security) {
  const tls = security?.tls ?? null;
  if (!tls) {
    return {
      encrypted: false,
      summary: 'Not encrypted',
      rows: [['Connection', 'Plain FTP: the relay and the networks on the way can read the password, the names and the files.']],
    };
  }
  const date = (seconds) => (Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().slice(0, 10) : '');
  const trust = {
    authority: 'By a certificate authority',
    pin: 'By the key you trusted for this server',
    first_use: 'Not verified: accepted on first use',
  }[tls.trustedBy] ?? 'Resumed session';
  const rows = [
    ['Connection', `${tls.version}, ${tls.cipherSuite}`],
    ['Files and listings', security.dataProtected ? 'Encrypted too' : 'NOT encrypted (the server refused to protect them)'],
    ['Trusted', trust],
  ];
  const cert = tls.certificate;
  if (cert) {
    rows.push(['Subject', cert.subject], ['Issuer', cert.issuer], ['Valid', `${date(cert.notBefore)} to ${date(cert.notAfter)}`], ['SHA-256', cert.sha256]);
  }
  return {
    encrypted: true,
    summary: security.dataProtected ? `Encrypted (${tls.version})` : `Password encrypted (${tls.version}); files not`,
    rows,
  };
}
