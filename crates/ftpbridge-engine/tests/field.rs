//! The engine against what the field does to it, on a virtual clock: transfers far
//! longer than every timeout, peers and local sides that pause, keep-alives a server
//! refuses, servers that answer oddly (binary mode refused, "450 No files found", a
//! second greeting, REST accepted but ignored, no SIZE).

mod util;

use ftpbridge_engine::listing::DateTime;
use ftpbridge_engine::{ErrorKind, Event, ListOptions, OpId, SocketId, StoreMode, StoreOptions, Value};
use std::time::Duration;
use util::{Harness, Request, config, feat};

const PLAIN: &str = "211-Features:\n SIZE\n MDTM\n REST STREAM\n211 End";

fn list_options() -> ListOptions {
    ListOptions { all: false, now: DateTime::new(2024, 6, 1, 12, 0, 0).unwrap() }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Timeouts of 30 s for replies and data, keep-alive off.
fn short_timeouts() -> ftpbridge_engine::Config {
    let mut config = config();
    config.timeouts.reply = secs(30);
    config.timeouts.data_idle = secs(30);
    config
}

/// A passive download of `path` up to the 150 reply.
fn start_download(h: &mut Harness, path: &str, size: u64) -> (OpId, SocketId) {
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

/// A passive upload of `path` up to `UploadReady`.
fn start_upload(h: &mut Harness, path: &str) -> (OpId, SocketId) {
    let op = h.session.store(h.now, path, StoreOptions::default());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40005|)");
    let data = h.expect_connect("192.0.2.10", 40005);
    h.data_connected(data);
    h.expect_command(&format!("STOR {path}"));
    h.reply("150 Ok to send data.");
    assert!(matches!(h.next_event(), Event::TransferStarted { .. }));
    assert_eq!(h.next_event(), Event::UploadReady { op, offset: 0, socket: data });
    (op, data)
}

fn drain_requests(h: &mut Harness) {
    while h.next_request_or_none().is_some() {}
}

#[test]
fn a_download_ten_times_longer_than_every_timeout_completes() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    let (op, data) = start_download(&mut h, "big", 60);
    // 300 s of steady data, a byte block every 5 s: far past the 30 s reply limit.
    for _ in 0..60 {
        h.advance(secs(5));
        h.data(data, &[7u8]);
    }
    h.eof(data);
    // The final reply is due from the end of the data, not from the RETR.
    h.advance(secs(25));
    h.expect_no_event_but_data(op);
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes.len(), 60);
    assert_eq!(result.unwrap(), Value::Transferred { bytes: 60 });
}

#[test]
fn the_final_reply_deadline_counts_from_the_end_of_the_data() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    let (op, data) = start_download(&mut h, "big", 20);
    for _ in 0..20 {
        h.advance(secs(10));
        h.data(data, &[7u8]);
    }
    h.eof(data);
    h.advance(secs(31));
    let (_, result) = h.downloaded(op);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message().contains("did not confirm the transfer (RETR big)"), "{error}");
    assert!(error.message().contains("end of its data"), "{error}");
}

#[test]
fn an_upload_ten_times_longer_than_every_timeout_completes() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    h.auto_sent = false;
    let (op, data) = start_upload(&mut h, "up.bin");
    // A slow link: each block takes 20 s to leave, 300 s in all.
    for _ in 0..15 {
        h.session.upload(h.now, op, vec![1u8; 100]).unwrap();
        h.pump();
        h.advance(secs(20));
        h.sent(data, 100);
    }
    h.expect_no_event();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.advance(secs(25));
    h.eof(data);
    h.reply("226 Transfer complete.");
    drain_requests(&mut h);
    h.expect_command("SIZE up.bin");
    h.reply("213 1500");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 1500 });
}

#[test]
fn the_tail_of_an_upload_still_leaving_is_not_silence() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    h.auto_sent = false;
    let (op, data) = start_upload(&mut h, "up.bin");
    h.session.upload(h.now, op, vec![1u8; 1000]).unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    // The last 1000 bytes take 100 s to go out on a slow link; the server answers after.
    for _ in 0..10 {
        h.advance(secs(10));
        h.sent(data, 100);
    }
    h.advance(secs(20));
    h.expect_no_event();
    h.eof(data);
    h.reply("226 Transfer complete.");
    h.expect_command("SIZE up.bin");
    h.reply("213 1000");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 1000 });
}

#[test]
fn a_server_that_stops_taking_upload_bytes_times_out_with_the_right_words() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    h.auto_sent = false;
    let (op, data) = start_upload(&mut h, "up.bin");
    h.session.upload(h.now, op, vec![1u8; 100]).unwrap();
    h.pump();
    h.advance(secs(10));
    h.sent(data, 50);
    h.advance(secs(31));
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 aborted");
    h.reply("257 \"/\"");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message().contains("took no data for 30 s after 50 bytes"), "{error}");
}

