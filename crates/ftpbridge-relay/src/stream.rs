//! One stream: a TCP connection a client asked for, and the two pumps that move its
//! bytes under credit.
//!
//! ```text
//!            session ── DATA (≤ window, checked) ──► UpQueue ──► up pump ── write ──► TCP
//!  client ◄── outgoing queue ◄── DATA (only while the client gave credit) ◄── down pump ◄── read ── TCP
//! ```
//!
//! - **Up** (client to TCP): the session checks every DATA against the credit it gave
//!   and appends its payload to the stream's [`UpQueue`]: small payloads are copied
//!   together into shared chunks, so what the queue holds is the bytes themselves,
//!   never a buffer per frame (a client spending its window as 1-byte frames makes the
//!   relay hold its window, not 57 times it). The up pump writes it and returns credit
//!   in batches of a quarter window, or as soon as it has written everything it holds.
//!   FIN: everything queued is written, then `shutdown(Write)`.
//! - **Down** (TCP to client): the down pump reads only while the client has credit
//!   (never more than the window, whatever the client grants), so a slow client stops
//!   the reads and TCP back-pressure slows the server. EOF: FIN after the last DATA.
//!   On the control stream the FTP helper reads the server's lines first.
//! - Both done: the socket closes. An abort (client RESET, session end) closes it at
//!   once with an RST (`SO_LINGER` 0).

use crate::dial::{Dialer, Failure, Target};
use crate::metrics::{Direction, Metrics, StreamKind};
use crate::policy::Denial;
use crate::shared::SessionShared;
use axum::extract::ws::Message;
use bytes::{BufMut, Bytes, BytesMut};
use ftpbridge_wire::{CloseReason, Frame, HEADER_LEN, StreamId};
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::{debug, info};

/// Reads go into a buffer of this size on the stack until one fills it (a control
/// connection's replies, a small file); then into a reused heap buffer of the
/// largest payload, until a read comes back shorter than this.
const SMALL_READ: usize = 16 * 1024;
/// Payloads shorter than this are copied into the up queue's shared chunks.
const COALESCE_BELOW: usize = 16 * 1024;
/// The size of a shared chunk of small payloads.
pub(crate) const CHUNK: usize = 32 * 1024;
/// At most this many upload bytes written to the server before the relay credits them
/// back. The client counts an upload's progress from these credits, so on a slow link
/// a larger batch (a quarter of a 2 MiB window takes seconds at 1 Mbit/s) would look
/// like a server that takes nothing, and its timer would end a transfer still moving.
/// A 9-byte CREDIT frame per 128 KiB costs nothing at any speed.
const CREDIT_BATCH: u32 = 128 * 1024;

/// What a stream tells its session.
#[derive(Debug)]
pub(crate) enum Event {
    /// The stream reached `peer` (sent before OPENED goes out, so the session knows
    /// the control IP before the client can act on it).
    Connected { stream: StreamId, peer: SocketAddr },
    /// The stream is over (sent before its last frame to the client, where there is
    /// one, so its slot is free when the client learns it ended).
    Ended { stream: StreamId },
}

/// Bytes a stream may still send to the client, capped at the window.
#[derive(Debug)]
pub(crate) struct Credit {
    available: AtomicU64,
    window: u64,
    notify: Notify,
}

impl Credit {
    fn new(window: u32) -> Credit {
        Credit {
            available: AtomicU64::new(u64::from(window)),
            window: u64::from(window),
            notify: Notify::new(),
        }
    }

    /// The client returned `n` bytes of credit. A client that returns more than it
    /// received gains nothing: the credit never exceeds the window.
    pub(crate) fn grant(&self, n: u32) {
        let _ = self.available.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            Some(c.saturating_add(u64::from(n)).min(self.window))
        });
        self.notify.notify_one();
    }

    /// Waits until there is credit; returns how much.
    async fn wait(&self) -> u64 {
        loop {
            let available = self.available.load(Ordering::Acquire);
            if available > 0 {
                return available;
            }
            self.notify.notified().await;
        }
    }

    fn spend(&self, n: u64) {
        self.available.fetch_sub(n, Ordering::AcqRel);
    }
}

/// The client's bytes for a stream, waiting to be written: at most the window (the
/// session checks the credit), in chunks that hold only bytes.
#[derive(Debug, Default)]
pub(crate) struct UpQueue {
    inner: Mutex<UpInner>,
    notify: Notify,
}

#[derive(Debug, Default)]
struct UpInner {
    chunks: VecDeque<Bytes>,
    /// Small payloads, copied together until the chunk is full.
    tail: BytesMut,
    fin: bool,
}

/// What the up pump takes next.
enum Up {
    Data(Bytes),
    Fin,
}

