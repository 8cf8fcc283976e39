//! The servers under test and the relay in front of them.
//!
//! vsftpd, proftpd, pure-ftpd and pyftpdlib come from `ftpbridge-testkit`; libunftp is
//! the `ftpbridge-demo --ftp-only` binary on a free port, serving a fresh temp folder.
//! Either way the matrix sees a [`Server`]: a control port, URLs, and the folder on disk
//! that the FTP user sees as `/`, to seed files and to check what the client did.

use crate::cli::Trust;
use ftpbridge_testkit::{CertKind, RealServer, ServerKind, TlsMode};
use std::fmt;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to greet after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The libunftp version `ftpbridge-demo` is built with.
const LIBUNFTP_VERSION: &str = "0.24";

/// A server of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// vsftpd, from the testkit.
    Vsftpd,
    /// ProFTPD, from the testkit.
    Proftpd,
    /// Pure-FTPd, from the testkit.
    #[value(alias = "pureftpd")]
    PureFtpd,
    /// pyftpdlib, from the testkit.
    Pyftpdlib,
    /// libunftp, as built into `ftpbridge-demo`.
    Libunftp,
}

impl Kind {
    /// Every server, in the order of the report.
    pub const ALL: [Kind; 5] = [Kind::Vsftpd, Kind::Proftpd, Kind::PureFtpd, Kind::Pyftpdlib, Kind::Libunftp];

    /// The testkit's kind, for the servers it runs.
    fn testkit(self) -> Option<ServerKind> {
        match self {
            Kind::Vsftpd => Some(ServerKind::Vsftpd),
            Kind::Proftpd => Some(ServerKind::Proftpd),
            Kind::PureFtpd => Some(ServerKind::PureFtpd),
            Kind::Pyftpdlib => Some(ServerKind::Pyftpdlib),
            Kind::Libunftp => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.testkit() {
            Some(kind) => write!(f, "{kind}"),
            None => write!(f, "libunftp {LIBUNFTP_VERSION}"),
        }
    }
}

/// A running server; dropping it stops it and removes its files.
pub enum Server {
    /// One of the testkit's servers.
    Real(Box<RealServer>),
    /// `ftpbridge-demo --ftp-only`.
    Unftp(Unftp),
}

impl Server {
    /// Starts a fresh `kind` on 127.0.0.1 that offers explicit TLS (`AUTH TLS`) with a
    /// certificate of the testkit's CA, and still serves plain sessions; `demo` is the
    /// `ftpbridge-demo` binary (libunftp, explicit TLS with a self-signed certificate).
    pub fn start(kind: Kind, demo: &Path) -> Result<Server, String> {
        match kind.testkit() {
            Some(kind) => RealServer::try_start_tls(kind, TlsMode::Explicit, CertKind::SignedByTestCa)
                .map(|s| Server::Real(Box::new(s)))
                .map_err(|e| e.to_string()),
            None => Unftp::start(demo).map(Server::Unftp),
        }
    }

    /// Starts a fresh `kind` with implicit TLS, or says why it has none.
    pub fn start_implicit(kind: Kind) -> Result<Server, String> {
        match kind.testkit() {
            Some(kind) if kind.supports_implicit_tls() => {
                RealServer::try_start_tls(kind, TlsMode::Implicit, CertKind::SignedByTestCa)
                    .map(|s| Server::Real(Box::new(s)))
                    .map_err(|e| e.to_string())
            }
            _ => Err(format!("{kind} has no implicit TLS")),
        }
    }

    /// How the CLI trusts its certificate.
    pub fn trust(&self) -> Trust {
        match self {
            Server::Real(server) => server.tls().map_or(Trust::FirstUse, |files| Trust::Ca(files.ca.clone())),
            Server::Unftp(_) => Trust::FirstUse,
        }
    }

    /// The control port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        match self {
            Server::Real(server) => server.port(),
            Server::Unftp(server) => server.port,
        }
    }

    /// `ftp://user:password@127.0.0.1:port/path`, the path percent-encoded.
    pub fn url(&self, path: &str) -> String {
        let (user, password) = match self {
            Server::Real(server) => (server.user(), server.password()),
            Server::Unftp(_) => ("demo", "demo"),
        };
        format!(
            "ftp://{}:{}@127.0.0.1:{}/{}",
            percent_encode(user, false),
            percent_encode(password, false),
            self.port(),
            percent_encode(path.trim_start_matches('/'), true)
        )
    }

    /// The path on disk of `rel`, relative to the FTP user's `/`.
    pub fn disk(&self, rel: &str) -> PathBuf {
        match self {
            Server::Real(server) => server.path(rel),
            Server::Unftp(server) => {
                rel.split('/').filter(|s| !s.is_empty()).fold(server.root(), |p, s| p.join(s))
            }
        }
    }

    /// Writes the file `rel` (and its missing parents), readable and writable by the
    /// server's user.
    pub fn write_file(&self, rel: &str, contents: &[u8]) {
        match self {
            Server::Real(server) => server.write_file(rel, contents),
            Server::Unftp(_) => {
                let path = self.disk(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
                }
                std::fs::write(&path, contents)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            }
        }
    }

    /// Creates the directory `rel` (and its missing parents) for the server's user.
    pub fn create_dir(&self, rel: &str) {
        match self {
            Server::Real(server) => server.create_dir(rel),
            Server::Unftp(_) => {
                let path = self.disk(rel);
                std::fs::create_dir_all(&path)
                    .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
            }
        }
    }

    /// The temporary directory that holds the server's files, to keep its path out of
    /// messages.
    pub fn dir(&self) -> &Path {
        match self {
            Server::Real(server) => server.dir(),
            Server::Unftp(server) => server.dir.path(),
        }
    }

    /// The server's output and logs so far.
    pub fn log(&self) -> String {
        match self {
            Server::Real(server) => server.log(),
            Server::Unftp(server) => std::fs::read(server.output())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
        }
    }
}

