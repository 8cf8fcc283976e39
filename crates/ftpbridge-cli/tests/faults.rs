//! What a user of the `ftpbridge` binary sees when something breaks in the middle of a
//! session, and that nothing is lost: one clear line on stderr with the exit code that
//! names the failure, a partial download kept and never reported complete, `--resume`
//! completing the file byte-exact afterwards, no hang, and no process or relay socket
//! left behind.
//!
//! ```text
//!  fault (injected by the test)                      the user sees
//!  ───────────────────────────────────────────────   ──────────────────────────────────────
//!  FTP server killed mid-download / mid-upload        exit 3 "the server closed the control
//!    (SIGKILL of its process tree; it comes back        connection", partial file kept;
//!    on the same port and directory)                    --resume completes it
//!  data connection reset (RST) mid-transfer, 426      exit 3 quoting the 426; --resume completes
//!  data connection ended early, yet 226 (a liar)      exit 11 "received N of M bytes"; --resume
//!  server stops answering (SIGSTOP of its tree)       exit 8 naming what was not answered
//!  relay restarted mid-download (same port)           exit 3 naming the relay; --resume through
//!                                                       the new relay completes
//!  relay dropped abruptly (no WebSocket close)        exit 3 naming the relay, no hang
//! ```
//!
//! The moments are made deterministic by freezing processes, not by sleeping: a
//! transfer is watched until it passes 1 MiB, then the CLI is frozen with SIGSTOP so
//! that TCP back-pressure holds the server in the middle of the file while the fault
//! is injected, then the CLI is thawed. The file is large enough that the server
//! cannot have sent its last byte while the CLI is frozen (see [`BIG`]).
//!
//! Every scenario runs directly and, where a relay is involved, through the relay
//! started in-process on 127.0.0.1 (as in `real_servers.rs`). Outside CI a server that
//! is not installed is skipped with a message; with `CI=true` it fails.

mod common;

use common::{Relay, content};
use ftpbridge_testkit::{Fault, RealServer, ServerKind, process};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::LazyLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A transfer is frozen once it has moved this many bytes...
const FREEZE_AT: u64 = 1024 * 1024;
/// ... and must be frozen before this many, or the attempt is made again (the test
/// thread was descheduled for long enough that the transfer ran on).
const FREEZE_LIMIT: u64 = 16 * 1024 * 1024;
/// How long any one wait of these tests may take before it counts as a hang. Longer
/// than any timer of the CLI (its data-idle limit is 60 s), so that a slow timer is
/// told apart from a hang.
const HANG_LIMIT: Duration = Duration::from_secs(100);

/// The size of the file transferred in the server-killed and relay scenarios: after
/// the CLI is frozen, what can still leave the server is bounded by the socket buffers
/// between them (the kernel's largest TCP receive and send buffers; through the relay,
/// its per-stream window of 256 KiB and a few read buffers more, as the relay sends the
/// CLI no more than the window until the CLI gives credit back). So a transfer frozen
/// before [`FREEZE_LIMIT`] leaves the server with bytes it has not sent.
static BIG: LazyLock<u64> = LazyLock::new(|| {
    let max = |name: &str, default: u64| {
        std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}"))
            .ok()
            .and_then(|s| s.split_whitespace().nth(2)?.parse().ok())
            .unwrap_or(default)
    };
    let in_flight = max("tcp_rmem", 32 << 20) + max("tcp_wmem", 4 << 20) + (4 << 20);
    (FREEZE_LIMIT + in_flight + (8 << 20)).max(64 << 20)
});

// ----- the CLI -----

