//! Certificates for test servers (rcgen): a CA the client can be told to trust and a
//! server certificate it signed, for `localhost` and `127.0.0.1`, or a self-signed one
//! (which no authority vouches for), written as PEM files.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};

/// Which certificate a TLS test server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertKind {
    /// Signed by a test CA ([`Certificates::ca`]): trusted when the client trusts that CA.
    SignedByTestCa,
    /// Self-signed: no authority vouches for it (a pin or first use must).
    SelfSigned,
}

/// The PEM files of a test server's TLS.
#[derive(Clone, Debug)]
pub struct Certificates {
    /// The CA's certificate (for `SelfSigned`, the server's own certificate).
    pub ca: PathBuf,
    /// The server's certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    /// The server's certificate, DER.
    pub cert_der: Vec<u8>,
    /// Which kind it is.
    pub kind: CertKind,
}

/// Makes a fresh key and certificate of `kind` in `dir`.
pub fn make(dir: &Path, kind: CertKind) -> Result<Certificates, String> {
    let fail = |e: rcgen::Error| format!("certificate: {e}");
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "127.0.0.2".to_string()];
    let server_key = KeyPair::generate().map_err(fail)?;
    let mut params = CertificateParams::new(names).map_err(fail)?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.distinguished_name.push(DnType::OrganizationName, "ftpbridge tests");
    let (ca_pem, cert) = match kind {
        CertKind::SignedByTestCa => {
            let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
            ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            ca.distinguished_name.push(DnType::CommonName, "ftpbridge test CA");
            ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let issuer =
                CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(fail)?).map_err(fail)?;
            let cert = params.signed_by(&server_key, &issuer).map_err(fail)?;
            (issuer.pem(), cert)
        }
        CertKind::SelfSigned => {
            let cert = params.self_signed(&server_key).map_err(fail)?;
            (cert.pem(), cert)
        }
    };
    let files = Certificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        cert_der: cert.der().to_vec(),
        kind,
    };
    let write =
        |path: &Path, text: &str| std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()));
    write(&files.ca, &ca_pem)?;
    write(&files.cert, &cert.pem())?;
    write(&files.key, &server_key.serialize_pem())?;
    Ok(files)
}
