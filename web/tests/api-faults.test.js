// Faults seen through the JavaScript API (FtpClient) in headless Chromium. Run by
// crates/ftpbridge-e2e (tests/api_faults.rs), which starts vsftpd, a pyftpdlib that
// resets its first data connection, and a relay serving the app, and breaks them when
// asked through its control endpoint (FTPBRIDGE_FAULTS_CONTROL_URL). Without those
// variables every test here is skipped.
//
// A transfer is held in the middle by not reading its stream (a download) or by an
// upload source that waits for a go-ahead, then the fault is injected, then the
// transfer is let go: the page must see an FtpError with the right code, never a short
// file reported complete, and the resume must complete the file byte-exact.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

const env = (name) => process.env[`FTPBRIDGE_FAULTS_${name}`] ?? '';
const APP = env('APP_URL');
const skip = APP ? false : 'needs the servers of crates/ftpbridge-e2e (cargo test -p ftpbridge-e2e --test api_faults)';
const server = (spec) => {
  const [host, port, user, password] = spec.split(':');
  return { relay: env('RELAY_URL'), host, port: Number(port), user, password, mode: 'passive', tls: 'plain' };
};
const VSFTPD = APP ? server(env('VSFTPD')) : null;
const FAULTY = APP ? server(env('FAULTY')) : null;
const [BIG_SIZE, BIG_SHA] = env('BIG').split(':');
const [CUT_SIZE, CUT_SHA, CUT_AT] = env('CUT').split(':');
const UPLOAD_SIZE = Number(env('UPLOAD'));
const MiB = 1024 * 1024;

/** Asks the Rust side to break (or mend) something; returns its answer. */
async function control(action) {
  const response = await fetch(`${env('CONTROL_URL')}${action}`, { method: 'POST' });
  const text = await response.text();
  assert.equal(response.status, 200, `${action}: ${text}`);
  return text;
}

let browser;
let page;

/** Runs `fn(args)` in the page, where `window.ftp` is the ftpbridge module. */
const inPage = (fn, args) => page.evaluate(fn, args);

