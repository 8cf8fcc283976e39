//! One WebSocket session: the pump between the client's frames and its streams.
//!
//! ```text
//!   WebSocket read half ──► session loop ── checks credit, policy order, limits ──► stream tasks ──► TCP
//!                              │  ▲ events (connected, ended)                              │
//!   WebSocket write half ◄── writer task ◄── outgoing queue (bounded) ◄────────────────────┘
//! ```
//!
//! As in axum's `examples/websockets`, the socket is split: a writer task drains a
//! bounded queue into the sink, the session loop reads; when one ends, both end. The
//! pump is generic over `Sink`/`Stream` of messages (axum's
//! `examples/testing-websockets`), so tests can drive it without a network.
//!
//! The loop sends `HELLO` first, then serves frames: OPEN and LISTEN start stream
//! tasks (the first OPEN is the control connection; later ones are pinned to its IP),
//! DATA is checked against the credit the relay gave and queued to its stream, CREDIT
//! feeds a stream's down pump, FIN and RESET half-close or abort. A session in which
//! nothing moved for the idle timeout gets `RESET(0, idle timeout)` and a close.

use crate::listener;
use crate::metrics::{Direction, StreamKind};
use crate::policy::{self, HostSet};
use crate::server::Shared;
use crate::stream::{self, Event, Inbound, StreamShared, StreamTask, Target};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message};
use ftpbridge_wire::{CloseReason, Frame, HEADER_LEN, StreamId, VERSION, WireError};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, timeout};
use tracing::{Instrument, debug, info, info_span, warn};

/// Messages the outgoing queue holds at most: with DATA of at most `max_payload`
/// bytes, this bounds what waits for a slow client, whatever credit it grants.
pub const OUTBOUND_QUEUE: usize = 32;
/// How long closing may take: the last frames, the close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(3);
/// The type byte of OPEN in the wire format.
const OPEN_TYPE: u8 = 0x01;

/// What a session's streams share with it.
pub(crate) struct SessionShared {
    /// The relay.
    pub relay: Arc<Shared>,
    started: Instant,
    /// Milliseconds from `started` to the last activity.
    last_activity: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

impl SessionShared {
    pub(crate) fn new(relay: Arc<Shared>) -> SessionShared {
        SessionShared {
            relay,
            started: Instant::now(),
            last_activity: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
        }
    }

    /// Something moved: the session is not idle.
    pub(crate) fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_activity.fetch_max(now, Ordering::Relaxed);
    }

    /// Payload bytes moved one way.
    pub(crate) fn moved(&self, direction: Direction, n: usize) {
        self.touch();
        let counter = match direction {
            Direction::Up => &self.bytes_up,
            Direction::Down => &self.bytes_down,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        self.relay.metrics.bytes(direction, n);
    }

    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.started + Duration::from_millis(self.last_activity.load(Ordering::Relaxed)) + idle
    }
}

/// Why a session ended.
#[derive(Debug)]
enum SessionEnd {
    /// The client closed the WebSocket.
    ClientClosed,
    /// The client's connection ended without a close.
    ClientGone,
    /// The client sent RESET on stream 0.
    ClientReset(CloseReason),
    /// Nothing moved for the idle timeout.
    Idle,
    /// The relay is shutting down.
    Shutdown,
    /// The client broke the protocol.
    Protocol(String),
    /// A message over the size limit.
    TooBig,
    /// Reading the WebSocket failed.
    Broken(String),
    /// Writing to the WebSocket failed or stalled.
    WriterGone,
}

impl SessionEnd {
    /// The session-level RESET and the WebSocket close to send.
    fn farewell(&self) -> (Option<CloseReason>, Option<(u16, &'static str)>) {
        match self {
            SessionEnd::ClientClosed
            | SessionEnd::ClientGone
            | SessionEnd::Broken(_)
            | SessionEnd::WriterGone => (None, None),
            SessionEnd::ClientReset(_) => (None, Some((1000, "session reset by the client"))),
            SessionEnd::Idle => (Some(CloseReason::IdleTimeout), Some((1000, "idle timeout"))),
            SessionEnd::Shutdown => (Some(CloseReason::ShuttingDown), Some((1001, "relay shutting down"))),
            SessionEnd::Protocol(_) => (Some(CloseReason::ProtocolError), Some((1002, "protocol error"))),
            SessionEnd::TooBig => (Some(CloseReason::ProtocolError), Some((1009, "message too big"))),
        }
    }

    fn as_str(&self) -> &'static str {
        match self {
            SessionEnd::ClientClosed => "client_closed",
            SessionEnd::ClientGone => "client_gone",
            SessionEnd::ClientReset(_) => "client_reset",
            SessionEnd::Idle => "idle_timeout",
            SessionEnd::Shutdown => "shutting_down",
            SessionEnd::Protocol(_) => "protocol_error",
            SessionEnd::TooBig => "message_too_big",
            SessionEnd::Broken(_) => "read_error",
            SessionEnd::WriterGone => "write_error",
        }
    }