impl UpQueue {
    /// Queues a payload (already checked against the credit).
    pub(crate) fn push(&self, payload: Bytes) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if payload.len() < COALESCE_BELOW {
            if inner.tail.capacity() - inner.tail.len() < payload.len() {
                let full = std::mem::take(&mut inner.tail).freeze();
                if !full.is_empty() {
                    inner.chunks.push_back(full);
                }
                inner.tail = BytesMut::with_capacity(CHUNK);
            }
            inner.tail.extend_from_slice(&payload);
        } else {
            let small = std::mem::take(&mut inner.tail).freeze();
            if !small.is_empty() {
                inner.chunks.push_back(small);
            }
            inner.chunks.push_back(payload);
        }
        drop(inner);
        self.notify.notify_one();
    }

    /// The client sent FIN: write what is queued, then shut down.
    pub(crate) fn finish(&self) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).fin = true;
        self.notify.notify_one();
    }

    /// The next chunk (whatever small payloads wait count as one), or FIN.
    async fn next(&self) -> Up {
        loop {
            {
                let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(chunk) = inner.chunks.pop_front() {
                    return Up::Data(chunk);
                }
                if !inner.tail.is_empty() {
                    // All of it: an idle stream (a control connection between
                    // commands) then holds no chunk.
                    return Up::Data(std::mem::take(&mut inner.tail).freeze());
                }
                if inner.fin {
                    return Up::Fin;
                }
            }
            self.notify.notified().await;
        }
    }

    /// Whether nothing waits.
    fn is_empty(&self) -> bool {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.chunks.is_empty() && inner.tail.is_empty()
    }
}

/// The state a stream shares with its session.
#[derive(Debug)]
pub(crate) struct StreamShared {
    /// Credit for DATA to the client.
    pub to_client: Credit,
    /// Credit the relay has returned to the client so far (the session lets the
    /// client send `window + granted` bytes in all).
    pub granted: AtomicU64,
    /// The client's bytes on their way to TCP.
    pub up: UpQueue,
}

impl StreamShared {
    pub(crate) fn new(window: u32) -> StreamShared {
        StreamShared { to_client: Credit::new(window), granted: AtomicU64::new(0), up: UpQueue::default() }
    }
}

/// A running stream's handles on its session and client: only what it needs.
pub(crate) struct StreamTask {
    pub id: StreamId,
    pub kind: StreamKind,
    pub session: Arc<SessionShared>,
    pub out: mpsc::Sender<Message>,
    pub events: mpsc::UnboundedSender<Event>,
    pub shared: Arc<StreamShared>,
    pub abort: oneshot::Receiver<()>,
    /// The relay's window and largest payload.
    pub window: u32,
    pub max_payload: u32,
    /// Set once the Ended event went out.
    ended: bool,
    /// Where the stream went, for the log.
    pub destination: Option<SocketAddr>,
    bytes_up: u64,
    bytes_down: u64,
    /// How the stream ended, for the log.
    pub outcome: &'static str,
}

/// How the pumps stopped.
#[derive(Debug)]
pub(crate) enum End {
    /// The TCP connection failed: tell the client.
    Tcp(CloseReason),
    /// The session is gone (or the client reset the stream): nobody to tell.
    Gone,
}

impl StreamTask {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: StreamId,
        kind: StreamKind,
        session: Arc<SessionShared>,
        out: mpsc::Sender<Message>,
        events: mpsc::UnboundedSender<Event>,
        shared: Arc<StreamShared>,
        abort: oneshot::Receiver<()>,
        (window, max_payload): (u32, u32),
    ) -> StreamTask {
        session.metrics().stream_started(kind);
        StreamTask {
            id,
            kind,
            session,
            out,
            events,
            shared,
            abort,
            window,
            max_payload,
            ended: false,
            destination: None,
            bytes_up: 0,
            bytes_down: 0,
            outcome: "aborted",
        }
    }

    fn metrics(&self) -> &Metrics {
        self.session.metrics()
    }

    /// Sends a frame to the client; `Err` when the session is gone.
    pub(crate) async fn send(&self, frame: Frame<'_>) -> Result<(), End> {
        self.out.send(Message::Binary(frame.encode().into())).await.map_err(|_| End::Gone)
    }

    /// Tells the session the stream is over (once).
    pub(crate) fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            let _ = self.events.send(Event::Ended { stream: self.id });
        }
    }

    /// Ends the stream with a RESET to the client: the session first, then the frame.
    pub(crate) async fn fail(&mut self, reason: CloseReason, outcome: &'static str) {
        self.outcome = outcome;
        self.end();
        let _ = self.send(Frame::Reset { stream: self.id, reason }).await;
    }

    /// A refusal: counted, logged, and a RESET to the client.
    pub(crate) async fn deny(&mut self, denial: Denial, what: &str) {
        self.metrics().denied(denial.as_str());
        info!(destination = what, reason = %denial, "stream refused by policy");
        self.fail(denial.close_reason(), denial.as_str()).await;
    }

    /// A network failure: counted, logged, and a RESET to the client.
    pub(crate) async fn network_failure(&mut self, reason: CloseReason) {
        self.metrics().error(reason.as_str());
        info!(reason = reason.as_str(), "stream failed");
        self.fail(reason, reason.as_str()).await;
    }

    /// Waits for the client's abort (RESET or session end).
    pub(crate) async fn aborted(abort: &mut oneshot::Receiver<()>) {
        let _ = abort.await;
    }
}

