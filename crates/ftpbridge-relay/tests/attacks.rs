//! Attacks on the running `ftpbridge-relay` binary, each with the secure outcome it
//! must get: memory held by 1-byte frames, FTP bounce and another session's listener
//! (against a real pyftpdlib), tunnels to services and to the relay itself, a TLS
//! control stream that is not TLS, DNS that never answers, floods of upgrades and
//! sessions (per IP, per IPv6 network, past the open-file limit), forwarded addresses
//! with junk in them, and an open relay on a public address.
//!
//! Every attack goes to loopback only. Outside CI a missing pyftpdlib skips the tests
//! that need it, with a message; with `CI=true` they fail.

mod common;

use common::*;
use ftpbridge_testkit::{RealServer, ServerKind};
use ftpbridge_wire::{CloseReason, Frame, MuxEvent, StreamId};
use futures_util::SinkExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio_tungstenite::tungstenite::Message;

const MIB: u64 = 1 << 20;

/// A server that accepts and never reads, with a small receive buffer, so that what a
/// client sends it piles up in the relay.
async fn never_reads(prelude: Vec<u8>) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(16).unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = tcp.write_all(&prelude).await;
            open.push(tcp);
        }
    });
    (addr, task)
}

/// Counts the connections a "victim" service gets.
async fn victim() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((_tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (addr, count)
}

/// Sends 1-byte DATA frames on `stream` while the relay gives credit; stops once no
/// credit has come back for a while (its queue toward the peer is full).
async fn fill_with_tiny_frames(client: &mut Client, stream: StreamId, byte: u8) -> u64 {
    let mut sent = 0u64;
    loop {
        let mut batch = 0;
        while client.mux.send_capacity(stream) > 0 && batch < 65_536 {
            client.mux.send(stream, &[byte]);
            batch += 1;
        }
        while let Some(message) = client.mux.poll_transmit() {
            client.ws.feed(Message::Binary(message.into())).await.expect("send");
        }
        client.ws.flush().await.expect("flush");
        sent += batch;
        if client.mux.send_capacity(stream) > 0 {
            continue;
        }
        // Out of credit: wait for more; none for a second means the relay holds all.
        match tokio::time::timeout(Duration::from_secs(1), client.pump()).await {
            Ok(open) => assert!(open, "the relay closed the session"),
            Err(_) => return sent,
        }
        assert!(!client.events.iter().any(|e| matches!(e, MuxEvent::Reset { .. })), "{:?}", client.events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_frames_cost_the_window_not_a_frame_each() {
    let (sinks, mut tasks) = (3, Vec::new());
    let mut ports = Vec::new();
    for _ in 0..sinks {
        let (addr, task) = never_reads(Vec::new()).await;
        ports.push(addr.port());
        tasks.push(task);
    }
    let mut prelude = b"220 ready\r\n".to_vec();
    for port in &ports {
        prelude.extend_from_slice(format!("229 Entering Extended Passive Mode (|||{port}|)\r\n").as_bytes());
    }
    let (control, _c) = never_reads(prelude).await;
    let config = format!(
        r#"
[policy]
allow_private = true
control_ports = [{port}]
[limits]
window = 262144
max_payload = 65536
max_streams_per_session = 4
"#,
        port = control.port()
    );
    let relay = RelayProcess::start(&config).await;
    let limits = ftpbridge_relay::Limits {
        window: 262_144,
        max_payload: 65_536,
        max_streams_per_session: 4,
        ..Default::default()
    };
    let bound = limits.session_memory_bound() as u64;

    let mut client = Client::connect(&relay.url()).await;
    let (control_stream, event) = client.open("127.0.0.1", control.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    read_announcements(&mut client, control_stream, sinks).await;
    let mut streams = vec![(control_stream, b'\n')];
    for port in &ports {
        let (stream, event) = client.open("127.0.0.1", *port).await;
        assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
        streams.push((stream, b'x'));
    }
    let before = relay.rss();
    let mut sent = 0;
    for (stream, byte) in streams {
        sent += fill_with_tiny_frames(&mut client, stream, byte).await;
    }
    let grown = relay.rss().saturating_sub(before);
    println!(
        "{sent} one-byte frames on 4 streams toward peers that do not read: the relay grew by {:.1} MiB (bound {:.1} MiB)",
        grown as f64 / MIB as f64,
        bound as f64 / MIB as f64
    );
    assert!(sent >= 4 * 262_144, "every stream's window was spent ({sent} bytes)");
    assert!(grown <= bound + 2 * MIB, "the relay grew by {grown} bytes, over its bound of {bound}");
}

/// A logged-in pyftpdlib session through the relay.
async fn ftp_session(url: &str, server: &RealServer) -> (Client, StreamId) {
    let mut client = Client::connect(url).await;
    let (control, event) = client.open("127.0.0.1", server.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    expect_reply(&mut client, control, "220").await;
    command(&mut client, control, &format!("USER {}", server.user()), "331").await;
    command(&mut client, control, &format!("PASS {}", server.password()), "230").await;
    (client, control)
}

async fn expect_reply(client: &mut Client, control: StreamId, code: &str) -> String {
    loop {
        let buffer = client.received.entry(control).or_default();
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
        assert!(client.pump().await, "the relay closed the session");
    }
}

async fn command(client: &mut Client, control: StreamId, line: &str, code: &str) -> String {
    client.send_all(control, format!("{line}\r\n").as_bytes()).await;
    expect_reply(client, control, code).await
}

/// Sends a command line the relay must refuse: the control stream is reset.
async fn refused_command(client: &mut Client, control: StreamId, line: &str) {
    client.send_all(control, format!("{line}\r\n").as_bytes()).await;
    loop {
        if let Some(MuxEvent::Reset { stream, reason }) = client.events.pop_front() {
            assert_eq!((stream, reason), (control, CloseReason::Blocked), "{line}");
            return;
        }
        assert!(client.pump().await, "the relay closed the session");
    }
}

#[tokio::test]
async fn port_and_eprt_cannot_aim_the_server_anywhere_else() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let (target, hits) = victim().await;
    let config = format!(
        r#"
[policy]
allow_private = true
control_ports = [{port}]
[active]
enabled = true
bind_address = "127.0.0.1"
"#,
        port = server.port()
    );
    let relay = RelayProcess::start(&config).await;
    let url = relay.url();
    let (p1, p2) = (target.port() >> 8, target.port() & 0xff);

    // Bounce: PORT and EPRT naming a third service, in several spellings.
    for line in [
        format!("PORT 127,0,0,1,{p1},{p2}"),
        format!("EPRT |1|127.0.0.1|{}|", target.port()),
        format!("port 127,0,0,1,{p1},{p2}"),
        format!("\u{00ff}PORT 127,0,0,1,{p1},{p2}"),
    ] {
        let (mut client, control) = ftp_session(&url, &server).await;
        refused_command(&mut client, control, &line).await;
    }

    // Another session's listener: session A holds one, session B names it.
    let (mut a, _a_control) = ftp_session(&url, &server).await;
    let listen = a.mux.listen();
    a.flush().await;
    let held = match a.event().await {
        MuxEvent::Listening { stream, address } if stream == listen => address,
        other => panic!("expected LISTENING, got {other:?}"),
    };
    let (mut b, b_control) = ftp_session(&url, &server).await;
    refused_command(&mut b, b_control, &format!("EPRT |1|127.0.0.1|{}|", held.port())).await;

    // B's own listener works, once.
    let (mut b, b_control) = ftp_session(&url, &server).await;
    let listen = b.mux.listen();
    b.flush().await;
    let own = match b.event().await {
        MuxEvent::Listening { stream, address } if stream == listen => address,
        other => panic!("expected LISTENING, got {other:?}"),
    };
    command(&mut b, b_control, &format!("EPRT |1|127.0.0.1|{}|", own.port()), "200").await;
    b.send_all(b_control, b"LIST\r\n").await;
    expect_reply(&mut b, b_control, "1").await;
    expect_reply(&mut b, b_control, "226").await;
    refused_command(&mut b, b_control, &format!("EPRT |1|127.0.0.1|{}|", own.port())).await;

    assert_eq!(hits.load(Ordering::SeqCst), 0, "the server was made to connect to a third service");
    let log = server.log();
    assert!(!log.contains(&format!("{p1},{p2}")), "a refused PORT reached the server:\n{log}");
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "ftp_bounce"), 6, "{metrics}");
}

#[tokio::test]
async fn with_active_mode_off_no_port_command_reaches_the_server() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let (target, hits) = victim().await;
    let relay = RelayProcess::start(&format!(
        "[policy]\nallow_private = true\ncontrol_ports = [{}]\n",
        server.port()
    ))
    .await;
    let (mut client, control) = ftp_session(&relay.url(), &server).await;
    let (p1, p2) = (target.port() >> 8, target.port() & 0xff);
    refused_command(&mut client, control, &format!("PORT 127,0,0,1,{p1},{p2}")).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn data_connections_cannot_tunnel_to_other_services_or_to_the_relay() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let (service, service_hits) = victim().await;
    let relay = RelayProcess::start(&format!(
        "[policy]\nallow_private = true\ncontrol_ports = [{}]\n",
        server.port()
    ))
    .await;
    let relay_port = relay.addr.port();
    let (mut client, control) = ftp_session(&relay.url(), &server).await;
    // Services on the server's IP, the relay itself: never announced, never reached.
    for port in [service.port(), relay_port] {
        let (stream, event) = client.open("127.0.0.1", port).await;
        assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "{port}");
    }
    // What the server announces works, once.
    let reply = command(&mut client, control, "EPSV", "229").await;
    let port: u16 = reply.split('|').nth(3).and_then(|p| p.parse().ok()).expect("a 229 port");
    let (data, event) = client.open("127.0.0.1", port).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    client.send_all(control, b"LIST\r\n").await;
    client.read_to_fin(data).await;
    expect_reply(&mut client, control, "1").await;
    expect_reply(&mut client, control, "226").await;
    let (stream, event) = client.open("127.0.0.1", port).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "used once");
    // A port announced, then the control connection ends: the port is not usable.
    let reply = command(&mut client, control, "EPSV", "229").await;
    let port: u16 = reply.split('|').nth(3).and_then(|p| p.parse().ok()).expect("a 229 port");
    command(&mut client, control, "QUIT", "221").await;
    client.read_to_fin(control).await;
    client.mux.fin(control);
    client.flush().await;
    wait_until("the control stream to end", || async {
        relay.metrics().await.contains("ftpbridge_relay_streams_active{kind=\"control\"} 0")
    })
    .await;
    let (stream, event) = client.open("127.0.0.1", port).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::ProtocolError }, "control gone");
    assert_eq!(service_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_server_that_announces_the_relays_own_port_is_not_obeyed() {
    // The relay's port is known only once it runs: start it, then a "server" that
    // announces that port.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let control_port = probe.local_addr().unwrap().port();
    drop(probe);
    let relay =
        RelayProcess::start(&format!("[policy]\nallow_private = true\ncontrol_ports = [{control_port}]\n"))
            .await;
    let listener = TcpListener::bind(("127.0.0.1", control_port)).await.unwrap();
    let relay_port = relay.addr.port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let line = format!("220 ready\r\n229 Entering Extended Passive Mode (|||{relay_port}|)\r\n");
            let _ = tcp.write_all(line.as_bytes()).await;
            open.push(tcp);
        }
    });
    let mut client = Client::connect(&relay.url()).await;
    let (control, event) = client.open("127.0.0.1", control_port).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    read_announcements(&mut client, control, 1).await;
    let (stream, event) = client.open("127.0.0.1", relay_port).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked });
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "relay_itself"), 1, "{metrics}");
}

