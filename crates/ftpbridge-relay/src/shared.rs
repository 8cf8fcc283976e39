//! What the relay's parts share, in one leaf module: the server, the sessions and the
//! streams read it, it reads none of them (crates.io's `app.rs` is the model).
//!
//! ```text
//!  RelayShared (one per relay) ── config, metrics, dialer, session slots, upgrade rates
//!      └── SessionShared (one per session) ── activity, byte counts, the control filter
//!              └── a stream gets an Arc of its session and of the metrics, and its limits
//! ```

use crate::admission::{RateLimiter, SessionSlots, TicketSlots};
use crate::config::RelayConfig;
use crate::control_filter::ControlFilter;
use crate::dial::Dialer;
use crate::metrics::{Direction, Metrics};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What every session of a relay shares.
pub(crate) struct RelayShared {
    /// The configuration, validated.
    pub config: RelayConfig,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Policy, lookups and connects.
    pub dialer: Arc<Dialer>,
    /// Sessions in total and per client network.
    pub slots: SessionSlots,
    /// WebSocket upgrades per client, per second.
    pub upgrades: RateLimiter,
    /// Sessions per ticket.
    pub tickets: TicketSlots,
    /// Cancelled when the relay shuts down.
    pub shutdown: CancellationToken,
    /// Every session, to wait for at shutdown.
    pub tracker: TaskTracker,
    /// The next session's number, for logs.
    pub next_session: AtomicU64,
    /// The relay's own host names (`Host` headers accepted), as `host:port`.
    pub hosts: RwLock<Vec<String>>,
    /// The relay listens on a loopback address only (set when it starts serving).
    pub loopback_only: std::sync::atomic::AtomicBool,
}

impl RelayShared {
    /// The host names a request's `Host` may name.
    pub(crate) fn public_hosts(&self) -> Vec<String> {
        self.hosts.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The relay serves on `address`: its default host names follow, and it is never
    /// a destination.
    pub(crate) fn listening_on(&self, address: SocketAddr) {
        self.dialer.add_own_address(address);
        if self.config.public_hosts.is_empty() {
            let mut hosts = self.hosts.write().unwrap_or_else(PoisonError::into_inner);
            hosts.extend(crate::admission::default_hosts(address));
            hosts.dedup();
        }
        if !address.ip().is_loopback() {
            self.loopback_only.store(false, Ordering::Relaxed);
        }
    }

    /// Whether a request must carry an `Origin`: when asked, when private destinations
    /// are allowed (a page must be one the relay knows), and on a public listener.
    pub(crate) fn origin_required(&self) -> bool {
        self.config.require_origin
            || self.config.policy.allow_private
            || !self.loopback_only.load(Ordering::Relaxed)
    }
}

/// What a session's loop and its streams share.
pub(crate) struct SessionShared {
    started: Instant,
    /// Milliseconds from `started` to the last payload byte moved.
    last_activity: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    metrics: Arc<Metrics>,
    /// The client's address (after trusted proxies).
    pub client: IpAddr,
    /// The control stream's FTP helper.
    pub filter: Mutex<ControlFilter>,
}

impl SessionShared {
    pub(crate) fn new(metrics: Arc<Metrics>, client: IpAddr) -> SessionShared {
        SessionShared {
            started: Instant::now(),
            last_activity: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
            metrics,
            client,
            filter: Mutex::new(ControlFilter::new(false)),
        }
    }

    /// The metrics.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Payload bytes moved one way: the session is not idle.
    pub(crate) fn moved(&self, direction: Direction, n: usize) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_activity.fetch_max(now, Ordering::Relaxed);
        let counter = match direction {
            Direction::Up => &self.bytes_up,
            Direction::Down => &self.bytes_down,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        self.metrics.bytes(direction, n);
    }

    /// When the session counts as idle: `idle` after the last payload byte.
    pub(crate) fn idle_deadline(&self, idle: Duration) -> Instant {
        self.started + Duration::from_millis(self.last_activity.load(Ordering::Relaxed)) + idle
    }

    /// When the session started.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// Bytes moved each way so far.
    pub(crate) fn bytes(&self) -> (u64, u64) {
        (self.bytes_up.load(Ordering::Relaxed), self.bytes_down.load(Ordering::Relaxed))
    }

    /// The control filter, locked.
    pub(crate) fn filter(&self) -> std::sync::MutexGuard<'_, ControlFilter> {
        self.filter.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
