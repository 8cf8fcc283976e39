//! What the client needs from a transport: sockets opened, fed and closed on the
//! engine's request, with completions and received bytes coming back as events.
//!
//! Every call returns at once; results arrive through [`Transport::next_event`].
//! Sending is queued: the client asks [`Transport::can_send`] before it reads more of
//! a file to upload and waits for [`TransportEvent::Writable`] when the queue is full,
//! so memory stays bounded whatever the speeds of disk and network.

use ftpbridge_engine::{Host, Purpose, SocketError, SocketId};
use std::net::{IpAddr, SocketAddr};

/// Something that happened on a socket (`socket` is the engine's socket id).
#[derive(Debug)]
#[allow(missing_docs)]
pub enum TransportEvent {
    /// A connection asked for with [`Transport::connect`] is open.
    Connected { socket: SocketId, peer: Option<SocketAddr> },
    /// A listener asked for with [`Transport::listen`] is bound; advertise this address.
    Listening { socket: SocketId, advertise: SocketAddr },
    /// The server connected to a listener.
    Accepted { socket: SocketId, peer: Option<SocketAddr> },
    /// Bytes received.
    Data { socket: SocketId, data: Vec<u8> },
    /// Bytes given with [`Transport::send`] left: written to the network (TCP) or
    /// taken by the relay (its credit came back).
    Sent { socket: SocketId, bytes: usize },
    /// The peer finished sending.
    Eof { socket: SocketId },
    /// The socket failed (or could not be opened).
    Error { socket: SocketId, error: SocketError },
    /// A socket's send queue drained below its low-water mark: uploading may go on.
    Writable,
}

/// Sockets for the engine: direct TCP, or virtual sockets through a relay.
pub trait Transport {
    /// Opens a connection; answers with `Connected` or `Error`.
    fn connect(&mut self, socket: SocketId, host: Host, port: u16, purpose: Purpose);
    /// Listens for one data connection from `peer`; answers with `Listening`, then
    /// `Accepted` or `Error`.
    fn listen(&mut self, socket: SocketId, peer: Option<IpAddr>);
    /// Queues bytes to send; failures come back as `Error`.
    fn send(&mut self, socket: SocketId, data: Vec<u8>);
    /// Sends FIN after the queued bytes; receiving goes on until the peer closes.
    fn shutdown(&mut self, socket: SocketId);
    /// Releases the socket after the queued bytes are sent.
    fn close(&mut self, socket: SocketId);
    /// Aborts the socket at once.
    fn reset(&mut self, socket: SocketId);
    /// Whether the socket's send queue has room; when it does not, `Writable` follows.
    fn can_send(&mut self, socket: SocketId) -> bool;
    /// The next event; waits until there is one.
    fn next_event(&mut self) -> impl std::future::Future<Output = TransportEvent>;
    /// Ends the transport politely (a relay gets a WebSocket close), after the session.
    fn finish(&mut self) -> impl std::future::Future<Output = ()> {
        std::future::ready(())
    }
}

/// Direct TCP or a relay, chosen at run time.
pub enum AnyTransport {
    /// Direct TCP.
    Tcp(crate::TcpTransport),
    /// Through an ftpbridge relay.
    Relay(Box<crate::RelayTransport>),
}

macro_rules! delegate {
    ($self:ident, $t:ident => $call:expr) => {
        match $self {
            AnyTransport::Tcp($t) => $call,
            AnyTransport::Relay($t) => $call,
        }
    };
}

impl Transport for AnyTransport {
    fn connect(&mut self, socket: SocketId, host: Host, port: u16, purpose: Purpose) {
        delegate!(self, t => t.connect(socket, host, port, purpose))
    }
    fn listen(&mut self, socket: SocketId, peer: Option<IpAddr>) {
        delegate!(self, t => t.listen(socket, peer))
    }
    fn send(&mut self, socket: SocketId, data: Vec<u8>) {
        delegate!(self, t => t.send(socket, data))
    }
    fn shutdown(&mut self, socket: SocketId) {
        delegate!(self, t => t.shutdown(socket))
    }
    fn close(&mut self, socket: SocketId) {
        delegate!(self, t => t.close(socket))
    }
    fn reset(&mut self, socket: SocketId) {
        delegate!(self, t => t.reset(socket))
    }
    fn can_send(&mut self, socket: SocketId) -> bool {
        delegate!(self, t => t.can_send(socket))
    }
    async fn next_event(&mut self) -> TransportEvent {
        delegate!(self, t => t.next_event().await)
    }
    async fn finish(&mut self) {
        delegate!(self, t => t.finish().await)
    }
}
