//! The client's side of a session: numbered streams, their credits both ways and
//! their half-closes, as a sans-IO state machine. The CLI's relay transport and the
//! browser's WebSocket both drive it.
//!
//! Feed it every WebSocket message ([`ClientMux::handle_message`]); send every message
//! [`ClientMux::poll_transmit`] yields; read what happened from
//! [`ClientMux::poll_event`].

use crate::frame::{CloseReason, Frame, StreamId, VERSION, WireError};
use core::net::SocketAddr;
use std::collections::{BTreeMap, VecDeque};

/// The window assumed until HELLO says otherwise.
pub const DEFAULT_WINDOW: u32 = 256 * 1024;
/// The largest DATA payload assumed until HELLO says otherwise.
pub const DEFAULT_MAX_PAYLOAD: u32 = 64 * 1024;

/// Something that happened on the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MuxEvent {
    /// The relay's greeting: its window and largest payload.
    Hello {
        /// Bytes each side may send per stream before credit returns.
        window: u32,
        /// The largest DATA payload.
        max_payload: u32,
    },
    /// An OPEN succeeded.
    Opened {
        /// The stream.
        stream: StreamId,
        /// The address reached.
        peer: SocketAddr,
    },
    /// A LISTEN is bound; advertise `address`.
    Listening {
        /// The stream.
        stream: StreamId,
        /// The relay's public address and port.
        address: SocketAddr,
    },
    /// The FTP server connected to a listener.
    Accepted {
        /// The stream.
        stream: StreamId,
        /// Where it came from.
        peer: SocketAddr,
    },
    /// Bytes received. Call [`ClientMux::consumed`] once they are delivered, so the
    /// relay may send more.
    Data {
        /// The stream.
        stream: StreamId,
        /// The bytes.
        data: Vec<u8>,
    },
    /// The relay will send no more on this stream (the TCP peer closed its side).
    Fin {
        /// The stream.
        stream: StreamId,
    },
    /// The stream was aborted, or could not be opened. Stream 0: the whole session.
    Reset {
        /// The stream.
        stream: StreamId,
        /// Why.
        reason: CloseReason,
    },
    /// The relay returned `bytes` of credit: it passed that many of our bytes on.
    Credited {
        /// The stream.
        stream: StreamId,
        /// How many.
        bytes: u32,
    },
    /// Credit arrived for a stream whose window was used up: sending may go on.
    Writable {
        /// The stream.
        stream: StreamId,
    },
    /// A keep-alive answer.
    Pong {
        /// The nonce of the PING.
        nonce: u64,
    },
}

struct Stream {
    /// Bytes we may still send.
    send_credit: u64,
    /// Bytes the relay may still send us.
    receive_allowance: u64,
    /// Bytes delivered but not yet credited back.
    unacknowledged: u32,
    /// We sent FIN.
    local_fin: bool,
    /// The relay sent FIN.
    remote_fin: bool,
    /// We asked for `Writable` when credit returns.
    blocked: bool,
}

/// The client side of a session.
pub struct ClientMux {
    window: u32,
    max_payload: u32,
    hello: bool,
    next_stream: StreamId,
    streams: BTreeMap<StreamId, Stream>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<MuxEvent>,
}

impl Default for ClientMux {
    fn default() -> Self {
        ClientMux::new()
    }
}

