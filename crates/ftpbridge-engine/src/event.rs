//! What the engine hands back: outputs for the transport and events for the user.

use crate::{Error, Features, Reply};
use core::net::IpAddr;
use ftpbridge_listing::{DateTime, Entry};
use std::fmt;

/// A socket the engine asked the transport for. Never reused within a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u32);

impl SocketId {
    /// The control connection.
    pub const CONTROL: SocketId = SocketId(0);
}

/// The id of a queued operation; events about it carry the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub u64);

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A literal address.
    Ip(IpAddr),
    /// A name for the transport to resolve (the control connection's configured host).
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// What a connection is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The control connection.
    Control,
    /// A data connection (listing or file transfer).
    Data,
}

/// Something the transport must do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // events are moved once, straight to the user
pub enum Output {
    /// Open a TCP connection; answer with [`Session::handle_connected`] or
    /// [`Session::handle_error`].
    ///
    /// [`Session::handle_connected`]: crate::Session::handle_connected
    /// [`Session::handle_error`]: crate::Session::handle_error
    Connect {
        /// The socket this connection will be.
        socket: SocketId,
        /// Where to.
        host: Host,
        /// Port.
        port: u16,
        /// Control or data.
        purpose: Purpose,
    },
    /// Listen for one incoming data connection (active mode); answer with
    /// [`Session::handle_listening`] giving the address to advertise to the server, then
    /// [`Session::handle_accepted`] when the server connects.
    ///
    /// [`Session::handle_listening`]: crate::Session::handle_listening
    /// [`Session::handle_accepted`]: crate::Session::handle_accepted
    Listen {
        /// The socket the accepted connection will be.
        socket: SocketId,
        /// The control connection's peer, when known: the only address that should be
        /// accepted, and the family to listen on.
        peer: Option<IpAddr>,
    },
    /// Send bytes, in order after earlier ones.
    Send {
        /// Where.
        socket: SocketId,
        /// What.
        data: Vec<u8>,
    },
    /// No more bytes will be sent on this socket: send FIN after what is queued, and
    /// keep receiving until the peer closes.
    Shutdown {
        /// Which.
        socket: SocketId,
    },
    /// Start TLS on this open socket as its client (RFC 4217): the control connection
    /// after `AUTH TLS` was accepted (or at once, in implicit mode), a data connection
    /// as soon as it opened while data is protected. A data connection resumes the
    /// control connection's TLS session. From now on [`Output::Send`] and
    /// [`Session::handle_data`] carry the plaintext inside TLS; answer with
    /// [`Session::handle_secured`] when the handshake finished, or
    /// [`Session::handle_error`] with [`SocketError::Tls`] when it failed. On
    /// [`Output::Shutdown`] and [`Output::Close`] end TLS first (`close_notify`); report
    /// the peer's end as [`Session::handle_eof`] only after its `close_notify`, and a
    /// bare TCP end as the `truncated` TLS error.
    ///
    /// [`Session::handle_data`]: crate::Session::handle_data
    /// [`Session::handle_secured`]: crate::Session::handle_secured
    /// [`Session::handle_error`]: crate::Session::handle_error
    /// [`Session::handle_eof`]: crate::Session::handle_eof
    /// [`SocketError::Tls`]: crate::SocketError::Tls
    StartTls {
        /// Which.
        socket: SocketId,
    },
    /// Release the socket gracefully (after sending what is queued).
    Close {
        /// Which.
        socket: SocketId,
    },
    /// Abort the socket at once, discarding what is queued (TCP RST where possible).
    Reset {
        /// Which.
        socket: SocketId,
    },
    /// Something for the user.
    Event(Event),
}

/// A line of the control-connection transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogLine {
    /// A command the engine sent (passwords masked).
    Sent(String),
    /// A reply line the server sent.
    Received(String),
    /// A note from the engine (fallbacks, connections).
    Note(String),
}

/// What the server told us at login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// The 220 greeting.
    pub greeting: Reply,
    /// The FEAT list.
    pub features: Features,
    /// The directory the session started in, when PWD answered.
    pub home: Option<ServerPath>,
    /// The control connection's TLS, when it has TLS: then the password and every
    /// command went encrypted.
    pub tls: Option<TlsInfo>,
    /// Data connections (listings, files) are protected with TLS too (`PROT P`).
    pub data_protected: bool,
}

/// A TLS connection as the user may want to check it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: String,
    /// The cipher suite.
    pub cipher_suite: String,
    /// Whether the handshake resumed an earlier one of this session.
    pub resumed: bool,
    /// The server's certificate, when it could be read.
    pub certificate: Option<CertificateInfo>,
    /// Why it was trusted: `authority` (a CA vouches for it), `pin` (its key is the
    /// one pinned for this host) or `first_use` (nothing vouches for it and nothing was
    /// pinned: pin it now, or check its fingerprint).
    pub trusted_by: Option<String>,
}