impl Drop for StreamTask {
    fn drop(&mut self) {
        self.end();
        self.metrics().stream_ended(self.kind);
        info!(
            destination = self.destination.map(|d| d.to_string()).unwrap_or_default(),
            bytes_up = self.bytes_up,
            bytes_down = self.bytes_down,
            outcome = self.outcome,
            "stream closed"
        );
    }
}

/// OPEN: the dialer checks, resolves and connects; then the stream relays.
pub(crate) async fn open(mut task: StreamTask, dialer: Arc<Dialer>, target: Target) {
    let client = task.session.client;
    let connected = tokio::select! {
        biased;
        _ = StreamTask::aborted(&mut task.abort) => return,
        result = dialer.dial(client, &target) => result,
    };
    let (tcp, peer) = match connected {
        Err(Failure::Denied(denial)) => return task.deny(denial, &target.host()).await,
        Err(Failure::Busy) => {
            task.metrics().denied("lookups_in_flight");
            return task.fail(CloseReason::LimitReached, "lookups_in_flight").await;
        }
        Err(Failure::Network(reason)) => return task.network_failure(reason).await,
        Ok(connected) => connected,
    };
    task.destination = Some(peer);
    let _ = task.events.send(Event::Connected { stream: task.id, peer });
    if task.send(Frame::Opened { stream: task.id, peer }).await.is_err() {
        return;
    }
    debug!(%peer, "connected");
    relay(task, tcp).await;
}

fn io_reason(error: &io::Error) -> CloseReason {
    match error.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
            CloseReason::ConnectionReset
        }
        io::ErrorKind::TimedOut => CloseReason::TimedOut,
        _ => CloseReason::NetworkError,
    }
}

/// Closes a socket with an RST rather than a FIN.
pub(crate) fn abort_socket(tcp: &TcpStream) {
    let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
}

/// Moves bytes both ways until both directions are finished, a side fails, or the
/// client aborts.
pub(crate) async fn relay(mut task: StreamTask, mut tcp: TcpStream) {
    let result = {
        let (mut reader, mut writer) = tcp.split();
        let mut abort = std::mem::replace(&mut task.abort, oneshot::channel().1);
        let mut counts = Counts::default();
        let result = tokio::select! {
            biased;
            _ = StreamTask::aborted(&mut abort) => Err(End::Gone),
            result = async {
                tokio::try_join!(
                    down(&mut reader, &task, &mut counts.down),
                    up(&mut writer, &task, &mut counts.up),
                )
            } => result.map(|_| ()),
        };
        task.bytes_up = counts.up;
        task.bytes_down = counts.down;
        result
    };
    match result {
        Ok(()) => task.outcome = "closed",
        Err(End::Gone) => {
            abort_socket(&tcp);
            task.outcome = "aborted";
        }
        Err(End::Tcp(reason)) => {
            abort_socket(&tcp);
            task.network_failure(reason).await;
        }
    }
}

#[derive(Default)]
struct Counts {
    up: u64,
    down: u64,
}

/// TCP to client, only while the client has given credit.
async fn down(reader: &mut ReadHalf<'_>, task: &StreamTask, count: &mut u64) -> Result<(), End> {
    let max_payload = u64::from(task.max_payload);
    let control = task.kind == StreamKind::Control;
    // In bulk, reads go into one buffer: each message is split off it, and once the
    // writer has framed that message and dropped it, the next read reuses the same
    // memory, still in the cache. Otherwise (and an idle stream, such as a control
    // connection between commands) it holds no heap buffer at all.
    let mut bulk = BytesMut::new();
    loop {
        let credit = task.shared.to_client.wait().await;
        let room = credit.min(max_payload) as usize;
        let tcp: &TcpStream = reader.as_ref();
        let (message, n) = loop {
            // Wait for bytes before touching any buffer.
            tcp.readable().await.map_err(|e| End::Tcp(io_reason(&e)))?;
            let read = if bulk.capacity() > 0 {
                read_bulk(tcp, &mut bulk, task.id, room)
            } else {
                read_small(tcp, task.id, room)
            };
            match read {
                Ok(read) => break read,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(End::Tcp(io_reason(&e))),
            }
        };
        if n == 0 {
            return task.send(Frame::Fin { stream: task.id }).await;
        }
        // One read takes everything that has arrived, up to the room: a short read means
        // the socket is empty for now (another read would only say so), a full one that
        // more is coming.
        if n < SMALL_READ.min(room) {
            bulk = BytesMut::new();
        } else if bulk.capacity() == 0 {
            bulk.reserve(HEADER_LEN + max_payload as usize);
        }
        if control {
            // The helper reads the server's replies before the client can act on them.
            task.session.filter().server_bytes(&message[HEADER_LEN..]);
        }
        task.shared.to_client.spend(n as u64);
        *count += n as u64;
        task.session.moved(Direction::Down, n);
        task.out.send(Message::Binary(message)).await.map_err(|_| End::Gone)?;
        // Let the writer frame it now (on this same thread), so that the bulk buffer is
        // free again for the next read.
        tokio::task::yield_now().await;
    }
}

