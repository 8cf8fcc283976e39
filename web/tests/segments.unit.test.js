// Downloads in ranges, without a browser: plans, resumes, sessions refused, short ranges.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gotOf, needsWhole, runSegments } from '../src/segments.js';

/** Ranges as FtpClient.planRanges gives them (planned in the driver, tested there). */
const MIN_RANGE = 4 * 1024 * 1024;
function planRanges(size, pieces) {
  const n = Math.max(1, Math.min(pieces, Math.floor(size / MIN_RANGE)));
  const step = Math.floor(size / n);
  return Array.from({ length: n }, (_, i) => ({ offset: i * step, length: i + 1 === n ? size - i * step : step, got: 0, toEnd: i + 1 === n }));
}

/** A file's bytes: (i * 7 + 3) mod 256. */
const byteAt = (i) => (i * 7 + 3) % 256;

/** A stream of the file from `offset`, `length` bytes (to its end when undefined), in 64 KiB chunks; `cut` bytes short when given. */
function fileStream(size, { offset, length }, { cut = 0, log = [] } = {}) {
  log.push({ offset, length });
  const end = (length === undefined ? size : Math.min(size, offset + length)) - cut;
  let at = offset;
  return new ReadableStream({
    pull(controller) {
      if (at >= end) {
        if (cut) controller.error(Object.assign(new Error('received fewer bytes'), { code: 'incomplete' }));
        else controller.close();
        return;
      }
      const n = Math.min(65536, end - at);
      controller.enqueue(Uint8Array.from({ length: n }, (_, k) => byteAt(at + k)));
      at += n;
    },
  });
}

function disk(size) {
  const bytes = new Uint8Array(size);
  return { bytes, write: async (position, chunk) => { bytes.set(chunk, position); } };
}

test('every range lands at its place, and a cancelled run resumes only what is missing', async () => {
  const size = 3 * MIN_RANGE + 12345;
  const ranges = planRanges(size, 3);
  const d = disk(size);
  const log = [];
  const controller = new AbortController();
  let written = 0;
  const worker = async (want) => fileStream(size, want, { log });
  await assert.rejects(runSegments({
    ranges,
    workers: [worker, worker, worker],
    write: async (at, chunk) => {
      await d.write(at, chunk);
      written += chunk.byteLength;
      if (written > MIN_RANGE) controller.abort();
    },
    signal: controller.signal,
  }));
  const before = gotOf(ranges);
  assert.ok(before > 0 && before < size);
  log.length = 0;
  await runSegments({ ranges, workers: [worker, worker, worker], write: d.write });
  assert.equal(gotOf(ranges), size);
  // Resumed from where each range stopped, never from its start again.
  for (const want of log) assert.ok(ranges.some((r) => want.offset > r.offset || r.got === 0 || want.offset === r.offset), JSON.stringify(want));
  assert.ok(d.bytes.every((b, i) => b === byteAt(i)), 'the file is byte-exact');
});

test('a session the server refuses leaves its ranges to the others', async () => {
  const size = 4 * MIN_RANGE;
  const ranges = planRanges(size, 4);
  const d = disk(size);
  const good = async (want) => fileStream(size, want);
  const busy = async () => { throw Object.assign(new Error('421 too many'), { code: 'connection', detail: 'server_busy' }); };
  const opened = await runSegments({ ranges, workers: [good, busy, busy, good], write: d.write });
  assert.equal(opened, 4);
  assert.ok(d.bytes.every((b, i) => b === byteAt(i)));
});

test('a range that ends short fails the download; none of it is reported complete', async () => {
  const size = 2 * MIN_RANGE;
  const ranges = planRanges(size, 2);
  const d = disk(size);
  let first = true;
  const worker = async (want) => {
    const cut = first ? 100 : 0;
    first = false;
    return fileStream(size, want, { cut });
  };
  await assert.rejects(runSegments({ ranges, workers: [worker, worker], write: d.write }), (error) => error.code === 'incomplete');
  assert.ok(gotOf(ranges) < size);
});

test('no session at all is the sessions’ error', async () => {
  const ranges = planRanges(2 * MIN_RANGE, 2);
  const busy = async () => { throw Object.assign(new Error('busy'), { detail: 'server_busy' }); };
  await assert.rejects(runSegments({ ranges, workers: [busy], write: async () => {} }), /busy/);
});

test('which errors mean the file must come in one piece', () => {
  assert.ok(needsWhole({ code: 'restart_ignored' }));
  assert.ok(needsWhole({ code: 'rejected', detail: 'restart_refused' }));
  assert.ok(!needsWhole({ code: 'incomplete' }));
});
