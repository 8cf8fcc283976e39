//! Errors users see: one kind per thing a person can act on, the server's reply when
//! there was one, and a readable message.

use crate::Reply;
use std::fmt;

/// What went wrong, in terms a person can act on. Stable: shells map these to exit
/// codes and to `FtpError.code` in JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server could not be reached, or a control or data connection was lost.
    Connection,
    /// The server refused the user name, password or account.
    Login,
    /// The file or directory does not exist.
    NotFound,
    /// The server does not allow this to this user.
    Permission,
    /// The server refused for another reason (disk full, command not supported, ...).
    Rejected,
    /// The server broke the protocol (a reply that makes no sense, a bad address).
    Protocol,
    /// Nothing happened for longer than the configured limit.
    Timeout,
    /// A transfer ended before every byte arrived.
    Incomplete,
    /// The operation was cancelled by the user.
    Aborted,
    /// An argument the engine refuses to send (a line break in a path, a character the
    /// server's encoding cannot represent).
    InvalidInput,
    /// The session was already closed.
    Closed,
    /// The server accepted a restart offset (REST) but sent the file from its start:
    /// the bytes after the offset are not the file's ([`Error::valid_length`] says how
    /// many are good), and the server cannot resume downloads.
    RestartIgnored,
    /// TLS failed: the handshake, or the protocol after it (a data connection that
    /// ended without TLS's close is cut short). [`Error::detail`] names which.
    Tls,
    /// The server's certificate is not trusted; [`Error::detail`] says why: `expired`,
    /// `not_yet_valid`, `wrong_name`, `unknown_issuer`, `self_signed`, `key_changed`,
    /// `revoked` or `bad_certificate`.
    Certificate,
    /// The session requires TLS and the server does not offer it ([`Error::detail`]
    /// `required`), refuses to protect data connections (`data`), or would need a
    /// password sent unencrypted (`password`).
    TlsUnavailable,
    /// This host did TLS before and now refuses it: something between may be stripping
    /// it. Connect in plain only if you trust the path.
    TlsDowngrade,
}

impl ErrorKind {
    /// A stable lowercase name: `connection`, `login`, `not_found`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Connection => "connection",
            ErrorKind::Login => "login",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Permission => "permission",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::Aborted => "aborted",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Closed => "closed",
            ErrorKind::RestartIgnored => "restart_ignored",
            ErrorKind::Tls => "tls",
            ErrorKind::Certificate => "certificate",
            ErrorKind::TlsUnavailable => "tls_unavailable",
            ErrorKind::TlsDowngrade => "tls_downgrade",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed operation or a closed session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    reply: Option<Reply>,
    valid_length: Option<u64>,
    detail: Option<&'static str>,
    certificate: Option<Box<crate::CertificateInfo>>,
}

