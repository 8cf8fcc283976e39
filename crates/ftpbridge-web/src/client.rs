//! `FtpClient`: the JavaScript API. Every method queues an operation on the engine and
//! returns a promise (or, for downloads, a `ReadableStream`); failures reject with an
//! `FtpError` carrying a stable `code`, the server's `replyCode` and a readable message.

use crate::js;
use crate::paths;
use crate::runtime::{DownloadShared, Room, Runtime, UploadShared};
use ftpbridge_driver::Trust;
use ftpbridge_engine::listing::DateTime;
use ftpbridge_engine::{
    Config, DataMode, Error, ErrorKind, ListOptions, OpId, RemotePath, Session, SocketId, StoreMode,
    StoreOptions, TlsMode, Value,
};
use futures_util::StreamExt;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A remote path: text in the session's encoding, or the server's exact bytes (an
 * entry's `nameBytes`, a walk's `pathBytes`), for a name that does not decode. */
export type FtpPath = string | Uint8Array;

/** One entry of a directory listing (the same shape as `ftpbridge ls --json`). */
export interface FtpEntry {
  /** Decoded for display: where the bytes do not decode, a stand-in character. */
  name: string;
  /** The name as the server's bytes, present only where `name` does not give them
   * back (a name that does not decode in the session's encoding). Use it, or
   * `client.joinPath(dir, entry.nameBytes ?? entry.name)`, to act on the entry. */
  nameBytes?: Uint8Array;
  kind: 'file' | 'dir' | 'link' | 'other' | 'unknown';
  size: number | null;
  /** RFC 3339, UTC for MLSD servers; the server's wall clock for LIST servers. */
  modified: string | null;
  permissions: string | null;
  owner: string | null;
  group: string | null;
  target: string | null;
  /** The line as the server sent it. */
  raw: string;
}

export interface ConnectOptions {
  /** The relay's WebSocket URL, e.g. `wss://relay.example.com/ws`. */
  relay: string;
  host: string;
  port?: number;
  /** Omit for anonymous login. */
  user?: string;
  password?: string;
  mode?: 'auto' | 'passive' | 'active';
  /** The server's name encoding: `utf-8` (default), `latin1`, `windows-1251`, `shift_jis`, `gbk`, ... */
  encoding?: string;
  /** How long the server may stay silent, in milliseconds (default 30000): to connect, to answer, to send or take the next byte. Never the length of a transfer; a page that does not read a download, or an upload source that pauses, is not the server's silence. */
  timeoutMs?: number;
  /** While no operation runs, send `NOOP` this often (milliseconds, at least 1000), so
   * that the server and the networks on the way do not drop an idle session. Off by
   * default. */
  keepAliveMs?: number;
  /** A signed relay ticket, when the relay requires one. */
  ticket?: string;
  /** TLS (FTPS): `if-available` (default: AUTH TLS when the server takes it, else plain
   * FTP for anonymous logins only, never a password in the clear), `require` (explicit
   * TLS or nothing), `implicit` (TLS from the first byte, port 990 by default) or
   * `plain` (no TLS: the relay can read everything, the password included). TLS runs in
   * this page: the relay carries only ciphertext. */
  tls?: 'if-available' | 'require' | 'implicit' | 'plain';
  /** This host did TLS before: a refused AUTH TLS is then a downgrade error (code `tls_downgrade`), never plain. */
  expectTls?: boolean;
  /** SHA-256 hashes (hex) of server public keys (SubjectPublicKeyInfo) the user accepted
   * for this host: accepted in place of a certificate authority; another key that no
   * authority vouches for fails with code `certificate`, detail `key_changed`. */
  pins?: string[];
  /** With no pin, accept a key no authority vouches for (self-signed) and report it in
   * `security.tls.trustedBy === 'first_use'` for the page to pin. Off by default. */
  trustOnFirstUse?: boolean;
  /** PEM certificates of the authorities to trust instead of the built-in Mozilla root store (a company CA, a test CA). */
  caCertificates?: string[];
  /** Gets the control connection's transcript from the first line, login included (`onLog` later replaces it). */
  onLog?: (line: LogLine) => void;
}

export interface ListOptionsJs {
  /** Include hidden (dot) files. */
  all?: boolean;
}

export type ProgressCallback = (bytesDone: number, total: number | null) => void;

