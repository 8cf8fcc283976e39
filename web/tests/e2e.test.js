// The web app and <ftp-browser> in headless Chromium (playwright-core, Debian's chromium).
// Run by crates/ftpbridge-e2e (cargo test -p ftpbridge-e2e), which starts vsftpd, the
// relay and two static sites and passes them in FTPBRIDGE_E2E_* variables; without
// them every test here is skipped.
//
// The tests share one page and run in order. They wait for elements and states, never
// for time. What they upload is written to FTPBRIDGE_E2E_RESULTS so that the Rust side
// checks the bytes on the server's disk.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const env = (name) => process.env[`FTPBRIDGE_E2E_${name}`] ?? '';
const APP = env('APP_URL');
const FTP = {
  host: env('FTP_HOST'),
  port: env('FTP_PORT'),
  user: env('FTP_USER'),
  password: env('FTP_PASSWORD'),
};
const SHOTS = env('SCREENSHOTS') || 'target/screenshots';
const WORK = env('WORK');
const skip = APP ? false : 'needs the servers of crates/ftpbridge-e2e (cargo test -p ftpbridge-e2e)';

const FLAGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const results = { files: [], absent: [], dirs: [], busy: [] };

let browser;
let context;
let page;

/**
 * In every page: a save picker that writes to the origin-private file system (headless
 * Chromium has no picker), with a gate the test can close to hold a download mid-way.
 */
function pickerInitScript() {
  const gate = { hold: false, after: 0, reached: false, waiters: [] };
  window.__ftpGate = gate;
  window.__ftpSaved = [];
  window.__ftpHold = (bytes) => {
    gate.hold = true;
    gate.after = bytes;
    gate.reached = false;
  };
  window.__ftpRelease = () => {
    gate.hold = false;
    for (const resolve of gate.waiters.splice(0)) resolve();
  };
  // Uploads read Blob.stream(): the same kind of gate holds one mid-way.
  const upload = { hold: false, after: 0, reached: false, waiting: 0, release: null, waiters: [] };
  window.__ftpUploadGate = upload;
  window.__ftpHoldUpload = (bytes) => {
    upload.hold = true;
    upload.after = bytes;
    upload.reached = false;
  };
  window.__ftpReleaseUpload = () => {
    upload.hold = false;
    for (const resolve of upload.waiters.splice(0)) resolve();
    upload.waiting = 0;
  };
  const stream = Blob.prototype.stream;
  Blob.prototype.stream = function gatedStream() {
    const inner = stream.call(this).getReader();
    let sent = 0;
    return new ReadableStream({
      async pull(controller) {
        if (upload.hold && sent >= upload.after) {
          upload.reached = true;
          upload.waiting += 1;
          await new Promise((resolve) => {
            upload.waiters.push(resolve);
          });
        }
        const { value, done } = await inner.read();
        if (done) controller.close();
        else {
          sent += value.byteLength;
          controller.enqueue(value);
        }
      },
      cancel: (reason) => inner.cancel(reason),
    });
  };
  // A folder the user "picks" for downloads: the same one each time, in the page's
  // private file system, so a second download into it meets the first's files.
  window.showDirectoryPicker = async () => {
    const root = await navigator.storage.getDirectory();
    return root.getDirectoryHandle('picked-folder', { create: true });
  };
  // Every file handle's writes pass the gate: the picker's handles are real ones (of
  // the origin-private file system), so that IndexedDB can keep them across a reload.
  const createWritable = FileSystemFileHandle.prototype.createWritable;
  FileSystemFileHandle.prototype.createWritable = async function gatedWritable(options) {
    const writable = await createWritable.call(this, options);
    let written = 0;
    return {
      async write(chunk) {
        if (gate.hold && written >= gate.after) {
          gate.reached = true;
          await new Promise((resolve) => {
            gate.waiters.push(resolve);
          });
        }
        // A chunk, or a write at a position (a download in ranges).
        written += chunk?.data?.byteLength ?? chunk.byteLength;
        return writable.write(chunk);
      },
      seek: (at) => writable.seek(at),
      truncate: (size) => writable.truncate(size),
      close: () => writable.close(),
      abort: (reason) => writable.abort(reason),
    };
  };
  let n = 0;
  window.showSaveFilePicker = async ({ suggestedName } = {}) => {
    const root = await navigator.storage.getDirectory();
    const name = `${++n}-${suggestedName ?? 'download'}`;
    window.__ftpSaved.push(name);
    return root.getFileHandle(name, { create: true });
  };
}

/** SHA-256 of a file the mock picker saved, computed in the page. */
async function savedHash(p, index = -1) {
  return p.evaluate(async (index) => {
    const name = window.__ftpSaved.at(index);
    const root = await navigator.storage.getDirectory();
    const file = await (await root.getFileHandle(name)).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return { size: file.size, hash: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }, index);
}

const el = (p) => p.locator('ftp-browser');
const row = (p, name) => p.locator(`ftp-browser tbody tr[data-name="${name}"]`);
const transfer = (p, name) => p.locator('ftp-browser .transfers li').filter({ has: p.locator('.t-name', { hasText: name }) }).last();

async function shot(p, name) {
  await mkdir(SHOTS, { recursive: true });
  await p.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function pathIs(p, path) {
  await p.waitForFunction((path) => document.querySelector('ftp-browser')?.path === path, path);
}

/** Waits until the transfer of `name` ends and returns its state and error text. */
async function finished(p, name) {
  const item = transfer(p, name);
  await item.and(p.locator('[data-state="done"], [data-state="failed"], [data-state="cancelled"]')).waitFor();
  return { state: await item.getAttribute('data-state'), error: await item.locator('.t-error').textContent() };
}

async function fillForm(p, { user = FTP.user, password = FTP.password, port = FTP.port, mode, encoding, tls = 'plain' } = {}) {
  await p.getByRole('combobox', { name: 'Host' }).fill(FTP.host);
  // The test servers here speak plain FTP; the TLS tests choose otherwise.
  await p.getByRole('combobox', { name: 'Encryption' }).selectOption(tls);
  await p.getByRole('spinbutton', { name: 'Port' }).fill(String(port));
  await p.getByRole('textbox', { name: 'User name' }).fill(user);
  await p.getByLabel('Password').fill(password);
  if (mode || encoding) {
    const advanced = p.locator('ftp-browser details.advanced');
    if (!(await advanced.evaluate((d) => d.open))) await p.getByText('Advanced').click();
    if (mode) await p.getByRole('combobox', { name: 'Transfer mode' }).selectOption(mode);
    if (encoding) await p.getByRole('combobox', { name: 'File name encoding' }).selectOption(encoding);
  }
}

async function connect(p, options) {
  await fillForm(p, options);
  await p.getByRole('button', { name: 'Connect', exact: true }).click();
}

async function freshPage() {
  const p = await context.newPage();
  p.setDefaultTimeout(Number(env("TIMEOUT_MS")) || 30_000);
  p.on('pageerror', (error) => console.error('page error:', error));
  p.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') console.error(`console ${message.type()}: ${message.text()}`);
  });
  return p;
}

