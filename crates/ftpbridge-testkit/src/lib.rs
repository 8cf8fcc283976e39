//! Real FTP servers on 127.0.0.1 for ftpbridge's integration tests: vsftpd 3.0.3,
//! proftpd 1.3.8, pure-ftpd 1.0.50 and pyftpdlib 2.2.0, as installed by
//! `tests/servers/install.sh`.
//!
//! ```text
//!  test ── RealServer::start(kind) ──> free port block ─> temp dir ─> config ─> child process
//!    │                                                    └ root/ (the user's "/")
//!    ├── write_file / create_dir ───────> root/…  (owned by the server's user)
//!    ├── client under test ── FTP on 127.0.0.1:port() ──> the server
//!    └── read_file / path  <──────────── root/…
//!  drop ─> kill the server's process group, remove the temp dir
//! ```
//!
//! Each [`RealServer`] is a fresh server process with its own configuration, control
//! port and passive port range (blocks of loopback ports locked by a held socket:
//! safe with tests running in parallel threads and processes), serving a new temporary directory to the test user
//! `ftpbridge` / `ftpbridge-test`.
//!
//! Outside CI, a test whose server cannot start is skipped: [`RealServer::start`] prints
//! why and returns `None`. With `CI=true` (or `1`) it panics instead, because a skipped
//! real-server test is not a pass there.
//!
//! The servers need root (they chroot and change uid; pyftpdlib alone also runs as an
//! ordinary user) and the install prefix, `/opt/ftpbridge-servers` or
//! `$FTPBRIDGE_SERVERS_PREFIX`.
//!
//! For fault tests a server can be killed ([`RealServer::kill`]) and brought back on
//! the same port serving the same directory ([`RealServer::restart`]), frozen so that
//! it answers nothing ([`RealServer::freeze`], [`RealServer::thaw`]), or started as a
//! pyftpdlib that cuts its data connections ([`RealServer::start_with_fault`] with a
//! [`Fault`]); [`process`] freezes and thaws any process, e.g. the client under test.
//!
//! ```no_run
//! use ftpbridge_testkit::{RealServer, ServerKind};
//!
//! let Some(server) = RealServer::start(ServerKind::Proftpd) else { return };
//! server.write_file("docs/hello.txt", b"hello\n");
//! let url = server.url("docs/hello.txt"); // ftp://ftpbridge:ftpbridge-test@127.0.0.1:PORT/docs/hello.txt
//! // ... run the client under test against `url` or `server.port()` ...
//! assert_eq!(server.read_file("docs/hello.txt"), b"hello\n");
//! # let _ = url;
//! ```

mod certs;
mod launch;
pub mod link;
mod ports;
pub mod process;
mod system;

pub use certs::{CertKind, Certificates};
pub use system::{DEFAULT_PREFIX, PREFIX_ENV};

/// How a test server offers TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// `AUTH TLS` on the control port; plain sessions still work.
    Explicit,
    /// TLS from the first byte.
    Implicit,
}

/// A TLS server's mode and files.
#[derive(Debug)]
struct ServerTls {
    mode: TlsMode,
    files: Certificates,
}

use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use launch::{Launch, PrepareError, Setup};
use ports::PortBlock;
use system::{Ids, TEST_PASSWORD, TEST_USER};

/// How long a server may take to greet after it was started.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The FTP servers the testkit can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// vsftpd 3.0.3: no MLSD/MLST; logs the system user in through PAM.
    Vsftpd,
    /// ProFTPD 1.3.8 with a mod_auth_file virtual user.
    Proftpd,
    /// Pure-FTPd 1.0.50 with a puredb virtual user.
    PureFtpd,
    /// pyftpdlib 2.2.0 (Python), not chrooted but confined to its root by itself.
    Pyftpdlib,
}

impl ServerKind {
    /// Every kind, for tests that run against all of them.
    pub const ALL: [ServerKind; 4] =
        [ServerKind::Vsftpd, ServerKind::Proftpd, ServerKind::PureFtpd, ServerKind::Pyftpdlib];