export interface DownloadOptions {
  /** Start at this byte (resume, or a range). */
  offset?: number;
  /** Only this many bytes from `offset` on (a range, for a download over several
   * sessions): the transfer is aborted once they came, and the stream ends after them.
   * A range that reaches the file's end is checked against its size like any download
   * (so a server that ignores the offset fails it with `restart_ignored`); a refused
   * offset fails with detail `restart_refused`. */
  length?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface UploadOptions {
  /** Continue an earlier upload from the remote file's size. */
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** How the session is protected (`client.security`). */
export interface Security {
  /** The control connection's TLS; `null` when the session is plain FTP. */
  tls: {
    version: string;
    cipherSuite: string;
    resumed: boolean;
    /** `authority`, `pin` or `first_use`. */
    trustedBy: string | null;
    certificate: {
      subject: string;
      issuer: string;
      /** Unix seconds. */
      notBefore: number;
      notAfter: number;
      /** SHA-256 fingerprint, `AA:BB:...`. */
      sha256: string;
      /** SHA-256 of the public key, hex: what a pin names. */
      keySha256: string;
    } | null;
  } | null;
  /** Listings and files go in TLS too. */
  dataProtected: boolean;
}

/** What `walk` found below a folder. */
export interface FtpWalk {
  /** Files and folders, each folder before what is in it. */
  found: Array<{
    path: string;
    /** Where `path` does not give back the server's bytes. */
    pathBytes?: Uint8Array;
    /** The names below the folder walked, one per level. */
    rel: string[];
    entry: FtpEntry;
  }>;
  /** Links and special files, not followed. */
  skipped: number;
  /** Folders below the start that the server would not list (what is in them is missing from `found`). */
  unlisted: Array<{ path: string; pathBytes?: Uint8Array; error: FtpError }>;
}

/** What the server holds where an upload would go (`existing`). */
export interface FtpExisting {
  /** For each file asked about, in order: the entry of its name there, or `null`. */
  files: Array<FtpEntry | null>;
  /** The upload's folders that are there already ('' is the target itself). */
  folders: string[];
  /** Folders that are there but would not list: what is in them is unknown. */
  unlisted: string[];
}

export interface LogLine {
  direction: 'sent' | 'received' | 'note';
  text: string;
}

/** Thrown by every failing call. */
/** What went wrong, in terms a person can act on (stable: choose words by this). */
export type FtpErrorCode =
  | 'connection' | 'login' | 'not_found' | 'permission' | 'rejected' | 'protocol' | 'timeout'
  | 'incomplete' | 'aborted' | 'invalid_input' | 'closed' | 'restart_ignored' | 'tls'
  | 'certificate' | 'tls_unavailable' | 'tls_downgrade';

/**
 * A finer code within `code` (stable too):
 * - `certificate`: expired | not_yet_valid | wrong_name | unknown_issuer | self_signed | key_changed | revoked | bad_certificate;
 * - `tls`: handshake | truncated | protocol;
 * - `tls_unavailable`: required (the server offers no TLS) | data (it will not protect data connections) | password (a password would go unencrypted);
 * - `connection`: refused (nothing listens there) | unreachable (no route, or the name did not resolve) | reset |
 *   server_closed (the server closed the session, or sent 421) | server_busy (it takes no more sessions now: 421 or 530 saying so) | data_connection (a data connection failed, or 425/426) |
 *   relay_refused (the relay's policy or limits refused the session) | relay_shutdown | relay_protocol | relay_lost;
 * - `permission`: relay_policy (the relay, not the server, refused the destination or data port);
 * - `timeout`: timed_out (a connection attempt timed out);
 * - `invalid_input`: unencodable (the session's encoding cannot write the name) | line_break (CR, LF or NUL in a path or command) |
 *   empty_path | not_raw (a command raw() refuses) | unknown_encoding | relay_url (not a WebSocket URL) |
 *   local_read (the local file could not be read) | options (a bad option).
 */
export type FtpErrorDetail = string;

export declare class FtpError extends Error {
  code: FtpErrorCode;
  /** The finer code, where there is one: see `FtpErrorDetail`. */
  detail: FtpErrorDetail | null;
  /** For `certificate`: the refused certificate, to show before trusting its key (`pins: [keySha256]`). */
  certificate: { subject: string; issuer: string; notBefore: number; notAfter: number; sha256: string; keySha256: string } | null;
  /** The FTP reply code that caused it, when there was one. */
  replyCode: number | null;
}
"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectOptions {
    relay: String,
    host: String,
    port: Option<u16>,
    user: Option<String>,
    password: Option<String>,
    mode: Option<String>,
    encoding: Option<String>,
    timeout_ms: Option<u32>,
    keep_alive_ms: Option<u32>,
    ticket: Option<String>,
    tls: Option<String>,
    expect_tls: Option<bool>,
    pins: Option<Vec<String>>,
    trust_on_first_use: Option<bool>,
    ca_certificates: Option<Vec<String>>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_log: JsValue,
}

#[derive(Deserialize, Default)]
struct ListOptionsJs {
    all: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TransferOptions {
    offset: Option<f64>,
    length: Option<f64>,
    resume: Option<bool>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
}

fn options<T: for<'de> Deserialize<'de> + Default>(value: Option<JsValue>) -> Result<T, JsValue> {
    let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(T::default());
    };
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js::error_of(ErrorKind::InvalidInput, Some("options"), &e.to_string()))
}

