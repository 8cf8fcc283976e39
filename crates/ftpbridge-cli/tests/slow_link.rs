//! The `ftpbridge` binary on a slow link: each test runs in a network namespace of
//! its own whose loopback is limited to 8 Mbit/s (`tc tbf`), some with 60 ms more each
//! way through a delaying hop. A download and an upload there take about 6 s each,
//! three times the `--timeout 2` the CLI runs with: a deadline that measured the
//! length of a transfer instead of the silence in it fails them. Directly and through
//! the relay, against pyftpdlib and vsftpd, and against a server that refuses the
//! keep-alive NOOPs the CLI sends every second during the transfer.
//!
//! Needs root for the namespace (and the servers); outside CI a test that cannot run
//! says why and is skipped, with `CI=true` it fails.

mod common;

use common::{Relay, content};
use ftpbridge_testkit::link::{DelayHop, SlowLink};
use ftpbridge_testkit::{Fault, RealServer, ServerKind};
use std::net::Ipv4Addr;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The link's rate, in tc's notation.
const RATE: &str = "8mbit";
/// The bytes moved each way on the link: about 6 s at [`RATE`]. Every hop on the way
/// (the relay, the delaying hop) crosses the loopback once more, so the file is
/// smaller by as much.
const LINK_BYTES: u64 = 6 * 1024 * 1024;
/// The CLI's timeout: a third of the transfer.
const TIMEOUT: &str = "2";
/// Latency added each way by the hop, where there is one.
const DELAY: Duration = Duration::from_millis(60);

struct Setup {
    server: RealServer,
    relay: Option<Relay>,
    hop: Option<DelayHop>,
    local: tempfile::TempDir,
    extra: Vec<&'static str>,
    size: u64,
}

impl Setup {
    fn start(server: Option<RealServer>, via_relay: bool, latency: bool) -> Option<Setup> {
        let server = server?;
        let hop = latency.then(|| {
            let ports = std::iter::once(server.port()).chain(server.passive_ports());
            DelayHop::start(Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::LOCALHOST, ports, DELAY)
                .expect("the delaying hop")
        });
        let relay = via_relay.then(|| Relay::start(server.port()));
        let local = tempfile::tempdir().expect("a temp dir");
        let crossings = 1 + u64::from(via_relay) + u64::from(latency);
        Some(Setup { server, relay, hop, local, extra: Vec::new(), size: LINK_BYTES / crossings })
    }

