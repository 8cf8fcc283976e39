//! The direct transport: every engine socket is a real TCP connection (or, in active
//! mode, a listener on the address the control connection goes out from).
//!
//! Each connection has a reader task that pushes what it reads into one bounded
//! channel (a slow consumer stops the reads, and TCP slows the server) and a writer
//! task fed by an unbounded queue whose size in bytes is tracked, so the client can
//! stop producing upload data at the high-water mark.

use crate::transport::{Transport, TransportEvent};
use ftpbridge_engine::{Host, Purpose, SocketError, SocketId};
use socket2::SockRef;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Bytes a socket may have queued before [`Transport::can_send`] says no.
const HIGH_WATER: usize = 1024 * 1024;
/// Queued bytes under which a full socket reports `Writable` again.
const LOW_WATER: usize = 256 * 1024;
/// Read size per socket.
const READ_CHUNK: usize = 128 * 1024;
/// Unsent bytes the kernel may hold per socket (`TCP_NOTSENT_LOWAT`): a write counts
/// as sent once the bytes are close to the wire, so what "sent" reports to the engine
/// is what the network took, not what sits in a deep socket buffer on a slow link.
#[cfg(any(target_os = "linux", target_os = "android"))]
const NOT_SENT_LIMIT: u32 = 256 * 1024;

enum Internal {
    Event(TransportEvent),
    Opened { socket: SocketId, stream: TcpStream, accepted: bool },
}

enum WriteCommand {
    Data(Vec<u8>),
    Shutdown,
    Close,
}

struct Connection {
    writer: mpsc::UnboundedSender<WriteCommand>,
    queued: Arc<AtomicUsize>,
    wants_writable: Arc<AtomicBool>,
    /// A second handle on the socket, to abort it with RST.
    handle: socket2::Socket,
    tasks: Vec<JoinHandle<()>>,
}

/// Direct TCP sockets.
pub struct TcpTransport {
    tx: mpsc::Sender<Internal>,
    rx: mpsc::Receiver<Internal>,
    connections: HashMap<SocketId, Connection>,
    /// Connect or accept tasks not yet finished.
    pending: HashMap<SocketId, JoinHandle<()>>,
    /// The local address of the control connection: where active-mode listeners bind.
    control_local: Option<SocketAddr>,
}

impl Default for TcpTransport {
    fn default() -> Self {
        TcpTransport::new()
    }
}

impl TcpTransport {
    /// A transport with no sockets yet.
    pub fn new() -> TcpTransport {
        let (tx, rx) = mpsc::channel(16);
        TcpTransport { tx, rx, connections: HashMap::new(), pending: HashMap::new(), control_local: None }
    }

    fn adopt(&mut self, socket: SocketId, stream: TcpStream) -> io::Result<Option<SocketAddr>> {
        stream.set_nodelay(true)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = SockRef::from(&stream).set_tcp_notsent_lowat(NOT_SENT_LIMIT);
        let peer = stream.peer_addr().ok();
        if socket == SocketId::CONTROL {
            self.control_local = stream.local_addr().ok();
        }
        let handle = SockRef::from(&stream).try_clone()?;
        let (read, write) = stream.into_split();
        let (writer, commands) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let wants_writable = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn(read_loop(socket, read, self.tx.clone()));
        let writer_task = tokio::spawn(write_loop(
            socket,
            write,
            commands,
            queued.clone(),
            wants_writable.clone(),
            self.tx.clone(),
        ));
        self.connections.insert(
            socket,
            Connection { writer, queued, wants_writable, handle, tasks: vec![reader, writer_task] },
        );
        Ok(peer)
    }

    fn drop_connection(&mut self, socket: SocketId, abort: bool) {
        if let Some(task) = self.pending.remove(&socket) {
            task.abort();
        }
        let Some(connection) = self.connections.remove(&socket) else { return };
        if abort {
            let _ = connection.handle.set_linger(Some(Duration::ZERO));
            for task in &connection.tasks {
                task.abort();
            }
        } else {
            // The writer task finishes what is queued, then closes; the reader stops.
            let _ = connection.writer.send(WriteCommand::Close);
            if let Some(reader) = connection.tasks.first() {
                reader.abort();
            }
        }
    }
}

impl Drop for TcpTransport {
    fn drop(&mut self) {
        for task in self.pending.values() {
            task.abort();
        }
        for connection in self.connections.values() {
            for task in &connection.tasks {
                task.abort();
            }
        }
    }
}