/// An FTP session through an ftpbridge relay.
#[wasm_bindgen]
pub struct FtpClient {
    runtime: Rc<RefCell<Runtime>>,
}

#[wasm_bindgen]
impl FtpClient {
    /// Connects through the relay and logs in.
    #[wasm_bindgen(unchecked_return_type = "FtpClient")]
    pub async fn connect(
        #[wasm_bindgen(unchecked_param_type = "ConnectOptions")] options: JsValue,
    ) -> Result<FtpClient, JsValue> {
        let options: ConnectOptions = serde_wasm_bindgen::from_value(options).map_err(|e| {
            js::error_of(ErrorKind::InvalidInput, Some("options"), &format!("connect options: {e}"))
        })?;
        let tls = match options.tls.as_deref() {
            None | Some("if-available") => TlsMode::IfAvailable,
            Some("require") => TlsMode::Require,
            Some("implicit") => TlsMode::Implicit,
            Some("plain") => TlsMode::Plain,
            Some(other) => {
                return Err(js::error_of(
                    ErrorKind::InvalidInput,
                    Some("options"),
                    &format!("unknown tls mode {other:?}"),
                ));
            }
        };
        let port = options.port.unwrap_or(if tls == TlsMode::Implicit { 990 } else { 21 });
        let mut config = Config::new(options.host.clone(), port);
        config.tls = tls;
        config.expect_tls = options.expect_tls.unwrap_or(false);
        let mut pins = Vec::new();
        for pin in options.pins.iter().flatten() {
            pins.push(ftpbridge_driver::parse_pin(pin).ok_or_else(|| {
                js::error_of(
                    ErrorKind::InvalidInput,
                    Some("options"),
                    &format!("{pin:?} is not a SHA-256 key pin (64 hex digits)"),
                )
            })?);
        }
        let roots = match &options.ca_certificates {
            Some(pems) => ftpbridge_driver::Roots::Certificates(certificates(pems)?),
            None => ftpbridge_driver::Roots::Webpki,
        };
        let trust = Trust { roots, pins, trust_on_first_use: options.trust_on_first_use.unwrap_or(false) };
        config.user = options.user.filter(|u| !u.is_empty());
        config.password = options.password;
        config.mode = match options.mode.as_deref() {
            None | Some("auto") => DataMode::Auto,
            Some("passive") => DataMode::Passive,
            Some("active") => DataMode::Active,
            Some(other) => {
                return Err(js::error_of(
                    ErrorKind::InvalidInput,
                    Some("options"),
                    &format!("unknown mode {other:?}"),
                ));
            }
        };
        if let Some(label) = options.encoding.as_deref().filter(|l| !l.is_empty()) {
            config.encoding = crate::codec::for_label(label).ok_or_else(|| {
                js::error_of(
                    ErrorKind::InvalidInput,
                    Some("unknown_encoding"),
                    &format!("unknown encoding {label:?}"),
                )
            })?;
        }
        if let Some(ms) = options.timeout_ms {
            let limit = Duration::from_millis(u64::from(ms.max(1000)));
            config.timeouts.connect = limit;
            config.timeouts.reply = limit;
            // Silence on the data connection; a page that does not read is not silence.
            config.timeouts.data_idle = limit;
        }
        if let Some(ms) = options.keep_alive_ms.filter(|&ms| ms > 0) {
            config.idle_keepalive = Some(Duration::from_millis(u64::from(ms.max(1000))));
        }
        // A ticket goes as a second subprotocol, never in the URL (proxies log URLs).
        let ticket = options.ticket.as_deref().filter(|t| !t.is_empty());
        let relay = options.relay.clone();
        let log = options.on_log.dyn_into::<js_sys::Function>().ok();
        let (runtime, ready) =
            Runtime::start(&relay, ticket, config, trust, log).map_err(|e| js::error(&e))?;
        match ready.await {
            Ok(Ok(_info)) => Ok(FtpClient { runtime }),
            Ok(Err(error)) => Err(js::error(&error)),
            Err(_) => Err(js::error_of(ErrorKind::Closed, None, "the session ended before login")),
        }
    }

