//! One stream: a TCP connection a client asked for, and the two pumps that move its
//! bytes under credit.
//!
//! ```text
//!            session ── Inbound::Data/Fin (≤ window, checked by the session) ──► up pump ── write ──► TCP
//!  client ◄── outgoing queue ◄── DATA (only while the client gave credit) ◄── down pump ◄── read ── TCP
//! ```
//!
//! - **Up** (client to TCP): the session checks every DATA against the credit it gave
//!   and queues it here; the up pump writes it and returns credit in batches of a
//!   quarter window, or as soon as it has written everything it holds. FIN: everything queued is written, then `shutdown(Write)`.
//! - **Down** (TCP to client): the down pump reads only while the client has credit
//!   (never more than the window, whatever the client grants), so a slow client stops
//!   the reads and TCP back-pressure slows the server. EOF: FIN after the last DATA.
//! - Both done: the socket closes. An abort (client RESET, session end) closes it at
//!   once with an RST (`SO_LINGER` 0).

use crate::metrics::{Direction, StreamKind};
use crate::policy::{Denial, Host, HostSet, Role};
use crate::session::SessionShared;
use axum::extract::ws::Message;
use bytes::{BufMut, Bytes, BytesMut};
use ftpbridge_wire::{CloseReason, Frame, HEADER_LEN, StreamId};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::{debug, info};

/// Unsent bytes the kernel may hold for a stream's TCP connection: credit goes back to
/// the client when a write completes, so the bytes the client counts as delivered are
/// close to the wire, not in a deep socket buffer (the end of an upload on a slow link
/// would otherwise look like the server's silence to the client).
#[cfg(any(target_os = "linux", target_os = "android"))]
const NOT_SENT_LIMIT: u32 = 256 * 1024;

/// Socket options of every stream's TCP connection.
pub(crate) fn tune(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(tcp).set_tcp_notsent_lowat(NOT_SENT_LIMIT);
}

/// Reads shorter than this are copied into a message of their own size.
const SHORT_READ: usize = 16 * 1024;

/// What the session passes on to a stream's up pump.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// Bytes to write, already checked against the stream's credit.
    Data(Bytes),
    /// Write what came before, then shut the write side down.
    Fin,
}

/// What a stream tells its session.
#[derive(Debug)]
pub(crate) enum Event {
    /// The stream reached `peer` (sent before OPENED goes out, so the session knows
    /// the control IP before the client can act on it).
    Connected { stream: StreamId, peer: SocketAddr },
    /// The stream is over (sent before its last frame to the client, where there is
    /// one, so its slot is free when the client learns it ended).
    Ended { stream: StreamId },
}

/// Bytes a stream may still send to the client, capped at the window.
#[derive(Debug)]
pub(crate) struct Credit {
    available: AtomicU64,
    window: u64,
    notify: Notify,
}

impl Credit {
    fn new(window: u32) -> Credit {
        Credit {
            available: AtomicU64::new(u64::from(window)),
            window: u64::from(window),
            notify: Notify::new(),
        }
    }

    /// The client returned `n` bytes of credit. A client that returns more than it
    /// received gains nothing: the credit never exceeds the window.
    pub(crate) fn grant(&self, n: u32) {
        let _ = self.available.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            Some(c.saturating_add(u64::from(n)).min(self.window))
        });
        self.notify.notify_one();
    }

    /// Waits until there is credit; returns how much.
    async fn wait(&self) -> u64 {
        loop {
            let available = self.available.load(Ordering::Acquire);
            if available > 0 {
                return available;
            }
            self.notify.notified().await;
        }
    }

    fn spend(&self, n: u64) {
        self.available.fetch_sub(n, Ordering::AcqRel);
    }
}

/// The state a stream shares with its session.
#[derive(Debug)]
pub(crate) struct StreamShared {
    /// Credit for DATA to the client.
    pub to_client: Credit,
    /// Credit the relay has returned to the client so far (the session lets the
    /// client send `window + granted` bytes in all).
    pub granted: AtomicU64,
}

impl StreamShared {
    pub(crate) fn new(window: u32) -> StreamShared {
        StreamShared { to_client: Credit::new(window), granted: AtomicU64::new(0) }
    }
}

