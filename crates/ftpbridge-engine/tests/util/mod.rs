//! A scripted server on a virtual clock: the test plays the server's side of the
//! control and data connections and checks what the engine sends and reports.

#![allow(dead_code)]

use ftpbridge_engine::{
    Config, Error, Event, Host, Instant, OpId, Output, Purpose, Session, SocketError, SocketId, TlsMode,
    Value,
};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// The server's address as the transport reports it.
pub const SERVER: &str = "192.0.2.10:21";

/// Something the engine asked of the transport, other than control-connection bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Connect { socket: SocketId, host: Host, port: u16 },
    Listen { socket: SocketId },
    Send { socket: SocketId, data: Vec<u8> },
    Shutdown { socket: SocketId },
    Close { socket: SocketId },
    Reset { socket: SocketId },
    StartTls { socket: SocketId },
}

pub struct Harness {
    pub session: Session,
    pub now: Instant,
    /// Control-connection commands sent and not yet checked.
    commands: VecDeque<String>,
    /// Other transport requests not yet checked.
    requests: VecDeque<Request>,
    /// Events not yet checked (logs left out).
    events: VecDeque<Event>,
    /// Data-socket bytes are reported sent as soon as the engine gives them (a peer
    /// that reads); off, they wait for [`Harness::sent`].
    pub auto_sent: bool,
}

impl Harness {
    pub fn new(config: Config) -> Harness {
        let session = Session::new(config, Instant::ZERO);
        let mut h = Harness {
            session,
            now: Instant::ZERO,
            commands: VecDeque::new(),
            requests: VecDeque::new(),
            events: VecDeque::new(),
            auto_sent: true,
        };
        h.pump();
        match h.requests.pop_front() {
            Some(Request::Connect { socket: SocketId::CONTROL, .. }) => {}
            other => panic!("expected the control connection first, got {other:?}"),
        }
        h
    }

    /// A session with the default config for `host`, connected and logged in.
    pub fn logged_in(config: Config, features: &str) -> Harness {
        let mut h = Harness::new(config);
        h.connected();
        h.reply("220 Welcome");
        h.expect_command("USER anonymous");
        h.reply("331 Please specify the password.");
        h.expect_command("PASS anonymous@");
        h.reply("230 Login successful.");
        h.expect_command("FEAT");
        h.reply(features);
        if features.contains("UTF8") {
            h.expect_command("OPTS UTF8 ON");
            h.reply("200 Always in UTF8 mode.");
        }
        h.expect_command("TYPE I");
        h.reply("200 Switching to Binary mode.");
        h.expect_command("PWD");
        h.reply("257 \"/\" is the current directory");
        match h.next_event() {
            Event::Ready(_) => {}
            other => panic!("expected Ready, got {other:?}"),
        }
        h
    }

    pub fn connected(&mut self) {
        self.session.handle_connected(self.now, SocketId::CONTROL, Some(SERVER.parse().unwrap()));
        self.pump();
    }

    /// Drains outputs into the queues.
    pub fn pump(&mut self) {
        loop {
            let mut sent = Vec::new();
            self.drain(&mut sent);
            if sent.is_empty() {
                return;
            }
            for (socket, n) in sent {
                self.session.handle_sent(self.now, socket, n);
            }
        }
    }

    /// The transport reports `n` bytes of `socket` sent.
    pub fn sent(&mut self, socket: SocketId, n: usize) {
        self.session.handle_sent(self.now, socket, n);
        self.pump();
    }

