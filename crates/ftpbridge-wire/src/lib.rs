//! The ftpbridge wire protocol: numbered virtual TCP sockets over one WebSocket,
//! with byte credits both ways, graceful half-close apart from abortive reset, and
//! clear close reasons. The specification is this crate's README.
//!
//! ```text
//!  browser / CLI                         relay                         FTP server
//!  ClientMux ── OPEN/LISTEN/DATA/CREDIT/FIN/RESET ──► streams ── TCP ──► control + data
//!            ◄── HELLO/OPENED/LISTENING/ACCEPTED/DATA/CREDIT/FIN/RESET ──
//! ```
//!
//! [`Frame`] is the codec (sans-IO, zero-copy decoding); [`ClientMux`] is the client's
//! side of a session as a sans-IO state machine; [`Sockets`] puts a socket-like API
//! (the caller's keys, send queues, FIN after the queue) on top of it for transports.

mod frame;
mod mux;
mod sockets;

pub use frame::{
    CloseReason, DATA_PAYLOAD, Frame, HEADER_LEN, Header, MAX_HOST_LEN, SUBPROTOCOL, StreamId, VERSION,
    WireError,
};
pub use mux::{ClientMux, DEFAULT_MAX_PAYLOAD, DEFAULT_WINDOW, MuxEvent};
pub use sockets::{HIGH_WATER, SocketEvent, Sockets};
