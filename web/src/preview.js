/**
 * Previews of files in the page, without the DOM of the element: what a file can be
 * shown as, how much of it is read, and whether bytes are text.
 *
 * Images are shown with `<img>` (an SVG there runs no script), PDFs in the browser's
 * own viewer from a Blob typed `application/pdf`, text as text (never as HTML). Every
 * kind has a size cap, so that a preview never holds a large file in memory.
 *
 * @module
 */

const MiB = 1024 * 1024;

/** The most bytes read for each kind of preview. */
export const PREVIEW_LIMITS = { image: 20 * MiB, pdf: 50 * MiB, text: 1 * MiB };

/** Editing in place is for text files that fit whole in the preview. */
export const EDIT_LIMIT = PREVIEW_LIMITS.text;

const IMAGES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
};

const TEXT = new Set([
  'txt', 'text', 'md', 'markdown', 'rst', 'log', 'csv', 'tsv', 'json', 'xml', 'yaml', 'yml', 'toml', 'ini', 'cfg',
  'conf', 'config', 'properties', 'env', 'sh', 'bash', 'zsh', 'bat', 'cmd', 'ps1', 'py', 'rb', 'pl', 'php', 'js',
  'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'css', 'scss', 'html', 'htm', 'rs', 'go', 'c', 'h', 'cc', 'cpp', 'hpp', 'java',
  'kt', 'swift', 'cs', 'sql', 'diff', 'patch', 'nfo', 'readme', 'license', 'srt', 'vtt', 'm3u', 'sfv', 'md5', 'sha1',
  'sha256', 'asc', 'sig', 'pem', 'crt',
]);

/** The file name's extension, lower case ('' when there is none). */
function extension(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * What a file can be previewed as, from its name: `{ kind: 'image', type }`,
 * `{ kind: 'pdf' }`, `{ kind: 'text' }`, or `{ kind: 'sniff' }` (read the start and
 * show it as text if it is text). Files with names that say they are something else
 * (archives, media, programs) give `null`.
 */
export function previewKind(name) {
  const ext = extension(String(name));
  if (IMAGES[ext]) return { kind: 'image', type: IMAGES[ext] };
  if (ext === 'pdf') return { kind: 'pdf' };
  if (TEXT.has(ext)) return { kind: 'text' };
  const base = String(name).toLowerCase();
  if (!ext || ['readme', 'license', 'changelog', 'makefile', 'dockerfile'].includes(base)) return { kind: 'sniff' };
  return null;
}

/**
 * Whether `bytes` read as text: no NUL byte, and valid UTF-8 (a character cut off at
 * the very end, where the read stopped, is allowed).
 */
export function looksLikeText(bytes, cut = false) {
  if (bytes.includes(0)) return false;
  let end = bytes.length;
  if (cut) {
    // Drop an incomplete character at the end: up to three continuation bytes back.
    for (let back = 1; back <= 3 && end - back >= 0; back++) {
      const b = bytes[end - back];
      if ((b & 0xc0) !== 0x80) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (need > back) end -= back;
        break;
      }
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads at most `limit` bytes of `stream`; returns `{ bytes, truncated }` and cancels
 * the rest of the stream when there was more.
 */
export async function readUpTo(stream, limit) {
  const reader = stream.getReader();
  const chunks = [];
  let length = 0;
  let truncated = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const room = limit - length;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      length += room;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    length += value.byteLength;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { bytes, truncated };
}

/**
 * Text for the editor, and how to write it back with the file's own line endings and
 * byte order mark; `null` when editing could change bytes the user did not touch (not
 * UTF-8, lone carriage returns, or CRLF and LF mixed: a text area keeps neither).
 */
export function editable(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
  if (/\r(?!\n)/.test(text)) return null;
  const crlf = text.includes('\r\n');
  if (crlf && /(^|[^\r])\n/.test(text)) return null;
  return {
    text: crlf ? text.replace(/\r\n/g, '\n') : text,
    encode: (edited) => new TextEncoder().encode(crlf ? edited.replace(/\r?\n/g, '\r\n') : edited),
  };
}
