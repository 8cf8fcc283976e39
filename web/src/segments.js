// A download in ranges over several sessions, as lftp's `pget` does: a large file is
// split into ranges (`FtpClient.planRanges`), each fetched on a session of its own with
// REST and a length
// (`FtpClient.download(path, { offset, length })`), and written at its place. No DOM:
// the element gives it the sessions and a writer that writes at a position.
//
// What keeps it safe: the last range always runs to the end of the file, so the engine
// checks the whole size there and catches a server that accepts REST and then sends
// from byte 0 (`restart_ignored`); such a server, or one that refuses REST
// (`restart_refused`), gets the file in one piece instead (`needsWhole`). The download
// is complete only when every range is.

/** Files from this size on are split, where a writer can write at any position (the
 * ranges themselves, of at least 4 MiB, are planned by `FtpClient.planRanges`, the
 * driver's split, the same as the CLI's). */
export const SPLIT_AT = 8 * 1024 * 1024;

/** Bytes of `ranges` that arrived. */
export function gotOf(ranges) {
  return ranges.reduce((sum, range) => sum + range.got, 0);
}

/** Whether `error` says the server cannot do ranges, so the file must come in one piece. */
export function needsWhole(error) {
  return error?.code === 'restart_ignored' || error?.detail === 'restart_refused';
}

/**
 * Fetches what is missing of `ranges` (their `got` grows as bytes are written, so a
 * cancelled run resumes where each range stopped). `workers` are functions: each opens
 * a stream for `{ offset, length }` (`length` undefined: to the end of the file) on a
 * session of its own. A worker that cannot open (its session refused: too many, say)
 * leaves its range to the others; any other failure ends the run, aborting the rest.
 * `write(position, bytes)` writes at a position; `onProgress(got)` hears of each write.
 */
export async function runSegments({ ranges, workers, write, onProgress = () => {}, signal }) {
  const waiting = ranges.filter((range) => range.toEnd ? true : range.got < range.length);
  const inner = new AbortController();
  const stop = () => inner.abort(signal?.reason);
  signal?.addEventListener('abort', stop, { once: true });
  let failure = null;
  let opened = 0;
  let lastOpenError = null;
  const work = async (open) => {
    while (waiting.length && !failure && !inner.signal.aborted) {
      const range = waiting.shift();
      let stream;
      try {
        const want = { offset: range.offset + range.got, length: range.toEnd ? undefined : range.length - range.got };
        stream = await open(want, inner.signal);
      } catch (error) {
        // This session cannot work: its range goes back for the others.
        waiting.unshift(range);
        lastOpenError = error;
        return;
      }
      opened += 1;
      const reader = stream.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (inner.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'aborted' });
          if (done) break;
          if (!range.toEnd && range.got + value.byteLength > range.length) throw Object.assign(new Error('a range came longer than asked'), { code: 'incomplete' });
          const at = range.offset + range.got;
          await write(at, value);
          range.got += value.byteLength;
          onProgress(gotOf(ranges));
        }
        if (!range.toEnd && range.got !== range.length) throw Object.assign(new Error(`a range ended after ${range.got} of its ${range.length} bytes`), { code: 'incomplete' });
      } catch (error) {
        reader.cancel().catch(() => {});
        failure ??= error;
        stop();
        return;
      }
    }
  };
  try {
    await Promise.all(workers.map(work));
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (failure) throw failure;
  if (inner.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'aborted' });
  if (waiting.length) throw lastOpenError ?? new Error('no session could fetch the ranges');
  return opened;
}
