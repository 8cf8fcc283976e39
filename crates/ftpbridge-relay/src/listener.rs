//! Active mode (LISTEN): one listener, one connection, from the control server only.
//!
//! ```text
//! LISTEN ─► bind on active.bind_address, a random port in [port_min, port_max]
//!        ─► the session's control filter holds it (PORT/EPRT may name it) ─► LISTENING
//!        ─► accept: from the control connection's IP → ACCEPTED(peer), relay bytes
//!                   from anyone else → dropped (RST), counted, keep waiting
//!        ─► nobody in time → RESET(listen timed out)
//!        ─► either way the filter lets go of it: a listener serves once
//! ```

use crate::config::ActiveConfig;
use crate::policy::Policy;
use crate::shared::SessionShared;
use crate::stream::{StreamTask, abort_socket, relay};
use ftpbridge_wire::{CloseReason, Frame};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tracing::{debug, info, warn};

/// Binds a listener on the configured address, at a random free port of the range
/// (any port when the range is 0–0).
pub(crate) async fn bind(config: &ActiveConfig) -> io::Result<TcpListener> {
    if config.port_min == 0 && config.port_max == 0 {
        return TcpListener::bind((config.bind_address, 0)).await;
    }
    let (low, high) = (u32::from(config.port_min), u32::from(config.port_max));
    let span = high - low + 1;
    // Unpredictable: a fresh random port each try (another session cannot guess it),
    // then the rest of the range in order from a random start.
    let random = || (RandomState::new().hash_one(0u8) % u64::from(span)) as u32;
    let tries = (0..8.min(span)).map(|_| random()).chain((0..span).map({
        let start = random();
        move |i| (start + i) % span
    }));
    for offset in tries {
        let port = low + offset;
        let Ok(port) = u16::try_from(port) else { continue };
        match TcpListener::bind((config.bind_address, port)).await {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AddrInUse, "every port of the active-mode range is in use"))
}

/// Accepts the first connection from `control`; others are reset and counted.
async fn accept_from(
    session: &SessionShared,
    listener: &TcpListener,
    control: IpAddr,
) -> io::Result<(TcpStream, SocketAddr)> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        match Policy::check_listen_peer(control, peer.ip()) {
            Ok(()) => return Ok((tcp, peer)),
            Err(denial) => {
                session.metrics().denied(denial.as_str());
                warn!(%peer, "active-mode connection from another host than the control server dropped");
                abort_socket(&tcp);
            }
        }
    }
}

/// The session's control filter holds a listener while this lives.
struct Held<'a> {
    session: &'a SessionShared,
    address: SocketAddr,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.session.filter().release_listener(self.address);
    }
}

/// LISTEN: bind, advertise, accept one connection from the control IP, relay.
pub(crate) async fn listen(mut task: StreamTask, active: ActiveConfig, timeout: Duration, control: IpAddr) {
    let listener = match bind(&active).await {
        Ok(listener) => listener,
        Err(error) => {
            let reason = if error.kind() == io::ErrorKind::AddrInUse {
                CloseReason::LimitReached
            } else {
                CloseReason::NetworkError
            };
            warn!(%error, "cannot bind an active-mode listener");
            return task.network_failure(reason).await;
        }
    };
    let port = match listener.local_addr() {
        Ok(local) => local.port(),
        Err(_) => return task.fail(CloseReason::NetworkError, "network_error").await,
    };
    let address = SocketAddr::new(active.advertised(), port);
    let session = task.session.clone();
    session.filter().issue_listener(address);
    let held = Held { session: &session, address };
    if task.send(Frame::Listening { stream: task.id, address }).await.is_err() {
        return;
    }
    debug!(%address, "listening");
    let accepted = tokio::select! {
        biased;
        _ = StreamTask::aborted(&mut task.abort) => return,
        result = tokio::time::timeout(timeout, accept_from(&session, &listener, control)) => result,
    };
    drop(listener);
    drop(held);
    let (tcp, peer) = match accepted {
        Err(_elapsed) => {
            info!("nobody connected to the active-mode listener in time");
            return task.network_failure(CloseReason::ListenTimedOut).await;
        }
        Ok(Err(error)) => {
            warn!(%error, "accept failed");
            return task.network_failure(CloseReason::NetworkError).await;
        }
        Ok(Ok(accepted)) => accepted,
    };
    crate::dial::tune(&tcp);
    task.destination = Some(peer);
    if task.send(Frame::Accepted { stream: task.id, peer }).await.is_err() {
        return;
    }
    relay(task, tcp).await;
}