/// Where an OPEN goes and in which role.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// The control connection, limited by the session's ticket.
    Control { host: Host, port: u16, grant: Option<Arc<HostSet>> },
    /// A data connection, pinned to the control IP.
    Data { host: Host, port: u16, control: IpAddr },
}

impl Target {
    fn parts(&self) -> (&Host, u16, Role<'_>) {
        match self {
            Target::Control { host, port, grant } => (host, *port, Role::Control { grant: grant.as_deref() }),
            Target::Data { host, port, control } => (host, *port, Role::Data { control: *control }),
        }
    }
}

/// A running stream's handles on its session and client.
pub(crate) struct StreamTask {
    pub id: StreamId,
    pub kind: StreamKind,
    pub session: Arc<SessionShared>,
    pub out: mpsc::Sender<Message>,
    pub events: mpsc::UnboundedSender<Event>,
    pub shared: Arc<StreamShared>,
    pub inbound: mpsc::UnboundedReceiver<Inbound>,
    pub abort: oneshot::Receiver<()>,
    /// Set once the Ended event went out.
    ended: bool,
    /// Where the stream went, for the log.
    pub destination: Option<SocketAddr>,
    bytes_up: u64,
    bytes_down: u64,
    /// How the stream ended, for the log.
    pub outcome: &'static str,
}

/// How the pumps stopped.
#[derive(Debug)]
pub(crate) enum End {
    /// The TCP connection failed: tell the client.
    Tcp(CloseReason),
    /// The session is gone (or the client reset the stream): nobody to tell.
    Gone,
}

impl StreamTask {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: StreamId,
        kind: StreamKind,
        session: Arc<SessionShared>,
        out: mpsc::Sender<Message>,
        events: mpsc::UnboundedSender<Event>,
        shared: Arc<StreamShared>,
        inbound: mpsc::UnboundedReceiver<Inbound>,
        abort: oneshot::Receiver<()>,
    ) -> StreamTask {
        session.relay.metrics.stream_started(kind);
        StreamTask {
            id,
            kind,
            session,
            out,
            events,
            shared,
            inbound,
            abort,
            ended: false,
            destination: None,
            bytes_up: 0,
            bytes_down: 0,
            outcome: "aborted",
        }
    }

    /// Sends a frame to the client; `Err` when the session is gone.
    pub(crate) async fn send(&self, frame: Frame<'_>) -> Result<(), End> {
        self.out.send(Message::Binary(frame.encode().into())).await.map_err(|_| End::Gone)
    }

    /// Tells the session the stream is over (once).
    pub(crate) fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            let _ = self.events.send(Event::Ended { stream: self.id });
        }
    }

    /// Ends the stream with a RESET to the client: the session first, then the frame.
    pub(crate) async fn fail(&mut self, reason: CloseReason, outcome: &'static str) {
        self.outcome = outcome;
        self.end();
        let _ = self.send(Frame::Reset { stream: self.id, reason }).await;
    }

    /// A policy refusal: counted, logged, and a RESET to the client.
    pub(crate) async fn deny(&mut self, denial: Denial, what: &str) {
        self.session.relay.metrics.denied(denial.as_str());
        info!(destination = what, reason = %denial, "stream refused by policy");
        self.fail(denial.close_reason(), denial.as_str()).await;
    }

    /// Waits for the client's abort (RESET or session end).
    pub(crate) async fn aborted(abort: &mut oneshot::Receiver<()>) {
        let _ = abort.await;
    }
}

impl Drop for StreamTask {
    fn drop(&mut self) {
        self.end();
        let metrics = &self.session.relay.metrics;
        metrics.stream_ended(self.kind);
        info!(
            destination = self.destination.map(|d| d.to_string()).unwrap_or_default(),
            bytes_up = self.bytes_up,
            bytes_down = self.bytes_down,
            outcome = self.outcome,
            "stream closed"
        );
    }
}

