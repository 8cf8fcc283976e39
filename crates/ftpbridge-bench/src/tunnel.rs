//! WebSocket-to-TCP tunnels side by side: a client pulls N bytes from a TCP source
//! directly, through the ftpbridge relay (wire protocol with credits), through
//! websockify and wstunnel, and through a minimal tokio-tungstenite pipe (the floor any tunnel
//! pays: WebSocket framing and one copy each way).

use crate::median;
use ftpbridge_wire::{SUBPROTOCOL, SocketEvent, Sockets};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// Another WebSocket-to-TCP tunnel to compare with, run as a child process.
pub struct Other<'a> {
    /// The row's label.
    pub label: &'a str,
    /// The program.
    pub program: &'a str,
    /// Its arguments, with `{listen}` and `{target}` filled in.
    pub args: &'a [&'a str],
    /// The subprotocol it answers to.
    pub protocol: &'a str,
}

/// websockify (Python): `websockify LISTEN TARGET`, subprotocol `binary`.
pub fn websockify(program: &str) -> Other<'_> {
    Other { label: "websockify 0.13 (Python)", program, args: &["{listen}", "{target}"], protocol: "binary" }
}

/// wstunnel 1.4 from npm (Node.js): a server locked to one target.
pub fn wstunnel(program: &str) -> Other<'_> {
    Other {
        label: "wstunnel 1.4 (Node.js, npm)",
        program,
        args: &["-s", "{listen}", "-t", "{target}"],
        protocol: "tunnel-protocol",
    }
}