describe('FtpClient faults', { skip }, () => {
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: env('CHROMIUM') || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-quic'],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => console.log('page error:', error.message));
    page.on('console', (message) => console.log('page:', message.text()));
    await page.goto(APP);
    await inPage(async (vsftpd) => {
      window.ftp = await import('/index.js');
      window.vsftpd = vsftpd;
      // Helpers the tests share: the bytes both sides agree on, and a SHA-256.
      window.pattern = (length, seed, from = 0) => {
        const out = new Uint8Array(length);
        for (let i = 0; i < length; i++) out[i] = ((from + i) * 31 + seed) % 251;
        return out;
      };
      window.hex = async (bytes) =>
        [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('');
      window.concat = (chunks) => {
        const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
        let at = 0;
        for (const c of chunks) { out.set(c, at); at += c.byteLength; }
        return out;
      };
      window.failure = (error) => ({
        isFtpError: error instanceof window.ftp.FtpError,
        code: error.code,
        replyCode: error.replyCode ?? null,
        detail: error.detail ?? null,
        message: String(error.message),
      });
    }, VSFTPD);
  });

  after(async () => {
    await browser?.close();
  });

  /** Starts a download and reads until `bytes` arrived, then holds it (no reads). */
  const startHeldDownload = (options, path, bytes) => inPage(async ({ options, path, bytes }) => {
    const client = await window.ftp.FtpClient.connect({ ...options, timeoutMs: 10000 });
    const reader = client.download(path).getReader();
    const chunks = [];
    let got = 0;
    while (got < bytes) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the download ended after ${got} bytes`);
      chunks.push(value);
      got += value.byteLength;
    }
    window.held = { client, reader, chunks };
    return got;
  }, { options, path, bytes });

  /** Lets the held download go on; resolves with how it ended. */
  const finishHeldDownload = () => inPage(async () => {
    const { client, reader, chunks } = window.held;
    let outcome;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) { outcome = { completed: true }; break; }
        chunks.push(value);
      }
    } catch (error) {
      outcome = window.failure(error);
    }
    await client.close().catch(() => {});
    const kept = chunks.reduce((n, c) => n + c.byteLength, 0);
    return { ...outcome, kept };
  });

  /** Downloads `path` from `offset` on a new session and checks the whole file. */
  const resumeHeldDownload = (options, path, offset) => inPage(async ({ options, path, offset }) => {
    const client = await window.ftp.FtpClient.connect({ ...options, timeoutMs: 10000 });
    const reader = client.download(path, { offset }).getReader();
    const { chunks } = window.held;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    await client.close();
    const whole = window.concat(chunks);
    return { size: whole.byteLength, sha: await window.hex(whole) };
  }, { options, path, offset });

  test('the server killed in the middle of a download: a clear error, then the resume', async () => {
    const read = await startHeldDownload(VSFTPD, 'big.bin', 2 * MiB);
    await control('/vsftpd/kill');
    const outcome = await finishHeldDownload();
    assert.equal(outcome.completed, undefined, `a short download was reported complete: ${JSON.stringify(outcome)}`);
    assert.ok(outcome.isFtpError, JSON.stringify(outcome));
    assert.equal(outcome.code, 'connection', outcome.message);
    assert.ok(['server_closed', 'reset', 'data_connection'].includes(outcome.detail), `detail ${outcome.detail}: ${outcome.message}`);
    assert.ok(outcome.kept >= read && outcome.kept < Number(BIG_SIZE), `${outcome.kept} bytes kept`);
    await control('/vsftpd/restart');
    const resumed = await resumeHeldDownload(VSFTPD, 'big.bin', outcome.kept);
    assert.equal(resumed.size, Number(BIG_SIZE));
    assert.equal(resumed.sha, BIG_SHA, 'the resumed download differs from the file');
  });

  test('the server killed in the middle of an upload: a clear error, then the resume', async () => {
    // An upload source that stops after 4 MiB until the page is told to go on.
    await inPage(async ({ size }) => {
      const client = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      let sent = 0;
      let release;
      const gate = new Promise((resolve) => { release = resolve; });
      const source = new ReadableStream({
        async pull(controller) {
          if (sent >= 4 * 1024 * 1024) await gate;
          if (sent >= size) { controller.close(); return; }
          const n = Math.min(256 * 1024, size - sent);
          controller.enqueue(window.pattern(n, 3, sent));
          sent += n;
        },
      }, { highWaterMark: 0 });
      window.upload = { client, release, done: client.upload('upload.bin', source).then(
        (bytes) => ({ completed: true, bytes }),
        (error) => window.failure(error),
      ) };
    }, { size: UPLOAD_SIZE });
    // The server holds the first bytes: kill it there.
    for (let i = 0; Number(await control('/upload/size')) === 0; i++) {
      assert.ok(i < 2000, 'the upload never reached the server');
      await new Promise((resolve) => setImmediate(resolve));
    }
    await control('/vsftpd/kill');
    const outcome = await inPage(async () => {
      window.upload.release();
      const outcome = await window.upload.done;
      await window.upload.client.close().catch(() => {});
      return outcome;
    });
    assert.equal(outcome.completed, undefined, `an interrupted upload was reported complete: ${JSON.stringify(outcome)}`);
    assert.ok(outcome.isFtpError, JSON.stringify(outcome));
    assert.equal(outcome.code, 'connection', outcome.message);
    await control('/vsftpd/restart');
    const partial = Number(await control('/upload/size'));
    assert.ok(partial < UPLOAD_SIZE, `the server holds ${partial} bytes`);
    // The resume sends the rest of the same bytes (the Rust side checks the file).
    const sent = await inPage(async ({ size }) => {
      const client = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      const bytes = await client.upload('upload.bin', new Blob([window.pattern(size, 3)]), { resume: true });
      await client.close();
      return bytes;
    }, { size: UPLOAD_SIZE });
    assert.ok(sent <= UPLOAD_SIZE - partial, `${sent} bytes sent to complete ${partial} of ${UPLOAD_SIZE}`);
  });

  test('the data connection reset: the server\'s 426 in the error, then the resume', async () => {
    const outcome = await inPage(async (options) => {
      const client = await window.ftp.FtpClient.connect({ ...options, timeoutMs: 10000 });
      const chunks = [];
      let outcome;
      try {
        const reader = client.download('cut.bin').getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) { outcome = { completed: true }; break; }
          chunks.push(value);
        }
      } catch (error) {
        outcome = window.failure(error);
      }
      window.held = { chunks };
      const kept = chunks.reduce((n, c) => n + c.byteLength, 0);
      // The session is still usable after the failed transfer.
      const listed = (await client.list('/')).map((entry) => entry.name);
      await client.close();
      return { ...outcome, kept, listed };
    }, FAULTY);
    assert.equal(outcome.completed, undefined, `a cut download was reported complete: ${JSON.stringify(outcome)}`);
    assert.ok(outcome.isFtpError, JSON.stringify(outcome));
    assert.equal(outcome.code, 'connection', outcome.message);
    assert.equal(outcome.replyCode, 426, outcome.message);
    assert.equal(outcome.detail, 'data_connection', outcome.message);
    assert.ok(outcome.kept <= Number(CUT_AT), `${outcome.kept} bytes kept`);
    assert.ok(outcome.listed.includes('cut.bin'), JSON.stringify(outcome.listed));
    const resumed = await resumeHeldDownload(FAULTY, 'cut.bin', outcome.kept);
    assert.equal(resumed.size, Number(CUT_SIZE));
    assert.equal(resumed.sha, CUT_SHA, 'the resumed download differs from the file');
  });

  test('a server that does not answer: a timeout, not a hang', async () => {
    await control('/vsftpd/freeze');
    try {
      const outcome = await inPage(async () => {
        try {
          await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 1500 });
          return { completed: true };
        } catch (error) {
          return window.failure(error);
        }
      });
      assert.ok(outcome.isFtpError, JSON.stringify(outcome));
      assert.equal(outcome.code, 'timeout', outcome.message);
      assert.match(outcome.message, /greeting/);
    } finally {
      await control('/vsftpd/thaw');
    }
  });

  test('the relay restarted in the middle of a session: the session fails clearly, a new one works', async () => {
    await inPage(async () => {
      window.session = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      await window.session.list('/');
    });
    await control('/relay/restart');
    const outcome = await inPage(async () => {
      try {
        await window.session.list('/');
        return { completed: true };
      } catch (error) {
        return window.failure(error);
      }
    });
    assert.ok(outcome.isFtpError, JSON.stringify(outcome));
    assert.ok(['connection', 'closed'].includes(outcome.code), `${outcome.code}: ${outcome.message}`);
    assert.match(outcome.message, /relay/);
    if (outcome.code === 'connection') assert.match(String(outcome.detail), /^relay_(lost|shutdown)$/, outcome.message);
    const names = await inPage(async () => {
      const client = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      const entries = await client.list('/');
      await client.close();
      return entries.map((entry) => entry.name);
    });
    assert.ok(names.includes('big.bin'), JSON.stringify(names));
  });

  test('the WebSocket dropped: the session fails clearly, a new one works once the relay is back', async () => {
    await inPage(async () => {
      window.session = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      await window.session.list('/');
    });
    await control('/relay/drop');
    const outcome = await inPage(async () => {
      try {
        await window.session.list('/');
        return { completed: true };
      } catch (error) {
        return window.failure(error);
      }
    });
    assert.ok(outcome.isFtpError, JSON.stringify(outcome));
    assert.ok(['connection', 'closed'].includes(outcome.code), `${outcome.code}: ${outcome.message}`);
    assert.match(outcome.message, /relay/);
    if (outcome.code === 'connection') assert.match(String(outcome.detail), /^relay_(lost|shutdown)$/, outcome.message);
    await control('/relay/start');
    const names = await inPage(async () => {
      const client = await window.ftp.FtpClient.connect({ ...window.vsftpd, timeoutMs: 10000 });
      const entries = await client.list('/');
      await client.close();
      return entries.map((entry) => entry.name);
    });
    assert.ok(names.includes('big.bin'), JSON.stringify(names));
  });
});
