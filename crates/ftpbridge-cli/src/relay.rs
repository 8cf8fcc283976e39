//! The relay transport: every engine socket is a virtual stream over one WebSocket to
//! an ftpbridge relay (`--relay ws://host:port/ws`), multiplexed by the wire crate's
//! [`ClientMux`].
//!
//! One task reads WebSocket messages into a small bounded channel and one writes the
//! mux's frames out; the mux itself lives here, on the client's loop. Credit for
//! received bytes goes back to the relay only when the client asks for the next event,
//! that is once the previous bytes were written out, so a slow disk slows the relay and
//! the relay slows the FTP server.

use crate::transport::{Transport, TransportEvent};
use ftpbridge_engine::{Host, Purpose, SocketError, SocketId};
use ftpbridge_wire::{ClientMux, CloseReason, MuxEvent, SUBPROTOCOL, StreamId};
use futures_util::{SinkExt, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// Bytes a socket may hold beyond its credit before `can_send` says no.
const HIGH_WATER: usize = 1024 * 1024;

/// One engine socket's stream.
struct Link {
    socket: SocketId,
    /// Bytes waiting for credit.
    pending: VecDeque<Vec<u8>>,
    pending_bytes: usize,
    /// FIN once `pending` is sent.
    fin_after_pending: bool,
    /// The client stopped producing at the high-water mark and wants `Writable`.
    wants_writable: bool,
}

/// Virtual sockets through a relay.
pub struct RelayTransport {
    mux: ClientMux,
    outgoing: mpsc::UnboundedSender<Message>,
    incoming: mpsc::Receiver<Result<Vec<u8>, String>>,
    links: HashMap<StreamId, Link>,
    streams: HashMap<SocketId, StreamId>,
    events: VecDeque<TransportEvent>,
    /// Received bytes handed out but not yet credited back.
    unconsumed: Option<(StreamId, usize)>,
    /// Why the WebSocket ended, once it did.
    closed: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

impl RelayTransport {
    /// Opens the WebSocket to the relay at `url` (`ws://` or `wss://`).
    pub async fn connect(url: &str) -> Result<RelayTransport, String> {
        let mut request =
            url.into_client_request().map_err(|e| format!("{url:?} is not a relay URL: {e}"))?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
        let (socket, _response) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| format!("cannot connect to the relay at {url}: {e}"))?;
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut to_send) = mpsc::unbounded_channel::<Message>();
        let (deliver, incoming) = mpsc::channel(16);
        let writer = tokio::spawn(async move {
            while let Some(message) = to_send.recv().await {
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            let _ = sink.close().await;
        });
        let reader = tokio::spawn(async move {
            while let Some(message) = stream.next().await {
                let item = match message {
                    Ok(Message::Binary(bytes)) => Ok(bytes.to_vec()),
                    Ok(Message::Close(frame)) => {
                        let reason =
                            frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)).unwrap_or_default();
                        Err(format!("the relay closed the session {reason}").trim_end().to_string())
                    }
                    Ok(Message::Text(_)) => Err("the relay sent a text message".to_string()),
                    Ok(_) => continue, // ping/pong are answered by tungstenite
                    Err(e) => Err(format!("the relay connection failed: {e}")),
                };
                let last = item.is_err();
                if deliver.send(item).await.is_err() || last {
                    return;
                }
            }
            let _ = deliver.send(Err("the relay closed the connection".to_string())).await;
        });
        Ok(RelayTransport {
            mux: ClientMux::new(),
            outgoing,
            incoming,
            links: HashMap::new(),
            streams: HashMap::new(),
            events: VecDeque::new(),
            unconsumed: None,
            closed: None,
            tasks: vec![writer, reader],
        })
    }

    /// Sends what the mux has queued.
    fn flush(&mut self) {
        while let Some(frame) = self.mux.poll_transmit() {
            let _ = self.outgoing.send(Message::Binary(frame.into()));
        }
    }

    /// Moves pending bytes into the mux as credit allows; FIN when asked and drained.
    fn pump(&mut self, stream: StreamId) {
        let Some(link) = self.links.get_mut(&stream) else { return };
        while let Some(mut chunk) = link.pending.pop_front() {
            let taken = self.mux.send(stream, &chunk);
            link.pending_bytes -= taken;
            if taken < chunk.len() {
                chunk.drain(..taken);
                link.pending.push_front(chunk);
                break;
            }
        }
        if link.pending.is_empty() && link.fin_after_pending {
            link.fin_after_pending = false;
            self.mux.fin(stream);
        }
        if link.wants_writable && link.pending_bytes < HIGH_WATER / 4 {
            link.wants_writable = false;
            self.events.push_back(TransportEvent::Writable);
        }
        self.flush();
    }

    fn new_link(&mut self, socket: SocketId, stream: StreamId) {
        self.streams.insert(socket, stream);
        self.links.insert(
            stream,
            Link {
                socket,
                pending: VecDeque::new(),
                pending_bytes: 0,
                fin_after_pending: false,
                wants_writable: false,
            },
        );
    }

    fn forget(&mut self, socket: SocketId) -> Option<StreamId> {
        let stream = self.streams.remove(&socket)?;
        self.links.remove(&stream);
        Some(stream)
    }

    /// Translates what the mux reports into transport events.
    fn absorb(&mut self) {
        while let Some(event) = self.mux.poll_event() {
            let socket_of =
                |links: &HashMap<StreamId, Link>, stream: StreamId| links.get(&stream).map(|l| l.socket);
            match event {
                MuxEvent::Opened { stream, peer } => {
                    if let Some(socket) = socket_of(&self.links, stream) {
                        self.events.push_back(TransportEvent::Connected { socket, peer: Some(peer) });
                    }
                }
                MuxEvent::Listening { stream, address } => {
                    if let Some(socket) = socket_of(&self.links, stream) {
                        self.events.push_back(TransportEvent::Listening { socket, advertise: address });
                    }
                }
                MuxEvent::Accepted { stream, peer } => {
                    if let Some(socket) = socket_of(&self.links, stream) {
                        self.events.push_back(TransportEvent::Accepted { socket, peer: Some(peer) });
                    }
                }
                MuxEvent::Data { stream, data } => match socket_of(&self.links, stream) {
                    Some(socket) => self.events.push_back(TransportEvent::Data { socket, data }),
                    None => self.mux.consumed(stream, data.len()),
                },
                MuxEvent::Fin { stream } => {
                    if let Some(socket) = socket_of(&self.links, stream) {
                        self.events.push_back(TransportEvent::Eof { socket });
                    }
                }
                MuxEvent::Reset { stream: 0, reason } => {
                    self.fail_all(format!("the relay ended the session: {reason}"));
                }
                MuxEvent::Reset { stream, reason } => {
                    if let Some(link) = self.links.remove(&stream) {
                        self.streams.remove(&link.socket);
                        self.events.push_back(TransportEvent::Error {
                            socket: link.socket,
                            error: socket_error(reason),
                        });
                    }
                }
                MuxEvent::Writable { stream } => self.pump(stream),
                MuxEvent::Hello { .. } | MuxEvent::Pong { .. } => {}
            }
        }
        self.flush();
    }

    /// The WebSocket is gone: every socket fails with `why`.
    fn fail_all(&mut self, why: String) {
        let mut sockets: Vec<SocketId> = self.streams.keys().copied().collect();
        sockets.sort();
        for socket in sockets {
            self.events.push_back(TransportEvent::Error { socket, error: SocketError::Other(why.clone()) });
        }
        self.streams.clear();
        self.links.clear();
        self.closed = Some(why);
    }
}

