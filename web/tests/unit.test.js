// The pure helpers of <ftp-browser> and the app (node --test tests/unit.test.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asciiFileName,
  baseName,
  describeError,
  formatDate,
  formatDuration,
  formatFtpUrl,
  formatSize,
  formatSpeed,
  joinPath,
  normalizePath,
  parentPath,
  parseFtpUrl,
  parseQuery,
  pathSegments,
  relayHealthUrl,
  sameOriginRelay,
  sortEntries,
  visibleName,
  hasHiddenCharacters,
} from '../src/ftp-util.js';

const ftpError = (code, message, replyCode = null, detail = null) => Object.assign(new Error(message), { name: 'FtpError', code, replyCode, detail });

test('paths', () => {
  assert.equal(joinPath('/', 'pub'), '/pub');
  assert.equal(joinPath('/pub', 'a b.txt'), '/pub/a b.txt');
  assert.equal(joinPath('/pub/', '../etc'), '/etc');
  assert.equal(joinPath('/pub', '/abs'), '/abs');
  assert.equal(normalizePath('//a/./b/../c/'), '/a/c');
  assert.equal(normalizePath(''), '/');
  assert.equal(parentPath('/a/b'), '/a');
  assert.equal(parentPath('/a'), '/');
  assert.equal(parentPath('/'), '/');
  assert.equal(baseName('/a/b.txt'), 'b.txt');
  assert.deepEqual(pathSegments('/pub/linux'), [
    { name: '/', path: '/' },
    { name: 'pub', path: '/pub' },
    { name: 'linux', path: '/pub/linux' },
  ]);
});

test('sizes, speeds and durations for people', () => {
  assert.equal(formatSize(0), '0 bytes');
  assert.equal(formatSize(1), '1 byte');
  assert.equal(formatSize(999), '999 bytes');
  assert.equal(formatSize(1234), '1.2 kB');
  assert.equal(formatSize(52428800), '52.4 MB');
  assert.equal(formatSize(3_000_000_000), '3.0 GB');
  assert.equal(formatSize(250_000_000), '250 MB');
  assert.equal(formatSize(null), '');
  assert.equal(formatSpeed(8_400_000), '8.4 MB/s');
  assert.equal(formatSpeed(500), '500 B/s');
  assert.equal(formatSpeed(0), '');
  assert.equal(formatDuration(0.2), '1 s');
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(185), '3 min');
  assert.equal(formatDuration(3900), '1 h 5 min');
});

test('dates: LIST times as the server wrote them, MLSD times in local time', () => {
  const now = new Date('2024-06-01T00:00:00Z');
  assert.equal(formatDate('2024-03-05T13:45:00Z', '-rw-r--r-- 1 u g 1 Mar 05 13:45 f', 'en-GB', now), '5 Mar, 13:45');
  assert.equal(formatDate('2019-03-05T00:00:00Z', '-rw-r--r-- 1 u g 1 Mar 05 2019 f', 'en-GB', now), '5 Mar 2019');
  assert.match(formatDate('2024-03-05T13:45:00Z', 'type=file;modify=20240305134500; f', 'en-GB', now), /^5 Mar, \d\d:\d\d$/);
  assert.equal(formatDate(null), '');
});

test('sorting: folders first, then the column, names breaking ties', () => {
  const entries = [
    { name: 'b.txt', kind: 'file', size: 10, modified: '2024-01-02T00:00:00Z' },
    { name: 'A.txt', kind: 'file', size: 30, modified: '2024-01-01T00:00:00Z' },
    { name: 'zeta', kind: 'dir', size: null, modified: null },
    { name: 'file10', kind: 'file', size: 10, modified: null },
    { name: 'file9', kind: 'file', size: 10, modified: null },
  ];
  assert.deepEqual(sortEntries(entries).map((e) => e.name), ['zeta', 'A.txt', 'b.txt', 'file9', 'file10']);
  assert.deepEqual(sortEntries(entries, 'size', -1).map((e) => e.name), ['zeta', 'A.txt', 'b.txt', 'file9', 'file10']);
  assert.deepEqual(sortEntries(entries, 'name', -1).map((e) => e.name), ['zeta', 'file10', 'file9', 'b.txt', 'A.txt']);
  assert.equal(entries[0].name, 'b.txt', 'sorting copies');
});

