// The download service worker of <ftp-browser> (attribute `download-worker`): streams a
// download to the browser's own download manager, for browsers without
// showSaveFilePicker, so that a large file is never held in memory.
//
//   page ── postMessage({ type: 'ftpbridge-download', id, name, size }, [port]) ──► worker
//   page ── hidden iframe GET <scope>/ftpbridge-download/<id>/<name> ──► worker: Response(stream)
//   worker ◄── { chunk } / { done } / { error } ── port ── page; worker ── { pull } ──► page
//
// The worker asks for a chunk only when the browser has written the last ones (the
// stream's pull), so the FTP transfer goes at the speed of the disk.
/* eslint-env serviceworker */

const PREFIX = '/ftpbridge-download/';
const pending = new Map();

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'ftpbridge-download' || !event.ports[0]) return;
  const port = event.ports[0];
  pending.set(String(data.id), { port, name: String(data.name || 'download'), size: data.size });
  port.postMessage({ type: 'ready' });
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const at = url.pathname.indexOf(PREFIX);
  if (at < 0) return;
  const id = url.pathname.slice(at + PREFIX.length).split('/')[0];
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  event.respondWith(respond(entry));
});

function respond({ port, name, size }) {
  let controller;
  let waiting = null;
  port.onmessage = ({ data }) => {
    if (!data) return;
    if (data.type === 'chunk') {
      controller.enqueue(new Uint8Array(data.chunk));
      if (waiting) waiting();
    } else if (data.type === 'done') {
      controller.close();
      if (waiting) waiting();
      port.close();
    } else if (data.type === 'error') {
      controller.error(new Error(data.message || 'download failed'));
      if (waiting) waiting();
      port.close();
    }
  };
  const stream = new ReadableStream(
    {
      start(c) {
        controller = c;
        port.postMessage({ type: 'started' });
      },
      pull() {
        // Ask for one more chunk and wait until it (or the end) arrived.
        return new Promise((resolve) => {
          waiting = () => {
            waiting = null;
            resolve();
          };
          port.postMessage({ type: 'pull' });
        });
      },
      cancel() {
        port.postMessage({ type: 'cancel' });
        port.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 4 }),
  );
  const headers = new Headers({
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${ascii(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'X-Content-Type-Options': 'nosniff',
  });
  if (Number.isFinite(size) && size >= 0) headers.set('Content-Length', String(size));
  return new Response(stream, { headers });
}

function ascii(name) {
  const text = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\/]/g, '_').trim();
  return text || 'download';
}
