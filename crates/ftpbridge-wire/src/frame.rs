//! Frames: `u8 type | u32 stream id (little-endian) | payload`, one per binary
//! WebSocket message. See the crate README for the specification.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A stream id. Stream 0 carries session-level frames (HELLO, PING, PONG, RESET of
/// the whole session); the client numbers its streams from 1.
pub type StreamId = u32;

/// The header's size: type and stream id.
pub const HEADER_LEN: usize = 5;
/// The protocol version in HELLO.
pub const VERSION: u8 = 1;
/// The WebSocket subprotocol that selects this protocol.
pub const SUBPROTOCOL: &str = "ftpbridge.v1";
/// The longest host name an OPEN may carry.
pub const MAX_HOST_LEN: usize = 253;

/// Why a stream (or, on stream 0, the session) was closed abortively.
///
/// Values shared with Wisp v1 keep Wisp's numbers; the rest are ftpbridge's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// No reason given, or one this version does not know (`0x01`, Wisp "unknown").
    Unknown,
    /// The sender chose to close: a client abort (`0x02`, Wisp "voluntary").
    Voluntary,
    /// The network failed in another way (`0x03`, Wisp "network error").
    NetworkError,
    /// The OPEN could not be read: bad host or port (`0x41`, Wisp "invalid info").
    InvalidInfo,
    /// No route to the destination, or its name did not resolve (`0x42`).
    Unreachable,
    /// The destination did not answer in time (`0x43`).
    TimedOut,
    /// The destination refused the connection (`0x44`).
    Refused,
    /// The TCP connection was reset by the peer (`0x47`, Wisp "TCP error").
    ConnectionReset,
    /// The relay's policy does not allow this destination (`0x48`).
    Blocked,
    /// A limit was reached: sessions, streams, memory (`0x49`, Wisp "throttled").
    LimitReached,
    /// A data connection to another address than the control connection's server, or
    /// a connection to an active-mode listener from a third party (`0x50`).
    DataPeerMismatch,
    /// Nobody connected to an active-mode listener in time (`0x51`).
    ListenTimedOut,
    /// The peer broke this protocol: credit exceeded, bad frame, unknown stream (`0x52`).
    ProtocolError,
    /// The relay is shutting down (`0x53`).
    ShuttingDown,
    /// Nothing moved on the stream or session for too long (`0x54`).
    IdleTimeout,
}

impl CloseReason {
    /// The reason's byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            CloseReason::Unknown => 0x01,
            CloseReason::Voluntary => 0x02,
            CloseReason::NetworkError => 0x03,
            CloseReason::InvalidInfo => 0x41,
            CloseReason::Unreachable => 0x42,
            CloseReason::TimedOut => 0x43,
            CloseReason::Refused => 0x44,
            CloseReason::ConnectionReset => 0x47,
            CloseReason::Blocked => 0x48,
            CloseReason::LimitReached => 0x49,
            CloseReason::DataPeerMismatch => 0x50,
            CloseReason::ListenTimedOut => 0x51,
            CloseReason::ProtocolError => 0x52,
            CloseReason::ShuttingDown => 0x53,
            CloseReason::IdleTimeout => 0x54,
        }
    }

    /// The reason a byte stands for; unknown values read as [`CloseReason::Unknown`].
    pub fn from_byte(byte: u8) -> CloseReason {
        match byte {
            0x02 => CloseReason::Voluntary,
            0x03 => CloseReason::NetworkError,
            0x41 => CloseReason::InvalidInfo,
            0x42 => CloseReason::Unreachable,
            0x43 => CloseReason::TimedOut,
            0x44 => CloseReason::Refused,
            0x47 => CloseReason::ConnectionReset,
            0x48 => CloseReason::Blocked,
            0x49 => CloseReason::LimitReached,
            0x50 => CloseReason::DataPeerMismatch,
            0x51 => CloseReason::ListenTimedOut,
            0x52 => CloseReason::ProtocolError,
            0x53 => CloseReason::ShuttingDown,
            0x54 => CloseReason::IdleTimeout,
            _ => CloseReason::Unknown,
        }
    }

    /// A stable snake_case name, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Unknown => "unknown",
            CloseReason::Voluntary => "voluntary",
            CloseReason::NetworkError => "network_error",
            CloseReason::InvalidInfo => "invalid_info",
            CloseReason::Unreachable => "unreachable",
            CloseReason::TimedOut => "timed_out",
            CloseReason::Refused => "refused",
            CloseReason::ConnectionReset => "connection_reset",
            CloseReason::Blocked => "blocked",
            CloseReason::LimitReached => "limit_reached",
            CloseReason::DataPeerMismatch => "data_peer_mismatch",
            CloseReason::ListenTimedOut => "listen_timed_out",
            CloseReason::ProtocolError => "protocol_error",
            CloseReason::ShuttingDown => "shutting_down",
            CloseReason::IdleTimeout => "idle_timeout",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CloseReason::Unknown => "closed for an unknown reason",
            CloseReason::Voluntary => "closed by the peer",
            CloseReason::NetworkError => "network error",
            CloseReason::InvalidInfo => "invalid destination",
            CloseReason::Unreachable => "destination unreachable",
            CloseReason::TimedOut => "connection timed out",
            CloseReason::Refused => "connection refused",
            CloseReason::ConnectionReset => "connection reset",
            CloseReason::Blocked => "blocked by the relay's policy",
            CloseReason::LimitReached => "a relay limit was reached",
            CloseReason::DataPeerMismatch => {
                "data connection to or from another host than the control server"
            }
            CloseReason::ListenTimedOut => "nobody connected to the listener in time",
            CloseReason::ProtocolError => "protocol error",
            CloseReason::ShuttingDown => "the relay is shutting down",
            CloseReason::IdleTimeout => "idle for too long",
        })
    }
}

