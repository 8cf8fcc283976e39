//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `ftpbridge_relay_sessions_active` | gauge | |
//! | `ftpbridge_relay_sessions_total` | counter | |
//! | `ftpbridge_relay_streams_active` | gauge | `kind` = control, data, listen |
//! | `ftpbridge_relay_streams_total` | counter | `kind` |
//! | `ftpbridge_relay_bytes_total` | counter | `direction` = up (client to server), down |
//! | `ftpbridge_relay_denials_total` | counter | `reason` (policy and admission refusals) |
//! | `ftpbridge_relay_errors_total` | counter | `reason` (streams and sessions ended abnormally) |

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type Labels = [(&'static str, &'static str); 1];

/// What kind of stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// The session's first connection.
    Control,
    /// A later connection to the control server.
    Data,
    /// An active-mode listener and the connection it accepts.
    Listen,
}

impl StreamKind {
    /// The `kind` label.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Control => "control",
            StreamKind::Data => "data",
            StreamKind::Listen => "listen",
        }
    }
}

/// Which way bytes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client to a TCP peer.
    Up,
    /// From a TCP peer to the client.
    Down,
}

/// The relay's metrics.
pub struct Metrics {
    registry: Registry,
    sessions_active: Gauge,
    sessions_total: Counter,
    streams_active: Family<Labels, Gauge>,
    streams_total: Family<Labels, Counter>,
    bytes: Family<Labels, Counter>,
    /// The two series of `bytes`, held so that counting a message takes no lookup.
    bytes_up: Counter,
    bytes_down: Counter,
    denials: Family<Labels, Counter>,
    errors: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ftpbridge_relay");
        let metrics = Metrics {
            sessions_active: Gauge::default(),
            sessions_total: Counter::default(),
            streams_active: Family::default(),
            streams_total: Family::default(),
            bytes: Family::default(),
            bytes_up: Counter::default(),
            bytes_down: Counter::default(),
            denials: Family::default(),
            errors: Family::default(),
            registry: Registry::default(),
        };
        registry.register("sessions_active", "WebSocket sessions open now", metrics.sessions_active.clone());
        registry.register("sessions", "WebSocket sessions served", metrics.sessions_total.clone());
        registry.register("streams_active", "Streams open now, by kind", metrics.streams_active.clone());
        registry.register("streams", "Streams opened, by kind", metrics.streams_total.clone());
        registry.register("bytes", "Payload bytes relayed, by direction", metrics.bytes.clone());
        registry.register(
            "denials",
            "Refusals by the policy or at admission, by reason",
            metrics.denials.clone(),
        );
        registry.register(
            "errors",
            "Streams and sessions that ended abnormally, by reason",
            metrics.errors.clone(),
        );
        // Pre-create the common series so dashboards see zeros.
        for kind in [StreamKind::Control, StreamKind::Data, StreamKind::Listen] {
            let _ = metrics.streams_active.get_or_create(&[("kind", kind.as_str())]);
            let _ = metrics.streams_total.get_or_create(&[("kind", kind.as_str())]);
        }
        let bytes_up = metrics.bytes.get_or_create(&[("direction", "up")]).clone();
        let bytes_down = metrics.bytes.get_or_create(&[("direction", "down")]).clone();
        Metrics { registry, bytes_up, bytes_down, ..metrics }
    }

    /// A session began.
    pub fn session_started(&self) {
        self.sessions_active.inc();
        self.sessions_total.inc();
    }

    /// A session ended.
    pub fn session_ended(&self) {
        self.sessions_active.dec();
    }

    /// A stream began.
    pub fn stream_started(&self, kind: StreamKind) {
        self.streams_active.get_or_create(&[("kind", kind.as_str())]).inc();
        self.streams_total.get_or_create(&[("kind", kind.as_str())]).inc();
    }

    /// A stream ended.
    pub fn stream_ended(&self, kind: StreamKind) {
        self.streams_active.get_or_create(&[("kind", kind.as_str())]).dec();
    }

    /// Bytes relayed.
    pub fn bytes(&self, direction: Direction, n: usize) {
        let counter = match direction {
            Direction::Up => &self.bytes_up,
            Direction::Down => &self.bytes_down,
        };
        counter.inc_by(n as u64);
    }

    /// A refusal, by a stable snake_case reason.
    pub fn denied(&self, reason: &'static str) {
        self.denials.get_or_create(&[("reason", reason)]).inc();
    }

    /// An abnormal end, by a stable snake_case reason.
    pub fn error(&self, reason: &'static str) {
        self.errors.get_or_create(&[("reason", reason)]).inc();
    }

    /// The metrics in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_gauges() {
        let metrics = Metrics::new();
        metrics.session_started();
        metrics.stream_started(StreamKind::Data);
        metrics.bytes(Direction::Down, 100);
        metrics.denied("special_address");
        metrics.error("refused");
        let text = metrics.render();
        assert!(text.contains("ftpbridge_relay_sessions_active 1"), "{text}");
        assert!(text.contains("ftpbridge_relay_sessions_total 1"), "{text}");
        assert!(text.contains("ftpbridge_relay_streams_active{kind=\"data\"} 1"), "{text}");
        assert!(text.contains("ftpbridge_relay_streams_total{kind=\"control\"} 0"), "{text}");
        assert!(text.contains("ftpbridge_relay_bytes_total{direction=\"down\"} 100"), "{text}");
        assert!(text.contains("ftpbridge_relay_denials_total{reason=\"special_address\"} 1"), "{text}");
        assert!(text.contains("ftpbridge_relay_errors_total{reason=\"refused\"} 1"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
