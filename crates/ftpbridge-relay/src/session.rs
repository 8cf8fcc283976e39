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

use crate::control_filter::{ControlFilter, Mode as FilterMode};
use crate::dial::Target;
use crate::listener;
use crate::metrics::StreamKind;
use crate::policy::{self, Host};
use crate::shared::{RelayShared, SessionShared};
use crate::stream::{self, Event, StreamShared, StreamTask};
use crate::ticket::Grant;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message};
use ftpbridge_wire::{CloseReason, DATA_PAYLOAD, Frame, Header, StreamId, VERSION, WireError};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
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
    /// No control connection for the grace time (none yet, or it ended).
    NoControl,
    /// The session reached its longest lifetime.
    Lifetime,
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
            SessionEnd::NoControl => (Some(CloseReason::IdleTimeout), Some((1000, "no control connection"))),
            SessionEnd::Lifetime => {
                (Some(CloseReason::LimitReached), Some((1000, "session lifetime reached")))
            }
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
            SessionEnd::NoControl => "no_control_connection",
            SessionEnd::Lifetime => "session_lifetime",
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
    /// Connected: data connections go to this IP while the stream lives.
    Established { ip: IpAddr, stream: StreamId },
    /// The control connection ended: no more data connections; the session closes
    /// after the grace time.
    Ended,
}