    /// How a file of `size` bytes is split for a download over `sessions` sessions (the
    /// same split as the CLI's `get --segments`): ranges of at least 4 MiB, in order, as
    /// `{ offset, length, got: 0, toEnd }`; the last one runs to the end of the file
    /// (download it without `length`, so that its size is checked). A small file is one
    /// range.
    #[wasm_bindgen(js_name = planRanges, unchecked_return_type = "Array<{ offset: number; length: number; got: number; toEnd: boolean }>")]
    pub fn plan_ranges(size: f64, sessions: u32) -> JsValue {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct RangeJs {
            offset: f64,
            length: f64,
            got: f64,
            to_end: bool,
        }
        let ranges: Vec<RangeJs> = ftpbridge_driver::ranges::plan(size.max(0.0) as u64, sessions)
            .into_iter()
            .map(|r| RangeJs { offset: r.offset as f64, length: r.length as f64, got: 0.0, to_end: r.to_end })
            .collect();
        js::to_js(&ranges)
    }

    /// How the session is protected: the control connection's TLS (version, cipher,
    /// certificate, why it was trusted) and whether data connections are in TLS too.
    #[wasm_bindgen(getter, unchecked_return_type = "Security")]
    pub fn security(&self) -> JsValue {
        let rt = self.runtime.borrow();
        js::security(rt.driver.session().tls_info(), rt.driver.session().data_protected())
    }

