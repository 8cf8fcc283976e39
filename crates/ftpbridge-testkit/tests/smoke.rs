//! Each server, as the testkit configures it, works in every mode a client uses: login,
//! FEAT, a LIST over an EPSV data connection, a STOR over PASV (twice, the second
//! replacing the first, with a UTF-8 file name), a RETR over PORT and an NLST over EPRT,
//! checked against the files on disk. The client is a few lines over `std::net` written
//! here, so that a failure points at the server's configuration, not at ftpbridge.
//!
//! Outside CI, a server that is not installed is skipped; with `CI=true` it fails.

use ftpbridge_testkit::{RealServer, ServerKind};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// Bounds every blocking read and accept so that a broken server fails the test.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A control connection with a line reader for (multi-line) replies.
struct Control<'a> {
    server: &'a RealServer,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl<'a> Control<'a> {
    fn connect(server: &'a RealServer) -> Control<'a> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, server.port())).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let writer = stream.try_clone().unwrap();
        let mut control = Control { server, reader: BufReader::new(stream), writer };
        control.expect(220);
        control
    }

    /// Reads one reply: its code and its full text (all lines).
    fn reply(&mut self) -> (u16, String) {
        let mut text = String::new();
        let first = self.line();
        let code: u16 = first.get(..3).and_then(|c| c.parse().ok()).unwrap_or_else(|| {
            panic!("{}: not a reply: {first:?}\n{}", self.server.kind(), self.server.log())
        });
        text.push_str(&first);
        if first.as_bytes().get(3) == Some(&b'-') {
            // Multi-line: up to the line that starts with the code and a space.
            let end = format!("{code} ");
            loop {
                let line = self.line();
                text.push_str(&line);
                if line.starts_with(&end) {
                    break;
                }
            }
        }
        (code, text)
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(n) if n > 0 => line,
            result => {
                panic!("{}: control connection ended ({result:?})\n{}", self.server.kind(), self.server.log())
            }
        }
    }

    /// Reads a reply and checks its code.
    fn expect(&mut self, code: u16) -> String {
        let (got, text) = self.reply();
        assert_eq!(got, code, "{}: {text}\n{}", self.server.kind(), self.server.log());
        text
    }

    fn send(&mut self, command: &str) {
        self.writer.write_all(format!("{command}\r\n").as_bytes()).unwrap();
    }

    /// Sends a command and checks the reply's code.
    fn command(&mut self, command: &str, code: u16) -> String {
        self.send(command);
        self.expect(code)
    }

    /// Sends a transfer command and reads its preliminary 125/150 reply.
    fn start_transfer(&mut self, command: &str) {
        self.send(command);
        let (code, text) = self.reply();
        assert!(
            code == 125 || code == 150,
            "{}: {command}: {text}\n{}",
            self.server.kind(),
            self.server.log()
        );
    }

    /// EPSV, then connects to the port it names.
    fn epsv(&mut self) -> TcpStream {
        let text = self.command("EPSV", 229);
        let port = text
            .split("|||")
            .nth(1)
            .and_then(|rest| rest.split('|').next())
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("bad EPSV reply: {text}"));
        self.data_to(port)
    }

    /// PASV, then connects to the address it names (which must be 127.0.0.1).
    fn pasv(&mut self) -> TcpStream {
        let text = self.command("PASV", 227);
        let numbers: Vec<u16> = text
            .split(['(', ')'])
            .nth(1)
            .unwrap_or_else(|| panic!("bad PASV reply: {text}"))
            .split(',')
            .map(|n| n.trim().parse().unwrap())
            .collect();
        assert_eq!(numbers[..4], [127, 0, 0, 1], "{text}");
        self.data_to(numbers[4] * 256 + numbers[5])
    }

    fn data_to(&self, port: u16) -> TcpStream {
        assert!(self.server.passive_ports().contains(&port), "port {port} is outside the range");
        let data = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("data connection");
        data.set_read_timeout(Some(TIMEOUT)).unwrap();
        data
    }
}

/// A listener for an active-mode data connection that accepts with a deadline.
struct Active {
    port: u16,
    accepted: mpsc::Receiver<std::io::Result<TcpStream>>,
}

impl Active {
    fn listen() -> Active {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, accepted) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(listener.accept().map(|(stream, _)| stream));
        });
        Active { port, accepted }
    }

    fn accept(self) -> TcpStream {
        let data = self.accepted.recv_timeout(TIMEOUT).expect("the server connected back in time").unwrap();
        data.set_read_timeout(Some(TIMEOUT)).unwrap();
        data
    }
}

