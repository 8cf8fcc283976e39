//! The `ftpbridge` binary against what the field does that friendly servers do not: a
//! pyftpdlib with one quirk of real servers each (binary mode refused, "450 No files
//! found" for an empty folder, the greeting sent twice, REST accepted but ignored, no
//! SIZE), a download the server refuses, a local file in the way, and local sides
//! that pause (a reader of `get -o -`, a pipe into `put -`) for longer than the
//! timeout. Each asserts what the user sees: the exit code, the message, the files.
//!
//! Outside CI a server that is not installed is skipped with a message; with `CI=true`
//! it fails. On a terminal (a pseudo-terminal from `script`), names the server sends are
//! shown escaped.

mod common;

use common::content;
use ftpbridge_testkit::{Fault, RealServer, ServerKind};
use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs `ftpbridge <args>` with the transcript on stderr.
fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftpbridge"))
        .env("FTPBRIDGE_TLS", "plain")
        .args(args)
        .env_remove("FTPBRIDGE_RELAY")
        .env_remove("FTPBRIDGE_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .expect("the ftpbridge binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The last line of stderr: the one-line message.
fn message(output: &Output) -> String {
    stderr(output).lines().rfind(|l| !l.is_empty()).unwrap_or_default().to_string()
}

fn assert_exit(output: &Output, code: i32, words: &[&str]) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    let message = message(output);
    for word in words {
        assert!(message.contains(word), "the message lacks {word:?}: {message}\n{}", stderr(output));
    }
}

#[test]
fn binary_mode_refused_fails_transfers_clearly_and_creates_nothing() {
    let Some(server) = RealServer::start_with_fault(Fault::RefuseBinary) else { return };
    server.write_file("notes.txt", b"line one\nline two\n");
    let local = tempfile::tempdir().expect("a temp dir");
    let out = local.path().join("notes.txt");
    let got = cli(&["get", "-v", "-o", &out.to_string_lossy(), &server.url("notes.txt")]);
    assert_exit(&got, 10, &["binary mode", "504"]);
    assert!(!out.exists(), "a refused download leaves no local file");
    let source = local.path().join("up.txt");
    std::fs::write(&source, b"a\r\nb\n").expect("the local file");
    let put = cli(&["put", &source.to_string_lossy(), &server.url("up.txt")]);
    assert_exit(&put, 10, &["binary mode"]);
    assert!(!server.path("up.txt").exists(), "nothing was uploaded in ASCII mode");
    // Listings need no binary mode.
    let ls = cli(&["ls", &server.url("")]);
    assert!(ls.status.success(), "{}", stderr(&ls));
    assert!(String::from_utf8_lossy(&ls.stdout).contains("notes.txt"));
}

#[test]
fn an_empty_folder_answered_450_lists_empty_and_a_missing_one_is_not_found() {
    let Some(server) = RealServer::start_with_fault(Fault::EmptyFolderAs450) else { return };
    server.create_dir("empty");
    server.write_file("full/a.txt", b"a");
    let ls = cli(&["ls", "--json", &server.url("empty/")]);
    assert!(ls.status.success(), "{}", stderr(&ls));
    assert_eq!(String::from_utf8_lossy(&ls.stdout), "", "no entries");
    let ls = cli(&["ls", &server.url("full/")]);
    assert!(String::from_utf8_lossy(&ls.stdout).contains("a.txt"), "{}", stderr(&ls));
    let missing = cli(&["ls", &server.url("no-such-folder/")]);
    assert_exit(&missing, 5, &["no-such-folder"]);
}

#[test]
fn a_greeting_sent_twice_does_not_fail_the_login() {
    let Some(server) = RealServer::start_with_fault(Fault::DoubleGreeting) else { return };
    server.write_file("hello.txt", b"hello");
    for _ in 0..3 {
        let ls = cli(&["ls", "-v", &server.url("")]);
        assert!(ls.status.success(), "{}", stderr(&ls));
        assert!(String::from_utf8_lossy(&ls.stdout).contains("hello.txt"));
    }
}