/// OPEN: resolve once, check every address, connect to a checked one, then relay.
pub(crate) async fn open(mut task: StreamTask, target: Target) {
    let timeout = task.session.relay.config.timeouts.connect;
    let connected = tokio::select! {
        biased;
        _ = StreamTask::aborted(&mut task.abort) => return,
        result = tokio::time::timeout(timeout, connect(&task.session, &target)) => result,
    };
    let (tcp, peer) = match connected {
        Err(_elapsed) => return fail_connect(&mut task, CloseReason::TimedOut).await,
        Ok(Err(Failure::Denied(denial))) => return task.deny(denial, &target.parts().0.to_string()).await,
        Ok(Err(Failure::Network(reason))) => return fail_connect(&mut task, reason).await,
        Ok(Ok(connected)) => connected,
    };
    task.destination = Some(peer);
    let _ = task.events.send(Event::Connected { stream: task.id, peer });
    if task.send(Frame::Opened { stream: task.id, peer }).await.is_err() {
        return;
    }
    debug!(%peer, "connected");
    relay(task, tcp).await;
}

async fn fail_connect(task: &mut StreamTask, reason: CloseReason) {
    task.session.relay.metrics.error(reason.as_str());
    info!(reason = reason.as_str(), "connect failed");
    task.fail(reason, reason.as_str()).await;
}

/// Why a connection was not made.
enum Failure {
    Denied(Denial),
    Network(CloseReason),
}

impl From<Denial> for Failure {
    fn from(denial: Denial) -> Failure {
        Failure::Denied(denial)
    }
}

async fn connect(session: &SessionShared, target: &Target) -> Result<(TcpStream, SocketAddr), Failure> {
    let policy = &session.relay.policy;
    let (host, port, role) = target.parts();
    policy.check_request(host, port, role)?;
    let addresses: Vec<IpAddr> = match host {
        Host::Ip(ip) => vec![*ip],
        Host::Name(name) => tokio::net::lookup_host((name.as_str(), port))
            .await
            .map_err(|_| Failure::Network(CloseReason::Unreachable))?
            .map(|address| address.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Failure::Network(CloseReason::Unreachable));
    }
    let checked = policy.check_resolved(host, &addresses, role)?;
    let mut last = CloseReason::Unreachable;
    for ip in checked {
        let address = SocketAddr::new(ip, port);
        match TcpStream::connect(address).await {
            Ok(tcp) => {
                tune(&tcp);
                return Ok((tcp, address));
            }
            Err(error) => last = connect_reason(&error),
        }
    }
    Err(Failure::Network(last))
}

fn connect_reason(error: &io::Error) -> CloseReason {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => CloseReason::Refused,
        io::ErrorKind::ConnectionReset => CloseReason::ConnectionReset,
        io::ErrorKind::TimedOut => CloseReason::TimedOut,
        io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::AddrNotAvailable => CloseReason::Unreachable,
        _ => CloseReason::NetworkError,
    }
}

fn io_reason(error: &io::Error) -> CloseReason {
    match error.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
            CloseReason::ConnectionReset
        }
        io::ErrorKind::TimedOut => CloseReason::TimedOut,
        _ => CloseReason::NetworkError,
    }
}

/// Closes a socket with an RST rather than a FIN.
pub(crate) fn abort_socket(tcp: &TcpStream) {
    let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
}

/// Moves bytes both ways until both directions are finished, a side fails, or the
/// client aborts.
pub(crate) async fn relay(mut task: StreamTask, mut tcp: TcpStream) {
    let result = {
        let (mut reader, mut writer) = tcp.split();
        let mut abort = std::mem::replace(&mut task.abort, oneshot::channel().1);
        let mut inbound = std::mem::replace(&mut task.inbound, mpsc::unbounded_channel().1);
        let mut counts = Counts::default();
        let result = tokio::select! {
            biased;
            _ = StreamTask::aborted(&mut abort) => Err(End::Gone),
            result = async {
                tokio::try_join!(
                    down(&mut reader, &task, &mut counts.down),
                    up(&mut writer, &task, &mut inbound, &mut counts.up),
                )
            } => result.map(|_| ()),
        };
        task.bytes_up = counts.up;
        task.bytes_down = counts.down;
        result
    };
    match result {
        Ok(()) => task.outcome = "closed",
        Err(End::Gone) => {
            abort_socket(&tcp);
            task.outcome = "aborted";
        }
        Err(End::Tcp(reason)) => {
            abort_socket(&tcp);
            task.session.relay.metrics.error(reason.as_str());
            task.fail(reason, reason.as_str()).await;
        }
    }
}