/// One frame, borrowing its payload from the message it was read from. Each variant's
/// doc describes its fields; the README gives their byte layout.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Frame<'a> {
    /// Client → relay: open a TCP connection to `host:port`.
    Open { stream: StreamId, host: &'a str, port: u16 },
    /// Client → relay: listen for one connection from the control connection's server.
    Listen { stream: StreamId },
    /// Relay → client: the connection is open; `peer` is the address reached.
    Opened { stream: StreamId, peer: SocketAddr },
    /// Relay → client: the listener is bound; advertise `address` to the FTP server.
    Listening { stream: StreamId, address: SocketAddr },
    /// Relay → client: the FTP server connected to the listener from `peer`.
    Accepted { stream: StreamId, peer: SocketAddr },
    /// Bytes of a stream, either way.
    Data { stream: StreamId, payload: &'a [u8] },
    /// The sender may send `increment` more bytes of DATA on this stream.
    Credit { stream: StreamId, increment: u32 },
    /// The sender will send no more DATA on this stream (graceful half-close).
    Fin { stream: StreamId },
    /// Abort the stream at once (stream 0: the whole session).
    Reset { stream: StreamId, reason: CloseReason },
    /// Relay → client, first frame: protocol version, per-stream window, largest payload.
    Hello { version: u8, window: u32, max_payload: u32 },
    /// Keep-alive request, either way.
    Ping { nonce: u64 },
    /// Keep-alive answer with the request's nonce.
    Pong { nonce: u64 },
}

const OPEN: u8 = 0x01;
const DATA: u8 = 0x02;
const CREDIT: u8 = 0x03;
const RESET: u8 = 0x04;
const FIN: u8 = 0x05;
const OPENED: u8 = 0x06;
const LISTEN: u8 = 0x07;
const LISTENING: u8 = 0x08;
const ACCEPTED: u8 = 0x09;
const PING: u8 = 0x0a;
const PONG: u8 = 0x0b;
const HELLO: u8 = 0x0c;
/// The stream type of OPEN: TCP (Wisp's value).
const STREAM_TCP: u8 = 0x01;

/// Why a message is not a valid frame.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Shorter than its type needs.
    Truncated,
    /// Longer than its type allows.
    TrailingBytes,
    /// A type this version does not know.
    UnknownType(u8),
    /// A session-level frame on a stream, or a stream frame on stream 0.
    WrongStream,
    /// An OPEN for a stream type other than TCP.
    UnsupportedStreamType(u8),
    /// A host that is empty, too long, or not printable ASCII/UTF-8.
    BadHost,
    /// Port 0 in an OPEN, or an address family other than 4 or 6.
    BadAddress,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated => f.write_str("frame too short"),
            WireError::TrailingBytes => f.write_str("frame has trailing bytes"),
            WireError::UnknownType(t) => write!(f, "unknown frame type 0x{t:02x}"),
            WireError::WrongStream => f.write_str("frame on the wrong stream"),
            WireError::UnsupportedStreamType(t) => write!(f, "unsupported stream type 0x{t:02x}"),
            WireError::BadHost => f.write_str("invalid host"),
            WireError::BadAddress => f.write_str("invalid address"),
        }
    }
}

