//! The baseline: a trivial WebSocket peer. `/down?bytes=N` sends N bytes in 64 KiB
//! binary messages; `/up?bytes=N` receives N bytes and then says `done`; `/results`
//! takes the page's report.

use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// Serves connections until the runtime ends; returns the address. Messages sent to
/// `/results` (the page's report) come out of `results`.
pub async fn start() -> std::io::Result<(SocketAddr, mpsc::UnboundedReceiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (report, results) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, report.clone()));
        }
    });
    Ok((address, results))
}

async fn serve(stream: tokio::net::TcpStream, report: mpsc::UnboundedSender<String>) {
    let _ = stream.set_nodelay(true);
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
