//! The tokio shell: moves bytes between the driver layer (the engine with its TLS) and
//! a transport, on the tokio clock, and turns operations into awaitable calls.

use crate::transport::Transport;
use ftpbridge_driver::{Driver, Trust};
use ftpbridge_engine::listing::Entry;
use ftpbridge_engine::{
    Config, Error, ErrorKind, Event, Instant, LogLine, OpId, Output, RemotePath, ServerInfo, Session,
    SocketId, StoreOptions, Value,
};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};

/// Where transcript lines go.
pub type LogSink = Box<dyn FnMut(&LogLine) + Send>;

/// Upload read size.
const UPLOAD_CHUNK: usize = 256 * 1024;

/// Where an operation's data goes or comes from, and who hears about progress.
#[derive(Default)]
pub struct OpIo<'a> {
    /// Download bytes go here.
    pub sink: Option<&'a mut (dyn AsyncWrite + Unpin + Send + 'a)>,
    /// Upload bytes come from here, from the offset the server asks for on.
    pub source: Option<&'a mut (dyn UploadSource + 'a)>,
    /// Listing entries are collected here.
    pub entries: Vec<Entry>,
    /// Called with (bytes so far including the offset, total when known).
    pub progress: Option<&'a mut (dyn FnMut(u64, Option<u64>) + Send + 'a)>,
    /// The total to show when the server does not tell (an upload's local size).
    pub total_hint: Option<u64>,
}

/// A local file to upload: readable, and seekable to the offset a resume asks for
/// (a source read from its start, such as a pipe, is never asked to seek).
pub trait UploadSource: AsyncRead + AsyncSeek + Unpin + Send {}

impl<T: AsyncRead + AsyncSeek + Unpin + Send> UploadSource for T {}

/// Why a client call failed: the engine's error, or the local side's.
#[derive(Debug)]
pub enum ClientError {
    /// The FTP side (server, connection, protocol, timeout).
    Ftp(Error),
    /// Reading or writing a local file.
    Local(std::io::Error),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Ftp(error) => write!(f, "{error}"),
            ClientError::Local(error) => write!(f, "local file: {error}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Ftp(error) => Some(error),
            ClientError::Local(error) => Some(error),
        }
    }
}

impl From<Error> for ClientError {
    fn from(error: Error) -> Self {
        ClientError::Ftp(error)
    }
}

/// A logged-in FTP session over a transport.
pub struct Client<T: Transport> {
    driver: Driver,
    transport: T,
    origin: tokio::time::Instant,
    /// Gets the control-connection transcript (and the client's own notes), if set.
    log: Option<LogSink>,
    info: Option<ServerInfo>,
    closed: Option<Error>,
    /// Ctrl-C aborts the running operation instead of killing the process.
    interruptible: bool,
}

impl<T: Transport> Client<T> {
    /// Connects and logs in, trusting the webpki roots; `log`, when given, gets every
    /// transcript line.
    pub async fn connect(config: Config, transport: T, log: Option<LogSink>) -> Result<Client<T>, Error> {
        Client::connect_trusting(config, Trust::default(), transport, log).await
    }

    /// Connects and logs in, trusting TLS servers as `trust` says.
    pub async fn connect_trusting(
        config: Config,
        trust: Trust,
        transport: T,
        log: Option<LogSink>,
    ) -> Result<Client<T>, Error> {
        let origin = tokio::time::Instant::now();
        let driver = Driver::new(config, trust, Instant::ZERO);
        let mut client =
            Client { driver, transport, origin, log, info: None, closed: None, interruptible: false };
        loop {
            client.drain();
            if client.info.is_some() {
                return Ok(client);
            }
            if let Some(error) = client.closed.clone() {
                return Err(error);
            }
            client.wait(None, None, &mut Vec::new()).await;
        }
    }