impl Drop for RelayTransport {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Transport for RelayTransport {
    fn connect(&mut self, socket: SocketId, host: Host, port: u16, _purpose: Purpose) {
        if let Some(why) = self.closed.clone() {
            self.events.push_back(TransportEvent::Error { socket, error: SocketError::Other(why) });
            return;
        }
        let stream = self.mux.open(&host.to_string(), port);
        self.new_link(socket, stream);
        self.flush();
    }

    fn listen(&mut self, socket: SocketId, _peer: Option<IpAddr>) {
        if let Some(why) = self.closed.clone() {
            self.events.push_back(TransportEvent::Error { socket, error: SocketError::Other(why) });
            return;
        }
        // The relay itself admits only the control connection's server.
        let stream = self.mux.listen();
        self.new_link(socket, stream);
        self.flush();
    }

    fn send(&mut self, socket: SocketId, data: Vec<u8>) {
        let Some(&stream) = self.streams.get(&socket) else { return };
        if let Some(link) = self.links.get_mut(&stream) {
            link.pending_bytes += data.len();
            link.pending.push_back(data);
        }
        self.pump(stream);
    }

    fn shutdown(&mut self, socket: SocketId) {
        let Some(&stream) = self.streams.get(&socket) else { return };
        if let Some(link) = self.links.get_mut(&stream) {
            link.fin_after_pending = true;
        }
        self.pump(stream);
    }

