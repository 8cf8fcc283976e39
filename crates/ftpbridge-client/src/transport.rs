//! What the client needs from a transport: sockets opened, fed and closed on the
//! engine's request, with completions and received bytes coming back as events.
//!
//! Every call returns at once; results arrive through [`Transport::next_event`].
//! Sending is queued: the client asks [`Transport::can_send`] before it reads more of
//! a file to upload and waits for [`TransportEvent::Writable`] when the queue is full,
//! so memory stays bounded whatever the speeds of disk and network.

use ftpbridge_engine::{Host, Purpose, SocketId};
use std::net::IpAddr;

/// Something that happened on a socket: the driver's [`Input`](ftpbridge_driver::Input).
pub use ftpbridge_driver::Input as TransportEvent;

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
