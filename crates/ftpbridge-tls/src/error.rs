//! Why TLS failed, as a code first and a sentence second.

use std::fmt;

/// What went wrong, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// The certificate's validity ended.
    Expired,
    /// The certificate is not valid yet (or the local clock is wrong).
    NotYetValid,
    /// The certificate is for another name than the server's.
    WrongName,
    /// The certificate was not issued by an authority the client trusts.
    UnknownIssuer,
    /// The certificate is signed by its own key, not by an authority.
    SelfSigned,
    /// The server's key is not the one pinned for this host.
    KeyChanged,
    /// The certificate was revoked.
    Revoked,
    /// The certificate could not be used for another reason (bad encoding, bad
    /// signature, wrong purpose).
    BadCertificate,
    /// The handshake failed: no common version or cipher, an alert from the server,
    /// or bytes that are not TLS.
    Handshake,
    /// The connection ended without TLS's close (`close_notify`): what came may be cut
    /// short.
    Truncated,
    /// The peer broke the TLS protocol after the handshake.
    Protocol,
}

impl TlsErrorKind {
    /// A stable lowercase name: `expired`, `wrong_name`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            TlsErrorKind::Expired => "expired",
            TlsErrorKind::NotYetValid => "not_yet_valid",
            TlsErrorKind::WrongName => "wrong_name",
            TlsErrorKind::UnknownIssuer => "unknown_issuer",
            TlsErrorKind::SelfSigned => "self_signed",
            TlsErrorKind::KeyChanged => "key_changed",
            TlsErrorKind::Revoked => "revoked",
            TlsErrorKind::BadCertificate => "bad_certificate",
            TlsErrorKind::Handshake => "handshake",
            TlsErrorKind::Truncated => "truncated",
            TlsErrorKind::Protocol => "protocol",
        }
    }

    /// Whether the certificate (not the connection) is the problem.
    pub fn is_certificate(self) -> bool {
        matches!(
            self,
            TlsErrorKind::Expired
                | TlsErrorKind::NotYetValid
                | TlsErrorKind::WrongName
                | TlsErrorKind::UnknownIssuer
                | TlsErrorKind::SelfSigned
                | TlsErrorKind::KeyChanged
                | TlsErrorKind::Revoked
                | TlsErrorKind::BadCertificate
        )
    }
}

/// A TLS failure: its code and a sentence for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsError {
    /// The code.
    pub kind: TlsErrorKind,
    /// What happened, for a person.
    pub message: String,
    /// The certificate that was refused, for a certificate failure: what a person
    /// checks before trusting its key.
    pub certificate: Option<Box<crate::CertificateSummary>>,
}

impl TlsError {
    /// An error of `kind`.
    pub fn new(kind: TlsErrorKind, message: impl Into<String>) -> TlsError {
        TlsError { kind, message: message.into(), certificate: None }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TlsError {}
