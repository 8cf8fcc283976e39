//! `ftpbridge-demo`: the whole product on one machine. The relay serves the web app
//! and opens FTP connections for it, and a built-in FTP server (libunftp) with sample
//! files listens on loopback; the relay's policy allows exactly that server.
//!
//! `cargo xtask demo` builds the web app and runs this.

mod ftp;

use clap::Parser;
use ftpbridge_relay::RelayConfig;
use ftpbridge_relay::policy::Cidr;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "The ftpbridge demo: relay + web app + a built-in FTP server on 127.0.0.1")]
struct Args {
    /// Port of the web app and relay on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Port of the demo FTP server on 127.0.0.1.
    #[arg(long, default_value_t = 2121)]
    ftp_port: u16,
    /// The built web app (`cargo xtask web` writes it to web/dist).
    #[arg(long, default_value = "web/dist")]
    static_dir: PathBuf,
    /// Folder the demo FTP server serves (created and filled with samples).
    #[arg(long)]
    files: Option<PathBuf>,
    /// Run only the FTP server (for load tests against a separately started relay).
    #[arg(long)]
    ftp_only: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(message) = run(Args::parse()).await {
        eprintln!("ftpbridge-demo: {message}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("ftpbridge_relay=info"))
        .init();
    if args.ftp_only {
        let files = args.files.unwrap_or_else(|| std::env::temp_dir().join("ftpbridge-demo"));
        ftp::seed(&files).map_err(|e| format!("cannot create the demo files in {}: {e}", files.display()))?;
        let address = SocketAddrV4::new(Ipv4Addr::LOCALHOST, args.ftp_port);
        println!(
            "FTP server on ftp://{}:{}@{address}/ serving {}",
            ftp::USER,
            ftp::PASSWORD,
            files.display()
        );
        let tls = ftp::tls(&std::env::temp_dir().join("ftpbridge-demo-tls"))?;
        return ftp::serve(address, files, 50000..=59999, Some(&tls)).await;
    }
    if !args.static_dir.join("index.html").exists() {
        return Err(format!("{} has no web app: run `cargo xtask web` first", args.static_dir.display()));
    }
    let files = args.files.unwrap_or_else(|| std::env::temp_dir().join("ftpbridge-demo"));
    ftp::seed(&files).map_err(|e| format!("cannot create the demo files in {}: {e}", files.display()))?;

    let ftp_address = SocketAddrV4::new(Ipv4Addr::LOCALHOST, args.ftp_port);
    let tls = ftp::tls(&std::env::temp_dir().join("ftpbridge-demo-tls"))?;
    let fingerprint = tls.fingerprint.clone();
    let served = files.clone();
    let ftp = tokio::spawn(async move { ftp::serve(ftp_address, served, 50000..=50100, Some(&tls)).await });

    let mut config = RelayConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
        static_dir: Some(args.static_dir.clone()),
        ..RelayConfig::default()
    };
    // Exactly the demo server: loopback is allowed, but only 127.0.0.1 on its port.
    config.policy.allow_private = true;
    config.policy.allow_cidrs = vec![Cidr::new(Ipv4Addr::LOCALHOST.into(), 32).ok_or("bad CIDR")?];
    config.policy.control_ports = vec![args.ftp_port];
    // Data connections: the server's passive range, where the relay cannot read the
    // control stream (TLS); where it can, only ports the server announced.
    config.policy.data_ports =
        ftpbridge_relay::policy::PortSet::parse(&["50000-50100"]).map_err(|e| e.to_string())?;
    // Only the demo's own loopback names (the defaults) may be its Host and Origin.
    config.active.enabled = true;
    config.active.bind_address = Ipv4Addr::LOCALHOST.into();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;

    let url = format!("http://{}/", config.listen);
    println!();
    println!("  ftpbridge demo");
    println!("  open        {url}#ftp://{}@{ftp_address}/", ftp::USER);
    println!("  FTP server  {ftp_address}  user {}  password {}", ftp::USER, ftp::PASSWORD);
    println!("  TLS key     SHA-256 {fingerprint}");
    println!("              (self-signed: the page asks before trusting it; check this fingerprint)");
    println!("  files       {}", files.display());
    println!("  Ctrl-C stops it.");
    println!();

    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tokio::select! {
        result = ftpbridge_relay::serve(listener, config, shutdown) => result.map_err(|e| format!("relay: {e}")),
        result = ftp => match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(format!("the FTP server task failed: {e}")),
        },
    }
}
