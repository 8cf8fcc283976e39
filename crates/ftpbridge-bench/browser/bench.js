// The in-page half of the browser benchmark: each function runs one measurement and
// returns figures; the driver (bench.mjs) calls them through page.evaluate.
import init, { FtpClient } from '../pkg/ftpbridge.js';
import { runSegments } from '../segments.js';

const loaded = init();
const MiB = 1024 * 1024;

/** Receives `bytes` from a trivial WebSocket sender; data discarded. */
async function rawDownload(url, bytes) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  let got = 0;
  let start = 0;
  await new Promise((resolve, reject) => {
    ws.onopen = () => { start = performance.now(); };
    ws.onmessage = (e) => { got += e.data.byteLength; if (got >= bytes) resolve(); };
    ws.onerror = () => reject(new Error('raw websocket failed'));
    ws.onclose = () => (got >= bytes ? resolve() : reject(new Error(`closed after ${got} bytes`)));
  });
  const seconds = (performance.now() - start) / 1000;
  ws.close();
  return { bytes: got, seconds };
}

/** Sends `bytes` to a trivial WebSocket receiver, pacing on bufferedAmount. */
async function rawUpload(url, bytes) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('raw websocket failed')); });
  const chunk = new Uint8Array(256 * 1024);
  const done = new Promise((resolve) => { ws.onmessage = resolve; });
  const start = performance.now();
  let sent = 0;
  while (sent < bytes) {
    while (ws.bufferedAmount > 4 * MiB) await new Promise((r) => setTimeout(r, 0));
    const n = Math.min(chunk.length, bytes - sent);
    ws.send(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
  }
  await done; // the receiver confirms it got everything
  const seconds = (performance.now() - start) / 1000;
  ws.close();
  return { bytes: sent, seconds };
}

async function connect(options) {
  await loaded;
  return FtpClient.connect(options);
}

/**
 * Watches the main thread: a message loop that measures the longest gap between two of
 * its turns (how long the page could not react). `stop()` returns it in milliseconds.
 */
function watchMainThread() {
  const channel = new MessageChannel();
  let last = performance.now();
  let longest = 0;
  let running = true;
  channel.port1.onmessage = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  return {
    stop() {
      running = false;
      channel.port1.close();
      return longest;
    },
  };
}

/** Downloads a file through the relay with the API; data discarded. */
async function ftpDownload(options, path) {
  const client = await connect(options);
  const watch = watchMainThread();
  const start = performance.now();
  const reader = client.download(path).getReader();
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    got += value.byteLength;
  }
  const seconds = (performance.now() - start) / 1000;
  const pauseMs = watch.stop();
  await client.close();
  return { bytes: got, seconds, pauseMs };
}

/** Uploads `bytes` generated in the page through the relay with the API. */
async function ftpUpload(options, path, bytes) {
  const client = await connect(options);
  const chunk = new Uint8Array(256 * 1024);
  let produced = 0;
  const source = new ReadableStream({
    pull(controller) {
      if (produced >= bytes) { controller.close(); return; }
      const n = Math.min(chunk.length, bytes - produced);
      produced += n;
      // The same bytes each time, as the raw upload sends them (the API copies them in).
      controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  }, { highWaterMark: 4 });
  const start = performance.now();
  const sent = await client.upload(path, source);
  const seconds = (performance.now() - start) / 1000;
  await client.close();
  return { bytes: sent, seconds };
}

/**
 * Downloads `size` bytes of `path` in ranges over `sessions` sessions, as
 * `<ftp-browser>` does (segments.js); data discarded. The sessions are open before the
 * clock starts, as the element's transfer sessions are by the time a file starts.
 */
async function rangedDownload(options, path, size, sessions) {
  const clients = [];
  for (let i = 0; i < sessions; i++) clients.push(await connect(options));
  const ranges = FtpClient.planRanges(size, sessions);
  const start = performance.now();
  await runSegments({
    ranges,
    workers: clients.map((client) => async (want, signal) => client.download(path, { ...want, signal })),
    write: async () => {},
  });
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(clients.map((client) => client.close()));
  return { bytes: ranges.reduce((n, r) => n + r.got, 0), seconds, ranges: ranges.length };
}

/** Milliseconds from navigation start to the first listing. */
async function firstListing(options, path) {
  const client = await connect(options);
  const entries = await client.list(path);
  const ms = performance.now();
  await client.close();
  return { ms, entries: entries.length };
}

/**
 * The file browser with a large folder: milliseconds from asking for the folder to
 * its rows on screen (listing, parsing, sorting, drawing), then for re-sorts by
 * clicking the column headers (each a synchronous sort and redraw).
 */
async function largeFolder(options, path, runs) {
  await import('../index.js');
  const el = document.createElement('ftp-browser');
  el.style.cssText = 'display:block;height:800px;width:1200px';
  document.body.append(el);
  const ok = await el.connect({ ...options, path: '/' });
  if (!ok) throw new Error('the element did not connect');
  const shown = [];
  const resorts = { size: [], modified: [], name: [] };
  let entries = 0;
  let drawn = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await el.navigate(path);
    // The next frame: the rows are laid out and painted.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    shown.push(performance.now() - start);
    const root = el.shadowRoot;
    entries = Number(root.querySelector('[role="grid"]').getAttribute('aria-rowcount')) - 1;
    // Size (descending), date (descending), name (ascending), name again (descending).
    for (const key of ['size', 'modified', 'name', 'name']) {
      const button = root.querySelector(`th[data-key="${key}"] button`);
      const t = performance.now();
      button.click();
      resorts[key].push(performance.now() - t);
    }
    drawn = root.querySelectorAll('tbody tr[data-name]').length;
    await el.navigate('/');
  }
  await el.disconnect({ quiet: true });
  return { shown, resorts, entries, drawn };
}

