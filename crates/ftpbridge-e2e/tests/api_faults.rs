//! Faults seen through the JavaScript API (`FtpClient`) in headless Chromium: the FTP
//! server killed in the middle of a download and of an upload, the data connection
//! reset, the server not answering, the relay restarted in the middle of a session,
//! the WebSocket dropped. Each time the page gets an `FtpError` with the right code
//! and a readable message, never a short file reported complete, and the resume
//! (`download` with `offset`, `upload` with `resume: true`) completes the file
//! byte-exact; afterwards no server session or relay session is left behind.
//!
//! The browser side is `web/tests/api-faults.test.js`. It holds a transfer in the
//! middle (by not reading the download stream, or by a held upload source) and asks
//! this test to break things through a small HTTP control endpoint, so every fault
//! lands at a known point without sleeping. Outside CI, missing tools or servers skip
//! it with a message; with `CI=true` they fail it.

use ftpbridge_e2e::{missing_tools, stale_dist, web_dir};
use ftpbridge_testkit::{Fault, RealServer, ServerKind};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The file downloaded while the server is killed: large enough that the server is
/// still sending when the page stops reading (the relay's window and the sockets'
/// buffers hold a few MiB).
const BIG: usize = 48 * 1024 * 1024;
/// The upload interrupted by the kill.
const UPLOAD: usize = 24 * 1024 * 1024;
/// The file whose data connection the fault server resets, and after how many bytes.
const CUT_FILE: usize = 4 * 1024 * 1024;
const CUT: u64 = 1024 * 1024;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes the page can generate too: `(i * 31 + seed) mod 251`.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

fn skip(why: &str) {
    assert!(!ftpbridge_testkit::in_ci(), "CI=true and the API fault tests cannot run: {why}");
    eprintln!("skipping the API fault tests: {why}");
}