impl std::error::Error for WireError {}

/// What a message's header says, whether or not the rest decodes: for a receiver that
/// must answer a frame it cannot read (reset just the stream of an unreadable OPEN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The type byte.
    pub kind: u8,
    /// The stream id.
    pub stream: StreamId,
}

impl Header {
    /// The header of `message`, if it has one.
    pub fn peek(message: &[u8]) -> Option<Header> {
        let (&kind, rest) = message.split_first()?;
        let id = rest.first_chunk::<4>()?;
        Some(Header { kind, stream: u32::from_le_bytes(*id) })
    }

    /// Whether the frame is an OPEN.
    pub fn is_open(&self) -> bool {
        self.kind == OPEN
    }
}

/// Where a DATA frame's payload lies in its message: `HEADER_LEN..`. A receiver that
/// keeps the message's buffer can slice the payload out without copying.
pub const DATA_PAYLOAD: core::ops::RangeFrom<usize> = HEADER_LEN..;

impl<'a> Frame<'a> {
    /// The frame's stream (0 for session-level frames).
    pub fn stream(&self) -> StreamId {
        match *self {
            Frame::Open { stream, .. }
            | Frame::Listen { stream }
            | Frame::Opened { stream, .. }
            | Frame::Listening { stream, .. }
            | Frame::Accepted { stream, .. }
            | Frame::Data { stream, .. }
            | Frame::Credit { stream, .. }
            | Frame::Fin { stream }
            | Frame::Reset { stream, .. } => stream,
            Frame::Hello { .. } | Frame::Ping { .. } | Frame::Pong { .. } => 0,
        }
    }

    /// Reads one frame from a whole WebSocket message.
    pub fn decode(message: &'a [u8]) -> Result<Frame<'a>, WireError> {
        let (&kind, rest) = message.split_first().ok_or(WireError::Truncated)?;
        let (id, payload) = rest.split_first_chunk::<4>().ok_or(WireError::Truncated)?;
        let stream = u32::from_le_bytes(*id);
        let session_level = matches!(kind, HELLO | PING | PONG);
        if session_level != (stream == 0) && kind != RESET {
            return Err(WireError::WrongStream);
        }
        let exact = |len: usize| {
            if payload.len() < len {
                Err(WireError::Truncated)
            } else if payload.len() > len {
                Err(WireError::TrailingBytes)
            } else {
                Ok(())
            }
        };
        Ok(match kind {
            OPEN => {
                let (&stream_type, rest) = payload.split_first().ok_or(WireError::Truncated)?;
                if stream_type != STREAM_TCP {
                    return Err(WireError::UnsupportedStreamType(stream_type));
                }
                let (port, host) = rest.split_first_chunk::<2>().ok_or(WireError::Truncated)?;
                let port = u16::from_le_bytes(*port);
                if port == 0 {
                    return Err(WireError::BadAddress);
                }
                let host = core::str::from_utf8(host).map_err(|_| WireError::BadHost)?;
                if host.is_empty()
                    || host.len() > MAX_HOST_LEN
                    || host.chars().any(|c| c.is_control() || c.is_whitespace())
                {
                    return Err(WireError::BadHost);
                }
                Frame::Open { stream, host, port }
            }
            LISTEN => {
                exact(0)?;
                Frame::Listen { stream }
            }
            OPENED | LISTENING | ACCEPTED => {
                let address = decode_address(payload)?;
                match kind {
                    OPENED => Frame::Opened { stream, peer: address },
                    LISTENING => Frame::Listening { stream, address },
                    _ => Frame::Accepted { stream, peer: address },
                }
            }
            DATA => Frame::Data { stream, payload },
            CREDIT => {
                exact(4)?;
                let increment = u32::from_le_bytes(payload.try_into().map_err(|_| WireError::Truncated)?);
                Frame::Credit { stream, increment }
            }
            FIN => {
                exact(0)?;
                Frame::Fin { stream }
            }
            RESET => {
                exact(1)?;
                Frame::Reset { stream, reason: CloseReason::from_byte(payload[0]) }
            }
            HELLO => {
                exact(9)?;
                let window = u32::from_le_bytes([payload[1], payload[2], payload[3], payload[4]]);
                let max_payload = u32::from_le_bytes([payload[5], payload[6], payload[7], payload[8]]);
                Frame::Hello { version: payload[0], window, max_payload }
            }
            PING | PONG => {
                exact(8)?;
                let nonce = u64::from_le_bytes(payload.try_into().map_err(|_| WireError::Truncated)?);
                if kind == PING { Frame::Ping { nonce } } else { Frame::Pong { nonce } }
            }
            other => return Err(WireError::UnknownType(other)),
        })
    }

    /// Writes the frame as one WebSocket message.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload_len());
        self.encode_into(&mut out);
        out
    }

