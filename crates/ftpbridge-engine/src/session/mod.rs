//! The session: one control connection, its login, the queue of operations and the
//! data channel of the running one.
//!
//! Methods are grouped as inputs (`handle_*`), commands (verbs that queue an
//! operation and return its [`OpId`]) and outputs (`poll_output`, `poll_timeout`).
//! Every input and every command carries `now`, so a driver never has to tick the
//! engine before calling it.
//!
//! Where things live:
//!
//! | file | job |
//! | --- | --- |
//! | `mod.rs` | the public API: inputs, commands, outputs |
//! | `login.rs` | greeting, AUTH TLS, USER/PASS/ACCT, PBSZ/PROT, FEAT, UTF8, TYPE, PWD |
//! | `replies.rs` | who reads each reply: commands sent, replies owed, keep-alives, the drain after ABOR |
//! | `timer.rs` | the timer table and what each deadline does when it fires |
//! | `ops.rs` | the queue of operations: start, advance, finish, fail, close |
//! | `channel.rs` | data connections: passive, active, auto mode's fallback |
//! | `transfer.rs` | the running transfer: 1xx/final replies, bytes, completeness |
//! | `task.rs` | each operation's steps (list, retrieve, store, rename, ...) |

mod channel;
mod login;
mod ops;
mod replies;
mod task;
mod timer;
mod transfer;

pub use task::{ListOptions, StoreMode, StoreOptions};

use crate::command::{Command, check_argument};
use crate::config::TlsMode;
use crate::error::{Error, ErrorKind, SocketError};
use crate::event::{Event, Host, OpId, Output, Purpose, RemotePath, ServerPath, SocketId, TlsInfo, Value};
use crate::parse::{self, Features};
use crate::time::Instant;
use crate::{Config, Reply, ReplyReader};
use channel::Channel;
use core::net::SocketAddr;
use replies::Expect;
use std::collections::VecDeque;
use task::Task;
use timer::TimerTable;
use transfer::Transfer;

/// A sans-IO FTP client session.
///
/// Feed it what happens on its sockets and clock (`handle_*`), give it work (the
/// command verbs), and after every input drain [`Session::poll_output`] until it
/// returns `None`, then wait until [`Session::poll_timeout`] or the next input.
/// See the crate docs for a complete drive loop.
pub struct Session {
    config: Config,
    now: Instant,
    outputs: VecDeque<Output>,
    reader: ReplyReader,
    phase: Phase,
    control_peer: Option<SocketAddr>,
    greeting: Option<Reply>,
    features: Features,
    cwd: Option<Vec<u8>>,
    /// PWD answered with a path at login: after ABOR, a PWD marks the end of the
    /// replies to discard (its 257 is like no other reply).
    pwd_works: bool,
    /// The server accepted TYPE I. When it refused at login, transfers ask again and
    /// fail if it still refuses: a file sent in ASCII mode may come out altered.
    binary: bool,
    /// EPSV was refused once: use PASV from now on.
    epsv_refused: bool,
    /// EPRT was refused once: use PORT from now on.
    eprt_refused: bool,
    /// MLSD was refused although offered: use LIST from now on.
    mlsd_refused: bool,
    /// Auto mode found passive data connections failing: active from now on.
    active_fallback: bool,
    queue: VecDeque<(OpId, Task)>,
    current: Option<Running>,
    next_op: u64,
    next_socket: u32,
    /// Replies the server owes us, in the order the commands were sent.
    pending: VecDeque<replies::Owed>,
    timers: TimerTable,
    /// The control connection's TLS.
    tls: ControlTls,
    /// `PROT P` was accepted: every data connection starts TLS once it opens.
    data_protected: bool,
}

/// Where the control connection's TLS stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ControlTls {
    Off,
    /// Asked for ([`Output::StartTls`]); the handshake runs.
    Handshaking,
    On(TlsInfo),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    LoggingIn,
    Ready,
    Closed,
}

/// The operation being worked on.
struct Running {
    id: OpId,
    task: Task,
    channel: Option<Channel>,
    transfer: Option<Transfer>,
    /// The user asked to abort while a command was outstanding.
    cancelled: bool,
    /// While discarding replies after ABOR: what ends the drain, and the error to report.
    drain: Option<replies::Drain>,
}

