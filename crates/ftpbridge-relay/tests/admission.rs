//! Who may open a session: the relay's own host names, Origin, subprotocol, tickets,
//! session limits; and the plain HTTP routes (`/healthz`, `/metrics`, static files)
//! with their security headers.

mod common;

use common::*;
use ftpbridge_relay::RelayConfig;
use ftpbridge_relay::ticket::{self, TicketSpec};
use ftpbridge_wire::{CloseReason, MuxEvent};
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn a_foreign_origin_gets_403_before_the_upgrade() {
    let config =
        RelayConfig { allowed_origins: vec!["https://app.example".to_string()], ..Default::default() };
    let relay = TestRelay::start(config).await;
    let url = relay.url();
    assert_eq!(refused_status(&url, &[("origin", "https://evil.example")]).await, 403);
    assert_eq!(refused_status(&url, &[("origin", "null")]).await, 403);
    // Listed, the relay's own page, and no Origin at all (the CLI) are fine.
    Client::connect_with(&url, &[("origin", "https://app.example")]).await;
    let same = format!("http://{}", relay.addr);
    Client::connect_with(&url, &[("origin", &same)]).await;
    Client::connect_with(&url, &[("origin", "-")]).await;
    assert_eq!(denials(&relay.metrics().await, "origin"), 2);
}

#[tokio::test]
async fn require_origin_refuses_non_browser_clients() {
    let config = RelayConfig { require_origin: true, ..Default::default() };
    let relay = TestRelay::start(config).await;
    assert_eq!(refused_status(&relay.url(), &[("origin", "-")]).await, 403);
}

#[tokio::test]
async fn with_private_destinations_a_page_must_be_the_relays_own() {
    let relay = TestRelay::start(config(&[21])).await;
    let url = relay.url();
    assert_eq!(refused_status(&url, &[("origin", "-")]).await, 403, "no Origin");
    assert_eq!(refused_status(&url, &[("origin", "http://evil.test:8080")]).await, 403);
    Client::connect(&url).await;
}

#[tokio::test]
async fn a_host_name_that_is_not_the_relays_is_refused_everywhere() {
    // DNS rebinding: evil.test resolves to the relay, and its page sends its own name
    // as Host and as Origin.
    let relay = TestRelay::start(config(&[21])).await;
    let port = relay.addr.port();
    let evil = format!("evil.test:{port}");
    let origin = format!("http://{evil}");
    let status = refused_status(&relay.url(), &[("host", evil.as_str()), ("origin", origin.as_str())]).await;
    assert_eq!(status, 421, "the upgrade");
    for path in ["/", "/healthz", "/metrics", "/index.js"] {
        assert_eq!(http_get_as(relay.addr, path, &evil).await.0, 421, "{path}");
    }
    assert_eq!(http_get_as(relay.addr, "/healthz", &format!("localhost:{port}")).await.0, 200);
    assert_eq!(http_get_as(relay.addr, "/healthz", &format!("[::1]:{port}")).await.0, 200);
    assert!(denials(&relay.metrics().await, "host") >= 5);
}

#[tokio::test]
async fn the_subprotocol_is_required() {
    let relay = TestRelay::start(RelayConfig::default()).await;
    let url = relay.url();
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", "chat")]).await, 400);
    // Without any Sec-WebSocket-Protocol header at all.
    let request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str()).unwrap();
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    assert_eq!(denials(&relay.metrics().await, "subprotocol"), 2);
}

#[tokio::test]
async fn sessions_over_the_limit_are_refused_with_a_reason() {
    let mut config = RelayConfig::default();
    config.limits.max_sessions_per_ip = 1;
    let relay = TestRelay::start(config).await;
    let first = Client::connect(&relay.url()).await;
    let (mut ws, _) = connect_with(&relay.url(), &[]).await.unwrap();
    let mut mux = ftpbridge_wire::ClientMux::new();
    use futures_util::StreamExt;
    let message = within("the refusal", ws.next()).await.unwrap().unwrap();
    mux.handle_message(&message.into_data()).unwrap();
    assert_eq!(mux.poll_event(), Some(MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached }));
    match within("the close", ws.next()).await {
        Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(close)))) => {
            assert_eq!(u16::from(close.code), 1008)
        }
        other => panic!("expected a close, got {other:?}"),
    }
    assert_eq!(denials(&relay.metrics().await, "session_limit_per_ip"), 1);
    // Once the first session has ended, a new one fits.
    drop(first);
    wait_until("the first session to end", || async {
        relay.metrics().await.contains("ftpbridge_relay_sessions_active 0")
    })
    .await;
    Client::connect(&relay.url()).await;
}

