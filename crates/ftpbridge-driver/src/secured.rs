//! A socket in TLS: its stream, and the accounting that turns "this much ciphertext
//! left" into "this much of the engine's plaintext left".

use ftpbridge_engine::{CertificateInfo, ErrorKind, SocketError, TlsInfo};
use ftpbridge_tls::{Established, TlsError, TlsStream, fingerprint};
use std::collections::VecDeque;

pub(crate) struct Secured {
    pub stream: TlsStream,
    pub ledger: Ledger,
    /// The peer's `close_notify` was reported to the engine as its EOF.
    pub eof_reported: bool,
    /// TLS failed and the engine heard: nothing more goes to it from this socket.
    pub failed: bool,
}

impl Secured {
    pub fn new(stream: TlsStream) -> Secured {
        Secured { stream, ledger: Ledger::default(), eof_reported: false, failed: false }
    }
}

/// Ciphertext handed out and not yet reported sent, each with the plaintext it carries
/// (0 for handshake records and alerts).
#[derive(Default)]
pub(crate) struct Ledger {
    unsent: VecDeque<(usize, usize)>,
    /// Ciphertext of the front entry already reported sent.
    front_sent: usize,
}

impl Ledger {
    /// `cipher` bytes go out carrying `plain` bytes of the engine's.
    pub fn record(&mut self, cipher: usize, plain: usize) {
        if cipher > 0 {
            self.unsent.push_back((cipher, plain));
        }
    }

    /// `n` bytes of ciphertext left; returns the plaintext bytes that left with them
    /// (a record counts once all of it left).
    pub fn sent(&mut self, mut n: usize) -> usize {
        let mut plain = 0;
        while n > 0 {
            let Some(&(cipher, carried)) = self.unsent.front() else { break };
            let take = n.min(cipher - self.front_sent);
            self.front_sent += take;
            n -= take;
            if self.front_sent == cipher {
                self.unsent.pop_front();
                self.front_sent = 0;
                plain += carried;
            }
        }
        plain
    }
}

/// A finished handshake as the engine describes it.
pub(crate) fn info(established: Established) -> TlsInfo {
    TlsInfo {
        version: established.version,
        cipher_suite: established.cipher_suite,
        resumed: established.resumed,
        certificate: established.certificate.map(certificate),
        trusted_by: established.trusted_by.map(|t| t.as_str().to_string()),
    }
}

fn certificate(c: ftpbridge_tls::CertificateSummary) -> CertificateInfo {
    CertificateInfo {
        subject: c.subject,
        issuer: c.issuer,
        not_before: c.not_before,
        not_after: c.not_after,
        sha256: fingerprint(&c.sha256),
        key_sha256: crate::pins::hex(&c.key_sha256),
    }
}

/// A TLS failure as the engine's socket error.
pub(crate) fn socket_error(error: TlsError) -> SocketError {
    let kind = if error.kind.is_certificate() { ErrorKind::Certificate } else { ErrorKind::Tls };
    SocketError::Tls {
        kind,
        detail: error.kind.as_str(),
        message: error.message,
        certificate: error.certificate.map(|c| Box::new(certificate(*c))),
    }
}

/// What a socket's received ciphertext gave.
#[derive(Default)]
pub(crate) struct Received {
    /// Ciphertext to send back (handshake, alerts).
    pub reply: Vec<u8>,
    /// The handshake finished with this.
    pub established: Option<TlsInfo>,
    /// The plaintext, or why TLS failed.
    pub plain: Option<Result<Vec<u8>, SocketError>>,
    /// The peer's `close_notify` came: report its EOF.
    pub closed: bool,
}

/// The TLS of one FTP session: its configuration (made at the first handshake) and
/// its sockets in TLS.
pub(crate) struct TlsLayer {
    trust: ftpbridge_tls::Trust,
    session: Option<ftpbridge_tls::SessionTls>,
    sockets: std::collections::HashMap<ftpbridge_engine::SocketId, Secured>,
}

impl TlsLayer {
    pub fn new(trust: ftpbridge_tls::Trust) -> TlsLayer {
        TlsLayer { trust, session: None, sockets: Default::default() }
    }

