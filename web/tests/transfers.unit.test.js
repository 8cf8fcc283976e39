// The transfer queue and the session pool, without a browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferQueue } from '../src/transfer-queue.js';
import { SessionPool } from '../src/session-pool.js';

test('the queue starts what fits, in order, and a transfer waits for the one it comes after', () => {
  const q = new TransferQueue();
  const folders = q.add({ direction: 'mkdir', name: '2 folders', hiddenRow: true });
  const a = q.add({ direction: 'upload', name: 'a', after: folders });
  const b = q.add({ direction: 'download', name: 'b' });
  const first = q.take(2);
  assert.equal(first.t, folders);
  assert.equal(first.slot, 0);
  // `a` waits for its folders: `b` goes first, on the next slot.
  const second = q.take(2);
  assert.deepEqual([second.t, second.slot], [b, 1]);
  assert.equal(q.take(2), null, 'two run: no third');
  folders.state = 'done';
  q.release(0);
  const third = q.take(2);
  assert.deepEqual([third.t, third.slot], [a, 0]);
  assert.equal(a.state, 'running');
});

test('cancel, resume and remove keep to what each state allows', () => {
  const q = new TransferQueue();
  const t = q.add({ direction: 'upload', name: 'x' });
  assert.equal(q.remove(t), false, 'a waiting transfer stays');
  assert.equal(q.cancel(t), true);
  assert.equal(t.state, 'cancelled');
  assert.equal(q.resume(t), true);
  assert.equal(t.state, 'queued');
  q.take(1);
  assert.equal(q.cancel(t), false, 'a running one is stopped by its runner');
  t.state = 'failed';
  t.error = { title: 'x' };
  assert.equal(q.resume(t), true);
  assert.equal(t.error, null);
  t.state = 'done';
  assert.equal(q.resume(t), false);
  assert.equal(q.remove(t), true);
  assert.deepEqual(q.items, []);
});

test('speed follows the last seconds, and partial uploads are the last try of each path', () => {
  const q = new TransferQueue();
  const t = q.add({ direction: 'upload', name: 'big', path: '/up/big' });
  q.begin(t, 0);
  for (let ms = 300; ms <= 6000; ms += 300) q.progress(t, ms * 1000, ms); // 1 MB/s
  assert.ok(Math.abs(t.speed - 1_000_000) < 1, `${t.speed}`);
  q.progress(t, 6_000_000 + 10, 6100); // too soon for a sample: bytes kept, speed not
  assert.equal(t.bytes, 6_000_010);
  t.state = 'cancelled';
  assert.deepEqual([...q.partialUploads()], ['/up/big']);
  const again = q.add({ direction: 'upload', name: 'big', path: '/up/big' });
  again.state = 'done';
  again.bytes = 10;
  assert.deepEqual([...q.partialUploads()], [], 'a later upload that finished replaces it');
});

test('free slots can be claimed by a transfer that already runs', () => {
  const q = new TransferQueue();
  q.add({ direction: 'download', name: 'big' });
  const { t } = q.take(4);
  assert.deepEqual(q.freeSlots(4), [1, 2, 3]);
  q.claim([1, 2]);
  assert.equal(q.busy, 3);
  assert.deepEqual(q.freeSlots(4), [3]);
  assert.equal(TransferQueue.info(t).name, 'big');
});

test('the session pool opens each slot once, reopens a dropped one, and lowers its limit when refused', async () => {
  const opened = [];
  const closed = [];
  const pool = new SessionPool(async (slot) => {
    const client = { slot, n: opened.length, close: async () => { closed.push(client.n); }, free() {} };
    opened.push(client);
    return client;
  });
  const a = await pool.get(0);
  assert.equal(await pool.get(0), a, 'one session per slot');
  pool.drop(0, a);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(closed, [0]);
  const b = await pool.get(0);
  assert.notEqual(b, a, 'a dropped session is opened again');
  assert.equal(pool.limit(4), 4);
  assert.equal(pool.refused(2), 2);
  assert.equal(pool.limit(4), 2);
  pool.reset();
  assert.equal(pool.limit(4), 4);
  await pool.get(1);
  await pool.closeAll();
  assert.equal(closed.length, 3);
});

test('a session that fails to open is tried again next time', async () => {
  let tries = 0;
  const pool = new SessionPool(async () => {
    tries += 1;
    if (tries === 1) throw new Error('refused');
    return { close: async () => {} };
  });
  await assert.rejects(pool.get(0));
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(await pool.get(0));
  assert.equal(tries, 2);
});

test('zip entry names: nothing an unzip tool takes for a path or a drive, and no name twice', async () => {
  const { zipNames } = await import('../src/sinks.js');
  assert.deepEqual(zipNames([['a', 'b.txt'], ['..', 'x'], ['c:\\d'], ['tab\there'], ['B.txt'], ['b.txt'], ['a', 'b.txt']]), [
    'a/b.txt',
    '_/x',
    'c__d',
    'tab_here',
    'B.txt',
    'b (2).txt',
    'a/b (2).txt',
  ]);
});
