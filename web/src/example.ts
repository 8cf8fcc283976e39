// A typed tour of the API, checked by `npm run typecheck` (never run).
import { FtpBrowser, FtpClient, FtpError, describeError } from './index.js';
import type { FtpEntry, FtpExisting, FtpLocation, FtpPath, FtpWalk, LogLine } from './index.js';

export async function tour(file: File): Promise<void> {
  const client: FtpClient = await FtpClient.connect({
    relay: 'wss://relay.example.com/ws',
    host: 'ftp.example.com',
    user: 'alice',
    password: 'secret',
    mode: 'passive',
    encoding: 'latin1',
  });
  client.onLog((line: LogLine) => console.log(line.direction, line.text));

  const entries: FtpEntry[] = await client.list('/pub', { all: true });
  const here: FtpEntry[] = await client.list();
  const folders = [...entries, ...here].filter((e) => e.kind === 'dir').map((e) => e.name);
  console.log(folders, await client.pwd(), await client.cd('/pub'));

  // Downloads are streams: pipe them anywhere, resume with an offset.
  const controller = new AbortController();
  const stream: ReadableStream<Uint8Array> = client.download('/pub/big.iso', {
    offset: 1024,
    signal: controller.signal,
    onProgress: (done: number, total: number | null) => console.log(done, total ?? '?'),
  });
  const reader = stream.getReader();
  const first = await reader.read();
  if (!first.done) console.log(first.value.byteLength);
  controller.abort();

  const sent: number = await client.upload('/incoming/file.bin', file, { resume: true });
  const size: number = await client.size('/incoming/file.bin');
  const modified: string = await client.modified('/incoming/file.bin');
  const reply = await client.quote('SYST');
  console.log(sent, size, modified, reply.code, reply.text);
  // Names are bytes: an entry whose name does not decode carries them.
  for (const entry of entries) {
    const path: FtpPath = client.joinPath('/pub', entry.nameBytes ?? entry.name);
    if (entry.kind === 'file') console.log(await client.size(path));
  }
  const where: { path: string; pathBytes?: Uint8Array } | null = client.workingDirectory;
  const tree: FtpWalk = await client.walk('/pub');
  const clashes: FtpExisting = await client.existing('/incoming', ['a.txt', 'sub/b.txt'], ['sub']);
  console.log(where?.path, tree.found.length, tree.unlisted.length, clashes.files.filter(Boolean).length);
  // A range, for a download over several sessions.
  const ranges = FtpClient.planRanges(64 << 20, 4);
  const part = client.download('/pub/big.iso', { offset: ranges[1].offset, length: ranges[1].length });
  await part.cancel();
  await client.mkdir('/incoming/new');
  await client.rename('/incoming/new', '/incoming/renamed');
  await client.rmdir('/incoming/renamed');

  try {
    await client.delete('/no/such/file');
  } catch (error) {
    if (error instanceof FtpError) {
      const code: string = error.code;
      const reply: number | null = error.replyCode;
      const { title, hint } = describeError(error, { op: 'delete', name: 'file' });
      console.log(code, reply, title, hint);
    }
  }
  await client.close();

  // The element.
  const el: FtpBrowser | null = document.querySelector('ftp-browser');
  if (el) {
    el.password = 'secret';
    el.addEventListener('ftp-navigate', (event) => {
      const where: FtpLocation = event.detail;
      history.pushState(null, '', `#ftp://${where.host}${where.path}`);
    });
    el.addEventListener('ftp-transfer', (event) => console.log(event.detail.state, event.detail.bytes));
    el.addEventListener('ftp-error', (event) => console.log(event.detail.op, event.detail.title));
    await el.connect({ host: 'ftp.example.com', anonymous: true, path: '/pub' });
    await el.navigate('..');
    el.upload([file]);
  }
  const created = document.createElement('ftp-browser');
  created.setAttribute('host', 'ftp.example.com');
  console.log(created.connected, created.path, created.transfers.length);
}
