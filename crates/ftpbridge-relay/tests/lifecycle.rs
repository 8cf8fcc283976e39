//! A session's and the relay's ends: idle timeout, graceful shutdown, and the binary
//! (start-up line, SIGTERM).

mod common;

use common::*;
use ftpbridge_relay::RelayConfig;
use ftpbridge_wire::{CloseReason, MuxEvent};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn an_idle_session_is_closed_with_the_idle_reason() {
    let mut config = RelayConfig::default();
    config.timeouts.idle = Duration::from_millis(300);
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream: 0, reason: CloseReason::IdleTimeout });
    let close = client.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1000);
    let metrics = relay.metrics().await;
    assert!(metrics.contains("ftpbridge_relay_errors_total{reason=\"idle_timeout\"} 1"), "{metrics}");
}

#[tokio::test]
async fn payload_keeps_a_session_open_and_pings_do_not() {
    let (control, _c) = echo("127.0.0.1", b"").await;
    let mut config = config(&[control.port()]);
    config.timeouts.idle = Duration::from_millis(1000);
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", control.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    // Bytes each way well inside the idle timeout (pacing, not synchronisation), for
    // more than two timeouts' worth.
    let started = tokio::time::Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        client.send_all(stream, b"NOOP\r\n").await;
        while client.received.get(&stream).map_or(0, Vec::len) < 6 {
            assert!(client.pump().await, "the relay closed a session that moved bytes");
        }
        client.received.remove(&stream);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Then only pings: they prove the client is there, not that the session is used.
    let mut nonce = 0;
    let closed = loop {
        nonce += 1;
        client.mux.ping(nonce);
        match client.event().await {
            MuxEvent::Pong { .. } => tokio::time::sleep(Duration::from_millis(100)).await,
            other => break other,
        }
        assert!(nonce < 100, "pings kept the session open");
    };
    assert_eq!(closed, MuxEvent::Reset { stream: 0, reason: CloseReason::IdleTimeout });
}

#[tokio::test]
async fn a_session_without_a_control_connection_is_closed_after_a_grace() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let mut config = config(&[control.port()]);
    config.timeouts.no_control = Duration::from_millis(400);
    let relay = TestRelay::start(config).await;
    // None at all.
    let mut idle = Client::connect(&relay.url()).await;
    assert_eq!(idle.event().await, MuxEvent::Reset { stream: 0, reason: CloseReason::IdleTimeout });
    // One that ended: the server closed it.
    let (closing, _s) = server("127.0.0.1", |tcp| async move { drop(tcp) }).await;
    let mut second = common::config(&[closing.port()]);
    second.timeouts.no_control = Duration::from_millis(400);
    let relay = TestRelay::start(second).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", closing.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    client.read_to_fin(stream).await;
    client.mux.fin(stream);
    client.flush().await;
    // A data OPEN after the control connection ended is refused.
    let (data, event) = client.open("127.0.0.1", closing.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream: data, reason: CloseReason::ProtocolError });
    assert_eq!(client.event().await, MuxEvent::Reset { stream: 0, reason: CloseReason::IdleTimeout });
    let metrics = relay.metrics().await;
    assert!(errors(&metrics, "no_control_connection") >= 1, "{metrics}");
}

#[tokio::test]
async fn no_session_outlives_its_lifetime() {
    let (control, _c) = echo("127.0.0.1", b"").await;
    let mut config = config(&[control.port()]);
    config.timeouts.session_lifetime = Duration::from_millis(800);
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, _) = client.open("127.0.0.1", control.port()).await;
    let closed = loop {
        client.send_all(stream, b"x").await;
        match tokio::time::timeout(Duration::from_millis(100), client.event()).await {
            Ok(event) => break event,
            Err(_) => continue,
        }
    };
    assert_eq!(closed, MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached });
}

#[tokio::test]
async fn graceful_shutdown_resets_sessions_and_stops() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let relay = TestRelay::start(config(&[control.port()])).await;
    let addr = relay.addr;
    let mut client = Client::connect(&relay.url()).await;
    let (_, event) = client.open("127.0.0.1", control.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }));
    let stopped = tokio::spawn(relay.shut_down());
    // Stream resets may come first; the session's reset comes before the close.
    loop {
        match client.event().await {
            MuxEvent::Reset { stream: 0, reason } => {
                assert_eq!(reason, CloseReason::ShuttingDown);
                break;
            }
            MuxEvent::Reset { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let close = client.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
    within("serve to return", stopped).await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[test]
fn the_binary_prints_its_address_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpbridge-relay"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json", "--set", "timeouts.drain=2"])
        .env("RUST_LOG", "info")
        .env("FTPBRIDGE_RELAY_LIMITS__MAX_SESSIONS", "3")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the relay binary");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}"));
    let address: std::net::SocketAddr = address.parse().unwrap();
    assert_ne!(address.port(), 0);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (status, _, body) = http_get(address, "/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok"));
        Client::connect(&format!("ws://{address}/ws")).await;
    });

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.lines().any(|l| l.starts_with('{') && l.contains("relay started")), "{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
}

#[test]
fn the_binary_mints_tickets_and_refuses_bad_configuration() {
    let output = Command::new(env!("CARGO_BIN_EXE_ftpbridge-relay"))
        .args(["ticket", "--host", "ftp.example.com", "--ttl", "10m"])
        .env("FTPBRIDGE_RELAY_TICKET_SECRET", "a shared secret of some length")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let minted = String::from_utf8(output.stdout).unwrap();
    let (claims, _) = ftpbridge_relay::ticket::verify(
        &["a shared secret of some length"],
        minted.trim(),
        std::time::SystemTime::now(),
    )
    .unwrap();
    assert_eq!(claims.hosts, vec!["ftp.example.com"]);

    let output = Command::new(env!("CARGO_BIN_EXE_ftpbridge-relay"))
        .args(["--listen", "127.0.0.1:0", "--set", "limits.window=1"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("limits.window"), "{output:?}");
}