    /// Starts TLS on `socket` to `host`; returns the ClientHello to send.
    pub fn start(&mut self, host: &str, socket: ftpbridge_engine::SocketId) -> Result<Vec<u8>, SocketError> {
        if self.session.is_none() {
            self.session = Some(ftpbridge_tls::SessionTls::new(host, &self.trust).map_err(socket_error)?);
        }
        let Some(session) = &self.session else { return Err(SocketError::Other("no TLS session".into())) };
        let mut secured = Secured::new(session.connect().map_err(socket_error)?);
        let hello = secured.stream.take_output();
        secured.ledger.record(hello.len(), 0);
        self.sockets.insert(socket, secured);
        Ok(hello)
    }

    /// Encrypts what the engine sends on `socket`, when it is in TLS.
    pub fn encrypt(&mut self, socket: ftpbridge_engine::SocketId, plain: &[u8]) -> Option<Vec<u8>> {
        let secured = self.sockets.get_mut(&socket)?;
        let cipher = secured.stream.send(plain);
        secured.ledger.record(cipher.len(), plain.len());
        Some(cipher)
    }

    /// Ciphertext received on `socket`, when it is in TLS.
    pub fn receive(&mut self, socket: ftpbridge_engine::SocketId, cipher: &[u8]) -> Option<Received> {
        let secured = self.sockets.get_mut(&socket)?;
        if secured.failed {
            return Some(Received::default());
        }
        let result = secured.stream.receive(cipher);
        let reply = secured.stream.take_output();
        secured.ledger.record(reply.len(), 0);
        let established = secured.stream.take_established().map(info);
        let closed = result.is_ok() && secured.stream.peer_closed() && !secured.eof_reported;
        if closed {
            secured.eof_reported = true;
        }
        if result.is_err() {
            secured.failed = true;
        }
        Some(Received { reply, established, plain: Some(result.map_err(socket_error)), closed })
    }

    /// The peer's TCP side ended on `socket`, when it is in TLS: `Ok(true)` to report
    /// its EOF, `Ok(false)` when it was reported already (or TLS failed before).
    pub fn eof(&mut self, socket: ftpbridge_engine::SocketId) -> Option<Result<bool, SocketError>> {
        let secured = self.sockets.get_mut(&socket)?;
        if secured.eof_reported || secured.failed {
            return Some(Ok(false));
        }
        Some(match secured.stream.receive_eof() {
            Ok(()) => {
                secured.eof_reported = true;
                Ok(true)
            }
            Err(error) => {
                secured.failed = true;
                Err(socket_error(error))
            }
        })
    }

    /// `n` bytes of ciphertext left `socket`: the engine's plaintext that left with them.
    pub fn sent(&mut self, socket: ftpbridge_engine::SocketId, n: usize) -> Option<usize> {
        Some(self.sockets.get_mut(&socket)?.ledger.sent(n))
    }

    /// Ends TLS on `socket` (`close_notify`, once); returns it to send.
    pub fn close(&mut self, socket: ftpbridge_engine::SocketId) -> Option<Vec<u8>> {
        let secured = self.sockets.get_mut(&socket)?;
        if secured.failed {
            return None;
        }
        secured.stream.close();
        let alert = secured.stream.take_output();
        secured.ledger.record(alert.len(), 0);
        Some(alert)
    }

    /// The socket is gone.
    pub fn forget(&mut self, socket: ftpbridge_engine::SocketId) {
        self.sockets.remove(&socket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_counts_as_sent_once_its_whole_record_left() {
        let mut ledger = Ledger::default();
        ledger.record(517, 0); // a ClientHello
        ledger.record(1_000, 978);
        ledger.record(0, 0);
        ledger.record(500, 478);
        assert_eq!(ledger.sent(517), 0);
        assert_eq!(ledger.sent(999), 0);
        assert_eq!(ledger.sent(1), 978);
        assert_eq!(ledger.sent(10_000), 478);
        assert_eq!(ledger.sent(10), 0);
    }
}
