//! Abuse, against the running `ftpbridge-relay` binary over real WebSockets: every
//! attempt is refused with the right reason, counted in `/metrics`, and the relay goes
//! on serving a well-behaved FTP session meanwhile.
//!
//! - With the safe defaults (no private destinations): a control OPEN to every special
//!   address of the policy table, in every spelling (`127.0.0.1`, `::1`,
//!   `::ffff:127.0.0.1`, `0.0.0.0`, `::`, `2130706433`, `0x7f.1`, `127.1`, RFC 1918,
//!   CGNAT, link-local and the metadata address, ULA, multicast, NAT64), and a public
//!   address on a port that is not a control port; a bad Origin; tickets that are
//!   expired, tampered with, or for another host.
//! - With loopback allowed for a real FTP server (pyftpdlib), whose session stays
//!   logged in throughout and lists a directory over a data connection at the end: a
//!   data OPEN to another host and to a port below 1024, an active-mode connection from
//!   a third party, a flood of OPENs (stream limit, then open rate), a flood of sessions
//!   from one client, an oversized message.
//!
//! Outside CI, a missing pyftpdlib skips the second test with a message; with
//! `CI=true` it fails.

mod common;

use common::*;
use ftpbridge_relay::ticket;
use ftpbridge_testkit::{RealServer, ServerKind};
use ftpbridge_wire::{CloseReason, Frame, MuxEvent, StreamId};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncReadExt;

const SECRET: &str = "a ticket secret long enough to sign with";

#[tokio::test]
async fn denied_destinations_origins_and_tickets_with_the_safe_defaults() {
    let relay = RelayProcess::start(
        r#"
allowed_origins = ["https://app.example"]
"#,
    )
    .await;
    let url = relay.url();

    // Every special address, as the first (control) OPEN of a session, on port 21.
    let table = [
        "127.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "::",
        "2130706433",
        "0x7f.1",
        "127.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "fd00::1",
        "fe80::1",
        "224.0.0.1",
        "64:ff9b::7f00:1",
    ];
    for host in table {
        let mut client = Client::connect(&url).await;
        let (stream, event) = client.open(host, 21).await;
        assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "{host}");
    }
    // A public address on a port that is not a control port: refused before any connect.
    let mut client = Client::connect(&url).await;
    let (stream, event) = client.open("1.1.1.1", 80).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked });

    // A page from another origin: 403 before the upgrade.
    assert_eq!(refused_status(&url, &[("origin", "https://evil.example")]).await, 403);

    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "special_address"), table.len() as u64, "{metrics}");
    assert_eq!(denials(&metrics, "control_port"), 1, "{metrics}");
    assert_eq!(denials(&metrics, "origin"), 1, "{metrics}");
    let mut relay = relay;
    relay.assert_serving().await;

    // Tickets: expired, tampered with, for another host, or in the URL.
    let relay = RelayProcess::start(&format!(
        r#"
allowed_origins = ["https://app.example"]
[tickets]
required = true
secrets = ["{SECRET}"]
"#
    ))
    .await;
    let url = relay.url();
    let now = SystemTime::now();
    let mint = |hosts: &[&str], at: SystemTime| {
        let spec =
            ticket::TicketSpec { hosts: hosts.iter().map(|h| h.to_string()).collect(), ..Default::default() };
        ticket::mint(SECRET.as_bytes(), &spec, Duration::from_secs(60), at).unwrap()
    };
    let with = |ticket: &str| format!("ftpbridge.v1, ticket.{ticket}");
    let expired = mint(&["ftp.example.org"], now - Duration::from_secs(3600));
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", &with(&expired))]).await, 403, "expired");
    let good = mint(&["ftp.example.org"], now);
    let tampered = {
        let mut bytes = good.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", &with(&tampered))]).await, 403, "tampered");
    assert_eq!(refused_status(&format!("{url}?ticket={good}"), &[]).await, 403, "in the URL");
    let mut client = Client::connect_with(&url, &[("sec-websocket-protocol", &with(&good))]).await;
    let (stream, event) = client.open("ftp.example.net", 21).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "another host");
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "ticket"), 3, "{metrics}");
    assert_eq!(denials(&metrics, "ticket_host"), 1, "{metrics}");
    let mut relay = relay;
    relay.assert_serving().await;
}

/// A logged-in FTP session through the relay, kept open while others misbehave.
struct FtpSession {
    client: Client,
    control: StreamId,
}

impl FtpSession {
    async fn login(url: &str, server: &RealServer) -> FtpSession {
        let mut client = Client::connect(url).await;
        let (control, event) = client.open("127.0.0.1", server.port()).await;
        assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
        let mut session = FtpSession { client, control };
        session.expect("220").await;
        session.command(&format!("USER {}", server.user()), "331").await;
        session.command(&format!("PASS {}", server.password()), "230").await;
        session
    }

    /// Reads control-connection lines until a final reply; it must start with `code`.
    async fn expect(&mut self, code: &str) -> String {
        loop {
            let buffer = self.client.received.entry(self.control).or_default();
            // Complete lines only; the first that ends a reply (`NNN text`) is taken
            // with everything before it, what follows stays for the next call.
            let mut start = 0;
            while let Some(end) = buffer[start..].iter().position(|&b| b == b'\n').map(|i| start + i + 1) {
                let line = String::from_utf8_lossy(&buffer[start..end]).trim_end().to_string();
                start = end;
                if line.len() > 3 && line.as_bytes()[3] == b' ' {
                    buffer.drain(..end);
                    assert!(line.starts_with(code), "expected {code}, got {line:?}");
                    return line;
                }
            }
            assert!(self.client.pump().await, "the relay closed the good session");
        }
    }

