//! `ftpbridge-relay`: serves the relay (the default), or mints a session ticket
//! (`ftpbridge-relay ticket`).
//!
//! Configuration: flags over `FTPBRIDGE_RELAY_*` environment variables over the TOML
//! file (`--config`) over safe defaults; see the crate README.

use clap::{Parser, Subcommand};

use ftpbridge_relay::{LogFormat, Relay, layers, ticket};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};
use tracing_subscriber::EnvFilter;

/// FTP for the web browser: the WebSocket-to-TCP relay.
#[derive(Parser, Debug)]
#[command(name = "ftpbridge-relay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (TOML).
    #[arg(long, env = layers::ENV_CONFIG_FILE, global = true)]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<String>,
    /// Folder of the web app, served at `/`.
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, value_parser = ["text", "json"])]
    log_format: Option<String>,
    /// Allow loopback and private destinations (development and tests only).
    #[arg(long)]
    allow_private: bool,
    /// A browser origin allowed to open sessions (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Run as an open relay on a public address (no allow-list, no tickets): any page
    /// may then reach any public FTP server through it.
    #[arg(long)]
    open_relay: bool,
    /// Any option by its key, e.g. `--set limits.max_sessions=100` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Mint a signed session ticket and print it.
    Ticket {
        /// The HMAC secret shared with the relay (`tickets.secrets`).
        #[arg(long, env = "FTPBRIDGE_RELAY_TICKET_SECRET", hide_env_values = true)]
        secret: String,
        /// A control server the session may reach: host name, `*.domain`, IP or CIDR
        /// (repeatable).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// How long the ticket is valid: seconds, or with a unit (`90s`, `15m`, `2h`, `1d`).
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
        /// A relay host name the ticket is for (repeatable; default: any).
        #[arg(long = "audience")]
        audience: Vec<String>,
        /// Sessions that may use the ticket at once.
        #[arg(long)]
        max_sessions: Option<u32>,
        /// Ports its data connections may go to: `A-B`, `N`, `!N` (repeatable).
        #[arg(long = "data-ports")]
        data_ports: Vec<String>,
    },
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let number: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(format!("unknown unit {unit:?} (use s, m, h or d)")),
    };
    number.checked_mul(scale).map(Duration::from_secs).ok_or_else(|| "duration too long".to_string())
}

/// The main thread accepts connections and hands them to the worker threads.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Ticket { secret, hosts, ttl, audience, max_sessions, data_ports }) = &cli.command {
        let spec = ticket::TicketSpec {
            hosts: hosts.clone(),
            audience: audience.clone(),
            max_sessions: *max_sessions,
            data_ports: data_ports.clone(),
        };
        return match ticket::mint(secret.as_bytes(), &spec, *ttl, SystemTime::now()) {
            Ok(ticket) => {
                println!("{ticket}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("ftpbridge-relay: {error}");
                ExitCode::from(2)
            }
        };
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ftpbridge-relay: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let file = match &cli.config {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => None,
    };
    let mut overrides = Vec::new();
    if let Some(listen) = &cli.listen {
        overrides.push(("listen".to_string(), listen.clone()));
    }
    if let Some(dir) = &cli.static_dir {
        overrides.push(("static_dir".to_string(), dir.display().to_string()));
    }
    if let Some(format) = &cli.log_format {
        overrides.push(("log_format".to_string(), format.clone()));
    }
    if cli.allow_private {
        overrides.push(("policy.allow_private".to_string(), "true".to_string()));
    }
    if !cli.allowed_origins.is_empty() {
        overrides.push(("allowed_origins".to_string(), cli.allowed_origins.join(",")));
    }
    if cli.open_relay {
        overrides.push(("open_relay".to_string(), "true".to_string()));
    }
    for pair in &cli.set {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| format!("--set {pair:?}: expected KEY=VALUE"))?;
        overrides.push((key.trim().to_string(), value.to_string()));
    }
    let config = layers::load(file.as_deref(), std::env::vars(), &overrides).map_err(|e| e.to_string())?;

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.init(),
    }

    if let Some(refusal) = config.open_relay_refusal(config.listen) {
        return Err(refusal);
    }
    if config.open_relay {
        tracing::warn!("running as an OPEN RELAY: any page may reach any public FTP server through it");
    }
    let config = fit_descriptors(config);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_listen = config.metrics.listen;
    let relay = Relay::new(config).map_err(|e| e.to_string())?;
    tracing::info!(%address, allow_private = relay.config().policy.allow_private, "relay started");
    if let Some(metrics_address) = metrics_listen {
        let metrics = tokio::net::TcpListener::bind(metrics_address)
            .await
            .map_err(|e| format!("cannot listen on {metrics_address} for metrics: {e}"))?;
        relay.listening_on(metrics.local_addr().map_err(|e| e.to_string())?);
        let router = relay.metrics_router();
        tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(metrics, service).await;
        });
        println!("metrics on http://{metrics_address}/metrics");
    }
    println!("listening on http://{address}");
    let _ = std::io::stdout().flush();
    relay.serve(listener, shutdown_signal()).await.map_err(|e| e.to_string())
}

/// File descriptors a session may use at most: its WebSocket and its streams (a
/// listener and its accepted connection count as two).
fn descriptors_per_session(config: &ftpbridge_relay::RelayConfig) -> u64 {
    1 + 2 * config.limits.max_streams_per_session as u64
}

/// Raises the soft limit on open files to the hard limit, then makes the session limit
/// fit what is left after a reserve for the listener, health checks and static files,
/// so that `/healthz` keeps answering when every session is taken.
fn fit_descriptors(mut config: ftpbridge_relay::RelayConfig) -> ftpbridge_relay::RelayConfig {
    const RESERVE: u64 = 64;
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let per_session = descriptors_per_session(&config);
    let fits = limit.saturating_sub(RESERVE) / per_session;
    let wanted = config.limits.max_sessions as u64;
    if fits < wanted {
        let lowered = fits.max(1) as usize;
        tracing::warn!(
            open_files = limit,
            wanted,
            lowered,
            "the open-file limit cannot hold limits.max_sessions sessions of {per_session} descriptors; \
             serving at most {lowered} (raise `ulimit -n` or lower the limits)"
        );
        config.limits.max_sessions = lowered;
        config.limits.max_sessions_per_ip = config.limits.max_sessions_per_ip.min(lowered);
        config.limits.max_sessions_per_network = config.limits.max_sessions_per_network.min(lowered);
    } else {
        tracing::info!(open_files = limit, "open-file limit");
    }
    config
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return tokio::signal::ctrl_c().await.unwrap_or(()),
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_ttl("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_ttl("1d"), Ok(Duration::from_secs(86400)));
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn cli_parses() {
        Cli::try_parse_from(["ftpbridge-relay", "--listen", "0.0.0.0:80", "--set", "limits.window=1"])
            .unwrap();
        Cli::try_parse_from(["ftpbridge-relay", "ticket", "--secret", "s", "--host", "ftp.example.com"])
            .unwrap();
        Cli::try_parse_from([
            "ftpbridge-relay",
            "ticket",
            "--secret",
            "s",
            "--host",
            "ftp.example.com",
            "--audience",
            "relay.example",
            "--max-sessions",
            "2",
            "--data-ports",
            "40000-40100",
        ])
        .unwrap();
        assert!(Cli::try_parse_from(["ftpbridge-relay", "ticket", "--secret", "s"]).is_err());
    }
}
