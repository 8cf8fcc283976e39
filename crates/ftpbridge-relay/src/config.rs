//! The relay's configuration: typed, with safe defaults, checked once at start-up.
//!
//! Every field has a default, so an empty TOML file (or [`RelayConfig::default`]) is a
//! working, locked-down relay: listen on `127.0.0.1:8080`, public destinations only,
//! control port 21, same-origin browsers only, no active mode. Durations are written
//! in seconds (`10`, `0.5`). How files, environment and flags are layered is in
//! [`crate::layers`].

use crate::policy::{Cidr, HostSet, Policy, PortSet};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Everything the relay can be told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelayConfig {
    /// Address to listen on (the binary only; [`crate::serve`] takes a listener).
    pub listen: SocketAddr,
    /// Folder of the web app, served at `/`; none: no static files.
    pub static_dir: Option<PathBuf>,
    /// Log lines as `text` or `json` (the binary only).
    pub log_format: LogFormat,
    /// The relay's own host names as browsers reach it (`ftp.example.com`,
    /// `relay.example.com:8443`): a request for any other `Host` is refused (DNS
    /// rebinding). Empty: the listen address, `localhost:PORT`, `127.0.0.1:PORT` and
    /// `[::1]:PORT`.
    #[serde(deserialize_with = "crate::layers::list")]
    pub public_hosts: Vec<String>,
    /// Browser origins allowed to open sessions (`https://ftp.example.com`), besides
    /// the relay's own (its `public_hosts`); `"*"` allows any.
    #[serde(deserialize_with = "crate::layers::list")]
    pub allowed_origins: Vec<String>,
    /// Refuse upgrades without an `Origin` header (non-browser clients). Always on
    /// with private destinations allowed or on a listener that is not loopback.
    pub require_origin: bool,
    /// Run on a public address with neither an allow-list nor required tickets: any
    /// page may then reach any public FTP server through this relay.
    pub open_relay: bool,
    /// Who may read `/metrics`.
    pub metrics: MetricsConfig,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies).
    #[serde(deserialize_with = "crate::layers::list")]
    pub trusted_proxies: Vec<Cidr>,
    /// DNS servers (`ip:port`) for control servers' names; empty: the system's
    /// (`/etc/resolv.conf`). The hosts file is read first either way.
    #[serde(deserialize_with = "crate::layers::list")]
    pub dns_servers: Vec<SocketAddr>,
    /// Where sessions may connect.
    pub policy: PolicyConfig,
    /// Sizes and counts.
    pub limits: Limits,
    /// Timeouts and intervals.
    pub timeouts: Timeouts,
    /// Active-mode (`PORT`/`EPRT`) listeners.
    pub active: ActiveConfig,
    /// Signed, expiring session tickets.
    pub tickets: TicketConfig,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            listen: SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 8080),
            static_dir: None,
            log_format: LogFormat::Text,
            public_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            require_origin: false,
            open_relay: false,
            metrics: MetricsConfig::default(),
            trusted_proxies: Vec::new(),
            dns_servers: Vec::new(),
            policy: PolicyConfig::default(),
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            active: ActiveConfig::default(),
            tickets: TicketConfig::default(),
        }
    }
}

/// How log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Who may read `/metrics`: with a token, requests that carry it
/// (`Authorization: Bearer TOKEN`); without, clients on loopback only. `listen` serves
/// it on an address of its own as well (the binary).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// A bearer token that opens `/metrics` to anyone who has it.
    pub token: Option<String>,
    /// Another address to serve `/metrics` (and `/healthz`) on, e.g. a private network.
    pub listen: Option<SocketAddr>,
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("listen", &self.listen)
            .finish()
    }
}