/// A relay on a fixed loopback port, serving `web/dist`, that can be stopped
/// gracefully, dropped abruptly and started again on the same port.
struct Relay {
    port: u16,
    control_ports: Vec<u16>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    abort: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    fn start_on(port: u16, control_ports: Vec<u16>) -> Relay {
        let mut config = ftpbridge_relay::RelayConfig {
            static_dir: Some(web_dir().join("dist")),
            ..ftpbridge_relay::RelayConfig::default()
        };
        config.policy.allow_private = true;
        config.policy.control_ports = control_ports.clone();
        config.timeouts.drain = Duration::from_secs(1);
        // std sets SO_REUSEADDR: the port of a relay just stopped can be taken again.
        let listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("a port for the relay");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("its address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (abort, aborted) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let runtime = runtime.expect("a runtime for the relay");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let shutdown = async move {
                    let _ = stopped.await;
                };
                tokio::select! {
                    result = ftpbridge_relay::serve(listener, config, shutdown) => {
                        result.expect("the relay runs");
                    }
                    Ok(()) = aborted => {}
                }
            });
            // Drops every task: the WebSockets end without a close frame.
            drop(runtime);
        });
        Relay { port, control_ports, stop: Some(stop), abort: Some(abort), thread: Some(thread) }
    }

    /// Graceful: every session gets RESET(0, shutting down) and a close.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.join();
    }

    /// Abrupt: the process's sockets just close.
    fn drop_connections(&mut self) {
        if let Some(abort) = self.abort.take() {
            let _ = abort.send(());
        }
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the relay thread");
        }
    }

    fn restarted(&self) -> Relay {
        Relay::start_on(self.port, self.control_ports.clone())
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the control endpoint can break.
struct World {
    vsftpd: RealServer,
    faulty: RealServer,
    relay: Relay,
}

impl World {
    /// Carries out `/action`; the answer's body is sent back to the page.
    fn act(&mut self, action: &str) -> Result<String, String> {
        match action {
            "/vsftpd/kill" => self.vsftpd.kill(),
            "/vsftpd/restart" => self.vsftpd.restart(),
            "/vsftpd/freeze" => self.vsftpd.freeze(),
            "/vsftpd/thaw" => self.vsftpd.thaw(),
            "/relay/restart" => {
                self.relay.stop();
                self.relay = self.relay.restarted();
            }
            "/relay/drop" => self.relay.drop_connections(),
            "/relay/start" => self.relay = self.relay.restarted(),
            "/upload/size" => {
                let size = std::fs::metadata(self.vsftpd.path("upload.bin")).map_or(0, |m| m.len());
                return Ok(size.to_string());
            }
            other => return Err(format!("unknown action {other}")),
        }
        Ok(String::new())
    }
}

/// A tiny HTTP endpoint on loopback: `POST /action` runs [`World::act`].
fn control_endpoint(world: Arc<Mutex<World>>) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a control port");
    let port = listener.local_addr().expect("its address").port();
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The headers, up to the blank line (no bodies are sent).
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            if path == "/quit" {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                return;
            }
            let result = world.lock().expect("the world").act(&path);
            let (status, body) = match result {
                Ok(body) => ("200 OK", body),
                Err(why) => ("400 Bad Request", why),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (port, thread)
}

#[test]
fn api_faults_in_headless_chromium() {
    if let Some(why) = missing_tools() {
        return skip(&why);
    }
    let stale = stale_dist();
    assert!(stale.is_empty(), "web/dist is older than {stale:?}: run cargo xtask web");
    let Some(vsftpd) = RealServer::start(ServerKind::Vsftpd) else { return };
    let Some(faulty) = RealServer::start_with_fault(Fault::ResetData { after: CUT }) else { return };
    let big = pattern(BIG, 7);
    vsftpd.write_file("big.bin", &big);
    let cut = pattern(CUT_FILE, 11);
    faulty.write_file("cut.bin", &cut);
    let upload = pattern(UPLOAD, 3);

    let relay = Relay::start_on(0, vec![vsftpd.port(), faulty.port()]);
    let relay_port = relay.port;
    let (user, password, vsftpd_port) =
        (vsftpd.user().to_string(), vsftpd.password().to_string(), vsftpd.port());
    let (faulty_user, faulty_password, faulty_port) =
        (faulty.user().to_string(), faulty.password().to_string(), faulty.port());
    let world = Arc::new(Mutex::new(World { vsftpd, faulty, relay }));
    let (control_port, control) = control_endpoint(world.clone());

    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec", "tests/api-faults.test.js"])
        .current_dir(web_dir())
        .env("FTPBRIDGE_FAULTS_APP_URL", format!("http://127.0.0.1:{relay_port}/"))
        .env("FTPBRIDGE_FAULTS_RELAY_URL", format!("ws://127.0.0.1:{relay_port}/ws"))
        .env("FTPBRIDGE_FAULTS_CONTROL_URL", format!("http://127.0.0.1:{control_port}"))
        .env("FTPBRIDGE_FAULTS_VSFTPD", format!("127.0.0.1:{vsftpd_port}:{user}:{password}"))
        .env("FTPBRIDGE_FAULTS_FAULTY", format!("127.0.0.1:{faulty_port}:{faulty_user}:{faulty_password}"))
        .env("FTPBRIDGE_FAULTS_BIG", format!("{BIG}:{}", sha256(&big)))
        .env("FTPBRIDGE_FAULTS_CUT", format!("{CUT_FILE}:{}:{CUT}", sha256(&cut)))
        .env("FTPBRIDGE_FAULTS_UPLOAD", UPLOAD.to_string())
        .env("FTPBRIDGE_FAULTS_CHROMIUM", ftpbridge_e2e::chromium())
        .status()
        .expect("run node");
    let _ = std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, control_port))
        .and_then(|mut s| s.write_all(b"GET /quit HTTP/1.1\r\n\r\n"));
    control.join().expect("the control endpoint");
    let mut world = Arc::try_unwrap(world).ok().expect("the only handle").into_inner().expect("the world");
    assert!(
        status.success(),
        "the API fault tests failed ({status})\n--- vsftpd ---\n{}",
        world.vsftpd.log()
    );

    // The interrupted upload, resumed, is the whole file.
    let stored = world.vsftpd.read_file("upload.bin");
    assert_eq!(stored.len(), upload.len(), "the resumed upload's size");
    assert!(stored == upload, "the resumed upload differs from what the page sent");

    // Nothing left behind: the browser is gone, so the relay ends its sessions and the
    // servers theirs (only the listening process remains).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !relay_metrics(relay_port).contains("ftpbridge_relay_sessions_active 0") {
        assert!(Instant::now() < deadline, "relay sessions left:\n{}", relay_metrics(relay_port));
        std::thread::sleep(Duration::from_millis(50));
    }
    for server in [&world.vsftpd, &world.faulty] {
        while server.processes().len() > 1 {
            assert!(Instant::now() < deadline, "{}: sessions left: {:?}", server.kind(), server.processes());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    world.relay.stop();
}

/// The relay's `/metrics` text.
fn relay_metrics(port: u16) -> String {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(mut tcp) = std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)) {
        let request = format!("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        let _ = tcp.write_all(request.as_bytes());
        let _ = tcp.read_to_string(&mut text);
    }
    text
}
