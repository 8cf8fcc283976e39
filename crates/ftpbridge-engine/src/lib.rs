//! A sans-IO FTP client engine.
//!
//! ```text
//!            commands (list, retrieve, store, ...)          events (Entries, Data, Done, ...)
//!   user ─────────────────────────────┐             ┌───────────────────────────────► user
//!                                     ▼             │
//!                                ┌──────────────────┴┐
//!   transport ── handle_* ─────► │      Session      │ ── poll_output ──► transport
//!   (bytes, opened, EOF, errors) │  replies, login,  │   (Connect, Listen, Send,
//!   clock ── handle_timeout ───► │  data channels,   │    StartTls, Shutdown, Close, Reset)
//!                                │  transfers        │ ── poll_timeout ─► clock
//!                                └───────────────────┘
//! ```
//!
//! The engine does no I/O, reads no clock and spawns nothing: the driver (a tokio
//! CLI, a browser page over a WebSocket relay, a test on a virtual clock) moves bytes
//! between it and real sockets. The rule, as in str0m and quinn-proto: **after every
//! input, drain [`Session::poll_output`] until it returns `None`, then sleep until
//! [`Session::poll_timeout`] or the next input.**
//!
//! ```no_run
//! use ftpbridge_engine::{Config, Event, Instant, Output, Session, SocketId, Value};
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//!
//! let config = Config::new("ftp.example.com", 21);
//! let mut session = Session::new(config, Instant::ZERO);
//! let listing = session.list(Instant::ZERO, None, ftpbridge_engine::ListOptions {
//!     all: false,
//!     now: ftpbridge_listing::DateTime::from_unix_seconds(1_700_000_000),
//! });
//! let quit = session.quit(Instant::ZERO);
//! let mut sockets: Vec<(SocketId, TcpStream)> = Vec::new();
//! let now = || Instant::ZERO; // a real driver reads its monotonic clock here
//! loop {
//!     // 1. Carry out everything the engine asks for.
//!     while let Some(output) = session.poll_output() {
//!         match output {
//!             Output::Connect { socket, host, port, .. } => {
//!                 let stream = TcpStream::connect((host.to_string(), port)).unwrap();
//!                 let peer = stream.peer_addr().ok();
//!                 sockets.push((socket, stream));
//!                 session.handle_connected(now(), socket, peer);
//!             }
//!             Output::Send { socket, data } => {
//!                 let stream = &mut sockets.iter_mut().find(|(id, _)| *id == socket).unwrap().1;
//!                 stream.write_all(&data).unwrap();
//!             }
//!             Output::Event(Event::Entries { entries, .. }) => {
//!                 for entry in entries { println!("{}", entry.name); }
//!             }
//!             Output::Event(Event::Done { op, .. }) if op == quit => return,
//!             Output::Event(Event::Failed { error, .. }) => eprintln!("{error}"),
//!             Output::Event(Event::Closed { .. }) => return,
//!             _ => {} // Listen, Shutdown, Close, Reset, other events
//!         }
//!     }
//!     // 2. Wait for input (a real driver polls every socket and the timeout at once).
//!     let (socket, stream) = sockets.last_mut().unwrap();
//!     let mut buf = [0u8; 65536];
//!     match stream.read(&mut buf) {
//!         Ok(0) => session.handle_eof(now(), *socket),
//!         Ok(n) => session.handle_data(now(), *socket, &buf[..n]),
//!         Err(_) => session.handle_timeout(now()),
//!     }
//!     let _ = (listing, Value::None);
//! }
//! ```
//!
//! TLS (RFC 4217) is decided here and done by the driver: the engine sends `AUTH TLS`,
//! `PBSZ` and `PROT`, asks for TLS on a socket with [`Output::StartTls`] and goes on
//! when [`Session::handle_secured`] says the handshake finished; the driver (the
//! `ftpbridge-driver` crate) runs the TLS layer between the engine and the socket.
//!
//! Operations run one at a time in the order they were queued; each ends with exactly
//! one [`Event::Done`] or [`Event::Failed`]. FTP's 4xx and 5xx replies are results
//! (an [`Error`] with the reply), not engine failures; a broken control connection
//! closes the session ([`Event::Closed`]) and fails what was queued.

mod command;
mod config;
mod error;
mod event;
pub mod parse;
mod reply;
mod session;
mod time;

pub use config::{Config, DataMode, Timeouts, TlsMode};
pub use error::{Error, ErrorKind, SocketError, classify};
pub use event::{
    CertificateInfo, Event, Host, LogLine, OpId, Output, Purpose, RemotePath, ServerInfo, ServerPath,
    SocketId, TlsInfo, Value,
};
pub use ftpbridge_listing as listing;
pub use parse::Features;
pub use reply::{MAX_LINE, MAX_REPLY, Reply, ReplyError, ReplyReader};
pub use session::{ListOptions, Session, StoreMode, StoreOptions};
pub use time::Instant;