    /// What the server said at login (its TLS included).
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.info.as_ref()
    }

    /// Makes Ctrl-C abort the running operation (the CLI turns this on).
    pub fn set_interruptible(&mut self, on: bool) {
        self.interruptible = on;
    }

    fn now(&self) -> Instant {
        Instant::from_duration(self.origin.elapsed())
    }

    /// Runs `op` (already queued on the session) to its end.
    pub async fn run(&mut self, op: OpId, io: &mut OpIo<'_>) -> Result<Value, ClientError> {
        let mut outcome = None;
        let mut transfer: Option<TransferState> = None;
        loop {
            if let Some(result) = self.drain_until(op, io, &mut transfer, &mut outcome).await {
                return result;
            }
            // While the upload's socket has room, its source is read at the same time as
            // the network is watched: a pipe that pauses does not stop the control
            // connection, and the engine hears only of bytes that left.
            let feeding = transfer.as_ref().filter(|s| s.uploading).map(|s| s.socket);
            let room = feeding.is_some_and(|socket| self.transport.can_send(socket));
            if feeding.is_some() && io.source.is_none() {
                if let Some(state) = transfer.as_mut() {
                    state.uploading = false;
                }
                let _ = self.driver.command(self.now(), |s, now| s.finish_upload(now, op));
                continue;
            }
            let mut buffer = Vec::new();
            let source = match (room, io.source.as_mut()) {
                (true, Some(source)) => {
                    buffer.reserve_exact(UPLOAD_CHUNK);
                    Some(&mut **source)
                }
                _ => None,
            };
            match self.wait(Some(op), source, &mut buffer).await {
                Woke::Read(Ok(0)) => {
                    if let Some(state) = transfer.as_mut() {
                        state.uploading = false;
                    }
                    let _ = self.driver.command(self.now(), |s, now| s.finish_upload(now, op));
                }
                Woke::Read(Ok(n)) => {
                    let _ = self.driver.command(self.now(), |s, now| s.upload(now, op, buffer));
                    if let Some(state) = transfer.as_mut() {
                        state.moved += n as u64;
                        if let Some(progress) = io.progress.as_mut() {
                            progress(state.offset + state.moved, state.total);
                        }
                    }
                }
                Woke::Read(Err(error)) => {
                    if let Some(state) = transfer.as_mut() {
                        state.uploading = false;
                    }
                    self.driver.command(self.now(), |s, now| s.abort(now, op));
                    outcome.get_or_insert(Err(ClientError::Local(error)));
                }
                Woke::Other => {}
            }
        }
    }

    async fn drain_until(
        &mut self,
        op: OpId,
        io: &mut OpIo<'_>,
        transfer: &mut Option<TransferState>,
        outcome: &mut Option<Result<Value, ClientError>>,
    ) -> Option<Result<Value, ClientError>> {
        while let Some(output) = self.driver.poll_output() {
            let Output::Event(event) = output else {
                self.carry_out(output);
                continue;
            };
            match event {
                Event::Done { op: id, value } if id == op => {
                    outcome.get_or_insert(Ok(value));
                }
                Event::Failed { op: id, error } if id == op => {
                    outcome.get_or_insert(Err(ClientError::Ftp(error)));
                }
                Event::Data { op: id, data } if id == op => {
                    if let Some(sink) = io.sink.as_mut() {
                        // A slow disk or a reader that paused holds the transfer up:
                        // that is not the server's silence.
                        self.driver.handle_local_stall(self.now(), true);
                        let written = sink.write_all(&data).await;
                        self.driver.handle_local_stall(self.now(), false);
                        if let Err(error) = written {
                            self.driver.command(self.now(), |s, now| s.abort(now, op));
                            outcome.get_or_insert(Err(ClientError::Local(error)));
                        }
                    }
                    if let (Some(progress), Some(state)) = (io.progress.as_mut(), transfer.as_mut()) {
                        state.moved += data.len() as u64;
                        progress(state.offset + state.moved, state.total);
                    }
                }
                Event::TransferStarted { op: id, size, offset } if id == op => {
                    let total = size.or(io.total_hint);
                    *transfer = Some(TransferState {
                        socket: SocketId::CONTROL,
                        offset,
                        moved: 0,
                        total,
                        uploading: false,
                    });
                    if let Some(progress) = io.progress.as_mut() {
                        progress(offset, total);
                    }
                }
                Event::UploadReady { op: id, offset, socket } if id == op => {
                    let total = transfer.as_ref().and_then(|t| t.total).or(io.total_hint);
                    let mut state = TransferState { socket, offset, moved: 0, total, uploading: true };
                    // Seek only where a fresh source would be elsewhere: a pipe cannot seek.
                    let sent_before = transfer.as_ref().is_some_and(|t| t.uploading && t.moved > 0);
                    if let Some(source) = io.source.as_mut()
                        && (offset > 0 || sent_before)
                        && let Err(error) = source.seek(std::io::SeekFrom::Start(offset)).await
                    {
                        self.driver.command(self.now(), |s, now| s.abort(now, op));
                        state.uploading = false;
                        outcome.get_or_insert(Err(ClientError::Local(error)));
                    }
                    *transfer = Some(state);
                }
                Event::Entries { op: id, entries } if id == op => io.entries.extend(entries),
                other => self.observe(other),
            }
        }
        if let Some(sink) = io.sink.as_mut()
            && outcome.is_some()
            && let Err(error) = sink.flush().await
        {
            return Some(Err(ClientError::Local(error)));
        }
        outcome.take()
    }

    fn carry_out(&mut self, output: Output) {
        match output {
            Output::Connect { socket, host, port, purpose } => {
                self.transport.connect(socket, host, port, purpose)
            }
            Output::Listen { socket, peer } => self.transport.listen(socket, peer),
            Output::Send { socket, data } => self.transport.send(socket, data),
            Output::Shutdown { socket } => self.transport.shutdown(socket),
            Output::Close { socket } => self.transport.close(socket),
            Output::Reset { socket } => self.transport.reset(socket),
            // The driver does TLS itself; this never comes out of it.
            Output::StartTls { .. } => {}
            Output::Event(event) => self.observe(event),
        }
    }

    /// Events that belong to no running call.
    fn observe(&mut self, event: Event) {
        match event {
            Event::Ready(info) => self.info = Some(info),
            Event::Closed { error } => {
                self.closed =
                    Some(error.unwrap_or_else(|| Error::new(ErrorKind::Closed, "the session is closed")));
            }
            Event::Log(line) => {
                if let Some(log) = self.log.as_mut() {
                    log(&line);
                }
            }
            _ => {}
        }
    }

    fn drain(&mut self) {
        while let Some(output) = self.driver.poll_output() {
            self.carry_out(output);
        }
    }

    /// Waits for the next transport event, timer or Ctrl-C and feeds it to the engine,
    /// or for the next bytes of `source` (an upload with room on its socket), which it
    /// returns. Transport events come first: a timer fires only when no input waits, so
    /// bytes that arrived while the client was busy are never taken for silence.
    async fn wait(
        &mut self,
        op: Option<OpId>,
        source: Option<&mut (dyn UploadSource + '_)>,
        buffer: &mut Vec<u8>,
    ) -> Woke {
        let deadline = self.driver.poll_timeout().map(|at| self.origin + at.since_origin());
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let interrupt = async {
            if self.interruptible && op.is_some() {
                let _ = tokio::signal::ctrl_c().await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let read = async {
            match source {
                Some(source) => source.read_buf(buffer).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            event = self.transport.next_event() => {
                self.feed(event);
                Woke::Other
            }
            _ = interrupt => {
                if let Some(op) = op {
                    if let Some(log) = self.log.as_mut() {
                        log(&LogLine::Note("interrupted: aborting".into()));
                    }
                    self.driver.command(self.now(), |s, now| s.abort(now, op));
                }
                Woke::Other
            }
            read = read => Woke::Read(read),
            _ = sleep => {
                let now = self.now();
                self.driver.handle_timeout(now);
                Woke::Other
            }
        }
    }

    /// Gives a transport event to the driver.
    fn feed(&mut self, event: ftpbridge_driver::Input) {
        let now = self.now();
        self.driver.handle(now, event);
    }

    /// Queues and runs an operation that moves no file data.
    /// The closure gets the session and the current time, for the command's `now`.
    pub async fn call(
        &mut self,
        queue: impl FnOnce(&mut Session, Instant) -> OpId,
    ) -> Result<Value, ClientError> {
        let now = self.now();
        let op = queue(self.driver.session_mut(now), now);
        self.run(op, &mut OpIo::default()).await
    }

    /// Lists a directory.
    pub async fn list(
        &mut self,
        path: Option<RemotePath>,
        options: ftpbridge_engine::ListOptions,
    ) -> Result<Vec<Entry>, ClientError> {
        let op = self.driver.command(self.now(), |s, now| s.list(now, path, options));
        let mut io = OpIo::default();
        self.run(op, &mut io).await?;
        Ok(io.entries)
    }

    /// Downloads `path` from `offset` into `sink`; returns the bytes written.
    pub async fn download<'a>(
        &mut self,
        path: RemotePath,
        offset: u64,
        sink: &'a mut (dyn AsyncWrite + Unpin + Send + 'a),
        progress: Option<&'a mut (dyn FnMut(u64, Option<u64>) + Send + 'a)>,
    ) -> Result<u64, ClientError> {
        let op = self.driver.command(self.now(), |s, now| s.retrieve(now, path, offset));
        let mut io = OpIo { sink: Some(sink), progress, ..OpIo::default() };
        match self.run(op, &mut io).await? {
            Value::Transferred { bytes } => Ok(bytes),
            _ => Ok(0),
        }
    }

    /// Downloads `length` bytes of `path` from `offset` on into `sink` (a range, see
    /// `Session::retrieve_range`); returns the bytes written.
    pub async fn download_range<'a>(
        &mut self,
        path: RemotePath,
        offset: u64,
        length: u64,
        sink: &'a mut (dyn AsyncWrite + Unpin + Send + 'a),
        progress: Option<&'a mut (dyn FnMut(u64, Option<u64>) + Send + 'a)>,
    ) -> Result<u64, ClientError> {
        let op = self.driver.command(self.now(), |s, now| s.retrieve_range(now, path, offset, length));
        let mut io = OpIo { sink: Some(sink), progress, ..OpIo::default() };
        match self.run(op, &mut io).await? {
            Value::Transferred { bytes } => Ok(bytes),
            _ => Ok(0),
        }
    }

    /// Uploads from `source` to `path`; returns the bytes sent.
    pub async fn upload<'a>(
        &mut self,
        path: RemotePath,
        source: &'a mut (dyn UploadSource + 'a),
        options: StoreOptions,
        progress: Option<&'a mut (dyn FnMut(u64, Option<u64>) + Send + 'a)>,
    ) -> Result<u64, ClientError> {
        let op = self.driver.command(self.now(), |s, now| s.store(now, path, options));
        let mut io =
            OpIo { source: Some(source), progress, total_hint: options.local_size, ..OpIo::default() };
        match self.run(op, &mut io).await? {
            Value::Transferred { bytes } => Ok(bytes),
            _ => Ok(0),
        }
    }

    /// Sends QUIT and waits for the session to close (bounded by the reply timeout).
    pub async fn quit(mut self) {
        if self.driver.session().is_closed() {
            self.transport.finish().await;
            return;
        }
        let op = self.driver.command(self.now(), |s, now| s.quit(now));
        let _ = tokio::time::timeout(Duration::from_secs(5), self.run(op, &mut OpIo::default())).await;
        self.transport.finish().await;
    }
}

/// What woke the client up.
enum Woke {
    /// The upload's source gave bytes (into the buffer), its end, or an error.
    Read(std::io::Result<usize>),
    /// Something the engine was told of.
    Other,
}

/// Progress of the running transfer, and whether upload bytes are still to be read.
struct TransferState {
    socket: SocketId,
    offset: u64,
    moved: u64,
    total: Option<u64>,
    uploading: bool,
}