    /// The server's name, e.g. `"vsftpd"`.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Vsftpd => "vsftpd",
            ServerKind::Proftpd => "proftpd",
            ServerKind::PureFtpd => "pure-ftpd",
            ServerKind::Pyftpdlib => "pyftpdlib",
        }
    }

    /// The version install.sh installs, e.g. `"3.0.3"`.
    pub fn version(self) -> &'static str {
        match self {
            ServerKind::Vsftpd => "3.0.3",
            ServerKind::Proftpd => "1.3.8",
            ServerKind::PureFtpd => "1.0.50",
            ServerKind::Pyftpdlib => "2.2.0",
        }
    }

    /// Whether the server has MLSD and MLST (vsftpd has neither).
    pub fn has_mlsd(self) -> bool {
        !matches!(self, ServerKind::Vsftpd)
    }

    /// Whether the server has implicit TLS (vsftpd and proftpd; pure-ftpd and
    /// pyftpdlib only explicit).
    pub fn supports_implicit_tls(self) -> bool {
        matches!(self, ServerKind::Vsftpd | ServerKind::Proftpd)
    }

    /// Whether the server, as configured here, accepts PORT and EPRT (all do).
    pub fn supports_active(self) -> bool {
        true
    }

    /// Whether `OPTS UTF8 ON` succeeds (pure-ftpd answers 504 though FEAT lists UTF8).
    pub fn accepts_opts_utf8(self) -> bool {
        !matches!(self, ServerKind::PureFtpd)
    }

    /// Whether the server runs as root and so needs the testkit to run as root.
    fn needs_root(self) -> bool {
        !matches!(self, ServerKind::Pyftpdlib)
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.version())
    }
}

/// A fault that the pyftpdlib of [`RealServer::start_with_fault`] injects into the
/// first file transfer (RETR, STOR or APPE) that moves `after` bytes (later transfers
/// run normally, so that a client can resume; listings are never cut), or a quirk of
/// the kind real servers have, all the time. The server is
/// `tests/servers/pyftpdlib_faults.py`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The data connection is reset (TCP RST) after `after` bytes, and the server
    /// replies `426 Connection reset by peer; transfer aborted.` A download's `after`
    /// bytes have all reached the client before the reset; an upload's file holds
    /// exactly `after` bytes.
    ResetData {
        /// Bytes moved before the reset.
        after: u64,
    },
    /// The server ends the data connection after `after` bytes and replies
    /// `226 Transfer complete.` as if every byte had been moved (a lying server).
    TruncateData {
        /// Bytes moved before the data connection ends.
        after: u64,
    },
    /// A NOOP during a transfer is refused with `502` (servers that take no commands
    /// while they move data).
    RefuseNoopDuringTransfer,
    /// `TYPE I` is refused with `504`.
    RefuseBinary,
    /// LIST and NLST of an empty folder answer `450 No files found`; no MLSD.
    EmptyFolderAs450,
    /// The `220` greeting comes twice.
    DoubleGreeting,
    /// REST is accepted with `350`, but files are sent from their start.
    IgnoreRest,
    /// No SIZE command (not in FEAT; `500`).
    NoSize,
    /// Every data connection moves at most this many bytes per second, each way
    /// (pyftpdlib's `ThrottledDTPHandler`): slow per connection, not in all.
    Throttle {
        /// Bytes per second, per data connection.
        bytes_per_second: u64,
    },
    /// At most this many sessions from one address; the next is refused with `421`
    /// (pyftpdlib's `max_cons_per_ip`, as shared hosts limit sessions).
    SessionsPerAddress {
        /// Sessions allowed at once.
        max: u64,
    },
}

impl Fault {
    /// The fault's name and byte count, as the launcher takes them.
    fn arguments(self) -> (&'static str, u64) {
        match self {
            Fault::ResetData { after } => ("reset", after),
            Fault::TruncateData { after } => ("truncate", after),
            Fault::RefuseNoopDuringTransfer => ("noop502", 0),
            Fault::RefuseBinary => ("binary504", 0),
            Fault::EmptyFolderAs450 => ("nofiles450", 0),
            Fault::DoubleGreeting => ("greet2", 0),
            Fault::IgnoreRest => ("ignorerest", 0),
            Fault::NoSize => ("nosize", 0),
            Fault::Throttle { bytes_per_second } => ("throttle", bytes_per_second),
            Fault::SessionsPerAddress { max } => ("maxcons", max),
        }
    }
}