impl Session {
    /// A session that starts by connecting to `config.host:config.port`.
    pub fn new(config: Config, now: Instant) -> Session {
        let mut session = Session {
            now,
            outputs: VecDeque::new(),
            reader: ReplyReader::new(),
            phase: Phase::Connecting,
            control_peer: None,
            greeting: None,
            features: Features::default(),
            cwd: None,
            pwd_works: false,
            binary: false,
            epsv_refused: !config.use_epsv,
            eprt_refused: !config.use_eprt,
            mlsd_refused: false,
            active_fallback: false,
            queue: VecDeque::new(),
            current: None,
            next_op: 1,
            next_socket: 1,
            pending: VecDeque::new(),
            timers: TimerTable::default(),
            tls: ControlTls::Off,
            data_protected: false,
            config,
        };
        session.outputs.push_back(Output::Connect {
            socket: SocketId::CONTROL,
            host: Host::Name(session.config.host.clone()),
            port: session.config.port,
            purpose: Purpose::Control,
        });
        session.note(format!("connecting to {}:{}", session.config.host, session.config.port));
        session.sync_timers();
        session
    }

    // ----- state -----

    /// Whether login finished and the session accepts work.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Whether the session ended (after QUIT, [`Session::close`] or an error).
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Whether no operation is running or queued.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// What FEAT offered.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The working directory, when known.
    pub fn working_directory(&self) -> Option<ServerPath> {
        self.cwd.as_ref().map(|bytes| ServerPath {
            text: self.config.encoding.decode(bytes).into_owned(),
            bytes: bytes.clone(),
        })
    }

