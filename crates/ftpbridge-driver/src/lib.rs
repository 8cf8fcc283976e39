//! The driver layer every shell shares: the FTP engine, with TLS between it and each
//! socket that asks for it, and the relay glue.
//!
//! ```text
//!                ┌──────────────────── Driver ─────────────────────┐
//!  Input ──────► │ socket in TLS? ── TlsStream::receive ──► Session │ ──► Output::Event
//!  (ciphertext)  │                                          (engine)│
//!  Output ◄───── │ StartTls → ClientHello, Send → encrypt ◄── poll  │
//!  (ciphertext)  └─────────────────────────────────────────────────┘
//! ```
//!
//! The rule is the engine's: after every input and every command, drain
//! [`Driver::poll_output`] until it returns `None`, then wait until
//! [`Driver::poll_timeout`] or the next input. Outputs are the engine's, with the bytes
//! of a socket in TLS encrypted; [`Output::StartTls`] never comes out (the driver does
//! it). Events pass through unchanged.
//!
//! ```no_run
//! use ftpbridge_driver::{Driver, Input};
//! use ftpbridge_engine::{Config, Instant, Output};
//! let mut driver = Driver::new(Config::new("ftp.example.com", 21), Default::default(), Instant::ZERO);
//! while let Some(output) = driver.poll_output() {
//!     match output {
//!         Output::Connect { .. } => { /* open it, then feed Input::Connected */ }
//!         Output::Send { .. } => { /* write the bytes, then feed Input::Sent */ }
//!         Output::Event(event) => println!("{event:?}"),
//!         _ => {}
//!     }
//! }
//! # let now = Instant::ZERO;
//! driver.handle(now, Input::Eof { socket: ftpbridge_engine::SocketId::CONTROL });
//! ```

mod input;
mod pins;
#[cfg(not(feature = "tls"))]
mod plain;
pub mod ranges;
pub mod relay;
#[cfg(feature = "tls")]
mod secured;
pub mod tree;

pub use ftpbridge_tls::{Roots, Trust};
pub use input::Input;
pub use pins::{hex, parse_pin};

use ftpbridge_engine::{Config, Instant, Output, Session, SocketId};
#[cfg(not(feature = "tls"))]
use plain::TlsLayer;
#[cfg(feature = "tls")]
use secured::TlsLayer;
use std::collections::VecDeque;

/// See the crate docs.
pub struct Driver {
    session: Session,
    tls: TlsLayer,
    /// Outputs the driver made (handshake records), before the session's next ones.
    out: VecDeque<Output>,
    /// The time of the last input or command.
    now: Instant,
}

impl Driver {
    /// A driver for a session with `config`, trusting servers as `trust` says.
    pub fn new(config: Config, trust: Trust, now: Instant) -> Driver {
        Driver { session: Session::new(config, now), tls: TlsLayer::new(trust), out: VecDeque::new(), now }
    }

    /// The session, to read its state.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session at `now`, for a command (`list`, `retrieve`, `upload`, `abort`,
    /// ...): call it with the same `now`.
    pub fn session_mut(&mut self, now: Instant) -> &mut Session {
        self.now = now;
        &mut self.session
    }

    /// Runs a command (`list`, `retrieve`, `upload`, ...) on the session at `now`.
    pub fn command<R>(&mut self, now: Instant, f: impl FnOnce(&mut Session, Instant) -> R) -> R {
        self.now = now;
        f(&mut self.session, now)
    }

    /// Feeds what a transport reported.
    pub fn handle(&mut self, now: Instant, input: Input) {
        self.now = now;
        let session = &mut self.session;
        match input {
            Input::Connected { socket, peer } => session.handle_connected(now, socket, peer),
            Input::Listening { socket, advertise } => session.handle_listening(now, socket, advertise),
            Input::Accepted { socket, peer } => session.handle_accepted(now, socket, peer),
            Input::Data { socket, data } => self.data(now, socket, data),
            Input::Sent { socket, bytes } => match self.tls.sent(socket, bytes) {
                Some(0) => {}
                Some(plain) => session.handle_sent(now, socket, plain),
                None => session.handle_sent(now, socket, bytes),
            },
            Input::Eof { socket } => match self.tls.eof(socket) {
                None | Some(Ok(true)) => session.handle_eof(now, socket),
                Some(Ok(false)) => {}
                Some(Err(error)) => session.handle_error(now, socket, error),
            },
            Input::Error { socket, error } => {
                self.tls.forget(socket);
                session.handle_error(now, socket, error);
            }
            Input::Writable => {}
        }
    }

    /// Time passed: call at [`Driver::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.session.handle_timeout(now);
    }

    /// The local side holds the running transfer up, or no longer does (see
    /// [`Session::handle_local_stall`]).
    pub fn handle_local_stall(&mut self, now: Instant, stalled: bool) {
        self.now = now;
        self.session.handle_local_stall(now, stalled);
    }

    /// When [`Driver::handle_timeout`] is due next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }

    /// The next thing for the transport or the user.
    pub fn poll_output(&mut self) -> Option<Output> {
        loop {
            if let Some(output) = self.out.pop_front() {
                return Some(output);
            }
            let output = self.session.poll_output()?;
            match output {
                Output::StartTls { socket } => {
                    let host = self.session.config().host.clone();
                    match self.tls.start(&host, socket) {
                        Ok(hello) => self.send(socket, hello),
                        Err(error) => self.session.handle_error(self.now, socket, error),
                    }
                }
                Output::Send { socket, data } => match self.tls.encrypt(socket, &data) {
                    Some(cipher) => self.send(socket, cipher),
                    None => return Some(Output::Send { socket, data }),
                },
                Output::Shutdown { socket } => {
                    // TLS ends first; then the TCP half-close.
                    if let Some(alert) = self.tls.close(socket) {
                        self.send(socket, alert);
                    }
                    self.out.push_back(Output::Shutdown { socket });
                }
                Output::Close { socket } => {
                    if let Some(alert) = self.tls.close(socket) {
                        self.send(socket, alert);
                    }
                    self.tls.forget(socket);
                    self.out.push_back(Output::Close { socket });
                }
                Output::Reset { socket } => {
                    self.tls.forget(socket);
                    return Some(Output::Reset { socket });
                }
                other => return Some(other),
            }
        }
    }

    fn send(&mut self, socket: SocketId, data: Vec<u8>) {
        if !data.is_empty() {
            self.out.push_back(Output::Send { socket, data });
        }
    }

    fn data(&mut self, now: Instant, socket: SocketId, data: Vec<u8>) {
        let Some(received) = self.tls.receive(socket, &data) else {
            self.session.handle_data(now, socket, data);
            return;
        };
        self.send(socket, received.reply);
        match received.plain {
            None => {}
            Some(Ok(plain)) => {
                if let Some(info) = received.established {
                    self.session.handle_secured(now, socket, info);
                }
                if !plain.is_empty() {
                    self.session.handle_data(now, socket, plain);
                }
                if received.closed {
                    self.session.handle_eof(now, socket);
                }
            }
            Some(Err(error)) => self.session.handle_error(now, socket, error),
        }
    }
}