/// Why a server did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The server or something it needs is not installed (run `tests/servers/install.sh`).
    NotInstalled(String),
    /// The server cannot run here, e.g. because the tests do not run as root.
    Unsupported(String),
    /// It was installed but did not start or greet; the message includes its log.
    Failed(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NotInstalled(why) => write!(f, "not installed: {why}"),
            StartError::Unsupported(why) => write!(f, "cannot run here: {why}"),
            StartError::Failed(why) => write!(f, "failed to start: {why}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Whether the environment variable `CI` says this is a CI run (`true` or `1`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A running FTP server; dropping it kills the server with every process it forked and
/// removes its temporary directory.
#[derive(Debug)]
pub struct RealServer {
    kind: ServerKind,
    fault: Option<Fault>,
    tls: Option<ServerTls>,
    child: Child,
    /// False once `kill` reaped the child (its pid may then be another process's).
    alive: bool,
    ports: PortBlock,
    root: PathBuf,
    owner: Option<Ids>,
    output: PathBuf,
    logs: Vec<PathBuf>,
    // Removed when the fields drop, after Drop::drop killed the server.
    dir: tempfile::TempDir,
}

impl RealServer {
    /// Starts a fresh server on 127.0.0.1 on free ports, serving a new temporary
    /// directory for the test user.
    ///
    /// Outside CI it returns `None` after printing
    /// `skipping: <kind> is not installed (run tests/servers/install.sh)` (or why else it
    /// cannot start); when the environment variable `CI` is `true` or `1` it panics with
    /// the reason instead.
    pub fn start(kind: ServerKind) -> Option<RealServer> {
        RealServer::skip_or_fail(kind, RealServer::try_start(kind))
    }

    /// Like [`RealServer::start`], but returns the reason instead of printing or
    /// panicking.
    pub fn try_start(kind: ServerKind) -> Result<RealServer, StartError> {
        RealServer::launch(kind, None, None)
    }

    /// Like [`RealServer::start`], with TLS (RFC 4217): explicit (`AUTH TLS`, not
    /// required: a plain session still works) or implicit, presenting a fresh
    /// certificate of `cert`'s kind for `localhost` and `127.0.0.1`. vsftpd and
    /// proftpd require data connections to resume the control connection's TLS session.
    pub fn start_tls(kind: ServerKind, mode: TlsMode, cert: CertKind) -> Option<RealServer> {
        RealServer::skip_or_fail(kind, RealServer::try_start_tls(kind, mode, cert))
    }

    /// Like [`RealServer::start_tls`], but returns the reason instead of printing or
    /// panicking.
    pub fn try_start_tls(kind: ServerKind, mode: TlsMode, cert: CertKind) -> Result<RealServer, StartError> {
        if mode == TlsMode::Implicit && !kind.supports_implicit_tls() {
            return Err(StartError::Unsupported(format!("{kind} has no implicit TLS")));
        }
        RealServer::launch(kind, None, Some((mode, cert)))
    }

    /// The server's TLS files, when it was started with TLS.
    pub fn tls(&self) -> Option<&Certificates> {
        self.tls.as_ref().map(|t| &t.files)
    }

    /// The server's TLS mode, when it was started with TLS.
    pub fn tls_mode(&self) -> Option<TlsMode> {
        self.tls.as_ref().map(|t| t.mode)
    }

    /// Like [`RealServer::start`], for a pyftpdlib that injects `fault` into the first
    /// file transfer that gets far enough (see [`Fault`]).
    pub fn start_with_fault(fault: Fault) -> Option<RealServer> {
        RealServer::skip_or_fail(ServerKind::Pyftpdlib, RealServer::try_start_with_fault(fault))
    }

    /// Like [`RealServer::start_with_fault`], but returns the reason instead of printing
    /// or panicking.
    pub fn try_start_with_fault(fault: Fault) -> Result<RealServer, StartError> {
        RealServer::launch(ServerKind::Pyftpdlib, Some(fault), None)
    }

    fn skip_or_fail(kind: ServerKind, started: Result<RealServer, StartError>) -> Option<RealServer> {
        match started {
            Ok(server) => Some(server),
            Err(e) if in_ci() => panic!("{kind}: {e}"),
            Err(StartError::NotInstalled(why)) => {
                eprintln!("skipping: {kind} is not installed (run tests/servers/install.sh)");
                eprintln!("  ({why})");
                None
            }
            Err(e) => {
                eprintln!("skipping: {kind}: {e}");
                None
            }
        }
    }

    fn launch(
        kind: ServerKind,
        fault: Option<Fault>,
        tls: Option<(TlsMode, CertKind)>,
    ) -> Result<RealServer, StartError> {
        let prefix = system::prefix();
        let root_user = system::is_root();
        if kind.needs_root() && !root_user {
            return Err(StartError::Unsupported("needs the tests to run as root".into()));
        }
        let owner = if root_user {
            let ids = system::user_ids(TEST_USER)
                .ok_or_else(|| StartError::NotInstalled(format!("no system user {TEST_USER:?}")))?;
            Some(ids)
        } else {
            None
        };
        let ports = PortBlock::reserve().map_err(StartError::Failed)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("ftpbridge-{}-", kind.name()))
            .tempdir()
            .map_err(|e| StartError::Failed(format!("cannot create a temp dir: {e}")))?;
        let failed = |what: &str, e: std::io::Error| StartError::Failed(format!("{what}: {e}"));
        // The server's user must be able to reach root/ below it.
        set_mode(dir.path(), 0o755).map_err(|e| failed("chmod temp dir", e))?;
        let root = dir.path().join("root");
        std::fs::create_dir(&root).map_err(|e| failed("create root", e))?;
        chown(&root, owner).map_err(|e| failed("chown root", e))?;

        let tls = match tls {
            Some((mode, cert)) => {
                let files = certs::make(dir.path(), cert).map_err(StartError::Failed)?;
                Some(ServerTls { mode, files })
            }
            None => None,
        };
        let output = dir.path().join("server.log");
        let (child, logs) =
            spawn(kind, fault, tls.as_ref(), &prefix, dir.path(), &root, &ports, owner, &output)?;
        let mut server =
            RealServer { kind, fault, tls, child, alive: true, ports, root, owner, output, logs, dir };
        server.wait_until_ready().map_err(|why| StartError::Failed(format!("{why}\n{}", server.log())))?;
        Ok(server)
    }

    /// Kills the server with every process it forked, as dropping it would, but keeps
    /// its directory, files and ports: [`RealServer::restart`] brings it back. The
    /// clients' connections end as when a server machine loses power: the kernel closes
    /// them (FIN, or RST where the server had unread data). Does nothing when the
    /// server is not running.
    pub fn kill(&mut self) {
        if !self.alive {
            return;
        }
        // Only while the child is not reaped is its pid sure to still be ours.
        if let Ok(None) = self.child.try_wait()
            && !process::kill_tree(self.child.id())
        {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.alive = false;
    }

    /// Starts the server again (killing it first if it runs) on the same control port
    /// and passive ports, with the same configuration and user, serving the same
    /// directory with the files it holds now; returns once it greets.
    ///
    /// # Panics
    /// If it does not come back, with its log in the message (this is a test helper).
    pub fn restart(&mut self) {
        self.kill();
        let prefix = system::prefix();
        let (child, logs) = spawn(
            self.kind,
            self.fault,
            self.tls.as_ref(),
            &prefix,
            self.dir.path(),
            &self.root,
            &self.ports,
            self.owner,
            &self.output,
        )
        .unwrap_or_else(|e| panic!("{}: cannot restart: {e}\n{}", self.kind, self.log()));
        self.child = child;
        self.alive = true;
        self.logs = logs;
        if let Err(why) = self.wait_until_ready() {
            panic!("{}: did not come back: {why}\n{}", self.kind, self.log());
        }
    }

    /// Gives the server a fresh key and certificate of the same kind (TLS servers only)
    /// and restarts it: what a client that pinned the old key must notice.
    ///
    /// # Panics
    /// If the server has no TLS, or does not come back.
    pub fn renew_certificate(&mut self) {
        let tls = self.tls.as_mut().expect("renew_certificate needs a TLS server");
        tls.files = certs::make(self.dir.path(), tls.files.kind).expect("a new certificate");
        self.restart();
    }

    /// Whether the server process runs (killed or exited: no; frozen: yes).
    pub fn is_running(&self) -> bool {
        // Not yet reaped, so the pid is still the server's (a zombie if it exited).
        self.alive && process::is_running(self.child.id())
    }

    /// The server's process and every process it forked (sessions, helpers), the server
    /// first; empty when it does not run.
    pub fn processes(&self) -> Vec<u32> {
        if !self.is_running() {
            return Vec::new();
        }
        let pid = self.child.id();
        std::iter::once(pid).chain(process::descendants(pid)).filter(|&p| process::is_running(p)).collect()
    }

    /// Freezes the server and every process it forked with SIGSTOP, like a machine that
    /// stopped answering: connections stay open, the kernel still accepts new ones,
    /// nothing is read or sent. Returns once all are stopped; [`RealServer::thaw`] lets
    /// them go on (a frozen server is killed normally on drop).
    ///
    /// # Panics
    /// If the server does not run or a process does not stop.
    pub fn freeze(&self) {
        assert!(self.is_running(), "{}: cannot freeze a server that does not run", self.kind);
        if let Err(e) = process::freeze_tree(self.child.id()) {
            panic!("{}: cannot freeze: {e}", self.kind);
        }
    }

    /// Lets a server frozen by [`RealServer::freeze`] run again (SIGCONT to it and to
    /// every process it forked).
    ///
    /// # Panics
    /// If `kill` cannot be run.
    pub fn thaw(&self) {
        let pids = self.processes();
        if let Err(e) = process::thaw_all(&pids) {
            panic!("{}: cannot thaw: {e}", self.kind);
        }
    }

    /// The fault this server injects, if it was started with one.
    pub fn fault(&self) -> Option<Fault> {
        self.fault
    }

    /// Polls the control port until the server's `220` greeting arrives, the process
    /// exits, or [`START_TIMEOUT`] passes.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port()));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited with {status}"));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("no greeting on {addr} within {START_TIMEOUT:?}"));
            }
            match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                // Implicit TLS greets inside TLS: listening is as far as a plain
                // check can see.
                Ok(_) if self.tls_mode() == Some(TlsMode::Implicit) => return Ok(()),
                Ok(stream) => return read_greeting(stream, deadline - now),
                // Not listening yet: poll again shortly.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Which server this is.
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// The control port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.ports.control()
    }

    /// The passive data ports the server may offer.
    pub fn passive_ports(&self) -> std::ops::RangeInclusive<u16> {
        self.ports.passive()
    }

    /// The test user's login name.
    pub fn user(&self) -> &str {
        TEST_USER
    }

    /// The test user's password.
    pub fn password(&self) -> &str {
        TEST_PASSWORD
    }

    /// The directory on disk that the test user sees as its FTP root (`/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ftp://user:password@127.0.0.1:port/path`, with `path` (relative to the FTP root;
    /// a leading `/` is optional) percent-encoded segment by segment.
    pub fn url(&self, path: &str) -> String {
        format!(
            "ftp://{}:{}@127.0.0.1:{}/{}",
            percent_encode(self.user(), false),
            percent_encode(self.password(), false),
            self.port(),
            percent_encode(path.trim_start_matches('/'), true)
        )
    }

    /// Whether the server has MLSD and MLST (vsftpd: no).
    pub fn has_mlsd(&self) -> bool {
        self.kind.has_mlsd()
    }

    /// Whether the server accepts active mode (PORT and EPRT).
    pub fn supports_active(&self) -> bool {
        self.kind.supports_active()
    }

    /// The server's output and log files so far, for failure messages.
    pub fn log(&self) -> String {
        let mut text = String::new();
        for path in std::iter::once(&self.output).chain(&self.logs) {
            let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let body = std::fs::read(path)
                .map_or_else(|e| format!("({e})\n"), |bytes| String::from_utf8_lossy(&bytes).into_owned());
            text.push_str(&format!("--- {name} ---\n{body}"));
            if !text.ends_with('\n') {
                text.push('\n');
            }
        }
        text
    }

    /// The path on disk of `rel` (a `/`-separated path relative to the FTP root).
    ///
    /// # Panics
    /// If `rel` has a `..` component.
    pub fn path(&self, rel: &str) -> PathBuf {
        system::join_relative(&self.root, rel)
    }

    /// Creates the directory `rel` and its missing parents, owned by the server's user.
    ///
    /// # Panics
    /// On I/O errors (this is a test helper).
    pub fn create_dir(&self, rel: &str) {
        let path = self.path(rel);
        self.create_dirs(&path);
    }

    /// Writes `contents` to the file `rel` (replacing it), creating missing parent
    /// directories; everything is owned by the server's user.
    ///
    /// # Panics
    /// On I/O errors (this is a test helper).
    pub fn write_file(&self, rel: &str, contents: &[u8]) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            self.create_dirs(parent);
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        chown(&path, self.owner).unwrap_or_else(|e| panic!("cannot chown {}: {e}", path.display()));
    }

    /// Gives `path`, made on the server's disk by other means (a name that is not UTF-8,
    /// say), to the server's user, as the helpers above do.
    ///
    /// # Panics
    /// On I/O errors (this is a test helper).
    pub fn own(&self, path: &Path) {
        chown(path, self.owner).unwrap_or_else(|e| panic!("cannot chown {}: {e}", path.display()));
    }

    /// Reads the file `rel`.
    ///
    /// # Panics
    /// If it cannot be read, with the server's log in the message.
    pub fn read_file(&self, rel: &str) -> Vec<u8> {
        let path = self.path(rel);
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!("cannot read {} on {}: {e}\n{}", path.display(), self.kind, self.log())
        })
    }

    fn create_dirs(&self, path: &Path) {
        let Ok(below) = path.strip_prefix(&self.root) else {
            panic!("{} is outside the server's root", path.display())
        };
        let mut current = self.root.clone();
        for part in below.components() {
            current.push(part);
            if !current.is_dir() {
                std::fs::create_dir(&current)
                    .unwrap_or_else(|e| panic!("cannot create {}: {e}", current.display()));
                chown(&current, self.owner)
                    .unwrap_or_else(|e| panic!("cannot chown {}: {e}", current.display()));
            }
        }
    }

    /// The temporary directory with the server's configuration and logs (`root()` is
    /// inside it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        // The servers fork per session, and vsftpd's sessions leave the process group.
        self.kill();
    }
}

