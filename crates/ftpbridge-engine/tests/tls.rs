//! FTPS decisions (RFC 4217) against scripted servers: the login with AUTH TLS, PBSZ
//! and PROT; implicit TLS; when a refused AUTH TLS may go on in plain; protected data
//! connections; TLS failures as codes.

mod util;

use ftpbridge_engine::{
    Config, ErrorKind, Event, ListOptions, SocketError, SocketId, StoreOptions, TlsInfo, TlsMode, Value,
    listing::DateTime,
};
use std::time::Duration;
use util::{Harness, Request, feat};

fn tls_config(mode: TlsMode) -> Config {
    let mut config = util::config();
    config.tls = mode;
    config
}

fn info() -> TlsInfo {
    TlsInfo {
        version: "TLS 1.3".into(),
        cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
        resumed: false,
        certificate: None,
        trusted_by: Some("authority".into()),
    }
}

fn secured(h: &mut Harness, socket: SocketId) {
    h.session.handle_secured(h.now, socket, info());
    h.pump();
}

/// Logs in with explicit TLS as `user`/`pass`; returns the Ready event's info.
fn explicit_login(h: &mut Harness, user: &str, pass: &str) -> ftpbridge_engine::ServerInfo {
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("234 Proceed with negotiation.");
    h.expect_request(Request::StartTls { socket: SocketId::CONTROL });
    // Nothing goes out in plain while the handshake runs.
    h.expect_no_command();
    secured(h, SocketId::CONTROL);
    h.expect_command(&format!("USER {user}"));
    h.reply("331 Please specify the password.");
    h.expect_command(&format!("PASS {pass}"));
    h.reply("230 Login successful.");
    h.expect_command("PBSZ 0");
    h.reply("200 PBSZ set to 0.");
    h.expect_command("PROT P");
    h.reply("200 PROT now Private.");
    h.expect_command("FEAT");
    h.reply(&feat(&["EPSV", "PASV", "SIZE", "AUTH TLS", "PBSZ", "PROT"]));
    h.expect_command("TYPE I");
    h.reply("200 Switching to Binary mode.");
    h.expect_command("PWD");
    h.reply("257 \"/\" is the current directory");
    match h.next_event() {
        Event::Ready(info) => info,
        other => panic!("expected Ready, got {other:?}"),
    }
}

fn closed_with(h: &mut Harness) -> ftpbridge_engine::Error {
    loop {
        match h.next_event() {
            Event::Closed { error: Some(error) } => return error,
            Event::Closed { error: None } => panic!("closed without an error"),
            _ => {}
        }
    }
}

#[test]
fn explicit_tls_logs_in_inside_tls_and_protects_data() {
    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("alice", "s3cret"));
    let info = explicit_login(&mut h, "alice", "s3cret");
    assert_eq!(info.tls.as_ref().map(|t| t.version.as_str()), Some("TLS 1.3"));
    assert!(info.data_protected);
    assert!(h.session.data_protected());
}