impl ClientMux {
    /// A session with no streams.
    pub fn new() -> ClientMux {
        ClientMux {
            window: DEFAULT_WINDOW,
            max_payload: DEFAULT_MAX_PAYLOAD,
            hello: false,
            next_stream: 1,
            streams: BTreeMap::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Whether the relay's HELLO arrived.
    pub fn has_hello(&self) -> bool {
        self.hello
    }

    fn new_stream(&mut self) -> StreamId {
        let id = self.next_stream;
        self.next_stream = self.next_stream.wrapping_add(1).max(1);
        let window = u64::from(self.window);
        self.streams.insert(
            id,
            Stream {
                send_credit: window,
                receive_allowance: window,
                unacknowledged: 0,
                local_fin: false,
                remote_fin: false,
                blocked: false,
            },
        );
        id
    }

    fn push(&mut self, frame: Frame) {
        self.transmit.push_back(frame.encode());
    }

    /// Opens a TCP connection through the relay.
    pub fn open(&mut self, host: &str, port: u16) -> StreamId {
        let stream = self.new_stream();
        self.push(Frame::Open { stream, host, port });
        stream
    }

    /// Asks the relay to listen for one connection from the control server.
    pub fn listen(&mut self) -> StreamId {
        let stream = self.new_stream();
        self.push(Frame::Listen { stream });
        stream
    }

    /// How many bytes [`ClientMux::send`] would take now.
    pub fn send_capacity(&self, stream: StreamId) -> usize {
        self.streams
            .get(&stream)
            .filter(|s| !s.local_fin)
            .map_or(0, |s| usize::try_from(s.send_credit).unwrap_or(usize::MAX))
    }

    /// Sends as much of `data` as the stream's credit allows, in frames of at most
    /// the relay's largest payload; returns how many bytes were taken. When it is
    /// less than `data.len()`, a [`MuxEvent::Writable`] follows once credit returns.
    pub fn send(&mut self, stream: StreamId, data: &[u8]) -> usize {
        let max_payload = self.max_payload.max(1) as usize;
        let Some(state) = self.streams.get_mut(&stream).filter(|s| !s.local_fin) else { return 0 };
        let allowed = data.len().min(usize::try_from(state.send_credit).unwrap_or(usize::MAX));
        state.send_credit -= allowed as u64;
        if allowed < data.len() {
            state.blocked = true;
        }
        for chunk in data[..allowed].chunks(max_payload) {
            self.transmit.push_back(Frame::Data { stream, payload: chunk }.encode());
        }
        allowed
    }

    /// No more data on this stream from us; the relay keeps delivering what it gets.
    pub fn fin(&mut self, stream: StreamId) {
        let Some(state) = self.streams.get_mut(&stream) else { return };
        if state.local_fin {
            return;
        }
        state.local_fin = true;
        let done = state.remote_fin;
        self.push(Frame::Fin { stream });
        if done {
            self.streams.remove(&stream);
        }
    }

    /// Aborts a stream.
    pub fn reset(&mut self, stream: StreamId, reason: CloseReason) {
        if self.streams.remove(&stream).is_some() {
            self.push(Frame::Reset { stream, reason });
        }
    }

    /// `n` received bytes of `stream` were delivered: credit goes back to the relay
    /// once a quarter of the window has been used.
    pub fn consumed(&mut self, stream: StreamId, n: usize) {
        let threshold = (self.window / 8).max(1);
        let Some(state) = self.streams.get_mut(&stream) else { return };
        state.unacknowledged = state.unacknowledged.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        if state.unacknowledged >= threshold && !state.remote_fin {
            let increment = std::mem::take(&mut state.unacknowledged);
            state.receive_allowance += u64::from(increment);
            self.push(Frame::Credit { stream, increment });
        }
    }

    /// Sends a keep-alive.
    pub fn ping(&mut self, nonce: u64) {
        self.push(Frame::Ping { nonce });
    }

    /// Reads one WebSocket message from the relay. An error means the relay broke the
    /// protocol: close the WebSocket.
    pub fn handle_message(&mut self, message: &[u8]) -> Result<(), WireError> {
        let frame = Frame::decode(message)?;
        match frame {
            Frame::Hello { version, window, max_payload } => {
                if version != VERSION {
                    return Err(WireError::UnknownType(version));
                }
                // Streams opened before HELLO used the defaults; adjust them.
                let grow = i64::from(window) - i64::from(self.window);
                for state in self.streams.values_mut() {
                    state.send_credit = state.send_credit.saturating_add_signed(grow);
                    state.receive_allowance = state.receive_allowance.saturating_add_signed(grow);
                }
                self.window = window.max(1);
                self.max_payload = max_payload.max(1);
                self.hello = true;
                self.events.push_back(MuxEvent::Hello { window, max_payload });
            }
            Frame::Opened { stream, peer } if self.streams.contains_key(&stream) => {
                self.events.push_back(MuxEvent::Opened { stream, peer });
            }
            Frame::Listening { stream, address } if self.streams.contains_key(&stream) => {
                self.events.push_back(MuxEvent::Listening { stream, address });
            }
            Frame::Accepted { stream, peer } if self.streams.contains_key(&stream) => {
                self.events.push_back(MuxEvent::Accepted { stream, peer });
            }
            Frame::Data { stream, payload } => {
                let Some(state) = self.streams.get_mut(&stream) else { return Ok(()) };
                if state.remote_fin || payload.len() as u64 > state.receive_allowance {
                    // Over its credit (or after FIN): the relay broke the protocol.
                    self.reset(stream, CloseReason::ProtocolError);
                    self.events.push_back(MuxEvent::Reset { stream, reason: CloseReason::ProtocolError });
                    return Ok(());
                }
                state.receive_allowance -= payload.len() as u64;
                if !payload.is_empty() {
                    self.events.push_back(MuxEvent::Data { stream, data: payload.to_vec() });
                }
            }
            Frame::Credit { stream, increment } => {
                let Some(state) = self.streams.get_mut(&stream) else { return Ok(()) };
                state.send_credit = state.send_credit.saturating_add(u64::from(increment));
                if increment > 0 {
                    self.events.push_back(MuxEvent::Credited { stream, bytes: increment });
                }
                if state.blocked && state.send_credit > 0 {
                    state.blocked = false;
                    self.events.push_back(MuxEvent::Writable { stream });
                }
            }
            Frame::Fin { stream } => {
                let Some(state) = self.streams.get_mut(&stream) else { return Ok(()) };
                state.remote_fin = true;
                if state.local_fin {
                    self.streams.remove(&stream);
                }
                self.events.push_back(MuxEvent::Fin { stream });
            }
            Frame::Reset { stream: 0, reason } => {
                self.streams.clear();
                self.events.push_back(MuxEvent::Reset { stream: 0, reason });
            }
            Frame::Reset { stream, reason } => {
                if self.streams.remove(&stream).is_some() {
                    self.events.push_back(MuxEvent::Reset { stream, reason });
                }
            }
            Frame::Ping { nonce } => self.push(Frame::Pong { nonce }),
            Frame::Pong { nonce } => self.events.push_back(MuxEvent::Pong { nonce }),
            // Frames for streams we no longer know (reset by us) are dropped.
            Frame::Opened { .. } | Frame::Listening { .. } | Frame::Accepted { .. } => {}
            // Only a client opens or listens.
            Frame::Open { .. } | Frame::Listen { .. } => return Err(WireError::WrongStream),
        }
        Ok(())
    }

    /// The next message to send to the relay.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<MuxEvent> {
        self.events.pop_front()
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        self.streams.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(mux: &mut ClientMux) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| mux.poll_transmit()).collect()
    }

