// FTPS in headless Chromium: TLS runs in this page (rustls in the wasm module) and the
// relay carries only ciphertext. Run by crates/ftpbridge-e2e (tests/tls.rs), which
// starts vsftpd (explicit TLS, certificate from a test CA), proftpd (implicit TLS),
// pure-ftpd (self-signed), a plain pyftpdlib and a relay serving the app. Without
// those variables every test here is skipped.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

const env = (name) => process.env[`FTPBRIDGE_TLS_${name}`] ?? '';
const APP = env('APP_URL');
const skip = APP ? false : 'needs the servers of crates/ftpbridge-e2e (cargo test -p ftpbridge-e2e --test tls)';
const server = (spec) => {
  const [host, port, user, password] = spec.split(':');
  return { relay: env('RELAY_URL'), host, port: Number(port), user, password, timeoutMs: 20000 };
};
const [FILE_SIZE, FILE_SHA] = env('FILE').split(':');

let browser;
let context;
let page;
const inPage = (fn, args) => page.evaluate(fn, args);

describe('FTPS in the page', { skip }, () => {
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: env('CHROMIUM') || '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-quic'],
    });
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (error) => console.log('page error:', error.message));
    await page.goto(APP);
    await inPage(async () => {
      window.ftp = await import('/index.js');
      window.pattern = (length, seed) => {
        const out = new Uint8Array(length);
        for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) % 251;
        return out;
      };
      window.hex = async (bytes) =>
        [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
      window.readAll = async (stream) => {
        const chunks = [];
        const reader = stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
        }
        const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
        let at = 0;
        for (const c of chunks) { out.set(c, at); at += c.byteLength; }
        return out;
      };
      window.failure = (error) => ({ code: error.code, detail: error.detail ?? null, message: String(error.message), certificate: error.certificate ?? null });
    });
  });

  after(async () => {
    await browser?.close();
  });

  test('explicit TLS with vsftpd: five rounds of list, download and upload, byte-exact; a resumed download', async () => {
    const options = { ...server(env('VSFTPD')), tls: 'require', caCertificates: [env('VSFTPD_CA')] };
    const result = await inPage(async ({ options, size }) => {
      const client = await window.ftp.FtpClient.connect(options);
      const security = client.security;
      const rounds = [];
      for (let round = 0; round < 5; round++) {
        const names = (await client.list()).map((e) => e.name);
        const got = await window.readAll(client.download('big.bin'));
        const sent = await client.upload(`up-${round}.bin`, new Blob([window.pattern(1024 * 1024 + round, round)]));
        rounds.push({ listed: names.includes('big.bin'), length: got.byteLength, sha: await window.hex(got), sent });
      }
      const half = Math.floor(size / 2);
      const rest = await window.readAll(client.download('big.bin', { offset: half }));
      const whole = await window.readAll(client.download('big.bin'));
      const joined = new Uint8Array(size);
      joined.set(whole.subarray(0, half));
      joined.set(rest, half);
      await client.close();
      return { security, rounds, resumed: await window.hex(joined), restLength: rest.byteLength };
    }, { options, size: Number(FILE_SIZE) });
    const tls = result.security.tls;
    assert.ok(tls, 'the session is in TLS');
    assert.match(tls.version, /^TLS 1\.[23]$/);
    assert.equal(tls.trustedBy, 'authority');
    assert.match(tls.certificate.subject, /CN=localhost/);
    assert.match(tls.certificate.issuer, /ftpbridge test CA/);
    assert.match(tls.certificate.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(result.security.dataProtected, true);
    for (const [i, round] of result.rounds.entries()) {
      assert.ok(round.listed, `round ${i}: the listing`);
      assert.equal(round.length, Number(FILE_SIZE), `round ${i}: the download's length`);
      assert.equal(round.sha, FILE_SHA, `round ${i}: the download's bytes`);
      assert.equal(round.sent, 1024 * 1024 + i, `round ${i}: the upload's length`);
    }
    assert.equal(result.restLength, Number(FILE_SIZE) - Math.floor(Number(FILE_SIZE) / 2));
    assert.equal(result.resumed, FILE_SHA, 'the resumed download completes the file');
  });

  test('implicit TLS with proftpd', async () => {
    const options = { ...server(env('PROFTPD')), tls: 'implicit', caCertificates: [env('PROFTPD_CA')] };
    const result = await inPage(async (options) => {
      const client = await window.ftp.FtpClient.connect(options);
      const got = await window.readAll(client.download('big.bin'));
      const security = client.security;
      await client.close();
      return { sha: await window.hex(got), security };
    }, options);
    assert.equal(result.sha, FILE_SHA);
    assert.ok(result.security.tls && result.security.dataProtected);
  });

  test('the certificate is checked: the built-in roots do not know the test CA', async () => {
    const options = { ...server(env('VSFTPD')), tls: 'require' };
    const failure = await inPage(async (options) => {
      try {
        await window.ftp.FtpClient.connect(options);
        return null;
      } catch (error) {
        return window.failure(error);
      }
    }, options);
    assert.ok(failure, 'refused');
    assert.equal(failure.code, 'certificate');
    assert.equal(failure.detail, 'unknown_issuer');
    assert.match(failure.certificate.issuer, /ftpbridge test CA/);
  });

  test('a host that did TLS before and answers in plain is refused as a downgrade', async () => {
    const options = { ...server(env('PLAIN')), tls: 'if-available', expectTls: true };
    const failure = await inPage(async (options) => {
      try {
        await window.ftp.FtpClient.connect(options);
        return null;
      } catch (error) {
        return window.failure(error);
      }
    }, options);
    assert.equal(failure?.code, 'tls_downgrade');
  });

  test('<ftp-browser>: a self-signed server is shown, trusted on request, and remembered', async () => {
    const pure = server(env('PURE'));
    const p = await context.newPage();
    await p.goto(APP);
    const form = async () => {
      await p.getByRole('combobox', { name: 'Host' }).fill(pure.host);
      await p.getByRole('spinbutton', { name: 'Port' }).fill(String(pure.port));
      await p.getByRole('textbox', { name: 'User name' }).fill(pure.user);
      await p.getByLabel('Password').fill(pure.password);
      await p.getByRole('button', { name: 'Connect', exact: true }).click();
    };
    await form();
    const alert = p.locator('ftp-browser .connect [role="alert"]');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /self-signed/);
    assert.match(text, /SHA-256/);
    await p.getByRole('button', { name: 'Trust this key and connect' }).click();
    await p.locator('ftp-browser tbody tr[data-name="big.bin"]').waitFor();
    const lock = p.locator('ftp-browser .statusbar .security');
    assert.match(await lock.innerText(), /Encrypted \(TLS 1\.[23]\)/);
    await lock.click();
    const panel = p.locator('ftp-browser .security-panel');
    assert.match(await panel.innerText(), /By the key you trusted/);
    assert.match(await panel.innerText(), /([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    await p.close();

    // A new page of the same browser: the key is remembered, no question asked.
    const again = await context.newPage();
    await again.goto(APP);
    const p2 = again;
    await p2.getByRole('combobox', { name: 'Host' }).fill(pure.host);
    await p2.getByRole('spinbutton', { name: 'Port' }).fill(String(pure.port));
    await p2.getByRole('textbox', { name: 'User name' }).fill(pure.user);
    await p2.getByLabel('Password').fill(pure.password);
    await p2.getByRole('button', { name: 'Connect', exact: true }).click();
    await p2.locator('ftp-browser tbody tr[data-name="big.bin"]').waitFor();
    await p2.close();
  });
});
