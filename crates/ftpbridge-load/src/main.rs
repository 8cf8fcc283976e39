//! `ftpbridge-load`: N concurrent FTP sessions through one relay, each looping
//! connect → login → list → download a small file → quit for a bounded time, then N
//! sessions held idle after login. Prints sessions per second, listing latency
//! percentiles, errors, and the relay process's CPU, resident memory per open session
//! and open file descriptors before, during and after (from `/proc/<pid>`).

mod proc_stats;

use clap::Parser;
use ftpbridge_client::{Client, RelayTransport};
use ftpbridge_engine::listing::DateTime;
use ftpbridge_engine::{Config, DataMode, ListOptions};
use proc_stats::Sample;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Parser, Clone)]
#[command(about = "Many concurrent FTP sessions through one ftpbridge relay")]
struct Args {
    /// The relay's WebSocket URL.
    #[arg(long)]
    relay: String,
    /// The relay's process id, to sample its CPU, memory and file descriptors.
    #[arg(long)]
    relay_pid: Option<u32>,
    /// FTP server host (as the relay sees it).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// FTP server port.
    #[arg(long, default_value_t = 2121)]
    port: u16,
    /// FTP user.
    #[arg(long, default_value = "demo")]
    user: String,
    /// FTP password.
    #[arg(long, default_value = "demo")]
    password: String,
    /// Directory to list.
    #[arg(long, default_value = "pub/firmware")]
    list: String,
    /// Small file to download.
    #[arg(long, default_value = "pub/firmware/CHANGELOG.md")]
    file: String,
    /// Concurrent sessions.
    #[arg(long, default_value_t = 100)]
    sessions: usize,
    /// Seconds of the looping phase.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Print one machine-readable line (key=value pairs) at the end too.
    #[arg(long)]
    summary: bool,
}

#[derive(Default)]
struct Tally {
    sessions: AtomicU64,
    errors: AtomicU64,
    list_micros: Mutex<Vec<u64>>,
    first_error: Mutex<Option<String>>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let relay = args.relay_pid.map(proc_stats::Process::new);
    let before = relay.as_ref().and_then(|p| p.sample());