    /// Lists a directory (the current one when `path` is omitted).
    #[wasm_bindgen(unchecked_return_type = "FtpEntry[]")]
    pub async fn list(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "FtpPath | null")] path: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "ListOptionsJs")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options: ListOptionsJs = self::options(options)?;
        let now = wall_clock();
        let list = ListOptions { all: options.all.unwrap_or(false), now };
        let path = match path.filter(|p| !p.is_undefined() && !p.is_null()) {
            Some(path) => Some(paths::remote(&path)?),
            None => None,
        };
        let path = path.filter(|p| !matches!(p, RemotePath::Text(t) if t.is_empty()));
        let path = path.filter(|p| !matches!(p, RemotePath::Bytes(b) if b.is_empty()));
        let rx = self.queue(move |rt| {
            let now = rt.now();
            let op = rt.driver.session_mut(now).list(now, path, list);
            rt.list(op)
        })?;
        let entries = rx.await.map_err(|_| closed())?.map_err(|e| js::error(&e))?;
        Ok(js::entries(&entries, self.encoding()))
    }

    /// Downloads a file as a stream of bytes; nothing is held beyond the relay's window.
    /// The stream errors with an `FtpError` unless every byte arrived and the server
    /// confirmed the transfer.
    #[wasm_bindgen(unchecked_return_type = "ReadableStream<Uint8Array>")]
    pub fn download(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options: TransferOptions = self::options(options)?;
        let offset = options.offset.unwrap_or(0.0).max(0.0) as u64;
        let length = options.length.map(|l| l.max(0.0) as u64);
        let path = paths::remote(&path)?;
        let shared = Rc::new(RefCell::new(DownloadShared::default()));
        let op = {
            let shared = shared.clone();
            let op = Rc::new(RefCell::new(None));
            let slot = op.clone();
            self.run(move |rt| {
                let now = rt.now();
                let session = rt.driver.session_mut(now);
                let id = match length {
                    Some(length) => session.retrieve_range(now, path, offset, length),
                    None => session.retrieve(now, path, offset),
                };
                rt.download(id, shared);
                *slot.borrow_mut() = Some(id);
            })?;
            op.borrow().ok_or_else(closed)?
        };
        self.watch_signal(&options.signal, op);
        let stream = DownloadStream {
            shared,
            runtime: Rc::downgrade(&self.runtime),
            op,
            progress: options.on_progress.dyn_into::<js_sys::Function>().ok(),
            delivered: 0,
            finished: false,
        };
        Ok(wasm_streams::ReadableStream::from_stream(stream).into_raw().into())
    }

    /// Uploads a `Blob` (a `File`) or a `ReadableStream<Uint8Array>`; resolves with the
    /// bytes sent once the server confirmed them.
    pub async fn upload(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Blob | ReadableStream<Uint8Array>")] source: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "UploadOptions")] options: Option<JsValue>,
    ) -> Result<f64, JsValue> {
        let options: TransferOptions = self::options(options)?;
        let blob = source.dyn_ref::<web_sys::Blob>().cloned();
        let local_size = blob.as_ref().map(|b| b.size() as u64);
        let mode = if options.resume.unwrap_or(false) { StoreMode::Resume } else { StoreMode::Replace };
        let path = paths::remote(&path)?;
        let shared = Rc::new(RefCell::new(UploadShared::default()));
        let slot = Rc::new(RefCell::new(None));
        {
            let (shared, slot) = (shared.clone(), slot.clone());
            self.run(move |rt| {
                let now = rt.now();
                let id = rt.driver.session_mut(now).store(now, path, StoreOptions { mode, local_size });
                rt.upload(id, shared);
                *slot.borrow_mut() = Some(id);
            })?;
        }
        let op = slot.borrow().ok_or_else(closed)?;
        self.watch_signal(&options.signal, op);
        let progress = options.on_progress.dyn_into::<js_sys::Function>().ok();

        // Wait until the server is ready for the bytes (or the upload ended already).
        let ready = UploadWait { shared: shared.clone(), ready: true }.await;
        if let Some((offset, socket)) = ready {
            let result = self.feed(op, socket, offset, source, blob, local_size, progress.as_ref()).await;
            if let Err(error) = result {
                let weak = Rc::downgrade(&self.runtime);
                if let Some(rt) = weak.upgrade() {
                    Runtime::run(&rt, move |rt| {
                        let now = rt.now();
                        rt.driver.session_mut(now).abort(now, op)
                    });
                }
                // Report the local failure, not the abort it caused.
                let _ = UploadWait { shared: shared.clone(), ready: false }.await;
                return Err(error);
            }
        }
        let _ = UploadWait { shared: shared.clone(), ready: false }.await;
        let end = shared.borrow_mut().end.take();
        match end {
            Some(Ok(bytes)) => Ok(bytes as f64),
            Some(Err(error)) => Err(js::error(&error)),
            None => Err(closed()),
        }
    }

    /// Creates a directory; resolves with the server's path for it.
    pub async fn mkdir(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.mkdir(now, p)).await
    }

    /// Removes an empty directory.
    pub async fn rmdir(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.rmdir(now, p)).await
    }

    /// Deletes a file.
    pub async fn delete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.delete(now, p)).await
    }

    /// Renames or moves a file or directory.
    pub async fn rename(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] from: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] to: JsValue,
    ) -> Result<JsValue, JsValue> {
        let to = paths::remote(&to)?;
        self.call_on(&from, move |s, now, from| s.rename(now, from, to)).await
    }

    /// Changes permissions (`SITE CHMOD`), `mode` in octal like `"644"`.
    pub async fn chmod(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
        mode: String,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, move |s, now, p| s.chmod(now, p, &mode)).await
    }

    /// A file's size in bytes.
    #[wasm_bindgen(unchecked_return_type = "number")]
    pub async fn size(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.size(now, p)).await
    }

    /// A file's modification time (RFC 3339, UTC).
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub async fn modified(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.modified(now, p)).await
    }

    /// The working directory.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub async fn pwd(&self) -> Result<JsValue, JsValue> {
        self.call(|s, now| s.pwd(now)).await
    }

    /// Changes the working directory; resolves with the new one (as text: where it
    /// does not decode, `workingDirectory` has its bytes).
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub async fn cd(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] path: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.call_on(&path, |s, now, p| s.cd(now, p)).await
    }

    /// The working directory as the last `cd` or `pwd` left it: `{ path }`, with
    /// `pathBytes` where the text does not give back the server's bytes; `null` when
    /// unknown.
    #[wasm_bindgen(getter, js_name = workingDirectory, unchecked_return_type = "{ path: string; pathBytes?: Uint8Array } | null")]
    pub fn working_directory(&self) -> JsValue {
        let rt = self.runtime.borrow();
        let session = rt.driver.session();
        let Some(dir) = session.working_directory() else { return JsValue::NULL };
        let out = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&out, &"path".into(), &JsValue::from_str(&dir.text));
        paths::add_exact(&out, "pathBytes", &dir.text, &dir.bytes, session.config().encoding);
        out.into()
    }

    /// `dir/name` with one slash between. Two strings give a string; where either is
    /// the server's bytes (`nameBytes`, `pathBytes`), the path is bytes too (a
    /// `Uint8Array`), the text one encoded in the session's encoding.
    #[wasm_bindgen(js_name = joinPath, unchecked_return_type = "FtpPath")]
    pub fn join_path(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] dir: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FtpPath")] name: JsValue,
    ) -> Result<JsValue, JsValue> {
        if let (Some(dir), Some(name)) = (dir.as_string(), name.as_string()) {
            let joined = paths::join(dir.as_bytes(), name.as_bytes());
            return Ok(JsValue::from_str(&String::from_utf8_lossy(&joined)));
        }
        let encoding = self.encoding();
        let joined = paths::join(&paths::bytes(&dir, encoding)?, &paths::bytes(&name, encoding)?);
        Ok(js_sys::Uint8Array::from(joined.as_slice()).into())
    }

    /// Sends a raw command; resolves with `{ code, text }` of the final reply.
    #[wasm_bindgen(unchecked_return_type = "{ code: number, text: string }")]
    pub async fn quote(&self, command: String) -> Result<JsValue, JsValue> {
        self.call(move |s, now| s.raw(now, &command)).await
    }

    /// Streams the control-connection transcript (passwords masked) to `callback`.
    #[wasm_bindgen(js_name = onLog)]
    pub fn on_log(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(line: LogLine) => void")] callback: js_sys::Function,
    ) {
        self.runtime.borrow_mut().log = Some(callback);
    }

    /// Says goodbye (QUIT) and closes the connection.
    pub async fn close(&self) -> Result<(), JsValue> {
        if self.runtime.borrow().closed.is_none() {
            let _ = self.call(|s, now| s.quit(now)).await;
        }
        self.runtime.borrow().close_socket();
        Ok(())
    }
}