#[tokio::test]
async fn tickets_admit_and_restrict_sessions() {
    let (allowed, _a) = greeter("127.0.0.1", b"220 allowed\r\n").await;
    let (other, _o) = greeter("127.0.0.2", b"220 other\r\n").await;
    let secret = "a shared secret of some length";
    let mut config = config(&[allowed.port(), other.port()]);
    config.tickets.required = true;
    config.tickets.secrets = vec![secret.to_string()];
    let relay = TestRelay::start(config).await;
    let url = relay.url();

    let mint = |secret: &[u8], spec: TicketSpec, at: SystemTime| {
        ticket::mint(secret, &spec, Duration::from_secs(60), at).unwrap()
    };
    let hosts = |hosts: &[&str]| TicketSpec {
        hosts: hosts.iter().map(|h| h.to_string()).collect(),
        ..TicketSpec::default()
    };
    let with = |ticket: &str| format!("ftpbridge.v1, ticket.{ticket}");

    assert_eq!(refused_status(&url, &[]).await, 403, "no ticket");
    let forged = mint(b"another secret", hosts(&["127.0.0.1"]), SystemTime::now());
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", &with(&forged))]).await, 403, "forged");
    let expired =
        mint(secret.as_bytes(), hosts(&["127.0.0.1"]), SystemTime::now() - Duration::from_secs(3600));
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", &with(&expired))]).await, 403, "expired");

    let good = mint(secret.as_bytes(), hosts(&["127.0.0.1/32"]), SystemTime::now());
    // As a subprotocol: the relay answers with ftpbridge.v1 only.
    let mut client = Client::connect_with(&url, &[("sec-websocket-protocol", &with(&good))]).await;
    let (stream, event) = client.open("127.0.0.2", other.port()).await;
    assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "not in the ticket");
    let (_, event) = client.open("127.0.0.1", allowed.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    // Never in the URL, which proxies log.
    assert_eq!(refused_status(&format!("{url}?ticket={good}"), &[]).await, 403, "in the query");

    // A ticket for another relay, and one whose sessions are all taken.
    let elsewhere = TicketSpec { audience: vec!["relay.example".into()], ..hosts(&["127.0.0.1"]) };
    let elsewhere = mint(secret.as_bytes(), elsewhere, SystemTime::now());
    assert_eq!(refused_status(&url, &[("sec-websocket-protocol", &with(&elsewhere))]).await, 403, "audience");
    let once = TicketSpec { max_sessions: Some(1), ..hosts(&["127.0.0.1"]) };
    let once = mint(secret.as_bytes(), once, SystemTime::now());
    let _first = Client::connect_with(&url, &[("sec-websocket-protocol", &with(&once))]).await;
    let (mut ws, _) = connect_with(&url, &[("sec-websocket-protocol", &with(&once))]).await.unwrap();
    use futures_util::StreamExt;
    let message = within("the refusal", ws.next()).await.unwrap().unwrap();
    let mut mux = ftpbridge_wire::ClientMux::new();
    mux.handle_message(&message.into_data()).unwrap();
    assert_eq!(mux.poll_event(), Some(MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached }));

    let metrics = relay.metrics().await;
    assert_eq!(denials(&metrics, "ticket"), 4, "{metrics}");
    assert_eq!(denials(&metrics, "ticket_host"), 1, "{metrics}");
    assert_eq!(denials(&metrics, "ticket_audience"), 1, "{metrics}");
    assert_eq!(denials(&metrics, "session_limit_per_ticket"), 1, "{metrics}");
}

