//! One TLS client connection without I/O: ciphertext in, plaintext out, and back.

use crate::cert::{self, CertificateSummary};
use crate::error::{TlsError, TlsErrorKind};
use crate::verify::{KeyChanged, TrustedBy, Verdict};
use rustls::client::ClientConnection;
use rustls::{CertificateError, Error, HandshakeKind};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// What a finished handshake established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Established {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: String,
    /// The cipher suite, e.g. `TLS13_CHACHA20_POLY1305_SHA256`.
    pub cipher_suite: String,
    /// Whether it resumed an earlier session of this FTP session (a data connection
    /// resuming the control connection's).
    pub resumed: bool,
    /// The server's certificate, when it could be read.
    pub certificate: Option<CertificateSummary>,
    /// Why it was trusted (`None` on a resumed connection that was not verified again
    /// and has no earlier verdict).
    pub trusted_by: Option<TrustedBy>,
}

/// See the module docs. Made by [`crate::SessionTls::connect`].
pub struct TlsStream {
    conn: ClientConnection,
    verdict: Arc<Mutex<Verdict>>,
    host: String,
    established: bool,
    reported: Option<Established>,
    peer_closed: bool,
    failed: Option<TlsError>,
}

impl TlsStream {
    pub(crate) fn new(conn: ClientConnection, verdict: Arc<Mutex<Verdict>>, host: String) -> TlsStream {
        let mut conn = conn;
        // Nothing waits unsent here: the caller takes the ciphertext after every call.
        conn.set_buffer_limit(None);
        TlsStream {
            conn,
            verdict,
            host,
            established: false,
            reported: None,
            peer_closed: false,
            failed: None,
        }
    }