describe('ftpbridge in headless Chromium', { skip }, () => {
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: env('CHROMIUM') || '/usr/bin/chromium', args: FLAGS });
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    await context.addInitScript(pickerInitScript);
    page = await freshPage();
  });

  after(async () => {
    if (env('RESULTS')) await writeFile(env('RESULTS'), JSON.stringify(results, null, 2));
    await browser?.close();
  });

  test('the connect form, and a wrong password gives a readable error', async () => {
    await page.goto(APP);
    await page.getByRole('combobox', { name: 'Host' }).waitFor();
    await shot(page, '01-connect-form');
    await connect(page, { password: 'wrong-password' });
    const alert = page.locator('ftp-browser .connect [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /refused the user name or password/);
    assert.doesNotMatch(await alert.locator('.title').innerText(), /530/);
    // The technical details hold the exchange, password masked.
    await alert.getByText('Technical details').click();
    const transcript = await alert.locator('pre.transcript').innerText();
    assert.match(transcript, /USER ftpbridge|USER /);
    assert.match(transcript, /530/);
    assert.ok(!transcript.includes('wrong-password'), 'the password is masked');
    await shot(page, '02-wrong-password');
  });

  test('connect and list; the URL carries the place but never the password', async () => {
    await connect(page);
    await row(page, 'docs').waitFor();
    await row(page, 'big.bin').waitFor();
    assert.equal(await row(page, '.hidden-file').count(), 0, 'hidden files are hidden by default');
    const grid = page.getByRole('grid', { name: 'Files' });
    assert.equal(await grid.getAttribute('aria-rowcount'), String((await page.locator('ftp-browser tbody tr').count()) + 1));
    const first = await page.locator('ftp-browser tbody tr').first().getAttribute('data-name');
    assert.equal(first, 'bulk', 'folders first, by name');
    assert.equal(await row(page, first).getAttribute('aria-selected'), 'true', 'the first row is selected');
    assert.match(page.url(), new RegExp(`#ftp://${FTP.user}@${FTP.host}:${FTP.port}/`));
    assert.ok(!page.url().includes(FTP.password), 'no password in the URL');
    assert.equal(await row(page, 'big.bin').locator('td.size').innerText(), '52.4 MB');
    // What assistive technology sees: a grid with sortable headers and selectable rows.
    const tree = await grid.ariaSnapshot();
    assert.match(tree, /columnheader "Name/);
    assert.match(tree, /row "bulk[^"]*" \[selected\]/);
    assert.match(tree, /gridcell "big\.bin"/);
    await shot(page, '03-listing');
  });

  test('folders: Enter opens, Backspace goes up, breadcrumbs, back and forward', async () => {
    await row(page, 'docs').click();
    await page.keyboard.press('Enter');
    await pathIs(page, '/docs');
    await row(page, 'readme.txt').waitFor();
    await row(page, 'guide').dblclick();
    await pathIs(page, '/docs/guide');
    await row(page, 'chapter-1.txt').waitFor();
    assert.equal(await page.locator('ftp-browser .crumbs [aria-current="page"]').innerText(), 'guide');
    await page.keyboard.press('Backspace');
    await pathIs(page, '/docs');
    await row(page, 'guide').and(page.locator('[aria-selected="true"]')).waitFor();
    // Back and forward walk the folders.
    await page.goBack();
    await pathIs(page, '/docs/guide');
    await page.goBack();
    await pathIs(page, '/docs');
    await page.goForward();
    await pathIs(page, '/docs/guide');
    assert.match(page.url(), /\/docs\/guide$/);
    await page.locator('ftp-browser .crumbs button').first().click();
    await pathIs(page, '/');
    await row(page, 'docs').waitFor();
  });

  test('sorting by column and the hidden-files toggle', async () => {
    const names = () => page.locator('ftp-browser tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.name));
    const size = page.locator('ftp-browser th[data-key="size"]');
    await size.getByRole('button').click();
    assert.equal(await size.getAttribute('aria-sort'), 'descending');
    const bySize = await names();
    const files = bySize.filter((n) => n.includes('.'));
    assert.deepEqual(files.slice(0, 2), ['big.bin', 'medium.bin']);
    assert.ok(bySize.indexOf('docs') < bySize.indexOf('big.bin'), 'folders first');
    const name = page.locator('ftp-browser th[data-key="name"]');
    await name.getByRole('button').click();
    assert.equal(await name.getAttribute('aria-sort'), 'ascending');
    const hidden = page.getByRole('button', { name: 'Show hidden files' });
    assert.equal(await hidden.getAttribute('aria-pressed'), 'false');
    await hidden.click();
    await row(page, '.hidden-file').waitFor();
    assert.equal(await hidden.getAttribute('aria-pressed'), 'true');
    await hidden.click();
    await row(page, '.hidden-file').waitFor({ state: 'detached' });
  });

  test('download a small file with the keyboard (Blob URL) and hear about it', async () => {
    await el(page).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
    await row(page, 'small.txt').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'small.txt');
    assert.equal(await readFile(await download.path(), 'utf8'), 'small file\n');
    assert.equal((await finished(page, 'small.txt')).state, 'done');
    await page.locator('ftp-browser [role="status"]', { hasText: 'Downloaded small.txt' }).waitFor({ state: 'attached' });
  });

  test('download 50 MB to disk through the save picker and compare SHA-256', async () => {
    await el(page).evaluate((e) => e.setAttribute('download-strategy', 'auto'));
    // One transfer at a time: the file comes in one piece (ranges have a test of their own).
    await el(page).evaluate((e) => e.setAttribute('parallel', '1'));
    await row(page, 'big.bin').click();
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const end = await finished(page, 'big.bin');
    assert.equal(end.state, 'done', end.error);
    const saved = await savedHash(page);
    assert.equal(saved.size, Number(env('BIG_SIZE')));
    assert.equal(saved.hash, env('BIG_SHA256'));
  });

  test('cancel a download, resume it, and get every byte', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.evaluate(() => window.__ftpHold(4 * 1024 * 1024));
    await row(page, 'big.bin').click();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__ftpGate.reached);
    const item = transfer(page, 'big.bin');
    await item.and(page.locator('[data-state="running"]')).waitFor();
    await shot(page, '04-transfer-in-progress');
    await item.getByRole('button', { name: 'Cancel big.bin' }).click();
    await page.evaluate(() => window.__ftpRelease());
    assert.equal((await finished(page, 'big.bin')).state, 'cancelled');
    const partial = Number(await item.getAttribute('data-bytes'));
    assert.ok(partial >= 4 * 1024 * 1024 && partial < Number(env('BIG_SIZE')), `kept ${partial} bytes`);
    const kept = await savedHash(page);
    assert.equal(kept.size, partial, 'the partial file holds what arrived');
    await item.getByRole('button', { name: 'Resume big.bin' }).click();
    await item.and(page.locator('[data-state="running"], [data-state="done"]')).waitFor();
    const end = await finished(page, 'big.bin');
    assert.equal(end.state, 'done', end.error);
    const saved = await savedHash(page);
    assert.equal(saved.size, Number(env('BIG_SIZE')));
    assert.equal(saved.hash, env('BIG_SHA256'));
    await el(page).evaluate((e) => e.removeAttribute('parallel'));
  });

  test('a large file downloads in ranges over three sessions (REST at each range’s start, ABOR at its end), is cancelled and resumed per range, and every byte is right', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await el(page).evaluate((e) => e.setAttribute('parallel', '3'));
    await page.evaluate(() => window.__ftpHold(12 * 1024 * 1024));
    await row(page, 'big.bin').click();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__ftpGate.reached);
    const item = transfer(page, 'big.bin');
    await item.and(page.locator('[data-state="running"]')).waitFor();
    assert.match(await item.innerText(), /3 sessions/);
    await item.getByRole('button', { name: 'Cancel big.bin' }).click();
    await page.evaluate(() => window.__ftpRelease());
    assert.equal((await finished(page, 'big.bin')).state, 'cancelled');
    const partial = Number(await item.getAttribute('data-bytes'));
    assert.ok(partial >= 12 * 1024 * 1024 && partial < Number(env('BIG_SIZE')), `kept ${partial} bytes`);
    await item.getByRole('button', { name: 'Resume big.bin' }).click();
    const end = await finished(page, 'big.bin');
    assert.equal(end.state, 'done', end.error);
    const saved = await savedHash(page);
    assert.equal(saved.size, Number(env('BIG_SIZE')));
    assert.equal(saved.hash, env('BIG_SHA256'));
    // The protocol log: RETR after REST at more than one offset, on transfer sessions
    // T1 to T3, and ABOR where a range ended before the file did.
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await page.locator('ftp-browser ol.log').waitFor();
    const log = await el(page).evaluate((e) => e.shadowRoot.querySelector('ol.log').innerText);
    const offsets = new Set([...log.matchAll(/REST (\d+)/g)].map((m) => Number(m[1])).filter((n) => n > 0));
    assert.ok(offsets.size >= 2, `REST at ${[...offsets]}`);
    assert.match(log, /ABOR/);
    for (const session of ['T1', 'T2', 'T3']) assert.ok(log.includes(session), `${session} in the log`);
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await el(page).evaluate((e) => e.setAttribute('parallel', '1'));
  });

  test('download through the service worker into the browser’s downloads', async () => {
    await el(page).evaluate((e) => e.setAttribute('download-strategy', 'service-worker'));
    await row(page, 'medium.bin').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'medium.bin');
    const bytes = await readFile(await download.path());
    assert.equal(sha256(bytes), env('MEDIUM_SHA256'));
    assert.equal((await finished(page, 'medium.bin')).state, 'done');
    assert.equal(Number(await transfer(page, 'medium.bin').getAttribute('data-bytes')), bytes.length);
    await el(page).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
  });

  test('upload with the file chooser', async () => {
    await row(page, 'uploads').dblclick();
    await pathIs(page, '/uploads');
    const bytes = randomBytes(2 * 1024 * 1024 + 7);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles({ name: 'chosen.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const end = await finished(page, 'chosen.bin');
    assert.equal(end.state, 'done', end.error);
    await row(page, 'chosen.bin').waitFor();

    // The same name again: the browser asks before replacing.
    const again = randomBytes(1024 * 1024 + 3);
    const choose = async () => {
      const [c] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
      await c.setFiles({ name: 'chosen.bin', mimeType: 'application/octet-stream', buffer: again });
      const dialog = page.getByRole('dialog', { name: 'Replace “chosen.bin”?' });
      await dialog.waitFor();
      return dialog;
    };
    const count = await page.locator('ftp-browser .transfers li').count();
    await (await choose()).getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.locator('ftp-browser .transfers li').count(), count, 'nothing queued');
    await (await choose()).getByRole('button', { name: 'Replace' }).click();
    await page.locator('ftp-browser .transfers li').nth(count).and(page.locator('[data-state="done"]')).waitFor();
    await row(page, 'chosen.bin').locator('td.size', { hasText: '1.0 MB' }).waitFor();
    results.files.push({ path: 'uploads/chosen.bin', sha256: sha256(again) });
    // Keep both: the upload goes under a free name, and the one there stays.
    const both = randomBytes(4096);
    const [c] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await c.setFiles({ name: 'chosen.bin', mimeType: 'application/octet-stream', buffer: both });
    await page.getByRole('dialog', { name: 'Replace “chosen.bin”?' }).getByRole('button', { name: 'Keep both' }).click();
    assert.equal((await finished(page, 'chosen (2).bin')).state, 'done');
    await row(page, 'chosen (2).bin').waitFor();
    results.files.push({ path: 'uploads/chosen (2).bin', sha256: sha256(both) });
  });

  test('cancel an upload, resume it, and the server has every byte', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 11);
    await page.evaluate(() => window.__ftpHoldUpload(1024 * 1024));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles({ name: 'resumed.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction(() => window.__ftpUploadGate.reached);
    const item = transfer(page, 'resumed.bin');
    await item.and(page.locator('[data-state="running"]')).waitFor();
    await item.getByRole('button', { name: 'Cancel resumed.bin' }).click();
    await page.evaluate(() => window.__ftpReleaseUpload());
    assert.equal((await finished(page, 'resumed.bin')).state, 'cancelled');
    // The part the server holds is listed, marked as partial.
    const partial = page.locator('ftp-browser tr[data-name="resumed.bin"][data-partial="true"]');
    await partial.waitFor();
    assert.equal(await partial.locator('.partial').textContent(), 'partial');
    await item.getByRole('button', { name: /^(Resume|Retry) resumed\.bin$/ }).click();
    const end = await finished(page, 'resumed.bin');
    assert.equal(end.state, 'done', end.error);
    await page.locator('ftp-browser tr[data-name="resumed.bin"]:not([data-partial])').waitFor();
    results.files.push({ path: 'uploads/resumed.bin', sha256: sha256(bytes) });

    // Stopped again, and this time the same file is chosen anew: the question offers
    // Resume, since the server holds less of it than this computer.
    const second = randomBytes(3 * 1024 * 1024 + 5);
    await page.evaluate(() => window.__ftpHoldUpload(1024 * 1024));
    const [c2] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await c2.setFiles({ name: 'again.bin', mimeType: 'application/octet-stream', buffer: second });
    await page.waitForFunction(() => window.__ftpUploadGate.reached);
    const held = transfer(page, 'again.bin');
    await held.getByRole('button', { name: 'Cancel again.bin' }).click();
    await page.evaluate(() => window.__ftpReleaseUpload());
    assert.equal((await finished(page, 'again.bin')).state, 'cancelled');
    await page.locator('ftp-browser tr[data-name="again.bin"][data-partial="true"]').waitFor();
    const [c3] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await c3.setFiles({ name: 'again.bin', mimeType: 'application/octet-stream', buffer: second });
    await page.getByRole('dialog', { name: 'Replace “again.bin”?' }).getByRole('button', { name: 'Resume' }).click();
    await page.locator('ftp-browser tr[data-name="again.bin"]:not([data-partial])').waitFor();
    results.files.push({ path: 'uploads/again.bin', sha256: sha256(second) });
    // It went on from the server's size (APPE), not from the start.
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await page.locator('ftp-browser ol.log').getByText('APPE /uploads/again.bin').waitFor();
    await page.getByRole('button', { name: 'Protocol log' }).click();
  });

  test('upload a folder with the folder chooser', async () => {
    const dir = join(WORK, 'picked');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'a.txt'), 'file a\n');
    await writeFile(join(dir, 'sub', 'b.txt'), 'file b in sub\n');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload a folder' }).click()]);
    await chooser.setFiles(dir);
    assert.equal((await finished(page, 'b.txt')).state, 'done');
    assert.equal((await finished(page, 'a.txt')).state, 'done');
    await row(page, 'picked').waitFor();
    results.dirs.push('uploads/picked', 'uploads/picked/sub');
    results.files.push(
      { path: 'uploads/picked/a.txt', sha256: sha256('file a\n') },
      { path: 'uploads/picked/sub/b.txt', sha256: sha256('file b in sub\n') },
      { path: 'uploads/picked/c.txt', sha256: sha256('file c, new\n') },
    );

    // The same folder again, changed: the files inside it, at every depth, would be
    // replaced, so it asks once for all of them. Cancel queues nothing.
    await writeFile(join(dir, 'a.txt'), 'file a, changed\n');
    await writeFile(join(dir, 'sub', 'b.txt'), 'file b, changed\n');
    const again = async (question) => {
      const [c] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload a folder' }).click()]);
      await c.setFiles(dir);
      const dialog = page.getByRole('dialog', { name: question });
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /“picked\/a\.txt”, “picked\/sub\/b\.txt” already exist/);
      return dialog;
    };
    const count = await page.locator('ftp-browser .transfers li').count();
    await (await again('Replace 2 files?')).getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.locator('ftp-browser .transfers li').count(), count, 'nothing queued');

    // With a new file beside them: skipping the two uploads only the new one.
    await writeFile(join(dir, 'c.txt'), 'file c, new\n');
    await (await again('Replace 2 files?')).getByRole('button', { name: 'Skip them' }).click();
    assert.equal((await finished(page, 'c.txt')).state, 'done');
    assert.equal(await page.locator('ftp-browser .transfers li').count(), count + 1, 'only the new file queued');
  });

  test('upload by drag and drop: files, and a folder tree', async () => {
    const wrap = page.locator('ftp-browser .table-wrap');
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped with a real DataTransfer\n'], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    });
    await wrap.dispatchEvent('dragenter', { dataTransfer });
    const overlay = page.locator('ftp-browser .drop-overlay');
    await overlay.waitFor();
    // It says where the files go, once, with its icon; over a folder row, that folder.
    assert.equal((await overlay.innerText()).trim(), 'Drop to upload to /uploads');
    assert.equal(await overlay.locator('svg').count(), 1, 'the overlay keeps its icon');
    await row(page, 'picked').dispatchEvent('dragover', { dataTransfer });
    assert.equal((await overlay.innerText()).trim(), 'Drop to upload to /uploads/picked');
    await wrap.dispatchEvent('dragover', { dataTransfer });
    assert.equal((await overlay.innerText()).trim(), 'Drop to upload to /uploads');
    await wrap.dispatchEvent('drop', { dataTransfer });
    assert.equal((await finished(page, 'dropped.txt')).state, 'done');
    await row(page, 'dropped.txt').waitFor();
    results.files.push({ path: 'uploads/dropped.txt', sha256: sha256('dropped with a real DataTransfer\n') });

    // A dropped folder: the entries a file manager's drag gives (webkitGetAsEntry), which
    // a script cannot make, stood in for by objects of the same shape.
    await wrap.evaluate((target) => {
      const file = (name, text) => ({ isFile: true, isDirectory: false, name, file: (ok) => ok(new File([text], name)) });
      const folder = (name, children) => ({
        isFile: false,
        isDirectory: true,
        name,
        createReader() {
          let given = false;
          return { readEntries: (ok) => ok(given ? [] : ((given = true), children)) };
        },
      });
      const tree = folder('dropdir', [file('x.txt', 'x in dropdir\n'), folder('inner', [file('y.txt', 'y in inner\n')]), folder('empty', [])]);
      const event = new Event('drop', { bubbles: true, cancelable: true, composed: true });
      Object.defineProperty(event, 'dataTransfer', {
        value: { types: ['Files'], files: [], items: [{ kind: 'file', webkitGetAsEntry: () => tree, getAsFile: () => null }] },
      });
      target.dispatchEvent(event);
    });
    assert.equal((await finished(page, 'y.txt')).state, 'done');
    await row(page, 'dropdir').waitFor();
    results.dirs.push('uploads/dropdir', 'uploads/dropdir/inner', 'uploads/dropdir/empty');
    results.files.push(
      { path: 'uploads/dropdir/x.txt', sha256: sha256('x in dropdir\n') },
      { path: 'uploads/dropdir/inner/y.txt', sha256: sha256('y in inner\n') },
    );
    await row(page, 'dropdir').dblclick();
    await pathIs(page, '/uploads/dropdir');
    await row(page, 'inner').waitFor();
    await row(page, 'empty').waitFor();
    await row(page, 'x.txt').waitFor();
  });

  test('new folder, rename with F2, delete with confirmation', async () => {
    await el(page).evaluate((e) => e.navigate('/projects'));
    await pathIs(page, '/projects');
    await row(page, 'rename-me.txt').waitFor();

    await page.getByRole('button', { name: 'New folder' }).click();
    const name = page.getByRole('textbox', { name: 'Name of the new folder' });
    await name.fill('made-by-test');
    await name.press('Enter');
    await row(page, 'made-by-test').and(page.locator('[aria-selected="true"]')).waitFor();

    await row(page, 'rename-me.txt').click();
    await page.keyboard.press('F2');
    const rename = page.getByRole('textbox', { name: 'New name for rename-me.txt' });
    await rename.fill('renamed.txt');
    await rename.press('Enter');
    await row(page, 'renamed.txt').waitFor();
    await row(page, 'rename-me.txt').waitFor({ state: 'detached' });

    await row(page, 'delete-me.txt').click();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete “delete-me.txt”?' });
    await dialog.waitFor();
    await shot(page, '05-confirm-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await row(page, 'delete-me.txt').count(), 1, 'cancel keeps the file');
    await row(page, 'delete-me.txt').click();
    await page.keyboard.press('Delete');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row(page, 'delete-me.txt').waitFor({ state: 'detached' });

    await row(page, 'old-folder').click();
    await page.getByRole('button', { name: 'Delete (Delete)' }).click();
    await page.getByRole('dialog', { name: 'Delete “old-folder”?' }).getByRole('button', { name: 'Delete' }).click();
    await row(page, 'old-folder').waitFor({ state: 'detached' });

    // Renaming onto an existing name asks first; No keeps both files as they were.
    await row(page, 'move-me.txt').click();
    await page.keyboard.press('F2');
    const onto = page.getByRole('textbox', { name: 'New name for move-me.txt' });
    await onto.fill('keep-me.txt');
    await onto.press('Enter');
    const replace = page.getByRole('dialog', { name: 'Replace “keep-me.txt”?' });
    await replace.waitFor();
    await replace.getByRole('button', { name: 'Cancel' }).click();
    await replace.waitFor({ state: 'hidden' });
    assert.equal(await row(page, 'move-me.txt').count(), 1, 'no is no: the file keeps its name');

    // Hidden characters are shown, in the grid and in the delete confirmation.
    const tricky = row(page, 'photo\u202egpj.exe');
    assert.equal(await tricky.locator('.label').innerText(), 'photo⟨U+202E⟩gpj.exe');
    await tricky.click();
    await page.keyboard.press('Delete');
    const warn = page.getByRole('dialog', { name: /Delete “photo⟨U\+202E⟩gpj\.exe”\?/ });
    await warn.waitFor();
    await warn.getByRole('button', { name: 'Cancel' }).click();

    results.files.push({ path: 'projects/keep-me.txt', sha256: sha256('keep me\n') });
    results.files.push({ path: 'projects/move-me.txt', sha256: sha256('move me\n') });
    results.files.push({ path: 'projects/renamed.txt', sha256: sha256('rename me\n') });
    results.absent.push('projects/rename-me.txt', 'projects/delete-me.txt', 'projects/old-folder');
    results.dirs.push('projects/made-by-test');
  });

  test('a vanished file gives an actionable message', async () => {
    // Someone else deletes renamed.txt behind our back: rename it away through the API.
    await el(page).evaluate((e) => e.client.rename('/projects/renamed.txt', '/projects/renamed-again.txt'));
    await row(page, 'renamed.txt').click();
    await page.keyboard.press('Enter');
    const end = await finished(page, 'renamed.txt');
    assert.equal(end.state, 'failed');
    assert.match(end.error, /no longer exists/);
    await el(page).evaluate((e) => e.client.rename('/projects/renamed-again.txt', '/projects/renamed.txt'));
  });

  test('a browsing session the server dropped is reopened by itself', async () => {
    // The server ends the session, as servers do after their idle timeout.
    await el(page).evaluate((e) => e.client.quote('QUIT').catch(() => {}));
    await el(page).evaluate((e) => e.navigate('/uploads'));
    await pathIs(page, '/uploads');
    await row(page, 'chosen.bin').waitFor();
    assert.ok(await page.locator('ftp-browser .alert[part="alert"]').isHidden(), 'no error is shown');
    // The protocol log says what happened.
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await page.locator('ftp-browser .log li', { hasText: 'the server had closed the session: reconnected' }).waitFor();
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await el(page).evaluate((e) => e.navigate('/projects'));
    await pathIs(page, '/projects');
  });

  test('the protocol log is one click away', async () => {
    await page.getByRole('button', { name: 'Protocol log' }).click();
    const log = page.locator('ftp-browser .log');
    await log.locator('li', { hasText: 'RETR' }).first().waitFor();
    await log.locator('li', { hasText: 'PASS' }).first().waitFor();
    await log.locator('li', { hasText: /^.*220 / }).first().waitFor(); // the greeting, from before login
    const text = await log.innerText();
    assert.ok(!text.includes(FTP.password), 'the password is masked in the log');
    await shot(page, '06-protocol-log');
    await page.getByRole('button', { name: 'Protocol log' }).click();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('combobox', { name: 'Host' }).waitFor();
  });

  test('running work is not dropped without asking: Disconnect and closing the tab', async () => {
    await fillForm(page);
    await page.getByRole('button', { name: 'Connect' }).click();
    await row(page, 'uploads').dblclick();
    await pathIs(page, '/uploads');
    // An upload held mid-way, so that it is running for as long as the test needs.
    await page.evaluate(() => window.__ftpHoldUpload(256 * 1024));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles({ name: 'held.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1024 * 1024) });
    await page.waitForFunction(() => window.__ftpUploadGate.reached);
    const item = transfer(page, 'held.bin');
    await item.and(page.locator('[data-state="running"]')).waitFor();
    // The tab is heard with its count as words.
    await page.getByRole('tab', { name: 'Transfers, 1 active', exact: true }).waitFor();

    // Closing or reloading the tab: the browser is told to ask.
    const asks = await page.evaluate(() => {
      const ev = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(ev);
      return ev.defaultPrevented;
    });
    assert.ok(asks, 'beforeunload is cancelled while a transfer runs');

    // Disconnect asks; keeping on leaves the session and the transfer as they were.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop “held.bin” and disconnect?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep working' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await item.getAttribute('data-state'), 'running');
    await row(page, 'chosen.bin').waitFor();

    // Saying yes stops it and shows the form; with nothing running, nothing asks.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('combobox', { name: 'Host' }).waitFor();
    await page.evaluate(() => window.__ftpReleaseUpload());
    await item.and(page.locator('[data-state="cancelled"]')).waitFor({ state: 'attached' });
    const quiet = await page.evaluate(() => {
      const ev = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(ev);
      return ev.defaultPrevented;
    });
    assert.ok(!quiet, 'nothing running: closing the tab does not ask');
  });

  test('recent servers and the view’s choices are remembered, never a password', async () => {
    // The last session (the test before) was left in /uploads.
    const open = async () => {
      const p = await freshPage();
      await p.goto(APP);
      const host = p.getByRole('combobox', { name: 'Host' });
      await host.waitFor();
      const offered = await p.locator('ftp-browser datalist option').evaluateAll((os) => os.map((o) => o.value));
      assert.ok(offered.includes(FTP.host), `recent servers offered: ${offered}`);
      // Picking one fills the form from what was used, but no password.
      // As the browser reports a pick from the suggestions: the text replaced at once.
      await host.evaluate((el, value) => {
        el.value = value;
        el.dispatchEvent(new InputEvent('input', { inputType: 'insertReplacementText', bubbles: true }));
      }, FTP.host);
      assert.equal(await p.getByRole('textbox', { name: 'User name' }).inputValue(), FTP.user);
      assert.equal(await p.getByRole('spinbutton', { name: 'Port' }).inputValue(), String(FTP.port));
      assert.equal(await p.getByRole('combobox', { name: 'Encryption' }).inputValue(), 'plain');
      assert.equal(await p.getByLabel('Password').inputValue(), '');
      await p.getByLabel('Password').fill(FTP.password);
      await p.getByRole('button', { name: 'Connect', exact: true }).click();
      return p;
    };
    let p = await open();
    // It opens where the user left off.
    await pathIs(p, '/uploads');
    const saved = await p.evaluate(() => JSON.stringify(localStorage));
    assert.ok(!saved.includes(FTP.password), 'no password is stored');
    await p.locator('ftp-browser th[data-key="size"]').getByRole('button').click();
    await p.close();

    // The next visit is sorted as this one was left.
    p = await open();
    await pathIs(p, '/uploads');
    assert.equal(await p.locator('ftp-browser th[data-key="size"]').getAttribute('aria-sort'), 'descending');
    await p.locator('ftp-browser th[data-key="name"]').getByRole('button').click();
    assert.equal(await p.locator('ftp-browser th[data-key="name"]').getAttribute('aria-sort'), 'ascending');
    await p.close();
  });

  test('saved sites: the star saves this site under a name, it opens in its last folder, is renamed and forgotten, and never holds a password', async () => {
    let p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'docs').dblclick();
    await pathIs(p, '/docs');
    await p.getByRole('button', { name: 'Save this site' }).click();
    let dialog = p.getByRole('dialog', { name: 'Save this site' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Test archive');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const star = p.getByRole('button', { name: /Saved as “Test archive”/ });
    assert.equal(await star.getAttribute('aria-pressed'), 'true');
    // The saved site follows the folder it is left in.
    await row(p, 'guide').dblclick();
    await pathIs(p, '/docs/guide');
    assert.ok(!(await p.evaluate(() => JSON.stringify(localStorage))).includes(FTP.password), 'no password is stored');
    await p.close();

    // The next visit lists it; a click fills the form and asks for the password only.
    p = await freshPage();
    await p.goto(APP);
    const site = p.getByRole('button', { name: /^Test archive/ });
    await site.click();
    assert.equal(await p.getByRole('textbox', { name: 'User name' }).inputValue(), FTP.user);
    assert.equal(await p.getByRole('spinbutton', { name: 'Port' }).inputValue(), String(FTP.port));
    assert.equal(await p.getByLabel('Password').evaluate((input) => input === input.getRootNode().activeElement), true, 'the password is next');
    await p.getByLabel('Password').fill(FTP.password);
    await p.getByRole('button', { name: 'Connect', exact: true }).click();
    await pathIs(p, '/docs/guide');
    // Renamed, then forgotten from the form.
    await p.getByRole('button', { name: /Saved as “Test archive”/ }).click();
    dialog = p.getByRole('dialog', { name: 'Rename or forget this site' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Renamed archive');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await p.getByRole('button', { name: /Saved as “Renamed archive”/ }).waitFor();
    await p.getByRole('button', { name: 'Disconnect' }).click();
    await p.getByRole('button', { name: 'Forget Renamed archive' }).click();
    await p.getByRole('button', { name: /^Renamed archive/ }).waitFor({ state: 'detached' });
    assert.equal(await p.evaluate(() => JSON.parse(localStorage.getItem('ftpbridge:saved-sites') ?? '[]').length), 0);
    await p.close();
  });

  test('many rows at once: Ctrl, Shift, Space and Ctrl+A select; a selection downloads into a folder (asking before replacing), or as one zip where no folder can be picked, and deletes with one question', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'bulk').dblclick();
    await pathIs(p, '/bulk');
    const marked = async () => p.locator('ftp-browser tbody tr[aria-selected="true"]').evaluateAll((rows) => rows.map((r) => r.dataset.name));
    const local = (rel) => p.evaluate(async (rel) => {
      let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder', { create: true });
      const parts = rel.split('/');
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
      return (await (await dir.getFileHandle(parts.at(-1))).getFile()).text();
    }, rel);
    // A file of the same name is on this computer already.
    await p.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-folder', { create: true });
      const w = await (await dir.getFileHandle('one.txt', { create: true })).createWritable();
      await w.write('mine, not the server’s\n');
      await w.close();
    });

    // Click, then Ctrl-click: two rows, and the status bar says so.
    await row(p, 'nested').click();
    await row(p, 'one.txt').click({ modifiers: ['Control'] });
    assert.deepEqual(await marked(), ['nested', 'one.txt']);
    assert.match(await p.locator('ftp-browser .statusbar').innerText(), /2 selected/);
    assert.equal(await p.locator('ftp-browser [role="grid"]').getAttribute('aria-multiselectable'), 'true');

    // Download: the folder's tree and the file go into the picked folder; the local
    // one.txt is not replaced without a yes.
    await p.getByRole('button', { name: 'Download' }).click();
    let dialog = p.getByRole('dialog', { name: 'Replace “one.txt” on this computer?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Skip them' }).click();
    assert.equal((await finished(p, 'three.txt')).state, 'done');
    assert.equal((await finished(p, 'four.txt')).state, 'done');
    assert.equal(await local('nested/three.txt'), 'three\n');
    assert.equal(await local('nested/deeper/four.txt'), 'four\n');
    assert.equal(await local('one.txt'), 'mine, not the server’s\n');
    // Again, saying Replace: every file is there now, so Cancel is the other choice.
    await p.getByRole('button', { name: 'Download' }).click();
    dialog = p.getByRole('dialog', { name: 'Replace 3 files on this computer?' });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Cancel' }).count(), 1);
    await dialog.getByRole('button', { name: 'Replace' }).click();
    await p.waitForFunction(() => document.querySelector('ftp-browser').transfers.filter((t) => t.name === 'one.txt' && t.state === 'done').length === 1);
    assert.equal(await local('one.txt'), 'one\n');

    // The keyboard: Home marks one row, Shift+Down extends, Ctrl+A marks all, Space
    // unmarks the cursor's row, Escape leaves one.
    await row(p, 'nested').click();
    await p.keyboard.press('Home');
    await p.keyboard.press('Shift+ArrowDown');
    await p.keyboard.press('Shift+ArrowDown');
    assert.deepEqual(await marked(), ['nested', 'one.txt', 'stay.txt']);
    await p.keyboard.press('Control+a');
    assert.deepEqual(await marked(), ['nested', 'one.txt', 'stay.txt', 'two.txt']);
    assert.equal(await p.evaluate(() => String(getSelection())), '', 'Ctrl+A selects rows, not the page’s text');
    await p.keyboard.press(' ');
    assert.deepEqual(await marked(), ['nested', 'one.txt', 'two.txt']);
    await p.keyboard.press('Escape');
    assert.equal((await marked()).length, 1);

    // Where no folder can be picked (here: the Blob strategy), a selection downloads as
    // one zip built in the page; Python's zipfile checks every CRC and the contents.
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
    await row(p, 'nested').click();
    await p.keyboard.press('Control+a');
    const zipped = p.waitForEvent('download');
    await p.getByRole('button', { name: 'Download' }).click();
    const download = await zipped;
    assert.equal(download.suggestedFilename(), 'bulk.zip');
    const zipFile = join(WORK, 'bulk.zip');
    await download.saveAs(zipFile);
    assert.equal((await finished(p, 'bulk.zip')).state, 'done');
    const read = execFileSync('python3', ['-c', [
      'import json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'bad = z.testzip()',
      'print(json.dumps({"bad": bad, "entries": {i.filename: (None if i.is_dir() else z.read(i).decode()) for i in z.infolist()}}))',
    ].join('\n'), zipFile], { encoding: 'utf8' });
    const zip = JSON.parse(read);
    assert.equal(zip.bad, null, 'every CRC matches');
    assert.deepEqual(zip.entries, {
      'nested/': null,
      'nested/deeper/': null,
      'nested/three.txt': 'three\n',
      'nested/deeper/four.txt': 'four\n',
      'one.txt': 'one\n',
      'stay.txt': 'stay\n',
      'two.txt': 'two\n',
    });
    await el(p).evaluate((e) => e.removeAttribute('download-strategy'));
    await p.keyboard.press('Escape');

    // Delete three at once: one question, and only they are gone.
    await row(p, 'one.txt').click();
    await row(p, 'two.txt').click({ modifiers: ['Control'] });
    await row(p, 'nested').click({ modifiers: ['Control'] });
    await p.keyboard.press('Delete');
    dialog = p.getByRole('dialog', { name: 'Delete 3 items?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /the folder with everything in it/);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row(p, 'one.txt').waitFor({ state: 'detached' });
    await row(p, 'nested').waitFor({ state: 'detached' });
    await row(p, 'two.txt').waitFor({ state: 'detached' });
    await row(p, 'stay.txt').waitFor();
    results.absent.push('bulk/one.txt', 'bulk/two.txt', 'bulk/nested');
    results.files.push({ path: 'bulk/stay.txt', sha256: sha256('stay\n') });
    await p.close();
  });

  test('a large folder draws only the rows on screen, and every row is still reachable', async () => {
    const many = Number(env('MANY'));
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'many').dblclick();
    await pathIs(p, '/many');
    const grid = p.getByRole('grid', { name: 'Files' });
    assert.equal(await grid.getAttribute('aria-rowcount'), String(many + 1), 'assistive technology hears every row');
    const drawn = () => p.locator('ftp-browser tbody tr[data-name]').count();
    assert.ok((await drawn()) < 200, `${await drawn()} rows drawn of ${many}`);
    await row(p, 'file-00000.txt').and(p.locator('[aria-selected="true"]')).waitFor();
    // End: the last row is drawn, selected and focused, with its real row index.
    await p.keyboard.press('End');
    const last = row(p, `file-${String(many - 1).padStart(5, '0')}.txt`);
    await last.and(p.locator('[aria-selected="true"]')).waitFor();
    assert.equal(await last.getAttribute('aria-rowindex'), String(many + 1));
    assert.ok(await last.evaluate((r) => r.matches(':focus')), 'the last row has the focus');
    assert.ok((await drawn()) < 200);
    // Typing a name far away goes there.
    for (const key of 'file-01000') await p.keyboard.press(key);
    await row(p, 'file-01000.txt').and(p.locator('[aria-selected="true"]')).waitFor();
    // Scrolling draws what comes into view.
    await p.locator('ftp-browser .table-wrap').evaluate((w) => { w.scrollTop = w.scrollHeight / 4; });
    await row(p, 'file-00500.txt').waitFor();
    // Ctrl+A marks all of them, drawn or not; a re-sort keeps the marks.
    await row(p, 'file-00500.txt').click();
    await p.keyboard.press('Control+a');
    assert.match(await p.locator('ftp-browser .statusbar').innerText(), new RegExp(`${many.toLocaleString('en-US').replace(',', ',?')} selected`));
    await p.locator('ftp-browser th[data-key="size"]').getByRole('button').click();
    assert.match(await p.locator('ftp-browser .statusbar').innerText(), /selected/);
    assert.equal(await p.locator('ftp-browser tbody tr[data-name][aria-selected="false"]').count(), 0);
    await p.close();
  });

  test('transfers run two at a time, each on its own session; the rest wait their turn', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'uploads').dblclick();
    await pathIs(p, '/uploads');
    // Every upload held after its first 64 KiB, for as long as the test needs.
    await p.evaluate(() => window.__ftpHoldUpload(64 * 1024));
    const files = [1, 2, 3].map((n) => ({ name: `parallel-${n}.bin`, mimeType: 'application/octet-stream', buffer: randomBytes(512 * 1024) }));
    const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles(files);
    await p.waitForFunction(() => window.__ftpUploadGate.waiting >= 2);
    const states = () => p.locator('ftp-browser .transfers li').evaluateAll((items) => items.map((li) => li.dataset.state).sort());
    assert.deepEqual(await states(), ['queued', 'running', 'running']);
    await p.evaluate(() => window.__ftpReleaseUpload());
    for (const file of files) {
      assert.equal((await finished(p, file.name)).state, 'done');
      results.files.push({ path: `uploads/${file.name}`, sha256: sha256(file.buffer) });
    }
    await p.close();
  });

  test('a server that accepts REST and sends from byte 0 is caught at the last range, and the file comes again in one piece', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p, { port: env('IGNORE_REST_PORT'), user: env('FAULT_USER'), password: env('FAULT_PASSWORD') });
    await el(p).evaluate((e) => e.setAttribute('parallel', '3'));
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'auto'));
    await row(p, 'ranged.bin').click();
    await p.keyboard.press('Enter');
    const end = await finished(p, 'ranged.bin');
    assert.equal(end.state, 'done', end.error);
    const saved = await savedHash(p);
    assert.equal(saved.size, Number(env('RANGED_SIZE')));
    assert.equal(saved.hash, env('RANGED_SHA256'), 'no range holds the start of the file');
    await p.getByRole('button', { name: 'Protocol log' }).click();
    await p.locator('ftp-browser ol.log').getByText(/cannot send ranges/).waitFor();
    await p.close();
  });

  test('a server that takes two sessions from an address: the one too many is refused (421), transfers go one at a time, and every upload arrives', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p, { port: env('TWO_SESSIONS_PORT'), user: env('FAULT_USER'), password: env('FAULT_PASSWORD') });
    await el(p).evaluate((e) => e.setAttribute('parallel', '3'));
    await row(p, 'up').dblclick();
    await pathIs(p, '/up');
    const files = [1, 2, 3, 4].map((n) => ({ name: `busy-${n}.bin`, mimeType: 'application/octet-stream', buffer: randomBytes(300 * 1024 + n) }));
    const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles(files);
    for (const file of files) {
      const end = await finished(p, file.name);
      assert.equal(end.state, 'done', end.error);
      results.busy.push({ path: `up/${file.name}`, sha256: sha256(file.buffer) });
    }
    await p.getByRole('button', { name: 'Protocol log' }).click();
    await p.locator('ftp-browser ol.log').getByText(/refused session \d as one too many/).first().waitFor();
    await p.close();
  });

  test('the filter box shows the names that contain its text, for the folder it was typed in', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'small.txt').click();
    const names = () => p.locator('ftp-browser tbody tr[data-name]').evaluateAll((rows) => rows.map((r) => r.dataset.name));
    // / in the table goes to the filter.
    await p.keyboard.press('/');
    await p.keyboard.type('.BIN');
    assert.deepEqual((await names()).sort(), ['big.bin', 'medium.bin']);
    assert.match(await p.locator('ftp-browser .statusbar').innerText(), /2 files .* with “\.BIN” in the name/);
    await p.keyboard.press('Escape');
    await row(p, 'docs').waitFor();
    const filter = p.getByRole('searchbox', { name: 'Filter this folder by name' });
    await filter.fill('no-such-name');
    await p.getByText('No name in this folder contains the filter’s text.').waitFor();
    await filter.fill('doc');
    assert.deepEqual(await names(), ['docs']);
    await row(p, 'docs').dblclick();
    await pathIs(p, '/docs');
    assert.equal(await filter.inputValue(), '');
    await row(p, 'readme.txt').waitFor();
    await p.close();
  });

  test('preview: an image, the first MB of a long text, and a text file edited in place that keeps its line endings (asking first when it changed on the server)', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'preview').dblclick();
    await pathIs(p, '/preview');
    const previewBtn = p.getByRole('button', { name: 'Preview (F3)' });
    await row(p, 'firmware.bin').click();
    assert.ok(await previewBtn.isDisabled(), 'no preview for a binary file');

    await row(p, 'pixel.png').click();
    await p.keyboard.press('F3');
    let dialog = p.getByRole('dialog', { name: 'pixel.png' });
    const img = dialog.locator('img[alt="pixel.png"]');
    await img.waitFor();
    await p.waitForFunction((el) => el.complete, await img.elementHandle());
    assert.equal(await img.evaluate((i) => i.naturalWidth), 1, 'the image decoded');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await row(p, 'long.log').click();
    await previewBtn.click();
    dialog = p.getByRole('dialog', { name: 'long.log' });
    await dialog.getByText('The first 1.0 MB of 1.6 MB is shown.').waitFor();
    assert.match(await dialog.locator('pre').innerText(), /^a line of the log\n/);
    assert.ok(await dialog.getByRole('button', { name: 'Edit' }).isHidden(), 'a partly shown file cannot be edited');
    await p.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await row(p, 'notes.txt').click();
    await p.keyboard.press('F3');
    dialog = p.getByRole('dialog', { name: 'notes.txt' });
    await dialog.locator('pre').waitFor();
    assert.equal(await dialog.locator('pre').evaluate((pre) => pre.textContent), 'line one\r\nline two\r\n');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    const area = dialog.getByRole('textbox', { name: 'Contents of notes.txt' });
    assert.equal(await area.inputValue(), 'line one\nline two\n');
    await area.fill('line one\nline 2\n');
    // Meanwhile, someone else changes the file on the server, keeping its size and the
    // minute a listing shows (vsftpd sets the time with MDTM): only the time to the
    // second tells.
    await p.evaluate(async (ftp) => {
      const { FtpClient } = await import(new URL('index.js', location.href).href);
      const other = await FtpClient.connect(ftp);
      const before = new Date(await other.modified('/preview/notes.txt'));
      await other.upload('/preview/notes.txt', new Blob(['line one\r\nline TWO\r\n']));
      const same = new Date(before);
      same.setUTCSeconds((before.getUTCSeconds() + 30) % 60);
      const stamp = same.toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const reply = await other.quote(`MDTM ${stamp} /preview/notes.txt`);
      if (reply.code >= 300) throw new Error(`MDTM set-time: ${reply.text}`);
      await other.close();
    }, { relay: env('RELAY_URL'), host: FTP.host, port: Number(FTP.port), user: FTP.user, password: FTP.password, tls: 'plain' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    const ask = p.getByRole('dialog', { name: '“notes.txt” changed on the server since you opened it' });
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Replace it' }).click();
    assert.equal((await finished(p, 'notes.txt')).state, 'done');
    results.files.push({ path: 'preview/notes.txt', sha256: sha256('line one\r\nline 2\r\n') });
    await p.close();
  });

  test('the rows’ menu: move to a folder (a dialog, or dragging onto it; a taken name asks), permissions, copy link', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'tidy').dblclick();
    await pathIs(p, '/tidy');
    const menu = p.getByRole('menu', { name: 'File actions' });

    await row(p, 'a.txt').click({ button: 'right' });
    await menu.getByRole('menuitem', { name: 'Move to…' }).click();
    const move = p.getByRole('dialog', { name: 'Move “a.txt”' });
    await move.getByRole('textbox', { name: 'To the folder' }).fill('archive');
    await move.getByRole('button', { name: 'Move' }).click();
    await row(p, 'a.txt').waitFor({ state: 'detached' });
    results.files.push({ path: 'tidy/archive/a.txt', sha256: sha256('a\n') });
    results.absent.push('tidy/a.txt');

    // Dragged onto the folder: b.txt is taken there, so it asks; Cancel moves nothing.
    await row(p, 'b.txt').dragTo(row(p, 'archive'));
    const ask = p.getByRole('dialog', { name: 'Replace “b.txt” in /tidy/archive?' });
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await row(p, 'b.txt').waitFor();
    results.files.push({ path: 'tidy/archive/b.txt', sha256: sha256('the other b\n') });

    // Permissions from the keyboard's menu key: the number and the boxes agree.
    await row(p, 'c.txt').click();
    await p.keyboard.press('Shift+F10');
    await menu.getByRole('menuitem', { name: 'Permissions…' }).click();
    const perms = p.getByRole('dialog', { name: 'Permissions of “c.txt”' });
    await perms.getByRole('textbox', { name: 'As a number' }).fill('600');
    assert.ok(await perms.getByRole('checkbox', { name: 'Owner: write' }).isChecked());
    assert.ok(!(await perms.getByRole('checkbox', { name: 'Group: read' }).isChecked()));
    await perms.getByRole('checkbox', { name: 'Group: read' }).check();
    assert.equal(await perms.getByRole('textbox', { name: 'As a number' }).inputValue(), '640');
    await perms.getByRole('button', { name: 'Apply' }).click();
    await perms.waitFor({ state: 'hidden' });
    await p.waitForFunction(() => document.querySelector('ftp-browser').shadowRoot.querySelector('tr[data-name="c.txt"] td.perms')?.textContent.endsWith('rw-r-----'));

    // Copy link: this page's own deep link to the file.
    await row(p, 'c.txt').click({ button: 'right' });
    await menu.getByRole('menuitem', { name: 'Copy link' }).click();
    const link = await p.evaluate(() => navigator.clipboard.readText());
    assert.equal(link, `${APP}#ftp://${FTP.user}@${FTP.host}:${FTP.port}/tidy/c.txt`);
    await p.close();
  });

  test('on a phone: 44 px targets, a box on each row to select it, a tap opens, the toolbar folds into More, a long path folds', async () => {
    const phone = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 800 } });
    await phone.addInitScript(pickerInitScript);
    const p = await phone.newPage();
    p.setDefaultTimeout(Number(env('TIMEOUT_MS')) || 30_000);
    try {
      await p.goto(APP);
      await connect(p);
      await row(p, 'docs').waitFor();
      assert.ok(await p.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a touch screen');
      const rowHeight = await row(p, 'docs').evaluate((r) => r.getBoundingClientRect().height);
      assert.ok(rowHeight >= 44, `rows ${rowHeight} px high`);
      const button = await p.getByRole('button', { name: 'Upload files' }).boundingBox();
      assert.ok(button.height >= 44 && button.width >= 44, `a button ${button.width}×${button.height} px`);

      // Boxes select; the selection is what a tap on a box changes.
      await p.getByRole('checkbox', { name: 'Select small.txt' }).tap();
      await p.getByRole('checkbox', { name: 'Select medium.bin' }).tap();
      const marked = await p.locator('ftp-browser tbody tr[aria-selected="true"]').evaluateAll((rows) => rows.map((r) => r.dataset.name).sort());
      assert.deepEqual(marked, ['medium.bin', 'small.txt']);

      // The rarer actions are in More.
      assert.ok(!(await p.getByRole('button', { name: 'Rename (F2)' }).isVisible()));
      await p.getByRole('button', { name: 'More actions' }).tap();
      const more = p.getByRole('menu', { name: 'More actions' });
      await more.waitFor();
      assert.ok(await more.getByRole('menuitem', { name: 'Rename' }).isDisabled(), 'two selected: nothing to rename');
      assert.ok(await more.getByRole('menuitem', { name: 'New folder' }).isEnabled());
      await p.keyboard.press('Escape');
      await more.waitFor({ state: 'hidden' });

      // A tap opens a folder.
      await row(p, 'docs').tap();
      await pathIs(p, '/docs');
      // A long path keeps its ends; the middle is a menu.
      await el(p).evaluate((e) => e.navigate('/deep/a/b/c'));
      await pathIs(p, '/deep/a/b/c');
      const fold = p.getByRole('button', { name: '2 more folders on the path' });
      assert.ok(await fold.isVisible());
      assert.ok(!(await p.locator('ftp-browser .crumbs button[title="/deep"]').isVisible()));
      await fold.tap();
      await p.getByRole('menu', { name: 'Folders on the path' }).getByRole('menuitem', { name: 'a' }).tap();
      await pathIs(p, '/deep/a');
    } finally {
      await phone.close();
    }
  });

  test('an automated accessibility audit (axe) finds nothing serious: the form, a listing, a selection, a dialog, the transfer list, dark', async () => {
    const { AxeBuilder } = await import('@axe-core/playwright');
    const p = await freshPage();
    const audit = async (where) => {
      const { violations } = await new AxeBuilder({ page: p }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), [], `${where}`);
    };
    await p.goto(APP);
    await p.getByRole('combobox', { name: 'Host' }).waitFor();
    await audit('the connect form');
    await connect(p);
    await row(p, 'docs').waitFor();
    await audit('a listing');
    await row(p, 'small.txt').click();
    await row(p, 'big.bin').click({ modifiers: ['Control'] });
    await audit('two rows selected');
    await p.keyboard.press('Delete');
    const dialog = p.getByRole('dialog', { name: 'Delete 2 items?' });
    await dialog.waitFor();
    await audit('the delete dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await p.getByRole('tab', { name: /^Transfers/ }).click();
    await audit('the transfer list');
    await el(p).evaluate((e) => e.setAttribute('theme', 'dark'));
    await audit('dark');
    await p.close();
  });

  test('a reload does not lose unfinished transfers, uploads or downloads: after connecting again they resume where they stopped', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'uploads').dblclick();
    await pathIs(p, '/uploads');
    await p.evaluate(() => window.__ftpHoldUpload(256 * 1024));
    const bytes = randomBytes(1024 * 1024);
    const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.getByRole('button', { name: 'Upload files' }).click()]);
    await chooser.setFiles({ name: 'survivor.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await p.waitForFunction(() => window.__ftpUploadGate.reached);
    const kept = () => p.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('ftpbridge');
      open.onerror = () => resolve([]);
      open.onsuccess = () => {
        try {
          const all = open.result.transaction('queue').objectStore('queue').getAll();
          all.onsuccess = () => resolve(all.result.map((r) => `${r.name}:${r.state}`));
          all.onerror = () => resolve([]);
        } catch {
          resolve([]);
        }
      };
    }));
    for (let i = 0; !(await kept()).includes('survivor.bin:running'); i++) assert.ok(i < 200, `kept: ${await kept()}`);
    // Leave the page in the middle of the upload (the browser asks; the user says leave).
    p.on('dialog', (dialog) => dialog.accept());
    await p.reload();
    await connect(p);
    const notice = p.locator('ftp-browser .alert[data-code="pending"]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /A transfer from your last visit did not finish: “survivor\.bin”/);
    await notice.getByRole('button', { name: 'Resume it' }).click();
    assert.equal((await finished(p, 'survivor.bin')).state, 'done');
    results.files.push({ path: 'uploads/survivor.bin', sha256: sha256(bytes) });
    // Done: nothing is kept for a next visit.
    for (let i = 0; (await kept()).some((k) => k.startsWith('survivor.bin')); i++) assert.ok(i < 200, `kept: ${await kept()}`);

    // A download through the save picker, held mid-way, survives a reload too: its file
    // handle is kept, and after connecting again it goes on into the same file.
    await p.getByRole('button', { name: 'Up one level (Backspace)' }).click();
    await pathIs(p, '/');
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'auto'));
    await p.evaluate(() => window.__ftpHold(1024 * 1024));
    await row(p, 'medium.bin').click();
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => window.__ftpGate.reached);
    const saved = await p.evaluate(() => window.__ftpSaved.at(-1));
    for (let i = 0; !(await kept()).includes('medium.bin:running'); i++) assert.ok(i < 200, `kept: ${await kept()}`);
    await p.reload();
    await connect(p);
    const again = p.locator('ftp-browser .alert[data-code="pending"]');
    await again.waitFor();
    assert.match(await again.innerText(), /“medium\.bin”/);
    await again.getByRole('button', { name: 'Resume it' }).click();
    assert.equal((await finished(p, 'medium.bin')).state, 'done');
    const file = await p.evaluate(async (name) => {
      const handle = await (await navigator.storage.getDirectory()).getFileHandle(name);
      const data = await (await handle.getFile()).arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', data);
      return { size: data.byteLength, hash: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }, saved);
    assert.equal(file.hash, env('MEDIUM_SHA256'), `the file the picker gave before the reload holds every byte (${file.size})`);
    await p.close();
  });

  test('active mode lists too', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p, { mode: 'active' });
    await row(p, 'docs').waitFor();
    await row(p, 'docs').dblclick();
    await row(p, 'readme.txt').waitFor();
    await p.getByRole('button', { name: 'Protocol log' }).click();
    await p.locator('ftp-browser .log li', { hasText: /^.*(EPRT|PORT) / }).first().waitFor();
    await p.close();
  });

  test('names that do not decode (Latin-1 bytes on a UTF-8 session) still open, download and rename, by their bytes', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p);
    await row(p, 'latin1').dblclick();
    await pathIs(p, '/latin1');
    // Said once, with where the encoding is chosen.
    await p.getByText(/Some names here are not written in UTF-8/).waitFor();
    const naive = row(p, 'na\ufffdve.txt');
    await naive.waitFor();
    // Downloaded by its bytes: the content is the file's.
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
    await naive.click();
    const [download] = await Promise.all([p.waitForEvent('download'), p.keyboard.press('Enter')]);
    assert.equal(await readFile(await download.path(), 'utf8'), 'naive, in Latin-1\n');
    await el(p).evaluate((e) => e.removeAttribute('download-strategy'));
    // Renamed by its bytes: the server's disk has the new name with the same content.
    await naive.click();
    await p.keyboard.press('F2');
    const input = p.getByRole('textbox', { name: /New name for/ });
    await input.fill('naive-renamed.txt');
    await input.press('Enter');
    await row(p, 'naive-renamed.txt').waitFor();
    results.files.push({ path: 'latin1/naive-renamed.txt', sha256: sha256('naive, in Latin-1\n') });
    // A folder whose name does not decode opens by its bytes, and its files download.
    await row(p, 'd\ufffdj\ufffd').dblclick();
    await pathIs(p, '/latin1/d\ufffdj\ufffd');
    await row(p, 'inside.txt').waitFor();
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
    await row(p, 'inside.txt').click();
    const [inside] = await Promise.all([p.waitForEvent('download'), p.keyboard.press('Enter')]);
    assert.equal(await readFile(await inside.path(), 'utf8'), 'inside a Latin-1 folder\n');
    await el(p).evaluate((e) => e.removeAttribute('download-strategy'));
    // A new folder inside it is made there, by the folder's bytes.
    await p.getByRole('button', { name: 'New folder' }).click();
    const folder = p.getByRole('textbox', { name: 'Name of the new folder' });
    await folder.fill('made-inside');
    await folder.press('Enter');
    await row(p, 'made-inside').waitFor();
    // Up by the breadcrumbs, and in again, and up with Backspace.
    await p.locator('ftp-browser nav.crumbs button', { hasText: 'latin1' }).click();
    await pathIs(p, '/latin1');
    await row(p, 'd\ufffdj\ufffd').dblclick();
    await pathIs(p, '/latin1/d\ufffdj\ufffd');
    await p.keyboard.press('Backspace');
    await pathIs(p, '/latin1');
    await p.close();
  });

  test('a Latin-1 file name shows and downloads with encoding latin1', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p, { encoding: 'latin1' });
    await row(p, 'latin1').dblclick();
    await row(p, 'café.txt').waitFor();
    await el(p).evaluate((e) => e.setAttribute('download-strategy', 'blob'));
    await row(p, 'café.txt').click();
    const [download] = await Promise.all([p.waitForEvent('download'), p.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'café.txt');
    assert.equal(await readFile(await download.path(), 'utf8'), 'un café, s\'il vous plaît\n');
    await shot(p, '07-latin1');
    await p.close();
  });

  test('the relay refuses a server outside its policy, in words', async () => {
    const p = await freshPage();
    await p.goto(APP);
    await connect(p, { port: env('BLOCKED_PORT') });
    const alert = p.locator('ftp-browser .connect [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /relay does not allow connections to/);
    await p.close();
  });

  test('embedded on a second origin that the relay allows', async () => {
    const p = await freshPage();
    await p.goto(env('EMBED_ALLOWED_URL'));
    await p.getByLabel('Password').fill(FTP.password);
    await p.getByRole('button', { name: 'Connect', exact: true }).click();
    await row(p, 'docs').waitFor();
    await shot(p, '08-embedded');
    await p.close();
  });

  test('embedded on an origin the relay does not allow: refused, in words', async () => {
    const p = await freshPage();
    await p.goto(env('EMBED_DENIED_URL'));
    await p.getByLabel('Password').fill(FTP.password);
    await p.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = p.locator('ftp-browser .connect [role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /relay refused this page/);
    await shot(p, '09-embedded-refused');
    await p.close();
  });

  test('a deep link opens the form for its server and folder', async () => {
    const p = await freshPage();
    await p.goto(`${APP}#ftp://${FTP.user}:leaked@${FTP.host}:${FTP.port}/docs/guide`);
    await p.getByLabel('Password').waitFor();
    assert.ok(!p.url().includes('leaked'), 'a password in a link is dropped from the URL');
    assert.equal(await p.getByRole('textbox', { name: 'User name' }).inputValue(), FTP.user);
    // A server named by a link is said to be one, and a saved password is not filled in.
    assert.match(await p.getByRole('note').innerText(), new RegExp(`A link brought you here to connect to ${FTP.host}`));
    assert.equal(await p.getByLabel('Password').getAttribute('autocomplete'), 'off');
    // TLS by default: the password note says so; plain FTP says the relay can read it.
    const note = () => p.locator('ftp-browser').evaluate((el) => el.shadowRoot.querySelector('.note').textContent);
    assert.match(await note(), /Encrypted in this page/);
    await p.getByRole('combobox', { name: 'Encryption' }).selectOption('plain');
    assert.match(await note(), /Not encrypted: the relay/);
    await p.getByLabel('Password').fill(FTP.password);
    await p.getByRole('button', { name: 'Connect', exact: true }).click();
    await pathIs(p, '/docs/guide');
    await row(p, 'chapter-1.txt').waitFor();
    await shot(p, '10-deep-link');
    await p.emulateMedia({ colorScheme: 'dark' });
    await shot(p, '11-dark');
    await p.setViewportSize({ width: 400, height: 760 });
    await shot(p, '12-narrow');
    await p.close();
  });

  test('a deep link to a file, or to a folder that is not there, says so', async () => {
    const follow = async (path) => {
      const p = await freshPage();
      await p.goto(`${APP}#ftp://${FTP.user}@${FTP.host}:${FTP.port}${path}`);
      await p.getByLabel('Password').fill(FTP.password);
      await p.getByRole('combobox', { name: 'Encryption' }).selectOption('plain');
      await p.getByRole('button', { name: 'Connect', exact: true }).click();
      return p;
    };
    // A file: its folder, the file selected, its download offered.
    let p = await follow('/docs/guide/chapter-1.txt');
    await pathIs(p, '/docs/guide');
    const alert = p.locator('ftp-browser .alert[part="alert"]');
    await alert.filter({ hasText: '“chapter-1.txt” is a file.' }).waitFor();
    assert.equal(await p.locator('ftp-browser tr[aria-selected="true"]').getAttribute('data-name'), 'chapter-1.txt');
    await alert.getByRole('button', { name: 'Download' }).click();
    assert.equal((await finished(p, 'chapter-1.txt')).state, 'done');
    await p.close();

    // A folder that is not there: the nearest one above it that is, and why.
    p = await follow('/docs/gone/deeper');
    await pathIs(p, '/docs');
    await p.locator('ftp-browser .alert[part="alert"]', { hasText: '“/docs/gone/deeper” was not found.' }).waitFor();
    await p.close();
  });

  test('an anonymous link waits for the user before it connects', async () => {
    const p = await freshPage();
    await p.goto(`${APP}#ftp://${FTP.host}:${FTP.port}/`);
    await p.getByRole('button', { name: 'Connect', exact: true }).waitFor();
    assert.ok(await p.getByRole('note').isVisible(), 'the link notice');
    assert.equal(await p.locator('ftp-browser').evaluate((el) => el.connected), false, 'not connected by itself');
    await p.close();
  });
});