/// Where sessions may connect (see [`crate::policy`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Allow loopback and private networks (RFC 1918, CGNAT, ULA): development and
    /// tests only.
    pub allow_private: bool,
    /// Ports a control connection may go to.
    #[serde(deserialize_with = "crate::layers::list")]
    pub control_ports: Vec<u16>,
    /// Host names (`ftp.example.com`, `*.example.com`) allowed as control servers;
    /// with `allow_cidrs` both empty, any public host is.
    #[serde(deserialize_with = "crate::layers::list")]
    pub allow_hosts: Vec<String>,
    /// Networks allowed as control servers.
    #[serde(deserialize_with = "crate::layers::list")]
    pub allow_cidrs: Vec<Cidr>,
    /// Host names never allowed (wins over every allow).
    #[serde(deserialize_with = "crate::layers::list")]
    pub deny_hosts: Vec<String>,
    /// Networks never allowed (wins over every allow).
    #[serde(deserialize_with = "crate::layers::list")]
    pub deny_cidrs: Vec<Cidr>,
    /// Control ports that speak TLS from the first byte (implicit FTPS): the relay
    /// cannot read their control streams.
    #[serde(deserialize_with = "crate::layers::list")]
    pub implicit_tls_ports: Vec<u16>,
    /// Ports a data connection may go to when the relay cannot read the control
    /// stream (TLS): entries `"A-B"`, `"N"`, `"!N"`. Where it can read it, a data
    /// connection goes only to a port the server announced (227/229) on it.
    pub data_ports: PortSet,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            allow_private: false,
            control_ports: vec![21],
            allow_hosts: Vec::new(),
            allow_cidrs: Vec::new(),
            deny_hosts: Vec::new(),
            deny_cidrs: Vec::new(),
            implicit_tls_ports: vec![990],
            data_ports: crate::policy::default_data_ports(),
        }
    }
}

/// Sizes and counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Sessions at once, in total.
    pub max_sessions: usize,
    /// Sessions at once per client IP (per /64 for IPv6).
    pub max_sessions_per_ip: usize,
    /// Sessions at once per client network: an IPv4 /24, an IPv6 /56 (and twice as
    /// many per /48).
    pub max_sessions_per_network: usize,
    /// WebSocket upgrades a client IP may make per second, on average ...
    pub upgrades_per_second: u32,
    /// ... and in a burst.
    pub upgrade_burst: u32,
    /// Name lookups in flight at once, in total ...
    pub max_lookups: usize,
    /// ... and for one client.
    pub max_lookups_per_client: usize,
    /// Streams open at once in one session (control, data and listeners).
    pub max_streams_per_session: usize,
    /// OPENs and LISTENs a session may make per second, on average.
    pub opens_per_second: u32,
    /// OPENs and LISTENs a session may make in a burst.
    pub open_burst: u32,
    /// Bytes each side may send per stream before credit returns (HELLO's window).
    pub window: u32,
    /// The largest DATA payload (HELLO's max payload).
    pub max_payload: u32,
    /// Bytes a session's WebSocket reads per system call. Allocated for every
    /// session, so it is most of an idle session's memory; larger speeds up uploads.
    pub ws_read_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 1024,
            max_sessions_per_ip: 16,
            max_sessions_per_network: 64,
            upgrades_per_second: 5,
            upgrade_burst: 20,
            max_lookups: 64,
            max_lookups_per_client: 4,
            max_streams_per_session: 4,
            opens_per_second: 5,
            open_burst: 20,
            window: 2 * 1024 * 1024,
            max_payload: 256 * 1024,
            ws_read_buffer: 16 * 1024,
        }
    }
}

impl Limits {
    /// The most a session may hold in memory for its streams' bytes, per-frame costs
    /// included: each stream's inbound window (small payloads are copied together, so
    /// the window holds bytes, plus one partly filled chunk) and one read buffer, plus
    /// the outgoing queue of messages of at most `max_payload`, plus the WebSocket's
    /// read buffer and one message being read.
    pub fn session_memory_bound(&self) -> usize {
        let per_stream = self.window as usize + crate::stream::CHUNK + self.max_payload as usize;
        let message = self.max_payload as usize + ftpbridge_wire::HEADER_LEN;
        self.max_streams_per_session * per_stream
            + crate::session::OUTBOUND_QUEUE * message
            + self.ws_read_buffer
            + message
    }
}

/// Timeouts and intervals, in seconds in files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Resolving and connecting a stream.
    #[serde(with = "seconds")]
    pub connect: Duration,
    /// A session in which nothing moved (no frame from the client, no byte from a
    /// server) for this long is closed; so is one whose client stops reading.
    #[serde(with = "seconds")]
    pub idle: Duration,
    /// An active-mode listener waits this long for the server.
    #[serde(with = "seconds")]
    pub listen: Duration,
    /// WebSocket pings go out this often.
    #[serde(with = "seconds")]
    pub ping_interval: Duration,
    /// On shutdown, sessions get this long to close before the relay exits.
    #[serde(with = "seconds")]
    pub drain: Duration,
    /// An HTTP request's headers must arrive within this long (slow-loris clients).
    #[serde(with = "seconds")]
    pub request_headers: Duration,
    /// A session without a control connection (none opened yet, or it ended) is
    /// closed after this long.
    #[serde(with = "seconds")]
    pub no_control: Duration,
    /// No session lives longer than this.
    #[serde(with = "seconds")]
    pub session_lifetime: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            idle: Duration::from_secs(600),
            listen: Duration::from_secs(10),
            ping_interval: Duration::from_secs(30),
            drain: Duration::from_secs(10),
            request_headers: Duration::from_secs(30),
            no_control: Duration::from_secs(10),
            session_lifetime: Duration::from_secs(24 * 3600),
        }
    }
}