/// A tunnel under test, running as a process of its own.
struct Tunnel {
    label: String,
    child: std::process::Child,
    /// How to pull the bytes through it.
    url: String,
    protocol: Option<String>,
    ftpbridge: bool,
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) a process and its children have used so far: its own,
/// its reaped children's, and its live descendants' (websockify forks a process per
/// connection).
fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let fields = |pid: u32| -> Option<Vec<String>> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The fields after the command name (in parentheses, which may hold spaces).
        let rest = stat.rsplit_once(')')?.1;
        Some(rest.split_whitespace().map(str::to_string).collect())
    };
    let number = |f: &[String], i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let own = fields(pid).ok_or_else(|| format!("no process {pid}"))?;
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let mut ticks = number(&own, 11) + number(&own, 12) + number(&own, 13) + number(&own, 14);
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for entry in std::fs::read_dir("/proc").map_err(|e| e.to_string())?.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(f) = fields(child)
                && f.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent)
            {
                ticks += number(&f, 11) + number(&f, 12);
                parents.push(child);
            }
        }
    }
    Ok(ticks / clock_ticks())
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Runs the comparison against the `others` that are installed. Every tunnel is a
/// process of its own (the relay's release binary, the pipe as `ftpbridge-bench
/// pipe`, websockify, wstunnel), so each gets the same machine and its CPU time is its
/// own: the figures are MB/s and CPU seconds per GiB moved, side by side.
pub fn run(bytes: u64, runs: u32, others: &[Other<'_>]) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let source = start_source(bytes).await?;
        let announcer = start_announcer(source.port()).await?;
        let mut tunnels = Vec::new();
        let port = crate::free_port()?;
        let pipe = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .args(["pipe", "--listen", &format!("127.0.0.1:{port}"), "--target", &source.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("the pipe: {e}"))?;
        tunnels.push(Tunnel {
            label: "minimal tokio-tungstenite pipe (the floor)".into(),
            child: pipe,
            url: format!("ws://127.0.0.1:{port}/"),
            protocol: None,
            ftpbridge: false,
        });
        wait_listening(port).await?;
        let port = crate::free_port()?;
        let relay_config = std::env::temp_dir().join(format!("ftpbridge-bench-relay-{}.toml", std::process::id()));
        let mut config = format!("[policy]\nallow_private = true\ncontrol_ports = [{}]\n", announcer.port());
        let var = |name: &str| std::env::var(name).ok();
        let mut limits = String::new();
        for (key, name) in [("window", "BENCH_WINDOW"), ("max_payload", "BENCH_PAYLOAD"), ("ws_read_buffer", "BENCH_WS_READ")] {
            if let Some(value) = var(name) {
                limits.push_str(&format!("{key} = {value}\n"));
            }
        }
        if !limits.is_empty() {
            config.push_str(&format!("[limits]\n{limits}"));
        }
        std::fs::write(&relay_config, config).map_err(|e| e.to_string())?;
        let relay = Command::new(crate::sibling("ftpbridge-relay")?)
            .arg("--config")
            .arg(&relay_config)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("the relay: {e}"))?;
        tunnels.push(Tunnel {
            label: "ftpbridge relay (credits, policy, FTP helper)".into(),
            child: relay,
            url: format!("127.0.0.1:{port}"),
            protocol: None,
            ftpbridge: true,
        });
        wait_listening(port).await?;
        for other in others {
            let port = crate::free_port()?;
            let listen = format!("127.0.0.1:{port}");
            let args = other
                .args
                .iter()
                .map(|a| a.replace("{listen}", &listen).replace("{target}", &source.to_string()));
            let child = Command::new(other.program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{}: {e}", other.program))?;
            tunnels.push(Tunnel {
                label: other.label.to_string(),
                child,
                url: format!("ws://127.0.0.1:{port}/"),
                protocol: Some(other.protocol.to_string()),
                ftpbridge: false,
            });
            wait_listening(port).await?;
        }
        let mut direct_rates = Vec::new();
        let mut rates = vec![Vec::new(); tunnels.len()];
        let mut cpu = vec![Vec::new(); tunnels.len()];
        for _ in 0..runs {
            direct_rates.push(measure(bytes, direct(source)).await?);
            for (i, tunnel) in tunnels.iter().enumerate() {
                let pid = tunnel.child.id();
                let before = cpu_seconds(pid)?;
                let rate = if tunnel.ftpbridge {
                    measure(bytes, through_relay(tunnel.url.parse().map_err(|_| "an address")?, announcer, source)).await?
                } else {
                    measure(bytes, plain_ws(tunnel.url.clone(), tunnel.protocol.as_deref())).await?
                };
                let used = cpu_seconds(pid)? - before;
                rates[i].push(rate);
                cpu[i].push(used / (bytes as f64 / f64::from(1u32 << 30)));
            }
        }
        let _ = std::fs::remove_file(&relay_config);
        let rates: Vec<f64> = rates.into_iter().map(median).collect();
        let cpu: Vec<f64> = cpu.into_iter().map(median).collect();
        let pipe = rates[0];
        let mut out = format!(
            "| {} MiB from a TCP source on loopback | MB/s | vs the minimal pipe | tunnel CPU s per GiB |\n| --- | ---: | ---: | ---: |\n",
            bytes >> 20
        );
        out.push_str(&format!("| direct TCP (no tunnel) | {:.0} | | |\n", median(direct_rates)));
        for (i, tunnel) in tunnels.iter().enumerate() {
            out.push_str(&format!("| {} | {:.0} | {:.2} | {:.2} |\n", tunnel.label, rates[i], rates[i] / pipe, cpu[i]));
        }
        Ok(out)
    })
}

/// Runs the minimal pipe until killed (`ftpbridge-bench pipe`).
pub fn serve_pipe(listen: SocketAddr, target: SocketAddr) -> Result<(), String> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        start_pipe_on(listen, target).await?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

/// A stand-in FTP control server that announces `port` as its passive port (the relay
/// then lets a data connection go there), and keeps the connection open.
async fn start_announcer(port: u16) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let line = format!("220 bench\r\n229 Entering Extended Passive Mode (|||{port}|)\r\n");
            let _ = stream.write_all(line.as_bytes()).await;
            open.push(stream);
        }
    });
    Ok(address)
}

async fn measure(
    bytes: u64,
    pull: impl std::future::Future<Output = Result<u64, String>>,
) -> Result<f64, String> {
    let start = Instant::now();
    let got = pull.await?;
    let seconds = start.elapsed().as_secs_f64();
    if got != bytes {
        return Err(format!("received {got} of {bytes} bytes"));
    }
    Ok(bytes as f64 / seconds / 1e6)
}

