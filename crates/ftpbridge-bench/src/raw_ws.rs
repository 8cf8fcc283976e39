//! The baseline: a trivial WebSocket peer. `/down?bytes=N` sends N bytes in 64 KiB
//! binary messages; `/up?bytes=N` receives N bytes and then says `done`; `/results`
//! takes the page's report. Plain GETs are answered with the files of the benchmark
//! site, so that the page and these sockets share an origin (the relay's
//! Content-Security-Policy lets a page it serves connect only to the relay).

use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// Serves connections until the runtime ends; returns the address. Messages sent to
/// `/results` (the page's report) come out of `results`.
pub async fn start(site: PathBuf) -> std::io::Result<(SocketAddr, mpsc::UnboundedReceiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (report, results) = mpsc::unbounded_channel();
    let site = Arc::new(site);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, report.clone(), site.clone()));
        }
    });
    Ok((address, results))
}

/// Answers a GET that is not a WebSocket upgrade with a file of `site`.
async fn serve_file(mut stream: tokio::net::TcpStream, site: &Path) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split_whitespace().nth(1).unwrap_or("/").split(['?', '#']).next().unwrap_or("/");
    let relative = path.trim_start_matches('/');
    let file = (!relative.split('/').any(|part| part == "..")).then(|| site.join(relative));
    let response = match file.and_then(|f| std::fs::read(&f).ok().map(|body| (f, body))) {
        Some((file, body)) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            let mut head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            head.extend_from_slice(&body);
            head
        }
        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    };
    let _ = stream.write_all(&response).await;
    let _ = stream.shutdown().await;
}

async fn serve(stream: tokio::net::TcpStream, report: mpsc::UnboundedSender<String>, site: Arc<PathBuf>) {
    let _ = stream.set_nodelay(true);
    let mut head = [0u8; 4096];
    let upgrade = match stream.peek(&mut head).await {
        Ok(n) => String::from_utf8_lossy(&head[..n]).to_ascii_lowercase().contains("upgrade: websocket"),
        Err(_) => return,
    };
    if !upgrade {
        serve_file(stream, &site).await;
        return;
    }
    let mut target = String::new();
    #[allow(clippy::result_large_err)] // the signature tungstenite asks for
    let callback = |request: &Request, response: Response| {
        target = request.uri().to_string();
        Ok(response)
    };
    let Ok(socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else { return };
    let bytes: u64 = target.split("bytes=").nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    let (mut sink, mut source) = socket.split();
    if target.starts_with("/results") {
        if let Some(Ok(Message::Text(text))) = source.next().await {
            let _ = report.send(text.to_string());
        }
        return;
    }
    if target.starts_with("/down") {
        let chunk = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        while sent < bytes {
            let n = chunk.len().min((bytes - sent) as usize);
            if sink.send(Message::Binary(chunk[..n].to_vec().into())).await.is_err() {
                return;
            }
            sent += n as u64;
        }
        let _ = sink.flush().await;
        // Let the page close once it has everything.
        while let Some(Ok(message)) = source.next().await {
            if message.is_close() {
                break;
            }
        }
    } else {
        let mut got = 0u64;
        while got < bytes {
            match source.next().await {
                Some(Ok(Message::Binary(data))) => got += data.len() as u64,
                Some(Ok(_)) => {}
                _ => return,
            }
        }
        let _ = sink.send(Message::Text("done".into())).await;
        while let Some(Ok(message)) = source.next().await {
            if message.is_close() {
                break;
            }
        }
    }
}
