//! The session state machine under an arbitrary sequence of inputs: commands from the
//! user, replies from a server (realistic ones and garbage), data, EOFs, errors and
//! time passing, in any order.

use ftpbridge_engine::listing::DateTime;
use ftpbridge_engine::{
    Config, DataMode, Event, Instant, ListOptions, OpId, Output, Session, SocketError, SocketId, StoreMode,
    StoreOptions, TlsInfo, TlsMode,
};
use std::collections::HashSet;
use std::time::Duration;

/// Replies a server might send, in wire form.
const REPLIES: &[&[u8]] = &[
    b"120 Ready in 1 minute\r\n",
    b"220 Welcome\r\n",
    b"220-multi\r\n220 line\r\n",
    b"331 Password required\r\n",
    b"332 Need account\r\n",
    b"230 Logged in\r\n",
    b"530 Login incorrect\r\n",
    b"211-Features:\r\n MLST type*;size*;modify*;\r\n UTF8\r\n EPSV\r\n211 End\r\n",
    b"211 No features\r\n",
    b"200 OK\r\n",
    b"257 \"/home/u\" is cwd\r\n",
    b"257 \"/a \"\"q\"\"\" created\r\n",
    b"229 Entering Extended Passive Mode (|||40000|)\r\n",
    b"229 Entering Extended Passive Mode (|||1000000|)\r\n",
    b"227 Entering Passive Mode (10,0,0,1,156,64)\r\n",
    b"227 =1,2,3,4,0,0\r\n",
    b"150 Opening BINARY mode data connection for f (5 bytes).\r\n",
    b"125 Data connection already open\r\n",
    b"226 Transfer complete\r\n",
    b"226-multi\r\n226 done\r\n",
    b"250 OK\r\n",
    b"250-Listing\r\n type=file;size=5; f\r\n250 End\r\n",
    b"350 Ready\r\n",
    b"213 5\r\n",
    b"213 20240102030405\r\n",
    b"421 Timeout\r\n",
    b"425 Cannot open data connection\r\n",
    b"426 Transfer aborted\r\n",
    b"225 No transfer to ABOR\r\n",
    b"451 Local error\r\n",
    b"500 Unknown command\r\n",
    b"502 Not implemented\r\n",
    b"550 No such file\r\n",
    b"552 Disk full\r\n",
    b"221 Bye\r\n",
];

/// A little reader over the fuzzer's bytes.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn bytes(&mut self) -> &[u8] {
        let n = usize::from(self.byte().unwrap_or(0)).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

