//! Whom to trust: the webpki verifier against a root store, then the user's pins for
//! the host, then (when asked for) trust on first use. What was decided, and the
//! certificate it was decided on, is kept for the connection to report.

use crate::cert::{self, CertificateSummary};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex, PoisonError};

/// Which roots certificates are checked against.
#[derive(Clone, Debug, Default)]
pub enum Roots {
    /// The Mozilla root store compiled into this crate (feature `webpki-roots`).
    #[default]
    Webpki,
    /// These DER certificates only.
    Certificates(Vec<Vec<u8>>),
    /// None: only pins (or first use) can make a certificate trusted.
    None,
}

/// The trust settings of one session.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The authorities.
    pub roots: Roots,
    /// SHA-256 hashes of the SubjectPublicKeyInfo of keys the user accepted for this
    /// host: a certificate with one of these keys is accepted whatever else is wrong
    /// with it, and one with another key that no authority vouches for is refused as a
    /// changed key.
    pub pins: Vec<[u8; 32]>,
    /// With no pin for the host, accept a key no authority vouches for and report it
    /// (for the caller to pin). Off by default.
    pub trust_on_first_use: bool,
}

/// Why the client trusted the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustedBy {
    /// An authority in the root store vouches for the certificate and its name.
    Authority,
    /// Its key is one the user pinned for this host.
    Pin,
    /// No authority vouches for it and nothing was pinned: accepted on first use, to be
    /// pinned now.
    FirstUse,
}

impl TrustedBy {
    /// `authority`, `pin` or `first_use`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustedBy::Authority => "authority",
            TrustedBy::Pin => "pin",
            TrustedBy::FirstUse => "first_use",
        }
    }
}

/// What the verifier saw and decided, for the connection to report.
#[derive(Clone, Debug, Default)]
pub(crate) struct Verdict {
    pub summary: Option<CertificateSummary>,
    pub trusted_by: Option<TrustedBy>,
}

/// The error a changed key is reported with (inside `CertificateError::Other`).
#[derive(Debug)]
pub(crate) struct KeyChanged;

impl std::fmt::Display for KeyChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server's key is not the one pinned for this host")
    }
}

impl std::error::Error for KeyChanged {}

#[derive(Debug)]
pub(crate) struct Verifier {
    authority: Option<Arc<WebPkiServerVerifier>>,
    pins: Vec<[u8; 32]>,
    first_use: bool,
    provider: Arc<CryptoProvider>,
    pub verdict: Arc<Mutex<Verdict>>,
}

impl Verifier {
    pub fn new(trust: &Trust, provider: Arc<CryptoProvider>) -> Result<Verifier, String> {
        let mut store = RootCertStore::empty();
        match &trust.roots {
            #[cfg(feature = "webpki-roots")]
            Roots::Webpki => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            #[cfg(not(feature = "webpki-roots"))]
            Roots::Webpki => return Err("this build has no root store: pass the roots".into()),
            Roots::Certificates(ders) => {
                for der in ders {
                    store
                        .add(CertificateDer::from(der.clone()))
                        .map_err(|e| format!("a root certificate could not be read: {e}"))?;
                }
            }
            Roots::None => {}
        }
        let authority = if store.is_empty() {
            None
        } else {
            let built =
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone()).build();
            Some(built.map_err(|e| format!("the root store could not be used: {e}"))?)
        };
        Ok(Verifier {
            authority,
            pins: trust.pins.clone(),
            first_use: trust.trust_on_first_use,
            provider,
            verdict: Arc::default(),
        })
    }

    fn decide(&self, summary: Option<CertificateSummary>, trusted_by: Option<TrustedBy>) {
        *self.verdict.lock().unwrap_or_else(PoisonError::into_inner) = Verdict { summary, trusted_by };
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let summary = cert::summarize(end_entity);
        let key = cert::key_hash(end_entity);
        let by_authority = match &self.authority {
            Some(verifier) => {
                verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        };
        match by_authority {
            Ok(verified) => {
                self.decide(summary, Some(TrustedBy::Authority));
                Ok(verified)
            }
            Err(_) if self.pins.contains(&key) => {
                self.decide(summary, Some(TrustedBy::Pin));
                Ok(ServerCertVerified::assertion())
            }
            Err(_) if !self.pins.is_empty() => {
                self.decide(summary, None);
                Err(Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(KeyChanged)))))
            }
            Err(_) if self.first_use => {
                self.decide(summary, Some(TrustedBy::FirstUse));
                Ok(ServerCertVerified::assertion())
            }
            Err(error) => {
                self.decide(summary, None);
                Err(error)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
