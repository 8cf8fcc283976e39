//! The built-in demo FTP server: libunftp on 127.0.0.1 serving a folder of sample
//! files, with one user whose password is printed at start-up.

use libunftp::ServerBuilder;
use libunftp::options::ActivePassiveMode;
use std::net::SocketAddrV4;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};
use unftp_sbe_fs::Filesystem;

/// The demo user and password.
pub const USER: &str = "demo";
/// The demo password (the server listens on loopback only).
pub const PASSWORD: &str = "demo";

/// Accepts exactly the demo user and password.
#[derive(Debug)]
struct DemoLogin;

#[async_trait::async_trait]
impl Authenticator for DemoLogin {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        if username != USER {
            return Err(AuthenticationError::BadUser);
        }
        match creds.password.as_deref() {
            Some(PASSWORD) => Ok(Principal { username: username.to_string() }),
            _ => Err(AuthenticationError::BadPassword),
        }
    }
}

/// Fills `root` with sample files and folders (once; existing files are kept).
pub fn seed(root: &Path) -> std::io::Result<()> {
    let write = |relative: &str, bytes: &[u8]| -> std::io::Result<()> {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if !path.exists() {
            std::fs::write(path, bytes)?;
        }
        Ok(())
    };
    write(
        "README.txt",
        b"Welcome to the ftpbridge demo server.\r\nBrowse, download, upload, rename and delete freely.\r\n",
    )?;
    write("pub/firmware/router-v2.4.1.bin", &pseudo_random(1_572_864, 1))?;
    write("pub/firmware/CHANGELOG.md", b"# 2.4.1\n- Fixes the Wi-Fi scheduler.\n")?;
    write("pub/science/dataset-2024.csv", csv().as_bytes())?;
    write("pub/photos/sunrise.jpg", &pseudo_random(350_000, 2))?;
    write("pub/Документы/отчёт.txt", "Пример файла с кириллическим именем.\n".as_bytes())?;
    write("pub/names with spaces/a [bracketed] file.txt", b"Names with [ ] * ? are listed, not globbed.\n")?;
    write(".hidden-config", b"shown with the hidden-files toggle\n")?;
    std::fs::create_dir_all(root.join("upload"))?;
    Ok(())
}

fn csv() -> String {
    let mut out = String::from("station,date,temperature_c\n");
    for day in 1..=365 {
        out.push_str(&format!("ARC-{:02},2024-{:03},{:.1}\n", day % 7, day, -20.0 + (day % 40) as f64 * 0.7));
    }
    out
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// The demo server's TLS: a self-signed certificate for `127.0.0.1` and `localhost`,
/// made once in `dir` and kept (so a page that trusted its key keeps trusting it).
pub struct DemoTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// SHA-256 of its public key, `AA:BB:...`: what the page shows before trusting it.
    pub fingerprint: String,
}

/// Makes (or finds) the demo certificate in `dir`.
pub fn tls(dir: &std::path::Path) -> Result<DemoTls, String> {
    use sha2::Digest;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let fail = |e: rcgen::Error| format!("the demo certificate: {e}");
    let pair = match std::fs::read_to_string(&key) {
        Ok(pem) if cert.exists() => rcgen::KeyPair::from_pem(&pem).map_err(fail)?,
        _ => {
            let pair = rcgen::KeyPair::generate().map_err(fail)?;
            let mut params =
                rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).map_err(fail)?;
            params.distinguished_name.push(rcgen::DnType::CommonName, "ftpbridge demo server");
            params.not_after = rcgen::date_time_ymd(2036, 1, 1);
            let made = params.self_signed(&pair).map_err(fail)?;
            std::fs::write(&cert, made.pem()).map_err(|e| format!("{}: {e}", cert.display()))?;
            std::fs::write(&key, pair.serialize_pem()).map_err(|e| format!("{}: {e}", key.display()))?;
            pair
        }
    };
    use rcgen::PublicKeyData;
    let hash = sha2::Sha256::digest(pair.subject_public_key_info());
    let fingerprint = hash.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    Ok(DemoTls { cert, key, fingerprint })
}

/// Starts the server on `address`, serving `root`, with passive ports in `passive`, and
/// explicit TLS (not required) when `tls` is given.
pub async fn serve(
    address: SocketAddrV4,
    root: PathBuf,
    passive: std::ops::RangeInclusive<u16>,
    tls: Option<&DemoTls>,
) -> Result<(), String> {
    let mut server = ServerBuilder::with_authenticator(
        Box::new(move || Filesystem::new(root.clone()).expect("the demo folder exists")),
        Arc::new(DemoLogin),
    )
    .greeting("ftpbridge demo server")
    .passive_host(*address.ip())
    .passive_ports(passive)
    .active_passive_mode(ActivePassiveMode::ActiveAndPassive);
    if let Some(tls) = tls {
        server = server.ftps(tls.cert.clone(), tls.key.clone());
    }
    let server = server.build().map_err(|e| format!("cannot build the demo FTP server: {e}"))?;
    server.listen(address.to_string()).await.map_err(|e| format!("the demo FTP server stopped: {e}"))
}