#[derive(Default)]
struct Counts {
    up: u64,
    down: u64,
}

/// TCP to client, only while the client has given credit.
async fn down(reader: &mut ReadHalf<'_>, task: &StreamTask, count: &mut u64) -> Result<(), End> {
    let max_payload = u64::from(task.session.relay.config.limits.max_payload);
    loop {
        let credit = task.shared.to_client.wait().await;
        let room = credit.min(max_payload) as usize;
        // Wait for bytes before allocating the buffer: an idle stream (a control
        // connection between commands) then holds none.
        let tcp: &TcpStream = reader.as_ref();
        let full = HEADER_LEN + room;
        let (mut message, mut n) = loop {
            tcp.readable().await.map_err(|e| End::Tcp(io_reason(&e)))?;
            // Read straight after the frame header, into memory that is not zeroed first.
            let mut message = BytesMut::with_capacity(full);
            message.extend_from_slice(&Frame::Data { stream: task.id, payload: &[] }.encode());
            match tcp.try_read_buf(&mut (&mut message).limit(room)) {
                Ok(n) => break (message, n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(End::Tcp(io_reason(&e))),
            }
        };
        if n == 0 {
            return task.send(Frame::Fin { stream: task.id }).await;
        }
        // Take what else has already arrived, so that a fast transfer goes in few large
        // messages (each one costs the page an event); never waits for more.
        let mut eof = false;
        while message.len() < full {
            let left = full - message.len();
            match tcp.try_read_buf(&mut (&mut message).limit(left)) {
                Ok(0) => eof = true,
                Ok(more) => {
                    n += more;
                    continue;
                }
                // A read error comes back at the next read, after these bytes.
                Err(_) => {}
            }
            break;
        }
        // A short read is copied out, so that it does not hold a whole buffer while it
        // waits in the queue; a long one is sent as it lies.
        let message = if n < SHORT_READ { Bytes::copy_from_slice(&message) } else { message.freeze() };
        task.shared.to_client.spend(n as u64);
        *count += n as u64;
        task.session.moved(Direction::Down, n);
        task.out.send(Message::Binary(message)).await.map_err(|_| End::Gone)?;
        if eof {
            return task.send(Frame::Fin { stream: task.id }).await;
        }
    }
}

/// Client to TCP: write what the session checked, return credit as it is written.
async fn up(
    writer: &mut WriteHalf<'_>,
    task: &StreamTask,
    inbound: &mut mpsc::UnboundedReceiver<Inbound>,
    count: &mut u64,
) -> Result<(), End> {
    let batch = u64::from((task.session.relay.config.limits.window / 4).max(1));
    let mut unreturned = 0u64;
    while let Some(item) = inbound.recv().await {
        match item {
            Inbound::Data(bytes) => {
                writer.write_all(&bytes).await.map_err(|e| End::Tcp(io_reason(&e)))?;
                *count += bytes.len() as u64;
                task.session.moved(Direction::Up, bytes.len());
                unreturned += bytes.len() as u64;
                // In batches of a quarter window, and whenever the relay caught up with
                // the client: what it sent last is credited too, so the client knows
                // every byte reached the server's connection (an upload's tail on a
                // slow link is not taken for silence).
                if unreturned >= batch || inbound.is_empty() {
                    // Count it before the client can use it.
                    task.shared.granted.fetch_add(unreturned, Ordering::AcqRel);
                    let increment = u32::try_from(unreturned).unwrap_or(u32::MAX);
                    task.send(Frame::Credit { stream: task.id, increment }).await?;
                    unreturned = 0;
                }
            }
            Inbound::Fin => {
                writer.shutdown().await.map_err(|e| End::Tcp(io_reason(&e)))?;
                return Ok(());
            }
        }
    }
    Err(End::Gone)
}
