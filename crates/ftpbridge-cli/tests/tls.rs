//! FTPS from the CLI against real servers: explicit and implicit TLS, byte-exact
//! transfers five times in a row (vsftpd and proftpd require data connections to
//! resume the control connection's TLS session), resume, passive and active, through
//! the relay too; trust (a CA, self-signed refused, pins, first use, a changed key) and
//! downgrade protection.

mod common;

use ftpbridge_testkit::{CertKind, RealServer, ServerKind, TlsMode};
use std::process::{Command, Output};

/// Runs the CLI with its own config directory (`known_hosts`) and the test CA.
struct Cli {
    config: tempfile::TempDir,
    ca: Option<String>,
}

impl Cli {
    fn new(server: &RealServer) -> Cli {
        let ca = server.tls().map(|files| files.ca.to_string_lossy().into_owned());
        Cli { config: tempfile::tempdir().expect("a config dir"), ca }
    }

    fn without_ca(mut self) -> Cli {
        self.ca = None;
        self
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ftpbridge"));
        command.args(args).env("FTPBRIDGE_CONFIG_DIR", self.config.path()).env_remove("FTPBRIDGE_TLS");
        if let Some(ca) = &self.ca {
            command.args(["--ca-file", ca]);
        }
        command.output().expect("the CLI runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "ftpbridge {args:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn known_hosts(&self) -> String {
        std::fs::read_to_string(self.config.path().join("known_hosts")).unwrap_or_default()
    }
}

fn url(server: &RealServer, scheme: &str, path: &str) -> String {
    server.url(path).replacen("ftp://", &format!("{scheme}://"), 1)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn content(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// list, get and put five times in a row each, byte-exact, and a resumed get, on one
/// server, in passive (and active where `active`) mode.
fn transfers(server: &RealServer, cli: &Cli, scheme: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let original = content(3 * 1024 * 1024 + 17, 7);
    server.write_file("big.bin", &original);
    for round in 0..5 {
        let mut args = vec!["ls"];
        args.extend_from_slice(extra);
        let listing_url = url(server, scheme, "");
        args.push(&listing_url);
        let listing = cli.ok(&args);
        assert!(listing.contains("big.bin"), "round {round}: {listing}");

        let local = dir.path().join(format!("got-{round}.bin"));
        let local_text = local.to_string_lossy().into_owned();
        let remote = url(server, scheme, "big.bin");
        let mut args = vec!["get", "-o", &local_text];
        args.extend_from_slice(extra);
        args.push(&remote);
        cli.ok(&args);
        assert!(std::fs::read(&local).unwrap() == original, "round {round}: the download differs");

        let upload = dir.path().join(format!("up-{round}.bin"));
        let sent = content(1024 * 1024 + round, round as u8);
        std::fs::write(&upload, &sent).unwrap();
        let upload_text = upload.to_string_lossy().into_owned();
        let target = url(server, scheme, &format!("up-{round}.bin"));
        let mut args = vec!["put"];
        args.extend_from_slice(extra);
        args.push(&upload_text);
        args.push(&target);
        cli.ok(&args);
        assert!(server.read_file(&format!("up-{round}.bin")) == sent, "round {round}: the upload differs");
    }
    // Resume: half the file is here already.
    let partial = dir.path().join("partial.bin");
    std::fs::write(&partial, &original[..original.len() / 2]).unwrap();
    let partial_text = partial.to_string_lossy().into_owned();
    let remote = url(server, scheme, "big.bin");
    let mut args = vec!["get", "--resume", "-o", &partial_text];
    args.extend_from_slice(extra);
    args.push(&remote);
    cli.ok(&args);
    assert!(std::fs::read(&partial).unwrap() == original, "the resumed download differs");
}

fn explicit(kind: ServerKind) {
    let Some(server) = RealServer::start_tls(kind, TlsMode::Explicit, CertKind::SignedByTestCa) else {
        return;
    };
    let cli = Cli::new(&server);
    // The default mode takes TLS when offered.
    let out = cli.run(&["ls", "--verbose", &server.url("")]);
    let transcript = stderr(&out);
    assert!(out.status.success(), "{transcript}");
    assert!(transcript.contains("> AUTH TLS") && transcript.contains("TLS 1."), "{transcript}");
    assert!(transcript.contains("> PROT P"), "{transcript}");
    transfers(&server, &cli, "ftpes", &["--passive"]);
    if server.supports_active() {
        transfers(&server, &cli, "ftpes", &["--active"]);
    }
    assert!(cli.known_hosts().contains(" tls"), "the host is remembered as doing TLS");
}

#[test]
fn explicit_tls_vsftpd() {
    explicit(ServerKind::Vsftpd);
}

#[test]
fn explicit_tls_proftpd() {
    explicit(ServerKind::Proftpd);
}

#[test]
fn explicit_tls_pure_ftpd() {
    explicit(ServerKind::PureFtpd);
}

#[test]
fn explicit_tls_pyftpdlib() {
    explicit(ServerKind::Pyftpdlib);
}

fn implicit(kind: ServerKind) {
    let Some(server) = RealServer::start_tls(kind, TlsMode::Implicit, CertKind::SignedByTestCa) else {
        return;
    };
    let cli = Cli::new(&server);
    let out = cli.run(&["ls", "--verbose", &url(&server, "ftps", "")]);
    let transcript = stderr(&out);
    assert!(out.status.success(), "{transcript}");
    assert!(!transcript.contains("> AUTH TLS"), "implicit TLS needs no AUTH: {transcript}");
    transfers(&server, &cli, "ftps", &["--passive"]);
}

#[test]
fn implicit_tls_vsftpd() {
    implicit(ServerKind::Vsftpd);
}

#[test]
fn implicit_tls_proftpd() {
    implicit(ServerKind::Proftpd);
}

#[test]
fn explicit_tls_through_the_relay() {
    let Some(server) = RealServer::start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SignedByTestCa)
    else {
        return;
    };
    let relay = common::Relay::start(server.port());
    let cli = Cli::new(&server);
    let relay_url = relay.url();
    transfers(&server, &cli, "ftpes", &["--passive", "--relay", &relay_url]);
    // The relay cannot read PORT inside TLS, so it opens no active-mode listener for
    // a TLS session (SECURITY.md): active mode fails, clearly; auto mode stays passive.
    let out = cli.run(&["ls", "--active", "--relay", &relay_url, &url(&server, "ftpes", "")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("active-mode"), "{}", stderr(&out));
    transfers(&server, &cli, "ftpes", &["--relay", &relay_url]);
}

#[test]
fn self_signed_is_refused_then_pinned_then_a_changed_key_is_refused() {
    let Some(mut server) = RealServer::start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SelfSigned)
    else {
        return;
    };
    let cli = Cli::new(&server).without_ca();
    let out = cli.run(&["ls", &server.url("")]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("self-signed"), "{message}");
    // The message names the key to pin.
    let key = ftpbridge_tls::key_hash(&server.tls().unwrap().cert_der);
    let pin: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let printed = ftpbridge_tls::fingerprint(&key);
    assert!(message.contains(&printed), "the fingerprint {printed} is in: {message}");

    // Pinned: accepted, and remembered.
    let listing = cli.ok(&["ls", "--pin", &pin, &server.url("")]);
    let _ = listing;
    assert!(cli.known_hosts().contains(&pin), "{}", cli.known_hosts());
    cli.ok(&["ls", &server.url("")]);

    // The server's key changes: refused loudly, with what to do.
    server.renew_certificate();
    let out = cli.run(&["ls", &server.url("")]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("key changed") && message.contains("known_hosts"), "{message}");
}

#[test]
fn trust_on_first_use_remembers_the_key() {
    let Some(mut server) =
        RealServer::start_tls(ServerKind::Proftpd, TlsMode::Explicit, CertKind::SelfSigned)
    else {
        return;
    };
    let cli = Cli::new(&server).without_ca();
    let out = cli.run(&["ls", "--trust-first-use", &server.url("")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("now remembered"), "{}", stderr(&out));
    // Later sessions need no flag.
    cli.ok(&["ls", &server.url("")]);
    server.renew_certificate();
    let out = cli.run(&["ls", "--trust-first-use", &server.url("")]);
    assert_eq!(out.status.code(), Some(13), "first use is over: a new key is refused: {}", stderr(&out));
}

#[test]
fn a_host_that_did_tls_is_not_taken_in_plain() {
    // A plain server at an address remembered as doing TLS: what a relay or network
    // that strips AUTH TLS looks like.
    let Some(server) = RealServer::start(ServerKind::Vsftpd) else { return };
    let cli = Cli { config: tempfile::tempdir().unwrap(), ca: None };
    std::fs::write(cli.config.path().join("known_hosts"), format!("127.0.0.1:{} tls\n", server.port()))
        .unwrap();
    let out = cli.run(&["ls", &server.url("")]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    assert!(stderr(&out).contains("did TLS before"), "{}", stderr(&out));
    // The user may still say so.
    let out = cli.run(&["ls", "--verbose", "--tls", "plain", &server.url("")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("unencrypted"), "a plain password login says so: {}", stderr(&out));
}

#[test]
fn a_password_is_never_sent_in_plain_unless_asked() {
    let Some(server) = RealServer::start(ServerKind::Proftpd) else { return };
    let cli = Cli { config: tempfile::tempdir().unwrap(), ca: None };
    let out = cli.run(&["ls", "--verbose", &server.url("")]);
    assert_eq!(out.status.code(), Some(13), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("--tls plain"), "{message}");
    assert!(!message.contains("> PASS"), "no password went out: {message}");
}

/// The relay carries only ciphertext: a hop between the relay and the server records
/// every byte of a login, a listing, a download and an upload, and none of the
/// password, the file names or the files' contents is in it.
#[test]
fn the_relay_forwards_only_ciphertext() {
    use ftpbridge_testkit::link::DelayHop;
    use std::net::Ipv4Addr;
    let Some(server) = RealServer::start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SignedByTestCa)
    else {
        return;
    };
    let ports = std::iter::once(server.port()).chain(server.passive_ports());
    let hop =
        DelayHop::start(Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::LOCALHOST, ports, std::time::Duration::ZERO)
            .expect("the recording hop starts");
    let relay = common::Relay::start(server.port());
    let cli = Cli::new(&server);
    let secret_name = "quarterly-report-7f3a9c.bin";
    let upload_name = "uploaded-plans-41d2e8.bin";
    let contents = content(2 * 1024 * 1024, 99);
    let upload = content(1024 * 1024 + 5, 123);
    server.write_file(secret_name, &contents);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("down.bin");
    let up = dir.path().join("up.bin");
    std::fs::write(&up, &upload).unwrap();
    let through_hop = |path: &str| url(&server, "ftpes", path).replacen("@127.0.0.1:", "@127.0.0.2:", 1);
    let relay_url = relay.url();
    let listing = cli.ok(&["ls", "--relay", &relay_url, &through_hop("")]);
    assert!(listing.contains(secret_name), "{listing}");
    cli.ok(&["get", "--relay", &relay_url, "-o", &local.to_string_lossy(), &through_hop(secret_name)]);
    assert!(std::fs::read(&local).unwrap() == contents);
    cli.ok(&["put", "--relay", &relay_url, &up.to_string_lossy(), &through_hop(upload_name)]);
    assert!(server.read_file(upload_name) == upload);

    let recorded = hop.recorded();
    assert!(
        recorded.len() > contents.len() + upload.len(),
        "the control and data connections went through the hop ({} bytes)",
        recorded.len()
    );
    let contains = |needle: &[u8]| recorded.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"AUTH TLS"), "the recording is of this session");
    for (what, needle) in [
        ("the password", server.password().as_bytes()),
        ("a file name", secret_name.as_bytes()),
        ("an uploaded file's name", upload_name.as_bytes()),
        ("the USER command", b"USER ".as_slice()),
    ] {
        assert!(!contains(needle), "the relay forwarded {what} in the clear");
    }
    for (what, file) in [("the downloaded file", &contents), ("the uploaded file", &upload)] {
        for at in [0, file.len() / 2, file.len() - 64] {
            assert!(!contains(&file[at..at + 64]), "the relay forwarded {what} in the clear (at {at})");
        }
    }
}
