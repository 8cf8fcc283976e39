//! The engine against scripted server transcripts on a virtual clock.

mod util;

use ftpbridge_engine::listing::{DateTime, Kind};
use ftpbridge_engine::{
    Config, DataMode, ErrorKind, Event, ListOptions, SocketError, SocketId, StoreMode, StoreOptions, Value,
};
use std::time::Duration;
use util::{Harness, Request, config, feat};

fn list_options() -> ListOptions {
    ListOptions { all: false, now: DateTime::new(2024, 6, 1, 12, 0, 0).unwrap() }
}

const PLAIN: &str = "211-Features:\n SIZE\n MDTM\n REST STREAM\n211 End";

/// Runs a passive download of `path` (SIZE → EPSV → RETR) up to the 150 reply.
fn start_download(h: &mut Harness, path: &str, size: u64) -> (ftpbridge_engine::OpId, SocketId) {
    let op = h.session.retrieve(h.now, path, 0);
    h.pump();
    h.expect_command(&format!("SIZE {path}"));
    h.reply(&format!("213 {size}"));
    h.expect_command("EPSV");
    h.reply("229 Entering Extended Passive Mode (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command(&format!("RETR {path}"));
    h.reply(&format!("150 Opening BINARY mode data connection for {path} ({size} bytes)."));
    (op, data)
}

#[test]
fn login_with_greeting_120_then_220_and_password() {
    let mut h = Harness::new(config().with_login("alice", "s3cret"));
    h.connected();
    h.reply("120 Service ready in 1 minute");
    h.expect_no_command();
    h.reply("220 ready");
    h.expect_command("USER alice");
    h.reply("331 Password required");
    h.expect_command("PASS s3cret");
    h.reply("230 Logged in");
    h.expect_command("FEAT");
    h.reply(&feat(&["UTF8", "EPSV", "MLST type*;size*;modify*;"]));
    h.expect_command("OPTS UTF8 ON");
    h.reply("504 Unknown command"); // pure-ftpd answers this though FEAT lists UTF8
    h.expect_command("TYPE I");
    h.reply("200 TYPE is now 8-bit binary");
    h.expect_command("PWD");
    h.reply("257 \"/home/alice\" is your current location");
    match h.next_event() {
        Event::Ready(info) => {
            assert_eq!(info.home.unwrap().text, "/home/alice");
            assert!(info.features.has("MLST"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn transcript_masks_the_password() {
    let mut session = ftpbridge_engine::Session::new(
        config().with_login("alice", "hunter2"),
        ftpbridge_engine::Instant::ZERO,
    );
    let now = ftpbridge_engine::Instant::ZERO;
    session.handle_connected(now, SocketId::CONTROL, None);
    session.handle_data(now, SocketId::CONTROL, b"220 hi\r\n331 pass\r\n");
    let mut transcript = Vec::new();
    let mut wire = Vec::new();
    while let Some(output) = session.poll_output() {
        match output {
            ftpbridge_engine::Output::Event(Event::Log(line)) => transcript.push(format!("{line:?}")),
            ftpbridge_engine::Output::Send { data, .. } => wire.extend(data),
            _ => {}
        }
    }
    assert!(String::from_utf8(wire).unwrap().contains("PASS hunter2\r\n"));
    let transcript = transcript.join("\n");
    assert!(transcript.contains("PASS ****"), "{transcript}");
    assert!(!transcript.contains("hunter2"), "{transcript}");
}

#[test]
fn greeting_421_closes_with_the_reply() {
    let mut h = Harness::new(config());
    h.connected();
    h.reply("421 Too many connections");
    match h.next_event() {
        Event::Closed { error: Some(error) } => {
            assert_eq!(error.kind(), ErrorKind::Connection);
            assert!(error.to_string().contains("421 Too many connections"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_that_takes_no_more_sessions_is_busy_not_a_wrong_password() {
    // proftpd's MaxClientsPerHost answers the password with 530.
    let mut h = Harness::new(config().with_login("alice", "right"));
    let _op = h.session.pwd(h.now);
    h.connected();
    h.reply("220 hi");
    h.expect_command("USER alice");
    h.reply("331 Password required");
    h.expect_command("PASS right");
    h.reply("530 Sorry, the maximum number of clients (2) from your host are already connected.");
    match h.take_events().last() {
        Some(Event::Closed { error: Some(error) }) => {
            assert_eq!((error.kind(), error.detail()), (ErrorKind::Connection, Some("server_busy")));
            assert_eq!(error.reply_code(), Some(530));
        }
        other => panic!("{other:?}"),
    }
    // vsftpd's max_per_ip refuses at the greeting with 421.
    let mut h = Harness::new(config().with_login("alice", "right"));
    let _op = h.session.pwd(h.now);
    h.connected();
    h.reply("421 There are too many connections from your internet address.");
    match h.take_events().last() {
        Some(Event::Closed { error: Some(error) }) => assert_eq!(error.detail(), Some("server_busy")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_password_is_a_login_error() {
    let mut h = Harness::new(config().with_login("alice", "wrong"));
    let op = h.session.pwd(h.now);
    h.connected();
    h.reply("220 hi");
    h.expect_command("USER alice");
    h.reply("331 Password required");
    h.expect_command("PASS wrong");
    h.reply("530 Login incorrect.");
    let events = h.take_events();
    let failed = events.iter().find_map(|e| match e {
        Event::Failed { op: id, error } if *id == op => Some(error.clone()),
        _ => None,
    });
    assert_eq!(failed.unwrap().kind(), ErrorKind::Login);
    match events.last() {
        Some(Event::Closed { error: Some(error) }) => {
            assert_eq!(error.kind(), ErrorKind::Login);
            assert_eq!(error.reply_code(), Some(530));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn account_requested_with_332() {
    let mut config = config().with_login("bob", "pw");
    config.account = Some("billing".into());
    let mut h = Harness::new(config);
    h.connected();
    h.reply("220 hi");
    h.expect_command("USER bob");
    h.reply("331 Password required");
    h.expect_command("PASS pw");
    h.reply("332 Need account for login.");
    h.expect_command("ACCT billing");
    h.reply("230 Logged in with account");
    h.expect_command("FEAT");
}

#[test]
fn account_requested_but_none_configured() {
    let mut h = Harness::new(config().with_login("bob", "pw"));
    h.connected();
    h.reply("220 hi");
    h.expect_command("USER bob");
    h.reply("332 Need account for login.");
    match h.next_event() {
        Event::Closed { error: Some(error) } => {
            assert_eq!(error.kind(), ErrorKind::Login);
            assert!(error.message().contains("account"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn epsv_refused_then_pasv_and_remembered() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let first = h.session.retrieve(h.now, "a.txt", 0);
    h.pump();
    h.expect_command("SIZE a.txt");
    h.reply("213 5");
    h.expect_command("EPSV");
    h.reply("500 Unknown command.");
    h.expect_command("PASV");
    h.reply("227 Entering Passive Mode (192,0,2,10,156,65).");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command("RETR a.txt");
    h.reply("150 Opening BINARY mode data connection for a.txt (5 bytes).");
    h.data(data, b"hello");
    h.eof(data);
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(first);
    assert_eq!(bytes, b"hello");
    assert_eq!(result.unwrap(), Value::Transferred { bytes: 5 });
    h.expect_request(Request::Close { socket: data });

    let second = h.session.retrieve(h.now, "b.txt", 0);
    h.pump();
    h.expect_command("SIZE b.txt");
    h.reply("213 0");
    h.expect_command("PASV"); // no second EPSV
    let _ = second;
}

#[test]
fn pasv_address_is_replaced_by_the_control_server() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let _op = h.session.retrieve(h.now, "a.txt", 0);
    h.pump();
    h.expect_command("SIZE a.txt");
    h.reply("213 5");
    h.expect_command("EPSV");
    h.reply("502 EPSV not implemented");
    h.expect_command("PASV");
    h.reply("227 Entering Passive Mode (10,0,0,5,4,1)"); // a private address behind NAT
    h.expect_connect("192.0.2.10", 1025);
}

#[test]
fn pasv_address_foreign_host_is_ignored_unless_trusted() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let _ = h.session.retrieve(h.now, "a", 0);
    h.pump();
    h.expect_command("SIZE a");
    h.reply("213 1");
    h.expect_command("EPSV");
    h.reply("500 no");
    h.expect_command("PASV");
    h.reply("227 =203,0,113,99,4,1"); // no parentheses, a third party's address
    h.expect_connect("192.0.2.10", 1025);

    let mut trusting = config();
    trusting.trust_passive_address = true;
    let mut h = Harness::logged_in(trusting, PLAIN);
    let _ = h.session.retrieve(h.now, "a", 0);
    h.pump();
    h.expect_command("SIZE a");
    h.reply("213 1");
    h.expect_command("EPSV");
    h.reply("500 no");
    h.expect_command("PASV");
    h.reply("227 Entering Passive Mode (203,0,113,99,4,1)");
    h.expect_connect("203.0.113.99", 1025);
}

#[test]
fn epsv_port_out_of_range_is_a_clear_error() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve(h.now, "a", 0);
    h.pump();
    h.expect_command("SIZE a");
    h.reply("213 1");
    h.expect_command("EPSV");
    h.reply("229 Entering Extended Passive Mode (|||1000000|)");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(error.to_string().contains("1000000"), "{error}");
    // The session goes on.
    let next = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    h.reply("257 \"/\"");
    assert!(h.result(next).is_ok());
}

#[test]
fn several_replies_in_one_read() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "x.bin", 3);
    h.data(data, b"abc");
    h.eof(data);
    // 226 and the reply to a later command arrive together: each goes to its owner.
    let pwd = h.session.pwd(h.now);
    h.raw(b"226 Transfer complete.\r\n257 \"/\" is cwd\r\n");
    h.expect_command("PWD");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 3 });
    assert!(matches!(h.result(pwd).unwrap(), Value::Path(p) if p.text == "/"));
}

#[test]
fn reply_421_mid_session_fails_everything_with_the_reply() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let first = h.session.size(h.now, "a");
    let second = h.session.size(h.now, "b");
    h.pump();
    h.expect_command("SIZE a");
    h.reply("421 Timeout.");
    let first = h.result(first).unwrap_err();
    assert_eq!(first.kind(), ErrorKind::Connection);
    assert_eq!(first.reply_code(), Some(421));
    assert_eq!(h.result(second).unwrap_err().kind(), ErrorKind::Connection);
    assert!(matches!(h.next_event(), Event::Closed { error: Some(_) }));
    assert!(h.session.is_closed());
    // Later commands fail at once.
    let late = h.session.pwd(h.now);
    h.pump();
    assert_eq!(h.result(late).unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn data_connection_reset_after_150_is_not_complete() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "big.iso", 1000);
    h.data(data, &[7u8; 400]);
    h.error(data, SocketError::Reset);
    h.expect_no_event_but_data(op);
    h.reply("426 Connection closed; transfer aborted.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes.len(), 400);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.reply_code(), Some(426));
}

#[test]
fn reset_then_226_with_missing_bytes_is_incomplete() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "big.iso", 1000);
    h.data(data, &[7u8; 400]);
    h.error(data, SocketError::Reset);
    h.reply("226 Transfer complete.");
    let (_, result) = h.downloaded(op);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Incomplete);
    assert!(error.message().contains("400"), "{error}");
}

#[test]
fn final_226_before_data_eof() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 6);
    h.data(data, b"abc");
    h.reply("226 Transfer complete.");
    h.expect_no_event_but_data(op);
    h.data(data, b"def");
    h.eof(data);
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"abcdef");
    assert_eq!(result.unwrap(), Value::Transferred { bytes: 6 });
}

#[test]
fn the_data_socket_closes_at_the_servers_eof_before_the_226() {
    // proftpd sends 226 only once the client closed its side of the data connection.
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 3);
    h.data(data, b"abc");
    h.eof(data);
    h.expect_request(Request::Close { socket: data });
    h.reply("226 Transfer complete.");
    assert!(h.downloaded(op).1.is_ok());
    let pwd = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    let _ = pwd;
    assert_eq!(h.next_request_or_none(), None, "the socket is released once");
}

#[test]
fn final_226_after_data_eof() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 6);
    h.data(data, b"abcdef");
    h.eof(data);
    h.expect_no_event_but_data(op);
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"abcdef");
    assert!(result.is_ok());
}

#[test]
fn short_file_with_226_is_incomplete() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 10);
    h.data(data, b"abc");
    h.eof(data);
    h.reply("226 Transfer complete.");
    let (_, result) = h.downloaded(op);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Incomplete);
    assert!(error.message().contains("3 of 10"), "{error}");
}

#[test]
fn announced_size_in_150_is_checked_without_size() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("550 SIZE not allowed in ASCII mode");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command("RETR f");
    h.reply("150 Opening data connection for f (8 bytes)");
    h.data(data, b"1234");
    h.eof(data);
    h.reply("226 ok");
    assert_eq!(h.downloaded(op).1.unwrap_err().kind(), ErrorKind::Incomplete);
}

