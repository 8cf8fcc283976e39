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
        other => relay_gone(session_reset_detail(other), format!("relay: {other}")),
    }
}

/// What every socket of a session fails with when the relay connection itself ends
/// (`detail` from [`session_reset_detail`] or [`close_code_detail`]).
pub fn relay_gone(detail: &'static str, message: String) -> SocketError {
    SocketError::Relay { detail, message }
}

/// The finer code (the engine's `Error::detail`) of the relay ending a whole session.
pub fn session_reset_detail(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::ShuttingDown => "relay_shutdown",
        CloseReason::ProtocolError => "relay_protocol",
        CloseReason::Blocked | CloseReason::LimitReached => "relay_refused",
        _ => "relay_lost",
    }
}

/// The finer code of a WebSocket close from the relay, by its close code: 1008 is
/// its policy (Origin, ticket, limits), 1001 its shutdown.
pub fn close_code_detail(code: Option<u16>) -> &'static str {
    match code {
        Some(1008) => "relay_refused",
        Some(1001) => "relay_shutdown",
        _ => "relay_lost",
    }
}

#[cfg(test)]
mod codes {
    use super::*;

    #[test]
    fn every_shell_gets_the_same_codes_for_the_relay_going_away() {
        assert_eq!(session_reset_detail(CloseReason::ShuttingDown), "relay_shutdown");
        assert_eq!(session_reset_detail(CloseReason::LimitReached), "relay_refused");
        assert_eq!(session_reset_detail(CloseReason::IdleTimeout), "relay_lost");
        assert_eq!(close_code_detail(Some(1008)), "relay_refused");
        assert_eq!(close_code_detail(Some(1001)), "relay_shutdown");
        assert_eq!(close_code_detail(None), "relay_lost");
        // A stream the relay closes because it shuts down says so too; a blocked one is
        // the relay's policy.
        assert_eq!(socket_error(CloseReason::ShuttingDown).detail(), Some("relay_shutdown"));
        assert_eq!(socket_error(CloseReason::Blocked).detail(), Some("relay_policy"));
    }
}
