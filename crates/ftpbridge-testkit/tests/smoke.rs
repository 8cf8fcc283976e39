//! Each server, as the testkit configures it, works in every mode a client uses: login,
//! FEAT, a LIST over an EPSV data connection, a STOR over PASV (twice, the second
//! replacing the first, with a UTF-8 file name), a RETR over PORT and an NLST over EPRT,
//! checked against the files on disk. The client is a few lines over `std::net` written
//! here, so that a failure points at the server's configuration, not at ftpbridge.
//!
//! The helpers for fault tests work too: `kill` and `restart` (same port, same files),
//! `freeze` and `thaw`, and the pyftpdlib that cuts its data connections
//! (`start_with_fault`).
//!
//! Outside CI, a server that is not installed is skipped; with `CI=true` it fails.

use ftpbridge_testkit::{Fault, RealServer, ServerKind, process};
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

fn login(server: &RealServer) -> Control<'_> {
    let mut control = Control::connect(server);
    control.command(&format!("USER {}", server.user()), 331);
    control.command(&format!("PASS {}", server.password()), 230);
    control.command("TYPE I", 200);
    control
}

/// Reads a data connection to its end, EOF or error; the bytes and the error.
fn read_until_end(mut data: TcpStream) -> (Vec<u8>, Option<std::io::ErrorKind>) {
    let mut bytes = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match data.read(&mut buffer) {
            Ok(0) => return (bytes, None),
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(e) => return (bytes, Some(e.kind())),
        }
    }
}

/// `kill` ends the server with its sessions but keeps its files and ports; `restart`
/// brings it back on the same port, serving the same directory.
fn kill_and_restart(kind: ServerKind) {
    let Some(mut server) = RealServer::start(kind) else { return };
    server.write_file("kept.txt", b"kept\n");
    let port = server.port();
    let Control { mut reader, .. } = login(&server);
    let processes = server.processes();
    assert!(!processes.is_empty() && server.is_running(), "{kind}: {processes:?}");

    server.kill();
    assert!(!server.is_running() && server.processes().is_empty(), "{kind}");
    for pid in processes {
        assert!(!process::is_running(pid), "{kind}: process {pid} survived");
    }
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(), "{kind} still listens");
    let mut rest = Vec::new();
    if let Err(e) = reader.read_to_end(&mut rest) {
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{kind}: {e}");
    }

    server.restart();
    assert!(server.is_running());
    assert_eq!(server.port(), port);
    let mut control = login(&server);
    let data = control.epsv();
    control.start_transfer("RETR kept.txt");
    assert_eq!(read_all(data), b"kept\n", "{kind}");
    control.expect(226);
    store(&mut control, "new.txt", b"new\n");
    assert_eq!(server.read_file("new.txt"), b"new\n");
    control.command("QUIT", 221);
}

#[test]
fn vsftpd_kill_and_restart() {
    kill_and_restart(ServerKind::Vsftpd);
}

#[test]
fn proftpd_kill_and_restart() {
    kill_and_restart(ServerKind::Proftpd);
}

#[test]
fn pure_ftpd_kill_and_restart() {
    kill_and_restart(ServerKind::PureFtpd);
}

#[test]
fn pyftpdlib_kill_and_restart() {
    kill_and_restart(ServerKind::Pyftpdlib);
}

/// A frozen server answers nothing (checked with a short read timeout: a stopped
/// process cannot answer however long one waits); thawed, it answers.
fn freeze_and_thaw(kind: ServerKind) {
    let Some(server) = RealServer::start(kind) else { return };
    let mut control = login(&server);
    server.freeze();
    assert!(server.is_running(), "{kind}: frozen is still running");
    control.send("NOOP");
    control.reader.get_ref().set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut line = String::new();
    let frozen = control.reader.read_line(&mut line);
    assert!(frozen.is_err(), "{kind} answered while frozen: {line:?}");
    server.thaw();
    control.reader.get_ref().set_read_timeout(Some(TIMEOUT)).unwrap();
    control.expect(200);
    control.command("QUIT", 221);
}

#[test]
fn vsftpd_freeze_and_thaw() {
    freeze_and_thaw(ServerKind::Vsftpd);
}

#[test]
fn pyftpdlib_freeze_and_thaw() {
    freeze_and_thaw(ServerKind::Pyftpdlib);
}

const FILE_SIZE: usize = 1_000_000;
const CUT_AFTER: u64 = 300_000;

fn file() -> Vec<u8> {
    (0..FILE_SIZE as u32).map(|i| (i * 31 % 253) as u8).collect()
}

/// A download with a fault: the first RETR is cut after exactly `CUT_AFTER` bytes,
/// with a reset or an EOF and the reply `code`; the next RETR is whole.
fn faulty_download(fault: Fault, error: Option<std::io::ErrorKind>, code: u16) {
    let Some(server) = RealServer::start_with_fault(fault) else { return };
    assert_eq!(server.fault(), Some(fault));
    let file = file();
    server.write_file("file.bin", &file);
    let mut control = login(&server);
    // A listing is never cut.
    let data = control.epsv();
    control.start_transfer("LIST");
    read_all(data);
    control.expect(226);

    let data = control.epsv();
    control.start_transfer("RETR file.bin");
    let (bytes, ended) = read_until_end(data);
    control.expect(code);
    assert_eq!(ended, error, "{fault:?}");
    assert_eq!(bytes.len() as u64, CUT_AFTER, "{fault:?}");
    assert!(bytes == file[..bytes.len()], "{fault:?}: wrong bytes");

    let data = control.epsv();
    control.start_transfer("RETR file.bin");
    assert!(read_all(data) == file, "{fault:?}: the second download differs");
    control.expect(226);
    control.command("QUIT", 221);
}

/// An upload with a fault: the server writes exactly `CUT_AFTER` bytes, then cuts the
/// data connection and replies `code`; the next STOR is whole.
fn faulty_upload(fault: Fault, code: u16) {
    let Some(server) = RealServer::start_with_fault(fault) else { return };
    let file = file();
    let mut control = login(&server);
    let mut data = control.epsv();
    control.start_transfer("STOR file.bin");
    // The server stops reading: writing fails at some point, or not.
    let _ = data.write_all(&file);
    let _ = data.shutdown(Shutdown::Write);
    control.expect(code);
    drop(data);
    let stored = server.read_file("file.bin");
    assert_eq!(stored.len() as u64, CUT_AFTER, "{fault:?}");
    assert!(stored == file[..stored.len()], "{fault:?}: wrong bytes");

    store(&mut control, "file.bin", &file);
    assert!(server.read_file("file.bin") == file, "{fault:?}: the second upload differs");
    control.command("QUIT", 221);
}

#[test]
fn fault_reset_data_download() {
    faulty_download(Fault::ResetData { after: CUT_AFTER }, Some(std::io::ErrorKind::ConnectionReset), 426);
}

#[test]
fn fault_truncate_data_download() {
    faulty_download(Fault::TruncateData { after: CUT_AFTER }, None, 226);
}

#[test]
fn fault_reset_data_upload() {
    faulty_upload(Fault::ResetData { after: CUT_AFTER }, 426);
}

#[test]
fn fault_truncate_data_upload() {
    faulty_upload(Fault::TruncateData { after: CUT_AFTER }, 226);
}
