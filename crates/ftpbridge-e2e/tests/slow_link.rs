//! The page on a slow link: `FtpClient` in headless Chromium, the relay and pyftpdlib
//! in a network namespace whose loopback is limited to 8 Mbit/s, every session with a
//! 2 s timeout. A download and an upload take several times the timeout; a page that
//! stops reading and an upload source that pauses hold a transfer past it. Each must
//! complete byte-exact (checked here on the server's disk for the uploads).
//!
//! The browser side is `web/tests/slow-link.test.js`. Needs root for the namespace;
//! outside CI a missing tool skips it with a message, with `CI=true` it fails.

use ftpbridge_e2e::{missing_tools, stale_dist, web_dir};
use ftpbridge_testkit::link::SlowLink;
use ftpbridge_testkit::{RealServer, ServerKind};
use sha2::{Digest, Sha256};
use std::process::Command;

/// The file moved each way: it crosses the loopback twice (page to relay, relay to
/// server), so about 6 s at 8 Mbit/s.
const SIZE: usize = 3 * 1024 * 1024 + 11;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn page_transfers_on_a_slow_link() {
    if let Some(why) = missing_tools() {
        assert!(!ftpbridge_testkit::in_ci(), "CI=true and the slow-link page test cannot run: {why}");
        eprintln!("skipping the slow-link page test: {why}");
        return;
    }
    if !SlowLink::enter("page_transfers_on_a_slow_link", "8mbit") {
        return;
    }
    let stale = stale_dist();
    assert!(stale.is_empty(), "web/dist is older than {stale:?}: run cargo xtask web");
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let data: Vec<u8> = (0..SIZE).map(|i| ((i * 131 + 7) % 253) as u8).collect();
    server.write_file("file.bin", &data);

    let mut config = ftpbridge_relay::RelayConfig {
        static_dir: Some(web_dir().join("dist")),
        ..ftpbridge_relay::RelayConfig::default()
    };
    config.policy.allow_private = true;
    config.policy.control_ports = vec![server.port()];
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.expect("a runtime for the relay");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port for the relay");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("its address").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        let shutdown = async move {
            let _ = stopped.await;
        };
        ftpbridge_relay::serve(listener, config, shutdown).await.expect("the relay runs");
    });

    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec", "tests/slow-link.test.js"])
        .current_dir(web_dir())
        .env("FTPBRIDGE_SLOW_APP_URL", format!("http://127.0.0.1:{port}/"))
        .env("FTPBRIDGE_SLOW_RELAY_URL", format!("ws://127.0.0.1:{port}/ws"))
        .env(
            "FTPBRIDGE_SLOW_SERVER",
            format!("127.0.0.1:{}:{}:{}", server.port(), server.user(), server.password()),
        )
        .env("FTPBRIDGE_SLOW_FILE", format!("{SIZE}:{}", sha256(&data)))
        .env("FTPBRIDGE_SLOW_CHROMIUM", ftpbridge_e2e::chromium())
        .status()
        .expect("run node");
    let _ = stop.send(());
    let _ = runtime.block_on(relay);
    assert!(status.success(), "the slow-link page tests failed ({status})\n--- server ---\n{}", server.log());
    assert!(server.read_file("up.bin") == data, "the uploaded copy differs");
    let paused = server.read_file("paused.bin");
    assert_eq!(paused.len(), 4 * 512 * 1024);
    assert!(paused.iter().all(|&b| b == 7), "the paused upload's bytes differ");
}