impl Transport for TcpTransport {
    fn connect(&mut self, socket: SocketId, host: Host, port: u16, _purpose: Purpose) {
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let result = match &host {
                Host::Ip(ip) => TcpStream::connect(SocketAddr::new(*ip, port)).await,
                Host::Name(name) => TcpStream::connect((name.as_str(), port)).await,
            };
            let message = match result {
                Ok(stream) => Internal::Opened { socket, stream, accepted: false },
                Err(error) => Internal::Event(TransportEvent::Error { socket, error: socket_error(&error) }),
            };
            let _ = tx.send(message).await;
        });
        self.pending.insert(socket, task);
    }

    fn listen(&mut self, socket: SocketId, peer: Option<IpAddr>) {
        let tx = self.tx.clone();
        let local = self.control_local.map(|a| a.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let task = tokio::spawn(async move {
            let listener = match TcpListener::bind(SocketAddr::new(local, 0)).await {
                Ok(listener) => listener,
                Err(error) => {
                    let _ = tx
                        .send(Internal::Event(TransportEvent::Error { socket, error: socket_error(&error) }))
                        .await;
                    return;
                }
            };
            let advertise = match listener.local_addr() {
                Ok(addr) => addr,
                Err(error) => {
                    let _ = tx
                        .send(Internal::Event(TransportEvent::Error { socket, error: socket_error(&error) }))
                        .await;
                    return;
                }
            };
            let _ = tx.send(Internal::Event(TransportEvent::Listening { socket, advertise })).await;
            loop {
                match listener.accept().await {
                    // Only the control connection's server may connect (no third party).
                    Ok((stream, from)) if peer.is_none_or(|p| p == from.ip().to_canonical()) => {
                        let _ = tx.send(Internal::Opened { socket, stream, accepted: true }).await;
                        return;
                    }
                    Ok(_) => continue,
                    Err(error) => {
                        let _ = tx
                            .send(Internal::Event(TransportEvent::Error {
                                socket,
                                error: socket_error(&error),
                            }))
                            .await;
                        return;
                    }
                }
            }
        });
        self.pending.insert(socket, task);
    }

    fn send(&mut self, socket: SocketId, data: Vec<u8>) {
        let Some(connection) = self.connections.get(&socket) else { return };
        connection.queued.fetch_add(data.len(), Ordering::AcqRel);
        let _ = connection.writer.send(WriteCommand::Data(data));
    }

    fn shutdown(&mut self, socket: SocketId) {
        if let Some(connection) = self.connections.get(&socket) {
            let _ = connection.writer.send(WriteCommand::Shutdown);
        }
    }

    fn close(&mut self, socket: SocketId) {
        self.drop_connection(socket, false);
    }

    fn reset(&mut self, socket: SocketId) {
        self.drop_connection(socket, true);
    }

    fn can_send(&mut self, socket: SocketId) -> bool {
        let Some(connection) = self.connections.get(&socket) else { return true };
        if connection.queued.load(Ordering::Acquire) < HIGH_WATER {
            return true;
        }
        connection.wants_writable.store(true, Ordering::Release);
        // The writer may have drained between the two loads; check again.
        connection.queued.load(Ordering::Acquire) < HIGH_WATER
    }

    async fn next_event(&mut self) -> TransportEvent {
        loop {
            let Some(message) = self.rx.recv().await else {
                // Unreachable while `self.tx` lives; wait forever rather than spin.
                std::future::pending::<()>().await;
                continue;
            };
            match message {
                Internal::Event(event) => {
                    if let TransportEvent::Error { socket, .. } | TransportEvent::Eof { socket } = &event
                        && matches!(event, TransportEvent::Error { .. })
                    {
                        self.pending.remove(socket);
                    }
                    return event;
                }
                Internal::Opened { socket, stream, accepted } => {
                    self.pending.remove(&socket);
                    match self.adopt(socket, stream) {
                        Ok(peer) if accepted => return TransportEvent::Accepted { socket, peer },
                        Ok(peer) => return TransportEvent::Connected { socket, peer },
                        Err(error) => return TransportEvent::Error { socket, error: socket_error(&error) },
                    }
                }
            }
        }
    }
}

async fn read_loop(socket: SocketId, mut read: OwnedReadHalf, tx: mpsc::Sender<Internal>) {
    loop {
        // Memory that is not zeroed first; a short read gives back what it did not use.
        let mut buffer = Vec::with_capacity(READ_CHUNK);
        let event = match read.read_buf(&mut buffer).await {
            Ok(0) => TransportEvent::Eof { socket },
            Ok(n) => {
                if n < READ_CHUNK / 4 {
                    buffer.shrink_to_fit();
                }
                TransportEvent::Data { socket, data: buffer }
            }
            Err(error) => TransportEvent::Error { socket, error: socket_error(&error) },
        };
        let last = !matches!(event, TransportEvent::Data { .. });
        if tx.send(Internal::Event(event)).await.is_err() || last {
            return;
        }
    }
}

async fn write_loop(
    socket: SocketId,
    mut write: OwnedWriteHalf,
    mut commands: mpsc::UnboundedReceiver<WriteCommand>,
    queued: Arc<AtomicUsize>,
    wants_writable: Arc<AtomicBool>,
    tx: mpsc::Sender<Internal>,
) {
    while let Some(command) = commands.recv().await {
        match command {
            WriteCommand::Data(data) => {
                if let Err(error) = write.write_all(&data).await {
                    let _ = tx
                        .send(Internal::Event(TransportEvent::Error { socket, error: socket_error(&error) }))
                        .await;
                    return;
                }
                let left = queued.fetch_sub(data.len(), Ordering::AcqRel) - data.len();
                let sent = TransportEvent::Sent { socket, bytes: data.len() };
                if tx.send(Internal::Event(sent)).await.is_err() {
                    return;
                }
                if left < LOW_WATER && wants_writable.swap(false, Ordering::AcqRel) {
                    let _ = tx.send(Internal::Event(TransportEvent::Writable)).await;
                }
            }
            WriteCommand::Shutdown => {
                let _ = write.shutdown().await;
            }
            WriteCommand::Close => return,
        }
    }
}

/// The engine's view of an I/O error.
pub fn socket_error(error: &io::Error) -> SocketError {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => SocketError::Refused,
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
            SocketError::Reset
        }
        io::ErrorKind::TimedOut => SocketError::TimedOut,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable | io::ErrorKind::NotFound => {
            SocketError::Unreachable
        }
        _ => SocketError::Other(error.to_string()),
    }
}