#[test]
fn rest_accepted_but_ignored_keeps_only_the_good_part() {
    let Some(server) = RealServer::start_with_fault(Fault::IgnoreRest) else { return };
    let data = content(1024 * 1024 + 7, 3);
    server.write_file("file.bin", &data);
    let local = tempfile::tempdir().expect("a temp dir");
    let out = local.path().join("file.bin");
    let good = 300 * 1024;
    std::fs::write(&out, &data[..good]).expect("the partial file");
    let got = cli(&["get", "--resume", "-o", &out.to_string_lossy(), &server.url("file.bin")]);
    assert_exit(&got, 11, &["ignored the restart offset", &format!("the first {good} bytes")]);
    assert!(!message(&got).contains("--resume continues"), "no resume is offered onto corrupt data");
    assert_eq!(std::fs::read(&out).expect("the local file"), &data[..good], "only the good part is kept");
    // As the message says: download it again from its start.
    let again = cli(&["get", "--force", "-o", &out.to_string_lossy(), &server.url("file.bin")]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(std::fs::read(&out).expect("the local file"), data);
}

/// `get --segments` from a server that accepts REST and sends from byte 0: the last
/// range catches it, and the file comes again in one piece, byte-exact.
#[test]
fn segments_from_a_server_that_ignores_rest_come_whole() {
    let Some(server) = RealServer::start_with_fault(Fault::IgnoreRest) else { return };
    let data = content(9 * 1024 * 1024 + 7, 9);
    server.write_file("file.bin", &data);
    let local = tempfile::tempdir().expect("a temp dir");
    let out = local.path().join("file.bin");
    let got = cli(&["get", "--segments", "2", "-o", &out.to_string_lossy(), &server.url("file.bin")]);
    assert!(got.status.success(), "{}", stderr(&got));
    assert!(stderr(&got).contains("cannot send ranges"), "{}", stderr(&got));
    assert_eq!(std::fs::read(&out).expect("the local file"), data, "no range holds the start of the file");
}

#[test]
fn put_resume_on_a_server_without_size_uses_mlst() {
    let Some(server) = RealServer::start_with_fault(Fault::NoSize) else { return };
    let data = content(700 * 1024 + 1, 5);
    let local = tempfile::tempdir().expect("a temp dir");
    let source = local.path().join("big.bin");
    std::fs::write(&source, &data).expect("the local file");
    server.write_file("big.bin", &data[..200 * 1024]);
    let put = cli(&["put", "-v", "--resume", &source.to_string_lossy(), &server.url("big.bin")]);
    assert!(put.status.success(), "{}", stderr(&put));
    let transcript = stderr(&put);
    assert!(transcript.contains("> MLST big.bin") && transcript.contains("> APPE big.bin"), "{transcript}");
    assert_eq!(server.read_file("big.bin"), data);
}

#[test]
fn a_refused_download_leaves_no_empty_file() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let local = tempfile::tempdir().expect("a temp dir");
    let out = local.path().join("nope.bin");
    let got = cli(&["get", "-o", &out.to_string_lossy(), &server.url("nope.bin")]);
    assert_exit(&got, 5, &["nope.bin"]);
    assert!(!out.exists(), "no empty file is left behind");
}

#[test]
fn get_never_replaces_a_local_file_without_being_told() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    server.write_file("report.txt", b"the server's copy");
    let local = tempfile::tempdir().expect("a temp dir");
    let out = local.path().join("report.txt");
    std::fs::write(&out, b"my own work").expect("the local file");
    let got = cli(&["get", "-o", &out.to_string_lossy(), &server.url("report.txt")]);
    assert_exit(&got, 2, &["exists", "--force"]);
    assert_eq!(std::fs::read(&out).expect("the local file"), b"my own work");
    let forced = cli(&["get", "--force", "-o", &out.to_string_lossy(), &server.url("report.txt")]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read(&out).expect("the local file"), b"the server's copy");
}