/// A stand-in server that answers AUTH TLS with 234 and then reads nothing it checks.
async fn tls_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let _ = tcp.write_all(b"220 ready\r\n").await;
                let mut line = Vec::new();
                let mut byte = [0u8; 1];
                while tcp.read_exact(&mut byte).await.is_ok() && byte[0] != b'\n' {
                    line.push(byte[0]);
                }
                let _ = tcp.write_all(b"234 AUTH TLS ok\r\n").await;
                let mut rest = Vec::new();
                let _ = tcp.read_to_end(&mut rest).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_tls_control_stream_must_carry_tls_and_data_follows_the_port_policy() {
    let server = tls_server().await;
    let (data, _d) = greeter("127.0.0.1", b"data").await;
    let relay = RelayProcess::start(&format!(
        "[policy]\nallow_private = true\ncontrol_ports = [{}]\n[active]\nenabled = true\nbind_address = \"127.0.0.1\"\n",
        server.port()
    ))
    .await;
    let url = relay.url();
    let start = |url: String| async move {
        let mut client = Client::connect(&url).await;
        let (control, event) = client.open("127.0.0.1", server.port()).await;
        assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
        expect_reply(&mut client, control, "220").await;
        command(&mut client, control, "AUTH TLS", "234").await;
        (client, control)
    };
    // TLS records pass; plain text pretending to be TLS does not.
    let (mut client, control) = start(url.clone()).await;
    client.send_all(control, &[22, 3, 1, 0, 3, 1, 2, 3]).await;
    client.send_raw(Frame::Data { stream: control, payload: b"PORT 127,0,0,1,0,25\r\n" }).await;
    loop {
        if let Some(MuxEvent::Reset { stream, reason }) = client.events.pop_front() {
            assert_eq!((stream, reason), (control, CloseReason::Blocked));
            break;
        }
        assert!(client.pump().await);
    }
    // Data ports by the policy; no listener where PORT cannot be checked.
    let (mut client, _control) = start(url.clone()).await;
    let (stream, event) = client.open("127.0.0.1", 6379).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "a service port");
    let (_, event) = client.open("127.0.0.1", data.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    let listen = client.mux.listen();
    client.flush().await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream: listen, reason: CloseReason::Blocked });
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "not_tls"), 1, "{metrics}");
    assert_eq!(denials(&metrics, "data_port"), 1, "{metrics}");
    assert_eq!(denials(&metrics, "active_mode_tls"), 1, "{metrics}");
}

