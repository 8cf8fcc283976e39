//! The session: one control connection, its login, the queue of operations and the
//! data channel of the running one.
//!
//! Methods are grouped as inputs (`handle_*`), commands (verbs that queue an
//! operation and return its [`OpId`]) and outputs (`poll_output`, `poll_timeout`).

mod channel;
mod task;
mod transfer;

pub use task::{ListOptions, StoreMode, StoreOptions};

use crate::command::{Command, check_argument};
use crate::error::{Error, ErrorKind, SocketError};
use crate::event::{
    Event, Host, LogLine, OpId, Output, Purpose, RemotePath, ServerInfo, ServerPath, SocketId, Value,
};
use crate::parse::{self, Features};
use crate::time::Instant;
use crate::{Config, Reply, ReplyReader};
use channel::Channel;
use core::net::SocketAddr;
use std::collections::VecDeque;
use task::{Action, Outcome, Task, TaskContext};
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
    pending: VecDeque<Expect>,
    /// The command whose reply is awaited longest, for timeout messages.
    last_command: String,
    control_deadline: Option<Instant>,
    reply_deadline: Option<Instant>,
    idle_keepalive_at: Option<Instant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    LoggingIn,
    Ready,
    Closed,
}

/// Who reads the next reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Login(LoginStep),
    /// The running task's command.
    Task,
    /// A command of the data channel's setup (EPSV, PASV, EPRT, PORT).
    Channel,
    /// The running transfer's command: 1xx replies, then the final one.
    Transfer,
    /// A keep-alive NOOP.
    Keepalive,
    /// After ABOR: replies are discarded until the NOOP sent after it answers.
    Drain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoginStep {
    Greeting,
    User,
    Pass,
    Acct,
    Feat,
    Utf8,
    Type,
    Pwd,
}

