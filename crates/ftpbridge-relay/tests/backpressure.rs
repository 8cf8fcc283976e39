//! A slow client must slow the server down through TCP back-pressure, and never grow
//! the relay's memory. Alone in its test binary, so the process's resident memory is
//! the relay's (plus this small client and source).

mod common;

use common::*;
use ftpbridge_wire::MuxEvent;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// This process's resident memory, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Reads (and discards) until `n` more bytes of `stream` arrived.
async fn read_bytes(client: &mut Client, stream: u32, n: u64) {
    let mut got = 0u64;
    while got < n {
        assert!(client.pump().await, "the relay closed the session");
        if let Some(data) = client.received.remove(&stream) {
            got += data.len() as u64;
        }
        assert!(!client.events.iter().any(|e| matches!(e, MuxEvent::Reset { .. })), "{:?}", client.events);
    }
}

/// Waits until the source has made no progress for a while (its writes are blocked),
/// reading whatever the relay still sends meanwhile; returns the bytes received.
async fn until_stalled(client: &mut Client, stream: u32, written: &AtomicU64) -> u64 {
    let mut received = 0u64;
    let mut last = written.load(Ordering::Relaxed);
    let mut unchanged = 0;
    within("the source to stall", async {
        while unchanged < 10 {
            tokio::select! {
                open = client.pump() => assert!(open, "the relay closed the session"),
                () = tokio::time::sleep(Duration::from_millis(100)) => {
                    let now = written.load(Ordering::Relaxed);
                    if now == last { unchanged += 1 } else { unchanged = 0; last = now }
                }
            }
            if let Some(data) = client.received.remove(&stream) {
                received += data.len() as u64;
            }
        }
    })
    .await;
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_returning_credit_blocks_the_server_not_the_relay_memory() {
    // A source that would send 1 GiB.
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    let (source, _task) = server("127.0.0.1", move |mut tcp| async move {
        let chunk = vec![0x5a; 64 * 1024];
        while counter.load(Ordering::Relaxed) < GIB {
            match tcp.write(&chunk).await {
                Ok(n) => counter.fetch_add(n as u64, Ordering::Relaxed),
                Err(_) => return,
            };
        }
    })
    .await;
    let config = config(&[source.port()]);
    let window = u64::from(config.limits.window);
    let relay = TestRelay::start(config).await;
    let mut client = Client::connect(&relay.url()).await;
    let idle = rss();

    let (stream, event) = client.open("127.0.0.1", source.port()).await;
    assert!(matches!(event, MuxEvent::Opened { .. }), "{event:?}");
    // Read a little, returning credit.
    read_bytes(&mut client, stream, 4 * MIB).await;

    // Then stop returning credit: the relay may send at most one window more.
    client.consume = false;
    let in_flight = until_stalled(&mut client, stream, &written).await;
    assert!(in_flight <= window, "{in_flight} bytes beyond the credit");
    let blocked_at = written.load(Ordering::Relaxed);
    assert!(blocked_at < GIB, "the source was never blocked");
    let grown = rss().saturating_sub(idle);
    assert!(grown < 64 * MIB, "the relay grew by {} MiB while the source was blocked", grown / MIB);

    // Credit again: the transfer resumes where it stopped.
    client.consume = true;
    client.mux.consumed(stream, in_flight as usize);
    client.flush().await;
    read_bytes(&mut client, stream, 4 * MIB).await;
    assert!(written.load(Ordering::Relaxed) > blocked_at, "the source did not resume");
}