    /// The server's URL for `path`, through the hop when there is one.
    fn url(&self, path: &str) -> String {
        let url = self.server.url(path);
        match self.hop {
            Some(_) => url.replacen("@127.0.0.1:", "@127.0.0.2:", 1),
            None => url,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ftpbridge"));
        command.env("FTPBRIDGE_TLS", "plain");
        command.arg(args[0]).args(["--verbose", "--passive", "--timeout", TIMEOUT]).args(&self.extra);
        if let Some(relay) = &self.relay {
            command.args(["--relay", &relay.url()]);
        }
        command.args(&args[1..]).env_remove("FTPBRIDGE_RELAY").env_remove("FTPBRIDGE_PASSWORD");
        command.output().expect("the ftpbridge binary runs")
    }

    /// Downloads and uploads a file, each far longer than the timeout.
    fn transfers(&self, label: &str) {
        let (data, size) = (content(self.size, 21), self.size);
        self.server.write_file("down.bin", &data);
        let out = self.local.path().join("down.bin");
        let started = Instant::now();
        let get = self.run(&["get", "-o", &out.to_string_lossy(), &self.url("down.bin")]);
        let took = started.elapsed();
        assert!(
            get.status.success(),
            "{label}: the download failed:\n{}",
            String::from_utf8_lossy(&get.stderr)
        );
        assert!(std::fs::read(&out).expect("the download") == data, "{label}: the downloaded bytes differ");
        println!("{label}: {size} bytes down in {:.1} s with --timeout {TIMEOUT}", took.as_secs_f64());

        let started = Instant::now();
        let put = self.run(&["put", &out.to_string_lossy(), &self.url("up.bin")]);
        let took = started.elapsed();
        assert!(
            put.status.success(),
            "{label}: the upload failed:\n{}",
            String::from_utf8_lossy(&put.stderr)
        );
        assert!(self.server.read_file("up.bin") == data, "{label}: the uploaded bytes differ");
        println!("{label}: {size} bytes up in {:.1} s with --timeout {TIMEOUT}", took.as_secs_f64());
    }
}

#[test]
fn pyftpdlib_on_a_slow_link() {
    if !SlowLink::enter("pyftpdlib_on_a_slow_link", RATE) {
        return;
    }
    let Some(setup) = Setup::start(RealServer::start(ServerKind::Pyftpdlib), false, false) else { return };
    setup.transfers("pyftpdlib");
}

#[test]
fn pyftpdlib_through_the_relay_on_a_slow_link() {
    if !SlowLink::enter("pyftpdlib_through_the_relay_on_a_slow_link", RATE) {
        return;
    }
    let Some(setup) = Setup::start(RealServer::start(ServerKind::Pyftpdlib), true, false) else { return };
    setup.transfers("pyftpdlib through the relay");
}

#[test]
fn vsftpd_on_a_slow_link_with_latency() {
    if !SlowLink::enter("vsftpd_on_a_slow_link_with_latency", RATE) {
        return;
    }
    let Some(setup) = Setup::start(RealServer::start(ServerKind::Vsftpd), false, true) else { return };
    setup.transfers("vsftpd, +60 ms each way");
}

#[test]
fn vsftpd_through_the_relay_on_a_slow_link_with_latency() {
    if !SlowLink::enter("vsftpd_through_the_relay_on_a_slow_link_with_latency", RATE) {
        return;
    }
    let Some(setup) = Setup::start(RealServer::start(ServerKind::Vsftpd), true, true) else { return };
    setup.transfers("vsftpd through the relay, +60 ms each way");
}

#[test]
fn keepalives_refused_during_slow_transfers() {
    if !SlowLink::enter("keepalives_refused_during_slow_transfers", RATE) {
        return;
    }
    let server = RealServer::start_with_fault(Fault::RefuseNoopDuringTransfer);
    let Some(mut setup) = Setup::start(server, false, false) else { return };
    setup.extra = vec!["--keepalive", "1"];
    setup.transfers("a server that refuses NOOP during transfers");
    // The refusals came and were taken for what they are.
    let data = content(setup.size, 21);
    let out = setup.local.path().join("again.bin");
    let get = setup.run(&["get", "-o", &out.to_string_lossy(), &setup.url("down.bin")]);
    let transcript = String::from_utf8_lossy(&get.stderr);
    assert!(transcript.contains("< 502 Command not allowed during a transfer."), "{transcript}");
    assert!(get.status.success() && std::fs::read(&out).expect("the download") == data, "{transcript}");
}

/// `get --segments 2` on a slow link with latency: each range takes longer than the
/// timeout, ends with a reset and ABOR over the delaying hop, and the file is whole.
#[test]
fn segments_on_a_slow_link_with_latency() {
    // Faster than the others' link, so that two ranges of at least 4 MiB still take
    // only seconds (about three times the timeout).
    if !SlowLink::enter("segments_on_a_slow_link_with_latency", "24mbit") {
        return;
    }
    let Some(setup) = Setup::start(RealServer::start(ServerKind::Vsftpd), false, true) else { return };
    let data = content(8 * 1024 * 1024 + 21, 23);
    setup.server.write_file("ranged.bin", &data);
    let out = setup.local.path().join("ranged.bin");
    let started = Instant::now();
    let get = setup.run(&["get", "--segments", "2", "-o", &out.to_string_lossy(), &setup.url("ranged.bin")]);
    let took = started.elapsed();
    let transcript = String::from_utf8_lossy(&get.stderr);
    assert!(get.status.success(), "the download in ranges failed:\n{transcript}");
    assert!(transcript.contains("> ABOR"), "the first range ended with ABOR:\n{transcript}");
    assert!(std::fs::read(&out).expect("the download") == data, "the bytes in ranges differ");
    println!(
        "vsftpd, +60 ms each way: {} bytes in two ranges in {:.1} s with --timeout {TIMEOUT}",
        data.len(),
        took.as_secs_f64()
    );
}