    fn is_error(&self) -> bool {
        !matches!(
            self,
            SessionEnd::ClientClosed
                | SessionEnd::ClientGone
                | SessionEnd::ClientReset(_)
                | SessionEnd::Shutdown
        )
    }
}

impl fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionEnd::ClientReset(reason) => write!(f, "client reset: {reason}"),
            SessionEnd::Protocol(why) | SessionEnd::Broken(why) => write!(f, "{}: {why}", self.as_str()),
            _ => f.write_str(self.as_str()),
        }
    }
}

/// The session's state of its control connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Control {
    /// None yet: the next OPEN is the control connection.
    None,
    /// The control OPEN is under way.
    Connecting(StreamId),
    /// Connected: data connections go to this IP, for the rest of the session.
    Established(IpAddr),
}

/// What the session keeps of a running stream. Dropping it aborts the stream.
struct StreamHandle {
    inbound: mpsc::UnboundedSender<Inbound>,
    _abort: oneshot::Sender<()>,
    shared: Arc<StreamShared>,
    /// DATA bytes the client sent on the stream.
    received: u64,
    client_fin: bool,
}

/// OPENs and LISTENs per second, with a burst.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Runs one session to its end over `sink` and `incoming`, which are the two halves of
/// a WebSocket (or, in tests, of anything else that moves messages).
pub(crate) async fn run<W, R>(sink: W, mut incoming: R, session: Arc<SessionShared>, grant: Option<HostSet>)
where
    W: Sink<Message> + Send + Unpin + 'static,
    W::Error: fmt::Display,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let relay = session.relay.clone();
    relay.metrics.session_started();
    info!("session opened");
    let (out, queue) = mpsc::channel(OUTBOUND_QUEUE);
    let mut writer = tokio::spawn(write_loop(sink, queue, relay.config.timeouts.idle).in_current_span());
    let mut writer_done = false;
    let mut core = Core::new(session.clone(), out.clone(), grant);
    let end = core.run(&mut incoming, &mut writer, &mut writer_done).await;
    if end.is_error() {
        relay.metrics.error(end.as_str());
    }
    // Every stream is aborted with its handle.
    drop(core);

    let (reset, close) = end.farewell();
    if !writer_done {
        let goodbye = async {
            if let Some(reason) = reset {
                out.send(Message::Binary(Frame::Reset { stream: 0, reason }.encode().into())).await?;
            }
            if let Some((code, reason)) = close {
                out.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await?;
            }
            Ok::<_, mpsc::error::SendError<Message>>(())
        };
        let _ = timeout(CLOSE_GRACE, goodbye).await;
        drop(out);
        // While the writer finishes, read on until the client's answering close (the
        // close handshake needs both halves), so the socket is not reset under frames
        // the client has not read yet.
        let answer = async {
            if close.is_some() {
                while let Some(Ok(message)) = incoming.next().await {
                    if matches!(message, Message::Close(_)) {
                        break;
                    }
                }
            }
        };
        let (written, _) = tokio::join!(timeout(CLOSE_GRACE, &mut writer), timeout(CLOSE_GRACE, answer));
        if written.is_err() {
            writer.abort();
        }
    }
    relay.metrics.session_ended();
    info!(
        reason = %end,
        bytes_up = session.bytes_up.load(Ordering::Relaxed),
        bytes_down = session.bytes_down.load(Ordering::Relaxed),
        seconds = session.started.elapsed().as_secs_f64(),
        "session closed"
    );
}

