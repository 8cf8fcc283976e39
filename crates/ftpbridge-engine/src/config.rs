//! How a session logs in, opens data connections and times out.

use core::time::Duration;
use ftpbridge_listing::Encoding;

/// How data connections are opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataMode {
    /// Passive first; if the data connection cannot be made, active from then on.
    #[default]
    Auto,
    /// The client connects to the server: EPSV, falling back to PASV.
    Passive,
    /// The server connects to the client: EPRT, falling back to PORT.
    Active,
}

/// Whether and how a session uses TLS (RFC 4217). The names are FileZilla's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// "Require explicit FTP over TLS": `AUTH TLS` after the greeting, then the login
    /// and every data connection in TLS; a server that refuses ends the session.
    Require,
    /// "Implicit FTP over TLS": TLS from the first byte (usually port 990).
    Implicit,
    /// "Use explicit FTP over TLS if available": `AUTH TLS` when the server takes it;
    /// otherwise plain FTP, but only for an anonymous login: in this mode a password is
    /// never sent unencrypted. A host that did TLS before (see
    /// [`Config::expect_tls`]) is never taken in plain.
    #[default]
    IfAvailable,
    /// "Only use plain FTP (insecure)": no TLS. The relay and every network in between
    /// can read the session, the password included.
    Plain,
}

impl TlsMode {
    /// `require`, `implicit`, `if_available` or `plain`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Require => "require",
            TlsMode::Implicit => "implicit",
            TlsMode::IfAvailable => "if_available",
            TlsMode::Plain => "plain",
        }
    }
}

/// Limits on how long the engine waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// For a connection (control or data) to open, and for the control connection's
    /// TLS handshake to finish.
    pub connect: Duration,
    /// For the server to answer a command.
    pub reply: Duration,
    /// For the next byte on a data connection during a transfer.
    pub data_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(20),
            reply: Duration::from_secs(30),
            data_idle: Duration::from_secs(60),
        }
    }
}

/// Everything a session needs to know before it connects.
#[derive(Clone, Debug)]
pub struct Config {
    /// Server host name or address, as the transport should resolve it.
    pub host: String,
    /// Control port, usually 21.
    pub port: u16,
    /// User name; `None` logs in as `anonymous`.
    pub user: Option<String>,
    /// Password; anonymous logins default to `anonymous@`.
    pub password: Option<String>,
    /// Account for servers that ask for one (332, ACCT).
    pub account: Option<String>,
    /// How data connections are opened.
    pub mode: DataMode,
    /// Connect to the address inside a 227 reply instead of the control connection's
    /// server. Off by default: servers behind NAT often name a private address, and a
    /// hostile server could name a third party.
    pub trust_passive_address: bool,
    /// The encoding of names on this server. UTF-8 by default; `OPTS UTF8 ON` is sent
    /// when the server offers UTF8 and this is UTF-8.
    pub encoding: Encoding,
    /// Wait limits.
    pub timeouts: Timeouts,
    /// Send NOOP on the control connection this often during a long transfer, so that
    /// firewalls do not drop an idle control connection. `None` turns it off.
    pub transfer_keepalive: Option<Duration>,
    /// Send NOOP this often while the session is idle between operations. Off by default.
    pub idle_keepalive: Option<Duration>,
    /// Use MLSD/MLST when the server offers them (machine-readable listings).
    pub use_mlsd: bool,
    /// Try EPSV before PASV (off: PASV only, for IPv4 servers with a broken EPSV).
    pub use_epsv: bool,
    /// Try EPRT before PORT (off: PORT only).
    pub use_eprt: bool,
    /// After an upload, check with SIZE that the server holds every byte sent.
    pub verify_upload_size: bool,
    /// The most bytes a listing may have (about a million entries by default); a
    /// server that sends more gets the listing aborted with a clear error, so that it
    /// cannot grow the caller's memory without end.
    pub max_listing_bytes: u64,
    /// TLS: whether and how (see [`TlsMode`]).
    pub tls: TlsMode,
    /// This host did TLS before (the caller remembers it, like HSTS): a session in
    /// [`TlsMode::IfAvailable`] that the server, or something between, answers with
    /// a refused `AUTH TLS` ends with a downgrade error instead of going on in plain.
    pub expect_tls: bool,
}

impl Config {
    /// A configuration for `host:port` with every other setting at its default
    /// (anonymous, auto mode, UTF-8, TLS if available).
    pub fn new(host: impl Into<String>, port: u16) -> Config {
        Config {
            host: host.into(),
            port,
            user: None,
            password: None,
            account: None,
            mode: DataMode::Auto,
            trust_passive_address: false,
            encoding: Encoding::UTF_8,
            timeouts: Timeouts::default(),
            transfer_keepalive: Some(Duration::from_secs(60)),
            idle_keepalive: None,
            use_mlsd: true,
            use_epsv: true,
            use_eprt: true,
            verify_upload_size: true,
            max_listing_bytes: 256 * 1024 * 1024,
            tls: TlsMode::IfAvailable,
            expect_tls: false,
        }
    }

    /// Sets the user and password.
    pub fn with_login(mut self, user: impl Into<String>, password: impl Into<String>) -> Config {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self
    }
}