test('errors a person can act on', () => {
  const login = describeError(ftpError('login', 'login failed: the server said "530 Login incorrect."', 530), { op: 'connect' });
  assert.equal(login.title, 'The server refused the user name or password.');
  assert.doesNotMatch(login.title, /530/);
  assert.equal(login.replyCode, 530);
  assert.match(login.detail, /530 Login incorrect/);

  // Anonymous refused: no blame on a user name or password nobody typed.
  const anonymous = describeError(ftpError('login', '530 This FTP server does not allow anonymous logins.', 530), { op: 'connect', anonymous: true, host: 'ftp.example.com' });
  assert.equal(anonymous.title, 'ftp.example.com does not allow anonymous login.');
  assert.match(anonymous.hint, /Untick “Anonymous login”/);
  // A folder that could not be made: the cause the page knows.
  assert.equal(describeError(ftpError('not_found', 'x', 550), { op: 'mkdir', name: 'new', exists: true }).title, '“new” exists already here.');
  assert.match(describeError(ftpError('not_found', 'x', 550), { op: 'mkdir', name: 'new', exists: false }).title, /this folder may no longer exist/);

  assert.equal(describeError(ftpError('not_found', 'x', 550), { op: 'download' }).title, 'This file no longer exists.');
  assert.match(describeError(ftpError('not_found', 'x', 550), { op: 'list' }).title, /folder no longer exists/);
  assert.match(
    describeError(ftpError('permission', 'x', null, 'relay_policy'), { op: 'connect', host: 'ftp.example.com' }).title,
    /relay does not allow connections to ftp\.example\.com:21\./,
  );
  // A data port the relay refuses is not the server's refusal.
  assert.match(describeError(ftpError('permission', 'x', null, 'relay_policy'), { op: 'list', host: 'h' }).title, /relay does not allow the data connection h asked for/);
  // The words come from the code, not from the message: a server's text does not steer them.
  assert.equal(describeError(ftpError('permission', 'relay policy says no', 550), { op: 'delete', name: 'a' }).title, 'You are not allowed to delete “a”.');
  assert.match(describeError(ftpError('permission', 'x', 550), { op: 'upload' }).title, /does not allow uploading here/);
  assert.match(describeError(ftpError('rejected', 'x', 552), { op: 'upload' }).title, /out of space/);
  assert.match(describeError(ftpError('connection', 'x', 425), { op: 'list' }).hint, /passive or active/);
  assert.match(describeError(ftpError('connection', 'x', null, 'refused'), { op: 'connect', host: 'h', port: 2121 }).title, /Nothing accepts connections at h:2121/);
  assert.match(describeError(ftpError('connection', 'x', null, 'refused'), { op: 'connect', host: 'h' }).title, /Nothing accepts connections at h:21\./);
  assert.match(describeError(ftpError('connection', 'x', null, 'data_connection'), { op: 'download' }).title, /could not open a data connection/);
  assert.match(describeError(ftpError('connection', 'x', null, 'server_closed'), { op: 'list' }).title, /server closed the connection/);
  // A server with too many sessions from us is busy, not refusing the password.
  assert.match(describeError(ftpError('connection', 'x', 530, 'server_busy'), { op: 'connect', host: 'h' }).title, /h takes no more sessions/);
  assert.match(describeError(ftpError('connection', 'x', null, 'unreachable'), { op: 'connect', host: 'h' }).title, /h cannot be reached/);
  assert.match(describeError(ftpError('connection', 'x', null, 'relay_refused'), { op: 'connect' }).title, /relay refused this session/);
  assert.match(describeError(ftpError('connection', 'x', null, 'relay_shutdown'), { op: 'list' }).title, /relay is restarting/);
  assert.match(describeError(ftpError('timeout', 'x'), { op: 'connect', host: 'h' }).title, /did not answer/);
  assert.match(describeError(ftpError('incomplete', 'x'), { op: 'download' }).hint, /Resume/);
  assert.equal(describeError(ftpError('aborted', 'x')).title, 'Cancelled.');
  assert.match(describeError(ftpError('invalid_input', 'x', null, 'unencodable'), { op: 'rename', encoding: 'latin1' }).title, /latin1/);
  assert.equal(describeError(ftpError('invalid_input', 'x', null, 'line_break'), { op: 'rename' }).title, 'Names cannot contain line breaks.');
  assert.match(describeError(ftpError('invalid_input', 'x', null, 'relay_url'), { op: 'connect' }).title, /not a valid WebSocket URL/);

  // A WebSocket the relay refused (403 before the upgrade) vs. a relay that is down.
  const closed = ftpError('connection', 'cannot connect: the relay connection closed (code 1006)', null, 'relay_lost');
  assert.match(describeError(closed, { op: 'connect', relayReachable: true, origin: 'https://a.example' }).title, /relay refused this page \(https:\/\/a\.example\)/);
  assert.match(describeError(closed, { op: 'connect', relayReachable: false, relay: 'wss://r/ws' }).title, /relay at wss:\/\/r\/ws cannot be reached/);
  assert.equal(describeError('boom').title, 'boom');
});