    /// The configuration the session was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The control connection's TLS, once its handshake finished.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        match &self.tls {
            ControlTls::On(info) => Some(info),
            _ => None,
        }
    }

    /// Whether data connections are protected with TLS (`PROT P` accepted).
    pub fn data_protected(&self) -> bool {
        self.data_protected
    }

    // ----- inputs -----

    /// A connection the session asked for is open; `peer` is the address it reached
    /// (the control connection's server address is used for passive data connections).
    pub fn handle_connected(&mut self, now: Instant, socket: SocketId, peer: Option<SocketAddr>) {
        if !self.enter(now) {
            return;
        }
        if socket == SocketId::CONTROL {
            if self.phase == Phase::Connecting {
                self.control_peer = peer;
                if let Some(peer) = peer {
                    self.note(format!("connected to {peer}"));
                }
                self.phase = Phase::LoggingIn;
                if self.config.tls == TlsMode::Implicit {
                    // TLS from the first byte: the greeting comes inside it.
                    self.tls = ControlTls::Handshaking;
                    self.outputs.push_back(Output::StartTls { socket: SocketId::CONTROL });
                }
                self.owe(Expect::Login(login::LoginStep::Greeting), "the greeting".into());
            }
        } else {
            self.channel_connected(socket);
        }
        self.sync_timers();
    }

    /// The active-mode listener the session asked for is bound; `advertise` is the
    /// address to give the server in EPRT/PORT.
    pub fn handle_listening(&mut self, now: Instant, socket: SocketId, advertise: SocketAddr) {
        if !self.enter(now) {
            return;
        }
        self.channel_listening(socket, advertise);
        self.sync_timers();
    }

    /// The server connected to the active-mode listener.
    pub fn handle_accepted(&mut self, now: Instant, socket: SocketId, peer: Option<SocketAddr>) {
        if !self.enter(now) {
            return;
        }
        if let (Some(peer), Some(control)) = (peer, self.control_peer)
            && peer.ip() != control.ip()
        {
            self.note(format!(
                "data connection accepted from {peer}, not the control server {}",
                control.ip()
            ));
        }
        self.channel_connected(socket);
        self.sync_timers();
    }

    /// The TLS handshake the session asked for on `socket` ([`Output::StartTls`])
    /// finished; `info` describes it.
    pub fn handle_secured(&mut self, now: Instant, socket: SocketId, info: TlsInfo) {
        if !self.enter(now) {
            return;
        }
        if socket == SocketId::CONTROL {
            if self.tls == ControlTls::Handshaking {
                let trust = match info.trusted_by.as_deref() {
                    Some("pin") => ", its key pinned",
                    Some("first_use") => ", NOT verified: accepted on first use",
                    _ => "",
                };
                self.note(format!("{} ({}{trust})", info.version, info.cipher_suite));
                self.tls = ControlTls::On(info);
                self.login_secured();
            }
        } else {
            self.channel_secured(socket);
        }
        self.sync_timers();
    }

    /// Bytes arrived on a socket.
    ///
    /// Passing an owned `Vec` lets a download's bytes reach [`Event::Data`] without a copy.
    pub fn handle_data(&mut self, now: Instant, socket: SocketId, data: impl Into<Vec<u8>> + AsRef<[u8]>) {
        if !self.enter(now) {
            return;
        }
        if socket == SocketId::CONTROL {
            self.control_data(data.as_ref());
        } else {
            self.transfer_data(socket, data);
        }
        self.sync_timers();
    }

    /// `bytes` of what the session gave to `socket` in [`Output::Send`] left the
    /// transport: written to the network, or taken by the relay. An upload is over on
    /// the data side once every byte has left, and a peer that takes bytes is not
    /// silent: every driver reports this.
    pub fn handle_sent(&mut self, now: Instant, socket: SocketId, bytes: usize) {
        if !self.enter(now) {
            return;
        }
        self.transfer_sent(socket, bytes as u64);
        self.sync_timers();
    }

    /// The local side holds the running transfer up (`stalled`: a download's bytes
    /// wait for a slow disk or a reader that paused), or no longer does. While it does,
    /// the server's silence is not measured: a local stall is never blamed on the
    /// server. (An upload's source needs no call: what it has not given yet is not
    /// waiting for the server.)
    pub fn handle_local_stall(&mut self, now: Instant, stalled: bool) {
        if !self.enter(now) {
            return;
        }
        self.transfer_local_stall(stalled);
        self.sync_timers();
    }

    /// The peer finished sending on a socket (TCP FIN). The socket may still send.
    pub fn handle_eof(&mut self, now: Instant, socket: SocketId) {
        if !self.enter(now) {
            return;
        }
        if socket == SocketId::CONTROL {
            if self.quitting() {
                self.finish(Ok(Value::None));
            } else {
                self.fail_session(
                    Error::new(ErrorKind::Connection, "the server closed the control connection")
                        .with_detail("server_closed"),
                );
            }
        } else {
            self.channel_eof(socket);
        }
        self.sync_timers();
    }

    /// A socket failed: a connection attempt was refused or timed out, or an open
    /// connection was reset.
    pub fn handle_error(&mut self, now: Instant, socket: SocketId, error: SocketError) {
        if !self.enter(now) {
            return;
        }
        if socket == SocketId::CONTROL {
            if self.quitting() {
                self.finish(Ok(Value::None));
            } else {
                let target = format!("{}:{}", self.config.host, self.config.port);
                let message = match (self.phase, &error) {
                    (_, SocketError::Tls { .. }) => format!("TLS with {target} failed: {error}"),
                    (Phase::Connecting, _) => format!("cannot connect to {target}: {error}"),
                    _ => format!("lost the control connection to {target}: {error}"),
                };
                let mut failure = Error::new(error.kind(), message).with_certificate(error.certificate());
                if let Some(detail) = error.detail() {
                    failure = failure.with_detail(detail);
                }
                self.fail_session(failure);
            }
        } else {
            self.channel_error(socket, error);
        }
        self.sync_timers();
    }

    /// Time passed: fire what is due. Call it when [`Session::poll_timeout`] is
    /// reached (calling it early does nothing).
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.enter(now) {
            return;
        }
        self.fire_timers();
        self.sync_timers();
    }

    // ----- commands -----

    /// Lists a directory (the working directory when `path` is `None`). Entries arrive
    /// in [`Event::Entries`]; [`Value::Listed`] ends it. MLSD is used when offered;
    /// otherwise the session enters the directory and sends a bare LIST, so names with
    /// `[`, `*` or `?` are not taken for patterns, then returns. A directory the server
    /// calls empty with a `450`/`550` ("No files found") lists as empty.
    pub fn list(&mut self, now: Instant, path: Option<RemotePath>, options: ListOptions) -> OpId {
        self.command(now, |s| {
            s.queue_with_optional_path(path, |path| Task::List(task::List::new(path, options)))
        })
    }

    /// Lists names only (NLST); [`Value::Names`].
    pub fn name_list(&mut self, now: Instant, path: Option<RemotePath>) -> OpId {
        self.command(now, |s| {
            s.queue_with_optional_path(path, |path| Task::NameList { path, names: Vec::new(), step: 0 })
        })
    }

    /// Describes one file or directory (MLST, else SIZE, MDTM and a CWD probe);
    /// [`Value::Entry`].
    pub fn stat(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| s.queue_with_path(path, |path| Task::Stat(task::Stat::new(path))))
    }

    /// Downloads a file from byte `offset` on (REST). Bytes arrive in [`Event::Data`];
    /// [`Value::Transferred`] only when the server confirmed the transfer and the byte
    /// count matches the size the server announced. A server that accepts REST but
    /// sends the file from its start fails it with [`ErrorKind::RestartIgnored`]: only
    /// the first `offset` bytes of the local copy are good.
    pub fn retrieve(&mut self, now: Instant, path: impl Into<RemotePath>, offset: u64) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            s.queue_with_path(path, |path| Task::Retrieve(task::Retrieve::new(path, offset, None)))
        })
    }

    /// Downloads `length` bytes of a file from byte `offset` on (REST, RETR), for a
    /// download in ranges over several sessions. Once the range's bytes came, the data
    /// connection is reset and the transfer aborted (ABOR, and the replies drained up
    /// to a marker, as a cancel does); the range then succeeds with
    /// [`Value::Transferred`] and the session stays usable. A range that reaches the
    /// end of the file is an ordinary download, checked against the file's size (and so
    /// catches a server that ignores REST); a file that ends before the range does
    /// fails it with [`ErrorKind::Incomplete`]. A refused REST fails with the detail
    /// `restart_refused`.
    pub fn retrieve_range(
        &mut self,
        now: Instant,
        path: impl Into<RemotePath>,
        offset: u64,
        length: u64,
    ) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            s.queue_with_path(path, |path| Task::Retrieve(task::Retrieve::new(path, offset, Some(length))))
        })
    }

    /// Uploads a file. When [`Event::UploadReady`] comes, call [`Session::upload`] with
    /// the bytes from its offset on and then [`Session::finish_upload`].
    pub fn store(&mut self, now: Instant, path: impl Into<RemotePath>, options: StoreOptions) -> OpId {
        let path = path.into();
        self.command(now, |s| s.queue_with_path(path, |path| Task::Store(task::Store::new(path, options))))
    }

    /// Creates a directory (MKD); [`Value::Path`] with the server's name for it.
    pub fn mkdir(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            s.simple(path, Command::Mkd, "create the directory", |reply, cx| {
                let bytes = parse::quoted_path(reply).unwrap_or_default();
                Value::Path(ServerPath { text: cx.encoding.decode(&bytes).into_owned(), bytes })
            })
        })
    }

    /// Removes an empty directory (RMD).
    pub fn rmdir(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| s.simple(path, Command::Rmd, "remove the directory", |_, _| Value::None))
    }

    /// Deletes a file (DELE).
    pub fn delete(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| s.simple(path, Command::Dele, "delete the file", |_, _| Value::None))
    }

    /// Renames or moves (RNFR, RNTO).
    pub fn rename(&mut self, now: Instant, from: impl Into<RemotePath>, to: impl Into<RemotePath>) -> OpId {
        let (from, to) = (from.into(), to.into());
        self.command(now, |s| {
            let id = s.allocate_op();
            match (s.encode(&from), s.encode(&to)) {
                (Ok(from), Ok(to)) => s.enqueue(id, Task::Rename { from, to, step: 0 }),
                (Err(error), _) | (_, Err(error)) => s.reject(id, error),
            }
            id
        })
    }

    /// Changes permissions (SITE CHMOD), `mode` in octal like `644`.
    pub fn chmod(&mut self, now: Instant, path: impl Into<RemotePath>, mode: &str) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            let id = s.allocate_op();
            if mode.is_empty() || mode.len() > 4 || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                let error =
                    Error::new(ErrorKind::InvalidInput, format!("{mode:?} is not an octal mode like 644"));
                s.reject(id, error);
                return id;
            }
            match s.encode(&path) {
                Ok(path) => s.enqueue(
                    id,
                    Task::Simple {
                        command: Some(Command::SiteChmod { mode: mode.as_bytes().to_vec(), path }),
                        what: "change the permissions",
                        on_success: |_, _| Value::None,
                    },
                ),
                Err(error) => s.reject(id, error),
            }
            id
        })
    }

    /// Asks a file's size (SIZE); [`Value::Size`].
    pub fn size(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            s.simple(path, Command::Size, "get the size", |reply, _| match parse::size(reply) {
                Some(size) => Value::Size(size),
                None => Value::Reply(reply.clone()),
            })
        })
    }

    /// Asks a file's modification time (MDTM); [`Value::Modified`].
    pub fn modified(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| {
            s.simple(path, Command::Mdtm, "get the modification time", |reply, _| {
                match parse::modification_time(reply) {
                    Some(time) => Value::Modified(time),
                    None => Value::Reply(reply.clone()),
                }
            })
        })
    }

    /// Changes the working directory (CWD, then PWD); [`Value::Path`].
    pub fn cd(&mut self, now: Instant, path: impl Into<RemotePath>) -> OpId {
        let path = path.into();
        self.command(now, |s| s.queue_with_path(path, |path| Task::Cd { path, step: 0 }))
    }

    /// Asks the working directory (PWD); [`Value::Path`].
    pub fn pwd(&mut self, now: Instant) -> OpId {
        self.command(now, |s| {
            let id = s.allocate_op();
            s.enqueue(id, Task::Pwd);
            id
        })
    }

    /// Sends a command line as is; [`Value::Reply`] with the final reply, whatever its
    /// code. Commands the session must run itself are refused with
    /// [`ErrorKind::InvalidInput`]: those that open a data connection (`RETR`, `LIST`,
    /// `PASV`, ...), and those that would change the connection's state under the
    /// session (`REIN`, `AUTH`, `PBSZ`, `PROT`, `CCC`).
    pub fn raw(&mut self, now: Instant, line: &str) -> OpId {
        self.command(now, |s| {
            let id = s.allocate_op();
            let bytes = match s.config.encoding.encode(line) {
                Some(bytes) => bytes.into_owned(),
                None => {
                    let message = "the command has characters the server's encoding cannot represent";
                    s.reject(id, Error::new(ErrorKind::InvalidInput, message));
                    return id;
                }
            };
            if let Err(c) = check_argument(&bytes) {
                s.reject(
                    id,
                    Error::new(ErrorKind::InvalidInput, format!("a command cannot contain {c:?}"))
                        .with_detail("line_break"),
                );
                return id;
            }
            let verb = bytes.split(|&b| b == b' ').next().unwrap_or_default().to_ascii_uppercase();
            if verb == b"QUIT" {
                s.enqueue(id, Task::Quit { sent: false });
            } else if let Some(why) = refused_raw_verb(&verb) {
                let verb = String::from_utf8_lossy(&verb).into_owned();
                s.reject(
                    id,
                    Error::new(ErrorKind::InvalidInput, format!("{verb} cannot be sent raw: {why}"))
                        .with_detail("not_raw"),
                );
            } else {
                s.enqueue(id, Task::Raw { line: Some(bytes) });
            }
            id
        })
    }

    /// Sends NOOP.
    pub fn noop(&mut self, now: Instant) -> OpId {
        self.command(now, |s| {
            let id = s.allocate_op();
            let task = Task::Simple {
                command: Some(Command::Noop),
                what: "send NOOP",
                on_success: |_, _| Value::None,
            };
            s.enqueue(id, task);
            id
        })
    }

    /// Ends the session politely (QUIT); the session closes after the reply.
    pub fn quit(&mut self, now: Instant) -> OpId {
        self.command(now, |s| {
            let id = s.allocate_op();
            s.enqueue(id, Task::Quit { sent: false });
            id
        })
    }

    /// Sends upload bytes for `op` (after [`Event::UploadReady`]). The bytes go out at
    /// once as an [`Output::Send`]; the caller paces itself on its socket and reports
    /// with [`Session::handle_sent`] what left.
    ///
    /// Passing an owned `Vec` saves a copy.
    pub fn upload(&mut self, now: Instant, op: OpId, data: impl Into<Vec<u8>>) -> Result<(), Error> {
        self.now = now;
        let socket = self.upload_socket(op)?;
        let data = data.into();
        if !data.is_empty() {
            self.transfer_given(data.len() as u64);
            self.outputs.push_back(Output::Send { socket, data });
        }
        self.sync_timers();
        Ok(())
    }

    /// Every byte of the upload `op` was given: the data connection is shut down for
    /// writing and the server's confirmation awaited.
    pub fn finish_upload(&mut self, now: Instant, op: OpId) -> Result<(), Error> {
        self.now = now;
        let socket = self.upload_socket(op)?;
        self.outputs.push_back(Output::Shutdown { socket });
        self.transfer_finished_giving();
        self.start_next();
        self.sync_timers();
        Ok(())
    }

    /// Cancels an operation: a queued one is dropped, a running transfer is aborted
    /// (ABOR) and the session stays usable. The operation ends with
    /// [`ErrorKind::Aborted`].
    pub fn abort(&mut self, now: Instant, op: OpId) {
        if !self.enter(now) {
            return;
        }
        self.abort_op(op);
        self.sync_timers();
    }

    /// Closes the session at once, without QUIT. Running and queued operations fail
    /// with [`ErrorKind::Closed`].
    pub fn close(&mut self, now: Instant) {
        if !self.enter(now) {
            return;
        }
        self.shut_down(None, Error::new(ErrorKind::Closed, "the session was closed"));
    }

    // ----- outputs -----

    /// The next thing for the transport to do, or `None` when there is nothing now.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Session::handle_timeout`] should be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ----- internals -----

    /// Takes `now` for an input; false when the session is closed (nothing to do).
    fn enter(&mut self, now: Instant) -> bool {
        self.now = self.now.max(now);
        self.phase != Phase::Closed
    }

    /// Runs a command verb at `now` and settles the timers.
    fn command(&mut self, now: Instant, queue: impl FnOnce(&mut Session) -> OpId) -> OpId {
        self.now = self.now.max(now);
        let id = queue(self);
        self.sync_timers();
        id
    }

    fn emit(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }

    fn note(&mut self, text: String) {
        self.emit(Event::Log(crate::event::LogLine::Note(text)));
    }

    fn quitting(&self) -> bool {
        matches!(&self.current, Some(r) if r.task.is_quit())
    }

    fn upload_socket(&self, op: OpId) -> Result<SocketId, Error> {
        let running = self.current.as_ref().filter(|r| r.id == op);
        let ready = running.and_then(|r| {
            let transfer = r.transfer.as_ref()?;
            (transfer.upload_ready_sent && !transfer.upload_finished).then_some(())?;
            r.channel.as_ref().map(|c| c.socket)
        });
        ready.ok_or_else(|| {
            Error::new(ErrorKind::InvalidInput, format!("operation {} is not an upload in progress", op.0))
        })
    }
}

/// Why a raw command is refused, if it is: the session must send it itself.
fn refused_raw_verb(verb: &[u8]) -> Option<&'static str> {
    const DATA: &[&[u8]] = &[
        b"RETR", b"STOR", b"STOU", b"APPE", b"LIST", b"NLST", b"MLSD", b"PASV", b"EPSV", b"PORT", b"EPRT",
        b"LPRT", b"LPSV", b"SPSV", b"REST",
    ];
    const STATE: &[&[u8]] = &[b"REIN", b"AUTH", b"PBSZ", b"PROT", b"CCC", b"CDC"];
    if DATA.contains(&verb) {
        Some("it needs a data connection; use the session's own operation")
    } else if STATE.contains(&verb) {
        Some("it would change the connection's state under the session")
    } else {
        None
    }
}
