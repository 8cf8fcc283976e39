//! FTPS in headless Chromium: TLS runs in the page (rustls in the wasm module), through
//! a real relay, against real servers. The browser side is `web/tests/tls.test.js`:
//!
//! - the API against vsftpd with explicit TLS (data connections must resume the control
//!   connection's session), its certificate signed by a test CA the page passes: list,
//!   download and upload five times each, byte-exact, a resumed download, and
//!   `client.security` (TLS version, the certificate, trusted by the authority);
//! - the API against proftpd with implicit TLS;
//! - `<ftp-browser>` against a self-signed pure-ftpd: refused by default with the
//!   certificate shown, connected after "Trust this key and connect", the lock and the
//!   certificate in the status bar, the key remembered for the next session;
//! - a host remembered as doing TLS that answers in plain FTP is refused as a downgrade.
//!
//! Outside CI, missing tools or servers skip it with a message; with `CI=true` they
//! fail it.

use ftpbridge_e2e::{missing_tools, stale_dist, web_dir};
use ftpbridge_testkit::{CertKind, RealServer, ServerKind, TlsMode};
use sha2::{Digest, Sha256};
use std::net::Ipv4Addr;
use std::process::Command;

/// Bytes the page can generate too: `(i * 31 + seed) mod 251`.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn skip(why: &str) {
    assert!(!ftpbridge_testkit::in_ci(), "CI=true and the FTPS browser tests cannot run: {why}");
    eprintln!("skipping the FTPS browser tests: {why}");
}

const FILE: usize = 6 * 1024 * 1024 + 333;

#[test]
fn ftps_in_headless_chromium() {
    if let Some(why) = missing_tools() {
        return skip(&why);
    }
    let stale = stale_dist();
    assert!(stale.is_empty(), "web/dist is older than {stale:?}: run cargo xtask web");
    let Some(vsftpd) = RealServer::start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SignedByTestCa)
    else {
        return;
    };
    let Some(proftpd) =
        RealServer::start_tls(ServerKind::Proftpd, TlsMode::Implicit, CertKind::SignedByTestCa)
    else {
        return;
    };
    let Some(pure) = RealServer::start_tls(ServerKind::PureFtpd, TlsMode::Explicit, CertKind::SelfSigned)
    else {
        return;
    };
    let Some(plain) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let file = pattern(FILE, 5);
    for server in [&vsftpd, &proftpd, &pure] {
        server.write_file("big.bin", &file);
    }

    let mut config = ftpbridge_relay::RelayConfig {
        static_dir: Some(web_dir().join("dist")),
        ..ftpbridge_relay::RelayConfig::default()
    };
    config.policy.allow_private = true;
    config.policy.control_ports = vec![vsftpd.port(), proftpd.port(), pure.port(), plain.port()];
    // proftpd's implicit port is no well-known one: the relay must know its control
    // stream is TLS from the first byte.
    config.policy.implicit_tls_ports = vec![proftpd.port()];
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a port for the relay");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("its address").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
        runtime.expect("a runtime").block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            ftpbridge_relay::serve(listener, config, async move {
                let _ = stopped.await;
            })
            .await
            .expect("the relay runs");
        });
    });

    let ca = std::fs::read_to_string(&vsftpd.tls().expect("TLS files").ca).expect("the CA");
    let proftpd_ca = std::fs::read_to_string(&proftpd.tls().expect("TLS files").ca).expect("the CA");
    let server = |s: &RealServer| format!("127.0.0.1:{}:{}:{}", s.port(), s.user(), s.password());
    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec", "tests/tls.test.js"])
        .current_dir(web_dir())
        .env("FTPBRIDGE_TLS_APP_URL", format!("http://127.0.0.1:{port}/"))
        .env("FTPBRIDGE_TLS_RELAY_URL", format!("ws://127.0.0.1:{port}/ws"))
        .env("FTPBRIDGE_TLS_VSFTPD", server(&vsftpd))
        .env("FTPBRIDGE_TLS_VSFTPD_CA", &ca)
        .env("FTPBRIDGE_TLS_PROFTPD", server(&proftpd))
        .env("FTPBRIDGE_TLS_PROFTPD_CA", &proftpd_ca)
        .env("FTPBRIDGE_TLS_PURE", server(&pure))
        .env("FTPBRIDGE_TLS_PLAIN", server(&plain))
        .env("FTPBRIDGE_TLS_FILE", format!("{FILE}:{}", sha256(&file)))
        .env("FTPBRIDGE_TLS_CHROMIUM", ftpbridge_e2e::chromium())
        .status()
        .expect("run node");
    let _ = stop.send(());
    let _ = relay.join();
    assert!(status.success(), "the FTPS browser tests failed ({status})\n--- vsftpd ---\n{}", vsftpd.log());
    for round in 0..5 {
        let name = format!("up-{round}.bin");
        let stored = vsftpd.read_file(&name);
        assert!(
            stored == pattern(1024 * 1024 + round, round),
            "{name} on vsftpd differs from what the page sent"
        );
    }
}
