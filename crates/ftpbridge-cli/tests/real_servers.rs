//! The `ftpbridge` binary against real FTP servers (vsftpd, proftpd, pure-ftpd,
//! pyftpdlib) on 127.0.0.1, in EPSV, PASV and active mode: login, listings, byte-exact
//! transfers, resume both ways, directory and file management, and names with spaces
//! and non-Latin letters.
//!
//! Every scenario runs twice: directly, and through the relay (started in-process on
//! 127.0.0.1 with a policy that allows the test server's control port).
//!
//! Each test starts its own server. Outside CI a server that is not installed is
//! skipped with a message; with `CI=true` it fails.

mod common;

use common::{Relay, content};
use ftpbridge_testkit::{RealServer, ServerKind};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

/// How data connections are made in a test.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Epsv,
    Pasv,
    Active,
}

impl Mode {
    fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::Epsv => &["--passive"],
            Mode::Pasv => &["--passive", "--no-epsv"],
            Mode::Active => &["--active"],
        }
    }
}

struct Fixture {
    server: RealServer,
    mode: Mode,
    local: tempfile::TempDir,
    relay: Option<Relay>,
}

impl Fixture {
    fn start(kind: ServerKind, mode: Mode, via_relay: bool) -> Option<Fixture> {
        let server = RealServer::start(kind)?;
        let local = tempfile::tempdir().expect("a local temp dir");
        let relay = via_relay.then(|| Relay::start(server.port()));
        Some(Fixture { server, mode, local, relay })
    }

    /// Runs `ftpbridge <subcommand> [mode flags] [--relay URL] args...`.
    fn run(&self, subcommand: &str, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ftpbridge"));
        command.env("FTPBRIDGE_TLS", "plain");
        command.arg(subcommand).args(self.mode.flags()).args(["--timeout", "20"]);
        if let Some(relay) = &self.relay {
            command.args(["--relay", &relay.url()]);
        }
        command.args(args);
        command.env_remove("FTPBRIDGE_RELAY").env_remove("FTPBRIDGE_PASSWORD");
        command.output().expect("the ftpbridge binary runs")
    }