#[tokio::test]
async fn metrics_count_a_policy_denial() {
    let relay = TestRelay::start(RelayConfig::default()).await;
    let mut client = Client::connect(&relay.url()).await;
    for host in ["10.1.2.3", "2130706433", "169.254.169.254"] {
        let (stream, event) = client.open(host, 21).await;
        assert_eq!(event, MuxEvent::Reset { stream, reason: CloseReason::Blocked }, "{host}");
    }
    let (status, headers, body) = http_get(relay.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("application/openmetrics-text"))
    );
    assert_eq!(denials(&body, "special_address"), 3, "{body}");
    assert!(body.contains("ftpbridge_relay_sessions_active 1"), "{body}");
}

#[tokio::test]
async fn metrics_need_the_token_when_there_is_one() {
    let mut config = RelayConfig::default();
    config.metrics.token = Some("a metrics token of length".to_string());
    let relay = TestRelay::start(config).await;
    assert_eq!(http_get(relay.addr, "/metrics").await.0, 403, "even from loopback");
    let (status, _, body) =
        http_get_headers(relay.addr, "/metrics", &[("authorization", "Bearer a metrics token of length")])
            .await;
    assert_eq!(status, 200);
    assert!(body.contains("ftpbridge_relay_sessions_active"));
    assert_eq!(http_get(relay.addr, "/healthz").await.0, 200);
}

#[tokio::test]
async fn health_and_static_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>ftpbridge</title>").unwrap();
    std::fs::write(dir.path().join("app.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let config = RelayConfig { static_dir: Some(dir.path().to_path_buf()), ..Default::default() };
    let relay = TestRelay::start(config).await;

    let (status, _, body) = http_get(relay.addr, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, headers, body) = http_get(relay.addr, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<title>ftpbridge</title>"));
    assert!(headers.contains(&("x-content-type-options".to_string(), "nosniff".to_string())));
    assert!(headers.contains(&("x-frame-options".to_string(), "DENY".to_string())));
    assert!(headers.contains(&("referrer-policy".to_string(), "no-referrer".to_string())));
    let csp = headers.iter().find(|(k, _)| k == "content-security-policy").map(|(_, v)| v.clone());
    let csp = csp.expect("a Content-Security-Policy");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let (status, headers, _) = http_get(relay.addr, "/app.wasm").await;
    assert_eq!(status, 200);
    assert!(headers.contains(&("content-type".to_string(), "application/wasm".to_string())), "{headers:?}");
    assert_eq!(http_get(relay.addr, "/missing.js").await.0, 404);
    assert_eq!(http_get(relay.addr, "/../Cargo.toml").await.0, 404);
}

#[tokio::test]
async fn forwarded_clients_are_counted_apart_behind_a_trusted_proxy() {
    let mut config = RelayConfig::default();
    config.limits.max_sessions_per_ip = 1;
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let relay = TestRelay::start(config).await;
    let url = relay.url();
    let _a = Client::connect_with(&url, &[("x-forwarded-for", "203.0.113.5")]).await;
    let _b = Client::connect_with(&url, &[("x-forwarded-for", "203.0.113.6")]).await;
    // The same forwarded client again: over its limit.
    let (mut ws, _) = connect_with(&url, &[("x-forwarded-for", "203.0.113.5")]).await.unwrap();
    use futures_util::StreamExt;
    let message = within("the refusal", ws.next()).await.unwrap().unwrap();
    let mut mux = ftpbridge_wire::ClientMux::new();
    mux.handle_message(&message.into_data()).unwrap();
    assert_eq!(mux.poll_event(), Some(MuxEvent::Reset { stream: 0, reason: CloseReason::LimitReached }));
}

#[tokio::test]
async fn a_message_over_the_size_limit_closes_with_1009() {
    let mut config = RelayConfig::default();
    config.limits.max_payload = 1024;
    config.limits.window = 4096;
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let big = ftpbridge_wire::Frame::Data { stream: 1, payload: &[0; 2048] };
    client.send_raw(big).await;
    let close = client.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);
}

#[tokio::test]
async fn slow_request_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = RelayConfig::default();
    config.timeouts.request_headers = Duration::from_millis(300);
    let relay = TestRelay::start(config).await;
    let mut tcp = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // Never finishes its headers: the relay closes the connection.
    let mut rest = Vec::new();
    let _ = within("the relay to hang up", tcp.read_to_end(&mut rest)).await;
    assert!(!String::from_utf8_lossy(&rest).contains("ok"));
}