impl Error {
    /// An error of `kind` with a message and no server reply.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            reply: None,
            valid_length: None,
            detail: None,
            certificate: None,
        }
    }

    /// An error caused by a server reply; the kind is derived from the reply.
    pub fn from_reply(context: impl Into<String>, reply: Reply) -> Error {
        let detail = match reply.code() {
            421 | 530 if says_busy(&reply) => Some("server_busy"),
            421 => Some("server_closed"),
            425 | 426 => Some("data_connection"),
            _ => None,
        };
        Error {
            kind: classify(&reply),
            message: context.into(),
            reply: Some(reply),
            valid_length: None,
            detail,
            certificate: None,
        }
    }

    /// The same error with another kind.
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    /// The same error, saying that only the first `length` bytes of the local copy
    /// are the file's.
    pub(crate) fn with_valid_length(mut self, length: u64) -> Error {
        self.valid_length = Some(length);
        self
    }

    /// The same error with a finer code (see [`Error::detail`]).
    pub fn with_detail(mut self, detail: &'static str) -> Error {
        self.detail = Some(detail);
        self
    }

    /// The same error with the certificate that was refused.
    pub fn with_certificate(mut self, certificate: Option<Box<crate::CertificateInfo>>) -> Error {
        self.certificate = certificate;
        self
    }

    /// For a certificate failure: the certificate that was refused (what a person
    /// checks, and the key to pin if they trust it).
    pub fn certificate(&self) -> Option<&crate::CertificateInfo> {
        self.certificate.as_deref()
    }

    /// A finer code within the kind, stable like the kind, for a shell to choose its
    /// words by (never by the message):
    ///
    /// - [`ErrorKind::Certificate`] and [`ErrorKind::Tls`]: the TLS layer's code
    ///   (`expired`, `self_signed`, `truncated`, `handshake`, ...);
    /// - [`ErrorKind::TlsUnavailable`]: `required`, `data` or `password`;
    /// - [`ErrorKind::Connection`]: `refused` (nothing listens there), `unreachable`
    ///   (no route, or the name did not resolve), `reset`, `server_closed` (the server
    ///   closed the session, or sent 421), `data_connection` (a data connection could
    ///   not be opened or failed, or 425/426), `server_busy` (it takes no more sessions
    ///   now, from this address or at all: 421 or 530 saying so), and from a relay
    ///   `relay_refused` (its
    ///   policy or limits refused the session), `relay_shutdown`, `relay_protocol`
    ///   (it broke the wire protocol) or `relay_lost` (the relay connection ended);
    /// - [`ErrorKind::Permission`]: `relay_policy` when the relay, not the server,
    ///   refused the destination;
    /// - [`ErrorKind::Timeout`]: `timed_out` when a connection attempt timed out in
    ///   the transport;
    /// - [`ErrorKind::InvalidInput`]: `unencodable` (a name the session's encoding
    ///   cannot write), `line_break` (a CR, LF or NUL in a path or command),
    ///   `empty_path`, `not_raw` (a command `raw` refuses), and from shells
    ///   `unknown_encoding`, `relay_url`, `local_read` (the local file could not be
    ///   read) and `options`.
    pub fn detail(&self) -> Option<&'static str> {
        self.detail
    }

    /// For a failed download whose local copy holds bytes that are not the file's: how
    /// many bytes from its start are good. Cut the copy to this length.
    pub fn valid_length(&self) -> Option<u64> {
        self.valid_length
    }

    /// The same error with `note` added to its message (what happened next).
    pub(crate) fn with_note(mut self, note: &str) -> Error {
        self.message = format!("{}; {note}", self.message);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What the engine was doing and what happened, without the server's reply.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's reply, when one caused this.
    pub fn reply(&self) -> Option<&Reply> {
        self.reply.as_ref()
    }

    /// The reply code, when a reply caused this.
    pub fn reply_code(&self) -> Option<u16> {
        self.reply.as_ref().map(Reply::code)
    }
}