/// Interprets the bytes as a program of inputs; checks that nothing panics, that an
/// operation ends at most once, that the session closes at most once, and that every
/// operation has ended once the session is closed.
pub fn session_ops(data: &[u8]) {
    let mut input = Input(data);
    let mut config = Config::new("ftp.example.com", 21).with_login("u", "p");
    config.mode = match input.byte().unwrap_or(0) % 3 {
        0 => DataMode::Auto,
        1 => DataMode::Passive,
        _ => DataMode::Active,
    };
    config.tls = [TlsMode::Plain, TlsMode::IfAvailable, TlsMode::Require, TlsMode::Implicit]
        [usize::from(input.byte().unwrap_or(0) % 4)];
    config.expect_tls = input.byte().unwrap_or(0) & 1 == 1;
    config.transfer_keepalive = Some(Duration::from_secs(30));
    config.idle_keepalive = Some(Duration::from_secs(45));
    let mut now = Instant::ZERO;
    let mut session = Session::new(config, now);
    let mut state = Checks::default();
    let mut sockets: Vec<SocketId> = Vec::new();
    let now_date = DateTime::from_unix_seconds(1_700_000_000);
    while let Some(op) = input.byte() {
        let pick = |n: u8, list: &[SocketId]| list.get(usize::from(n) % list.len().max(1)).copied();
        match op % 20 {
            0 => state.start(session.list(now, None, ListOptions { all: op & 0x80 != 0, now: now_date })),
            1 => state.start(session.list(
                now,
                Some("dir [x]".into()),
                ListOptions { all: false, now: now_date },
            )),
            2 => state.start(session.retrieve(now, "f", u64::from(input.byte().unwrap_or(0)))),
            3 => {
                let mode =
                    [StoreMode::Replace, StoreMode::Append, StoreMode::Resume][usize::from(op / 20) % 3];
                state.start(session.store(now, "f", StoreOptions { mode, local_size: Some(10) }))
            }
            4 => state.start(session.mkdir(now, "d")),
            5 => state.start(session.rename(now, "a", "b")),
            6 => state.start(session.stat(now, "f")),
            7 => {
                if let Some(&id) =
                    state.started.get(usize::from(input.byte().unwrap_or(0)) % state.started.len().max(1))
                {
                    session.abort(now, id);
                }
            }
            8 => {
                if let Some(&id) = state.started.last() {
                    let bytes = input.bytes().to_vec();
                    let _ = session.upload(now, id, bytes);
                    if op & 0x80 != 0 {
                        let _ = session.finish_upload(now, id);
                    }
                }
            }
            9..=11 => {
                let reply = REPLIES[usize::from(input.byte().unwrap_or(0)) % REPLIES.len()];
                session.handle_data(now, SocketId::CONTROL, reply);
            }
            12 => {
                let bytes = input.bytes().to_vec();
                session.handle_data(now, SocketId::CONTROL, bytes);
            }
            13 => {
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    let bytes = input.bytes().to_vec();
                    session.handle_data(now, socket, bytes);
                }
            }
            14 => {
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    match op / 20 {
                        0..=3 => session.handle_eof(now, socket),
                        4..=8 => session.handle_sent(now, socket, usize::from(input.byte().unwrap_or(0))),
                        _ => session.handle_local_stall(now, op & 0x80 != 0),
                    }
                }
            }
            15 => {
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    let error = [SocketError::Refused, SocketError::Reset, SocketError::TimedOut]
                        [usize::from(op / 20) % 3]
                        .clone();
                    session.handle_error(now, socket, error);
                }
            }
            16 => {
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    session.handle_connected(
                        now,
                        socket,
                        Some("192.0.2.1:21".parse().unwrap_or_else(|_| unreachable!())),
                    );
                }
            }
            17 => {
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    let addr = "198.51.100.7:50000".parse().unwrap_or_else(|_| unreachable!());
                    if op & 0x80 == 0 {
                        session.handle_listening(now, socket, addr);
                    } else {
                        session.handle_accepted(now, socket, Some(addr));
                    }
                }
            }
            18 => {
                now = now + Duration::from_secs(u64::from(input.byte().unwrap_or(0)));
                session.handle_timeout(now);
                // A timer that fired is re-armed in the future or not at all: a driver
                // that sleeps until `poll_timeout` never spins.
                assert!(session.poll_timeout().is_none_or(|at| at > now), "a deadline in the past");
            }
            19 if op & 0x40 != 0 => {
                // A handshake finished on some socket (the control connection included).
                if let Some(socket) = pick(input.byte().unwrap_or(0), &sockets) {
                    let info = TlsInfo {
                        version: "TLS 1.3".into(),
                        cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
                        resumed: op & 0x80 != 0,
                        certificate: None,
                        trusted_by: Some("authority".into()),
                    };
                    session.handle_secured(now, socket, info);
                }
            }
            _ => {
                if op & 0x80 != 0 {
                    state.start(session.quit(now));
                } else {
                    session.close(now);
                }
            }
        }
        while let Some(output) = session.poll_output() {
            match output {
                Output::Connect { socket, .. } | Output::Listen { socket, .. } => sockets.push(socket),
                Output::Event(event) => state.event(event),
                _ => {}
            }
        }
        if let Some(deadline) = session.poll_timeout() {
            assert!(deadline >= Instant::ZERO);
        }
    }
    if session.is_closed() {
        for id in &state.started {
            assert!(state.ended.contains(id), "operation {id:?} never ended after the session closed");
        }
    }
}

#[derive(Default)]
struct Checks {
    started: Vec<OpId>,
    ended: HashSet<OpId>,
    closed: bool,
}

impl Checks {
    fn start(&mut self, id: OpId) {
        self.started.push(id);
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Done { op, .. } | Event::Failed { op, .. } => {
                assert!(self.ended.insert(op), "operation {op:?} ended twice");
            }
            Event::Closed { .. } => {
                assert!(!self.closed, "the session closed twice");
                self.closed = true;
            }
            _ => {}
        }
    }
}
