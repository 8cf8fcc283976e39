//! The relay transport: every engine socket is a virtual stream over one WebSocket to
//! an ftpbridge relay (`--relay ws://host:port/ws`), through the wire crate's
//! [`Sockets`].
//!
//! One task reads WebSocket messages into a small bounded channel and one writes
//! frames out; the socket table lives here, on the client's loop. Credit for received
//! bytes goes back to the relay only when the client asks for the next event, that is
//! once the previous bytes were written out, so a slow disk slows the relay and the
//! relay slows the FTP server.

use crate::transport::{Transport, TransportEvent};
use ftpbridge_driver::relay::{self, RelayEvent};
use ftpbridge_engine::{Host, Purpose, SocketId};
use ftpbridge_wire::{CloseReason, SUBPROTOCOL, SocketEvent, Sockets};
use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Bytes;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Virtual sockets through a relay.
pub struct RelayTransport {
    sockets: Sockets<SocketId>,
    outgoing: mpsc::UnboundedSender<Message>,
    /// Messages from the relay, or why the WebSocket ended (the error's finer code first).
    incoming: mpsc::Receiver<Result<Bytes, Gone>>,
    events: VecDeque<TransportEvent>,
    /// Received bytes handed out but not yet credited back.
    unconsumed: Option<(SocketId, usize)>,
    /// Why the WebSocket ended, once it did.
    closed: Option<Gone>,
    /// Sends what is queued, then the WebSocket close.
    writer: Option<JoinHandle<()>>,
    reader: JoinHandle<()>,
}

/// Why the relay connection ended: the error's finer code and the words for it.
type Gone = (&'static str, String);

/// How many times a relay's "too many sessions" (429) is waited out before it is the
/// answer, and the longest single wait it may ask for.
const BUSY_RETRIES: u32 = 5;
const BUSY_WAIT_LIMIT: Duration = Duration::from_secs(10);

/// Opens the WebSocket; a relay that answers 429 (this client opened sessions faster
/// than its per-client rate) is asked again after the `Retry-After` it gave, a few
/// times, so that a script running the CLI in a loop slows down instead of failing.
async fn connect_patiently(
    url: &str,
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, String> {
    let mut attempt = 0;
    loop {
        match tokio_tungstenite::connect_async(request.clone()).await {
            Ok((socket, _response)) => return Ok(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response))
                if response.status().as_u16() == 429 && attempt < BUSY_RETRIES =>
            {
                attempt += 1;
                let wait = response
                    .headers()
                    .get("Retry-After")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(1), Duration::from_secs)
                    .clamp(Duration::from_millis(100), BUSY_WAIT_LIMIT);
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(format!("cannot connect to the relay at {url}: {e}")),
        }
    }
}

impl RelayTransport {
    /// Opens the WebSocket to the relay at `url` (`ws://` or `wss://`).
    pub async fn connect(url: &str) -> Result<RelayTransport, String> {
        let mut request =
            url.into_client_request().map_err(|e| format!("{url:?} is not a relay URL: {e}"))?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
        // The relay's own origin, as its web app would send: a relay that lets pages
        // reach private networks requires one it knows.
        if let Some(origin) = own_origin(url).and_then(|o| HeaderValue::from_str(&o).ok()) {
            request.headers_mut().insert("Origin", origin);
        }
        let socket = connect_patiently(url, request).await?;
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
                    Ok(Message::Binary(bytes)) => Ok(bytes),
                    Ok(Message::Close(frame)) => {
                        let code = frame.as_ref().map(|f| u16::from(f.code));
                        let reason = frame
                            .map(|f| format!("({} {})", u16::from(f.code), f.reason))
                            .unwrap_or_default();
                        let why = format!("the relay closed the session {reason}").trim_end().to_string();
                        Err((relay::close_code_detail(code), why))
                    }
                    Ok(Message::Text(_)) => {
                        Err(("relay_protocol", "the relay sent a text message".to_string()))
                    }
                    Ok(_) => continue, // ping/pong are answered by tungstenite
                    Err(e) => Err(("relay_lost", format!("the relay connection failed: {e}"))),
                };
                let last = item.is_err();
                if deliver.send(item).await.is_err() || last {
                    return;
                }
            }
            let _ = deliver.send(Err(("relay_lost", "the relay closed the connection".to_string()))).await;
        });
        Ok(RelayTransport {
            sockets: Sockets::new(),
            outgoing,
            incoming,
            events: VecDeque::new(),
            unconsumed: None,
            closed: None,
            writer: Some(writer),
            reader,
        })
    }

    /// Sends what the socket table has queued for the relay.
    fn flush(&mut self) {
        while let Some(frame) = self.sockets.poll_transmit() {
            let _ = self.outgoing.send(Message::Binary(frame.into()));
        }
    }

    /// Translates socket events into transport events.
    fn absorb(&mut self) {
        while let Some(event) = self.sockets.poll_event() {
            let event = match relay::translate(event) {
                RelayEvent::Input(input) => input,
                RelayEvent::SessionReset(reason) => {
                    let why = format!("the relay ended the session: {reason}");
                    self.closed = Some((relay::session_reset_detail(reason), why));
                    continue;
                }
            };
            self.events.push_back(event);
        }
        self.flush();
    }

    /// The WebSocket is gone: every socket fails with `gone`.
    fn fail_all(&mut self, gone: Gone) {
        self.sockets.fail_all(CloseReason::NetworkError);
        while let Some(event) = self.sockets.poll_event() {
            if let SocketEvent::Reset { key, .. } = event {
                let error = relay::relay_gone(gone.0, gone.1.clone());
                self.events.push_back(TransportEvent::Error { socket: key, error });
            }
        }
        self.closed = Some(gone);
    }

    fn refuse_if_closed(&mut self, socket: SocketId) -> bool {
        match self.closed.clone() {
            Some((detail, why)) => {
                self.events
                    .push_back(TransportEvent::Error { socket, error: relay::relay_gone(detail, why) });
                true
            }
            None => false,
        }
    }
}

