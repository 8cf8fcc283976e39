//! TLS for FTP without I/O, on rustls.
//!
//! ```text
//!   socket ── ciphertext ──► TlsStream::receive ──► plaintext ──► FTP engine
//!   socket ◄── ciphertext ── TlsStream::send    ◄── plaintext ◄── FTP engine
//!                               │
//!        SessionTls (one per FTP session): trust, server name, session cache
//!        (data connections resume the control connection's TLS session)
//! ```
//!
//! ```no_run
//! use ftpbridge_tls::{SessionTls, Trust};
//! let session = SessionTls::new("ftp.example.com", &Trust::default()).expect("a valid name");
//! let mut control = session.connect().expect("a client connection");
//! let hello = control.take_output(); // send this on the socket
//! # let received: Vec<u8> = Vec::new();
//! let plaintext = control.receive(&received); // what came back, decrypted
//! if let Some(done) = control.take_established() {
//!     println!("{} {}", done.version, done.cipher_suite);
//! }
//! ```

mod cert;
mod error;
mod stream;
mod verify;

pub use cert::{CertificateSummary, fingerprint, key_hash, sha256, summarize};
pub use error::{TlsError, TlsErrorKind};
pub use stream::{Established, TlsStream};
pub use verify::{Roots, Trust, TrustedBy};

use rustls::client::ClientConnection;
use rustls::crypto::{CryptoProvider, KeyProvider};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::ServerName;
use rustls::sign::SigningKey;
use rustls::{CipherSuite, ClientConfig};
use std::sync::{Arc, Mutex};

/// One FTP session's TLS: its configuration, the server's name and the cache its data
/// connections resume from. Never share one between sessions (servers refuse a data
/// connection that resumes another session's TLS).
pub struct SessionTls {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    host: String,
    verdict: Arc<Mutex<verify::Verdict>>,
}

impl SessionTls {
    /// TLS for a session with `host` (a name or an IP address, as the user typed it:
    /// the certificate must be for it), trusting as `trust` says.
    pub fn new(host: &str, trust: &Trust) -> Result<SessionTls, TlsError> {
        let name = ServerName::try_from(host.to_string()).map_err(|_| {
            TlsError::new(
                TlsErrorKind::Handshake,
                format!("{host:?} is not a name TLS can check a certificate against"),
            )
        })?;
        let provider = Arc::new(provider());
        let verifier = verify::Verifier::new(trust, provider.clone())
            .map_err(|why| TlsError::new(TlsErrorKind::BadCertificate, why))?;
        let verdict = verifier.verdict.clone();
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| TlsError::new(TlsErrorKind::Handshake, e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // The default in-memory cache, owned by this session alone.
        Ok(SessionTls { config: Arc::new(config), name, host: host.to_string(), verdict })
    }

    /// A new client connection to the server (the control connection, or a data
    /// connection, which resumes the session when the server lets it).
    pub fn connect(&self) -> Result<TlsStream, TlsError> {
        let conn = ClientConnection::new(self.config.clone(), self.name.clone())
            .map_err(|e| TlsError::new(TlsErrorKind::Handshake, e.to_string()))?;
        Ok(TlsStream::new(conn, self.verdict.clone(), self.host.clone()))
    }
}

/// ring, with ChaCha20-Poly1305 first in wasm (no AES instructions there: ChaCha20 is
/// about three times as fast) and AES-GCM first natively. It loads no private keys (an
/// FTP client authenticates with its password), so the signing code stays out of the
/// wasm module.
fn provider() -> CryptoProvider {
    let ring = rustls::crypto::ring::default_provider();
    let mut provider = CryptoProvider {
        cipher_suites: rustls::crypto::ring::DEFAULT_CIPHER_SUITES.to_vec(),
        kx_groups: rustls::crypto::ring::DEFAULT_KX_GROUPS.to_vec(),
        signature_verification_algorithms: ring.signature_verification_algorithms,
        secure_random: ring.secure_random,
        key_provider: &NoKeys,
    };
    if cfg!(target_arch = "wasm32") {
        let chacha = |suite: &rustls::SupportedCipherSuite| {
            matches!(
                suite.suite(),
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
                    | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                    | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            )
        };
        provider.cipher_suites.sort_by_key(|suite| !chacha(suite));
    }
    provider
}

/// No client certificates: no private keys to load.
#[derive(Debug)]
struct NoKeys;

impl KeyProvider for NoKeys {
    fn load_private_key(
        &self,
        _key: PrivateKeyDer<'static>,
    ) -> Result<std::sync::Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("an FTP client has no private keys".into()))
    }
}