impl fmt::Display for Error {
    /// One line: the message, then the server's reply in quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(reply) = &self.reply {
            write!(f, ": the server said \"{reply}\"")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Whether a refusal says the server takes no more sessions now (from this address or
/// at all): vsftpd and pure-ftpd say so with 421, proftpd with 530 at login. It is not
/// a wrong password, and a shell opening several sessions should open fewer.
pub(crate) fn says_busy(reply: &Reply) -> bool {
    let text = reply.text().to_ascii_lowercase();
    ["too many", "maximum number", "max number", "already connected", "no more connections"]
        .iter()
        .any(|words| text.contains(words))
}

/// The kind of error a failure reply stands for.
pub fn classify(reply: &Reply) -> ErrorKind {
    let text = reply.text().to_ascii_lowercase();
    let says = |words: &[&str]| words.iter().any(|w| text.contains(w));
    let permission = [
        "permission",
        "denied",
        "not allowed",
        "forbidden",
        "access",
        "not authorized",
        "read-only",
        "read only",
    ];
    let missing = [
        "no such",
        "not found",
        "does not exist",
        "doesn't exist",
        "not exist",
        "cannot find",
        "can't find",
        "couldn't find",
        "unknown file",
    ];
    match reply.code() {
        421 | 425 | 426 => ErrorKind::Connection,
        530 | 332 | 532 => ErrorKind::Permission,
        550 | 450 | 553 | 551 if says(&missing) => ErrorKind::NotFound,
        550 | 450 | 553 | 551 if says(&permission) => ErrorKind::Permission,
        550 | 450 => ErrorKind::NotFound,
        553 => ErrorKind::Permission,
        _ => ErrorKind::Rejected,
    }
}

/// Why a socket failed, as the transport reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketError {
    /// The peer refused the connection.
    Refused,
    /// No route to the peer, or its name did not resolve.
    Unreachable,
    /// The connection attempt timed out in the transport.
    TimedOut,
    /// The peer reset the connection.
    Reset,
    /// A relay's policy does not allow this destination (its reason attached).
    Blocked(String),
    /// The relay connection itself failed or ended; `detail` is one of
    /// [`Error::detail`]'s relay codes (`relay_refused`, `relay_lost`, ...).
    Relay {
        /// The stable code.
        detail: &'static str,
        /// What happened, for a person.
        message: String,
    },
    /// TLS on this socket failed.
    Tls {
        /// [`ErrorKind::Tls`] or [`ErrorKind::Certificate`].
        kind: ErrorKind,
        /// The TLS layer's code (`expired`, `truncated`, ...).
        detail: &'static str,
        /// What happened, for a person.
        message: String,
        /// The refused certificate, for a certificate failure.
        certificate: Option<Box<crate::CertificateInfo>>,
    },
    /// Anything else, described.
    Other(String),
}

impl fmt::Display for SocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketError::Refused => f.write_str("connection refused"),
            SocketError::Unreachable => f.write_str("host unreachable"),
            SocketError::TimedOut => f.write_str("connection timed out"),
            SocketError::Reset => f.write_str("connection reset"),
            SocketError::Blocked(reason) => write!(f, "blocked by the relay's policy ({reason})"),
            SocketError::Tls { message, .. } | SocketError::Relay { message, .. } => f.write_str(message),
            SocketError::Other(text) => f.write_str(text),
        }
    }
}

impl SocketError {
    /// The error kind a failed connection stands for.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SocketError::TimedOut => ErrorKind::Timeout,
            SocketError::Blocked(_) => ErrorKind::Permission,
            SocketError::Tls { kind, .. } => *kind,
            _ => ErrorKind::Connection,
        }
    }

    /// The finer code the failure stands for (see [`Error::detail`]).
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            SocketError::Refused => Some("refused"),
            SocketError::Unreachable => Some("unreachable"),
            SocketError::TimedOut => Some("timed_out"),
            SocketError::Reset => Some("reset"),
            SocketError::Blocked(_) => Some("relay_policy"),
            SocketError::Tls { detail, .. } | SocketError::Relay { detail, .. } => Some(detail),
            SocketError::Other(_) => None,
        }
    }

    /// The refused certificate of a certificate failure.
    pub fn certificate(&self) -> Option<Box<crate::CertificateInfo>> {
        match self {
            SocketError::Tls { certificate, .. } => certificate.clone(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, text: &str) -> Reply {
        Reply::new(code, vec![format!("{code} {text}").into_bytes()])
    }

    #[test]
    fn classifies_replies() {
        assert_eq!(classify(&reply(550, "Failed to open file.")), ErrorKind::NotFound);
        assert_eq!(classify(&reply(550, "/x: No such file or directory")), ErrorKind::NotFound);
        assert_eq!(classify(&reply(550, "Permission denied.")), ErrorKind::Permission);
        assert_eq!(classify(&reply(553, "Could not create file.")), ErrorKind::Permission);
        assert_eq!(classify(&reply(530, "Login incorrect.")), ErrorKind::Permission);
        assert_eq!(classify(&reply(421, "Timeout.")), ErrorKind::Connection);
        assert_eq!(classify(&reply(552, "Disk full")), ErrorKind::Rejected);
        assert_eq!(classify(&reply(502, "Command not implemented")), ErrorKind::Rejected);
    }

    #[test]
    fn display_quotes_the_reply() {
        let e = Error::from_reply("cannot download /x", reply(550, "Failed to open file."));
        assert_eq!(e.to_string(), "cannot download /x: the server said \"550 Failed to open file.\"");
        assert_eq!(e.reply_code(), Some(550));
    }
}