#[test]
fn resume_download_sends_rest_and_counts_the_rest() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve(h.now, "f", 4);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 10");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command("REST 4");
    h.reply("350 Restart position accepted (4).");
    h.expect_command("RETR f");
    h.reply("150 Opening BINARY mode data connection for f (10 bytes).");
    h.data(data, b"456789");
    h.eof(data);
    h.reply("226 ok");
    let events = h.take_events();
    assert!(events.contains(&Event::TransferStarted { op, size: Some(10), offset: 4 }));
    assert!(events.contains(&Event::Done { op, value: Value::Transferred { bytes: 6 } }));
}

#[test]
fn abort_during_download_426_then_226() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "big", 1_000_000);
    h.data(data, &[0u8; 1000]);
    h.session.abort(h.now, op);
    h.pump();
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 Failure writing network stream.");
    h.reply("226 ABOR successful.");
    h.expect_no_event_but_data(op);
    h.reply("257 \"/\" is the current directory");
    let (_, result) = h.downloaded(op);
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Aborted);
    // The session is usable and in step.
    let pwd = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    h.reply("257 \"/\"");
    assert!(h.result(pwd).is_ok());
}

#[test]
fn abort_after_transfer_finished_single_reply() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 3);
    h.data(data, b"abc");
    h.reply("226 Transfer complete."); // complete on the server, EOF not seen yet
    h.session.abort(h.now, op);
    h.pump();
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("225 No transfer to ABOR.");
    h.reply("257 \"/\"");
    assert_eq!(h.downloaded(op).1.unwrap_err().kind(), ErrorKind::Aborted);
}

