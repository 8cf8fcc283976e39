//! Streams through a real relay and a real WebSocket, against small TCP servers:
//! OPEN/DATA/FIN with half-close, RESET both ways, refusals, pinning, credit, LISTEN.

mod common;

use common::*;
use ftpbridge_wire::{CloseReason, Frame, MuxEvent};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn opened(event: &MuxEvent) -> SocketAddr {
    match event {
        MuxEvent::Opened { peer, .. } => *peer,
        other => panic!("expected OPENED, got {other:?}"),
    }
}

#[tokio::test]
async fn data_both_ways_and_half_close() {
    let (server, served) = echo("127.0.0.1", b"after your FIN").await;
    let mut config = config(&[server.port()]);
    // A small window, so credit has to come back many times.
    config.limits.window = 16 * 1024;
    config.limits.max_payload = 4 * 1024;
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;

    let (stream, event) = client.open("127.0.0.1", server.port()).await;
    assert_eq!(opened(&event), server);
    let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    client.send_all(stream, &sent).await;
    // Half-close: the server sees EOF, and still answers.
    client.mux.fin(stream);
    let received = client.read_to_fin(stream).await;
    let mut expected = sent.clone();
    expected.extend_from_slice(b"after your FIN");
    assert_eq!(received.len(), expected.len());
    assert!(received == expected, "bytes differ");
    within("the server to finish", served).await.unwrap();

    let metrics = relay.metrics().await;
    assert!(metrics.contains("ftpbridge_relay_streams_total{kind=\"control\"} 1"), "{metrics}");
    assert!(
        metrics.contains(&format!("ftpbridge_relay_bytes_total{{direction=\"up\"}} {}", sent.len())),
        "{metrics}"
    );
}