/// The pause of a local side: twice the CLI's timeout. It is the behaviour under test
/// (a reader or writer that stops for a while), not a synchronisation.
const PAUSE: Duration = Duration::from_secs(2);

#[test]
fn a_reader_that_pauses_longer_than_the_timeout_is_not_server_silence() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let data = content(16 * 1024 * 1024, 9);
    server.write_file("big.bin", &data);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpbridge"))
        .env("FTPBRIDGE_TLS", "plain")
        .args(["get", "--timeout", "1", "-o", "-", &server.url("big.bin")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ftpbridge binary runs");
    let mut stdout = child.stdout.take().expect("stdout");
    // Three pauses, each after another MiB.
    let mut received = Vec::new();
    for _ in 0..3 {
        let mut chunk = vec![0u8; 1024 * 1024];
        stdout.read_exact(&mut chunk).expect("a MiB");
        received.extend_from_slice(&chunk);
        std::thread::sleep(PAUSE);
    }
    stdout.read_to_end(&mut received).expect("the rest");
    let output = child.wait_with_output().expect("the CLI ends");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(received == data, "the bytes differ ({} of {})", received.len(), data.len());
}

#[test]
fn a_pipe_that_pauses_longer_than_the_timeout_is_not_server_silence() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let data = content(3 * 1024 * 1024 + 3, 13);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpbridge"))
        .env("FTPBRIDGE_TLS", "plain")
        .args(["put", "--timeout", "1", "-", &server.url("piped.bin")])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ftpbridge binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    // Three pauses, each after another MiB.
    for chunk in data.chunks(1024 * 1024) {
        stdin.write_all(chunk).expect("a MiB");
        stdin.flush().expect("flush");
        if chunk.len() == 1024 * 1024 {
            std::thread::sleep(PAUSE);
        }
    }
    drop(stdin);
    let output = child.wait_with_output().expect("the CLI ends");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(server.read_file("piped.bin") == data, "the server's copy differs");
}

/// Runs the CLI with its standard output and error on a pseudo-terminal (`script`);
/// returns what the terminal received.
fn on_a_terminal(args: &[&str]) -> Vec<u8> {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_ftpbridge"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let output = Command::new("script")
        .env("FTPBRIDGE_TLS", "plain")
        .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    output.stdout
}

#[test]
fn names_that_would_take_over_a_terminal_are_shown_escaped() {
    let Some(server) = RealServer::start(ServerKind::Pyftpdlib) else { return };
    let names = ["title\x1b]0;pwned\x07.txt", "fake\rrow.txt", "photo\u{202e}gpj.exe"];
    for name in names {
        server.write_file(name, b"x");
    }
    let screen = on_a_terminal(&["ls", &server.url("")]);
    let text = String::from_utf8_lossy(&screen);
    for raw in ["\x1b]", "\x07", "\u{202e}"] {
        assert!(!text.contains(raw), "{raw:?} reached the terminal:\n{text:?}");
    }
    assert!(!text.contains("fake\rrow"), "a carriage return reached the terminal: {text:?}");
    for shown in ["title\\x1b]0;pwned\\x07.txt", "fake\\rrow.txt", "photo\\u{202e}gpj.exe"] {
        assert!(text.contains(shown), "{shown} is not shown:\n{text}");
    }
    // The error line quotes a name the server sent: escaped too.
    let missing = on_a_terminal(&["get", "-o", "/dev/null", &server.url("gone\x1b[2J.txt")]);
    assert!(
        !String::from_utf8_lossy(&missing).contains("\x1b[2J"),
        "{:?}",
        String::from_utf8_lossy(&missing)
    );
    // Exact where a program reads it: JSON in a pipe.
    let json = cli(&["ls", "--json", &server.url("")]);
    let json = String::from_utf8_lossy(&json.stdout);
    assert!(json.contains("\\u001b]0;pwned\\u0007.txt"), "{json}");
    assert!(json.contains("photo\u{202e}gpj.exe"), "{json}");
}