    /// Appends the frame's bytes to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let kind = match self {
            Frame::Open { .. } => OPEN,
            Frame::Listen { .. } => LISTEN,
            Frame::Opened { .. } => OPENED,
            Frame::Listening { .. } => LISTENING,
            Frame::Accepted { .. } => ACCEPTED,
            Frame::Data { .. } => DATA,
            Frame::Credit { .. } => CREDIT,
            Frame::Fin { .. } => FIN,
            Frame::Reset { .. } => RESET,
            Frame::Hello { .. } => HELLO,
            Frame::Ping { .. } => PING,
            Frame::Pong { .. } => PONG,
        };
        out.push(kind);
        out.extend_from_slice(&self.stream().to_le_bytes());
        match self {
            Frame::Open { host, port, .. } => {
                out.push(STREAM_TCP);
                out.extend_from_slice(&port.to_le_bytes());
                out.extend_from_slice(host.as_bytes());
            }
            Frame::Listen { .. } | Frame::Fin { .. } => {}
            Frame::Opened { peer: address, .. }
            | Frame::Listening { address, .. }
            | Frame::Accepted { peer: address, .. } => encode_address(*address, out),
            Frame::Data { payload, .. } => out.extend_from_slice(payload),
            Frame::Credit { increment, .. } => out.extend_from_slice(&increment.to_le_bytes()),
            Frame::Reset { reason, .. } => out.push(reason.to_byte()),
            Frame::Hello { version, window, max_payload } => {
                out.push(*version);
                out.extend_from_slice(&window.to_le_bytes());
                out.extend_from_slice(&max_payload.to_le_bytes());
            }
            Frame::Ping { nonce } | Frame::Pong { nonce } => out.extend_from_slice(&nonce.to_le_bytes()),
        }
    }

    fn payload_len(&self) -> usize {
        match self {
            Frame::Open { host, .. } => 3 + host.len(),
            Frame::Data { payload, .. } => payload.len(),
            Frame::Opened { .. } | Frame::Listening { .. } | Frame::Accepted { .. } => 19,
            _ => 9,
        }
    }
}

/// `u8 family (4 or 6) | address bytes | u16 port`, little-endian port.
fn decode_address(payload: &[u8]) -> Result<SocketAddr, WireError> {
    let (&family, rest) = payload.split_first().ok_or(WireError::Truncated)?;
    let (ip, rest): (IpAddr, &[u8]) = match family {
        4 => {
            let (octets, rest) = rest.split_first_chunk::<4>().ok_or(WireError::Truncated)?;
            (Ipv4Addr::from(*octets).into(), rest)
        }
        6 => {
            let (octets, rest) = rest.split_first_chunk::<16>().ok_or(WireError::Truncated)?;
            (Ipv6Addr::from(*octets).into(), rest)
        }
        _ => return Err(WireError::BadAddress),
    };
    let port: [u8; 2] = rest
        .try_into()
        .map_err(|_| if rest.len() < 2 { WireError::Truncated } else { WireError::TrailingBytes })?;
    Ok(SocketAddr::new(ip, u16::from_le_bytes(port)))
}

