// The full-page app: one <ftp-browser>, the relay on this page's own origin (/ws), and
// deep links in the URL hash (#ftp://user@host:port/path?mode=&encoding=) that carry
// where you are but never a password. Back and forward walk the folders.

import { defineFtpBrowser } from './ftp-browser.js';
import { formatFtpUrl, parseFtpUrl, parseQuery, sameOriginRelay } from './ftp-util.js';

const browser = document.getElementById('browser');
const where = document.getElementById('where');

// The relay: `ws` next to this page on its own origin (`/ws` when the app is at `/`, and
// still right behind a reverse proxy that mounts the relay under a path), unless the page
// says otherwise. Never from the URL: a link must not be able to send your password to a
// relay of its choosing.
function relayNextToPage() {
  const url = new URL('ws', document.baseURI);
  return sameOriginRelay(location).replace(/\/ws$/, url.pathname);
}
const relay = document.querySelector('meta[name="ftpbridge-relay"]')?.content || relayNextToPage();
browser.setAttribute('relay', relay);
// "Copy link" gives this page's own deep links.
browser.setAttribute('link-base', `${location.origin}${location.pathname}`);

/** The location a URL points at: `#ftp://...` first, then `?host=...`. */
function linked() {
  return parseFtpUrl(location.hash) ?? parseQuery(location.search);
}

const sessionKey = (l) => (l ? `${l.user}@${l.host}:${l.port}|${l.mode}|${l.encoding}` : '');

/** Writes the link's attributes on the element (before it connects). */
function apply(link) {
  for (const name of ['host', 'port', 'user', 'path', 'mode', 'encoding']) browser.removeAttribute(name);
  browser.removeAttribute('anonymous');
  browser.removeAttribute('from-link');
  if (!link) return;
  // The element shows the link's server and waits for the user to connect.
  browser.setAttribute('from-link', '');
  browser.setAttribute('host', link.host);
  browser.setAttribute('port', String(link.port));
  if (link.user) browser.setAttribute('user', link.user);
  else browser.setAttribute('anonymous', '');
  browser.setAttribute('path', link.path);
  if (link.mode !== 'auto') browser.setAttribute('mode', link.mode);
  if (link.encoding) browser.setAttribute('encoding', link.encoding);
}

function hashOf(location_) {
  return `#${formatFtpUrl(location_)}`;
}

function show(l) {
  if (!l) {
    document.title = 'ftpbridge · FTP in your browser';
    where.textContent = '';
    return;
  }
  const name = l.path === '/' ? l.host : `${l.path.split('/').pop()} · ${l.host}`;
  document.title = `${name} · ftpbridge`;
  where.textContent = formatFtpUrl(l);
}

// Start: take the link, and rewrite the URL without anything that must not stay in it
// (a password, an unknown parameter) before anything else happens.
let current = linked();
if (current) {
  apply(current);
  const clean = `${location.pathname}${hashOf(current)}`;
  history.replaceState({ ftp: current }, '', clean);
} else {
  const clean = `${location.pathname}${location.search && !parseQuery(location.search) ? location.search : ''}`;
  if (location.hash) history.replaceState(null, '', clean);
}

let connected = null; // the session key of the open session
let fromHistory = false;

browser.addEventListener('ftp-connect', (event) => {
  connected = sessionKey(event.detail);
  current = event.detail;
  history.replaceState({ ftp: current }, '', hashOf(current));
  show(current);
});

browser.addEventListener('ftp-navigate', (event) => {
  const next = event.detail;
  const state = { ftp: next };
  if (fromHistory || connected !== sessionKey(next) || !current) {
    history.replaceState(state, '', hashOf(next));
  } else if (next.path !== current.path) {
    history.pushState(state, '', hashOf(next));
  }
  fromHistory = false;
  current = next;
  show(current);
});

browser.addEventListener('ftp-disconnect', () => {
  connected = null;
  current = null;
  history.pushState(null, '', location.pathname);
  show(null);
});

window.addEventListener('popstate', async () => {
  const link = linked();
  if (link && connected && sessionKey(link) === connected) {
    if (link.path !== browser.path) {
      fromHistory = true;
      const ok = await browser.navigate(link.path);
      if (!ok) fromHistory = false;
    }
    return;
  }
  // Another server (or none): start over from the link.
  if (browser.connected) await browser.disconnect({ quiet: true });
  connected = null;
  current = null;
  apply(link);
  show(null);
});

defineFtpBrowser();