#[test]
fn a_paused_upload_source_is_not_server_silence() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    let (op, data) = start_upload(&mut h, "up.bin");
    h.session.upload(h.now, op, b"first ".to_vec()).unwrap();
    h.pump();
    // `put -` from a pipe that pauses for five minutes: every byte given has left.
    h.advance(secs(300));
    h.expect_no_event();
    h.session.upload(h.now, op, b"second".to_vec()).unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.eof(data);
    h.reply("226 ok");
    h.expect_command("SIZE up.bin");
    h.reply("213 12");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 12 });
}

#[test]
fn a_stalled_local_sink_is_not_server_silence() {
    let mut h = Harness::logged_in(short_timeouts(), PLAIN);
    let (op, data) = start_download(&mut h, "f", 4);
    h.data(data, b"ab");
    // `get -o -` into a reader that pauses for five minutes.
    h.session.handle_local_stall(h.now, true);
    h.advance(secs(300));
    h.expect_no_event_but_data(op);
    h.session.handle_local_stall(h.now, false);
    h.advance(secs(29));
    h.data(data, b"cd");
    h.eof(data);
    h.reply("226 ok");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"abcd");
    assert!(result.is_ok());
}

#[test]
fn a_refused_keepalive_is_never_the_transfers_result() {
    let mut config = short_timeouts();
    config.transfer_keepalive = Some(secs(10));
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 4);
    h.data(data, b"ab");
    h.advance(secs(11));
    h.expect_command("NOOP");
    h.reply("502 Command not allowed during a transfer");
    h.advance(secs(5));
    h.data(data, b"cd");
    h.eof(data);
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"abcd");
    assert_eq!(result.unwrap(), Value::Transferred { bytes: 4 });
    // The session is in step: the next command reads its own reply.
    let pwd = h.session.pwd(h.now);
    h.pump();
    h.expect_command("PWD");
    h.reply("257 \"/\"");
    assert!(h.result(pwd).is_ok());
}

#[test]
fn an_abort_after_a_refused_keepalive_drains_to_its_marker() {
    let mut config = short_timeouts();
    config.transfer_keepalive = Some(secs(10));
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = start_download(&mut h, "f", 100);
    h.data(data, b"ab");
    h.advance(secs(11));
    h.expect_command("NOOP");
    h.advance(secs(11));
    h.expect_command("NOOP");
    h.reply("502 not now");
    h.session.abort(h.now, op);
    h.pump();
    h.expect_command("ABOR");
    h.expect_command("PWD");
    // The second keep-alive's refusal, then ABOR's two replies, then the marker.
    h.reply("502 not now");
    h.reply("426 Transfer aborted");
    h.reply("226 ABOR ok");
    h.reply("257 \"/\" is the current directory");
    assert_eq!(h.downloaded(op).1.unwrap_err().kind(), ErrorKind::Aborted);
    let size = h.session.size(h.now, "g");
    h.pump();
    h.expect_command("SIZE g");
    h.reply("213 5");
    assert_eq!(h.result(size).unwrap(), Value::Size(5));
}

#[test]
fn binary_mode_refused_fails_transfers_clearly() {
    let mut h = Harness::new(config());
    h.connected();
    h.reply("220 hi");
    h.expect_command("USER anonymous");
    h.reply("230 ok");
    h.expect_command("FEAT");
    h.reply(PLAIN);
    h.expect_command("TYPE I");
    h.reply("504 Command not implemented for that parameter");
    h.expect_command("PWD");
    h.reply("257 \"/\"");
    assert!(matches!(h.next_event(), Event::Ready(_)));
    let get = h.session.retrieve(h.now, "notes.txt", 0);
    h.pump();
    h.expect_command("TYPE I");
    h.reply("504 Command not implemented for that parameter");
    let error = h.result(get).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.message().contains("binary mode"), "{error}");
    h.expect_no_command();
    let put = h.session.store(h.now, "up.txt", StoreOptions::default());
    h.pump();
    h.expect_command("TYPE I");
    h.reply("504 no");
    assert_eq!(h.result(put).unwrap_err().kind(), ErrorKind::Rejected);
    // A server that accepts it the second time transfers.
    let get = h.session.retrieve(h.now, "a", 0);
    h.pump();
    h.expect_command("TYPE I");
    h.reply("200 Type set to I");
    h.expect_command("SIZE a");
    let _ = get;
}

#[test]
fn an_empty_folder_answered_450_no_files_found_lists_empty() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, Some("empty".into()), list_options());
    h.pump();
    h.expect_command("CWD empty");
    h.reply("250 ok");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("450 No files found");
    h.expect_command("CWD /");
    h.reply("250 ok");
    assert_eq!(h.result(op).unwrap(), Value::Listed { count: 0 });
    drain_requests(&mut h);

    // The working directory, answered with 550 and other words.
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40003|)");
    let data = h.expect_connect("192.0.2.10", 40003);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("550 No such file or directory.");
    assert_eq!(h.result(op).unwrap(), Value::Listed { count: 0 });
    drain_requests(&mut h);

    // NLST of the working directory.
    let op = h.session.name_list(h.now, None);
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40004|)");
    let data = h.expect_connect("192.0.2.10", 40004);
    h.data_connected(data);
    h.expect_command("NLST");
    h.reply("550 No files found.");
    assert_eq!(h.result(op).unwrap(), Value::Names(Vec::new()));
}

