//! The web app and `<ftp-browser>` in headless Chromium, through an in-process relay,
//! against a real vsftpd: connect, list, folders, downloads (50 MB checked by SHA-256,
//! cancel and resume), uploads (file chooser, folder chooser, drag and drop), mkdir,
//! rename, delete, active mode, Latin-1 names, readable errors, and the element embedded
//! on other origins, one allowed by the relay and one not.
//!
//! The browser side is `web/tests/e2e.test.js` (`node --test`); this test prepares the
//! server, the relay and the sites, passes their addresses in `FTPBRIDGE_E2E_*`
//! variables, and afterwards checks on the server's disk what the browser uploaded,
//! renamed and deleted. Outside CI, missing tools or servers skip it with a message;
//! with `CI=true` they fail it.

use ftpbridge_e2e::{StaticSite, missing_tools, screenshots_dir, stale_dist, web_dir};
use ftpbridge_relay::{ActiveConfig, PolicyConfig, Relay, RelayConfig};
use ftpbridge_testkit::{Fault, RealServer, ServerKind, in_ci};
use sha2::{Digest, Sha256};
use std::net::Ipv4Addr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

/// The file downloaded in ranges from the server that ignores REST.
const RANGED: usize = 16 * 1024 * 1024 + 777;
/// The 50 MB download.
/// A 1×1 PNG (an orange pixel), for the image preview.
const PIXEL_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 144,
    119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 223, 192, 0, 0, 4, 1, 1, 128, 197, 42, 24,
    93, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];