/// Writes `kind`'s configuration into `dir` and runs it, its output appended to
/// `output`; returns the child and the log files it writes besides.
#[allow(clippy::too_many_arguments)]
fn spawn(
    kind: ServerKind,
    fault: Option<Fault>,
    tls: Option<&ServerTls>,
    prefix: &Path,
    dir: &Path,
    root: &Path,
    ports: &PortBlock,
    owner: Option<Ids>,
    output: &Path,
) -> Result<(Child, Vec<PathBuf>), StartError> {
    let failed = |what: &str, e: std::io::Error| StartError::Failed(format!("{what}: {e}"));
    let tls = tls.map(|t| (t.mode, &t.files));
    let setup = Setup { prefix, dir, root, ports, owner, fault: fault.map(Fault::arguments), tls };
    let Launch { mut command, logs } = launch::prepare(kind, &setup).map_err(|e| match e {
        PrepareError::Missing(path) => StartError::NotInstalled(format!("{} is missing", path.display())),
        PrepareError::Failed(why) => StartError::Failed(why),
    })?;
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(output)
        .map_err(|e| failed("open server.log", e))?;
    let log_err = log_file.try_clone().map_err(|e| failed("dup server.log", e))?;
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        // Its own process group, so that killing it also kills the per-session children.
        .process_group(0);
    let child = command.spawn().map_err(|e| StartError::Failed(format!("cannot run {command:?}: {e}")))?;
    Ok((child, logs))
}

