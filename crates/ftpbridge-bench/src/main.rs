//! `ftpbridge-bench`: benchmarks that print figures, never pass/fail timing tests.
//!
//! - `browser`: in headless Chromium, in one run: a file downloaded from vsftpd
//!   through the relay with `FtpClient` (data discarded in the page) beside a raw
//!   WebSocket receive of the same size from a trivial sender; the same for uploads;
//!   the time from page load to the first listing against the demo server; the wasm
//!   module's size.
//!
//! Each figure is the median of several runs, measured side by side in the same run
//! because the machine is noisy. Output is a Markdown section for `BENCHMARKS.md`.

mod browser;
mod raw_ws;

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
}

fn main() {
    let args = Args::parse();
    let result = match args.command {
        Command::Browser { bytes, runs, root } => browser::run(&root, bytes, runs),
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