/// Active-mode listeners (like vsftpd's `pasv_address`, `pasv_min_port`,
/// `pasv_max_port`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActiveConfig {
    /// Whether LISTEN is served at all.
    pub enabled: bool,
    /// Local address listeners bind to.
    pub bind_address: IpAddr,
    /// Address advertised to FTP servers in `LISTENING`; default: `bind_address`
    /// (which must then not be unspecified).
    pub public_address: Option<IpAddr>,
    /// Lowest listener port; 0 with `port_max` 0: any port the system picks.
    pub port_min: u16,
    /// Highest listener port.
    pub port_max: u16,
}

impl Default for ActiveConfig {
    fn default() -> Self {
        ActiveConfig {
            enabled: false,
            bind_address: Ipv4Addr::UNSPECIFIED.into(),
            public_address: None,
            port_min: 0,
            port_max: 0,
        }
    }
}

impl ActiveConfig {
    /// The address advertised to FTP servers.
    pub fn advertised(&self) -> IpAddr {
        self.public_address.unwrap_or(self.bind_address)
    }
}

/// Signed, expiring session tickets (see [`crate::ticket`]).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketConfig {
    /// Refuse upgrades without a valid ticket.
    pub required: bool,
    /// HMAC keys; a ticket signed with any of them is valid (rotate by adding the new
    /// key first and removing the old one once its tickets expired).
    #[serde(deserialize_with = "crate::layers::list")]
    pub secrets: Vec<String>,
}

impl fmt::Debug for TicketConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketConfig")
            .field("required", &self.required)
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .finish()
    }
}

/// A configuration that cannot work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl RelayConfig {
    /// Checks the values together; the relay refuses to start on an error.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |message: &str| Err(ConfigError(message.to_string()));
        let limits = &self.limits;
        if limits.max_payload == 0 || limits.max_payload > 16 * 1024 * 1024 {
            return fail("limits.max_payload must be between 1 and 16 MiB");
        }
        if limits.window < limits.max_payload || limits.window > 64 * 1024 * 1024 {
            return fail("limits.window must be at least limits.max_payload and at most 64 MiB");
        }
        if limits.max_sessions == 0 || limits.max_sessions_per_ip == 0 || limits.max_streams_per_session == 0
        {
            return fail("session and stream limits must be at least 1");
        }
        if limits.opens_per_second == 0 || limits.open_burst == 0 {
            return fail("limits.opens_per_second and limits.open_burst must be at least 1");
        }
        if self.policy.control_ports.is_empty() || self.policy.control_ports.contains(&0) {
            return fail("policy.control_ports must list at least one port, and not 0");
        }
        self.policy()?;
        let t = &self.timeouts;
        if [t.connect, t.idle, t.listen, t.ping_interval, t.request_headers, t.no_control, t.session_lifetime]
            .contains(&Duration::ZERO)
        {
            return fail("timeouts must be longer than zero");
        }
        let active = &self.active;
        if active.enabled {
            if active.port_min > active.port_max {
                return fail("active.port_min must not be above active.port_max");
            }
            if active.port_min == 0 && active.port_max != 0 {
                return fail("active.port_min must be set with active.port_max");
            }
            if active.advertised().is_unspecified() {
                return fail("active.public_address is required when active.bind_address is unspecified");
            }
        }
        if self.tickets.required && self.tickets.secrets.is_empty() {
            return fail("tickets.required needs at least one secret in tickets.secrets");
        }
        if !self.tickets.secrets.is_empty() && !self.tickets.required {
            return fail(
                "tickets.secrets is set but tickets.required is false: a client without a ticket would \
                 get more than one with a ticket; set tickets.required = true",
            );
        }
        if limits.max_sessions_per_network < limits.max_sessions_per_ip {
            return fail("limits.max_sessions_per_network must be at least limits.max_sessions_per_ip");
        }
        if limits.upgrades_per_second == 0 || limits.upgrade_burst == 0 {
            return fail("limits.upgrades_per_second and limits.upgrade_burst must be at least 1");
        }
        if self.metrics.token.as_ref().is_some_and(|t| t.len() < 16) {
            return fail("metrics.token must be at least 16 bytes long");
        }
        if self.tickets.secrets.iter().any(|s| s.len() < 16) {
            return fail("ticket secrets must be at least 16 bytes long");
        }
        Ok(())
    }

    /// Whether a relay listening on `listen` would be an open relay: a public listener
    /// with no allow-list and no required tickets. The binary refuses to start so
    /// unless `open_relay` says it is meant.
    pub fn open_relay_refusal(&self, listen: SocketAddr) -> Option<String> {
        let public = !listen.ip().is_loopback();
        let restricted = !self.policy.allow_hosts.is_empty()
            || !self.policy.allow_cidrs.is_empty()
            || self.tickets.required;
        (public && !restricted && !self.open_relay).then(|| {
            format!(
                "refusing to listen on {listen} as an open relay: any page could reach any public FTP server \
                 through it. Set policy.allow_hosts or policy.allow_cidrs, or tickets.required with \
                 tickets.secrets, or say open_relay = true (--open-relay) if that is what you want"
            )
        })
    }

    /// The destination policy these settings describe.
    pub fn policy(&self) -> Result<Policy, ConfigError> {
        let p = &self.policy;
        let mut allow =
            HostSet::parse(&p.allow_hosts).map_err(|e| ConfigError(format!("policy.allow_hosts: {e}")))?;
        allow.add_nets(&p.allow_cidrs);
        let mut deny =
            HostSet::parse(&p.deny_hosts).map_err(|e| ConfigError(format!("policy.deny_hosts: {e}")))?;
        deny.add_nets(&p.deny_cidrs);
        Ok(Policy::new(p.allow_private, p.control_ports.clone(), allow, deny))
    }
}