/// A running `ftpbridge` with its output collected; killed on drop if still running.
struct Cli {
    child: Child,
    args: Vec<String>,
    status: Option<ExitStatus>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

/// How a CLI run ended.
struct Finished {
    args: Vec<String>,
    code: Option<i32>,
    stderr: String,
}

impl Cli {
    /// Starts `ftpbridge args...` with the control-connection transcript on stderr
    /// (`--verbose`, for failure messages), at the lowest CPU priority: on a busy
    /// machine the test then sees a transfer's progress before it has run far.
    fn spawn(subcommand: &str, args: &[&str]) -> Cli {
        let mut all = vec![subcommand.to_string(), "--verbose".into(), "--passive".into()];
        all.extend(args.iter().map(|a| a.to_string()));
        // nice execs the binary: the pid is the CLI's.
        let mut child = Command::new("nice")
            .env("FTPBRIDGE_TLS", "plain")
            .args(["-n", "19", env!("CARGO_BIN_EXE_ftpbridge")])
            .args(&all)
            .env_remove("FTPBRIDGE_RELAY")
            .env_remove("FTPBRIDGE_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ftpbridge binary runs");
        let drain = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = child.stdout.take().map(|p| drain(Box::new(p)));
        let stderr = child.stderr.take().map(|p| drain(Box::new(p)));
        Cli { child, args: all, status: None, stdout, stderr }
    }

    /// Whether it has exited (it is then reaped: its pid is no longer signalled).
    fn has_exited(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("try_wait");
        }
        self.status.is_some()
    }

    /// Freezes it (SIGSTOP); an error if it has exited.
    fn freeze(&mut self) -> std::io::Result<()> {
        if self.has_exited() {
            return Err(std::io::Error::other("the CLI has exited"));
        }
        process::freeze(self.child.id())
    }

    /// Lets it run again (SIGCONT).
    fn thaw(&mut self) {
        if !self.has_exited() {
            process::thaw(self.child.id()).expect("SIGCONT");
        }
    }