/// Reads the greeting's lines until the final `220 ` line.
fn read_greeting(stream: TcpStream, within: Duration) -> Result<(), String> {
    stream.set_read_timeout(Some(within.max(Duration::from_millis(100)))).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return Err("the server closed the connection before greeting".into()),
            Ok(_) if line.starts_with("220 ") => return Ok(()),
            Ok(_) if line.starts_with("220-") || line.starts_with(' ') => continue,
            Ok(_) => return Err(format!("unexpected greeting: {}", line.trim_end())),
            Err(e) => return Err(format!("reading the greeting: {e}")),
        }
    }
}

fn chown(path: &Path, owner: Option<Ids>) -> std::io::Result<()> {
    match owner {
        Some(ids) => std::os::unix::fs::chown(path, Some(ids.uid), Some(ids.gid)),
        None => Ok(()),
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` if
/// `keep_slash`).
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
    fn display_names_kind_and_version() {
        let names: Vec<String> = ServerKind::ALL.iter().map(|k| k.to_string()).collect();
        assert_eq!(names, ["vsftpd 3.0.3", "proftpd 1.3.8", "pure-ftpd 1.0.50", "pyftpdlib 2.2.0"]);
    }

    #[test]
    fn percent_encodes_paths_and_credentials() {
        assert_eq!(percent_encode("docs/read me.txt", true), "docs/read%20me.txt");
        assert_eq!(percent_encode("Привет", true), "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82");
        assert_eq!(percent_encode("a:b@c/d", false), "a%3Ab%40c%2Fd");
        assert_eq!(percent_encode("ftpbridge-test", false), "ftpbridge-test");
    }
}