test('deep links carry the place, never the password', () => {
  assert.deepEqual(parseFtpUrl('#ftp://alice:secret@ftp.example.com:2121/pub/linux?mode=active&encoding=latin1'), {
    host: 'ftp.example.com',
    port: 2121,
    user: 'alice',
    path: '/pub/linux',
    mode: 'active',
    encoding: 'latin1',
  });
  assert.deepEqual(parseFtpUrl('ftp.example.com'), { host: 'ftp.example.com', port: 21, user: '', path: '/', mode: 'auto', encoding: '' });
  assert.equal(parseFtpUrl('#ftp://[::1]:2121/x').host, '::1');
  assert.equal(parseFtpUrl('#ftp://h/caf%C3%A9%20x').path, '/café x');
  assert.equal(parseFtpUrl('#ftp://h/?mode=bogus').mode, 'auto');
  assert.equal(parseFtpUrl(''), null);
  assert.equal(parseFtpUrl('#'), null);
  const link = formatFtpUrl({ host: 'ftp.example.com', port: 2121, user: 'al ice', path: '/pub/café', mode: 'active', encoding: 'latin1' });
  assert.equal(link, 'ftp://al%20ice@ftp.example.com:2121/pub/caf%C3%A9?mode=active&encoding=latin1');
  assert.deepEqual(parseFtpUrl(link), { host: 'ftp.example.com', port: 2121, user: 'al ice', path: '/pub/café', mode: 'active', encoding: 'latin1' });
  assert.equal(formatFtpUrl({ host: 'h', port: 21, path: '/' }), 'ftp://h/');
  assert.equal(formatFtpUrl({ host: '::1', port: 21, path: '/' }), 'ftp://[::1]/');
  const query = parseQuery('?host=h&port=990&user=u&password=p&path=/a');
  assert.deepEqual(query, { host: 'h', port: 990, user: 'u', path: '/a', mode: 'auto', encoding: '' });
  assert.equal(parseQuery('?x=1'), null);
});