    // Phase 1: hold every session idle after login, to measure memory per session
    // (first, while the relay's allocator has not yet grown for the busy phase).
    let idle_before = relay.as_ref().and_then(|p| p.sample());
    let mut idle = Vec::new();
    let mut idle_errors = 0;
    let mut first_idle_error = None;
    for _ in 0..args.sessions {
        match login(&args).await {
            Ok(client) => idle.push(client),
            Err(error) => {
                idle_errors += 1;
                first_idle_error.get_or_insert(error);
            }
        }
    }
    let idle_during = relay.as_ref().and_then(|p| p.sample());
    for client in idle {
        client.quit().await;
    }
    if let Some(process) = &relay {
        settle(process, before.as_ref()).await;
    }
    // Phase 2: every worker loops over whole sessions until the deadline.
    let tally = Arc::new(Tally::default());
    *tally.first_error.lock().await = first_idle_error;
    let loop_before = relay.as_ref().and_then(|p| p.sample());
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.sessions {
        let (args, tally) = (args.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match one_session(&args).await {
                    Ok(list) => {
                        tally.sessions.fetch_add(1, Ordering::Relaxed);
                        tally.list_micros.lock().await.push(list.as_micros() as u64);
                    }
                    Err(error) => {
                        tally.errors.fetch_add(1, Ordering::Relaxed);
                        tally.first_error.lock().await.get_or_insert(error);
                    }
                }
            }
        }));
    }
    // Sample the relay halfway through.
    tokio::time::sleep(Duration::from_secs(args.seconds / 2)).await;
    let during = relay.as_ref().and_then(|p| p.sample());
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Give the relay a moment to close what the sessions held, then sample again.
    let after = match &relay {
        Some(process) => settle(process, before.as_ref()).await,
        None => None,
    };

    let mut micros = std::mem::take(&mut *tally.list_micros.lock().await);
    micros.sort_unstable();
    let percentile =
        |p: f64| micros.get(((micros.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0);
    let sessions = tally.sessions.load(Ordering::Relaxed);
    let errors = tally.errors.load(Ordering::Relaxed) + idle_errors;
    println!(
        "ftpbridge-load: {} concurrent sessions for {:.1} s through {}",
        args.sessions, elapsed, args.relay
    );
    println!("  sessions completed   {sessions} ({:.1}/s)", sessions as f64 / elapsed);
    println!(
        "  listing latency      p50 {:.1} ms, p99 {:.1} ms",
        percentile(0.5) as f64 / 1000.0,
        percentile(0.99) as f64 / 1000.0
    );
    println!("  errors               {errors}");
    if let Some(first) = tally.first_error.lock().await.as_ref() {
        println!("  first error          {first}");
    }
    let mut summary = format!(
        "sessions={} completed={sessions} per_second={:.1} p50_ms={:.1} p99_ms={:.1} errors={errors}",
        args.sessions,
        sessions as f64 / elapsed,
        percentile(0.5) as f64 / 1000.0,
        percentile(0.99) as f64 / 1000.0
    );
    if let (Some(before), Some(loop_before), Some(during), Some(idle_before), Some(idle_during)) =
        (&before, &loop_before, &during, &idle_before, &idle_during)
    {
        let cpu = during.cpu_seconds_since(loop_before) / during.wall_seconds_since(loop_before);
        let per_session = (idle_during.rss_bytes.saturating_sub(idle_before.rss_bytes)) as f64
            / args.sessions.max(1) as f64;
        let after_fds = after.as_ref().map_or(0, |a| a.fds);
        println!("  relay CPU            {:.0}% of one core (looping phase)", cpu * 100.0);
        println!(
            "  relay memory         {:.1} MiB before, {:.1} MiB with {} idle sessions ({:.1} KiB each), {:.1} MiB looping",
            before.rss_bytes as f64 / 1048576.0,
            idle_during.rss_bytes as f64 / 1048576.0,
            args.sessions,
            per_session / 1024.0,
            during.rss_bytes as f64 / 1048576.0,
        );
        println!(
            "  relay open fds       {} before, {} with idle sessions, {} looping, {} after",
            before.fds, idle_during.fds, during.fds, after_fds
        );
        summary.push_str(&format!(
            " cpu_percent={:.0} rss_before_mib={:.1} kib_per_idle_session={:.1} fds_before={} fds_during={} fds_idle={} fds_after={after_fds}",
            cpu * 100.0,
            before.rss_bytes as f64 / 1048576.0,
            per_session / 1024.0,
            before.fds,
            during.fds,
            idle_during.fds,
        ));
    }
    if args.summary {
        println!("{summary}");
    }
    if errors > 0 {
        std::process::exit(1);
    }
}

/// Samples the relay until its descriptors are back to the baseline (or 10 s pass).
async fn settle(process: &proc_stats::Process, baseline: Option<&Sample>) -> Option<Sample> {
    let limit = Instant::now() + Duration::from_secs(10);
    loop {
        let sample = process.sample()?;
        if baseline.is_none_or(|b| sample.fds <= b.fds) || Instant::now() > limit {
            return Some(sample);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn config(args: &Args) -> Config {
    let mut config =
        Config::new(args.host.clone(), args.port).with_login(args.user.clone(), args.password.clone());
    config.mode = DataMode::Passive;
    // The relay's load, not TLS's: plain sessions.
    config.tls = ftpbridge_engine::TlsMode::Plain;
    config
}

async fn login(args: &Args) -> Result<Client<RelayTransport>, String> {
    let transport = RelayTransport::connect(&args.relay).await?;
    Client::connect(config(args), transport, None).await.map_err(|e| e.to_string())
}

/// One whole session; returns how long the listing took.
async fn one_session(args: &Args) -> Result<Duration, String> {
    let mut client = login(args).await?;
    let now = DateTime::from_unix_seconds(1_700_000_000);
    let start = Instant::now();
    let entries = client
        .list(Some(args.list.as_str().into()), ListOptions { all: false, now })
        .await
        .map_err(|e| e.to_string())?;
    let list = start.elapsed();
    if entries.is_empty() {
        return Err(format!("{} listed no entries", args.list));
    }
    let mut sink = tokio::io::sink();
    client.download(args.file.as_str().into(), 0, &mut sink, None).await.map_err(|e| e.to_string())?;
    client.quit().await;
    Ok(list)
}
