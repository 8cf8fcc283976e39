//! `ftpbridge-demo`: the built-in demo FTP server on loopback (the relay and web app
//! join it in the full demo).

mod ftp;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let root = std::env::temp_dir().join("ftpbridge-demo");
    if let Err(e) = ftp::seed(&root) {
        eprintln!("cannot create the demo files: {e}");
        std::process::exit(1);
    }
    let address = "127.0.0.1:2121".parse().unwrap_or_else(|_| unreachable!());
    println!("demo FTP server on ftp://{}:{}@{address}/", ftp::USER, ftp::PASSWORD);
    if let Err(e) = ftp::serve(address, root, 50000..=50100).await {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
