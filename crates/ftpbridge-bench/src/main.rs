//! `ftpbridge-bench`: benchmarks that print figures, never pass/fail timing tests.
//!
//! - `browser`: in headless Chromium, in one run: a file downloaded from vsftpd
//!   through the relay with `FtpClient` (data discarded in the page) beside a raw
//!   WebSocket receive of the same size from a trivial sender; the same for uploads;
//!   the time from page load to the first listing against the demo server; the wasm
//!   module's size; `<ftp-browser>` showing and re-sorting a folder of 100,000 entries;
//!   a download in ranges over 1, 2 and 4 sessions side by side, from a server that
//!   caps each connection and from one that does not.
//!
//! - `cli`: curl beside `ftpbridge` directly and through the relay, downloading and
//!   uploading one file from vsftpd.
//! - `tunnel`: a TCP stream pulled through the relay beside websockify, wstunnel and
//!   a minimal tokio-tungstenite pipe (and direct TCP).
//!
//! Each figure is the median of several runs, measured side by side in the same run
//! because the machine is noisy. Output is a Markdown section for `BENCHMARKS.md`.

mod browser;
mod cli;
mod raw_ws;
mod tunnel;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "ftpbridge benchmarks")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The browser: FtpClient vs raw WebSocket, first listing, wasm size.
    Browser {
        /// Bytes per transfer.
        #[arg(long, default_value_t = 1 << 30)]
        bytes: u64,
        /// Runs of each measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// The repository root (for web/dist and web/node_modules).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// curl vs ftpbridge directly vs ftpbridge through the relay.
    Cli {
        /// Bytes per transfer.
        #[arg(long, default_value_t = 1 << 30)]
        bytes: u64,
        /// Runs of each measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: u32,
    },
    /// The minimal WebSocket-to-TCP pipe alone, until killed (the tunnel bench runs it).
    Pipe {
        /// Where to listen.
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// Where each client's bytes come from.
        #[arg(long)]
        target: std::net::SocketAddr,
    },
    /// The relay beside websockify and a minimal WebSocket pipe.
    Tunnel {
        /// Bytes per transfer.
        #[arg(long, default_value_t = 1 << 30)]
        bytes: u64,
        /// Runs of each measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// The websockify program, when installed.
        #[arg(long)]
        websockify: Option<String>,
        /// The wstunnel program (npm's wstunnel 1.x), when installed.
        #[arg(long)]
        wstunnel: Option<String>,
    },
}

fn main() {
    let args = Args::parse();
    let result = match args.command {
        Command::Browser { bytes, runs, root } => browser::run(&root, bytes, runs),
        Command::Cli { bytes, runs } => cli::run(bytes, runs),
        Command::Pipe { listen, target } => tunnel::serve_pipe(listen, target).map(|()| String::new()),
        Command::Tunnel { bytes, runs, websockify, wstunnel } => {
            let others: Vec<_> = (websockify.as_deref().map(tunnel::websockify).into_iter())
                .chain(wstunnel.as_deref().map(tunnel::wstunnel))
                .collect();
            tunnel::run(bytes, runs, &others)
        }
    };
    match result {
        Ok(markdown) => println!("{markdown}"),
        Err(error) => {
            eprintln!("ftpbridge-bench: {error}");
            std::process::exit(1);
        }
    }
}

/// The median of some figures (0 for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Starts the relay in-process, allowing loopback on `control_ports` (and serving
/// `static_dir`); `BENCH_WINDOW`, `BENCH_PAYLOAD` and `BENCH_WS_READ` override its
/// limits for experiments. Returns its address and the sender that stops it.
pub async fn start_relay(
    static_dir: Option<PathBuf>,
    control_ports: Vec<u16>,
    allowed_origins: Vec<String>,
) -> Result<(std::net::SocketAddr, tokio::sync::oneshot::Sender<()>), String> {
    let mut config = ftpbridge_relay::RelayConfig { static_dir, ..ftpbridge_relay::RelayConfig::default() };
    config.allowed_origins = allowed_origins;
    config.policy.allow_private = true;
    config.policy.control_ports = control_ports;
    let limits = &mut config.limits;
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok());
    if let Some(window) = var("BENCH_WINDOW") {
        limits.window = window as u32;
    }
    if let Some(payload) = var("BENCH_PAYLOAD") {
        limits.max_payload = payload as u32;
    }
    if let Some(read) = var("BENCH_WS_READ") {
        limits.ws_read_buffer = read;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(ftpbridge_relay::serve(listener, config, async move {
        let _ = stopped.await;
    }));
    Ok((address, stop))
}

/// A binary built next to this one.
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = me.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is not built (cargo build --release -p {name})", path.display()))
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Writes `bytes` of pseudo-random data to `path`.
pub fn write_big_file(path: &std::path::Path, bytes: u64) -> Result<(), String> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let block: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut written = 0u64;
    while written < bytes {
        let n = block.len().min((bytes - written) as usize);
        file.write_all(&block[..n]).map_err(|e| e.to_string())?;
        written += n as u64;
    }
    Ok(())
}
