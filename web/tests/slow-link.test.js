// FtpClient in headless Chromium on a slow link. Run by crates/ftpbridge-e2e
// (tests/slow_link.rs) inside a network namespace whose loopback is limited to
// 8 Mbit/s: the page, the relay and the FTP server all share that link. Every session
// runs with a 2 s timeout, and every transfer takes several times as long; a page that
// stops reading, or an upload source that pauses, holds a transfer longer than the
// timeout too. Each must complete byte-exact. Without the variables every test here is
// skipped.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

const env = (name) => process.env[`FTPBRIDGE_SLOW_${name}`] ?? '';
const APP = env('APP_URL');
const skip = APP ? false : 'needs the namespace of crates/ftpbridge-e2e (cargo test -p ftpbridge-e2e --test slow_link)';
const SERVER = (() => {
  if (!APP) return null;
  const [host, port, user, password] = env('SERVER').split(':');
  return { relay: env('RELAY_URL'), host, port: Number(port), user, password, mode: 'passive', timeoutMs: 2000, tls: 'plain' };
})();
const [SIZE, SHA] = env('FILE').split(':');
/** How long the page or its source pauses: more than twice the timeout. */
const PAUSE_MS = 5000;

let browser;
let page;
const inPage = (fn, args) => page.evaluate(fn, args);

describe('FtpClient on a slow link', { skip }, () => {
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: env('CHROMIUM') || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-quic',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => console.log('page error:', error.message));
    await page.goto(APP);
    await inPage(async (server) => {
      window.ftp = await import('/index.js');
      window.server = server;
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
      window.pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      /** Reads a download to its end, pausing `pauseMs` after the first `pauseAt` bytes. */
      window.fetchAll = async (client, path, pauseAt = Infinity, pauseMs = 0) => {
        const reader = client.download(path).getReader();
        const chunks = [];
        let got = 0;
        let paused = false;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          got += value.byteLength;
          if (!paused && got >= pauseAt) {
            paused = true;
            await window.pause(pauseMs);
          }
        }
        return window.concat(chunks);
      };
    }, SERVER);
  });

  after(async () => {
    await browser?.close();
  });

  test('a download and an upload several times longer than the timeout', async () => {
    const result = await inPage(async () => {
      const client = await window.ftp.FtpClient.connect(window.server);
      let started = performance.now();
      const bytes = await window.fetchAll(client, 'file.bin');
      const down = performance.now() - started;
      started = performance.now();
      const sent = await client.upload('up.bin', new Blob([bytes]));
      const up = performance.now() - started;
      await client.close();
      return { size: bytes.byteLength, sha: await window.hex(bytes), sent, down, up };
    });
    console.log(`down ${result.size} bytes in ${(result.down / 1000).toFixed(1)} s, up in ${(result.up / 1000).toFixed(1)} s, timeout 2 s`);
    assert.equal(result.size, Number(SIZE));
    assert.equal(result.sha, SHA);
    assert.equal(result.sent, Number(SIZE));
    assert.ok(result.down > 2 * 2000, `the download took only ${result.down} ms: the link is not slow`);
  });

  test('a page that stops reading for longer than the timeout is not a stalled server', async () => {
    const result = await inPage(async (pauseMs) => {
      const client = await window.ftp.FtpClient.connect(window.server);
      const bytes = await window.fetchAll(client, 'file.bin', 256 * 1024, pauseMs);
      await client.close();
      return { size: bytes.byteLength, sha: await window.hex(bytes) };
    }, PAUSE_MS);
    assert.equal(result.size, Number(SIZE));
    assert.equal(result.sha, SHA);
  });

  test('an upload source that pauses for longer than the timeout is not a stalled server', async () => {
    const sent = await inPage(async (pauseMs) => {
      const client = await window.ftp.FtpClient.connect(window.server);
      const part = new Uint8Array(512 * 1024).fill(7);
      let step = 0;
      const source = new ReadableStream({
        async pull(controller) {
          step += 1;
          if (step === 3) await window.pause(pauseMs);
          if (step > 4) controller.close();
          else controller.enqueue(part.slice());
        },
      });
      const sent = await client.upload('paused.bin', source);
      await client.close();
      return sent;
    }, PAUSE_MS);
    assert.equal(sent, 4 * 512 * 1024);
  });
});