/// A TCP server that sends `bytes` to each connection, then closes.
async fn start_source(bytes: u64) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let chunk = vec![0x5au8; 256 * 1024];
                let mut sent = 0u64;
                while sent < bytes {
                    let n = chunk.len().min((bytes - sent) as usize);
                    if stream.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    sent += n as u64;
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(address)
}

/// A WebSocket server that, for each client, connects to `target` and forwards its
/// bytes as binary messages: the least any WebSocket tunnel does.
async fn start_pipe_on(listen: SocketAddr, target: SocketAddr) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind(listen).await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(ws) = tokio_tungstenite::accept_async(stream).await else { return };
                let Ok(mut tcp) = TcpStream::connect(target).await else { return };
                let (mut sink, _) = ws.split();
                let mut buffer = vec![0u8; 256 * 1024];
                while let Ok(n) = tcp.read(&mut buffer).await {
                    if n == 0 || sink.send(Message::Binary(buffer[..n].to_vec().into())).await.is_err() {
                        break;
                    }
                }
                let _ = sink.close().await;
            });
        }
    });
    Ok(address)
}

async fn wait_listening(port: u16) -> Result<(), String> {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Err(format!("nothing listens on port {port}"))
}

async fn direct(source: SocketAddr) -> Result<u64, String> {
    let mut stream = TcpStream::connect(source).await.map_err(|e| e.to_string())?;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut got = 0u64;
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) => return Ok(got),
            Ok(n) => got += n as u64,
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Reads everything a plain WebSocket tunnel delivers until it closes.
async fn plain_ws(url: String, protocol: Option<&str>) -> Result<u64, String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    if let Some(protocol) = protocol {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocol).map_err(|e| e.to_string())?);
    }
    let (ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| format!("{e}"))?;
    let (_, mut stream) = ws.split();
    let mut got = 0u64;
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Binary(data)) => got += data.len() as u64,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(got)
}

/// Opens a control stream to the announcer (which announces the source's port), then
/// a data stream to `source` through the relay, and reads it to its FIN, returning
/// credit as the bytes are taken.
async fn through_relay(relay: SocketAddr, announcer: SocketAddr, source: SocketAddr) -> Result<u64, String> {
    let mut request = format!("ws://{relay}/ws").into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
    let origin = HeaderValue::from_str(&format!("http://{relay}")).map_err(|e| e.to_string())?;
    request.headers_mut().insert("Origin", origin);
    let (ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| format!("{e}"))?;
    let (mut sink, mut stream) = ws.split();
    let mut sockets: Sockets<u8> = Sockets::new();
    sockets.open(0, &announcer.ip().to_string(), announcer.port());
    let mut control = Vec::new();
    let mut data_open = false;
    let mut got = 0u64;
    loop {
        while let Some(frame) = sockets.poll_transmit() {
            sink.send(Message::Binary(frame.into())).await.map_err(|e| e.to_string())?;
        }
        let Some(message) = stream.next().await else { return Err("the relay closed".into()) };
        let Message::Binary(bytes) = message.map_err(|e| e.to_string())? else { continue };
        sockets.handle_message(&bytes).map_err(|e| e.to_string())?;
        while let Some(event) = sockets.poll_event() {
            match event {
                SocketEvent::Data { key: 0, data } => {
                    sockets.consumed(0, data.len());
                    control.extend_from_slice(&data);
                    if !data_open && control.windows(4).any(|w| w == b"229 ") && control.ends_with(b"\n") {
                        data_open = true;
                        sockets.open(1, &source.ip().to_string(), source.port());
                    }
                }
                SocketEvent::Data { key, data } => {
                    got += data.len() as u64;
                    sockets.consumed(key, data.len());
                }
                SocketEvent::Eof { key: 1 } => {
                    let _ = sink.close().await;
                    return Ok(got);
                }
                SocketEvent::Reset { reason, .. } | SocketEvent::SessionReset { reason } => {
                    return Err(format!("the relay reset the stream: {reason}"));
                }
                _ => {}
            }
        }
    }
}