#[test]
fn abort_before_the_transfer_command_waits_for_the_reply() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.session.abort(h.now, op);
    h.pump();
    h.expect_no_command();
    h.reply("213 3");
    assert_eq!(h.result(op).unwrap_err().kind(), ErrorKind::Aborted);
    let pwd = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    let _ = pwd;
}

#[test]
fn server_that_stops_answering_times_out() {
    let mut config = config();
    config.timeouts.reply = Duration::from_secs(30);
    let mut h = Harness::logged_in(config, PLAIN);
    let op = h.session.size(h.now, "a");
    h.pump();
    h.expect_command("SIZE a");
    h.advance(Duration::from_secs(29));
    h.expect_no_event();
    h.advance(Duration::from_secs(2));
    let error = h.result(op).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message().contains("SIZE a"), "{error}");
    assert!(h.session.is_closed());
}

#[test]
fn stalled_data_connection_times_out_and_aborts() {
    let mut config = config();
    config.timeouts.data_idle = Duration::from_secs(10);
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 100);
    h.data(data, &[1u8; 10]);
    // Data flowing keeps it alive past the reply timeout.
    for _ in 0..5 {
        h.advance(Duration::from_secs(8));
        h.data(data, &[1u8; 10]);
    }
    h.expect_no_command();
    h.advance(Duration::from_secs(11));
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 aborted");
    h.reply("226 ok");
    h.reply("257 \"/\"");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes.len(), 60);
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Timeout);
}