/// Drains the outgoing queue into the sink, a batch at a time; ends after a close, when
/// every sender is gone, or when a write fails or stalls for `stall`.
async fn write_loop<W>(mut sink: W, mut queue: mpsc::Receiver<Message>, stall: Duration)
where
    W: Sink<Message> + Unpin,
    W::Error: fmt::Display,
{
    let result: Result<(), String> = async {
        while let Some(first) = queue.recv().await {
            let mut next = Some(first);
            let mut closing = false;
            let mut batch = 0;
            while let Some(message) = next.take() {
                closing = matches!(message, Message::Close(_));
                match timeout(stall, sink.feed(message)).await {
                    Err(_) => return Err("write stalled".to_string()),
                    Ok(Err(e)) => return Err(e.to_string()),
                    Ok(Ok(())) => {}
                }
                batch += 1;
                if !closing && batch < OUTBOUND_QUEUE {
                    next = queue.try_recv().ok();
                }
            }
            match timeout(stall, sink.flush()).await {
                Err(_) => return Err("write stalled".to_string()),
                Ok(Err(e)) => return Err(e.to_string()),
                Ok(Ok(())) => {}
            }
            if closing {
                break;
            }
        }
        Ok(())
    }
    .await;
    if let Err(error) = result {
        debug!(%error, "WebSocket write ended");
    }
    let _ = timeout(CLOSE_GRACE, sink.close()).await;
}

/// The session loop's state.
struct Core {
    session: Arc<SessionShared>,
    out: mpsc::Sender<Message>,
    events_tx: mpsc::UnboundedSender<Event>,
    events: mpsc::UnboundedReceiver<Event>,
    streams: HashMap<StreamId, StreamHandle>,
    highest: StreamId,
    control: Control,
    grant: Option<Arc<HostSet>>,
    bucket: Bucket,
}