impl Drop for RelayTransport {
    fn drop(&mut self) {
        self.reader.abort();
        if let Some(writer) = &self.writer {
            writer.abort();
        }
    }
}

impl Transport for RelayTransport {
    fn connect(&mut self, socket: SocketId, host: Host, port: u16, _purpose: Purpose) {
        if !self.refuse_if_closed(socket) {
            self.sockets.open(socket, &host.to_string(), port);
            self.flush();
        }
    }

    fn listen(&mut self, socket: SocketId, _peer: Option<IpAddr>) {
        // The relay itself admits only the control connection's server.
        if !self.refuse_if_closed(socket) {
            self.sockets.listen(socket);
            self.flush();
        }
    }

    fn send(&mut self, socket: SocketId, data: Vec<u8>) {
        self.sockets.send(socket, data);
        self.absorb();
    }

    fn shutdown(&mut self, socket: SocketId) {
        self.sockets.shutdown(socket);
        self.absorb();
    }

    fn close(&mut self, socket: SocketId) {
        self.sockets.close(socket);
        self.flush();
    }

    fn reset(&mut self, socket: SocketId) {
        self.sockets.reset(socket);
        self.flush();
    }

    fn can_send(&mut self, socket: SocketId) -> bool {
        self.sockets.can_send(socket)
    }

    async fn finish(&mut self) {
        // Close the WebSocket with a close frame after what is queued (bounded wait).
        let _ = self.outgoing.send(Message::Close(None));
        let (replacement, _) = mpsc::unbounded_channel();
        drop(std::mem::replace(&mut self.outgoing, replacement));
        if let Some(writer) = self.writer.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
        }
    }

    async fn next_event(&mut self) -> TransportEvent {
        // The bytes handed out last time have been written out by now: credit them.
        if let Some((socket, n)) = self.unconsumed.take() {
            self.sockets.consumed(socket, n);
            self.flush();
        }
        loop {
            if let Some(event) = self.events.pop_front() {
                if let TransportEvent::Data { socket, data } = &event {
                    self.unconsumed = Some((*socket, data.len()));
                }
                return event;
            }
            if let Some(why) = self.closed.clone() {
                self.fail_all(why);
                if self.events.is_empty() {
                    std::future::pending::<()>().await;
                }
                continue;
            }
            match self.incoming.recv().await {
                Some(Ok(message)) => {
                    if let Err(error) = self.sockets.handle_message(&message) {
                        let _ = self.outgoing.send(Message::Close(None));
                        self.fail_all(("relay_protocol", format!("the relay broke the protocol: {error}")));
                    }
                    self.absorb();
                }
                Some(Err(why)) => self.fail_all(why),
                None => self.fail_all(("relay_lost", "the relay connection ended".to_string())),
            }
        }
    }
}

/// `http(s)://host:port` of a `ws(s)://host:port/...` relay URL.
fn own_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" => "http",
        "wss" => "https",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().filter(|a| !a.is_empty())?;
    Some(format!("{scheme}://{authority}"))
}