/// A server that freezes mid-transfer answers neither the data connection nor ABOR:
/// the operation fails for the stall, not for the abort's missing reply.
#[test]
fn frozen_server_mid_download_blames_the_stall() {
    let mut config = config();
    config.timeouts.data_idle = Duration::from_secs(3);
    config.timeouts.reply = Duration::from_secs(3);
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 100);
    h.data(data, &[1u8; 10]);
    h.advance(Duration::from_secs(4));
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.advance(Duration::from_secs(4));
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes.len(), 10);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message().contains("idle for 3 s after 10 bytes"), "{error}");
    assert!(error.message().contains("did not answer the abort"), "{error}");
    assert!(h.session.is_closed());
}

#[test]
fn keepalive_noop_during_long_transfer() {
    let mut config = config();
    config.transfer_keepalive = Some(Duration::from_secs(30));
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 4);
    h.advance(Duration::from_secs(20));
    h.data(data, b"ab");
    h.advance(Duration::from_secs(15));
    h.expect_command("NOOP");
    h.data(data, b"cd");
    h.eof(data);
    // vsftpd answers the NOOP only after the transfer's 226.
    h.reply("226 ok");
    h.reply("200 NOOP ok");
    assert!(h.downloaded(op).1.is_ok());
    let pwd = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    h.reply("257 \"/x\"");
    assert!(matches!(h.result(pwd).unwrap(), Value::Path(p) if p.text == "/x"));
}