    fn close(&mut self, socket: SocketId) {
        let Some(&stream) = self.streams.get(&socket) else { return };
        let drained = self.links.get(&stream).is_none_or(|l| l.pending.is_empty());
        if drained {
            self.mux.fin(stream);
        } else {
            // Queued bytes cannot be sent once the socket is forgotten: abort instead.
            self.mux.reset(stream, CloseReason::Voluntary);
        }
        self.forget(socket);
        self.flush();
    }

    fn reset(&mut self, socket: SocketId) {
        if let Some(stream) = self.forget(socket) {
            self.mux.reset(stream, CloseReason::Voluntary);
            self.flush();
        }
    }

    fn can_send(&mut self, socket: SocketId) -> bool {
        let Some(link) = self.streams.get(&socket).and_then(|s| self.links.get_mut(s)) else { return true };
        if link.pending_bytes < HIGH_WATER {
            return true;
        }
        link.wants_writable = true;
        false
    }

    async fn next_event(&mut self) -> TransportEvent {
        // The bytes handed out last time have been written out by now: credit them.
        if let Some((stream, n)) = self.unconsumed.take() {
            self.mux.consumed(stream, n);
            self.flush();
        }
        loop {
            if let Some(event) = self.events.pop_front() {
                if let TransportEvent::Data { socket, data } = &event
                    && let Some(&stream) = self.streams.get(socket)
                {
                    self.unconsumed = Some((stream, data.len()));
                }
                return event;
            }
            if self.closed.is_some() {
                std::future::pending::<()>().await;
            }
            match self.incoming.recv().await {
                Some(Ok(message)) => {
                    if let Err(error) = self.mux.handle_message(&message) {
                        self.fail_all(format!("the relay broke the protocol: {error}"));
                        let _ = self.outgoing.send(Message::Close(None));
                    }
                    self.absorb();
                }
                Some(Err(why)) => self.fail_all(why),
                None => self.fail_all("the relay connection ended".to_string()),
            }
        }
    }
}

/// The engine's view of a stream's close reason.
fn socket_error(reason: CloseReason) -> SocketError {
    match reason {
        CloseReason::Refused => SocketError::Refused,
        CloseReason::Unreachable | CloseReason::InvalidInfo => SocketError::Unreachable,
        CloseReason::TimedOut | CloseReason::ListenTimedOut => SocketError::TimedOut,
        CloseReason::ConnectionReset => SocketError::Reset,
        CloseReason::Blocked | CloseReason::DataPeerMismatch | CloseReason::LimitReached => {
            SocketError::Blocked(reason.to_string())
        }
        other => SocketError::Other(format!("relay: {other}")),
    }
}
