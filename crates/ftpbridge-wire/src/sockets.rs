//! Virtual sockets named by the caller's own keys, on top of [`ClientMux`]: what a
//! transport needs to look like a socket API. Bytes beyond a stream's credit wait in a
//! queue (bounded by the caller, who asks [`Sockets::can_send`] before producing more);
//! FIN waits until that queue is sent; received bytes are credited back when the caller
//! says it consumed them.

use crate::frame::{CloseReason, StreamId, WireError};
use crate::mux::{ClientMux, MuxEvent};
use core::hash::Hash;
use core::net::SocketAddr;
use std::collections::{HashMap, VecDeque};

/// Queued bytes per socket above which [`Sockets::can_send`] says no.
pub const HIGH_WATER: usize = 1024 * 1024;

/// Something that happened to a socket (`key` is the caller's name for it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SocketEvent<K> {
    /// An open succeeded; `peer` is the address the relay reached.
    Opened { key: K, peer: SocketAddr },
    /// A listener is bound; advertise `address`.
    Listening { key: K, address: SocketAddr },
    /// The FTP server connected to a listener from `peer`.
    Accepted { key: K, peer: SocketAddr },
    /// Bytes received; call [`Sockets::consumed`] once they are delivered.
    Data { key: K, data: Vec<u8> },
    /// `bytes` of what was sent on the socket reached the relay's TCP connection.
    Sent { key: K, bytes: usize },
    /// The peer finished sending.
    Eof { key: K },
    /// The socket failed or could not be opened.
    Reset { key: K, reason: CloseReason },
    /// A socket's queue drained below a quarter of the high-water mark.
    Writable,
    /// The relay ended the whole session (after a `Reset` for every open socket).
    SessionReset { reason: CloseReason },
}

struct Link<K> {
    key: K,
    queue: VecDeque<Vec<u8>>,
    queued: usize,
    fin_after_queue: bool,
    wants_writable: bool,
}

/// Virtual sockets over one relay session.
pub struct Sockets<K> {
    mux: ClientMux,
    streams: HashMap<K, StreamId>,
    links: HashMap<StreamId, Link<K>>,
    events: VecDeque<SocketEvent<K>>,
}

impl<K: Copy + Eq + Hash> Default for Sockets<K> {
    fn default() -> Self {
        Sockets::new()
    }
}

impl<K: Copy + Eq + Hash> Sockets<K> {
    /// No sockets yet.
    pub fn new() -> Sockets<K> {
        Sockets {
            mux: ClientMux::new(),
            streams: HashMap::new(),
            links: HashMap::new(),
            events: VecDeque::new(),
        }
    }

    fn add(&mut self, key: K, stream: StreamId) {
        self.streams.insert(key, stream);
        self.links.insert(
            stream,
            Link { key, queue: VecDeque::new(), queued: 0, fin_after_queue: false, wants_writable: false },
        );
    }

    /// Opens a TCP connection to `host:port` as socket `key`.
    pub fn open(&mut self, key: K, host: &str, port: u16) {
        let stream = self.mux.open(host, port);
        self.add(key, stream);
    }

    /// Listens for one connection from the control server as socket `key`.
    pub fn listen(&mut self, key: K) {
        let stream = self.mux.listen();
        self.add(key, stream);
    }

    /// Queues bytes; they go out as credit allows.
    pub fn send(&mut self, key: K, data: Vec<u8>) {
        let Some(&stream) = self.streams.get(&key) else { return };
        if let Some(link) = self.links.get_mut(&stream) {
            link.queued += data.len();
            link.queue.push_back(data);
        }
        self.pump(stream);
    }

    /// FIN after the queued bytes; receiving goes on.
    pub fn shutdown(&mut self, key: K) {
        let Some(&stream) = self.streams.get(&key) else { return };
        if let Some(link) = self.links.get_mut(&stream) {
            link.fin_after_queue = true;
        }
        self.pump(stream);
    }