fn encode_address(address: SocketAddr, out: &mut Vec<u8>) {
    match address.ip() {
        IpAddr::V4(ip) => {
            out.push(4);
            out.extend_from_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            out.push(6);
            out.extend_from_slice(&ip.octets());
        }
    }
    out.extend_from_slice(&address.port().to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frame: Frame) {
        let bytes = frame.encode();
        assert_eq!(Frame::decode(&bytes).unwrap(), frame, "{bytes:02x?}");
    }

    #[test]
    fn every_frame_round_trips() {
        round_trip(Frame::Open { stream: 1, host: "ftp.example.com", port: 21 });
        round_trip(Frame::Open { stream: 7, host: "::1", port: 2121 });
        round_trip(Frame::Listen { stream: 3 });
        round_trip(Frame::Opened { stream: 1, peer: "192.0.2.1:21".parse().unwrap() });
        round_trip(Frame::Listening { stream: 3, address: "[2001:db8::1]:50000".parse().unwrap() });
        round_trip(Frame::Accepted { stream: 3, peer: "192.0.2.1:20".parse().unwrap() });
        round_trip(Frame::Data { stream: 1, payload: b"220 hi\r\n" });
        round_trip(Frame::Data { stream: 1, payload: b"" });
        round_trip(Frame::Credit { stream: 9, increment: u32::MAX });
        round_trip(Frame::Fin { stream: 2 });
        round_trip(Frame::Reset { stream: 2, reason: CloseReason::DataPeerMismatch });
        round_trip(Frame::Reset { stream: 0, reason: CloseReason::ShuttingDown });
        round_trip(Frame::Hello { version: VERSION, window: 262_144, max_payload: 65_536 });
        round_trip(Frame::Ping { nonce: 42 });
        round_trip(Frame::Pong { nonce: u64::MAX });
    }

    #[test]
    fn known_bytes() {
        // Type, stream id little-endian, then the payload: the spec's example.
        assert_eq!(
            Frame::Open { stream: 1, host: "a.b", port: 21 }.encode(),
            [0x01, 1, 0, 0, 0, 0x01, 21, 0, b'a', b'.', b'b']
        );
        assert_eq!(Frame::Credit { stream: 2, increment: 65536 }.encode(), [0x03, 2, 0, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn rejects_bad_frames() {
        assert_eq!(Frame::decode(&[]), Err(WireError::Truncated));
        assert_eq!(Frame::decode(&[0x02, 1, 0, 0]), Err(WireError::Truncated));
        assert_eq!(Frame::decode(&[0x7f, 1, 0, 0, 0]), Err(WireError::UnknownType(0x7f)));
        assert_eq!(Frame::decode(&[0x02, 0, 0, 0, 0, 1]), Err(WireError::WrongStream));
        assert_eq!(Frame::decode(&[0x0a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Err(WireError::WrongStream));
        assert_eq!(
            Frame::decode(&[0x01, 1, 0, 0, 0, 0x03, 21, 0, b'x']),
            Err(WireError::UnsupportedStreamType(3))
        );
        assert_eq!(Frame::decode(&[0x01, 1, 0, 0, 0, 0x01, 0, 0, b'x']), Err(WireError::BadAddress));
        assert_eq!(Frame::decode(&[0x01, 1, 0, 0, 0, 0x01, 21, 0]), Err(WireError::BadHost));
        assert_eq!(Frame::decode(&[0x01, 1, 0, 0, 0, 0x01, 21, 0, b'a', b'\n']), Err(WireError::BadHost));
        assert_eq!(Frame::decode(&[0x01, 1, 0, 0, 0, 0x01, 21, 0, 0xff]), Err(WireError::BadHost));
        assert_eq!(Frame::decode(&[0x03, 1, 0, 0, 0, 1, 2, 3]), Err(WireError::Truncated));
        assert_eq!(Frame::decode(&[0x05, 1, 0, 0, 0, 1]), Err(WireError::TrailingBytes));
        assert_eq!(Frame::decode(&[0x06, 1, 0, 0, 0, 5, 1, 2, 3, 4, 0, 21]), Err(WireError::BadAddress));
        assert_eq!(Frame::decode(&[0x06, 1, 0, 0, 0, 4, 1, 2, 3, 4, 0]), Err(WireError::Truncated));
        assert_eq!(
            Frame::decode(&[0x06, 1, 0, 0, 0, 4, 1, 2, 3, 4, 0, 21, 9]),
            Err(WireError::TrailingBytes)
        );
    }

    #[test]
    fn unknown_reasons_read_as_unknown() {
        assert_eq!(
            Frame::decode(&[0x04, 1, 0, 0, 0, 0xee]).unwrap(),
            Frame::Reset { stream: 1, reason: CloseReason::Unknown }
        );
        for byte in 0..=255u8 {
            let reason = CloseReason::from_byte(byte);
            if reason != CloseReason::Unknown {
                assert_eq!(reason.to_byte(), byte);
            }
        }
    }

    #[test]
    fn decoding_any_bytes_never_panics() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..64 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state & 0xff) as u8
                    })
                    .collect();
                if let Ok(frame) = Frame::decode(&bytes) {
                    // Whatever decodes, encodes back to a frame that decodes the same.
                    assert_eq!(Frame::decode(&frame.encode()).unwrap(), frame);
                }
            }
        }
    }
}
