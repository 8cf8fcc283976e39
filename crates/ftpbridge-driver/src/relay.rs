//! The relay's virtual sockets (`ftpbridge-wire`) in the driver's vocabulary: what a
//! shell that talks to a relay needs besides moving WebSocket messages.

use crate::Input;
use ftpbridge_engine::{SocketError, SocketId};
use ftpbridge_wire::{CloseReason, SocketEvent};

/// A socket-table event, as the driver takes it.
#[derive(Debug)]
pub enum RelayEvent {
    /// For the driver (or, `Input::Writable`, for the shell's upload pacing).
    Input(Input),
    /// The relay ended the whole session.
    SessionReset(CloseReason),
}

/// Translates one event of the socket table.
pub fn translate(event: SocketEvent<SocketId>) -> RelayEvent {
    RelayEvent::Input(match event {
        SocketEvent::Opened { key, peer } => Input::Connected { socket: key, peer: Some(peer) },
        SocketEvent::Listening { key, address } => Input::Listening { socket: key, advertise: address },
        SocketEvent::Accepted { key, peer } => Input::Accepted { socket: key, peer: Some(peer) },
        SocketEvent::Data { key, data } => Input::Data { socket: key, data },
        SocketEvent::Sent { key, bytes } => Input::Sent { socket: key, bytes },
        SocketEvent::Eof { key } => Input::Eof { socket: key },
        SocketEvent::Reset { key, reason } => Input::Error { socket: key, error: socket_error(reason) },
        SocketEvent::Writable => Input::Writable,
        SocketEvent::SessionReset { reason } => return RelayEvent::SessionReset(reason),
    })
}

/// The engine's view of a stream's close reason.
pub fn socket_error(reason: CloseReason) -> SocketError {
    match reason {
        CloseReason::Refused => SocketError::Refused,
        CloseReason::Unreachable | CloseReason::InvalidInfo => SocketError::Unreachable,
        CloseReason::TimedOut | CloseReason::ListenTimedOut => SocketError::TimedOut,
        CloseReason::ConnectionReset => SocketError::Reset,
        CloseReason::Blocked => SocketError::Blocked("destination not allowed".into()),
        CloseReason::DataPeerMismatch => SocketError::Blocked("not the control connection's server".into()),
        CloseReason::LimitReached => SocketError::Blocked("a limit was reached".into()),
        CloseReason::ShuttingDown => {
            SocketError::Relay { detail: "relay_shutdown", message: format!("relay: {reason}") }
        }
        CloseReason::ProtocolError => {
            SocketError::Relay { detail: "relay_protocol", message: format!("relay: {reason}") }
        }
        other => SocketError::Relay { detail: "relay_lost", message: format!("relay: {other}") },
    }
}