#[test]
fn keepalive_answered_during_the_transfer() {
    let mut config = config();
    config.transfer_keepalive = Some(Duration::from_secs(30));
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 2);
    h.advance(Duration::from_secs(31));
    h.expect_command("NOOP");
    h.reply("200 NOOP ok");
    h.data(data, b"ab");
    h.eof(data);
    h.reply("226 ok");
    assert!(h.downloaded(op).1.is_ok());
}

#[test]
fn list_enters_the_directory_and_returns() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, Some("dir [1]".into()), list_options());
    h.pump();
    h.expect_command("CWD dir [1]");
    h.reply("250 ok");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("150 Here comes the directory listing.");
    h.data(data, b"drwxr-xr-x 2 0 0 4096 Jan 01 10:00 sub\r\n-rw-r--r-- 1 0 0 12 Jan 01 10:00 a.t");
    h.data(data, b"xt\r\n-rw-r--r-- 1 0 0 3 Jan 01 10:00 .hidden\r\n");
    h.eof(data);
    h.reply("226 Directory send OK.");
    h.expect_command("CWD /");
    h.reply("250 ok");
    let mut names = Vec::new();
    for event in h.take_events() {
        match event {
            Event::Entries { entries, .. } => names.extend(entries.into_iter().map(|e| e.name)),
            Event::Done { op: id, value } if id == op => {
                assert_eq!(value, Value::Listed { count: names.len() })
            }
            _ => {}
        }
    }
    assert!(names.len() >= 2, "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('.')), "hidden names left out: {names:?}");
}

#[test]
fn list_failure_still_returns_to_the_directory() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, Some("d".into()), list_options());
    h.pump();
    h.expect_command("CWD d");
    h.reply("250 ok");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("450 Cannot read directory");
    h.expect_command("CWD /");
    h.reply("250 ok");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.reply_code(), Some(450));
}

#[test]
fn missing_directory_is_not_found() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, Some("nope".into()), list_options());
    h.pump();
    h.expect_command("CWD nope");
    h.reply("550 Failed to change directory.");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    h.expect_no_command();
}

#[test]
fn mlsd_when_offered_and_fallback_when_refused() {
    let features = feat(&["MLST type*;size*;modify*;", "MLSD", "SIZE"]);
    let mut h = Harness::logged_in(config(), &features);
    let op = h.session.list(h.now, Some("pub".into()), ListOptions { all: true, ..list_options() });
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40003|)");
    let data = h.expect_connect("192.0.2.10", 40003);
    h.data_connected(data);
    h.expect_command("MLSD pub");
    h.reply("500 MLSD disabled");
    h.expect_command("CWD pub");
    h.reply("250 ok");
    h.expect_command("EPSV");
    h.expect_request(Request::Reset { socket: data });
    h.reply("229 ok (|||40004|)");
    let data = h.expect_connect("192.0.2.10", 40004);
    h.data_connected(data);
    h.expect_command("LIST -a");
    let _ = op;
}

#[test]
fn mlsd_leaves_out_the_directory_and_its_parent() {
    let features = feat(&["MLST type*;size*;modify*;"]);
    let mut h = Harness::logged_in(config(), &features);
    let op = h.session.list(h.now, None, ListOptions { all: true, ..list_options() });
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40003|)");
    let data = h.expect_connect("192.0.2.10", 40003);
    h.data_connected(data);
    h.expect_command("MLSD");
    h.reply("150 Opening ASCII mode data connection for MLSD");
    h.data(data, b"type=cdir;modify=20240101000000; /home/u\r\ntype=pdir;modify=20240101000000; /home\r\n");
    h.data(data, b"type=file;size=5;modify=20240101000000; a.txt\r\nType=Dir;modify=20240101000000; sub\r\n");
    h.eof(data);
    h.reply("226 Transfer complete");
    let mut names = Vec::new();
    for event in h.take_events() {
        if let Event::Entries { entries, .. } = event {
            names.extend(entries.into_iter().map(|e| e.name));
        }
    }
    let _ = op;
    assert!(!names.iter().any(|n| n.contains("home")), "{names:?}");
}

