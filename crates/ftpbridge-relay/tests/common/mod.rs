//! Shared test helpers: an in-process relay on 127.0.0.1, a WebSocket client driving
//! `ftpbridge_wire::ClientMux`, small TCP servers, and a tiny HTTP GET.

#![allow(dead_code)]

use ftpbridge_relay::{Relay, RelayConfig};
use ftpbridge_wire::{ClientMux, Frame, MuxEvent, SUBPROTOCOL, StreamId};
use futures_util::{SinkExt, StreamExt};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single wait in a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Waits for `future`, failing the test after [`WAIT`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(WAIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// Polls `condition` until it holds, failing the test after [`WAIT`].
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    within(what, async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// A config for tests: private destinations allowed, the given control ports.
pub fn config(control_ports: &[u16]) -> RelayConfig {
    let mut config = RelayConfig::default();
    config.policy.allow_private = true;
    config.policy.control_ports = control_ports.to_vec();
    config
}

/// A relay running in-process.
pub struct TestRelay {
    pub addr: SocketAddr,
    pub relay: Relay,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestRelay {
    pub async fn start(config: RelayConfig) -> TestRelay {
        // Logs with RUST_LOG=debug, shown for failing tests.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let relay = Relay::new(config).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(relay.clone().serve(listener, async move {
            let _ = stopped.await;
        }));
        TestRelay { addr, relay, stop: Some(stop), task }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Triggers the shutdown and waits for `serve` to return.
    pub async fn shut_down(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        within("the relay to stop", &mut self.task).await.unwrap()
    }

    pub async fn metrics(&self) -> String {
        http_get(self.addr, "/metrics").await.2
    }
}

/// The relay's own page origin for a `ws://host:port/...` URL: what a browser on the
/// relay's app sends.
pub fn own_origin(url: &str) -> String {
    let rest = url.strip_prefix("ws://").unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("http://{authority}")
}

/// Opens a WebSocket with the given extra headers (and the subprotocol unless the
/// headers name protocols themselves, and the relay's own `Origin` unless they name
/// one; an `origin` of `-` sends none).
pub async fn connect_with(
    url: &str,
    headers: &[(&'static str, &str)],
) -> Result<(WebSocketStream<MaybeTlsStream<TcpStream>>, Response<Option<Vec<u8>>>), WsError> {
    let mut request = url.into_client_request().unwrap();
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-protocol")) {
        request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(SUBPROTOCOL));
    }
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("origin")) {
        request.headers_mut().insert("origin", HeaderValue::from_str(&own_origin(url)).unwrap());
    }
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("origin") && *value == "-" {
            continue;
        }
        let value = HeaderValue::from_str(value).unwrap();
        if name.eq_ignore_ascii_case("host") {
            request.headers_mut().insert(*name, value);
        } else {
            request.headers_mut().append(*name, value);
        }
    }
    within("the WebSocket handshake", tokio_tungstenite::connect_async(request)).await
}

