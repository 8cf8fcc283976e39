//! The TLS layer's input: what a server (or anything between) sends where the client
//! expects TLS, and certificates as bytes.

use ftpbridge_driver::{Driver, Input};
use ftpbridge_engine::{Config, Event, Instant, Output, SocketId, TlsMode};

/// Reads the first bytes as chunk sizes, the rest as what the server sends on an
/// implicit-TLS control connection; the driver must neither panic nor report a
/// session that never ends. The whole input is also read as a certificate.
pub fn tls(data: &[u8]) {
    let _ = ftpbridge_tls::summarize(data);
    let _ = ftpbridge_tls::key_hash(data);

    let mut config = Config::new("ftp.example.com", 990).with_login("u", "p");
    config.tls = TlsMode::Implicit;
    let trust = ftpbridge_driver::Trust { roots: ftpbridge_driver::Roots::None, ..Default::default() };
    let mut driver = Driver::new(config, trust, Instant::ZERO);
    let drain = |driver: &mut Driver| {
        let mut closed = 0;
        while let Some(output) = driver.poll_output() {
            assert!(!matches!(output, Output::StartTls { .. }), "the driver does TLS itself");
            if let Output::Event(Event::Closed { .. }) = output {
                closed += 1;
            }
        }
        closed
    };
    let mut closed = drain(&mut driver);
    driver.handle(Instant::ZERO, Input::Connected { socket: SocketId::CONTROL, peer: None });
    closed += drain(&mut driver);
    let (sizes, mut rest) = data.split_at(data.len().min(4));
    let mut i = 0;
    while !rest.is_empty() {
        let size = usize::from(sizes.get(i % sizes.len().max(1)).copied().unwrap_or(64)).max(1) * 7;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        driver.handle(Instant::ZERO, Input::Data { socket: SocketId::CONTROL, data: chunk.to_vec() });
        closed += drain(&mut driver);
        rest = tail;
        i += 1;
    }
    driver.handle(Instant::ZERO, Input::Eof { socket: SocketId::CONTROL });
    closed += drain(&mut driver);
    assert!(closed <= 1, "the session closed {closed} times");
    assert!(driver.session().is_closed(), "junk instead of TLS, then EOF: the session must end");
}