    /// Ciphertext the peer sent; returns the plaintext it carried (possibly none).
    /// After an error the stream is dead: take the output once more (it may hold an
    /// alert for the peer) and close the socket.
    pub fn receive(&mut self, mut ciphertext: &[u8]) -> Result<Vec<u8>, TlsError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let mut plaintext = Vec::new();
        while !ciphertext.is_empty() {
            if let Err(error) = self.conn.read_tls(&mut ciphertext) {
                return Err(self.fail(TlsError::new(TlsErrorKind::Protocol, format!("TLS input: {error}"))));
            }
            self.process(&mut plaintext)?;
        }
        Ok(plaintext)
    }

    fn process(&mut self, plaintext: &mut Vec<u8>) -> Result<(), TlsError> {
        let state = match self.conn.process_new_packets() {
            Ok(state) => state,
            Err(error) => {
                let mut error = self.classify(&error);
                if error.kind.is_certificate() {
                    error.certificate = self.verdict().summary.map(Box::new);
                }
                return Err(self.fail(error));
            }
        };
        let waiting = state.plaintext_bytes_to_read();
        if waiting > 0 {
            let start = plaintext.len();
            plaintext.resize(start + waiting, 0);
            if self.conn.reader().read_exact(&mut plaintext[start..]).is_err() {
                plaintext.truncate(start);
            }
        }
        if state.peer_has_closed() {
            self.peer_closed = true;
        }
        if !self.established && !self.conn.is_handshaking() {
            self.established = true;
            self.reported = Some(self.describe());
        }
        Ok(())
    }

    fn fail(&mut self, error: TlsError) -> TlsError {
        self.failed = Some(error.clone());
        error
    }

    /// The peer's side of the TCP connection ended. Fine after its `close_notify`; else
    /// whatever came may have been cut short.
    pub fn receive_eof(&mut self) -> Result<(), TlsError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.peer_closed {
            return Ok(());
        }
        let error = if self.established {
            TlsError::new(
                TlsErrorKind::Truncated,
                "the server closed the connection without ending TLS (no close_notify): what it sent may be cut short",
            )
        } else {
            TlsError::new(
                TlsErrorKind::Handshake,
                "the server closed the connection during the TLS handshake",
            )
        };
        Err(self.fail(error))
    }

    /// Encrypts `plaintext`; returns the ciphertext to send (with anything else due).
    pub fn send(&mut self, plaintext: &[u8]) -> Vec<u8> {
        if self.failed.is_none() {
            let _ = self.conn.writer().write_all(plaintext);
        }
        self.take_output()
    }

    /// Ends TLS on this connection (`close_notify`); take the output to send it.
    pub fn close(&mut self) {
        self.conn.send_close_notify();
    }

    /// Ciphertext due to the peer: the handshake, alerts, `close_notify`.
    pub fn take_output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut out).is_err() {
                break;
            }
        }
        out
    }

    /// Whether the handshake finished.
    pub fn is_established(&self) -> bool {
        self.established
    }

    /// What the handshake established, once, when it finished.
    pub fn take_established(&mut self) -> Option<Established> {
        self.reported.take()
    }

    /// Whether the peer ended TLS (`close_notify`).
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    fn verdict(&self) -> Verdict {
        self.verdict.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn describe(&self) -> Established {
        let version = match self.conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
            Some(other) => format!("{other:?}"),
            None => "TLS".to_string(),
        };
        let cipher_suite =
            self.conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
        let resumed = self.conn.handshake_kind() == Some(HandshakeKind::Resumed);
        let certificate = self
            .conn
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|der| cert::summarize(der));
        let verdict = self.verdict();
        Established { version, cipher_suite, resumed, certificate, trusted_by: verdict.trusted_by }
    }

    /// A rustls error as a code and a sentence a person can act on.
    fn classify(&self, error: &Error) -> TlsError {
        let summary = self.verdict().summary;
        let host = &self.host;
        let certificate = |kind, message: String| TlsError::new(kind, message);
        match error {
            Error::InvalidCertificate(problem) => match problem {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => certificate(
                    TlsErrorKind::Expired,
                    match &summary {
                        Some(s) => format!("the server's certificate expired on {}", date(s.not_after)),
                        None => "the server's certificate has expired".into(),
                    },
                ),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => certificate(
                    TlsErrorKind::NotYetValid,
                    match &summary {
                        Some(s) => format!(
                            "the server's certificate is valid only from {} (is this computer's clock right?)",
                            date(s.not_before)
                        ),
                        None => "the server's certificate is not valid yet".into(),
                    },
                ),
                CertificateError::NotValidForName => certificate(
                    TlsErrorKind::WrongName,
                    format!("the server's certificate is not for {host}"),
                ),
                CertificateError::NotValidForNameContext { presented, .. } => certificate(
                    TlsErrorKind::WrongName,
                    if presented.is_empty() {
                        format!("the server's certificate is not for {host}")
                    } else {
                        format!("the server's certificate is for {}, not {host}", presented.join(", "))
                    },
                ),
                CertificateError::UnknownIssuer => match &summary {
                    Some(s) if s.self_issued() => certificate(
                        TlsErrorKind::SelfSigned,
                        format!(
                            "the server's certificate is self-signed ({}; key SHA-256 {}): no authority vouches \
                             for it; trust its key only if you can check this fingerprint",
                            s.subject,
                            cert::fingerprint(&s.key_sha256)
                        ),
                    ),
                    Some(s) => certificate(
                        TlsErrorKind::UnknownIssuer,
                        format!(
                            "the server's certificate was issued by {}, which is not a trusted authority",
                            s.issuer
                        ),
                    ),
                    None => certificate(
                        TlsErrorKind::UnknownIssuer,
                        "the server's certificate was not issued by a trusted authority".into(),
                    ),
                },
                CertificateError::Revoked => {
                    certificate(TlsErrorKind::Revoked, "the server's certificate was revoked".into())
                }
                CertificateError::Other(other) if other.0.downcast_ref::<KeyChanged>().is_some() => {
                    certificate(
                        TlsErrorKind::KeyChanged,
                        match &summary {
                            Some(s) => format!(
                                "the server's key changed since it was pinned for {host} (now SHA-256 {}): someone may be \
                             intercepting the connection; if the server's owner says they changed it, pin the new key",
                                cert::fingerprint(&s.key_sha256)
                            ),
                            None => format!("the server's key changed since it was pinned for {host}"),
                        },
                    )
                }
                other => certificate(
                    TlsErrorKind::BadCertificate,
                    format!("the server's certificate cannot be used: {other:?}"),
                ),
            },
            Error::AlertReceived(alert) if self.conn.is_handshaking() => TlsError::new(
                TlsErrorKind::Handshake,
                format!("the server refused the TLS handshake (alert {alert:?})"),
            ),
            Error::AlertReceived(alert) => TlsError::new(
                TlsErrorKind::Protocol,
                format!("the server ended TLS with an alert ({alert:?})"),
            ),
            Error::PeerIncompatible(why) => TlsError::new(
                TlsErrorKind::Handshake,
                format!("the server has no TLS version or cipher suite in common with this client ({why:?})"),
            ),
            Error::InvalidMessage(_)
            | Error::InappropriateMessage { .. }
            | Error::InappropriateHandshakeMessage { .. }
                if !self.established =>
            {
                TlsError::new(
                    TlsErrorKind::Handshake,
                    format!("the server did not answer in TLS ({error}); is this port plain FTP?"),
                )
            }
            other if !self.established => {
                TlsError::new(TlsErrorKind::Handshake, format!("TLS handshake: {other}"))
            }
            other => TlsError::new(TlsErrorKind::Protocol, format!("TLS: {other}")),
        }
    }
}

/// `YYYY-MM-DD` (UTC) of Unix seconds.
fn date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_796_083_200), "2026-12-01");
        assert_eq!(date(-86_400), "1969-12-31");
    }
}