/// libunftp: an `ftpbridge-demo --ftp-only` child process.
pub struct Unftp {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Unftp {
    /// Runs `demo --ftp-only --ftp-port P --files DIR` on a free port and waits for its
    /// greeting.
    fn start(demo: &Path) -> Result<Unftp, String> {
        let dir = tempfile::Builder::new()
            .prefix("ftpbridge-libunftp-")
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let root = dir.path().join("root");
        let output = dir.path().join("server.log");
        let log = std::fs::File::create(&output).map_err(|e| format!("cannot create its log: {e}"))?;
        let log_err = log.try_clone().map_err(|e| format!("cannot create its log: {e}"))?;
        // A port from the kernel's ephemeral range, so never one of the testkit's blocks.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = Command::new(demo)
            .arg("--ftp-only")
            .args(["--ftp-port", &port.to_string()])
            .arg("--files")
            .arg(&root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", demo.display()))?;
        let mut server = Unftp { child, port, dir };
        server.wait_until_ready().map_err(|why| {
            let log = std::fs::read(server.output()).unwrap_or_default();
            format!("{why}\n{}", String::from_utf8_lossy(&log))
        })?;
        Ok(server)
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Waits for `FTP server on` in its output, then for the `220` greeting.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut announced = false;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("ftpbridge-demo exited with {status}"));
            }
            if Instant::now() >= deadline {
                return Err(format!("no greeting on {addr} within {START_TIMEOUT:?}"));
            }
            if !announced {
                let text = std::fs::read(self.output()).unwrap_or_default();
                announced = String::from_utf8_lossy(&text).contains("FTP server on");
            } else if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut greeting = [0u8; 3];
                return match stream.read_exact(&mut greeting) {
                    Ok(()) if &greeting == b"220" => Ok(()),
                    Ok(()) => Err(format!("it greeted with {:?}", String::from_utf8_lossy(&greeting))),
                    Err(e) => Err(format!("no greeting: {e}")),
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Unftp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A relay running in a thread of its own until dropped.
pub struct Relay {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// A relay on 127.0.0.1 that allows loopback servers on `control_ports`, active
    /// mode included (its listeners on 127.0.0.1).
    pub fn start(control_ports: &[u16]) -> Result<Relay, String> {
        let mut config = ftpbridge_relay::RelayConfig::default();
        config.policy.allow_private = true;
        config.policy.control_ports = control_ports.to_vec();
        // Every cell is a new session from 127.0.0.1, several a second: more than the
        // per-client upgrade rate a public relay allows one address.
        config.limits.upgrades_per_second = 1000;
        config.limits.upgrade_burst = 1000;
        config.active.enabled = true;
        config.active.bind_address = Ipv4Addr::LOCALHOST.into();
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("no port for the relay: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| format!("relay listener: {e}"))?;
        let address = listener.local_addr().map_err(|e| format!("relay listener: {e}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("no runtime for the relay: {e}"))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(e) => return eprintln!("relay: {e}"),
                };
                let shutdown = async move {
                    let _ = stopped.await;
                };
                if let Err(e) = ftpbridge_relay::serve(listener, config, shutdown).await {
                    eprintln!("relay: {e}");
                }
            });
        });
        Ok(Relay { url: format!("ws://{address}/ws"), stop: Some(stop), thread: Some(thread) })
    }

    /// `ws://127.0.0.1:port/ws`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Percent-encodes everything but unreserved characters (and `/` when `keep_slash`).
fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodes_paths() {
        assert_eq!(
            percent_encode("a dir/Привет ✓.txt", true),
            "a%20dir/%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20%E2%9C%93.txt"
        );
        assert_eq!(percent_encode("a/b", false), "a%2Fb");
    }

    #[test]
    fn names_servers_with_versions() {
        assert_eq!(Kind::Vsftpd.to_string(), "vsftpd 3.0.3");
        assert_eq!(Kind::Libunftp.to_string(), "libunftp 0.24");
    }
}