/// What the session keeps of a running stream. Dropping it aborts the stream.
struct StreamHandle {
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
pub(crate) async fn run<W, R>(
    sink: W,
    mut incoming: R,
    relay: Arc<RelayShared>,
    session: Arc<SessionShared>,
    grant: Option<Grant>,
) where
    W: Sink<Message> + Send + Unpin + 'static,
    W::Error: fmt::Display,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    relay.metrics.session_started();
    info!("session opened");
    let (out, queue) = mpsc::channel(OUTBOUND_QUEUE);
    let mut writer = tokio::spawn(write_loop(sink, queue, relay.config.timeouts.idle).in_current_span());
    let mut writer_done = false;
    let mut core = Core::new(relay.clone(), session.clone(), out.clone(), grant);
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
    let (bytes_up, bytes_down) = session.bytes();
    info!(
        reason = %end,
        bytes_up,
        bytes_down,
        seconds = session.started().elapsed().as_secs_f64(),
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
    relay: Arc<RelayShared>,
    session: Arc<SessionShared>,
    out: mpsc::Sender<Message>,
    events_tx: mpsc::UnboundedSender<Event>,
    events: mpsc::UnboundedReceiver<Event>,
    streams: HashMap<StreamId, StreamHandle>,
    highest: StreamId,
    control: Control,
    /// Since when the session has had no control connection (none yet, or it ended).
    without_control: Option<Instant>,
    grant: Option<Arc<Grant>>,
    bucket: Bucket,
}

impl Core {
    fn new(
        relay: Arc<RelayShared>,
        session: Arc<SessionShared>,
        out: mpsc::Sender<Message>,
        grant: Option<Grant>,
    ) -> Core {
        let limits = &relay.config.limits;
        let bucket = Bucket {
            tokens: f64::from(limits.open_burst),
            rate: f64::from(limits.opens_per_second),
            burst: f64::from(limits.open_burst),
            last: Instant::now(),
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        Core {
            relay,
            session,
            out,
            events_tx,
            events,
            streams: HashMap::new(),
            highest: 0,
            control: Control::None,
            without_control: Some(Instant::now()),
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
        let relay = self.relay.clone();
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
        let lifetime = tokio::time::sleep_until(self.session.started() + timeouts.session_lifetime);
        tokio::pin!(lifetime);
        let mut grace = tokio::time::interval(timeouts.no_control.max(Duration::from_millis(100)) / 2);
        grace.set_missed_tick_behavior(MissedTickBehavior::Delay);
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
                () = &mut lifetime => return SessionEnd::Lifetime,
                _ = grace.tick() => {
                    if self.without_control.is_some_and(|since| since.elapsed() >= timeouts.no_control) {
                        return SessionEnd::NoControl;
                    }
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
            () = self.relay.shutdown.cancelled() => Err(SessionEnd::Shutdown),
            result = self.out.send(message) => result.map_err(|_| SessionEnd::WriterGone),
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected { stream, peer } => {
                if self.control == Control::Connecting(stream) {
                    self.control = Control::Established { ip: peer.ip().to_canonical(), stream };
                    self.without_control = None;
                    info!(%peer, "control connection established");
                }
            }
            Event::Ended { stream } => {
                self.streams.remove(&stream);
                match self.control {
                    Control::Connecting(s) if s == stream => self.control = Control::None,
                    Control::Established { stream: s, .. } if s == stream => self.control = Control::Ended,
                    _ => return,
                }
                self.without_control = Some(Instant::now());
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), SessionEnd> {
        match message {
            // Only payload counts as activity: pings and credits keep no session alive.
            Message::Binary(bytes) => self.on_frame(bytes).await,
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
            Frame::Data { stream, .. } => self.on_data(stream, bytes.slice(DATA_PAYLOAD)).await,
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
                    handle.shared.up.finish();
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
        let header = Header::peek(bytes);
        let bad_destination =
            matches!(error, WireError::BadHost | WireError::BadAddress | WireError::UnsupportedStreamType(_));
        if let Some(header) = header.filter(|h| h.is_open() && bad_destination && h.stream > self.highest) {
            let stream = header.stream;
            self.highest = stream;
            self.relay.metrics.denied(policy::Denial::InvalidHost.as_str());
            return self.send(Frame::Reset { stream, reason: CloseReason::InvalidInfo }).await;
        }
        Err(SessionEnd::Protocol(error.to_string()))
    }

    /// Resets a stream on the relay's side with a protocol error.
    async fn protocol_reset(&mut self, stream: StreamId, why: &str) -> Result<(), SessionEnd> {
        self.streams.remove(&stream);
        warn!(stream, why, "stream reset: protocol error");
        self.relay.metrics.error(CloseReason::ProtocolError.as_str());
        self.send(Frame::Reset { stream, reason: CloseReason::ProtocolError }).await
    }

    /// Refuses a new stream: counted as a denial, RESET with `reason`.
    async fn refuse(
        &mut self,
        stream: StreamId,
        label: &'static str,
        reason: CloseReason,
    ) -> Result<(), SessionEnd> {
        self.relay.metrics.denied(label);
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
        if self.streams.len() >= self.relay.config.limits.max_streams_per_session {
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
                let implicit = self.relay.config.policy.implicit_tls_ports.contains(&port);
                *self.session.filter() = ControlFilter::new(implicit);
                let grant = self.grant.as_ref().map(|g| Arc::new(g.hosts.clone()));
                (StreamKind::Control, Target::Control { host, port, grant })
            }
            Control::Connecting(_) | Control::Ended => {
                return self.refuse(stream, "no_control_connection", CloseReason::ProtocolError).await;
            }
            Control::Established { ip: control, .. } => {
                // The engine sends the control server's address: a name would make the
                // relay resolve on a page's behalf.
                let Host::Ip(ip) = host else {
                    return self.refuse(stream, "data_host_name", CloseReason::Blocked).await;
                };
                if let Some(label) = self.data_port_refusal(port) {
                    return self.refuse(stream, label, CloseReason::Blocked).await;
                }
                (StreamKind::Data, Target::Data { ip, port, control })
            }
        };
        let dialer = self.relay.dialer.clone();
        self.spawn(stream, kind, |task| stream::open(task, dialer, target));
        Ok(())
    }

    /// Why a data connection may not go to `port`, if it may not: on a control stream
    /// the relay reads, only to a port the server announced there (once); on one it
    /// cannot read (TLS), by the data-port policy; and within a ticket's data ports.
    fn data_port_refusal(&self, port: u16) -> Option<&'static str> {
        if let Some(grant) = &self.grant
            && !grant.data_ports.is_empty()
            && !grant.data_ports.contains(port)
        {
            return Some("ticket_data_port");
        }
        let mut filter = self.session.filter();
        match filter.mode() {
            FilterMode::Plain if filter.take_data_port(port) => None,
            FilterMode::Plain => Some("data_port_not_announced"),
            FilterMode::Tls if self.relay.config.policy.data_ports.contains(port) => None,
            FilterMode::Tls => Some("data_port"),
        }
    }

    async fn on_listen(&mut self, stream: StreamId) -> Result<(), SessionEnd> {
        if !self.admit(stream).await? {
            return Ok(());
        }
        if !self.relay.config.active.enabled {
            return self.refuse(stream, "active_mode_disabled", CloseReason::Blocked).await;
        }
        let Control::Established { ip: control, .. } = self.control else {
            return self.refuse(stream, "no_control_connection", CloseReason::ProtocolError).await;
        };
        // Where the relay cannot read PORT/EPRT, it cannot hold them to this listener.
        if self.session.filter().mode() == FilterMode::Tls {
            return self.refuse(stream, "active_mode_tls", CloseReason::Blocked).await;
        }
        let active = self.relay.config.active.clone();
        let wait = self.relay.config.timeouts.listen;
        self.spawn(stream, StreamKind::Listen, |task| listener::listen(task, active, wait, control));
        Ok(())
    }

    async fn on_data(&mut self, stream: StreamId, payload: Bytes) -> Result<(), SessionEnd> {
        // A frame for a stream we do not know may have crossed a RESET: ignored.
        let Some(handle) = self.streams.get_mut(&stream) else { return Ok(()) };
        if handle.client_fin {
            return self.protocol_reset(stream, "DATA after FIN").await;
        }
        let window = u64::from(self.relay.config.limits.window);
        let allowed =
            (window + handle.shared.granted.load(Ordering::Acquire)).saturating_sub(handle.received);
        let len = payload.len() as u64;
        if len > allowed {
            return self.protocol_reset(stream, "DATA beyond the credit").await;
        }
        handle.received += len;
        if len == 0 {
            return Ok(());
        }
        let control = matches!(self.control, Control::Established { stream: s, .. } | Control::Connecting(s) if s == stream);
        let checked = if control { self.session.filter().client_bytes(&payload) } else { Ok(()) };
        if let Err(refusal) = checked {
            // The bytes never reach the server; neither does anything after them.
            self.streams.remove(&stream);
            self.relay.metrics.denied(refusal.as_str());
            warn!(stream, why = refusal.as_str(), "control stream reset by the FTP helper");
            return self.send(Frame::Reset { stream, reason: CloseReason::Blocked }).await;
        }
        if let Some(handle) = self.streams.get(&stream) {
            handle.shared.up.push(payload);
        }
        Ok(())
    }

    /// Starts a stream task built by `job`.
    fn spawn<F, Fut>(&mut self, stream: StreamId, kind: StreamKind, job: F)
    where
        F: FnOnce(StreamTask) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (abort_tx, abort_rx) = oneshot::channel();
        let limits = &self.relay.config.limits;
        let shared = Arc::new(StreamShared::new(limits.window));
        let task = StreamTask::new(
            stream,
            kind,
            self.session.clone(),
            self.out.clone(),
            self.events_tx.clone(),
            shared.clone(),
            abort_rx,
            (limits.window, limits.max_payload),
        );
        let span = info_span!("stream", stream, kind = kind.as_str());
        tokio::spawn(job(task).instrument(span));
        self.streams
            .insert(stream, StreamHandle { _abort: abort_tx, shared, received: 0, client_fin: false });
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