/// The operation being worked on.
struct Running {
    id: OpId,
    task: Task,
    channel: Option<Channel>,
    transfer: Option<Transfer>,
    /// The user asked to abort while a command was outstanding.
    cancelled: bool,
    /// While draining after ABOR: NOOP replies still to come, and the error to report.
    drain: Option<(u32, Error)>,
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
            epsv_refused: !config.use_epsv,
            eprt_refused: !config.use_eprt,
            mlsd_refused: false,
            active_fallback: false,
            queue: VecDeque::new(),
            current: None,
            next_op: 1,
            next_socket: 1,
            pending: VecDeque::new(),
            last_command: String::new(),
            control_deadline: Some(now + config.timeouts.connect),
            reply_deadline: None,
            idle_keepalive_at: None,
            config,
        };
        session.outputs.push_back(Output::Connect {
            socket: SocketId::CONTROL,
            host: Host::Name(session.config.host.clone()),
            port: session.config.port,
            purpose: Purpose::Control,
        });
        session.note(format!("connecting to {}:{}", session.config.host, session.config.port));
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

    // ----- inputs -----

    /// A connection the session asked for is open; `peer` is the address it reached
    /// (the control connection's server address is used for passive data connections).
    pub fn handle_connected(&mut self, now: Instant, socket: SocketId, peer: Option<SocketAddr>) {
        self.now = now;
        if self.phase == Phase::Closed {
            return;
        }
        if socket == SocketId::CONTROL {
            if self.phase != Phase::Connecting {
                return;
            }
            self.control_peer = peer;
            if let Some(peer) = peer {
                self.note(format!("connected to {peer}"));
            }
            self.phase = Phase::LoggingIn;
            self.control_deadline = None;
            self.expect(Expect::Login(LoginStep::Greeting));
            self.last_command = "the greeting".into();
            return;
        }
        self.channel_connected(socket);
    }

    /// The active-mode listener the session asked for is bound; `advertise` is the
    /// address to give the server in EPRT/PORT.
    pub fn handle_listening(&mut self, now: Instant, socket: SocketId, advertise: SocketAddr) {
        self.now = now;
        self.channel_listening(socket, advertise);
    }

    /// The server connected to the active-mode listener.
    pub fn handle_accepted(&mut self, now: Instant, socket: SocketId, peer: Option<SocketAddr>) {
        self.now = now;
        if let (Some(peer), Some(control)) = (peer, self.control_peer)
            && peer.ip() != control.ip()
        {
            self.note(format!(
                "data connection accepted from {peer}, not the control server {}",
                control.ip()
            ));
        }
        self.channel_connected(socket);
    }

    /// Bytes arrived on a socket.
    ///
    /// Passing an owned `Vec` lets a download's bytes reach [`Event::Data`] without a copy.
    pub fn handle_data(&mut self, now: Instant, socket: SocketId, data: impl Into<Vec<u8>> + AsRef<[u8]>) {
        self.now = now;
        if self.phase == Phase::Closed {
            return;
        }
        if socket == SocketId::CONTROL {
            self.reader.feed(data.as_ref());
            loop {
                match self.reader.next_reply() {
                    Ok(Some(reply)) => {
                        self.on_reply(reply);
                        if self.phase == Phase::Closed {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        self.fail_session(Error::new(ErrorKind::Protocol, error.to_string()));
                        return;
                    }
                }
            }
            self.start_next();
            return;
        }
        self.transfer_data(socket, data);
    }

    /// The peer finished sending on a socket (TCP FIN). The socket may still send.
    pub fn handle_eof(&mut self, now: Instant, socket: SocketId) {
        self.now = now;
        if self.phase == Phase::Closed {
            return;
        }
        if socket == SocketId::CONTROL {
            let quitting = matches!(&self.current, Some(r) if r.task.is_quit());
            if quitting {
                self.finish_quit();
            } else {
                self.fail_session(Error::new(
                    ErrorKind::Connection,
                    "the server closed the control connection",
                ));
            }
            return;
        }
        self.channel_eof(socket);
    }

    /// A socket failed: a connection attempt was refused or timed out, or an open
    /// connection was reset.
    pub fn handle_error(&mut self, now: Instant, socket: SocketId, error: SocketError) {
        self.now = now;
        if self.phase == Phase::Closed {
            return;
        }
        if socket == SocketId::CONTROL {
            let quitting = matches!(&self.current, Some(r) if r.task.is_quit());
            if quitting {
                self.finish_quit();
                return;
            }
            let target = format!("{}:{}", self.config.host, self.config.port);
            let message = match self.phase {
                Phase::Connecting => format!("cannot connect to {target}: {error}"),
                _ => format!("lost the control connection to {target}: {error}"),
            };
            self.fail_session(Error::new(error.kind(), message));
            return;
        }
        self.channel_error(socket, error);
    }

    /// Time passed: fire what is due. Call it when [`Session::poll_timeout`] is reached,
    /// and before a command if time may have passed since the last input (it does
    /// nothing when nothing is due).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if self.phase == Phase::Closed {
            return;
        }
        if self.control_deadline.is_some_and(|d| now >= d) {
            let message = format!(
                "cannot connect to {}:{}: no answer within {} s",
                self.config.host,
                self.config.port,
                self.config.timeouts.connect.as_secs()
            );
            self.fail_session(Error::new(ErrorKind::Timeout, message));
            return;
        }
        if self.reply_timer_active() && self.reply_deadline.is_some_and(|d| now >= d) {
            let message = format!(
                "the server did not answer {} within {} s",
                self.last_command,
                self.config.timeouts.reply.as_secs()
            );
            let error = Error::new(ErrorKind::Timeout, message);
            // An abort that gets no answer: the operation failed for its own cause.
            match self.current.as_mut().and_then(|running| running.drain.take()) {
                Some((_, cause)) => {
                    let cause = cause.with_note("the server did not answer the abort either");
                    self.shut_down(Some(error), cause);
                }
                None => self.fail_session(error),
            }
            return;
        }
        self.channel_timeout(now);
        self.transfer_timeout(now);
        if self.idle_keepalive_at.is_some_and(|t| now >= t) && self.is_idle() && self.pending.is_empty() {
            self.send(Command::Noop, Expect::Keepalive);
        }
        self.schedule_idle_keepalive();
    }

    // ----- commands -----

    /// Lists a directory (the working directory when `path` is `None`). Entries arrive
    /// in [`Event::Entries`]; [`Value::Listed`] ends it. MLSD is used when offered;
    /// otherwise the session enters the directory and sends a bare LIST, so names with
    /// `[`, `*` or `?` are not taken for patterns, then returns.
    pub fn list(&mut self, path: Option<RemotePath>, options: ListOptions) -> OpId {
        self.queue_with_optional_path(path, |path| {
            Task::List(task::List {
                path,
                options,
                parser: None,
                splitter: Default::default(),
                count: 0,
                step: task::ListStep::Start,
                return_to: None,
                pending_error: None,
            })
        })
    }

    /// Lists names only (NLST); [`Value::Names`].
    pub fn name_list(&mut self, path: Option<RemotePath>) -> OpId {
        self.queue_with_optional_path(path, |path| Task::NameList { path, names: Vec::new(), step: 0 })
    }

    /// Describes one file or directory (MLST, else SIZE, MDTM and a CWD probe);
    /// [`Value::Entry`].
    pub fn stat(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.queue_with_path(path.into(), |path| {
            Task::Stat(task::Stat {
                path,
                step: task::StatStep::Size,
                size: None,
                modified: None,
                return_to: None,
                size_reply: None,
            })
        })
    }

    /// Downloads a file from byte `offset` on (REST). Bytes arrive in [`Event::Data`];
    /// [`Value::Transferred`] only when the server confirmed the transfer and the byte
    /// count matches the size the server announced.
    pub fn retrieve(&mut self, path: impl Into<RemotePath>, offset: u64) -> OpId {
        self.queue_with_path(path.into(), |path| Task::Retrieve {
            path,
            offset,
            size: None,
            step: task::RetrieveStep::Size,
        })
    }

    /// Uploads a file. When [`Event::UploadReady`] comes, call [`Session::upload`] with
    /// the bytes from its offset on and then [`Session::finish_upload`].
    pub fn store(&mut self, path: impl Into<RemotePath>, options: StoreOptions) -> OpId {
        self.queue_with_path(path.into(), |path| {
            Task::Store(task::Store { path, options, offset: 0, step: task::StoreStep::Open, sent: 0 })
        })
    }

    /// Creates a directory (MKD); [`Value::Path`] with the server's name for it.
    pub fn mkdir(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.simple(path.into(), Command::Mkd, "create the directory", |reply, cx| {
            let bytes = parse::quoted_path(reply).unwrap_or_default();
            Value::Path(ServerPath { text: cx.encoding.decode(&bytes).into_owned(), bytes })
        })
    }

    /// Removes an empty directory (RMD).
    pub fn rmdir(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.simple(path.into(), Command::Rmd, "remove the directory", |_, _| Value::None)
    }

    /// Deletes a file (DELE).
    pub fn delete(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.simple(path.into(), Command::Dele, "delete the file", |_, _| Value::None)
    }

    /// Renames or moves (RNFR, RNTO).
    pub fn rename(&mut self, from: impl Into<RemotePath>, to: impl Into<RemotePath>) -> OpId {
        let id = self.allocate_op();
        match (self.encode(&from.into()), self.encode(&to.into())) {
            (Ok(from), Ok(to)) => self.enqueue(id, Task::Rename { from, to, step: 0 }),
            (Err(error), _) | (_, Err(error)) => self.reject(id, error),
        }
        id
    }

    /// Changes permissions (SITE CHMOD), `mode` in octal like `644`.
    pub fn chmod(&mut self, path: impl Into<RemotePath>, mode: &str) -> OpId {
        let id = self.allocate_op();
        if mode.is_empty() || mode.len() > 4 || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            let error =
                Error::new(ErrorKind::InvalidInput, format!("{mode:?} is not an octal mode like 644"));
            self.reject(id, error);
            return id;
        }
        match self.encode(&path.into()) {
            Ok(path) => self.enqueue(
                id,
                Task::Simple {
                    command: Some(Command::SiteChmod { mode: mode.as_bytes().to_vec(), path }),
                    what: "change the permissions",
                    on_success: |_, _| Value::None,
                },
            ),
            Err(error) => self.reject(id, error),
        }
        id
    }

    /// Asks a file's size (SIZE); [`Value::Size`].
    pub fn size(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.simple(path.into(), Command::Size, "get the size", |reply, _| match parse::size(reply) {
            Some(size) => Value::Size(size),
            None => Value::Reply(reply.clone()),
        })
    }

    /// Asks a file's modification time (MDTM); [`Value::Modified`].
    pub fn modified(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.simple(path.into(), Command::Mdtm, "get the modification time", |reply, _| {
            match parse::modification_time(reply) {
                Some(time) => Value::Modified(time),
                None => Value::Reply(reply.clone()),
            }
        })
    }

    /// Changes the working directory (CWD, then PWD); [`Value::Path`].
    pub fn cd(&mut self, path: impl Into<RemotePath>) -> OpId {
        self.queue_with_path(path.into(), |path| Task::Cd { path, step: 0 })
    }

    /// Asks the working directory (PWD); [`Value::Path`].
    pub fn pwd(&mut self) -> OpId {
        let id = self.allocate_op();
        self.enqueue(id, Task::Pwd);
        id
    }

    /// Sends a command line as is; [`Value::Reply`] with the final reply, whatever its
    /// code. Commands that open a data connection cannot be sent this way.
    pub fn raw(&mut self, line: &str) -> OpId {
        let id = self.allocate_op();
        let bytes = match self.config.encoding.encode(line) {
            Some(bytes) => bytes.into_owned(),
            None => {
                self.reject(
                    id,
                    Error::new(
                        ErrorKind::InvalidInput,
                        "the command has characters the server's encoding cannot represent",
                    ),
                );
                return id;
            }
        };
        if let Err(c) = check_argument(&bytes) {
            self.reject(id, Error::new(ErrorKind::InvalidInput, format!("a command cannot contain {c:?}")));
            return id;
        }
        let verb = bytes.split(|&b| b == b' ').next().unwrap_or_default().to_ascii_uppercase();
        if verb == b"QUIT" {
            self.enqueue(id, Task::Quit { sent: false });
        } else {
            self.enqueue(id, Task::Raw { line: Some(bytes) });
        }
        id
    }

    /// Sends NOOP.
    pub fn noop(&mut self) -> OpId {
        let id = self.allocate_op();
        self.enqueue(
            id,
            Task::Simple { command: Some(Command::Noop), what: "send NOOP", on_success: |_, _| Value::None },
        );
        id
    }

    /// Ends the session politely (QUIT); the session closes after the reply.
    pub fn quit(&mut self) -> OpId {
        let id = self.allocate_op();
        self.enqueue(id, Task::Quit { sent: false });
        id
    }

    /// Sends upload bytes for `op` (after [`Event::UploadReady`]). The bytes go out at
    /// once as an [`Output::Send`]; the caller paces itself on its socket.
    ///
    /// Passing an owned `Vec` saves a copy.
    pub fn upload(&mut self, op: OpId, data: impl Into<Vec<u8>>) -> Result<(), Error> {
        let socket = self.upload_socket(op)?;
        let data = data.into();
        if data.is_empty() {
            return Ok(());
        }
        if let Some(running) = self.current.as_mut()
            && let Some(transfer) = running.transfer.as_mut()
        {
            transfer.bytes += data.len() as u64;
            transfer.touch(self.now, self.config.timeouts.data_idle);
        }
        self.outputs.push_back(Output::Send { socket, data });
        Ok(())
    }

    /// Every byte of the upload `op` was given: the data connection is shut down for
    /// writing and the server's confirmation awaited.
    pub fn finish_upload(&mut self, op: OpId) -> Result<(), Error> {
        let socket = self.upload_socket(op)?;
        if let Some(transfer) = self.current.as_mut().and_then(|r| r.transfer.as_mut()) {
            transfer.upload_finished = true;
            transfer.touch(self.now, self.config.timeouts.data_idle);
        }
        self.outputs.push_back(Output::Shutdown { socket });
        self.reply_deadline = Some(self.now + self.config.timeouts.reply);
        self.check_transfer();
        self.start_next();
        Ok(())
    }

    /// Cancels an operation: a queued one is dropped, a running transfer is aborted
    /// (ABOR) and the session stays usable. The operation ends with
    /// [`ErrorKind::Aborted`].
    pub fn abort(&mut self, op: OpId) {
        if let Some(index) = self.queue.iter().position(|(id, _)| *id == op) {
            self.queue.remove(index);
            self.emit(Event::Failed { op, error: Error::new(ErrorKind::Aborted, "cancelled") });
            return;
        }
        let Some(running) = self.current.as_mut() else {
            return;
        };
        if running.id != op || running.drain.is_some() || running.task.is_quit() {
            return;
        }
        let aborted = Error::new(ErrorKind::Aborted, "cancelled");
        if running.transfer.as_ref().is_some_and(|t| t.command_sent) {
            self.abort_transfer(aborted);
        } else if self.pending.iter().any(|e| matches!(e, Expect::Task | Expect::Channel)) {
            running.cancelled = true;
        } else {
            // Waiting on a data connection only: nothing is owed on the control connection.
            self.fail_op(aborted);
        }
        self.start_next();
    }

    /// Closes the session at once, without QUIT. Running and queued operations fail
    /// with [`ErrorKind::Closed`].
    pub fn close(&mut self) {
        if self.phase == Phase::Closed {
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
        if self.phase == Phase::Closed {
            return None;
        }
        let reply = self.reply_deadline.filter(|_| self.reply_timer_active());
        let channel = self.current.as_ref().and_then(|r| r.channel.as_ref()).and_then(|c| c.deadline);
        let transfer =
            self.current.as_ref().and_then(|r| r.transfer.as_ref()).and_then(|t| t.next_deadline());
        [self.control_deadline, reply, channel, transfer, self.idle_keepalive_at].into_iter().flatten().min()
    }

    // ----- internals: control connection -----

    fn emit(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }

    fn note(&mut self, text: String) {
        self.emit(Event::Log(LogLine::Note(text)));
    }

    fn expect(&mut self, expect: Expect) {
        self.pending.push_back(expect);
        self.reply_deadline = Some(self.now + self.config.timeouts.reply);
    }

    fn send(&mut self, command: Command, expect: Expect) {
        let log = command.to_log();
        self.emit(Event::Log(LogLine::Sent(log.clone())));
        self.outputs.push_back(Output::Send { socket: SocketId::CONTROL, data: command.to_wire() });
        if self.pending.is_empty() {
            self.last_command = log;
        }
        self.expect(expect);
        self.idle_keepalive_at = None;
    }

    /// Whether the reply timer runs: a reply is owed and no transfer is moving data
    /// (during a transfer the data-idle timer watches instead).
    fn reply_timer_active(&self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        let moving = self
            .current
            .as_ref()
            .and_then(|r| r.transfer.as_ref().map(|t| t.moving_data(r.channel.as_ref())))
            .unwrap_or(false);
        !(moving && self.pending.front() == Some(&Expect::Transfer))
    }

    fn on_reply(&mut self, reply: Reply) {
        for line in reply.lines() {
            self.emit(Event::Log(LogLine::Received(String::from_utf8_lossy(line).into_owned())));
        }
        if reply.code() == 421 {
            self.fail_session(
                Error::from_reply("the server closed the session", reply).with_kind(ErrorKind::Connection),
            );
            return;
        }
        let Some(&expect) = self.pending.front() else {
            self.note(format!("ignoring an unexpected reply: {reply}"));
            return;
        };
        if expect == Expect::Transfer
            && reply.code() == 200
            && let Some(i) = self.pending.iter().position(|e| *e == Expect::Keepalive)
        {
            self.pending.remove(i);
            self.after_reply();
            return;
        }
        let keep_waiting = reply.is_preliminary() && expect != Expect::Drain;
        if !keep_waiting {
            self.pending.pop_front();
        }
        self.after_reply();
        match expect {
            Expect::Login(step) => {
                if keep_waiting {
                    return; // 120 "ready in n minutes": the 220 follows
                }
                self.login_reply(step, reply);
            }
            Expect::Keepalive => {}
            Expect::Drain => self.drain_reply(reply),
            Expect::Transfer => self.transfer_reply(reply),
            Expect::Channel if !keep_waiting => self.channel_reply(reply),
            Expect::Task if !keep_waiting => {
                let cancelled =
                    self.current.as_mut().map(|r| std::mem::take(&mut r.cancelled)).unwrap_or(false);
                if cancelled {
                    self.fail_op(Error::new(ErrorKind::Aborted, "cancelled"));
                } else {
                    self.advance(Outcome::Reply(reply));
                }
            }
            Expect::Channel | Expect::Task => {}
        }
    }

    /// A reply arrived: the reply timer restarts for what is still owed.
    fn after_reply(&mut self) {
        self.reply_deadline = (!self.pending.is_empty()).then(|| self.now + self.config.timeouts.reply);
    }

    fn login_reply(&mut self, step: LoginStep, reply: Reply) {
        let login_error =
            |what: &str, reply: Reply| Error::from_reply(what.to_string(), reply).with_kind(ErrorKind::Login);
        match step {
            LoginStep::Greeting => {
                if reply.code() != 220 {
                    let kind = if reply.is_failure() { ErrorKind::Connection } else { ErrorKind::Protocol };
                    self.fail_session(
                        Error::from_reply("the server refused the connection", reply).with_kind(kind),
                    );
                    return;
                }
                self.greeting = Some(reply);
                let user = self.config.user.clone().unwrap_or_else(|| "anonymous".into());
                self.send_login(Command::User(user.into_bytes()), LoginStep::User);
            }
            LoginStep::User | LoginStep::Pass | LoginStep::Acct => match reply.code() {
                230 | 202 => self.after_login(),
                331 if step == LoginStep::User => {
                    let password = match (&self.config.password, &self.config.user) {
                        (Some(password), _) => password.clone(),
                        (None, None) => "anonymous@".into(),
                        (None, Some(_)) => String::new(),
                    };
                    self.send_login(Command::Pass(password.into_bytes()), LoginStep::Pass);
                }
                332 if step != LoginStep::Acct => match self.config.account.clone() {
                    Some(account) => self.send_login(Command::Acct(account.into_bytes()), LoginStep::Acct),
                    None => self.fail_session(login_error(
                        "the server asks for an account (ACCT) and none was given",
                        reply,
                    )),
                },
                _ => {
                    let what = match step {
                        LoginStep::User => "the server refused the user name",
                        LoginStep::Pass => "the server refused the user name or password",
                        _ => "the server refused the account",
                    };
                    self.fail_session(login_error(what, reply));
                }
            },
            LoginStep::Feat => {
                if reply.code() == 211 {
                    self.features = Features::from_reply(&reply);
                }
                if self.features.has("UTF8") && self.config.encoding.is_utf8() {
                    self.send_login(Command::OptsUtf8On, LoginStep::Utf8);
                } else {
                    self.send_login(Command::Type, LoginStep::Type);
                }
            }
            LoginStep::Utf8 => self.send_login(Command::Type, LoginStep::Type),
            LoginStep::Type => {
                if !reply.is_completion() {
                    self.note(format!("the server refused binary mode ({reply}); transfers may be altered"));
                }
                self.send_login(Command::Pwd, LoginStep::Pwd);
            }
            LoginStep::Pwd => {
                self.cwd = parse::quoted_path(&reply).filter(|_| reply.code() == 257);
                self.phase = Phase::Ready;
                let info = ServerInfo {
                    greeting: self.greeting.clone().unwrap_or_else(|| Reply::new(220, Vec::new())),
                    features: self.features.clone(),
                    home: self.working_directory(),
                };
                self.emit(Event::Ready(info));
                self.start_next();
            }
        }
    }

    fn send_login(&mut self, command: Command, step: LoginStep) {
        self.send(command, Expect::Login(step));
    }

    fn after_login(&mut self) {
        self.send_login(Command::Feat, LoginStep::Feat);
    }

    fn drain_reply(&mut self, reply: Reply) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        let Some((left, _)) = running.drain.as_mut() else {
            return;
        };
        if reply.code() == 200 {
            *left -= 1;
        }
        if *left > 0 {
            self.pending.push_front(Expect::Drain);
            self.after_reply();
            return;
        }
        if let Some((_, error)) = running.drain.take() {
            self.fail_op(error);
        }
    }

    fn schedule_idle_keepalive(&mut self) {
        self.idle_keepalive_at = match self.config.idle_keepalive {
            Some(every) if self.phase == Phase::Ready && self.is_idle() && self.pending.is_empty() => {
                Some(self.idle_keepalive_at.unwrap_or(self.now + every))
            }
            _ => None,
        };
    }

    // ----- internals: operations -----

    fn allocate_op(&mut self) -> OpId {
        let id = OpId(self.next_op);
        self.next_op += 1;
        id
    }

    fn allocate_socket(&mut self) -> SocketId {
        let id = SocketId(self.next_socket);
        self.next_socket += 1;
        id
    }

    /// Encodes a path for the wire, refusing what could inject a command.
    fn encode(&self, path: &RemotePath) -> Result<Vec<u8>, Error> {
        let bytes = match path {
            RemotePath::Bytes(bytes) => bytes.clone(),
            RemotePath::Text(text) => match self.config.encoding.encode(text) {
                Some(bytes) => bytes.into_owned(),
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "{text:?} has characters that {} cannot represent",
                            self.config.encoding.name()
                        ),
                    ));
                }
            },
        };
        if bytes.is_empty() {
            return Err(Error::new(ErrorKind::InvalidInput, "the path is empty"));
        }
        check_argument(&bytes)
            .map_err(|c| Error::new(ErrorKind::InvalidInput, format!("a path cannot contain {c:?}")))?;
        Ok(bytes)
    }

    fn queue_with_path(&mut self, path: RemotePath, task: impl FnOnce(Vec<u8>) -> Task) -> OpId {
        let id = self.allocate_op();
        match self.encode(&path) {
            Ok(path) => self.enqueue(id, task(path)),
            Err(error) => self.reject(id, error),
        }
        id
    }

    fn queue_with_optional_path(
        &mut self,
        path: Option<RemotePath>,
        task: impl FnOnce(Option<Vec<u8>>) -> Task,
    ) -> OpId {
        let id = self.allocate_op();
        match path.map(|p| self.encode(&p)).transpose() {
            Ok(path) => self.enqueue(id, task(path)),
            Err(error) => self.reject(id, error),
        }
        id
    }

    fn simple(
        &mut self,
        path: RemotePath,
        command: fn(Vec<u8>) -> Command,
        what: &'static str,
        on_success: fn(&Reply, &mut TaskContext) -> Value,
    ) -> OpId {
        self.queue_with_path(path, |path| Task::Simple { command: Some(command(path)), what, on_success })
    }

    fn reject(&mut self, op: OpId, error: Error) {
        self.emit(Event::Failed { op, error });
    }

    fn enqueue(&mut self, id: OpId, task: Task) {
        if self.phase == Phase::Closed {
            self.emit(Event::Failed {
                op: id,
                error: Error::new(ErrorKind::Closed, "the session is closed"),
            });
            return;
        }
        self.queue.push_back((id, task));
        self.start_next();
    }

    /// Starts the next queued operation when nothing runs and nothing is owed.
    fn start_next(&mut self) {
        if self.phase != Phase::Ready || self.current.is_some() {
            self.schedule_idle_keepalive();
            return;
        }
        // Replies still owed (keep-alives) come first: FIFO keeps them apart.
        let Some((id, task)) = self.queue.pop_front() else {
            self.schedule_idle_keepalive();
            return;
        };
        self.idle_keepalive_at = None;
        self.current =
            Some(Running { id, task, channel: None, transfer: None, cancelled: false, drain: None });
        self.advance(Outcome::Start);
    }

    /// Gives the task what happened and carries out what it asks next.
    fn advance(&mut self, outcome: Outcome) {
        let Some(mut running) = self.current.take() else {
            return;
        };
        let mut entries = Vec::new();
        let action = {
            let mut cx = TaskContext {
                features: &self.features,
                use_mlsd: self.config.use_mlsd,
                mlsd_refused: &mut self.mlsd_refused,
                verify_upload_size: self.config.verify_upload_size,
                encoding: self.config.encoding,
                cwd: &mut self.cwd,
                entries: &mut entries,
            };
            running.task.step(outcome, &mut cx)
        };
        let id = running.id;
        self.current = Some(running);
        if !entries.is_empty() {
            self.emit(Event::Entries { op: id, entries });
        }
        self.run(action);
    }

    fn run(&mut self, action: Action) {
        match action {
            Action::Send(command) => self.send(command, Expect::Task),
            Action::OpenData => self.open_channel(),
            Action::Transfer(spec) => self.start_transfer(spec),
            Action::Done(value) => self.finish(Ok(value)),
            Action::Fail(error) => self.finish(Err(error)),
        }
    }

    /// The machinery failed the running operation: drop its data channel and let the
    /// task clean up.
    fn fail_op(&mut self, error: Error) {
        let Some(running) = self.current.as_mut() else {
            return;
        };
        running.transfer = None;
        if let Some(channel) = running.channel.take() {
            self.release(channel, false);
        }
        let action = match self.current.as_mut() {
            Some(running) => running.task.on_failure(error),
            None => return,
        };
        self.run(action);
    }

    /// The running operation ended.
    fn finish(&mut self, result: Result<Value, Error>) {
        let Some(running) = self.current.take() else {
            return;
        };
        if let Some(channel) = running.channel {
            self.release(channel, result.is_ok());
        }
        let quit = running.task.is_quit();
        match result {
            Ok(value) => self.emit(Event::Done { op: running.id, value }),
            Err(error) => self.emit(Event::Failed { op: running.id, error }),
        }
        if quit {
            self.shut_down(None, Error::new(ErrorKind::Closed, "the session was closed (QUIT)"));
            return;
        }
        self.start_next();
    }

    fn finish_quit(&mut self) {
        self.finish(Ok(Value::None));
    }

    /// A broken control connection: everything fails with `error` and the session closes.
    fn fail_session(&mut self, error: Error) {
        self.shut_down(Some(error.clone()), error);
    }

    /// Closes every socket, fails what is running or queued with `op_error`, and
    /// reports the close with `reason`.
    fn shut_down(&mut self, reason: Option<Error>, op_error: Error) {
        if self.phase == Phase::Closed {
            return;
        }
        let abrupt = reason.is_some();
        self.phase = Phase::Closed;
        if let Some(running) = self.current.take() {
            if let Some(channel) = running.channel {
                self.release(channel, false);
            }
            self.emit(Event::Failed { op: running.id, error: op_error.clone() });
        }
        while let Some((op, _)) = self.queue.pop_front() {
            self.emit(Event::Failed { op, error: op_error.clone() });
        }
        self.outputs.push_back(if abrupt {
            Output::Reset { socket: SocketId::CONTROL }
        } else {
            Output::Close { socket: SocketId::CONTROL }
        });
        self.pending.clear();
        self.control_deadline = None;
        self.reply_deadline = None;
        self.idle_keepalive_at = None;
        self.emit(Event::Closed { error: reason });
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