/// The parts of a certificate a person checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject, e.g. `CN=ftp.example.com, O=Example`.
    pub subject: String,
    /// Issuer (the subject again when self-signed).
    pub issuer: String,
    /// Valid from, Unix seconds.
    pub not_before: i64,
    /// Valid until, Unix seconds.
    pub not_after: i64,
    /// SHA-256 fingerprint of the certificate, `AA:BB:...`.
    pub sha256: String,
    /// SHA-256 of its public key (SubjectPublicKeyInfo), hex: what a pin names.
    pub key_sha256: String,
}

/// A path the server gave, raw and decoded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerPath {
    /// Decoded with the session's encoding, for display.
    pub text: String,
    /// Exactly as the server sent it.
    pub bytes: Vec<u8>,
}

/// What the user hears about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Logged in; operations run from now on.
    Ready(ServerInfo),
    /// A transcript line.
    Log(LogLine),
    /// A transfer started; `size` is the whole file's size when known, `offset` where
    /// this transfer starts in it.
    TransferStarted {
        /// The operation.
        op: OpId,
        /// The file's size, when known.
        size: Option<u64>,
        /// Where in the file this transfer starts (REST or resume).
        offset: u64,
    },
    /// Bytes of a download, in order.
    Data {
        /// The operation.
        op: OpId,
        /// The bytes.
        data: Vec<u8>,
    },
    /// An upload's data connection is open: call [`Session::upload`] with the file's
    /// bytes from `offset` on, then [`Session::finish_upload`].
    ///
    /// [`Session::upload`]: crate::Session::upload
    /// [`Session::finish_upload`]: crate::Session::finish_upload
    UploadReady {
        /// The operation.
        op: OpId,
        /// Where in the local file to start reading (non-zero when resuming).
        offset: u64,
        /// The data socket the bytes will go out on, for the driver's flow control.
        socket: SocketId,
    },
    /// Listing entries, in the order the server sent them.
    Entries {
        /// The operation.
        op: OpId,
        /// The entries (`.` and `..` left out).
        entries: Vec<Entry>,
    },
    /// An operation finished.
    Done {
        /// The operation.
        op: OpId,
        /// Its result.
        value: Value,
    },
    /// An operation failed; the session goes on unless a `Closed` event follows.
    Failed {
        /// The operation.
        op: OpId,
        /// Why.
        error: Error,
    },
    /// The session ended: `None` after QUIT or [`Session::close`], else why.
    ///
    /// [`Session::close`]: crate::Session::close
    Closed {
        /// Why, unless it was asked for.
        error: Option<Error>,
    },
}

/// The result of a finished operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// Nothing to report beyond success.
    None,
    /// A path: the working directory (pwd, cd) or a created directory (mkdir).
    Path(ServerPath),
    /// A size in bytes.
    Size(u64),
    /// A modification time (UTC).
    Modified(DateTime),
    /// The final reply to a raw command.
    Reply(Reply),
    /// What stat found.
    Entry(Entry),
    /// A listing finished; its entries came in `Entries` events.
    Listed {
        /// How many entries were sent.
        count: usize,
    },
    /// The names of a name list (NLST).
    Names(Vec<ServerPath>),
    /// A transfer finished and every byte was accounted for.
    Transferred {
        /// Bytes moved by this transfer (not counting a resumed offset).
        bytes: u64,
    },
}

/// A path argument: text to encode with the session's encoding, or raw bytes to send
/// as they are (a name taken from a listing of a server in another encoding).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RemotePath {
    /// Encoded with the session's encoding when sent.
    Text(String),
    /// Sent as is.
    Bytes(Vec<u8>),
}

impl From<&str> for RemotePath {
    fn from(text: &str) -> Self {
        RemotePath::Text(text.to_owned())
    }
}

impl From<String> for RemotePath {
    fn from(text: String) -> Self {
        RemotePath::Text(text)
    }
}

impl From<&String> for RemotePath {
    fn from(text: &String) -> Self {
        RemotePath::Text(text.clone())
    }
}

impl From<Vec<u8>> for RemotePath {
    fn from(bytes: Vec<u8>) -> Self {
        RemotePath::Bytes(bytes)
    }
}

impl From<&[u8]> for RemotePath {
    fn from(bytes: &[u8]) -> Self {
        RemotePath::Bytes(bytes.to_vec())
    }
}

impl From<&ServerPath> for RemotePath {
    fn from(path: &ServerPath) -> Self {
        RemotePath::Bytes(path.bytes.clone())
    }
}

impl From<&Entry> for RemotePath {
    fn from(entry: &Entry) -> Self {
        RemotePath::Bytes(entry.name_bytes.clone())
    }
}

impl fmt::Display for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePath::Text(text) => f.write_str(text),
            RemotePath::Bytes(bytes) => f.write_str(&String::from_utf8_lossy(bytes)),
        }
    }
}
