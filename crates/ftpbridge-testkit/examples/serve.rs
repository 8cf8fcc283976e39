//! Starts one real FTP server on 127.0.0.1 by hand, for profiling or trying the CLI:
//! `cargo run -p ftpbridge-testkit --example serve -- vsftpd [FILE-MIB]`. Prints its URL
//! (with the test credentials) and its root folder, seeds `big.bin` of FILE-MIB MiB
//! when asked, and serves until standard input closes.

use ftpbridge_testkit::{RealServer, ServerKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = match args.next().as_deref() {
        Some("proftpd") => ServerKind::Proftpd,
        Some("pure-ftpd") => ServerKind::PureFtpd,
        Some("pyftpdlib") => ServerKind::Pyftpdlib,
        _ => ServerKind::Vsftpd,
    };
    let Some(server) = RealServer::start(kind) else {
        eprintln!("serve: {} is not installed (tests/servers/install.sh)", kind.name());
        std::process::exit(1);
    };
    if let Some(mib) = args.next().and_then(|n| n.parse::<usize>().ok()) {
        let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        server.write_file("big.bin", &block.repeat(mib));
    }
    println!("{}", server.url(""));
    println!("{}", server.path("").display());
    let _ = std::io::stdin().read_line(&mut String::new());
}
