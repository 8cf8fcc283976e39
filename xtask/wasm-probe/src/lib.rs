//! Links the engine into a wasm module with one export, so the build can be checked for
//! imports: a sans-IO engine must import nothing from `env` (no clock, no I/O).

use ftpbridge_engine::listing::DateTime;
use ftpbridge_engine::{Config, Instant, ListOptions, Output, Session, SocketId};

/// Drives a session through a scripted login and listing; returns how many outputs it
/// produced (so nothing is optimised away).
#[unsafe(no_mangle)]
pub extern "C" fn probe(seed: u32) -> u32 {
    let mut session = Session::new(Config::new("ftp.example.com", 21), Instant::ZERO);
    let now = Instant::from_millis(u64::from(seed));
    session.list(now, None, ListOptions { all: true, now: DateTime::from_unix_seconds(i64::from(seed)) });
    session.handle_connected(now, SocketId::CONTROL, None);
    let script: &[&[u8]] = &[
        b"220 hi\r\n",
        b"331 pass\r\n",
        b"230 ok\r\n",
        b"211-Features:\r\n MLST type*;size*;\r\n UTF8\r\n211 End\r\n",
        b"200 utf8\r\n",
        b"200 type\r\n",
        b"257 \"/\"\r\n",
        b"229 Entering Extended Passive Mode (|||40000|)\r\n",
    ];
    let mut count = 0;
    for reply in script {
        session.handle_data(now, SocketId::CONTROL, *reply);
        while let Some(output) = session.poll_output() {
            count += 1;
            if let Output::Connect { socket, .. } = output
                && socket != SocketId::CONTROL
            {
                session.handle_connected(now, socket, None);
                session.handle_data(now, socket, b"type=file;size=5; a.txt\r\n");
                session.handle_eof(now, socket);
            }
        }
    }
    session.handle_timeout(now);
    count
}