#[tokio::test]
async fn dns_that_never_answers_stalls_no_one_else() {
    // A "DNS server" that takes every query and answers none.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let dns = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buffer = [0u8; 512];
        while silent.recv_from(&mut buffer).await.is_ok() {}
    });
    let (good_server, _g) = greeter("127.0.0.1", b"220 hello\r\n").await;
    let relay = RelayProcess::start(&format!(
        r#"
dns_servers = ["{dns}"]
trusted_proxies = ["127.0.0.1/32"]
[policy]
allow_private = true
control_ports = [21, {port}]
[limits]
upgrades_per_second = 1000
upgrade_burst = 1000
max_sessions_per_ip = 64
max_sessions_per_network = 64
max_lookups_per_client = 4
[timeouts]
connect = 20
"#,
        port = good_server.port()
    ))
    .await;
    let url = relay.url();
    // One client opens 12 sessions, each asking for a name whose DNS never answers.
    let mut attackers = Vec::new();
    for i in 0..12 {
        let mut client = Client::connect_with(&url, &[("x-forwarded-for", "198.51.100.66")]).await;
        let stream = client.mux.open(&format!("never{i}.example"), 21);
        client.flush().await;
        attackers.push((client, stream));
    }
    // Meanwhile another client's name resolves at once, and health answers.
    let mut good = Client::connect_with(&url, &[("x-forwarded-for", "198.51.100.7")]).await;
    let (_, event) = good.open("localhost", good_server.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    assert_eq!(http_get(relay.addr, "/healthz").await.0, 200);
    // The attacker holds at most its four lookups; the others are refused at once.
    let mut refused = 0;
    for (client, stream) in attackers.iter_mut().skip(4) {
        assert_eq!(
            client.event().await,
            MuxEvent::Reset { stream: *stream, reason: CloseReason::LimitReached }
        );
        refused += 1;
    }
    assert_eq!(refused, 8);
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "lookups_in_flight"), 8, "{metrics}");
}