test('relay addresses', () => {
  assert.equal(sameOriginRelay({ protocol: 'https:', host: 'ftp.example.com' }), 'wss://ftp.example.com/ws');
  assert.equal(sameOriginRelay({ protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/ws');
  assert.equal(relayHealthUrl('wss://relay.example.com/ws?ticket=x'), 'https://relay.example.com/healthz');
  assert.equal(relayHealthUrl('ws://127.0.0.1:8080/ftp/ws'), 'http://127.0.0.1:8080/ftp/healthz');
  assert.equal(relayHealthUrl('not a url'), null);
  assert.equal(asciiFileName('café "x".txt'), 'cafe _x_.txt');
  assert.equal(asciiFileName('日本'), 'download');
});

test('names with control and bidi characters are shown visibly', () => {
  assert.equal(visibleName('plain.txt'), 'plain.txt');
  assert.equal(visibleName('photo\u202egpj.exe'), 'photo⟨U+202E⟩gpj.exe');
  assert.equal(visibleName('a\nb\rc\u001b[31m'), 'a⟨U+000A⟩b⟨U+000D⟩c⟨U+001B⟩[31m');
  assert.equal(visibleName('\u2066x\u2069'), '⟨U+2066⟩x⟨U+2069⟩');
  assert.equal(visibleName('Привет 文件'), 'Привет 文件');
  assert.ok(hasHiddenCharacters('x\u202e'));
  assert.ok(hasHiddenCharacters('x\u202e'), 'twice in a row (no regex state)');
  assert.ok(!hasHiddenCharacters('x.txt'));
});

test('the selection model: clicks, Ctrl, Shift, all, and a re-sort keeps the marks', async () => {
  const { Selection } = await import('../src/selection.js');
  const s = new Selection();
  s.setView(['a', 'b', 'c', 'd', 'e']);
  s.apply(1);
  assert.deepEqual(s.marked(), [1]);
  s.apply(3, 'toggle');
  assert.deepEqual(s.marked(), [1, 3]);
  s.apply(3, 'toggle');
  assert.deepEqual(s.marked(), [1]);
  // Shift: the range from the anchor (the last row clicked), replacing the marks.
  s.apply(1);
  s.apply(4, 'extend');
  assert.deepEqual(s.marked(), [1, 2, 3, 4]);
  s.apply(0, 'extend');
  assert.deepEqual(s.marked(), [0, 1]);
  // The cursor moves alone with keep.
  s.apply(4, 'keep');
  assert.equal(s.cursor, 4);
  assert.deepEqual(s.marked(), [0, 1]);
  s.all();
  assert.equal(s.size, 5);
  // A new order of the same names: marks follow the names, the cursor its row's name.
  s.apply(2);
  s.apply(4, 'toggle');
  s.setView(['e', 'd', 'c', 'b', 'a']);
  assert.deepEqual(s.marked(), [0, 2]);
  assert.equal(s.cursor, 0);
  // Names no longer shown lose their marks; an empty view has no cursor.
  s.setView(['d', 'c']);
  assert.deepEqual(s.marked(), [1]);
  s.setView([]);
  assert.equal(s.size, 0);
  assert.equal(s.apply(0), -1);
});

test('previews: what a file is shown as, what counts as text, reads that stop, edits that keep line endings', async () => {
  const { previewKind, looksLikeText, readUpTo, editable } = await import('../src/preview.js');
  assert.deepEqual(previewKind('photo.JPG'), { kind: 'image', type: 'image/jpeg' });
  assert.deepEqual(previewKind('a.svg'), { kind: 'image', type: 'image/svg+xml' });
  assert.deepEqual(previewKind('manual.pdf'), { kind: 'pdf' });
  assert.deepEqual(previewKind('notes.txt'), { kind: 'text' });
  assert.deepEqual(previewKind('index.html'), { kind: 'text' }, 'HTML is shown as text, never run');
  assert.deepEqual(previewKind('README'), { kind: 'sniff' });
  assert.equal(previewKind('archive.tar.gz'), null);
  assert.equal(previewKind('firmware.bin'), null);

  const utf8 = new TextEncoder().encode('caf\u00e9 \u20ac');
  assert.ok(looksLikeText(utf8));
  assert.ok(!looksLikeText(new Uint8Array([0x61, 0, 0x62])), 'a NUL byte is not text');
  assert.ok(!looksLikeText(new Uint8Array([0x63, 0xe9, 0x20])), 'Latin-1 bytes are not UTF-8');
  // A read cut inside the euro sign's three bytes is still text.
  assert.ok(!looksLikeText(utf8.subarray(0, utf8.length - 1)));
  assert.ok(looksLikeText(utf8.subarray(0, utf8.length - 1), true));

  const stream = (chunks) => new ReadableStream({ pull(c) { const next = chunks.shift(); if (next) c.enqueue(next); else c.close(); } });
  let cancelled = false;
  const endless = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(1000).fill(65)); }, cancel() { cancelled = true; } });
  const cut = await readUpTo(endless, 2500);
  assert.equal(cut.bytes.length, 2500);
  assert.ok(cut.truncated && cancelled, 'the rest is cancelled');
  const whole = await readUpTo(stream([new Uint8Array([1, 2]), new Uint8Array([3])]), 10);
  assert.deepEqual([...whole.bytes], [1, 2, 3]);
  assert.ok(!whole.truncated);

  // CRLF files come back with CRLF; a byte order mark is kept.
  const crlf = editable(new TextEncoder().encode('\ufeffone\r\ntwo\r\n'));
  assert.equal(crlf.text, '\ufeffone\ntwo\n');
  assert.equal(new TextDecoder('utf-8', { ignoreBOM: true }).decode(crlf.encode('\ufeffone\n2\n')), '\ufeffone\r\n2\r\n');
  assert.equal(new TextDecoder().decode(editable(new TextEncoder().encode('a\nb')).encode('a\nc')), 'a\nc');
  // What a text area would change is not offered for editing.
  assert.equal(editable(new TextEncoder().encode('a\r\nb\nc')), null, 'mixed line endings');
  assert.equal(editable(new TextEncoder().encode('old mac\rline')), null, 'lone CR');
  assert.equal(editable(new Uint8Array([0x63, 0xe9])), null, 'not UTF-8');
});