/// The HTTP status a refused upgrade got.
pub async fn refused_status(url: &str, headers: &[(&'static str, &str)]) -> u16 {
    match connect_with(url, headers).await {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

/// A client session: the wire crate's mux over a real WebSocket.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub mux: ClientMux,
    /// Received bytes per stream.
    pub received: HashMap<StreamId, Vec<u8>>,
    /// Streams whose FIN arrived.
    pub fins: HashSet<StreamId>,
    /// Other events, in order.
    pub events: VecDeque<MuxEvent>,
    /// Return credit for received bytes at once.
    pub consume: bool,
    /// The WebSocket close, once it came.
    pub closed: Option<Option<CloseFrame>>,
}

impl Client {
    pub async fn connect(url: &str) -> Client {
        Client::connect_with(url, &[]).await
    }

    pub async fn connect_with(url: &str, headers: &[(&'static str, &str)]) -> Client {
        let (ws, response) = connect_with(url, headers).await.expect("upgrade");
        assert_eq!(response.headers().get("sec-websocket-protocol").unwrap(), SUBPROTOCOL);
        let mut client = Client {
            ws,
            mux: ClientMux::new(),
            received: HashMap::new(),
            fins: HashSet::new(),
            events: VecDeque::new(),
            consume: true,
            closed: None,
        };
        match client.event().await {
            MuxEvent::Hello { .. } => {}
            other => panic!("expected HELLO first, got {other:?}"),
        }
        client
    }

    /// Sends what the mux queued.
    pub async fn flush(&mut self) {
        while let Some(message) = self.mux.poll_transmit() {
            self.ws.send(Message::Binary(message.into())).await.expect("send to the relay");
        }
    }

    /// Sends a frame as is, bypassing the mux's own checks.
    pub async fn send_raw(&mut self, frame: Frame<'_>) {
        self.ws.send(Message::Binary(frame.encode().into())).await.expect("send to the relay");
    }

    /// Reads one message and files what it says. `false` once the WebSocket closed.
    pub async fn pump(&mut self) -> bool {
        self.flush().await;
        if self.closed.is_some() {
            return false;
        }
        let message = within("a message from the relay", self.ws.next()).await;
        match message {
            Some(Ok(Message::Binary(bytes))) => {
                self.mux.handle_message(&bytes).expect("a valid frame from the relay");
                while let Some(event) = self.mux.poll_event() {
                    match event {
                        MuxEvent::Data { stream, data } => {
                            if self.consume {
                                self.mux.consumed(stream, data.len());
                            }
                            self.received.entry(stream).or_default().extend_from_slice(&data);
                        }
                        MuxEvent::Fin { stream } => {
                            self.fins.insert(stream);
                        }
                        // Credit notices: the mux already counts them.
                        MuxEvent::Credited { .. } => {}
                        other => self.events.push_back(other),
                    }
                }
                self.flush().await;
                true
            }
            Some(Ok(Message::Close(frame))) => {
                self.closed = Some(frame);
                // Read on: that sends the answering close and sees the connection end.
                within("the end of the connection", async {
                    while let Some(Ok(_)) = self.ws.next().await {}
                })
                .await;
                false
            }
            Some(Ok(Message::Text(_))) => panic!("the relay sent a text message"),
            Some(Ok(_)) => true,
            Some(Err(e)) => panic!("WebSocket error: {e}"),
            None => {
                self.closed = Some(None);
                false
            }
        }
    }

    /// The next event other than DATA and FIN.
    pub async fn event(&mut self) -> MuxEvent {
        loop {
            if let Some(event) = self.events.pop_front() {
                return event;
            }
            assert!(self.pump().await, "the relay closed the session");
        }
    }

    /// Opens a stream and waits for OPENED (or RESET).
    pub async fn open(&mut self, host: &str, port: u16) -> (StreamId, MuxEvent) {
        let stream = self.mux.open(host, port);
        self.flush().await;
        let event = self.event().await;
        (stream, event)
    }

    /// Sends everything, as credit allows.
    pub async fn send_all(&mut self, stream: StreamId, mut data: &[u8]) {
        while !data.is_empty() {
            let n = self.mux.send(stream, data);
            data = &data[n..];
            self.flush().await;
            if !data.is_empty() {
                assert!(self.pump().await, "the relay closed the session");
            }
        }
    }

    /// Reads until the stream's FIN; returns everything received on it.
    pub async fn read_to_fin(&mut self, stream: StreamId) -> Vec<u8> {
        while !self.fins.contains(&stream) {
            assert!(self.pump().await, "the relay closed the session");
            if let Some(MuxEvent::Reset { stream: s, reason }) = self.events.front()
                && *s == stream
            {
                panic!("stream reset: {reason}");
            }
        }
        self.received.remove(&stream).unwrap_or_default()
    }

    /// Reads until the relay closes the WebSocket; returns the close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        while self.pump().await {}
        self.closed.clone().flatten()
    }
}

/// A TCP server on `ip` that runs `handler` for its first connection.
pub async fn server<F, Fut>(ip: &str, handler: F) -> (SocketAddr, JoinHandle<()>)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        handler(tcp).await;
    });
    (addr, task)
}

/// A server that answers every connection with `greeting` and keeps it open.
pub async fn greeter(ip: &str, greeting: &'static [u8]) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = tcp.write_all(greeting).await;
            open.push(tcp);
        }
    });
    (addr, task)
}