#[tokio::test]
async fn a_flood_of_upgrades_from_one_client_is_slowed_down() {
    let relay = RelayProcess::start(
        r#"
trusted_proxies = ["127.0.0.1/32"]
[limits]
upgrades_per_second = 2
upgrade_burst = 5
max_sessions_per_ip = 64
max_sessions_per_network = 64
"#,
    )
    .await;
    let url = relay.url();
    let mut refused = 0;
    let mut sessions = Vec::new();
    for _ in 0..20 {
        match connect_with(&url, &[("x-forwarded-for", "203.0.113.50")]).await {
            Ok(session) => sessions.push(session),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 429);
                refused += 1;
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert!(refused >= 13, "only {refused} of 20 upgrades refused");
    // Another client is not slowed down.
    Client::connect_with(&url, &[("x-forwarded-for", "203.0.113.51")]).await;
    assert!(denials(&relay.metrics().await, "upgrade_rate") >= 13);
}

/// Tries a session with `forwarded` as the client; the open WebSocket if admitted.
async fn admitted(url: &str, forwarded: &str) -> Option<Ws> {
    session_or_refusal(url, &[("x-forwarded-for", forwarded)]).await
}

/// Opens a session; its WebSocket when the relay greets it with HELLO, `None` when it
/// refuses it with RESET(0, limit reached).
async fn session_or_refusal(url: &str, headers: &[(&'static str, &str)]) -> Option<Ws> {
    use futures_util::StreamExt;
    let (mut ws, _) = connect_with(url, headers).await.expect("the upgrade");
    let first = within("the first frame", ws.next()).await.expect("a message").expect("a frame");
    let mut mux = ftpbridge_wire::ClientMux::new();
    mux.handle_message(&first.into_data()).expect("a valid frame");
    match mux.poll_event() {
        Some(MuxEvent::Hello { .. }) => Some(ws),
        Some(MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached }) => None,
        other => panic!("unexpected {other:?}"),
    }
}

/// A client WebSocket.
type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::test]
async fn junk_in_x_forwarded_for_cannot_erase_the_client() {
    let relay = RelayProcess::start(
        r#"
trusted_proxies = ["127.0.0.1/32"]
[limits]
max_sessions_per_ip = 1
max_sessions_per_network = 8
"#,
    )
    .await;
    let url = relay.url();
    let _first = admitted(&url, "198.51.100.1").await.expect("the first session");
    for disguise in
        ["junk, 198.51.100.1", "198.51.100.1:4444", "203.0.113.9, 198.51.100.1", "[::ffff:198.51.100.1]"]
    {
        assert!(admitted(&url, disguise).await.is_none(), "{disguise:?} counted as another client");
    }
    assert!(admitted(&url, "198.51.100.2").await.is_some());
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_network_not_per_64() {
    let relay = RelayProcess::start(
        r#"
trusted_proxies = ["127.0.0.1/32"]
[limits]
max_sessions_per_ip = 2
max_sessions_per_network = 3
"#,
    )
    .await;
    let url = relay.url();
    let mut held = Vec::new();
    for i in 0..3 {
        held.push(admitted(&url, &format!("2001:db8:0:{i}::1")).await.expect("within the /56"));
    }
    assert!(admitted(&url, "2001:db8:0:9::1").await.is_none(), "a fourth /64 of the same /56");
    assert!(admitted(&url, "2001:db8:1::1").await.is_some(), "another /48");
}

#[tokio::test]
async fn health_answers_when_open_files_run_out() {
    // 160 open files hold (160 - 64) / 9 = 10 sessions of 4 streams.
    let relay = RelayProcess::start_under(
        "[limits]\nmax_sessions_per_ip = 100\nmax_sessions_per_network = 100\nupgrades_per_second = 1000\nupgrade_burst = 1000\n",
        &["prlimit", "--nofile=160:160", "--"],
    )
    .await;
    let url = relay.url();
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..30 {
        match session_or_refusal(&url, &[]).await {
            Some(session) => held.push(session),
            None => refused += 1,
        }
    }
    assert_eq!(held.len(), 10, "sessions that fit the open-file limit");
    assert_eq!(refused, 20);
    for _ in 0..20 {
        assert_eq!(http_get(relay.addr, "/healthz").await.0, 200);
    }
}

#[tokio::test]
async fn the_binary_refuses_to_be_an_open_relay_unless_told() {
    let run = |args: &[&str], config: &str| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("relay.toml");
        std::fs::write(&file, config).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ftpbridge-relay"))
            .arg("--config")
            .arg(&file)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Either it exits (refused) or prints its listening line (started).
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(&mut stdout, &mut line);
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        (line, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (line, stderr) = run(&["--listen", "0.0.0.0:0"], "");
    assert!(line.is_empty() && stderr.contains("open relay"), "{line}\n{stderr}");
    let (line, _) = run(&["--listen", "0.0.0.0:0", "--open-relay"], "");
    assert!(line.starts_with("listening on"), "{line}");
    let (line, _) = run(&["--listen", "0.0.0.0:0"], "[policy]\nallow_hosts = [\"ftp.example.com\"]\n");
    assert!(line.starts_with("listening on"), "an allow-list: {line}");
    let (line, stderr) =
        run(&["--listen", "127.0.0.1:0"], "[tickets]\nsecrets = [\"a secret long enough to sign\"]\n");
    assert!(line.is_empty() && stderr.contains("tickets.required"), "{line}\n{stderr}");
}