#[test]
fn a_vms_name_line_cut_off_at_the_end_is_kept() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("150 Here comes the listing");
    h.data(data, b"Directory USER$DISK:[FTP]\r\n\r\nA.TXT;1         4/6     29-MAR-2024 03:26:00  [GROUP,OWNER]  (RWED,RWED,RE,)\r\n");
    h.data(data, b"A_VERY_LONG_FILE_NAME_THAT_WRAPS.TXT;1\r\n");
    h.eof(data);
    h.reply("226 ok");
    let mut entries = Vec::new();
    for event in h.take_events() {
        if let Event::Entries { entries: batch, .. } = event {
            entries.extend(batch);
        }
    }
    let _ = op;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].name, "A.TXT;1", "VMS files keep their version: RETR may need it");
    assert_eq!(entries[1].kind, Kind::Unknown);
    assert!(entries[1].raw.contains("A_VERY_LONG_FILE_NAME_THAT_WRAPS.TXT"));
}

#[test]
fn empty_listing_226_without_150() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("226 No files.");
    h.eof(data);
    assert_eq!(h.result(op).unwrap(), Value::Listed { count: 0 });
}

#[test]
fn upload_then_size_check() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.store(h.now, "up.bin", StoreOptions::default());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40005|)");
    let data = h.expect_connect("192.0.2.10", 40005);
    h.data_connected(data);
    h.expect_command("STOR up.bin");
    assert!(h.session.upload(h.now, op, b"early").is_err(), "no upload before the server is ready");
    h.reply("150 Ok to send data.");
    assert_eq!(h.next_event(), Event::TransferStarted { op, size: None, offset: 0 });
    assert_eq!(h.next_event(), Event::UploadReady { op, offset: 0, socket: data });
    h.session.upload(h.now, op, b"hello ").unwrap();
    h.session.upload(h.now, op, b"world").unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.expect_request(Request::Send { socket: data, data: b"hello ".to_vec() });
    h.expect_request(Request::Send { socket: data, data: b"world".to_vec() });
    h.expect_request(Request::Shutdown { socket: data });
    h.eof(data);
    h.reply("226 Transfer complete.");
    h.expect_request(Request::Close { socket: data });
    h.expect_command("SIZE up.bin");
    h.reply("213 11");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 11 });
}

#[test]
fn upload_that_the_server_truncated_fails_the_size_check() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.store(h.now, "up.bin", StoreOptions::default());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40005|)");
    let data = h.expect_connect("192.0.2.10", 40005);
    h.data_connected(data);
    h.expect_command("STOR up.bin");
    h.reply("150 Ok to send data.");
    h.session.upload(h.now, op, [1u8; 100]).unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.eof(data);
    h.reply("226 Transfer complete.");
    h.expect_command("SIZE up.bin");
    h.reply("213 60");
    assert_eq!(h.result(op).unwrap_err().kind(), ErrorKind::Incomplete);
}

#[test]
fn upload_refused_midway() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.store(h.now, "up.bin", StoreOptions::default());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40005|)");
    let data = h.expect_connect("192.0.2.10", 40005);
    h.data_connected(data);
    h.expect_command("STOR up.bin");
    h.reply("150 Ok to send data.");
    h.session.upload(h.now, op, [1u8; 100]).unwrap();
    h.reply("552 Disk full");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.reply_code(), Some(552));
    assert!(h.session.upload(h.now, op, b"more").is_err());
}

#[test]
fn resume_upload_uses_size_then_appe() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.store(h.now, "up.bin", StoreOptions { mode: StoreMode::Resume, local_size: Some(10) });
    h.pump();
    h.expect_command("SIZE up.bin");
    h.reply("213 4");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40006|)");
    let data = h.expect_connect("192.0.2.10", 40006);
    h.data_connected(data);
    h.expect_command("APPE up.bin");
    h.reply("502 APPE not implemented");
    h.expect_command("REST 4");
    h.reply("350 Restart position accepted (4).");
    h.expect_command("STOR up.bin");
    h.reply("150 Ok to send data.");
    assert_eq!(h.next_event(), Event::TransferStarted { op, size: None, offset: 4 });
    assert_eq!(h.next_event(), Event::UploadReady { op, offset: 4, socket: data });
    h.session.upload(h.now, op, b"456789").unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.eof(data);
    h.reply("226 ok");
    h.expect_command("SIZE up.bin");
    h.reply("213 10");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 6 });
}