/// A stand-in FTP control server: at every connection it announces `ports` as
/// passive data ports (`229 ... (|||PORT|)`, as a server answers EPSV), so that the
/// relay lets data connections go there, then keeps the connection open.
pub async fn announcing(ip: &str, ports: Vec<u16>) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut lines = String::from("220 ready\r\n");
            for port in &ports {
                lines.push_str(&format!("229 Entering Extended Passive Mode (|||{port}|)\r\n"));
            }
            let _ = tcp.write_all(lines.as_bytes()).await;
            open.push(tcp);
        }
    });
    (addr, task)
}

/// Reads until the announcing server's lines (`ports` of them) arrived on `stream`.
pub async fn read_announcements(client: &mut Client, stream: StreamId, ports: usize) {
    loop {
        let text =
            String::from_utf8_lossy(client.received.get(&stream).map_or(&[][..], Vec::as_slice)).to_string();
        if text.matches("229 ").count() >= ports && text.ends_with('\n') {
            return;
        }
        assert!(client.pump().await, "the relay closed the session");
    }
}

/// An echo server: echoes until EOF, then sends `after_eof` and closes.
pub async fn echo(ip: &str, after_eof: &'static [u8]) -> (SocketAddr, JoinHandle<()>) {
    server(ip, move |mut tcp| async move {
        let mut buf = vec![0; 8192];
        loop {
            let n = tcp.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            tcp.write_all(&buf[..n]).await.unwrap();
        }
        tcp.write_all(after_eof).await.unwrap();
        tcp.shutdown().await.unwrap();
    })
    .await
}

/// A plain HTTP/1.1 GET; returns status, headers (lower-case names) and body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, Vec<(String, String)>, String) {
    http_get_as(addr, path, &addr.to_string()).await
}

/// A GET with `host` as its `Host` header.
pub async fn http_get_as(addr: SocketAddr, path: &str, host: &str) -> (u16, Vec<(String, String)>, String) {
    http_request(addr, path, host, &[]).await
}

/// A GET with extra headers.
pub async fn http_get_headers(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    http_request(addr, path, &addr.to_string(), headers).await
}

async fn http_request(
    addr: SocketAddr,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    within("an HTTP response", tcp.read_to_end(&mut response)).await.unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// Counts `ftpbridge_relay_denials_total{reason="…"}` in a metrics text.
pub fn denials(metrics: &str, reason: &str) -> u64 {
    counter(metrics, "ftpbridge_relay_denials_total", reason)
}

/// Counts `ftpbridge_relay_errors_total{reason="…"}` in a metrics text.
pub fn errors(metrics: &str, reason: &str) -> u64 {
    counter(metrics, "ftpbridge_relay_errors_total", reason)
}

fn counter(metrics: &str, name: &str, reason: &str) -> u64 {
    let prefix = format!("{name}{{reason=\"{reason}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |v| v.trim().parse().unwrap())
}

/// The relay binary, running until dropped.
pub struct RelayProcess {
    /// The relay's address.
    pub child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl RelayProcess {
    /// Starts the binary with `config` (TOML) on a free loopback port and waits until
    /// `/healthz` answers.
    pub async fn start(config: &str) -> RelayProcess {
        RelayProcess::start_under(config, &[]).await
    }

    /// Like `start`, with the binary run by `wrapper` (e.g. `prlimit --nofile=...`).
    pub async fn start_under(config: &str, wrapper: &[&str]) -> RelayProcess {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("relay.toml");
        std::fs::write(&file, config).expect("the config file");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let binary = env!("CARGO_BIN_EXE_ftpbridge-relay");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let child = command
            .arg("--config")
            .arg(&file)
            .args(["--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relay binary runs");
        let mut relay = RelayProcess { child, addr, _dir: dir };
        within("the relay to listen", async {
            while tokio::net::TcpStream::connect(addr).await.is_err() {
                if let Some(status) = relay.child.try_wait().unwrap() {
                    panic!("the relay exited at start: {status}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert_eq!(http_get(addr, "/healthz").await.0, 200);
        relay
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub async fn metrics(&self) -> String {
        http_get(self.addr, "/metrics").await.2
    }

    /// The relay process is alive and answers `/healthz`.
    pub async fn assert_serving(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "the relay exited");
        assert_eq!(http_get(self.addr, "/healthz").await.0, 200);
    }
}

impl RelayProcess {
    /// The relay process's resident memory, in bytes.
    pub fn rss(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("its status");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
        line.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()).expect("a number") * 1024
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
