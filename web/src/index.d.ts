// Types of the ftpbridge package: the wasm module's API (generated from the Rust crate)
// and the <ftp-browser> element.

import type { FtpClient, FtpError, InitInput } from './pkg/ftpbridge.js';

export type {
  ConnectOptions,
  DownloadOptions,
  FtpEntry,
  FtpExisting,
  FtpPath,
  FtpWalk,
  InitInput,
  ListOptionsJs,
  LogLine,
  ProgressCallback,
  UploadOptions,
} from './pkg/ftpbridge.js';
export { FtpClient, FtpError, FtpErrorClass } from './pkg/ftpbridge.js';

/** Where an `<ftp-browser>` is: the detail of `ftp-connect` and `ftp-navigate`. */
export interface FtpLocation {
  host: string;
  port: number;
  /** Empty for anonymous sessions. */
  user: string;
  /** The current remote folder, absolute. */
  path: string;
  mode: 'auto' | 'passive' | 'active';
  /** The name encoding, empty for UTF-8. */
  encoding: string;
}

/** An error as words a person can act on (see `describeError`). */
export interface DescribedError {
  /** What happened, e.g. "The server refused the user name or password." */
  title: string;
  /** What to do about it (may be empty). */
  hint: string;
  /** The technical message, with the server's reply when there was one. */
  detail: string;
  /** `FtpError.code`, or `unknown`. */
  code: string;
  replyCode: number | null;
  /** Whether trying again may help. */
  retry: boolean;
}

/** The detail of `ftp-error`. */
export interface FtpBrowserErrorDetail extends DescribedError {
  /** What was being done: connect, list, download, upload, mkdir, rename, delete. */
  op: string;
  path?: string;
}

export type FtpTransferState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A transfer of an `<ftp-browser>`: the detail of `ftp-transfer`. */
export interface FtpTransferInfo {
  id: number;
  direction: 'download' | 'upload';
  /** The file's name. */
  name: string;
  /** The remote path. */
  path: string;
  state: FtpTransferState;
  /** Bytes saved (downloads) or sent (uploads), counting from the file's start. */
  bytes: number;
  total: number | null;
  error: DescribedError | null;
}

/** The events an `<ftp-browser>` dispatches (they bubble and cross shadow roots). */
export interface FtpBrowserEventMap extends HTMLElementEventMap {
  'ftp-connect': CustomEvent<FtpLocation>;
  'ftp-navigate': CustomEvent<FtpLocation>;
  'ftp-disconnect': CustomEvent<{ host: string }>;
  'ftp-error': CustomEvent<FtpBrowserErrorDetail>;
  'ftp-transfer': CustomEvent<FtpTransferInfo>;
}

/** Options of `FtpBrowser.connect`; anything left out comes from the attributes. */
export interface FtpBrowserConnectOptions {
  relay?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  anonymous?: boolean;
  mode?: 'auto' | 'passive' | 'active';
  encoding?: string;
  /** The folder to open first. */
  path?: string;
}

/**
 * `<ftp-browser relay host port path user mode encoding anonymous show-hidden
 * download-strategy download-worker theme timeout>`: an FTP file browser.
 */
export declare class FtpBrowser extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The browsing session once connected, else `null`. */
  readonly client: FtpClient | null;
  /** The current remote folder. */
  readonly path: string;
  readonly connected: boolean;
  /** The password for the next `connect()`: kept in memory only; reads as `''`. */
  password: string;
  /** Every transfer, oldest first. */
  readonly transfers: FtpTransferInfo[];
  /** Connects (attributes, then the form, then `options`); resolves with success. */
  connect(options?: FtpBrowserConnectOptions): Promise<boolean>;
  /** Closes the sessions and shows the connect form. */
  disconnect(options?: { quiet?: boolean }): Promise<void>;
  /** Opens a folder, absolute or relative to the current one. */
  navigate(path: string): Promise<boolean>;
  /** Lists the current folder again. */
  refresh(): Promise<void>;
  /** Queues uploads (a `File`'s `webkitRelativePath` recreates its folders); returns transfer ids. */
  upload(files: Iterable<File> | ArrayLike<File>, dir?: string): number[];
  /** Downloads a file (the save picker needs a user gesture); resolves with the transfer id. */
  download(path: string): Promise<number | null>;

  addEventListener<K extends keyof FtpBrowserEventMap>(
    type: K,
    listener: (this: FtpBrowser, ev: FtpBrowserEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof FtpBrowserEventMap>(
    type: K,
    listener: (this: FtpBrowser, ev: FtpBrowserEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** Registers the element under `name` (default `ftp-browser`); index.js already did. */
export declare function defineFtpBrowser(name?: string): CustomElementConstructor | undefined;

/** Loads the wasm module once (index.js already did); `moduleOrPath` overrides its URL. */
export declare function loadFtpBridge(
  moduleOrPath?: InitInput | Promise<InitInput>,
): Promise<{ FtpClient: typeof FtpClient; FtpError: typeof FtpError }>;

/** What `describeError` may be told about the failed operation. */
export interface DescribeContext {
  op?: 'connect' | 'list' | 'download' | 'upload' | 'mkdir' | 'rename' | 'delete' | string;
  name?: string;
  kind?: string;
  host?: string;
  port?: number;
  relay?: string;
  origin?: string;
  encoding?: string;
  relayReachable?: boolean;
}

/** An `FtpError` (or anything thrown) as a message a person can act on. */
export declare function describeError(error: unknown, context?: DescribeContext): DescribedError;

declare global {
  interface HTMLElementTagNameMap {
    'ftp-browser': FtpBrowser;
  }
}