impl FtpClient {
    /// Runs `f` on the runtime now (a call from the page never nests in a borrow).
    fn run(&self, f: impl FnOnce(&mut Runtime) + 'static) -> Result<(), JsValue> {
        if let Some(error) = &self.runtime.borrow().closed {
            return Err(js::error(error));
        }
        Runtime::run(&self.runtime, f);
        Ok(())
    }

    pub(crate) fn queue<T: 'static>(
        &self,
        f: impl FnOnce(&mut Runtime) -> T + 'static,
    ) -> Result<T, JsValue> {
        let slot = Rc::new(RefCell::new(None));
        let out = slot.clone();
        self.run(move |rt| *out.borrow_mut() = Some(f(rt)))?;
        let value = slot.borrow_mut().take();
        value.ok_or_else(closed)
    }

    /// The session's name encoding.
    pub(crate) fn encoding(&self) -> ftpbridge_engine::listing::Encoding {
        self.runtime.borrow().driver.session().config().encoding
    }

    /// Runs an operation on the path the page gave (text or bytes).
    async fn call_on(
        &self,
        path: &JsValue,
        op: impl FnOnce(&mut Session, ftpbridge_engine::Instant, RemotePath) -> OpId + 'static,
    ) -> Result<JsValue, JsValue> {
        let path = paths::remote(path)?;
        self.call(move |s, now| op(s, now, path)).await
    }

    pub(crate) async fn call(
        &self,
        op: impl FnOnce(&mut Session, ftpbridge_engine::Instant) -> OpId + 'static,
    ) -> Result<JsValue, JsValue> {
        let rx = self.queue(move |rt| {
            let now = rt.now();
            let id = op(rt.driver.session_mut(now), now);
            rt.call(id)
        })?;
        let value = rx.await.map_err(|_| closed())?.map_err(|e| js::error(&e))?;
        Ok(match value {
            Value::None => JsValue::UNDEFINED,
            Value::Path(path) => JsValue::from_str(&path.text),
            Value::Size(size) => JsValue::from_f64(size as f64),
            Value::Modified(time) => JsValue::from_str(&time.to_rfc3339()),
            Value::Reply(reply) => {
                #[derive(serde::Serialize)]
                struct ReplyJs {
                    code: u16,
                    text: String,
                }
                js::to_js(&ReplyJs { code: reply.code(), text: reply.to_wire_string() })
            }
            Value::Entry(entry) => js::entry(&entry, self.encoding()),
            _ => JsValue::UNDEFINED,
        })
    }

    /// Aborts `op` when `signal` fires.
    fn watch_signal(&self, signal: &JsValue, op: OpId) {
        let Some(signal) = signal.dyn_ref::<web_sys::AbortSignal>() else { return };
        let weak = Rc::downgrade(&self.runtime);
        let abort = move || {
            if let Some(rt) = weak.upgrade() {
                Runtime::run(&rt, move |rt| {
                    let now = rt.now();
                    rt.driver.session_mut(now).abort(now, op)
                });
            }
        };
        if signal.aborted() {
            abort();
            return;
        }
        let listener = Closure::once_into_js(abort);
        let _ = signal.add_event_listener_with_callback("abort", listener.unchecked_ref());
    }

    /// Reads the source from `offset` and hands it to the engine as the relay has room.
    #[allow(clippy::too_many_arguments)]
    async fn feed(
        &self,
        op: OpId,
        socket: ftpbridge_engine::SocketId,
        offset: u64,
        source: JsValue,
        blob: Option<web_sys::Blob>,
        total: Option<u64>,
        progress: Option<&js_sys::Function>,
    ) -> Result<(), JsValue> {
        let mut skip = 0u64;
        let raw: web_sys::ReadableStream = match blob {
            Some(blob) => blob.slice_with_f64(offset as f64).map_err(|e| local(&e))?.stream(),
            None => {
                skip = offset;
                source.dyn_into().map_err(|_| {
                    js::error_of(
                        ErrorKind::InvalidInput,
                        Some("options"),
                        "upload needs a Blob or a ReadableStream",
                    )
                })?
            }
        };
        let mut chunks = wasm_streams::ReadableStream::from_raw(raw).into_stream();
        let mut sent = offset;
        let weak = Rc::downgrade(&self.runtime);
        loop {
            if !room(&weak, op, socket).await {
                return Ok(()); // the operation ended meanwhile; its result says why
            }
            let Some(chunk) = chunks.next().await else {
                if let Some(rt) = weak.upgrade() {
                    Runtime::run(&rt, move |rt| {
                        let now = rt.now();
                        let _ = rt.driver.session_mut(now).finish_upload(now, op);
                    });
                }
                return Ok(());
            };
            let chunk = chunk.map_err(|e| local(&e))?;
            let mut bytes = js_sys::Uint8Array::new(&chunk).to_vec();
            if skip > 0 {
                let drop = (skip as usize).min(bytes.len());
                bytes.drain(..drop);
                skip -= drop as u64;
            }
            if bytes.is_empty() {
                continue;
            }
            sent += bytes.len() as u64;
            let Some(rt) = weak.upgrade() else { return Ok(()) };
            Runtime::run(&rt, move |rt| {
                let now = rt.now();
                let _ = rt.driver.session_mut(now).upload(now, op, bytes);
            });
            if let Some(progress) = progress {
                let total = total.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64));
                let _ = progress.call2(&JsValue::NULL, &JsValue::from_f64(sent as f64), &total);
            }
        }
    }
}

