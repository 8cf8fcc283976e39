//! What a transport reports, in one vocabulary for every transport (direct TCP, the
//! relay's virtual sockets).

use ftpbridge_engine::{SocketError, SocketId};
use std::net::SocketAddr;

/// Something that happened on a socket (`socket` is the engine's socket id). Bytes are
/// what the network carries: ciphertext on a socket in TLS.
#[derive(Debug)]
pub enum Input {
    /// A connection asked for with `Output::Connect` is open.
    Connected {
        /// Which.
        socket: SocketId,
        /// The address reached.
        peer: Option<SocketAddr>,
    },
    /// A listener asked for with `Output::Listen` is bound; advertise this address.
    Listening {
        /// Which.
        socket: SocketId,
        /// The address to give the server.
        advertise: SocketAddr,
    },
    /// The server connected to a listener.
    Accepted {
        /// Which.
        socket: SocketId,
        /// From where.
        peer: Option<SocketAddr>,
    },
    /// Bytes received.
    Data {
        /// Where.
        socket: SocketId,
        /// What.
        data: Vec<u8>,
    },
    /// Bytes given in `Output::Send` left: written to the network (TCP) or taken by the
    /// relay (its credit came back).
    Sent {
        /// Where.
        socket: SocketId,
        /// How many.
        bytes: usize,
    },
    /// The peer finished sending.
    Eof {
        /// Which.
        socket: SocketId,
    },
    /// The socket failed (or could not be opened).
    Error {
        /// Which.
        socket: SocketId,
        /// Why.
        error: SocketError,
    },
    /// A socket's send queue drained below its low-water mark: uploading may go on.
    /// (For the shell's flow control; the driver has nothing to do with it.)
    Writable,
}