#[test]
fn a_listing_refused_for_permission_is_still_an_error() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40003|)");
    let data = h.expect_connect("192.0.2.10", 40003);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("550 Permission denied.");
    assert_eq!(h.result(op).unwrap_err().kind(), ErrorKind::Permission);
}

#[test]
fn a_second_greeting_is_not_the_answer_to_user() {
    let mut h = Harness::new(config().with_login("alice", "pw"));
    h.connected();
    h.reply("220 Welcome");
    h.expect_command("USER alice");
    h.reply("220 Welcome"); // the banner, sent twice
    h.expect_no_command();
    h.reply("331 Password required");
    h.expect_command("PASS pw");
    h.reply("230 Logged in");
    h.expect_command("FEAT");
    h.reply(PLAIN);
    h.expect_command("TYPE I");
    h.reply("200 ok");
    h.expect_command("PWD");
    h.reply("257 \"/\"");
    assert!(matches!(h.next_event(), Event::Ready(_)));
}

#[test]
fn rest_accepted_but_ignored_keeps_only_the_good_part() {
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
    h.reply("150 Opening BINARY mode data connection");
    // The whole file, from byte 0.
    h.data(data, b"0123");
    h.data(data, b"456789");
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 aborted");
    h.reply("226 ok");
    h.reply("257 \"/\"");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"0123", "nothing past the bytes left after the offset goes to the user");
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RestartIgnored);
    assert_eq!(error.valid_length(), Some(4));
    assert!(error.message().contains("ignored the restart offset"), "{error}");
    assert!(!error.message().contains("--resume"), "{error}");
}

#[test]
fn download_size_from_mlst_when_size_is_refused() {
    let features = feat(&["MLST type*;size*;modify*;", "REST STREAM"]);
    let mut h = Harness::logged_in(config(), &features);
    let op = h.session.retrieve(h.now, "f", 0);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("502 SIZE not implemented");
    h.expect_command("MLST f");
    h.reply("250-Listing f\n type=file;size=6;modify=20240101000000; f\n250 End");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command("RETR f");
    h.reply("150 go");
    h.data(data, b"abc");
    h.eof(data);
    h.reply("226 ok");
    let (_, result) = h.downloaded(op);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Incomplete, "3 of the 6 bytes MLST announced");
}

#[test]
fn resume_upload_without_size_uses_mlst() {
    let features = feat(&["MLST type*;size*;modify*;", "REST STREAM"]);
    let mut h = Harness::logged_in(config(), &features);
    let op = h.session.store(h.now, "up.bin", StoreOptions { mode: StoreMode::Resume, local_size: Some(10) });
    h.pump();
    h.expect_command("SIZE up.bin");
    h.reply("500 Unknown command");
    h.expect_command("MLST up.bin");
    h.reply("250-Listing up.bin\n type=file;size=4; up.bin\n250 End");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40005|)");
    let data = h.expect_connect("192.0.2.10", 40005);
    h.data_connected(data);
    h.expect_command("APPE up.bin");
    h.reply("150 ok");
    assert!(matches!(h.next_event(), Event::TransferStarted { .. }));
    assert_eq!(h.next_event(), Event::UploadReady { op, offset: 4, socket: data });
    h.session.upload(h.now, op, b"456789".to_vec()).unwrap();
    h.session.finish_upload(h.now, op).unwrap();
    h.pump();
    h.eof(data);
    h.reply("226 ok");
    // The check afterwards uses MLST too.
    h.expect_command("MLST up.bin");
    h.reply("250-Listing up.bin\n type=file;size=10; up.bin\n250 End");
    assert_eq!(h.result(op).unwrap(), Value::Transferred { bytes: 6 });
}

#[test]
fn raw_refuses_commands_the_session_must_send_itself() {
    let mut h = Harness::logged_in(config(), PLAIN);
    for line in ["RETR x", "list", "PASV", "REIN", "AUTH TLS", "PROT P", "CCC", "PBSZ 0"] {
        let op = h.session.raw(h.now, line);
        h.pump();
        let error = h.result(op).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{line}");
    }
    h.expect_no_command();
    let op = h.session.raw(h.now, "SITE HELP");
    h.pump();
    h.expect_command("SITE HELP");
    h.reply("214 ok");
    assert!(h.result(op).is_ok());
}

#[test]
fn a_listing_past_its_limit_is_aborted_with_a_clear_error() {
    let mut config = config();
    config.max_listing_bytes = 1000;
    let mut h = Harness::logged_in(config, PLAIN);
    let op = h.session.list(h.now, None, list_options());
    h.pump();
    h.expect_command("EPSV");
    h.reply("229 ok (|||40002|)");
    let data = h.expect_connect("192.0.2.10", 40002);
    h.data_connected(data);
    h.expect_command("LIST");
    h.reply("150 Here it comes");
    let line = b"-rw-r--r-- 1 ftp ftp 1 Jan 01 10:00 endless\r\n";
    for _ in 0..100 {
        h.data(data, line);
    }
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 aborted");
    h.reply("257 \"/\"");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.message().contains("over 1000 bytes"), "{error}");
}