    fn relay(frame: Frame) -> Vec<u8> {
        frame.encode()
    }

    #[test]
    fn open_data_credit_fin() {
        let mut mux = ClientMux::new();
        mux.handle_message(&relay(Frame::Hello { version: 1, window: 10, max_payload: 4 })).unwrap();
        let s = mux.open("ftp.example.com", 21);
        assert_eq!(
            frames(&mut mux),
            vec![Frame::Open { stream: s, host: "ftp.example.com", port: 21 }.encode()]
        );
        mux.handle_message(&relay(Frame::Opened { stream: s, peer: "192.0.2.1:21".parse().unwrap() }))
            .unwrap();

        // Sending stops at the credit and splits at the largest payload.
        assert_eq!(mux.send(s, b"0123456789abc"), 10);
        let sent = frames(&mut mux);
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[0], Frame::Data { stream: s, payload: b"0123" }.encode());
        assert_eq!(mux.send_capacity(s), 0);
        mux.handle_message(&relay(Frame::Credit { stream: s, increment: 5 })).unwrap();
        let events: Vec<_> = std::iter::from_fn(|| mux.poll_event()).collect();
        assert!(events.contains(&MuxEvent::Writable { stream: s }));
        assert_eq!(mux.send_capacity(s), 5);

        // Receiving: credit goes back after a quarter of the window is consumed.
        mux.handle_message(&relay(Frame::Data { stream: s, payload: b"abc" })).unwrap();
        mux.consumed(s, 3);
        assert_eq!(frames(&mut mux), vec![Frame::Credit { stream: s, increment: 3 }.encode()]);

        // Half-close: after our FIN the relay still delivers.
        mux.fin(s);
        assert_eq!(frames(&mut mux), vec![Frame::Fin { stream: s }.encode()]);
        assert_eq!(mux.send(s, b"x"), 0);
        mux.handle_message(&relay(Frame::Data { stream: s, payload: b"ticket" })).unwrap();
        mux.handle_message(&relay(Frame::Fin { stream: s })).unwrap();
        assert_eq!(mux.open_streams(), 0);
    }

    #[test]
    fn relay_over_its_credit_resets_the_stream() {
        let mut mux = ClientMux::new();
        mux.handle_message(&relay(Frame::Hello { version: 1, window: 4, max_payload: 4 })).unwrap();
        let s = mux.open("h", 21);
        frames(&mut mux);
        mux.handle_message(&relay(Frame::Data { stream: s, payload: b"1234" })).unwrap();
        mux.handle_message(&relay(Frame::Data { stream: s, payload: b"5" })).unwrap();
        assert_eq!(
            frames(&mut mux),
            vec![Frame::Reset { stream: s, reason: CloseReason::ProtocolError }.encode()]
        );
        let events: Vec<_> = std::iter::from_fn(|| mux.poll_event()).collect();
        assert!(events.contains(&MuxEvent::Reset { stream: s, reason: CloseReason::ProtocolError }));
    }

    #[test]
    fn pings_are_answered_and_session_reset_clears() {
        let mut mux = ClientMux::new();
        mux.handle_message(&relay(Frame::Ping { nonce: 9 })).unwrap();
        assert_eq!(frames(&mut mux), vec![Frame::Pong { nonce: 9 }.encode()]);
        let s = mux.open("h", 21);
        mux.handle_message(&relay(Frame::Reset { stream: 0, reason: CloseReason::ShuttingDown })).unwrap();
        assert_eq!(mux.open_streams(), 0);
        assert_eq!(mux.send(s, b"x"), 0);
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        let mut mux = ClientMux::new();
        assert!(mux.handle_message(&[0xff]).is_err());
        assert!(mux.handle_message(&relay(Frame::Open { stream: 1, host: "h", port: 1 })).is_err());
        // Frames for unknown streams are ignored.
        mux.handle_message(&relay(Frame::Data { stream: 77, payload: b"x" })).unwrap();
        assert_eq!(mux.poll_event(), None);
    }
}