#[test]
fn resume_upload_of_a_complete_file_sends_nothing() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.store(h.now, "up.bin", StoreOptions { mode: StoreMode::Resume, local_size: Some(10) });
    h.pump();
    h.expect_command("SIZE up.bin");
    h.reply("213 10");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 0 });
    h.expect_no_command();
}

#[test]
fn active_mode_eprt_falls_back_to_port() {
    let mut config = config();
    config.mode = DataMode::Active;
    let mut h = Harness::logged_in(config, PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 2");
    let socket = match h.next_request() {
        Request::Listen { socket } => socket,
        other => panic!("{other:?}"),
    };
    h.listening(socket, "198.51.100.7:50000");
    h.expect_command("EPRT |1|198.51.100.7|50000|");
    h.reply("500 EPRT not understood");
    h.expect_command("PORT 198,51,100,7,195,80");
    h.reply("200 PORT command successful.");
    h.expect_command("RETR f");
    h.reply("150 Opening BINARY mode data connection for f (2 bytes).");
    h.accepted(socket);
    h.data(socket, b"hi");
    h.eof(socket);
    h.reply("226 ok");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"hi");
    assert!(result.is_ok());
}

#[test]
fn auto_mode_falls_back_to_active_when_passive_cannot_connect() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 2");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.error(data, SocketError::Refused);
    h.expect_request(Request::Reset { socket: data });
    let socket = match h.next_request() {
        Request::Listen { socket } => socket,
        other => panic!("{other:?}"),
    };
    h.listening(socket, "198.51.100.7:50000");
    h.expect_command("EPRT |1|198.51.100.7|50000|");
    h.reply("200 EPRT ok");
    h.expect_command("RETR f");
    let _ = op;
}

