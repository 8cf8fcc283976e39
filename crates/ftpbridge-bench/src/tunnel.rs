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

/// Runs the comparison against the `others` that are installed.
pub fn run(bytes: u64, runs: u32, others: &[Other<'_>]) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let source = start_source(bytes).await?;
        let (relay, stop) = crate::start_relay(None, vec![source.port()]).await?;
        let pipe = start_pipe(source).await?;
        let mut children = Vec::new();
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
            children.push((child, port));
            wait_listening(port).await?;
        }
        let mut rates = vec![Vec::new(); 3 + others.len()];
        for _ in 0..runs {
            rates[0].push(measure(bytes, direct(source)).await?);
            rates[1].push(measure(bytes, plain_ws(format!("ws://{pipe}/"), None)).await?);
            rates[2].push(measure(bytes, through_relay(relay, source)).await?);
            for (i, (other, (_, port))) in others.iter().zip(&children).enumerate() {
                let url = format!("ws://127.0.0.1:{port}/");
                rates[3 + i].push(measure(bytes, plain_ws(url, Some(other.protocol))).await?);
            }
        }
        for (mut child, _) in children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = stop.send(());
        let rates: Vec<f64> = rates.into_iter().map(median).collect();
        let pipe = rates[1];
        let mut out = format!(
            "| {} MiB from a TCP source on loopback | MB/s | vs the minimal pipe |\n| --- | ---: | ---: |\n",
            bytes >> 20
        );
        out.push_str(&format!("| direct TCP (no tunnel) | {:.0} | |\n", rates[0]));
        out.push_str(&format!("| minimal tokio-tungstenite pipe (the floor) | {pipe:.0} | 1.00 |\n"));
        let mut row = |label: &str, rate: f64| {
            out.push_str(&format!("| {label} | {rate:.0} | {:.2} |\n", rate / pipe));
        };
        row("ftpbridge relay (credits, policy)", rates[2]);
        for (other, rate) in others.iter().zip(&rates[3..]) {
            row(other.label, *rate);
        }
        Ok(out)
    })
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
async fn start_pipe(target: SocketAddr) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
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

/// Opens a stream to `source` through the relay and reads it to its FIN, returning
/// credit as the bytes are taken.
async fn through_relay(relay: SocketAddr, source: SocketAddr) -> Result<u64, String> {
    let mut request = format!("ws://{relay}/ws").into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
    let origin = HeaderValue::from_str(&format!("http://{relay}")).map_err(|e| e.to_string())?;
    request.headers_mut().insert("Origin", origin);
    let (ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| format!("{e}"))?;
    let (mut sink, mut stream) = ws.split();
    let mut sockets: Sockets<u8> = Sockets::new();
    sockets.open(1, &source.ip().to_string(), source.port());
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
                SocketEvent::Data { key, data } => {
                    got += data.len() as u64;
                    sockets.consumed(key, data.len());
                }
                SocketEvent::Eof { .. } => {
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