/// One read of at most `room` bytes into a stack buffer, copied into a DATA message of
/// its own size.
fn read_small(tcp: &TcpStream, stream: StreamId, room: usize) -> io::Result<(Bytes, usize)> {
    let mut small = [0u8; SMALL_READ];
    let n = tcp.try_read(&mut small[..room.min(SMALL_READ)])?;
    Ok((Frame::Data { stream, payload: &small[..n] }.encode().into(), n))
}

/// One read of at most `room` bytes straight after a DATA header in `bulk` (whose
/// memory is not zeroed first), split off as the message.
fn read_bulk(
    tcp: &TcpStream,
    bulk: &mut BytesMut,
    stream: StreamId,
    room: usize,
) -> io::Result<(Bytes, usize)> {
    bulk.clear();
    // Takes back the memory of the last message if the writer has dropped it.
    bulk.reserve(HEADER_LEN + room);
    bulk.extend_from_slice(&Frame::Data { stream, payload: &[] }.encode());
    let n = tcp.try_read_buf(&mut (&mut *bulk).limit(room))?;
    Ok((bulk.split().freeze(), n))
}

/// Client to TCP: write what the session checked, return credit as it is written.
async fn up(writer: &mut WriteHalf<'_>, task: &StreamTask, count: &mut u64) -> Result<(), End> {
    let batch = u64::from((task.window / 4).clamp(1, CREDIT_BATCH));
    let queue = &task.shared.up;
    let mut unreturned = 0u64;
    loop {
        match queue.next().await {
            Up::Data(bytes) => {
                writer.write_all(&bytes).await.map_err(|e| End::Tcp(io_reason(&e)))?;
                *count += bytes.len() as u64;
                task.session.moved(Direction::Up, bytes.len());
                unreturned += bytes.len() as u64;
                // In batches of a quarter window (at most CREDIT_BATCH), and whenever
                // the relay caught up with the client: what it sent last is credited
                // too, so the client knows every byte reached the server's connection
                // (an upload's tail on a slow link is not taken for silence).
                if unreturned >= batch || queue.is_empty() {
                    // Count it before the client can use it.
                    task.shared.granted.fetch_add(unreturned, Ordering::AcqRel);
                    let increment = u32::try_from(unreturned).unwrap_or(u32::MAX);
                    task.send(Frame::Credit { stream: task.id, increment }).await?;
                    unreturned = 0;
                }
            }
            Up::Fin => {
                writer.shutdown().await.map_err(|e| End::Tcp(io_reason(&e)))?;
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn small_payloads_share_chunks_and_large_ones_pass_as_they_are() {
        let queue = UpQueue::default();
        for _ in 0..1000 {
            queue.push(Bytes::from_static(b"x"));
        }
        let big = Bytes::from(vec![7u8; 64 * 1024]);
        queue.push(big.clone());
        queue.push(Bytes::from_static(b"yz"));
        queue.finish();
        let mut got = Vec::new();
        let mut chunks = 0;
        while let Up::Data(bytes) = queue.next().await {
            chunks += 1;
            got.extend_from_slice(&bytes);
        }
        assert_eq!(chunks, 3, "1000 one-byte payloads in one chunk, the large one, the tail");
        assert_eq!(got.len(), 1000 + big.len() + 2);
        assert!(got[..1000].iter().all(|&b| b == b'x'));
        assert_eq!(&got[got.len() - 2..], b"yz");
    }

    #[test]
    fn a_window_of_one_byte_payloads_holds_about_the_window() {
        let queue = UpQueue::default();
        let window = 1024 * 1024;
        for _ in 0..window {
            queue.push(Bytes::from_static(b"x"));
        }
        let inner = queue.inner.lock().unwrap();
        let held: usize = inner.chunks.iter().map(Bytes::len).sum::<usize>() + inner.tail.capacity();
        assert!(held <= window + CHUNK, "{held} bytes held for a window of {window}");
        assert!(inner.chunks.len() <= window / CHUNK + 1);
    }
}