    /// Releases the socket: FIN if everything queued went out, else RESET (bytes that
    /// cannot be sent any more are never dropped silently).
    pub fn close(&mut self, key: K) {
        let Some(stream) = self.streams.remove(&key) else { return };
        let drained = self.links.remove(&stream).is_none_or(|l| l.queue.is_empty());
        if drained {
            self.mux.fin(stream);
            // The stream stays in the mux until the relay's FIN; its data is credited
            // and dropped (see `handle_message`).
        } else {
            self.mux.reset(stream, CloseReason::Voluntary);
        }
    }

    /// Aborts the socket.
    pub fn reset(&mut self, key: K) {
        if let Some(stream) = self.streams.remove(&key) {
            self.links.remove(&stream);
            self.mux.reset(stream, CloseReason::Voluntary);
        }
    }

    /// Whether the socket's queue has room; when it does not, `Writable` follows.
    pub fn can_send(&mut self, key: K) -> bool {
        let Some(link) = self.streams.get(&key).and_then(|s| self.links.get_mut(s)) else { return true };
        if link.queued < HIGH_WATER {
            return true;
        }
        link.wants_writable = true;
        false
    }

    /// Bytes of the socket queued and not yet sent.
    pub fn queued(&self, key: K) -> usize {
        self.streams.get(&key).and_then(|s| self.links.get(s)).map_or(0, |l| l.queued)
    }

    /// `n` received bytes of `key` were delivered: the relay may send more.
    pub fn consumed(&mut self, key: K, n: usize) {
        if let Some(&stream) = self.streams.get(&key) {
            self.mux.consumed(stream, n);
        }
    }

    /// Sends a keep-alive PING.
    pub fn ping(&mut self, nonce: u64) {
        self.mux.ping(nonce);
    }

    /// Reads one message from the relay. An error means the relay broke the protocol:
    /// close the WebSocket and call [`Sockets::fail_all`].
    pub fn handle_message(&mut self, message: &[u8]) -> Result<(), WireError> {
        self.mux.handle_message(message)?;
        while let Some(event) = self.mux.poll_event() {
            let key =
                |links: &HashMap<StreamId, Link<K>>, stream: StreamId| links.get(&stream).map(|l| l.key);
            match event {
                MuxEvent::Opened { stream, peer } => {
                    if let Some(key) = key(&self.links, stream) {
                        self.events.push_back(SocketEvent::Opened { key, peer });
                    }
                }
                MuxEvent::Listening { stream, address } => {
                    if let Some(key) = key(&self.links, stream) {
                        self.events.push_back(SocketEvent::Listening { key, address });
                    }
                }
                MuxEvent::Accepted { stream, peer } => {
                    if let Some(key) = key(&self.links, stream) {
                        self.events.push_back(SocketEvent::Accepted { key, peer });
                    }
                }
                MuxEvent::Data { stream, data } => match key(&self.links, stream) {
                    Some(key) => self.events.push_back(SocketEvent::Data { key, data }),
                    // A closed socket's late bytes: credit them so the relay can finish.
                    None => self.mux.consumed(stream, data.len()),
                },
                MuxEvent::Fin { stream } => {
                    if let Some(key) = key(&self.links, stream) {
                        self.events.push_back(SocketEvent::Eof { key });
                    }
                }
                MuxEvent::Reset { stream: 0, reason } => {
                    self.fail_all(reason);
                    self.events.push_back(SocketEvent::SessionReset { reason });
                }
                MuxEvent::Reset { stream, reason } => {
                    if let Some(link) = self.links.remove(&stream) {
                        self.streams.remove(&link.key);
                        self.events.push_back(SocketEvent::Reset { key: link.key, reason });
                    }
                }
                MuxEvent::Credited { stream, bytes } => {
                    if let Some(key) = key(&self.links, stream) {
                        self.events.push_back(SocketEvent::Sent { key, bytes: bytes as usize });
                    }
                }
                MuxEvent::Writable { stream } => self.pump(stream),
                MuxEvent::Hello { .. } | MuxEvent::Pong { .. } => {}
            }
        }
        Ok(())
    }