#[test]
fn protected_data_connections_start_tls_as_they_open() {
    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("alice", "pw"));
    explicit_login(&mut h, "alice", "pw");

    // A listing: TLS starts as soon as the data connection opens, and the command goes
    // out at once (vsftpd starts its side only once it has the command).
    let now = DateTime::from_unix_seconds(1_700_000_000);
    let op = h.session.list(h.now, None, ListOptions { all: false, now });
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 Entering Extended Passive Mode (|||40000|)");
    let data = h.expect_connect("192.0.2.10", 40000);
    h.data_connected(data);
    h.expect_request(Request::StartTls { socket: data });
    h.expect_command("LIST");
    h.reply("150 Here comes the directory listing.");
    secured(&mut h, data);
    h.data(data, b"-rw-r--r-- 1 ftp ftp 5 Jan 01 2024 a.txt\r\n");
    h.eof(data);
    h.reply("226 Directory send OK.");
    match h.result(op).unwrap() {
        Value::Listed { count } => assert_eq!(count, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn uploads_wait_for_the_data_handshake() {
    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("alice", "pw"));
    explicit_login(&mut h, "alice", "pw");
    let op = h.session.store(h.now, "up.bin", StoreOptions::default());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 Entering Extended Passive Mode (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_request(Request::StartTls { socket: data });
    h.expect_command("STOR up.bin");
    h.reply("150 Ok to send data.");
    assert!(
        !h.take_events().iter().any(|e| matches!(e, Event::UploadReady { .. })),
        "no upload bytes before the data connection's TLS is up"
    );
    secured(&mut h, data);
    let ready =
        h.take_events().into_iter().any(|e| matches!(e, Event::UploadReady { op: id, .. } if id == op));
    assert!(ready, "the upload starts once the handshake finished");
}

#[test]
fn implicit_tls_starts_before_the_greeting() {
    let mut config = tls_config(TlsMode::Implicit).with_login("alice", "pw");
    config.port = 990;
    let mut h = Harness::new(config);
    h.connected();
    h.expect_request(Request::StartTls { socket: SocketId::CONTROL });
    secured(&mut h, SocketId::CONTROL);
    h.reply("220 Welcome");
    h.expect_command("USER alice");
    h.reply("331 Password?");
    h.expect_command("PASS pw");
    h.reply("230 ok");
    h.expect_command("PBSZ 0");
}

#[test]
fn if_available_goes_on_in_plain_only_for_an_anonymous_login() {
    let mut h = Harness::new(tls_config(TlsMode::IfAvailable));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("500 Unknown command.");
    h.expect_command("USER anonymous");
    h.reply("331 Password?");
    h.expect_command("PASS anonymous@");
    h.reply("230 ok");
    // No TLS: no PBSZ/PROT.
    h.expect_command("FEAT");

    let mut h = Harness::new(tls_config(TlsMode::IfAvailable).with_login("alice", "s3cret"));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("502 Command not implemented.");
    h.expect_no_command();
    let error = closed_with(&mut h);
    assert_eq!(error.kind(), ErrorKind::TlsUnavailable);
    assert_eq!(error.detail(), Some("password"));
}

#[test]
fn a_host_that_did_tls_before_is_not_taken_in_plain() {
    let mut config = tls_config(TlsMode::IfAvailable);
    config.expect_tls = true;
    let mut h = Harness::new(config);
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("500 AUTH not understood");
    h.expect_no_command();
    let error = closed_with(&mut h);
    assert_eq!(error.kind(), ErrorKind::TlsDowngrade);
    assert_eq!(error.kind().as_str(), "tls_downgrade");
}

#[test]
fn require_fails_when_the_server_offers_no_tls_or_no_protected_data() {
    let mut h = Harness::new(tls_config(TlsMode::Require));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("530 Please login with USER and PASS.");
    let error = closed_with(&mut h);
    assert_eq!((error.kind(), error.detail()), (ErrorKind::TlsUnavailable, Some("required")));

    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("a", "b"));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("234 ok");
    h.expect_request(Request::StartTls { socket: SocketId::CONTROL });
    secured(&mut h, SocketId::CONTROL);
    h.expect_command("USER a");
    h.reply("331 pw");
    h.expect_command("PASS b");
    h.reply("230 in");
    h.expect_command("PBSZ 0");
    h.reply("200 ok");
    h.expect_command("PROT P");
    h.reply("536 PROT P not supported");
    let error = closed_with(&mut h);
    assert_eq!((error.kind(), error.detail()), (ErrorKind::TlsUnavailable, Some("data")));
}

#[test]
fn a_handshake_that_never_finishes_times_out() {
    let mut h = Harness::new(tls_config(TlsMode::Require));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("234 ok");
    h.advance(Duration::from_secs(21));
    let error = closed_with(&mut h);
    assert_eq!(error.kind(), ErrorKind::Tls);
    assert_eq!(error.detail(), Some("handshake"));
}

#[test]
fn a_refused_certificate_closes_the_session_with_its_code() {
    let mut h = Harness::new(tls_config(TlsMode::Require));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("AUTH TLS");
    h.reply("234 ok");
    h.error(
        SocketId::CONTROL,
        SocketError::Tls {
            kind: ErrorKind::Certificate,
            detail: "self_signed",
            message: "the server's certificate is self-signed".into(),
            certificate: None,
        },
    );
    let error = closed_with(&mut h);
    assert_eq!(error.kind(), ErrorKind::Certificate);
    assert_eq!(error.detail(), Some("self_signed"));
    assert!(error.message().starts_with("TLS with ftp.example.com:21 failed"), "{error}");
}

#[test]
fn a_truncated_protected_download_of_unknown_size_is_incomplete() {
    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("alice", "pw"));
    explicit_login(&mut h, "alice", "pw");
    let op = h.session.retrieve(h.now, "f.bin", 0);
    h.pump();
    h.expect_command("SIZE f.bin");
    h.reply("550 Could not get file size.");
    h.expect_command("EPSV");
    h.reply("229 Entering Extended Passive Mode (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_request(Request::StartTls { socket: data });
    h.expect_command("RETR f.bin");
    h.reply("150 Opening BINARY mode data connection.");
    secured(&mut h, data);
    h.data(data, b"partial");
    h.error(
        data,
        SocketError::Tls {
            kind: ErrorKind::Tls,
            detail: "truncated",
            message: "the server closed the connection without ending TLS".into(),
            certificate: None,
        },
    );
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"partial");
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Incomplete);
}

#[test]
fn raw_refuses_commands_that_would_break_tls() {
    let mut h = Harness::new(tls_config(TlsMode::Require).with_login("alice", "pw"));
    explicit_login(&mut h, "alice", "pw");
    for line in ["AUTH TLS", "PROT C", "CCC", "PBSZ 0"] {
        let op = h.session.raw(h.now, line);
        h.pump();
        h.expect_no_command();
        assert_eq!(h.result(op).unwrap_err().kind(), ErrorKind::InvalidInput, "{line}");
    }
}
