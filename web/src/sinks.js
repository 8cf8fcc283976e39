// Where a download's bytes go, and the local files and folders they go into: a file
// the user picked (the save picker), a file below a folder the user picked, the
// browser's downloads through the service worker, or a Blob URL. Every sink has
// write/close/pause; `resumable` says whether a paused one keeps what it got.

/**
 * The folder at `parts` below the local directory handle `root` (made when `create`).
 * Names the local file system cannot hold (`..`, a slash) fail here.
 */
export async function localFolder(root, parts, create) {
  let dir = root;
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create });
  return dir;
}

/** The file at the relative path `rel` below `root` (made, with its folders, when `create`). */
export async function localFile(root, rel, create) {
  const parts = rel.split('/');
  const dir = await localFolder(root, parts.slice(0, -1), create);
  return dir.getFileHandle(parts[parts.length - 1], { create });
}

/** Saves a Blob through a temporary link. */
export function saveBlob(blob, name, root) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  root.append(a);
  a.click();
  a.remove();
  // The browser has the URL once the download started; free the memory a bit later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Waits for a service worker registration to have an active worker. */
function activeWorker(registration) {
  if (registration.active) return Promise.resolve(registration.active);
  const worker = registration.installing ?? registration.waiting;
  return new Promise((resolve, reject) => {
    if (!worker) return reject(new Error('no service worker'));
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve(worker);
      if (worker.state === 'redundant') reject(new Error('the service worker failed to install'));
    });
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A download streamed through the service worker into the browser's downloads: the
 * worker answers a hidden iframe's request with a stream it fills from this port,
 * one chunk per pull, so the transfer goes as fast as the disk takes it.
 */
export async function openWorkerSink(workerUrl, name, size, root) {
  const registration = await navigator.serviceWorker.register(workerUrl);
  const worker = await withTimeout(activeWorker(registration), 10_000, 'the download worker');
  const channel = new MessageChannel();
  const port = channel.port1;
  let credits = 0;
  let cancelled = false;
  let wake = null;
  let onReady;
  let onStarted;
  const ready = new Promise((resolve) => { onReady = resolve; });
  const started = new Promise((resolve) => { onStarted = resolve; });
  port.onmessage = ({ data }) => {
    if (data?.type === 'ready') onReady();
    else if (data?.type === 'started') onStarted();
    else if (data?.type === 'pull') credits += 1;
    else if (data?.type === 'cancel') cancelled = true;
    wake?.();
  };
  const id = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  worker.postMessage({ type: 'ftpbridge-download', id, name, size: size ?? undefined }, [channel.port2]);
  await withTimeout(ready, 10_000, 'the download worker');
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.src = new URL(`ftpbridge-download/${id}/${encodeURIComponent(name)}`, registration.scope).href;
  root.append(frame);
  try {
    await withTimeout(started, 10_000, 'the download worker');
  } catch (error) {
    frame.remove();
    port.close();
    throw error;
  }
  const cleanup = () => setTimeout(() => frame.remove(), 60_000);
  return {
    resumable: false,
    async write(chunk) {
      while (credits === 0 && !cancelled) await new Promise((resolve) => { wake = resolve; });
      wake = null;
      if (cancelled) throw Object.assign(new Error('the browser cancelled the download'), { code: 'aborted' });
      credits -= 1;
      const buffer = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk.buffer : chunk.slice().buffer;
      port.postMessage({ type: 'chunk', chunk: buffer }, [buffer]);
    },
    async close() {
      port.postMessage({ type: 'done' });
      cleanup();
    },
    async pause(error) {
      port.postMessage({ type: 'error', message: String(error?.message ?? 'cancelled') });
      cleanup();
    },
  };
}

/** The zip writer (client-zip, streamed, ZIP64 past 4 GiB), loaded when a zip is made. */
let zipModule = null;
export function loadZip() {
  zipModule ??= import('./vendor/client-zip.js').catch((error) => {
    zipModule = null;
    throw error;
  });
  return zipModule;
}

/**
 * Names for the entries of a zip, from the server's names (one list of parts per
 * entry): what unzip tools would take as a path or a drive (`\`, `:`), control
 * characters, and `.` or `..` parts become `_`, and a name taken twice gets ` (2)`.
 */
export function zipNames(entries) {
  const taken = new Set();
  return entries.map((parts) => {
    const clean = parts.map((part) => (part === '' || part === '.' || part === '..' ? '_' : part.replace(/[\\:\u0000-\u001f\u007f]/g, '_'))).join('/');
    let name = clean;
    for (let n = 2; taken.has(name.toLowerCase()); n++) {
      const dot = clean.lastIndexOf('.');
      const slash = clean.lastIndexOf('/');
      name = dot > slash + 1 ? `${clean.slice(0, dot)} (${n})${clean.slice(dot)}` : `${clean} (${n})`;
    }
    taken.add(name.toLowerCase());
    return name;
  });
}