    /// Waits for it to exit, at most [`HANG_LIMIT`] (then it is killed and the test
    /// fails: a hang).
    fn finish(mut self) -> Finished {
        let deadline = Instant::now() + HANG_LIMIT;
        while !self.has_exited() {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.status = None;
                let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default()).unwrap_or_default();
                panic!(
                    "ftpbridge {:?} hangs: still running after {HANG_LIMIT:?}; stderr:\n{}",
                    self.args,
                    String::from_utf8_lossy(&stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let collect =
            |t: Option<JoinHandle<Vec<u8>>>| t.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
        let _stdout = collect(self.stdout.take());
        let stderr = String::from_utf8_lossy(&collect(self.stderr.take())).into_owned();
        Finished { args: std::mem::take(&mut self.args), code: self.status.and_then(|s| s.code()), stderr }
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        // SIGKILL works on a frozen process too.
        if !self.has_exited() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Finished {
    /// The one-line message: stderr holds the transcript (`> `, `< `, `* ` lines) and
    /// exactly one line more, the last, `ftpbridge: ...`.
    fn message(&self) -> &str {
        let mut lines = self.stderr.lines().filter(|l| !l.is_empty());
        let last = lines.next_back().unwrap_or_default();
        let others: Vec<&str> =
            lines.filter(|l| !(l.starts_with("> ") || l.starts_with("< ") || l.starts_with("* "))).collect();
        assert!(
            others.is_empty() && last.starts_with("ftpbridge: "),
            "{self}\nexpected the transcript and one `ftpbridge: ` line at the end"
        );
        last
    }

    /// Asserts the exit code and that the message contains every one of `words`;
    /// returns the message.
    fn fails_with(&self, code: i32, words: &[&str]) -> &str {
        assert_eq!(self.code, Some(code), "{self}");
        let message = self.message();
        for word in words {
            assert!(message.contains(word), "the message lacks {word:?}: {message}\n{self}");
        }
        message
    }

    fn succeeds(&self) {
        assert_eq!(self.code, Some(0), "{self}");
    }
}

impl std::fmt::Display for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ftpbridge {:?} exited with {:?}; stderr:\n{}", self.args, self.code, self.stderr)
    }
}

// ----- one scenario's world -----

/// A server, a local directory, and maybe a relay in front of the server.
struct World {
    server: RealServer,
    local: tempfile::TempDir,
    relay: Option<Relay>,
}

impl World {
    fn start(kind: ServerKind, via_relay: bool) -> Option<World> {
        Some(World::with(RealServer::start(kind)?, via_relay))
    }

    fn with_fault(fault: Fault, via_relay: bool) -> Option<World> {
        Some(World::with(RealServer::start_with_fault(fault)?, via_relay))
    }

    fn with(server: RealServer, via_relay: bool) -> World {
        let local = tempfile::tempdir().expect("a local temp dir");
        let relay = via_relay.then(|| Relay::start(server.port()));
        World { server, local, relay }
    }

    fn label(&self) -> String {
        let how = if self.relay.is_some() { "through the relay" } else { "directly" };
        format!("{} {how}", self.server.kind())
    }

    /// `ftpbridge subcommand --timeout T [--relay URL] args...`, started.
    fn spawn(&self, subcommand: &str, timeout: u32, args: &[&str]) -> Cli {
        let timeout = timeout.to_string();
        let mut all = vec!["--timeout", timeout.as_str()];
        let url = self.relay.as_ref().map(Relay::url);
        if let Some(url) = &url {
            all.extend(["--relay", url.as_str()]);
        }
        all.extend(args);
        Cli::spawn(subcommand, &all)
    }

    /// Runs a command to its end.
    fn run(&self, subcommand: &str, args: &[&str]) -> Finished {
        self.spawn(subcommand, 20, args).finish()
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn local(&self, name: &str) -> PathBuf {
        self.local.path().join(name)
    }

    /// Waits until the server's per-session processes have exited (the clients are
    /// gone, so must their sessions be) and, with a relay, until the relay holds no
    /// socket of a session any more.
    fn nothing_left_behind(&self) {
        let kind = self.server.kind();
        wait_for(&format!("{kind}'s session processes to exit"), || self.server.processes().len() <= 1);
        if let Some(relay) = &self.relay {
            let (port, server) = (relay.port, &self.server);
            wait_for("the relay to release the session's sockets", || relay_sockets(port, server).is_empty());
        }
    }
}

// ----- helpers -----

/// Polls `done` until it holds, at most [`HANG_LIMIT`]; panics with `what` then.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG_LIMIT;
    while !done() {
        assert!(Instant::now() < deadline, "waited {HANG_LIMIT:?} for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The file's SHA-256 in hex, by coreutils' `sha256sum` (sha2 unoptimised takes seconds
/// for these files).
fn sha256(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(
        output.status.success(),
        "sha256sum {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

/// Asserts that `copy` holds exactly the bytes of `original` (same SHA-256).
fn assert_same_file(copy: &Path, original: &Path, what: &str) {
    let (got, want) = (sha256(copy), sha256(original));
    if got != want {
        let (a, b) = (std::fs::read(copy).unwrap_or_default(), std::fs::read(original).unwrap_or_default());
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        panic!(
            "{what}: SHA-256 {got} of {} bytes, expected {want} of {} bytes (first difference at {first:?})",
            a.len(),
            b.len()
        );
    }
}

/// Asserts that `partial` is a strict prefix of `original`: not complete, nothing wrong.
fn assert_strict_prefix(partial: &Path, original: &Path, what: &str) -> u64 {
    let (a, b) =
        (std::fs::read(partial).expect("the partial file"), std::fs::read(original).expect("the original"));
    assert!(a.len() < b.len(), "{what}: the partial file has {} of {} bytes: complete", a.len(), b.len());
    let first = a.iter().zip(&b).position(|(x, y)| x != y);
    assert_eq!(first, None, "{what}: the partial file differs from the original");
    a.len() as u64
}

/// How far a frozen transfer got, to tell whether the server is still in the middle
/// of the file.
enum Progress<'a> {
    /// A download into this file: the server has sent at most what the file holds, what
    /// the CLI holds in memory and what the socket buffers hold (see [`BIG`]), so a
    /// file of at most [`FREEZE_LIMIT`] bytes means that the server has bytes left.
    Download(&'a Path),
    /// An upload from this file: the CLI has sent at most what it has read of the file
    /// (the position of its descriptor, in `/proc/<pid>/fdinfo`), so a position before
    /// the end means that the server misses bytes.
    Upload(&'a Path),
}

impl Progress<'_> {
    fn mid_file(&self, cli: &Cli) -> Result<(), String> {
        match *self {
            Progress::Download(local) => {
                let at = size(local);
                if at <= FREEZE_LIMIT { Ok(()) } else { Err(format!("frozen only at {at} bytes")) }
            }
            Progress::Upload(source) => match read_position(cli.child.id(), source) {
                Some(at) if at < size(source) => Ok(()),
                at => Err(format!("the CLI had read {at:?} bytes of the file")),
            },
        }
    }
}

/// Starts a transfer with `start` and freezes the CLI once the file it writes,
/// `written` (the local file of a download, the server's of an upload), passed
/// [`FREEZE_AT`]. If the server may have moved every byte by then (see [`Progress`]),
/// or the transfer finished first, starts again from scratch, at most five times.
fn freeze_mid_transfer(what: &str, start: impl Fn() -> Cli, written: &Path, progress: Progress) -> Cli {
    for attempt in 1..=5 {
        // What an earlier attempt wrote must not count.
        let _ = std::fs::remove_file(written);
        let mut cli = start();
        wait_for(what, || size(written) >= FREEZE_AT || cli.has_exited());
        if cli.freeze().is_err() {
            let finished = cli.finish();
            assert_eq!(finished.code, Some(0), "{what}: failed before the fault\n{finished}");
            eprintln!("{what}: attempt {attempt} ended before it was frozen; again");
            continue;
        }
        match progress.mid_file(&cli) {
            Ok(()) => return cli,
            Err(why) => eprintln!("{what}: attempt {attempt}: {why}; again"),
        }
    }
    panic!("{what}: could not freeze the transfer in the middle of the file in five attempts");
}

/// The file position of `pid`'s descriptor open on `path`, from `/proc/<pid>/fdinfo`.
fn read_position(pid: u32, path: &Path) -> Option<u64> {
    let path = path.canonicalize().ok()?;
    std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.find_map(|entry| {
        let entry = entry.ok()?;
        if std::fs::read_link(entry.path()).ok()? != path {
            return None;
        }
        let info =
            std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", entry.file_name().to_str()?)).ok()?;
        info.lines().find_map(|line| line.strip_prefix("pos:")?.trim().parse().ok())
    })
}

/// A TCP socket of this process: its ports and its state (`/proc/net/tcp`'s hex code).
#[derive(Debug, PartialEq, Eq)]
struct Socket {
    local: u16,
    remote: u16,
    state: String,
}

/// This process's TCP sockets of a session of the relay on `relay_port` with `server`:
/// connections on the relay's port (its listener aside) and connections to the
/// server's control or passive ports. Read from `/proc`, so that tests running in
/// parallel in this process do not count.
fn relay_sockets(relay_port: u16, server: &RealServer) -> Vec<Socket> {
    let mine: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter_map(|link| {
                    let link = link.to_string_lossy().into_owned();
                    Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let server_ports = std::iter::once(server.port()).chain(server.passive_ports()).collect::<Vec<_>>();
    let port_of = |address: &str| address.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
    let mut found = Vec::new();
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote), Some(state), Some(inode)) =
                (fields.get(1), fields.get(2), fields.get(3), fields.get(9))
            else {
                continue;
            };
            const LISTEN: &str = "0A";
            let relay_side = port_of(local) == Some(relay_port) && *state != LISTEN;
            let upstream = port_of(remote).is_some_and(|p| server_ports.contains(&p));
            if (relay_side || upstream) && mine.iter().any(|m| m == inode) {
                let local = port_of(local).unwrap_or_default();
                let remote = port_of(remote).unwrap_or_default();
                found.push(Socket { local, remote, state: state.to_string() });
            }
        }
    }
    found
}

// ----- 1. the FTP server killed mid-transfer -----

fn server_killed_mid_download(kind: ServerKind, via_relay: bool) {
    let Some(mut w) = World::start(kind, via_relay) else { return };
    let label = w.label();
    w.server.write_file("big.bin", &content(*BIG, 1));
    let original = w.server.path("big.bin");
    let local = w.local("big.bin");
    let (url, out) = (w.url("big.bin"), local.to_string_lossy().into_owned());
    let mut cli = freeze_mid_transfer(
        &format!("{label}: the download to pass 1 MiB"),
        || w.spawn("get", 20, &["-o", &out, &url]),
        &local,
        Progress::Download(&local),
    );
    let server_processes = w.server.processes();
    w.server.kill();
    for pid in server_processes {
        assert!(!process::is_running(pid), "{label}: server process {pid} survived the kill");
    }
    cli.thaw();
    let finished = cli.finish();
    let message = finished.fails_with(3, &["the server closed the control connection", "the partial file"]);
    assert!(message.contains(&format!("{} is kept; --resume continues it", local.display())), "{message}");
    let kept = assert_strict_prefix(&local, &original, &label);
    assert!(kept >= FREEZE_AT, "{label}: only {kept} bytes kept");

    // The server comes back on the same port, serving the same directory.
    w.server.restart();
    w.run("get", &["--resume", "-o", &out, &url]).succeeds();
    assert_same_file(&local, &original, &format!("{label}: the resumed download"));
    w.nothing_left_behind();
}

fn server_killed_mid_upload(kind: ServerKind, via_relay: bool) {
    let Some(mut w) = World::start(kind, via_relay) else { return };
    let label = w.label();
    let source = w.local("upload.bin");
    std::fs::write(&source, content(*BIG, 2)).expect("the local file");
    let remote = w.server.path("upload.bin");
    let (url, src) = (w.url("upload.bin"), source.to_string_lossy().into_owned());
    let mut cli = freeze_mid_transfer(
        &format!("{label}: the upload to pass 1 MiB"),
        || w.spawn("put", 20, &[&src, &url]),
        &remote,
        Progress::Upload(&source),
    );
    w.server.kill();
    cli.thaw();
    let finished = cli.finish();
    finished.fails_with(3, &["the server closed the control connection"]);
    assert_strict_prefix(&remote, &source, &label);

    w.server.restart();
    w.run("put", &["--resume", &src, &url]).succeeds();
    assert_same_file(&remote, &source, &format!("{label}: the resumed upload"));
    w.nothing_left_behind();
}

#[test]
fn vsftpd_killed_mid_download() {
    server_killed_mid_download(ServerKind::Vsftpd, false);
}

#[test]
fn proftpd_killed_mid_download() {
    server_killed_mid_download(ServerKind::Proftpd, false);
}

#[test]
fn pureftpd_killed_mid_download() {
    server_killed_mid_download(ServerKind::PureFtpd, false);
}

#[test]
fn pyftpdlib_killed_mid_download() {
    server_killed_mid_download(ServerKind::Pyftpdlib, false);
}

#[test]
fn relay_vsftpd_killed_mid_download() {
    server_killed_mid_download(ServerKind::Vsftpd, true);
}

#[test]
fn vsftpd_killed_mid_upload() {
    server_killed_mid_upload(ServerKind::Vsftpd, false);
}

#[test]
fn proftpd_killed_mid_upload() {
    server_killed_mid_upload(ServerKind::Proftpd, false);
}

#[test]
fn pureftpd_killed_mid_upload() {
    server_killed_mid_upload(ServerKind::PureFtpd, false);
}

#[test]
fn pyftpdlib_killed_mid_upload() {
    server_killed_mid_upload(ServerKind::Pyftpdlib, false);
}

#[test]
fn relay_proftpd_killed_mid_upload() {
    server_killed_mid_upload(ServerKind::Proftpd, true);
}

// ----- 2. the data connection cut mid-transfer -----

/// The file of the data-connection scenarios, and where the fault server cuts it.
const FILE: u64 = 8 * 1024 * 1024 + 3;
const CUT: u64 = 3 * 1024 * 1024 + 5;

/// A download whose data connection `fault` cuts at [`CUT`]: the CLI fails with
/// `code` and `words`, keeps the partial file, and `--resume` completes it.
fn cut_download(fault: Fault, via_relay: bool, code: i32, words: &[&str]) {
    let Some(w) = World::with_fault(fault, via_relay) else { return };
    let label = format!("{} with {fault:?}", w.label());
    w.server.write_file("file.bin", &content(FILE, 3));
    let original = w.server.path("file.bin");
    let local = w.local("file.bin");
    let (url, out) = (w.url("file.bin"), local.to_string_lossy().into_owned());
    let finished = w.run("get", &["-o", &out, &url]);
    let message = finished.fails_with(code, words);
    assert!(message.contains(&format!("{} is kept; --resume continues it", local.display())), "{message}");
    let kept = assert_strict_prefix(&local, &original, &label);
    // The server sent exactly CUT bytes; the client may drop the last ones when the
    // 426 overtakes them (through the relay it does: they wait for credit).
    assert!(kept <= CUT, "{label}: {kept} bytes kept of the {CUT} sent");

    w.run("get", &["--resume", "-o", &out, &url]).succeeds();
    assert_same_file(&local, &original, &format!("{label}: the resumed download"));
    w.nothing_left_behind();
}

/// `get --segments` with one range's data connection reset mid-way: the download
/// fails, the local file keeps only what is whole from its start (never a hole that
/// `--resume` would continue over), and `--resume` completes it.
#[test]
fn a_range_cut_mid_way_keeps_only_the_whole_start() {
    let Some(w) = World::with_fault(Fault::ResetData { after: CUT }, false) else { return };
    let size = 12 * 1024 * 1024 + 9;
    w.server.write_file("file.bin", &content(size, 4));
    let original = w.server.path("file.bin");
    let local = w.local("file.bin");
    let (url, out) = (w.url("file.bin"), local.to_string_lossy().into_owned());
    let finished = w.run("get", &["--segments", "3", "-o", &out, &url]);
    let message = finished.fails_with(3, &["426 Connection reset by peer"]).to_string();
    assert!(message.contains("are kept; --resume continues it"), "{message}");
    let kept = assert_strict_prefix(&local, &original, "a range cut mid-way");
    assert!(kept < size, "{kept}");
    w.run("get", &["--resume", "-o", &out, &url]).succeeds();
    assert_same_file(&local, &original, "the resumed download");
    w.nothing_left_behind();
}

/// An upload whose data connection `fault` cuts at [`CUT`]: the CLI fails with `code`
/// and `words`, and `put --resume` completes the file.
fn cut_upload(fault: Fault, via_relay: bool, code: i32, words: &[&str]) {
    let Some(w) = World::with_fault(fault, via_relay) else { return };
    let label = format!("{} with {fault:?}", w.label());
    let source = w.local("file.bin");
    std::fs::write(&source, content(FILE, 4)).expect("the local file");
    let remote = w.server.path("file.bin");
    let (url, src) = (w.url("file.bin"), source.to_string_lossy().into_owned());
    let finished = w.run("put", &[&src, &url]);
    let message = finished.fails_with(code, words);
    assert!(
        message.contains("may hold part of") && message.contains("put --resume continues it"),
        "{message}"
    );
    assert_eq!(assert_strict_prefix(&remote, &source, &label), CUT, "{label}: bytes stored");

    w.run("put", &["--resume", &src, &url]).succeeds();
    assert_same_file(&remote, &source, &format!("{label}: the resumed upload"));
    w.nothing_left_behind();
}

const RESET: Fault = Fault::ResetData { after: CUT };
const TRUNCATE: Fault = Fault::TruncateData { after: CUT };

#[test]
fn data_connection_reset_mid_download() {
    cut_download(RESET, false, 3, &["426 Connection reset by peer"]);
}

#[test]
fn relay_data_connection_reset_mid_download() {
    cut_download(RESET, true, 3, &["426 Connection reset by peer"]);
}

#[test]
fn data_connection_reset_mid_upload() {
    cut_upload(RESET, false, 3, &["426 Connection reset by peer"]);
}

#[test]
fn relay_data_connection_reset_mid_upload() {
    cut_upload(RESET, true, 3, &["426 Connection reset by peer"]);
}

/// A lying server: the data connection ends early and the server says 226.
#[test]
fn short_download_confirmed_by_the_server_is_incomplete() {
    cut_download(TRUNCATE, false, 11, &[&format!("received {CUT} of {FILE} bytes")]);
}

#[test]
fn relay_short_download_confirmed_by_the_server_is_incomplete() {
    cut_download(TRUNCATE, true, 11, &[&format!("received {CUT} of {FILE} bytes")]);
}

#[test]
fn short_upload_confirmed_by_the_server_is_incomplete() {
    cut_upload(TRUNCATE, false, 11, &["the server ended the upload after", "before every byte was sent"]);
}

// ----- 3. the server stops answering -----

/// The server is frozen before the CLI connects: the kernel accepts the connection,
/// the greeting never comes.
fn server_frozen_before_the_greeting(kind: ServerKind, via_relay: bool) {
    let Some(w) = World::start(kind, via_relay) else { return };
    w.server.freeze();
    let url = w.url("");
    let finished = w.spawn("ls", 3, &[&url]).finish();
    finished.fails_with(8, &["the server did not answer the greeting within 3 s"]);
    w.server.thaw();
    w.nothing_left_behind();
}

#[test]
fn vsftpd_frozen_before_the_greeting() {
    server_frozen_before_the_greeting(ServerKind::Vsftpd, false);
}

#[test]
fn pyftpdlib_frozen_before_the_greeting() {
    server_frozen_before_the_greeting(ServerKind::Pyftpdlib, false);
}

#[test]
fn relay_pureftpd_frozen_before_the_greeting() {
    server_frozen_before_the_greeting(ServerKind::PureFtpd, true);
}

/// The server is frozen in the middle of a transfer, once it has moved the first MiB
/// (and, as in [`freeze_mid_transfer`], before [`FREEZE_LIMIT`], so that it still owes
/// bytes): `--timeout 3` bounds the wait for "the next data byte" (`ftpbridge --help`).
fn server_frozen_mid_transfer(kind: ServerKind, via_relay: bool, upload: bool) {
    let Some(w) = World::start(kind, via_relay) else { return };
    let label = w.label();
    let (local, remote) = (w.local("big.bin"), w.server.path("big.bin"));
    if upload {
        std::fs::write(&local, content(*BIG, 6)).expect("the local file");
    } else {
        w.server.write_file("big.bin", &content(*BIG, 6));
    }
    let (url, path) = (w.url("big.bin"), local.to_string_lossy().into_owned());
    let moved = || if upload { size(&remote) } else { size(&local) };
    let mut attempt = 0;
    let cli = loop {
        attempt += 1;
        // What an earlier attempt wrote must not count.
        let _ = std::fs::remove_file(if upload { &remote } else { &local });
        let mut cli =
            if upload { w.spawn("put", 3, &[&path, &url]) } else { w.spawn("get", 3, &["-o", &path, &url]) };
        wait_for("the transfer to pass 1 MiB", || moved() >= FREEZE_AT || cli.has_exited());
        w.server.freeze();
        if !cli.has_exited() && moved() <= FREEZE_LIMIT {
            break cli;
        }
        assert!(attempt < 5, "{label}: could not freeze the server before {FREEZE_LIMIT} bytes");
        drop(cli);
        w.server.thaw();
    };
    let finished = cli.finish();
    let stalled =
        if upload { "the server took no data for 3 s" } else { "the data connection was idle for 3 s" };
    finished.fails_with(8, &[stalled]);
    if !upload {
        finished.fails_with(8, &["the partial file"]);
        assert_strict_prefix(&local, &remote, &label);
    }
    w.server.thaw();
    w.nothing_left_behind();
}

#[test]
fn vsftpd_frozen_mid_download() {
    server_frozen_mid_transfer(ServerKind::Vsftpd, false, false);
}

#[test]
fn proftpd_frozen_mid_upload() {
    server_frozen_mid_transfer(ServerKind::Proftpd, false, true);
}

// ----- 4. the relay restarted or dropped mid-session -----

/// Freezes a download through `w`'s relay in the middle of the file.
fn frozen_relay_download(w: &World, label: &str, local: &Path, url: &str) -> Cli {
    let out = local.to_string_lossy().into_owned();
    freeze_mid_transfer(
        &format!("{label}: the download to pass 1 MiB"),
        || w.spawn("get", 20, &["-o", &out, url]),
        local,
        Progress::Download(local),
    )
}

#[test]
fn relay_restarted_mid_download() {
    let Some(mut w) = World::start(ServerKind::Vsftpd, true) else { return };
    let label = w.label();
    w.server.write_file("big.bin", &content(*BIG, 7));
    let original = w.server.path("big.bin");
    let local = w.local("big.bin");
    let url = w.url("big.bin");
    let mut cli = frozen_relay_download(&w, &label, &local, &url);

    // A new relay on the same port while the CLI is frozen.
    let old = w.relay.take().expect("a relay");
    let port = old.port;
    old.stop();
    assert_eq!(relay_sockets(port, &w.server), [], "the stopped relay's sockets");
    w.relay = Some(Relay::start_on(port, w.server.port()));
    cli.thaw();
    let finished = cli.finish();
    finished.fails_with(3, &["the relay is shutting down", "the partial file"]);
    assert_strict_prefix(&local, &original, &label);

    let out = local.to_string_lossy().into_owned();
    w.run("get", &["--resume", "-o", &out, &url]).succeeds();
    assert_same_file(&local, &original, &format!("{label}: the download resumed through the new relay"));
    w.nothing_left_behind();
}

#[test]
fn relay_dropped_mid_download() {
    let Some(mut w) = World::start(ServerKind::Pyftpdlib, true) else { return };
    let label = w.label();
    w.server.write_file("big.bin", &content(*BIG, 8));
    let original = w.server.path("big.bin");
    let local = w.local("big.bin");
    let url = w.url("big.bin");
    let mut cli = frozen_relay_download(&w, &label, &local, &url);

    let relay = w.relay.take().expect("a relay");
    let port = relay.port;
    relay.abort();
    assert_eq!(relay_sockets(port, &w.server), [], "the dropped relay's sockets");
    cli.thaw();
    let finished = cli.finish();
    finished.fails_with(3, &["relay", "the partial file"]);
    assert_strict_prefix(&local, &original, &label);
    // The relay's connections to the server closed with it: the sessions end.
    w.nothing_left_behind();

    // Once a relay is back, the download resumes.
    w.relay = Some(Relay::start_on(port, w.server.port()));
    let out = local.to_string_lossy().into_owned();
    w.run("get", &["--resume", "-o", &out, &url]).succeeds();
    assert_same_file(&local, &original, &format!("{label}: the download resumed through a new relay"));
    w.nothing_left_behind();
}

/// The relay shuts down while the CLI waits for a server that has not greeted yet
/// (frozen): the CLI says that the relay went away, at once, instead of blaming the
/// server when its own reply timer ends.
#[test]
fn relay_shut_down_while_the_server_is_silent() {
    let Some(mut w) = World::start(ServerKind::Pyftpdlib, true) else { return };
    w.server.freeze();
    let url = w.url("");
    let cli = w.spawn("ls", 20, &[&url]);
    let relay = w.relay.take().expect("a relay");
    let (port, control) = (relay.port, w.server.port());
    wait_for("the relay to connect to the server", || {
        relay_sockets(port, &w.server).iter().any(|s| s.remote == control)
    });
    relay.stop();
    let finished = cli.finish();
    finished.fails_with(3, &["the relay is shutting down"]);
    w.server.thaw();
    w.nothing_left_behind();
}