fn read_all(mut data: TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes).expect("read the data connection");
    bytes
}

fn store(control: &mut Control<'_>, name: &str, contents: &[u8]) {
    let mut data = control.pasv();
    control.start_transfer(&format!("STOR {name}"));
    data.write_all(contents).unwrap();
    data.shutdown(Shutdown::Write).unwrap();
    drop(data);
    control.expect(226);
}

fn smoke(kind: ServerKind) {
    let Some(server) = RealServer::start(kind) else { return };
    let download: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    server.write_file("download.bin", &download);
    server.create_dir("sub dir");

    let mut control = Control::connect(&server);
    control.command(&format!("USER {}", server.user()), 331);
    control.command(&format!("PASS {}", server.password()), 230);
    let features = control.command("FEAT", 211);
    for feature in ["UTF8", "EPSV", "EPRT", "SIZE", "MDTM", "REST STREAM"] {
        assert!(features.contains(feature), "{kind}: FEAT lacks {feature}: {features}");
    }
    assert_eq!(features.contains("MLST"), server.has_mlsd(), "{kind}: {features}");
    control.command("OPTS UTF8 ON", if kind.accepts_opts_utf8() { 200 } else { 504 });
    control.command("TYPE I", 200);

    // LIST over EPSV.
    let data = control.epsv();
    control.start_transfer("LIST");
    let listing = String::from_utf8(read_all(data)).unwrap();
    control.expect(226);
    assert!(listing.contains("download.bin"), "{kind}: {listing}");
    assert!(listing.contains("sub dir"), "{kind}: {listing}");

    // STOR over PASV, with a UTF-8 name, then again to replace it.
    let name = "up é Привет.bin";
    store(&mut control, name, b"first version, longer than the second");
    let upload: Vec<u8> = (0..100_000u32).map(|i| (i % 13) as u8).collect();
    store(&mut control, name, &upload);
    assert_eq!(server.read_file(name), upload, "{kind}: uploaded bytes differ");
    let size = control.command(&format!("SIZE {name}"), 213);
    assert_eq!(size.trim_end(), format!("213 {}", upload.len()));

    // RETR over PORT.
    let active = Active::listen();
    let [p1, p2] = active.port.to_be_bytes();
    control.command(&format!("PORT 127,0,0,1,{p1},{p2}"), 200);
    control.start_transfer("RETR download.bin");
    let bytes = read_all(active.accept());
    control.expect(226);
    assert!(bytes == download, "{kind}: RETR over PORT gave {} bytes", bytes.len());

    // NLST over EPRT.
    let active = Active::listen();
    control.command(&format!("EPRT |1|127.0.0.1|{}|", active.port), 200);
    control.start_transfer("NLST");
    let names = String::from_utf8(read_all(active.accept())).unwrap();
    control.expect(226);
    assert!(names.lines().any(|l| l == name), "{kind}: {names:?}");

    control.command("QUIT", 221);

    // Dropping the server ends the sessions still open, not only the listener.
    let mut open = Control::connect(&server);
    open.command(&format!("USER {}", server.user()), 331);
    open.command(&format!("PASS {}", server.password()), 230);
    let Control { mut reader, .. } = open;
    let port = server.port();
    drop(server);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(), "{kind} still listens after drop");
    let mut rest = Vec::new();
    match reader.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{kind}: {e}"),
    }
}

#[test]
fn vsftpd() {
    smoke(ServerKind::Vsftpd);
}

#[test]
fn proftpd() {
    smoke(ServerKind::Proftpd);
}

#[test]
fn pure_ftpd() {
    smoke(ServerKind::PureFtpd);
}

#[test]
fn pyftpdlib() {
    smoke(ServerKind::Pyftpdlib);
}

/// Several servers of one kind at once get different ports and directories.
#[test]
fn concurrent_servers_do_not_collide() {
    let servers: Vec<RealServer> = (0..3).filter_map(|_| RealServer::start(ServerKind::Pyftpdlib)).collect();
    for (i, a) in servers.iter().enumerate() {
        for b in &servers[i + 1..] {
            assert_ne!(a.port(), b.port());
            assert_ne!(a.root(), b.root());
            let (pa, pb) = (a.passive_ports(), b.passive_ports());
            assert!(pa.end() < pb.start() || pb.end() < pa.start());
        }
    }
}