    fn drain(&mut self, sent: &mut Vec<(SocketId, usize)>) {
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::Send { socket: SocketId::CONTROL, data } => {
                    let line = String::from_utf8(data).expect("commands are UTF-8 in these tests");
                    let line = line.strip_suffix("\r\n").expect("commands end in CRLF");
                    self.commands.push_back(line.to_string());
                }
                Output::Connect { socket, host, port, purpose } => {
                    assert_eq!(purpose == Purpose::Control, socket == SocketId::CONTROL);
                    self.requests.push_back(Request::Connect { socket, host, port });
                }
                Output::Listen { socket, .. } => self.requests.push_back(Request::Listen { socket }),
                Output::Send { socket, data } => {
                    if self.auto_sent {
                        sent.push((socket, data.len()));
                    }
                    self.requests.push_back(Request::Send { socket, data });
                }
                Output::Shutdown { socket } => self.requests.push_back(Request::Shutdown { socket }),
                Output::Close { socket } => self.requests.push_back(Request::Close { socket }),
                Output::Reset { socket } => self.requests.push_back(Request::Reset { socket }),
                Output::StartTls { socket } => self.requests.push_back(Request::StartTls { socket }),
                Output::Event(Event::Log(_)) => {}
                Output::Event(event) => self.events.push_back(event),
            }
        }
    }

    /// The server sends `text` (lines joined with CRLF) on the control connection.
    pub fn reply(&mut self, text: &str) {
        let mut wire = text.replace('\n', "\r\n");
        wire.push_str("\r\n");
        self.raw(wire.as_bytes());
    }

    /// Control-connection bytes exactly as given.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.session.handle_data(self.now, SocketId::CONTROL, bytes);
        self.pump();
    }

    pub fn expect_command(&mut self, expected: &str) {
        match self.commands.pop_front() {
            Some(line) => assert_eq!(line, expected),
            None => panic!(
                "expected the engine to send {expected:?}, it sent nothing (events: {:?})",
                self.events
            ),
        }
    }

    pub fn expect_no_command(&mut self) {
        assert_eq!(self.commands.pop_front(), None, "no command expected");
    }

    pub fn next_request_or_none(&mut self) -> Option<Request> {
        self.requests.pop_front()
    }

    pub fn next_request(&mut self) -> Request {
        self.requests
            .pop_front()
            .unwrap_or_else(|| panic!("expected a transport request; events: {:?}", self.events))
    }

    /// The engine asks for a data connection; returns its socket and port.
    pub fn expect_connect(&mut self, host: &str, port: u16) -> SocketId {
        match self.next_request() {
            Request::Connect { socket, host: h, port: p } => {
                assert_eq!((h.to_string(), p), (host.to_string(), port));
                socket
            }
            other => panic!("expected a data connection to {host}:{port}, got {other:?}"),
        }
    }

    pub fn expect_request(&mut self, expected: Request) {
        assert_eq!(self.next_request(), expected);
    }

    pub fn data_connected(&mut self, socket: SocketId) {
        self.session.handle_connected(self.now, socket, Some("192.0.2.10:40000".parse().unwrap()));
        self.pump();
    }

    pub fn data(&mut self, socket: SocketId, bytes: &[u8]) {
        self.session.handle_data(self.now, socket, bytes);
        self.pump();
    }

    pub fn eof(&mut self, socket: SocketId) {
        self.session.handle_eof(self.now, socket);
        self.pump();
    }

    pub fn error(&mut self, socket: SocketId, error: SocketError) {
        self.session.handle_error(self.now, socket, error);
        self.pump();
    }

    pub fn listening(&mut self, socket: SocketId, addr: &str) {
        let addr: SocketAddr = addr.parse().unwrap();
        self.session.handle_listening(self.now, socket, addr);
        self.pump();
    }

    pub fn accepted(&mut self, socket: SocketId) {
        self.session.handle_accepted(self.now, socket, Some("192.0.2.10:20".parse().unwrap()));
        self.pump();
    }

    /// Moves the virtual clock by `by`, firing timers in order as the driver would.
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        while let Some(due) = self.session.poll_timeout() {
            if due > target {
                break;
            }
            self.now = due.max(self.now);
            self.session.handle_timeout(self.now);
            self.pump();
        }
        self.now = target;
        self.session.handle_timeout(self.now);
        self.pump();
    }

    pub fn next_event(&mut self) -> Event {
        self.events
            .pop_front()
            .unwrap_or_else(|| panic!("expected an event; commands pending: {:?}", self.commands))
    }

    pub fn expect_no_event(&mut self) {
        assert_eq!(self.events.pop_front(), None, "no event expected");
    }

    /// Skips events until `op` ends; returns its result.
    pub fn result(&mut self, op: OpId) -> Result<Value, Error> {
        while let Some(event) = self.events.pop_front() {
            match event {
                Event::Done { op: id, value } if id == op => return Ok(value),
                Event::Failed { op: id, error } if id == op => return Err(error),
                _ => {}
            }
        }
        panic!("operation {op:?} has not ended");
    }

    /// Only Data/TransferStarted events for `op` so far: it has not ended.
    pub fn expect_no_event_but_data(&mut self, op: OpId) {
        let events = self.take_events();
        for event in &events {
            match event {
                Event::Data { .. } | Event::TransferStarted { .. } => {}
                other => panic!("operation {op:?} should still run, got {other:?}"),
            }
        }
        // Put the data back for `downloaded`.
        for event in events.into_iter().rev() {
            self.push_front(event);
        }
    }

    /// Puts an event back at the front of the queue.
    pub fn push_front(&mut self, event: Event) {
        self.events.push_front(event);
    }

    /// All events so far, consumed.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// Downloaded bytes for `op` among the pending events, consumed with them up to its end.
    /// The session answers a PWD: its replies are in step with its commands.
    pub fn expect_in_step(&mut self) {
        let pwd = self.session.pwd(self.now);
        self.pump();
        self.expect_command("PWD");
        self.reply("257 \"/\"");
        assert!(self.result(pwd).is_ok(), "the session is out of step");
    }

    pub fn downloaded(&mut self, op: OpId) -> (Vec<u8>, Result<Value, Error>) {
        let mut bytes = Vec::new();
        while let Some(event) = self.events.pop_front() {
            match event {
                Event::Data { op: id, data } if id == op => bytes.extend(data),
                Event::Done { op: id, value } if id == op => return (bytes, Ok(value)),
                Event::Failed { op: id, error } if id == op => return (bytes, Err(error)),
                _ => {}
            }
        }
        panic!("operation {op:?} has not ended");
    }
}

/// A FEAT reply with the given feature lines.
pub fn feat(features: &[&str]) -> String {
    let mut out = String::from("211-Features:\n");
    for f in features {
        out.push(' ');
        out.push_str(f);
        out.push('\n');
    }
    out.push_str("211 End");
    out
}

pub fn config() -> Config {
    let mut config = Config::new("ftp.example.com", 21);
    config.transfer_keepalive = None;
    // Plain FTP: the scripts below start at USER; the TLS scenarios set their mode.
    config.tls = TlsMode::Plain;
    config
}