/// Entries of the large folder.
const MANY: usize = 2_000;
const BIG: usize = 50 * 1024 * 1024;
/// The download through the service worker.
const MEDIUM: usize = 3 * 1024 * 1024 + 123;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Deterministic bytes that do not compress or repeat (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn skip(why: &str) {
    if in_ci() {
        panic!("the browser end-to-end test cannot run: {why}");
    }
    eprintln!("skipping the browser end-to-end test: {why}");
}

/// What the browser script reports it did, to check on the server's disk.
fn check_results(server: &RealServer, results: &Path) {
    let text = std::fs::read_to_string(results)
        .unwrap_or_else(|e| panic!("the browser script wrote no results ({}): {e}", results.display()));
    let results: serde_json::Value = serde_json::from_str(&text).expect("results JSON");
    let files = results["files"].as_array().expect("files");
    assert!(!files.is_empty(), "the browser script uploaded nothing");
    for file in files {
        let path = file["path"].as_str().expect("path");
        let want = file["sha256"].as_str().expect("sha256");
        let bytes = server.read_file(path);
        assert_eq!(sha256(&bytes), want, "{path}: the bytes on the server differ from the browser's");
        println!("on the server: {path} ({} bytes, SHA-256 matches)", bytes.len());
    }
    for path in results["absent"].as_array().into_iter().flatten() {
        let path = path.as_str().expect("path");
        assert!(!server.path(path).exists(), "{path} should have been deleted or renamed away");
    }
    for path in results["dirs"].as_array().into_iter().flatten() {
        let path = path.as_str().expect("path");
        assert!(server.path(path).is_dir(), "{path} should be a folder on the server");
    }
}

/// The uploads to the server that takes two sessions: all of them arrived, byte-exact.
fn check_busy_uploads(server: &RealServer, results: &Path) {
    let text = std::fs::read_to_string(results).expect("results");
    let results: serde_json::Value = serde_json::from_str(&text).expect("results JSON");
    let files = results["busy"].as_array().expect("busy: the uploads to the server that limits sessions");
    assert_eq!(files.len(), 4, "{files:?}");
    for file in files {
        let path = file["path"].as_str().expect("path");
        let bytes = server.read_file(path);
        assert_eq!(sha256(&bytes), file["sha256"].as_str().expect("sha256"), "{path} differs on the server");
    }
}

#[test]
fn web_app_in_headless_chromium() {
    if let Some(why) = missing_tools() {
        return skip(&why);
    }
    let stale = stale_dist();
    assert!(stale.is_empty(), "web/dist is older than {stale:?}: run cargo xtask web");
    let Some(server) = RealServer::start(ServerKind::Vsftpd) else { return };

    // Fixtures on the server's disk.
    server.write_file("docs/readme.txt", b"hello from ftpbridge\n");
    server.write_file("docs/guide/chapter-1.txt", b"chapter one\n");
    server.write_file(".hidden-file", b"secret\n");
    server.write_file("small.txt", b"small file\n");
    let big = noise(BIG, 0x5eed);
    server.write_file("big.bin", &big);
    let medium = noise(MEDIUM, 0xfeed);
    server.write_file("medium.bin", &medium);
    server.create_dir("uploads");
    server.write_file("projects/rename-me.txt", b"rename me\n");
    server.write_file("projects/delete-me.txt", b"delete me\n");
    server.write_file("projects/old-folder/inside.txt", b"inside\n");
    server.write_file("projects/keep-me.txt", b"keep me\n");
    server.write_file("projects/move-me.txt", b"move me\n");
    // For selecting many rows: downloaded into a folder, then deleted together.
    server.write_file("bulk/one.txt", b"one\n");
    server.write_file("bulk/two.txt", b"two\n");
    server.write_file("bulk/stay.txt", b"stay\n");
    server.write_file("bulk/nested/three.txt", b"three\n");
    server.write_file("bulk/nested/deeper/four.txt", b"four\n");
    // A long path, for the folded breadcrumbs of a narrow screen.
    server.write_file("deep/a/b/c/leaf.txt", b"leaf\n");
    // Moving and permissions: a file of the same name waits in the target folder.
    server.write_file("tidy/a.txt", b"a\n");
    server.write_file("tidy/b.txt", b"b\n");
    server.write_file("tidy/c.txt", b"c\n");
    server.write_file("tidy/archive/b.txt", b"the other b\n");
    // Previews: an image, CRLF text to edit, a long log, a binary file.
    server.write_file("preview/pixel.png", PIXEL_PNG);
    server.write_file("preview/notes.txt", b"line one\r\nline two\r\n");
    server.write_file("preview/long.log", "a line of the log\n".repeat(90_000).as_bytes());
    server.write_file("preview/firmware.bin", &[0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1]);
    // A large folder: only the rows on screen are drawn.
    for i in 0..MANY {
        server.write_file(&format!("many/file-{i:05}.txt"), &vec![b'x'; i % 97]);
    }
    // A name whose bidi override makes it read as another extension.
    server.write_file("projects/photo\u{202e}gpj.exe", b"not a photo\n");
    // A Latin-1 file name: the bytes c a f 0xE9, which are not UTF-8.
    server.create_dir("latin1");
    let latin1 = server.path("latin1").join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
    std::fs::write(&latin1, b"un caf\xc3\xa9, s'il vous pla\xc3\xaet\n").expect("latin-1 file");
    // For a UTF-8 session: a Latin-1 file to download and rename, and a Latin-1 folder
    // (d, 0xE9, j, 0xE0) to open, by their bytes.
    let naive = server.path("latin1").join(std::ffi::OsStr::from_bytes(b"na\xefve.txt"));
    std::fs::write(&naive, b"naive, in Latin-1\n").expect("latin-1 file");
    let deja = server.path("latin1").join(std::ffi::OsStr::from_bytes(b"d\xe9j\xe0"));
    std::fs::create_dir_all(&deja).expect("latin-1 folder");
    std::fs::write(deja.join("inside.txt"), b"inside a Latin-1 folder\n").expect("file in it");
    server.own(&deja);

    // Servers with real servers' limits: one that accepts REST and sends from byte 0
    // (ranges must be caught), one that takes two sessions from an address (421 after).
    let Some(ignores_rest) = RealServer::start_with_fault(Fault::IgnoreRest) else { return };
    let ranged = noise(RANGED, 0xace);
    ignores_rest.write_file("ranged.bin", &ranged);
    let Some(two_sessions) = RealServer::start_with_fault(Fault::SessionsPerAddress { max: 2 }) else {
        return;
    };
    two_sessions.create_dir("up");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let web = web_dir();
    let fixtures = web.join("tests").join("fixtures");
    let (allowed, denied) = runtime.block_on(async {
        let allowed = StaticSite::start(&web.join("dist"), &fixtures).await.expect("static site");
        let denied = StaticSite::start(&web.join("dist"), &fixtures).await.expect("static site");
        (allowed, denied)
    });

    let config = RelayConfig {
        static_dir: Some(web.join("dist")),
        allowed_origins: vec![allowed.origin()],
        policy: PolicyConfig {
            allow_private: true,
            control_ports: vec![server.port(), ignores_rest.port(), two_sessions.port()],
            ..PolicyConfig::default()
        },
        active: ActiveConfig {
            enabled: true,
            bind_address: Ipv4Addr::LOCALHOST.into(),
            ..ActiveConfig::default()
        },
        ..RelayConfig::default()
    };
    let relay = Relay::new(config).expect("relay config");
    let stop = relay.clone();
    let listener =
        runtime.block_on(tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))).expect("relay listener");
    let relay_address = listener.local_addr().expect("relay address");
    let serving = runtime.spawn(relay.serve(listener, std::future::pending()));

    let screenshots = screenshots_dir();
    std::fs::create_dir_all(&screenshots).expect("screenshots dir");
    let work = tempfile_dir();
    let results = work.join("results.json");
    let app = format!("http://{relay_address}/");
    let relay_ws = format!("ws://{relay_address}/ws");
    let embed_query =
        format!("?relay={relay_ws}&host=127.0.0.1&port={}&user={}&tls=plain", server.port(), server.user());

    println!("relay: {app} (origin {} allowed, {} not)", allowed.origin(), denied.origin());
    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec", "tests/e2e.test.js"])
        .current_dir(&web)
        .env("FTPBRIDGE_E2E_APP_URL", &app)
        .env("FTPBRIDGE_E2E_RELAY_URL", &relay_ws)
        .env("FTPBRIDGE_E2E_FTP_HOST", "127.0.0.1")
        .env("FTPBRIDGE_E2E_FTP_PORT", server.port().to_string())
        .env("FTPBRIDGE_E2E_FTP_USER", server.user())
        .env("FTPBRIDGE_E2E_FTP_PASSWORD", server.password())
        .env("FTPBRIDGE_E2E_BLOCKED_PORT", allowed.address.port().to_string())
        .env("FTPBRIDGE_E2E_BIG_SIZE", BIG.to_string())
        .env("FTPBRIDGE_E2E_MANY", MANY.to_string())
        .env("FTPBRIDGE_E2E_BIG_SHA256", sha256(&big))
        .env("FTPBRIDGE_E2E_IGNORE_REST_PORT", ignores_rest.port().to_string())
        .env("FTPBRIDGE_E2E_RANGED_SHA256", sha256(&ranged))
        .env("FTPBRIDGE_E2E_RANGED_SIZE", RANGED.to_string())
        .env("FTPBRIDGE_E2E_TWO_SESSIONS_PORT", two_sessions.port().to_string())
        .env("FTPBRIDGE_E2E_FAULT_USER", ignores_rest.user())
        .env("FTPBRIDGE_E2E_FAULT_PASSWORD", ignores_rest.password())
        .env("FTPBRIDGE_E2E_MEDIUM_SHA256", sha256(&medium))
        .env(
            "FTPBRIDGE_E2E_EMBED_ALLOWED_URL",
            format!("{}/fixtures/embed.html{embed_query}", allowed.origin()),
        )
        .env(
            "FTPBRIDGE_E2E_EMBED_DENIED_URL",
            format!("{}/fixtures/embed.html{embed_query}", denied.origin()),
        )
        .env("FTPBRIDGE_E2E_SCREENSHOTS", &screenshots)
        .env("FTPBRIDGE_E2E_RESULTS", &results)
        .env("FTPBRIDGE_E2E_WORK", &work)
        .env("FTPBRIDGE_E2E_CHROMIUM", ftpbridge_e2e::chromium())
        .status()
        .expect("run node");

    stop.shutdown();
    let _ = runtime.block_on(serving);
    if !status.success() {
        let _ = std::fs::remove_dir_all(&work);
        panic!("the browser tests failed ({status})\n--- vsftpd ---\n{}", server.log());
    }
    check_results(&server, &results);
    check_busy_uploads(&two_sessions, &results);
    // What the page made by a folder's bytes is where those bytes say.
    let made = server.path("latin1").join(std::ffi::OsStr::from_bytes(b"d\xe9j\xe0")).join("made-inside");
    assert!(made.is_dir(), "the folder made inside the Latin-1 folder is not on the server's disk");
    assert!(
        !server.path("latin1").join(std::ffi::OsStr::from_bytes(b"na\xefve.txt")).exists(),
        "the renamed Latin-1 file is still there under its old name"
    );

    let mut shots: Vec<_> = std::fs::read_dir(&screenshots)
        .map(|dir| {
            dir.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "png")).collect()
        })
        .unwrap_or_default();
    shots.sort();
    println!("screenshots:");
    for shot in shots {
        println!("  {}", shot.display());
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// A fresh scratch folder for the browser script (files to upload, results).
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ftpbridge-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}