    /// The session is over (WebSocket closed or broken): every socket fails.
    pub fn fail_all(&mut self, reason: CloseReason) {
        for link in self.links.values() {
            self.events.push_back(SocketEvent::Reset { key: link.key, reason });
        }
        self.streams.clear();
        self.links.clear();
    }

    /// The next message to send to the relay.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.mux.poll_transmit()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<SocketEvent<K>> {
        self.events.pop_front()
    }

    /// Moves queued bytes into the mux as credit allows, then FIN when asked.
    fn pump(&mut self, stream: StreamId) {
        let Some(link) = self.links.get_mut(&stream) else { return };
        while let Some(mut chunk) = link.queue.pop_front() {
            let taken = self.mux.send(stream, &chunk);
            link.queued -= taken;
            if taken < chunk.len() {
                chunk.drain(..taken);
                link.queue.push_front(chunk);
                break;
            }
        }
        if link.queue.is_empty() && link.fin_after_queue {
            link.fin_after_queue = false;
            self.mux.fin(stream);
        }
        if link.wants_writable && link.queued < HIGH_WATER / 4 {
            link.wants_writable = false;
            self.events.push_back(SocketEvent::Writable);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    #[test]
    fn queues_beyond_credit_and_fins_after_the_queue() {
        let mut sockets: Sockets<u8> = Sockets::new();
        sockets.handle_message(&Frame::Hello { version: 1, window: 4, max_payload: 4 }.encode()).unwrap();
        sockets.open(7, "h", 21);
        sockets
            .handle_message(&Frame::Opened { stream: 1, peer: "192.0.2.1:21".parse().unwrap() }.encode())
            .unwrap();
        assert_eq!(
            sockets.poll_event(),
            Some(SocketEvent::Opened { key: 7, peer: "192.0.2.1:21".parse().unwrap() })
        );
        sockets.send(7, b"abcdef".to_vec());
        sockets.shutdown(7);
        let sent: Vec<_> = std::iter::from_fn(|| sockets.poll_transmit()).collect();
        assert_eq!(sent.last().unwrap(), &Frame::Data { stream: 1, payload: b"abcd" }.encode());
        assert_eq!(sockets.queued(7), 2);
        sockets.handle_message(&Frame::Credit { stream: 1, increment: 10 }.encode()).unwrap();
        let sent: Vec<_> = std::iter::from_fn(|| sockets.poll_transmit()).collect();
        assert_eq!(
            sent,
            vec![Frame::Data { stream: 1, payload: b"ef" }.encode(), Frame::Fin { stream: 1 }.encode()]
        );
    }

    #[test]
    fn session_reset_and_fail_all() {
        let mut sockets: Sockets<u8> = Sockets::new();
        sockets.open(1, "h", 21);
        sockets.open(2, "h", 2000);
        sockets.fail_all(CloseReason::NetworkError);
        let mut keys: Vec<u8> = std::iter::from_fn(|| sockets.poll_event())
            .map(|e| match e {
                SocketEvent::Reset { key, .. } => key,
                other => panic!("{other:?}"),
            })
            .collect();
        keys.sort();
        assert_eq!(keys, vec![1, 2]);
    }

    #[test]
    fn a_session_reset_fails_every_socket_first() {
        let mut sockets: Sockets<u8> = Sockets::new();
        sockets.open(1, "h", 21);
        sockets.open(2, "h", 2000);
        let reason = CloseReason::ShuttingDown;
        sockets.handle_message(&Frame::Reset { stream: 0, reason }.encode()).unwrap();
        let events: Vec<_> = std::iter::from_fn(|| sockets.poll_event()).collect();
        assert_eq!(events.len(), 3, "{events:?}");
        assert!(
            events[..2].iter().all(|e| matches!(e, SocketEvent::Reset { reason: r, .. } if *r == reason))
        );
        assert_eq!(events[2], SocketEvent::SessionReset { reason });
        sockets.send(1, b"late".to_vec());
        assert_eq!(sockets.queued(1), 0, "a reset socket takes no bytes");
    }
}