    async fn command(&mut self, command: &str, code: &str) -> String {
        self.client.mux.send(self.control, format!("{command}\r\n").as_bytes());
        self.expect(code).await
    }

    /// Lists the login directory over a passive data connection.
    async fn list(&mut self) -> String {
        let reply = self.command("EPSV", "229").await;
        let port: u16 = reply.split('|').nth(3).and_then(|p| p.parse().ok()).expect("a 229 port");
        let (data, event) = self.client.open("127.0.0.1", port).await;
        assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
        self.client.mux.send(self.control, b"LIST\r\n");
        let listing = self.client.read_to_fin(data).await;
        self.expect("1").await;
        self.expect("226").await;
        String::from_utf8_lossy(&listing).into_owned()
    }
}

/// A session over the per-client limit: RESET(0, limit reached), then close 1008.
async fn assert_refused_for_the_limit(url: &str) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut ws, _) = connect_with(url, &[]).await.expect("the upgrade (refused after it)");
    let message = within("the refusal", ws.next()).await.expect("a message").expect("a frame");
    let mut mux = ftpbridge_wire::ClientMux::new();
    mux.handle_message(&message.into_data()).expect("a valid frame");
    assert_eq!(mux.poll_event(), Some(MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached }));
    match within("the close", ws.next()).await {
        Some(Ok(Message::Close(Some(close)))) => assert_eq!(u16::from(close.code), 1008),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_well_behaved_session_is_served_while_others_misbehave() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    server.write_file("still-here.txt", b"yes\n");
    let relay = RelayProcess::start(&format!(
        r#"
[policy]
allow_private = true
control_ports = [{port}]
[limits]
max_sessions_per_ip = 4
max_streams_per_session = 3
open_burst = 7
opens_per_second = 1
max_payload = 65536
window = 131072
[active]
enabled = true
bind_address = "127.0.0.1"
"#,
        port = server.port()
    ))
    .await;
    let url = relay.url();
    let mut good = FtpSession::login(&url, &server).await;

    // Data OPENs: to another host, to a privileged port, and to ports the server
    // never announced on this session's control stream (a tunnel to other services).
    let (elsewhere, _other) = greeter("127.0.0.2", b"hello\r\n").await;
    let (service, _service) = greeter("127.0.0.1", b"+PONG\r\n").await;
    let mut attacker = FtpSession::login(&url, &server).await;
    for (host, port) in [("127.0.0.2", elsewhere.port()), ("127.0.0.1", 80), ("127.0.0.1", service.port())] {
        let (stream, event) = attacker.client.open(host, port).await;
        assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "{host}:{port}");
    }

    // An active-mode listener: a third party is dropped, the control server accepted.
    let listen = attacker.client.mux.listen();
    attacker.client.flush().await;
    let address = match attacker.client.event().await {
        MuxEvent::Listening { stream, address } if stream == listen => address,
        other => panic!("expected LISTENING, got {other:?}"),
    };
    let third = tokio::net::TcpSocket::new_v4().unwrap();
    third.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    // The relay accepts and resets at once: the reset may even beat the handshake.
    if let Ok(mut intruder) = within("the intruder's connect", third.connect(address)).await {
        let mut byte = [0u8; 1];
        let read = within("the intruder to be dropped", intruder.read(&mut byte)).await;
        assert!(matches!(read, Ok(0) | Err(_)), "the third party got {read:?}");
    }
    let _server_side = tokio::net::TcpStream::connect(address).await.expect("the control server's IP");
    match attacker.client.event().await {
        MuxEvent::Accepted { stream, peer } => {
            assert_eq!(stream, listen);
            assert_eq!(peer.ip().to_string(), "127.0.0.1");
        }
        other => panic!("expected ACCEPTED, got {other:?}"),
    }

    // A flood of OPENs: over the stream limit (control + accepted listener + one more
    // listener = 3), then over the open rate; both say "limit reached".
    let third_stream = attacker.client.mux.listen();
    attacker.client.flush().await;
    assert!(
        matches!(attacker.client.event().await, MuxEvent::Listening { stream, .. } if stream == third_stream)
    );
    for _ in 0..2 {
        let (stream, event) = attacker.client.open("127.0.0.1", server.port()).await;
        assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::LimitReached });
    }

    // An oversized message ends that session with 1009.
    let mut big = Client::connect(&url).await;
    big.send_raw(Frame::Data { stream: 1, payload: &vec![0; 70_000] }).await;
    let close = big.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);

    // A flood of sessions from one client: with the good session and the attacker in
    // two of four slots, two more fit and the rest are refused.
    wait_until("the oversized session to end", || async {
        relay.metrics().await.contains("ftpbridge_relay_sessions_active 2")
    })
    .await;
    let mut flood = Vec::new();
    for _ in 0..2 {
        flood.push(Client::connect(&url).await);
    }
    for _ in 0..3 {
        assert_refused_for_the_limit(&url).await;
    }
    drop(flood);

    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "data_port_not_announced"), 3, "{metrics}");
    assert_eq!(denials(&metrics, "stream_limit") + denials(&metrics, "open_rate"), 2, "{metrics}");
    assert!(denials(&metrics, "stream_limit") >= 1, "{metrics}");
    assert_eq!(denials(&metrics, "session_limit_per_ip"), 3, "{metrics}");
    assert_eq!(errors(&metrics, "message_too_big"), 1, "{metrics}");

    // Meanwhile the good session was never disturbed: it lists over a data connection.
    let listing = good.list().await;
    assert!(listing.contains("still-here.txt"), "{listing}");
    good.command("QUIT", "221").await;
    let mut relay = relay;
    relay.assert_serving().await;
}