impl Drop for FtpClient {
    fn drop(&mut self) {
        if let Ok(rt) = self.runtime.try_borrow() {
            rt.close_socket();
        }
    }
}

/// Waits until the upload may send on `socket`; false once the upload ended.
async fn room(runtime: &Weak<RefCell<Runtime>>, op: OpId, socket: ftpbridge_engine::SocketId) -> bool {
    loop {
        let Some(rt) = runtime.upgrade() else { return false };
        let state = RoomWait { runtime: rt, op, socket }.await;
        match state {
            Some(Room::Ready) => return true,
            Some(Room::WaitForBrowser) => gloo_timers::future::TimeoutFuture::new(4).await,
            Some(Room::WaitForCredit) => {}
            None => return false,
        }
    }
}

/// Resolves once the socket has room (or the browser buffer is the limit); `None`
/// once the upload ended (failed, aborted, or the session closed).
struct RoomWait {
    runtime: Rc<RefCell<Runtime>>,
    op: OpId,
    socket: ftpbridge_engine::SocketId,
}

impl std::future::Future for RoomWait {
    type Output = Option<Room>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(mut rt) = self.runtime.try_borrow_mut() else {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        };
        if !rt.upload_running(self.op) {
            return Poll::Ready(None);
        }
        match rt.upload_room(self.socket, cx.waker()) {
            Room::WaitForCredit => Poll::Pending,
            other => Poll::Ready(Some(other)),
        }
    }
}

/// Waits for an upload to be ready (`ready: true`) or to end.
struct UploadWait {
    shared: Rc<RefCell<UploadShared>>,
    ready: bool,
}