    /// Like `run`, and the command must succeed.
    fn ok(&self, subcommand: &str, args: &[&str]) -> String {
        let output = self.run(subcommand, args);
        assert!(
            output.status.success(),
            "{} {subcommand} {args:?} ({:?}{}) failed with {}:\n{}\nserver log:\n{}",
            self.server.kind(),
            self.mode,
            if self.relay.is_some() { ", through the relay" } else { "" },
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.server.log()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn local(&self, name: &str) -> String {
        self.local.path().join(name).to_string_lossy().into_owned()
    }

    fn names(&self, path: &str) -> Vec<(String, String, Option<u64>)> {
        let stdout = self.ok("ls", &["--json", &self.url(path)]);
        stdout
            .lines()
            .map(|line| {
                let entry: Json = serde_json::from_str(line).expect("ls --json prints JSON lines");
                (
                    entry["name"].as_str().unwrap_or_default().to_string(),
                    entry["kind"].as_str().unwrap_or_default().to_string(),
                    entry["size"].as_u64(),
                )
            })
            .collect()
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The whole interop scenario for one server in one mode, directly or via the relay.
fn interop(kind: ServerKind, mode: Mode, via_relay: bool) {
    let Some(f) = Fixture::start(kind, mode, via_relay) else { return };
    let big = content(3 * 1024 * 1024 + 17, 7);
    f.server.write_file("big.bin", &big);
    f.server.create_dir("docs");
    f.server.write_file("docs/read me.txt", b"hello, world\n");
    f.server.write_file("docs/Привет мир.txt", b"cyrillic\n");

    // Listing (MLSD where offered, and LIST).
    let listed = f.names("");
    assert!(
        listed.contains(&("big.bin".into(), "file".into(), Some(big.len() as u64))),
        "{kind} {mode:?}: {listed:?}"
    );
    assert!(listed.iter().any(|(n, k, _)| n == "docs" && k == "dir"), "{kind} {mode:?}: {listed:?}");
    let inside = f.names("docs/");
    let names: Vec<&str> = inside.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(
        names.contains(&"read me.txt") && names.contains(&"Привет мир.txt"),
        "{kind} {mode:?}: {names:?}"
    );
    let by_list = f.ok("ls", &["--json", "--no-mlsd", &f.url("docs/")]);
    assert!(
        by_list.contains("\"name\":\"read me.txt\"") && by_list.contains("Привет мир.txt"),
        "{kind}: {by_list}"
    );

    // Download byte-exact.
    let out = f.local("big.bin");
    f.ok("get", &["-o", &out, &f.url("big.bin")]);
    assert_eq!(sha256(&read(&out)), sha256(&big), "{kind} {mode:?}: download differs");
    let unicode = f.local("unicode.txt");
    f.ok("get", &["-o", &unicode, &f.url("docs/Привет мир.txt")]);
    assert_eq!(read(&unicode), b"cyrillic\n");

    // Resume a download from the middle.
    let partial = f.local("partial.bin");
    std::fs::write(&partial, &big[..big.len() / 2]).unwrap();
    f.ok("get", &["--resume", "-o", &partial, &f.url("big.bin")]);
    assert_eq!(sha256(&read(&partial)), sha256(&big), "{kind} {mode:?}: resumed download differs");

    // Upload byte-exact, to a name with spaces and non-Latin letters.
    let upload = content(2 * 1024 * 1024 + 3, 11);
    let source = f.local("upload.bin");
    std::fs::write(&source, &upload).unwrap();
    f.ok("put", &[&source, &f.url("up load é.bin")]);
    assert_eq!(
        sha256(&f.server.read_file("up load é.bin")),
        sha256(&upload),
        "{kind} {mode:?}: upload differs"
    );

    // Resume an upload from the middle.
    f.server.write_file("resumed.bin", &upload[..upload.len() / 3]);
    f.ok("put", &["--resume", &source, &f.url("resumed.bin")]);
    assert_eq!(
        sha256(&f.server.read_file("resumed.bin")),
        sha256(&upload),
        "{kind} {mode:?}: resumed upload differs"
    );

    // Directories and files.
    f.ok("mkdir", &[&f.url("new dir")]);
    assert!(f.server.path("new dir").is_dir());
    f.ok("mv", &[&f.url("resumed.bin"), "renamed.bin"]);
    assert!(f.server.path("renamed.bin").is_file() && !f.server.path("resumed.bin").exists());
    f.ok("rm", &[&f.url("renamed.bin")]);
    assert!(!f.server.path("renamed.bin").exists());
    f.ok("rmdir", &[&f.url("new dir")]);
    assert!(!f.server.path("new dir").exists());

    // Trees: mkdir -p makes what is missing (and is fine when it is all there); rm -r
    // removes a folder with everything in it, hidden files included.
    f.ok("mkdir", &["-p", &f.url("tree/a b/c")]);
    assert!(f.server.path("tree/a b/c").is_dir(), "{kind} {mode:?}: mkdir -p");
    f.ok("mkdir", &["-p", &f.url("tree/a b/c")]);
    f.server.write_file("tree/a b/c/deep.txt", b"deep\n");
    f.server.write_file("tree/.hidden", b"hidden\n");
    f.server.write_file("tree/top.txt", b"top\n");
    f.ok("rm", &["-r", &f.url("tree")]);
    assert!(!f.server.path("tree").exists(), "{kind} {mode:?}: rm -r left the tree");
    // A file in the way of mkdir -p is the server's refusal, not a success.
    f.server.write_file("in the way", b"x\n");
    let blocked = f.run("mkdir", &["-p", &f.url("in the way/sub")]);
    assert_ne!(blocked.status.code(), Some(0), "{kind} {mode:?}: mkdir -p through a file");

    // get -r: the tree comes down whole, empty folders too; a file here already is not
    // replaced without --force.
    f.server.write_file("down/a.txt", b"a\n");
    f.server.write_file("down/sub dir/b.txt", b"b\n");
    f.server.create_dir("down/empty");
    let here = f.local("down-here");
    let here = Path::new(&here);
    f.ok("get", &["-r", "-o", &here.to_string_lossy(), &f.url("down/")]);
    assert_eq!(read(here.join("a.txt")), b"a\n", "{kind} {mode:?}: get -r");
    assert_eq!(read(here.join("sub dir/b.txt")), b"b\n", "{kind} {mode:?}: get -r");
    assert!(here.join("empty").is_dir(), "{kind} {mode:?}: get -r makes empty folders");
    std::fs::write(here.join("a.txt"), b"mine\n").unwrap();
    let refused = f.run("get", &["-r", "-o", &here.to_string_lossy(), &f.url("down/")]);
    assert_ne!(refused.status.code(), Some(0), "{kind} {mode:?}: get -r over a local file");
    assert_eq!(
        read(here.join("a.txt")),
        b"mine\n",
        "{kind} {mode:?}: a local file was replaced without asking"
    );
    f.ok("get", &["-r", "--force", "-o", &here.to_string_lossy(), &f.url("down")]);
    assert_eq!(read(here.join("a.txt")), b"a\n", "{kind} {mode:?}: get -r --force");

    // put -r: a local tree goes up whole, empty folders too, into the URL's folder
    // (ending in /) or as the folder the URL names; a file the server holds already is
    // not replaced without --force, and --resume continues it.
    let tree = Path::new(&f.local("up tree")).to_path_buf();
    std::fs::create_dir_all(tree.join("sub dir/deeper")).unwrap();
    std::fs::create_dir_all(tree.join("empty")).unwrap();
    std::fs::write(tree.join("a.txt"), b"a\n").unwrap();
    std::fs::write(tree.join("sub dir/deeper/b.txt"), b"b\n").unwrap();
    let tree_arg = tree.to_string_lossy().into_owned();
    f.ok("put", &["-r", &tree_arg, &f.url("")]);
    assert_eq!(f.server.read_file("up tree/a.txt"), b"a\n", "{kind} {mode:?}: put -r");
    assert_eq!(f.server.read_file("up tree/sub dir/deeper/b.txt"), b"b\n", "{kind} {mode:?}: put -r");
    assert!(f.server.path("up tree/empty").is_dir(), "{kind} {mode:?}: put -r makes empty folders");
    f.ok("put", &["-r", &tree_arg, &f.url("named/as this")]);
    assert_eq!(
        f.server.read_file("named/as this/sub dir/deeper/b.txt"),
        b"b\n",
        "{kind} {mode:?}: put -r to a new folder"
    );
    std::fs::write(tree.join("sub dir/deeper/b.txt"), b"changed here\n").unwrap();
    let refused = f.run("put", &["-r", &tree_arg, &f.url("")]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{kind} {mode:?}: {}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--force"),
        "{kind} {mode:?}: the refusal says how to go on"
    );
    assert_eq!(
        f.server.read_file("up tree/sub dir/deeper/b.txt"),
        b"b\n",
        "{kind} {mode:?}: put -r replaced a file on the server without asking"
    );
    f.ok("put", &["-r", "--force", &tree_arg, &f.url("")]);
    assert_eq!(
        f.server.read_file("up tree/sub dir/deeper/b.txt"),
        b"changed here\n",
        "{kind} {mode:?}: put -r --force"
    );
    std::fs::write(tree.join("a.txt"), &upload).unwrap();
    f.server.write_file("up tree/a.txt", &upload[..upload.len() / 2]);
    f.ok("put", &["-r", "--resume", &tree_arg, &f.url("")]);
    assert_eq!(
        sha256(&f.server.read_file("up tree/a.txt")),
        sha256(&upload),
        "{kind} {mode:?}: put -r --resume"
    );

    // Errors a user sees: a missing file is exit code 5 and quotes the reply.
    let missing = f.run("get", &["-o", &f.local("nope"), &f.url("no such file.bin")]);
    assert_eq!(missing.status.code(), Some(5), "{kind}: {}", String::from_utf8_lossy(&missing.stderr));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("the server said \"5"));
}

macro_rules! interop_tests {
    ($($name:ident: $kind:expr, $mode:expr, $relay:expr;)*) => {
        $(#[test] fn $name() { interop($kind, $mode, $relay); })*
    };
}

interop_tests! {
    vsftpd_epsv: ServerKind::Vsftpd, Mode::Epsv, false;
    vsftpd_pasv: ServerKind::Vsftpd, Mode::Pasv, false;
    vsftpd_active: ServerKind::Vsftpd, Mode::Active, false;
    proftpd_epsv: ServerKind::Proftpd, Mode::Epsv, false;
    proftpd_pasv: ServerKind::Proftpd, Mode::Pasv, false;
    proftpd_active: ServerKind::Proftpd, Mode::Active, false;
    pureftpd_epsv: ServerKind::PureFtpd, Mode::Epsv, false;
    pureftpd_pasv: ServerKind::PureFtpd, Mode::Pasv, false;
    pureftpd_active: ServerKind::PureFtpd, Mode::Active, false;
    pyftpdlib_epsv: ServerKind::Pyftpdlib, Mode::Epsv, false;
    pyftpdlib_pasv: ServerKind::Pyftpdlib, Mode::Pasv, false;
    pyftpdlib_active: ServerKind::Pyftpdlib, Mode::Active, false;
    relay_vsftpd_epsv: ServerKind::Vsftpd, Mode::Epsv, true;
    relay_vsftpd_pasv: ServerKind::Vsftpd, Mode::Pasv, true;
    relay_vsftpd_active: ServerKind::Vsftpd, Mode::Active, true;
    relay_proftpd_epsv: ServerKind::Proftpd, Mode::Epsv, true;
    relay_proftpd_pasv: ServerKind::Proftpd, Mode::Pasv, true;
    relay_proftpd_active: ServerKind::Proftpd, Mode::Active, true;
    relay_pureftpd_epsv: ServerKind::PureFtpd, Mode::Epsv, true;
    relay_pureftpd_pasv: ServerKind::PureFtpd, Mode::Pasv, true;
    relay_pureftpd_active: ServerKind::PureFtpd, Mode::Active, true;
    relay_pyftpdlib_epsv: ServerKind::Pyftpdlib, Mode::Epsv, true;
    relay_pyftpdlib_pasv: ServerKind::Pyftpdlib, Mode::Pasv, true;
    relay_pyftpdlib_active: ServerKind::Pyftpdlib, Mode::Active, true;
}

/// `get --segments 4`: four ranges at once, each on a session of its own, stopped at
/// its end with ABOR (servers answer it differently), and the file byte-exact.
fn segments(kind: ServerKind, via_relay: bool) {
    let Some(f) = Fixture::start(kind, Mode::Epsv, via_relay) else { return };
    let data = content(17 * 1024 * 1024 + 13, 5);
    f.server.write_file("big.bin", &data);
    let out = f.local("big.bin");
    let run = f.run("get", &["--segments", "4", "--verbose", "-o", &out, &f.url("big.bin")]);
    let transcript = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{kind}: {transcript}\n{}", f.server.log());
    assert_eq!(sha256(&read(&out)), sha256(&data), "{kind}: the file in ranges differs");
    let offsets: std::collections::BTreeSet<&str> =
        transcript.lines().filter_map(|l| l.strip_prefix("> REST ")).collect();
    assert_eq!(offsets.len(), 3, "{kind}: REST at three offsets: {offsets:?}");
    assert!(transcript.contains("> ABOR"), "{kind}: the ranges that stop short of the end are aborted");
    // A second download with the same sessions' server still works: nothing left in a bad state.
    let again = f.local("again.bin");
    f.ok("get", &["-o", &again, &f.url("big.bin")]);
    assert_eq!(sha256(&read(&again)), sha256(&data));
}

#[test]
fn vsftpd_segments() {
    segments(ServerKind::Vsftpd, false);
}

#[test]
fn proftpd_segments() {
    segments(ServerKind::Proftpd, false);
}

#[test]
fn pureftpd_segments() {
    segments(ServerKind::PureFtpd, false);
}

#[test]
fn pyftpdlib_segments() {
    segments(ServerKind::Pyftpdlib, false);
}

#[test]
fn relay_proftpd_segments() {
    segments(ServerKind::Proftpd, true);
}

#[test]
fn a_server_the_relay_does_not_allow_is_a_permission_error() {
    let Some(f) = Fixture::start(ServerKind::Pyftpdlib, Mode::Epsv, false) else { return };
    let relay = Relay::start(21); // the test server is not on an allowed control port
    let output = Command::new(env!("CARGO_BIN_EXE_ftpbridge"))
        .env("FTPBRIDGE_TLS", "plain")
        .args(["ls", "--relay", &relay.url(), &f.url("")])
        .output()
        .expect("the ftpbridge binary runs");
    assert_eq!(output.status.code(), Some(6), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("relay's policy"));
}

/// Sessions started faster than the relay's per-client rate slow down instead of
/// failing: the CLI waits out the relay's 429 for the `Retry-After` it gives.
#[test]
fn a_relay_that_says_too_many_sessions_is_waited_out() {
    let Some(f) = Fixture::start(ServerKind::Pyftpdlib, Mode::Epsv, false) else { return };
    f.server.write_file("here.txt", b"here\n");
    let relay = Relay::start_with(0, f.server.port(), |config| {
        config.limits.upgrades_per_second = 1;
        config.limits.upgrade_burst = 1;
    });
    // Three at once: the relay lets one through and answers the others 429 at first.
    let url = f.url("");
    let runs: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_ftpbridge"))
                .env("FTPBRIDGE_TLS", "plain")
                .env_remove("FTPBRIDGE_RELAY")
                .args(["ls", "--timeout", "20", "--relay", &relay.url(), &url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the ftpbridge binary runs")
        })
        .collect();
    for run in runs {
        let output = run.wait_with_output().expect("it ends");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("here.txt"));
    }
}

#[test]
fn wrong_password_is_a_login_error() {
    let Some(f) = Fixture::start(ServerKind::Vsftpd, Mode::Epsv, false) else { return };
    let url = f.url("").replacen(f.server.password(), "not-the-password", 1);
    let output = f.run("ls", &[&url]);
    assert_eq!(output.status.code(), Some(4), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("530"));
}

#[test]
fn verbose_transcript_masks_the_password() {
    let Some(f) = Fixture::start(ServerKind::Pyftpdlib, Mode::Epsv, true) else { return };
    let output = f.run("ls", &["--verbose", &f.url("")]);
    assert!(output.status.success());
    let transcript = String::from_utf8_lossy(&output.stderr);
    assert!(transcript.contains("> PASS ****"), "{transcript}");
    assert!(!transcript.contains(f.server.password()), "{transcript}");
}

/// `put - URL` streams standard input (a pipe, which cannot seek) to the server, and
/// `--resume` from a pipe is refused before anything is sent.
#[test]
fn put_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let Some(f) = Fixture::start(ServerKind::Vsftpd, Mode::Epsv, true) else { return };
    let body = content(3 * 1024 * 1024 + 17, 41);
    let put = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ftpbridge"));
        command.env("FTPBRIDGE_TLS", "plain");
        command.args(["put", "--timeout", "20", "--relay", &f.relay.as_ref().expect("a relay").url()]);
        command.args(extra).args(["-", &f.url("piped.bin")]);
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the ftpbridge binary runs");
        let mut stdin = child.stdin.take().expect("a pipe");
        let writer = {
            let body = body.clone();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&body);
            })
        };
        let output = child.wait_with_output().expect("ftpbridge ends");
        writer.join().expect("the writer");
        output
    };
    let output = put(&[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(sha256(&read(f.server.path("piped.bin"))), sha256(&body));

    let output = put(&["--resume"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--resume needs a regular file"));
}