#[test]
fn passive_only_reports_the_connect_failure() {
    let mut config = config();
    config.mode = DataMode::Passive;
    let mut h = Harness::logged_in(config, PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 2");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.error(data, SocketError::Blocked("data peer mismatch".into()));
    let error = h.result(op).unwrap_err();
    assert!(error.to_string().contains("192.0.2.10:40001"), "{error}");
    assert!(error.to_string().contains("data peer mismatch"), "{error}");
    // The relay refused the port, not the server: a code says which.
    assert_eq!((error.kind(), error.detail()), (ErrorKind::Permission, Some("relay_policy")));
}

#[test]
fn paths_with_line_breaks_are_refused() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.delete(h.now, "x\r\nDELE important");
    h.pump();
    h.expect_no_command();
    assert_eq!(h.result(op).unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn latin1_names_round_trip() {
    let mut config = config();
    config.encoding = ftpbridge_engine::listing::Encoding::for_label("latin1").unwrap();
    let mut h = Harness::logged_in(config, PLAIN);
    let _op = h.session.delete(h.now, "café");
    // The command is sent in Latin-1 (not valid UTF-8, so read it raw).
    let mut raw = Vec::new();
    while let Some(output) = h.session.poll_output() {
        if let ftpbridge_engine::Output::Send { data, .. } = output {
            raw = data;
        }
    }
    assert_eq!(raw, b"DELE caf\xe9\r\n");
}

#[test]
fn rename_mkdir_chmod_and_raw() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let rename = h.session.rename(h.now, "a", "b");
    let mkdir = h.session.mkdir(h.now, "new \"dir\"");
    let chmod = h.session.chmod(h.now, "b", "640");
    let raw = h.session.raw(h.now, "SYST");
    h.pump();
    h.expect_command("RNFR a");
    h.reply("350 Ready for RNTO.");
    h.expect_command("RNTO b");
    h.reply("250 Rename successful.");
    h.expect_command("MKD new \"dir\"");
    h.reply("257 \"/new \"\"dir\"\"\" created");
    h.expect_command("SITE CHMOD 640 b");
    h.reply("200 SITE CHMOD command ok.");
    h.expect_command("SYST");
    h.reply("215 UNIX Type: L8");
    assert_eq!(h.result(rename).unwrap(), Value::None);
    assert!(matches!(h.result(mkdir).unwrap(), Value::Path(p) if p.text == "/new \"dir\""));
    assert_eq!(h.result(chmod).unwrap(), Value::None);
    assert!(matches!(h.result(raw).unwrap(), Value::Reply(r) if r.code() == 215));
    let bad = h.session.chmod(h.now, "b", "rwx");
    h.pump();
    assert_eq!(h.result(bad).unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn stat_without_mlst_uses_size_mdtm_and_cwd() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let file = h.session.stat(h.now, "a.txt");
    let dir = h.session.stat(h.now, "pub");
    h.pump();
    h.expect_command("SIZE a.txt");
    h.reply("213 12");
    h.expect_command("MDTM a.txt");
    h.reply("213 20240102030405");
    h.expect_command("SIZE pub");
    h.reply("550 Could not get file size.");
    h.expect_command("MDTM pub");
    h.reply("550 Could not get file modification time.");
    h.expect_command("CWD pub");
    h.reply("250 ok");
    h.expect_command("CWD /");
    h.reply("250 ok");
    match h.result(file).unwrap() {
        Value::Entry(e) => {
            assert_eq!((e.kind, e.size), (Kind::File, Some(12)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-01-02T03:04:05Z");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(h.result(dir).unwrap(), Value::Entry(e) if e.kind == Kind::Dir));
}

#[test]
fn quit_closes_cleanly() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.quit(h.now);
    h.pump();
    h.expect_command("QUIT");
    h.reply("221 Goodbye.");
    assert_eq!(h.result(op).unwrap(), Value::None);
    assert_eq!(h.next_event(), Event::Closed { error: None });
    h.expect_request(Request::Close { socket: SocketId::CONTROL });
}

#[test]
fn errors_carry_a_finer_code_for_shells_to_choose_words_by() {
    // A data connection refused in passive mode: the data connection, not the server.
    let mut config = config();
    config.mode = DataMode::Passive;
    let mut h = Harness::logged_in(config.clone(), PLAIN);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 2");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.error(data, SocketError::Refused);
    let error = h.result(op).unwrap_err();
    assert_eq!((error.kind(), error.detail()), (ErrorKind::Connection, Some("data_connection")));

    // 425 from the server says the same.
    let mut h = Harness::logged_in(config.clone(), PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("425 Can't open data connection.");
    let error = h.result(op).unwrap_err();
    assert_eq!((error.kind(), error.detail()), (ErrorKind::Connection, Some("data_connection")));

    // The server closing the control connection, by 421 or by EOF.
    let mut h = Harness::logged_in(config.clone(), PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("421 Timeout (no operation for 300 seconds), closing.");
    let error = h.result(op).unwrap_err();
    assert_eq!((error.kind(), error.detail()), (ErrorKind::Connection, Some("server_closed")));
    let mut h = Harness::logged_in(config.clone(), PLAIN);
    h.eof(SocketId::CONTROL);
    match h.next_event() {
        Event::Closed { error: Some(e) } => assert_eq!(e.detail(), Some("server_closed")),
        other => panic!("{other:?}"),
    }

    // A name with a line break is refused before anything is sent, with its code.
    let mut h = Harness::logged_in(config, PLAIN);
    let op = h.session.delete(h.now, "a\r\nDELE b");
    h.pump();
    let error = h.result(op).unwrap_err();
    assert_eq!((error.kind(), error.detail()), (ErrorKind::InvalidInput, Some("line_break")));
}

#[test]
fn control_connection_refused() {
    let mut config = Config::new("ftp.example.com", 2121);
    config.tls = ftpbridge_engine::TlsMode::Plain;
    let mut h = Harness::new(config);
    h.error(SocketId::CONTROL, SocketError::Refused);
    match h.next_event() {
        Event::Closed { error: Some(e) } => {
            assert_eq!(e.kind(), ErrorKind::Connection);
            assert_eq!(e.detail(), Some("refused"));
            assert!(e.to_string().contains("ftp.example.com:2121"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn connect_timeout() {
    let mut h = Harness::new(config());
    h.advance(Duration::from_secs(21));
    match h.next_event() {
        Event::Closed { error: Some(e) } => assert_eq!(e.kind(), ErrorKind::Timeout),
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_on_the_control_connection_is_a_protocol_error() {
    let mut h = Harness::new(config());
    h.connected();
    h.raw(b"SSH-2.0-OpenSSH_9.2\r\n");
    match h.next_event() {
        Event::Closed { error: Some(e) } => assert_eq!(e.kind(), ErrorKind::Protocol),
        other => panic!("{other:?}"),
    }
}