impl std::future::Future for UploadWait {
    type Output = Option<(u64, ftpbridge_engine::SocketId)>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut shared = self.shared.borrow_mut();
        if self.ready && shared.ready.is_some() {
            return Poll::Ready(shared.ready);
        }
        if shared.end.is_some() {
            return Poll::Ready(None);
        }
        shared.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The download's bytes as a stream for `ReadableStream::from_stream`.
struct DownloadStream {
    shared: Rc<RefCell<DownloadShared>>,
    runtime: Weak<RefCell<Runtime>>,
    op: OpId,
    progress: Option<js_sys::Function>,
    delivered: u64,
    finished: bool,
}

impl futures_util::Stream for DownloadStream {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let next = {
            let mut shared = self.shared.borrow_mut();
            match take_chunks(&mut shared.chunks) {
                Some(chunks) => Some(Ok((chunks, shared.total, shared.offset))),
                None => match shared.end.take() {
                    Some(Ok(())) => None,
                    Some(Err(error)) => Some(Err(error)),
                    None => {
                        shared.waker = Some(cx.waker().clone());
                        return Poll::Pending;
                    }
                },
            }
        };
        match next {
            Some(Ok((chunks, total, offset))) => {
                let length: usize = chunks.iter().map(|(_, bytes, _)| bytes.len()).sum();
                let out = js_sys::Uint8Array::new_with_length(length as u32);
                let mut at = 0;
                for (_, bytes, _) in &chunks {
                    out.subarray(at as u32, (at + bytes.len()) as u32).copy_from(bytes);
                    at += bytes.len();
                }
                // The page took these bytes: the relay may send as many again.
                let drained = self.shared.borrow().chunks.is_empty();
                if let Some(rt) = self.runtime.upgrade() {
                    Runtime::run(&rt, move |rt| {
                        for (socket, _, credit) in &chunks {
                            rt.consumed(*socket, *credit);
                        }
                        if drained {
                            rt.caught_up();
                        }
                    });
                }
                self.delivered += length as u64;
                if let Some(progress) = &self.progress {
                    let total = total.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64));
                    let done = JsValue::from_f64((offset + self.delivered) as f64);
                    let _ = progress.call2(&JsValue::NULL, &done, &total);
                }
                Poll::Ready(Some(Ok(out.into())))
            }
            Some(Err(error)) => {
                self.finished = true;
                Poll::Ready(Some(Err(js::error(&error))))
            }
            None => {
                self.finished = true;
                Poll::Ready(None)
            }
        }
    }
}

/// Bytes handed to the page in one chunk at most, when several messages wait.
const MAX_CHUNK: usize = 1024 * 1024;

/// The waiting chunks the page takes in one read: at least one, and more while they
/// stay under [`MAX_CHUNK`] together (each read costs the page a promise).
type Chunk = (SocketId, Vec<u8>, usize);

fn take_chunks(queue: &mut VecDeque<Chunk>) -> Option<Vec<Chunk>> {
    let first = queue.pop_front()?;
    let mut length = first.1.len();
    let mut chunks = vec![first];
    while let Some((_, next, _)) = queue.front() {
        if length + next.len() > MAX_CHUNK {
            break;
        }
        length += next.len();
        chunks.extend(queue.pop_front());
    }
    Some(chunks)
}

impl Drop for DownloadStream {
    /// The page cancelled the stream (or dropped it) before the end: abort the transfer.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(rt) = self.runtime.upgrade() {
            let op = self.op;
            Runtime::run(&rt, move |rt| {
                let now = rt.now();
                rt.driver.session_mut(now).abort(now, op)
            });
        }
    }
}

/// The DER certificates in PEM texts.
fn certificates(pems: &[String]) -> Result<Vec<Vec<u8>>, JsValue> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut ders = Vec::new();
    for pem in pems {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| {
                js::error_of(ErrorKind::InvalidInput, Some("options"), &format!("caCertificates: {e}"))
            })?;
            ders.push(cert.to_vec());
        }
    }
    if ders.is_empty() {
        return Err(js::error_of(
            ErrorKind::InvalidInput,
            Some("options"),
            "caCertificates holds no PEM certificate",
        ));
    }
    Ok(ders)
}

pub(crate) fn closed() -> JsValue {
    js::error(&Error::new(ErrorKind::Closed, "the session is closed"))
}

fn local(value: &JsValue) -> JsValue {
    js::error_of(
        ErrorKind::InvalidInput,
        Some("local_read"),
        &format!("reading the file failed: {}", js::describe(value)),
    )
}

/// The current UTC time, for listing dates without a year.
fn wall_clock() -> DateTime {
    DateTime::from_unix_seconds((js_sys::Date::now() / 1000.0) as i64)
}