/// Durations as seconds (integer or fractional).
mod seconds {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Int(u64),
            Float(f64),
            Text(String),
        }
        let seconds = match Number::deserialize(deserializer)? {
            Number::Int(n) => return Ok(Duration::from_secs(n)),
            Number::Float(f) => f,
            Number::Text(t) => t.trim().parse::<f64>().map_err(|_| D::Error::custom("expected seconds"))?,
        };
        Duration::try_from_secs_f64(seconds)
            .map_err(|_| D::Error::custom("expected a non-negative number of seconds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_locked_down() {
        let config = RelayConfig::default();
        config.validate().unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(!config.policy.allow_private);
        assert_eq!(config.policy.control_ports, vec![21]);
        assert!(config.allowed_origins.is_empty());
        assert!(!config.active.enabled);
        // Window × streams bounds a session's memory.
        assert!(config.limits.session_memory_bound() < 20 * 1024 * 1024);
    }

    #[test]
    fn an_empty_file_is_the_default_and_typos_are_errors() {
        assert_eq!(toml::from_str::<RelayConfig>("").unwrap(), RelayConfig::default());
        assert!(toml::from_str::<RelayConfig>("lisen = \"0.0.0.0:80\"").is_err());
        let config: RelayConfig = toml::from_str(
            "allowed_origins = [\"https://a.example\"]\n[timeouts]\nidle = 0.5\nconnect = 3\n[policy]\ncontrol_ports = [21, 990]\ndeny_cidrs = [\"8.8.8.0/24\"]",
        )
        .unwrap();
        assert_eq!(config.timeouts.idle, Duration::from_millis(500));
        assert_eq!(config.timeouts.connect, Duration::from_secs(3));
        assert_eq!(config.policy.control_ports, vec![21, 990]);
        assert_eq!(config.policy.deny_cidrs, vec!["8.8.8.0/24".parse().unwrap()]);
    }

    #[test]
    fn inconsistent_settings_are_refused() {
        let mut config = RelayConfig::default();
        config.tickets.required = true;
        assert!(config.validate().is_err());
        config.tickets.secrets = vec!["short".into()];
        assert!(config.validate().is_err());
        config.tickets.secrets = vec!["a-secret-of-enough-length".into()];
        config.validate().unwrap();
        config.active.enabled = true;
        assert!(config.validate().is_err(), "unspecified bind address without a public address");
        config.active.public_address = Some("198.51.100.7".parse().unwrap());
        config.validate().unwrap();
        config.limits.window = 10;
        assert!(config.validate().is_err());
        assert!(!format!("{config:?}").contains("a-secret"));
    }
}