window.bench = { largeFolder, rawDownload, rawUpload, ftpDownload, ftpUpload, firstListing, rangedDownload };
window.benchReady = true;

/** Sends the results to the orchestrator over its WebSocket. */
async function report(url, results) {
  const ws = new WebSocket(url);
  await new Promise((resolve) => { ws.onopen = resolve; });
  ws.send(JSON.stringify(results));
  ws.close();
}

// Without an automation driver attached (it would copy every WebSocket frame to
// itself), the page runs the whole sequence from its fragment and reports back.
const job = location.hash.length > 1 ? JSON.parse(decodeURIComponent(location.hash.slice(1))) : null;
if (job?.task === 'transfers') {
  const ftp = job.ftp;
  const results = { download: { raw: [], api: [], ftps: [] }, upload: { raw: [], api: [], ftps: [] } };
  try {
    for (let run = 0; run < job.runs; run++) {
      results.download.raw.push(await rawDownload(`${job.rawUrl}/down?bytes=${job.bytes}`, job.bytes));
      results.download.api.push(await ftpDownload(ftp, job.file));
      if (job.ftps) results.download.ftps.push(await ftpDownload(job.ftps, job.file));
      results.upload.raw.push(await rawUpload(`${job.rawUrl}/up?bytes=${job.bytes}`, job.bytes));
      results.upload.api.push(await ftpUpload(ftp, `upload-${run}.bin`, job.bytes));
      if (job.ftps) results.upload.ftps.push(await ftpUpload(job.ftps, `upload-tls-${run}.bin`, job.bytes));
    }
  } catch (error) {
    results.error = String(error?.message ?? error);
  }
  await report(`${job.rawUrl}/results`, results);
} else if (job?.task === 'ranges') {
  // Each server: 1, 2 and 4 sessions side by side in every run.
  const results = { cases: [] };
  try {
    for (const target of job.targets) {
      const runs = { label: target.label, size: target.size, sessions: {} };
      for (let run = 0; run < job.runs; run++) {
        for (const n of [1, 2, 4]) {
          (runs.sessions[n] ??= []).push(await rangedDownload(target.ftp, target.file, target.size, n));
        }
      }
      results.cases.push(runs);
    }
  } catch (error) {
    results.error = String(error?.message ?? error);
  }
  await report(`${job.rawUrl}/results`, results);
} else if (job?.task === 'folder') {
  let result;
  try {
    result = await largeFolder(job.ftp, job.path, job.runs);
  } catch (error) {
    result = { error: String(error?.message ?? error) };
  }
  await report(`${job.rawUrl}/results`, result);
} else if (job?.task === 'listing') {
  let result;
  try {
    result = await firstListing(job.ftp, '/');
  } catch (error) {
    result = { error: String(error?.message ?? error) };
  }
  await report(`${job.rawUrl}/results`, result);
}
