//! Range downloads (`Session::retrieve_range`) against scripted servers: a range stops
//! at its end with a reset and an ABOR and leaves the session in step, a range to the
//! end of the file is an ordinary checked transfer (and catches a server that ignored
//! REST), and a range whose abort gets no answer still got its bytes.

mod util;

use ftpbridge_engine::{ErrorKind, Event, OpId, SocketId, Value};
use std::time::Duration;
use util::{Harness, Request, config};

const PLAIN: &str = "211-Features:\n SIZE\n MDTM\n REST STREAM\n211 End";

/// Runs `retrieve_range(path, offset, length)` of a file of `size` bytes up to its 150.
fn begin_range(h: &mut Harness, size: u64, offset: u64, length: u64) -> (OpId, SocketId) {
    let op = h.session.retrieve_range(h.now, "f", offset, length);
    h.pump();
    h.expect_command("SIZE f");
    h.reply(&format!("213 {size}"));
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    if offset > 0 {
        h.expect_command(&format!("REST {offset}"));
        h.reply(&format!("350 Restart position accepted ({offset})."));
    }
    h.expect_command("RETR f");
    h.reply(&format!("150 Opening BINARY mode data connection for f ({size} bytes)."));
    (op, data)
}

#[test]
fn a_range_stops_at_its_end_and_the_session_stays_in_step() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = begin_range(&mut h, 100, 10, 20);
    h.data(data, b"0123456789");
    // The chunk that crosses the range's end is cut: the rest is not the range's.
    h.data(data, b"abcdefghijXYZ-not-wanted");
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("426 Connection closed; transfer aborted.");
    h.reply("226 Abort successful");
    h.expect_no_event_but_data(op);
    h.reply("257 \"/\" is the current directory");
    let (bytes, result) = h.downloaded(op);
    assert_eq!(bytes, b"0123456789abcdefghij");
    assert_eq!(result.unwrap(), Value::Transferred { bytes: 20 });
    h.expect_in_step();
}

#[test]
fn a_range_that_starts_at_zero_sends_no_rest() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = begin_range(&mut h, 1000, 0, 4);
    h.data(data, b"abcdefgh");
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("225 ABOR command successful.");
    h.reply("257 \"/\"");
    let (bytes, result) = h.downloaded(op);
    assert_eq!((bytes.as_slice(), result.unwrap()), (&b"abcd"[..], Value::Transferred { bytes: 4 }));
}

#[test]
fn a_range_to_the_end_of_the_file_is_an_ordinary_checked_transfer() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let (op, data) = begin_range(&mut h, 30, 20, 10);
    h.data(data, b"0123456789");
    h.eof(data);
    h.reply("226 Transfer complete.");
    let (bytes, result) = h.downloaded(op);
    assert_eq!((bytes.as_slice(), result.unwrap()), (&b"0123456789"[..], Value::Transferred { bytes: 10 }));
    h.expect_no_command(); // no ABOR: nothing was cut
}

#[test]
fn the_last_range_catches_a_server_that_ignored_rest() {
    let mut h = Harness::logged_in(config(), PLAIN);
    // REST 20 accepted, then the file from its start: more than the 10 bytes left.
    let (op, data) = begin_range(&mut h, 30, 20, 10);
    h.data(data, b"the file from byte 0, not 20");
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.reply("226 Abort successful");
    h.reply("257 \"/\"");
    let (bytes, result) = h.downloaded(op);
    assert!(bytes.is_empty(), "none of what the server sent is the range's");
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RestartIgnored);
    h.expect_in_step();
}

#[test]
fn a_file_that_ends_before_the_range_is_incomplete() {
    let mut h = Harness::logged_in(config(), PLAIN);
    // The server said 100 bytes, then the file turned out shorter.
    let (op, data) = begin_range(&mut h, 100, 10, 20);
    h.data(data, b"short");
    h.eof(data);
    h.reply("226 Transfer complete.");
    let (_, result) = h.downloaded(op);
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Incomplete);
}

#[test]
fn a_refused_rest_says_so_in_its_detail() {
    let mut h = Harness::logged_in(config(), PLAIN);
    let op = h.session.retrieve_range(h.now, "f", 10, 5);
    h.pump();
    h.expect_command("SIZE f");
    h.reply("213 100");
    h.expect_command("EPSV");
    h.reply("229 ok (|||40001|)");
    let data = h.expect_connect("192.0.2.10", 40001);
    h.data_connected(data);
    h.expect_command("REST 10");
    h.reply("502 REST not implemented.");
    let error = h.result(op).unwrap_err();
    assert_eq!(error.detail(), Some("restart_refused"), "{error}");
}

#[test]
fn a_range_whose_abort_gets_no_answer_still_got_its_bytes() {
    let mut config = config();
    config.timeouts.reply = Duration::from_secs(5);
    let mut h = Harness::logged_in(config, PLAIN);
    let (op, data) = begin_range(&mut h, 100, 10, 4);
    h.data(data, b"wxyz-and-more");
    h.expect_request(Request::Reset { socket: data });
    h.expect_command("ABOR");
    h.expect_command("PWD");
    h.advance(Duration::from_secs(6));
    let events = h.take_events();
    assert!(
        events.contains(&Event::Done { op, value: Value::Transferred { bytes: 4 } }),
        "the range got every byte it asked for: {events:?}"
    );
    assert!(h.session.is_closed(), "a session whose replies are out of step cannot go on");
}