#[tokio::test]
async fn server_eof_comes_as_fin_after_the_last_data() {
    let (server, served) = server("127.0.0.1", |mut tcp| async move {
        tcp.write_all(b"220 hello\r\n").await.unwrap();
        tcp.shutdown().await.unwrap();
        // Still reading: the client may send after our FIN.
        let mut rest = Vec::new();
        tcp.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"QUIT\r\n");
    })
    .await;
    let relay = TestRelay::start(config(&[server.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", server.port()).await;
    opened(&event);
    assert_eq!(client.read_to_fin(stream).await, b"220 hello\r\n");
    client.send_all(stream, b"QUIT\r\n").await;
    client.mux.fin(stream);
    client.flush().await;
    within("the server", served).await.unwrap();
}

#[tokio::test]
async fn client_reset_aborts_the_tcp_connection() {
    let (server, served) = server("127.0.0.1", |mut tcp| async move {
        let mut buf = [0; 16];
        let error = tcp.read(&mut buf).await.expect_err("the relay should reset the connection");
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset);
    })
    .await;
    let relay = TestRelay::start(config(&[server.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", server.port()).await;
    opened(&event);
    client.mux.reset(stream, CloseReason::Voluntary);
    client.flush().await;
    within("the server to see the reset", served).await.unwrap();
}

#[tokio::test]
async fn server_reset_reaches_the_client() {
    let (server, _served) = server("127.0.0.1", |mut tcp| async move {
        // Reset once the client has spoken (so after OPENED).
        let mut buf = [0; 1];
        tcp.read_exact(&mut buf).await.unwrap();
        socket2::SockRef::from(&tcp).set_linger(Some(std::time::Duration::ZERO)).unwrap();
        drop(tcp);
    })
    .await;
    let relay = TestRelay::start(config(&[server.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", server.port()).await;
    opened(&event);
    client.send_all(stream, b"x").await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream, reason: CloseReason::ConnectionReset });
}

#[tokio::test]
async fn connection_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let relay = TestRelay::start(config(&[port])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (stream, event) = client.open("127.0.0.1", port).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Refused });
    // A failed control connection leaves the session without one: the next OPEN is
    // the control connection again.
    let (server, _served) = greeter("127.0.0.1", b"220\r\n").await;
    let relay = TestRelay::start(config(&[port, server.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (first, event) = client.open("127.0.0.1", port).await;
    assert_eq!(event, MuxEvent::Reset { stream: first, reason: CloseReason::Refused });
    let (_, event) = client.open("127.0.0.1", server.port()).await;
    opened(&event);
}

#[tokio::test]
async fn data_connections_are_pinned_to_the_control_server() {
    let (data_here, _d) = greeter("127.0.0.1", b"data").await;
    let (data_elsewhere, _e) = greeter("127.0.0.2", b"data").await;
    let announced = vec![data_elsewhere.port(), 22, data_here.port(), data_here.port()];
    let (control, _c) = announcing("127.0.0.1", announced).await;
    let relay = TestRelay::start(config(&[control.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (control_stream, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    read_announcements(&mut client, control_stream, 4).await;

    let (stream, event) = client.open("127.0.0.2", data_elsewhere.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::DataPeerMismatch });
    let (stream, event) = client.open("127.0.0.1", 22).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::DataPeerMismatch });
    // The same IP in another form is the same server.
    let (_, event) = client.open("::ffff:127.0.0.1", data_here.port()).await;
    assert_eq!(opened(&event), data_here);
    let (_, event) = client.open("0x7f.1", data_here.port()).await;
    assert_eq!(opened(&event), data_here);

    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "data_peer_mismatch"), 2, "{metrics}");
}

#[tokio::test]
async fn data_connections_go_only_to_ports_the_server_announced_once_each() {
    let (data, _d) = greeter("127.0.0.1", b"data").await;
    let (service, _s) = greeter("127.0.0.1", b"+PONG\r\n").await;
    let (control, _c) = announcing("127.0.0.1", vec![data.port()]).await;
    let relay = TestRelay::start(config(&[control.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (control_stream, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    // Before the announcement, and to a port never announced: refused.
    let (stream, event) = client.open("127.0.0.1", service.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked });
    read_announcements(&mut client, control_stream, 1).await;
    let (stream, event) = client.open("127.0.0.1", service.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked });
    // A name instead of the control server's address: refused, never resolved.
    let (stream, event) = client.open("localhost", data.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked });
    // The announced port, once.
    let (_, event) = client.open("127.0.0.1", data.port()).await;
    assert_eq!(opened(&event), data);
    let (stream, event) = client.open("127.0.0.1", data.port()).await;
    assert_eq!(
        event,
        MuxEvent::Reset { stream, reason: CloseReason::Blocked },
        "an announcement serves once"
    );
    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "data_port_not_announced"), 3, "{metrics}");
    assert_eq!(denials(&metrics, "data_host_name"), 1, "{metrics}");
}

#[tokio::test]
async fn data_beyond_the_credit_is_a_protocol_error() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let mut config = config(&[control.port()]);
    config.active.enabled = true;
    config.active.bind_address = "127.0.0.1".parse().unwrap();
    config.limits.window = 4096;
    config.limits.max_payload = 1024;
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let (_, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    // A listener's stream has no TCP connection yet, so no credit comes back: the
    // window is all the client may send.
    let stream = client.mux.listen();
    client.flush().await;
    assert!(matches!(client.event().await, MuxEvent::Listening { .. }));
    let chunk = [7u8; 1024];
    for _ in 0..4 {
        client.send_raw(Frame::Data { stream, payload: &chunk }).await;
    }
    client.send_raw(Frame::Data { stream, payload: b"!" }).await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream, reason: CloseReason::ProtocolError });
}

#[tokio::test]
async fn listen_accepts_the_control_server_only() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let mut config = config(&[control.port()]);
    config.active.enabled = true;
    config.active.bind_address = "127.0.0.1".parse().unwrap();
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;

    // No LISTEN before the control connection exists.
    let early = client.mux.listen();
    client.flush().await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream: early, reason: CloseReason::ProtocolError });

    let (_, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    let stream = client.mux.listen();
    client.flush().await;
    let address = match client.event().await {
        MuxEvent::Listening { stream: s, address } if s == stream => address,
        other => panic!("expected LISTENING, got {other:?}"),
    };
    assert_eq!(address.ip().to_string(), "127.0.0.1");

    // Another host connects first: dropped, and the listener keeps waiting.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut intruder = socket.connect(address).await.unwrap();
    let mut buf = [0; 8];
    let read = within("the intruder to be dropped", intruder.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // Then the control server connects: accepted.
    let mut server_side = TcpStream::connect(address).await.unwrap();
    let local = server_side.local_addr().unwrap();
    match client.event().await {
        MuxEvent::Accepted { stream: s, peer } => {
            assert_eq!(s, stream);
            assert_eq!(peer, local);
        }
        other => panic!("expected ACCEPTED, got {other:?}"),
    }
    server_side.write_all(b"listing").await.unwrap();
    server_side.shutdown().await.unwrap();
    assert_eq!(client.read_to_fin(stream).await, b"listing");
    assert_eq!(denials(&relay.metrics().await, "data_peer_mismatch"), 1);
}

#[tokio::test]
async fn listen_times_out_when_only_another_host_connects() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let mut config = config(&[control.port()]);
    config.active.enabled = true;
    config.active.bind_address = "127.0.0.1".parse().unwrap();
    config.timeouts.listen = std::time::Duration::from_millis(500);
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let (_, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    let stream = client.mux.listen();
    client.flush().await;
    let MuxEvent::Listening { address, .. } = client.event().await else { panic!("expected LISTENING") };
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let _intruder = socket.connect(address).await.unwrap();
    assert_eq!(client.event().await, MuxEvent::Reset { stream, reason: CloseReason::ListenTimedOut });
    // The listener is closed.
    assert!(TcpStream::connect(address).await.is_err());
    assert_eq!(denials(&relay.metrics().await, "data_peer_mismatch"), 1);
}

#[tokio::test]
async fn listen_is_refused_when_active_mode_is_off() {
    let (control, _c) = greeter("127.0.0.1", b"220\r\n").await;
    let relay = TestRelay::start(config(&[control.port()])).await;
    let mut client = Client::connect(&relay.url()).await;
    let (_, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    let stream = client.mux.listen();
    client.flush().await;
    assert_eq!(client.event().await, MuxEvent::Reset { stream, reason: CloseReason::Blocked });
}

#[tokio::test]
async fn stream_limit() {
    let (data, _d) = greeter("127.0.0.1", b"data").await;
    let (control, _c) = announcing("127.0.0.1", vec![data.port(), data.port()]).await;
    let mut config = config(&[control.port()]);
    config.limits.max_streams_per_session = 2;
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let (control_stream, event) = client.open("127.0.0.1", control.port()).await;
    opened(&event);
    read_announcements(&mut client, control_stream, 2).await;
    let (_, event) = client.open("127.0.0.1", data.port()).await;
    opened(&event);
    let (stream, event) = client.open("127.0.0.1", data.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::LimitReached });
    assert_eq!(denials(&relay.metrics().await, "stream_limit"), 1);
}