impl Core {
    fn new(session: Arc<SessionShared>, out: mpsc::Sender<Message>, grant: Option<HostSet>) -> Core {
        let limits = &session.relay.config.limits;
        let bucket = Bucket {
            tokens: f64::from(limits.open_burst),
            rate: f64::from(limits.opens_per_second),
            burst: f64::from(limits.open_burst),
            last: Instant::now(),
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        Core {
            session,
            out,
            events_tx,
            events,
            streams: HashMap::new(),
            highest: 0,
            control: Control::None,
            grant: grant.map(Arc::new),
            bucket,
        }
    }

    async fn run<R>(
        &mut self,
        incoming: &mut R,
        writer: &mut JoinHandle<()>,
        writer_done: &mut bool,
    ) -> SessionEnd
    where
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let relay = self.session.relay.clone();
        let (limits, timeouts) = (&relay.config.limits, &relay.config.timeouts);
        let hello = Frame::Hello { version: VERSION, window: limits.window, max_payload: limits.max_payload };
        if self.send(hello).await.is_err() {
            return SessionEnd::WriterGone;
        }
        let mut ping =
            tokio::time::interval_at(Instant::now() + timeouts.ping_interval, timeouts.ping_interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let idle = tokio::time::sleep_until(self.session.idle_deadline(timeouts.idle));
        tokio::pin!(idle);
        loop {
            tokio::select! {
                biased;
                () = relay.shutdown.cancelled() => return SessionEnd::Shutdown,
                _ = &mut *writer => {
                    *writer_done = true;
                    return SessionEnd::WriterGone;
                }
                // Events first: a stream's "connected" is always seen before the
                // client's reaction to its OPENED.
                Some(event) = self.events.recv() => self.on_event(event),
                message = incoming.next() => {
                    let result = match message {
                        None => Err(SessionEnd::ClientClosed),
                        Some(Err(error)) => Err(read_error(error)),
                        Some(Ok(message)) => self.on_message(message).await,
                    };
                    if let Err(end) = result {
                        return end;
                    }
                }
                () = &mut idle => {
                    let deadline = self.session.idle_deadline(timeouts.idle);
                    if deadline <= Instant::now() {
                        return SessionEnd::Idle;
                    }
                    idle.as_mut().reset(deadline);
                }
                _ = ping.tick() => {
                    // Skipped when the queue is full: then the socket is busy anyway.
                    let _ = self.out.try_send(Message::Ping(Bytes::new()));
                }
            }
        }
    }

    /// Queues a frame for the client; waits while the queue is full (a client that
    /// does not read is not read from either), but not past a shutdown.
    async fn send(&self, frame: Frame<'_>) -> Result<(), SessionEnd> {
        let message = Message::Binary(frame.encode().into());
        tokio::select! {
            biased;
            () = self.session.relay.shutdown.cancelled() => Err(SessionEnd::Shutdown),
            result = self.out.send(message) => result.map_err(|_| SessionEnd::WriterGone),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected { stream, peer } => {
                if self.control == Control::Connecting(stream) {
                    self.control = Control::Established(peer.ip().to_canonical());
                    info!(%peer, "control connection established");
                }
            }
            Event::Ended { stream } => {
                self.streams.remove(&stream);
                if self.control == Control::Connecting(stream) {
                    self.control = Control::None;
                }
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), SessionEnd> {
        match message {
            Message::Binary(bytes) => {
                self.session.touch();
                self.on_frame(bytes).await
            }
            Message::Text(_) => Err(SessionEnd::Protocol("text message".to_string())),
            // tungstenite answers pings itself; pongs only prove the client is there.
            Message::Ping(_) | Message::Pong(_) => Ok(()),
            Message::Close(_) => Err(SessionEnd::ClientClosed),
        }
    }

    async fn on_frame(&mut self, bytes: Bytes) -> Result<(), SessionEnd> {
        let frame = match Frame::decode(&bytes) {
            Ok(frame) => frame,
            Err(error) => return self.on_bad_frame(&bytes, error).await,
        };
        match frame {
            Frame::Open { stream, host, port } => self.on_open(stream, host, port).await,
            Frame::Listen { stream } => self.on_listen(stream).await,
            Frame::Data { stream, payload } => {
                let len = payload.len();
                self.on_data(stream, bytes.slice(HEADER_LEN..HEADER_LEN + len)).await
            }
            Frame::Credit { stream, increment } => {
                if let Some(handle) = self.streams.get(&stream) {
                    handle.shared.to_client.grant(increment);
                }
                Ok(())
            }
            Frame::Fin { stream } => {
                if let Some(handle) = self.streams.get_mut(&stream)
                    && !handle.client_fin
                {
                    handle.client_fin = true;
                    let _ = handle.inbound.send(Inbound::Fin);
                }
                Ok(())
            }
            Frame::Reset { stream: 0, reason } => Err(SessionEnd::ClientReset(reason)),
            Frame::Reset { stream, reason } => {
                if self.streams.remove(&stream).is_some() {
                    debug!(stream, reason = reason.as_str(), "stream reset by the client");
                }
                Ok(())
            }
            Frame::Ping { nonce } => self.send(Frame::Pong { nonce }).await,
            Frame::Pong { .. } => Ok(()),
            Frame::Opened { .. } | Frame::Listening { .. } | Frame::Accepted { .. } | Frame::Hello { .. } => {
                Err(SessionEnd::Protocol("a relay's frame from the client".to_string()))
            }
        }
    }

    /// An OPEN whose destination cannot be read resets that stream (the user typed a
    /// bad host); anything else unreadable ends the session.
    async fn on_bad_frame(&mut self, bytes: &[u8], error: WireError) -> Result<(), SessionEnd> {
        let stream = bytes.get(1..HEADER_LEN).and_then(|id| id.try_into().ok()).map(u32::from_le_bytes);
        let bad_destination =
            matches!(error, WireError::BadHost | WireError::BadAddress | WireError::UnsupportedStreamType(_));
        if bytes.first() == Some(&OPEN_TYPE)
            && bad_destination
            && let Some(stream) = stream.filter(|&s| s > self.highest)
        {
            self.highest = stream;
            self.session.relay.metrics.denied(policy::Denial::InvalidHost.as_str());
            return self.send(Frame::Reset { stream, reason: CloseReason::InvalidInfo }).await;
        }
        Err(SessionEnd::Protocol(error.to_string()))
    }

    /// Resets a stream on the relay's side with a protocol error.
    async fn protocol_reset(&mut self, stream: StreamId, why: &str) -> Result<(), SessionEnd> {
        self.streams.remove(&stream);
        warn!(stream, why, "stream reset: protocol error");
        self.session.relay.metrics.error(CloseReason::ProtocolError.as_str());
        self.send(Frame::Reset { stream, reason: CloseReason::ProtocolError }).await
    }

    /// Refuses a new stream: counted as a denial, RESET with `reason`.
    async fn refuse(
        &mut self,
        stream: StreamId,
        label: &'static str,
        reason: CloseReason,
    ) -> Result<(), SessionEnd> {
        self.session.relay.metrics.denied(label);
        info!(stream, why = label, "stream refused");
        self.send(Frame::Reset { stream, reason }).await
    }

    /// The checks every new stream passes: a fresh id, the rate, the count. `Ok(false)`
    /// when the stream was refused.
    async fn admit(&mut self, stream: StreamId) -> Result<bool, SessionEnd> {
        if stream <= self.highest {
            self.protocol_reset(stream, "stream id reused").await?;
            return Ok(false);
        }
        self.highest = stream;
        if !self.bucket.take() {
            self.refuse(stream, "open_rate", CloseReason::LimitReached).await?;
            return Ok(false);
        }
        if self.streams.len() >= self.session.relay.config.limits.max_streams_per_session {
            self.refuse(stream, "stream_limit", CloseReason::LimitReached).await?;
            return Ok(false);
        }
        Ok(true)
    }

    async fn on_open(&mut self, stream: StreamId, host: &str, port: u16) -> Result<(), SessionEnd> {
        if !self.admit(stream).await? {
            return Ok(());
        }
        let host = match policy::parse_host(host) {
            Ok(host) => host,
            Err(denial) => return self.refuse(stream, denial.as_str(), denial.close_reason()).await,
        };
        let (kind, target) = match self.control {
            Control::None => {
                self.control = Control::Connecting(stream);
                (StreamKind::Control, Target::Control { host, port, grant: self.grant.clone() })
            }
            Control::Connecting(_) => {
                return self.refuse(stream, "no_control_connection", CloseReason::ProtocolError).await;
            }
            Control::Established(control) => (StreamKind::Data, Target::Data { host, port, control }),
        };
        self.spawn(stream, kind, |task| stream::open(task, target));
        Ok(())
    }

    async fn on_listen(&mut self, stream: StreamId) -> Result<(), SessionEnd> {
        if !self.admit(stream).await? {
            return Ok(());
        }
        if !self.session.relay.config.active.enabled {
            return self.refuse(stream, "active_mode_disabled", CloseReason::Blocked).await;
        }
        let Control::Established(control) = self.control else {
            return self.refuse(stream, "no_control_connection", CloseReason::ProtocolError).await;
        };
        self.spawn(stream, StreamKind::Listen, |task| listener::listen(task, control));
        Ok(())
    }

    async fn on_data(&mut self, stream: StreamId, payload: Bytes) -> Result<(), SessionEnd> {
        // A frame for a stream we do not know may have crossed a RESET: ignored.
        let Some(handle) = self.streams.get_mut(&stream) else { return Ok(()) };
        if handle.client_fin {
            return self.protocol_reset(stream, "DATA after FIN").await;
        }
        let window = u64::from(self.session.relay.config.limits.window);
        let allowed =
            (window + handle.shared.granted.load(Ordering::Acquire)).saturating_sub(handle.received);
        let len = payload.len() as u64;
        if len > allowed {
            return self.protocol_reset(stream, "DATA beyond the credit").await;
        }
        handle.received += len;
        if len > 0 {
            let _ = handle.inbound.send(Inbound::Data(payload));
        }
        Ok(())
    }

    /// Starts a stream task built by `job`.
    fn spawn<F, Fut>(&mut self, stream: StreamId, kind: StreamKind, job: F)
    where
        F: FnOnce(StreamTask) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (inbound_tx, inbound_rx) = mpsc::unbounded_channel();
        let (abort_tx, abort_rx) = oneshot::channel();
        let shared = Arc::new(StreamShared::new(self.session.relay.config.limits.window));
        let task = StreamTask::new(
            stream,
            kind,
            self.session.clone(),
            self.out.clone(),
            self.events_tx.clone(),
            shared.clone(),
            inbound_rx,
            abort_rx,
        );
        let span = info_span!("stream", stream, kind = kind.as_str());
        tokio::spawn(job(task).instrument(span));
        self.streams.insert(
            stream,
            StreamHandle { inbound: inbound_tx, _abort: abort_tx, shared, received: 0, client_fin: false },
        );
    }
}

/// A WebSocket read error as a session end: too big, or broken.
fn read_error(error: axum::Error) -> SessionEnd {
    use tokio_tungstenite::tungstenite::Error as WsError;
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    let inner = error.into_inner();
    match inner.downcast_ref::<WsError>() {
        Some(WsError::Capacity(_)) => SessionEnd::TooBig,
        // The client went away without a close: not its protocol's fault.
        Some(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))
        | Some(WsError::ConnectionClosed | WsError::AlreadyClosed) => SessionEnd::ClientGone,
        Some(WsError::Protocol(e)) => SessionEnd::Protocol(e.to_string()),
        _ => SessionEnd::Broken(inner.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::{RelayConfig, server::Relay};
    use axum::extract::ws::Message;
    use ftpbridge_wire::{CloseReason, Frame};
    use futures_channel::mpsc;
    use futures_util::{SinkExt, StreamExt};
    use std::time::Duration;

    /// Drives a session over in-memory channels: no network, no WebSocket.
    async fn session(
        config: RelayConfig,
    ) -> (mpsc::UnboundedSender<Result<Message, axum::Error>>, mpsc::UnboundedReceiver<Message>) {
        let relay = Relay::new(config).unwrap();
        let (to_relay, incoming) = mpsc::unbounded();
        let (sink, from_relay) = mpsc::unbounded::<Message>();
        tokio::spawn(async move { relay.run_session(sink, incoming, "192.0.2.1".parse().unwrap()).await });
        (to_relay, from_relay)
    }

    async fn next_frame(from_relay: &mut mpsc::UnboundedReceiver<Message>) -> Message {
        tokio::time::timeout(Duration::from_secs(10), from_relay.next()).await.unwrap().unwrap()
    }

    fn binary(frame: Frame) -> Result<Message, axum::Error> {
        Ok(Message::Binary(frame.encode().into()))
    }

    #[tokio::test]
    async fn hello_first_then_pings_are_answered() {
        let (mut to_relay, mut from_relay) = session(RelayConfig::default()).await;
        let Message::Binary(hello) = next_frame(&mut from_relay).await else { panic!() };
        let limits = RelayConfig::default().limits;
        assert_eq!(
            Frame::decode(&hello).unwrap(),
            Frame::Hello { version: 1, window: limits.window, max_payload: limits.max_payload }
        );
        to_relay.send(binary(Frame::Ping { nonce: 7 })).await.unwrap();
        let Message::Binary(pong) = next_frame(&mut from_relay).await else { panic!() };
        assert_eq!(Frame::decode(&pong).unwrap(), Frame::Pong { nonce: 7 });
    }

    #[tokio::test]
    async fn policy_refusals_reset_the_stream() {
        let (mut to_relay, mut from_relay) = session(RelayConfig::default()).await;
        next_frame(&mut from_relay).await;
        to_relay.send(binary(Frame::Open { stream: 1, host: "127.0.0.1", port: 21 })).await.unwrap();
        let Message::Binary(reset) = next_frame(&mut from_relay).await else { panic!() };
        assert_eq!(Frame::decode(&reset).unwrap(), Frame::Reset { stream: 1, reason: CloseReason::Blocked });
        // An unreadable host resets only its stream.
        let mut bad = Frame::Open { stream: 2, host: "x", port: 21 }.encode();
        bad.extend_from_slice(b" y");
        to_relay.send(Ok(Message::Binary(bad.into()))).await.unwrap();
        let Message::Binary(reset) = next_frame(&mut from_relay).await else { panic!() };
        assert_eq!(
            Frame::decode(&reset).unwrap(),
            Frame::Reset { stream: 2, reason: CloseReason::InvalidInfo }
        );
    }

    #[tokio::test]
    async fn text_and_wrong_direction_frames_close_with_1002() {
        for message in [
            Ok(Message::Text("hi".into())),
            binary(Frame::Opened { stream: 1, peer: "192.0.2.1:21".parse().unwrap() }),
            Ok(Message::Binary(vec![0x7f, 1, 0, 0, 0].into())),
        ] {
            let (mut to_relay, mut from_relay) = session(RelayConfig::default()).await;
            next_frame(&mut from_relay).await;
            to_relay.send(message).await.unwrap();
            let Message::Binary(reset) = next_frame(&mut from_relay).await else { panic!() };
            assert_eq!(
                Frame::decode(&reset).unwrap(),
                Frame::Reset { stream: 0, reason: CloseReason::ProtocolError }
            );
            let Message::Close(Some(close)) = next_frame(&mut from_relay).await else { panic!() };
            assert_eq!(close.code, 1002);
        }
    }
}
