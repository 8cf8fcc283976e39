//! `ftpbridge-interop`: the interop matrix. It runs the `ftpbridge` CLI binary through
//! an ftpbridge relay (in-process) against every real server — vsftpd, proftpd,
//! pure-ftpd and pyftpdlib from `ftpbridge-testkit`, libunftp from `ftpbridge-demo
//! --ftp-only` — in EPSV, PASV and active mode over plain FTP, then in EPSV and PASV
//! over explicit TLS and over implicit TLS (a second server where the server has it),
//! one cell per operation, and writes `docs/INTEROP.md`.
//!
//! ```text
//!  ftpbridge-interop ── per server ──> start it (testkit / ftpbridge-demo) + a relay for its port
//!        │                               │
//!        ├── per mode × operation: seed files on the server's disk
//!        │      └─> ftpbridge <cmd> --verbose --relay ws://… ──WS──> relay ──TCP──> server
//!        ├── check: exit code, transcript (MLSD/LIST, REST, APPE), SHA-256 on both sides
//!        └── docs/INTEROP.md: a table per server, notes for every cell that is not a pass
//! ```
//!
//! `cargo xtask interop` builds the release binaries and runs it; after
//! `cargo build --release -p ftpbridge-cli -p ftpbridge-demo -p ftpbridge-interop` it
//! also runs directly, finding `ftpbridge` and `ftpbridge-demo` next to itself. It exits
//! with 1 when a cell fails.

mod cells;
mod cli;
mod report;
mod server;

use cells::{Cell, DataUse, Op, Outcome};
use clap::Parser;
use cli::{Cli, Failed, Mode};
use report::{RunInfo, ServerResults};
use server::{Kind, Relay, Server};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

#[derive(Parser)]
#[command(
    name = "ftpbridge-interop",
    about = "Runs the ftpbridge CLI through the relay against real FTP servers; writes docs/INTEROP.md"
)]
struct Args {
    /// The `ftpbridge` binary [default: `ftpbridge` next to this executable].
    #[arg(long)]
    cli: Option<PathBuf>,
    /// The `ftpbridge-demo` binary, for libunftp [default: next to this executable].
    #[arg(long)]
    demo: Option<PathBuf>,
    /// Where to write the report.
    #[arg(long, default_value = "docs/INTEROP.md")]
    output: PathBuf,
    /// The servers to run, comma-separated [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    servers: Vec<Kind>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let kinds = if args.servers.is_empty() { Kind::ALL.to_vec() } else { args.servers.clone() };
    let next_to_me = |name: &str| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
            .unwrap_or(name.into())
    };
    let cli = args.cli.clone().unwrap_or_else(|| next_to_me("ftpbridge"));
    let demo = args.demo.clone().unwrap_or_else(|| next_to_me("ftpbridge-demo"));
    let mut missing = vec![&cli];
    if kinds.contains(&Kind::Libunftp) {
        missing.push(&demo);
    }
    if let Some(path) = missing.into_iter().find(|p| !p.is_file()) {
        eprintln!(
            "ftpbridge-interop: {} does not exist: run `cargo build --release -p ftpbridge-cli -p ftpbridge-demo` \
             (or `cargo xtask interop`), or pass --cli/--demo",
            path.display()
        );
        return ExitCode::from(2);
    }

    let started = SystemTime::now();
    let clock = Instant::now();
    let results: Vec<ServerResults> = kinds.iter().map(|&kind| run_server(kind, &cli, &demo)).collect();
    let info = RunInfo { started, runtime: clock.elapsed() };
    let tally = report::tally(&results);

    let page = report::markdown(&info, &results);
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("ftpbridge-interop: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::write(&args.output, page) {
        eprintln!("ftpbridge-interop: cannot write {}: {e}", args.output.display());
        return ExitCode::from(2);
    }
    println!();
    println!(
        "{} pass, {} n/a, {} FAIL in {}; wrote {}",
        tally.pass,
        tally.not_applicable,
        tally.fail,
        report::duration(info.runtime),
        args.output.display()
    );
    for result in &results {
        for (op, mode, outcome) in &result.cells {
            if let Outcome::Fail(_) = outcome {
                println!(
                    "  FAIL {} {} {}: {}",
                    result.kind,
                    mode.label(),
                    op.label(),
                    report::cell_text(outcome)
                );
            }
        }
    }
    if tally.fail > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Every cell of one server.
fn run_server(kind: Kind, cli_exe: &Path, demo: &Path) -> ServerResults {
    println!("\n== {kind}");
    let clock = Instant::now();
    let mut results = ServerResults {
        kind,
        cells: Vec::new(),
        durations: Vec::new(),
        runtime: Default::default(),
        observations: Vec::new(),
    };
    let setup = Server::start(kind, demo).and_then(|server| {
        let implicit = Server::start_implicit(kind);
        let ports: Vec<u16> =
            std::iter::once(server.port()).chain(implicit.as_ref().ok().map(Server::port)).collect();
        let relay = Relay::start(&ports)?;
        let local = tempfile::Builder::new()
            .prefix("ftpbridge-interop-")
            .tempdir()
            .map_err(|e| format!("cannot create a local temp dir: {e}"))?;
        Ok((server, implicit, relay, local))
    });
    let (server, implicit, relay, local) = match setup {
        Ok(setup) => setup,
        Err(why) => {
            let first = why.lines().next().unwrap_or_default().to_string();
            println!("   the server did not start: {why}");
            for mode in Mode::ALL {
                for op in Op::ALL {
                    let failed = Failed {
                        message: format!("the server did not start: {first}"),
                        transcript: String::new(),
                    };
                    results.cells.push((op, mode, Outcome::Fail(failed)));
                    results.durations.push(Default::default());
                }
            }
            results.runtime = clock.elapsed();
            return results;
        }
    };
    let scrub = Scrub(vec![
        (local.path().to_string_lossy().into_owned(), "<local>"),
        (server.dir().to_string_lossy().into_owned(), "<server>"),
        (implicit.as_ref().map(|s| s.dir().to_string_lossy().into_owned()).unwrap_or_default(), "<server>"),
        (std::env::temp_dir().to_string_lossy().trim_end_matches('/').to_string(), "<tmp>"),
    ]);
    // The CLI's known hosts (TLS seen, keys pinned on first use) live in the run's
    // folder, beside its files.
    let config = local.path().join(".config");
    let cli = Cli::new(cli_exe, relay.url(), server.trust(), &config);
    let implicit_cli = implicit.as_ref().ok().map(|s| Cli::new(cli_exe, relay.url(), s.trust(), &config));
    let mlsd = offers_mlsd(&cli, &server).map_err(|e| scrub.apply(&e));
    match &mlsd {
        Ok(true) => println!("   FEAT lists MLSD/MLST"),
        Ok(false) => println!("   FEAT lists neither MLSD nor MLST: list (MLSD) is n/a"),
        Err(why) => println!("   FEAT failed: {why}"),
    }
    for mode in Mode::ALL {
        let mut data = DataUse::default();
        for op in Op::ALL {
            print!("   {:<6} {:<12} ", mode.label(), op.label());
            let _ = std::io::stdout().flush();
            let cell_clock = Instant::now();
            let target = match (mode, &implicit, &implicit_cli) {
                (Mode::Implicit, Ok(server), Some(cli)) => Ok((server, cli)),
                (Mode::Implicit, Err(why), _) => Err(why.clone()),
                _ => Ok((&server, &cli)),
            };
            let outcome = match target {
                Err(why) if why.ends_with("has no implicit TLS") => Outcome::NotApplicable {
                    why: "no implicit TLS".into(),
                    detail: "the server offers explicit TLS only (the TLS columns)".into(),
                },
                Err(why) => Outcome::Fail(Failed {
                    message: format!("the implicit-TLS server did not start: {why}"),
                    transcript: String::new(),
                }),
                Ok((server, cli)) => {
                    let cell = Cell { server, cli, mode, local: local.path(), mlsd: &mlsd };
                    cell.run(op, &mut data)
                }
            };
            let outcome = match outcome {
                Outcome::Fail(failed) => Outcome::Fail(Failed {
                    message: scrub.apply(&failed.message),
                    transcript: scrub.apply(&failed.transcript),
                }),
                other => other,
            };
            let took = cell_clock.elapsed();
            println!("{} ({:.1} s)", report::cell_text(&outcome), took.as_secs_f64());
            if let Outcome::Fail(failed) = &outcome
                && !failed.transcript.is_empty()
            {
                for line in failed.transcript.lines() {
                    println!("      | {line}");
                }
            }
            results.cells.push((op, mode, outcome));
            results.durations.push(took);
        }
        if let Some(note) = fallback_note(kind, mode, &data) {
            println!("   {note}");
            results.observations.push(note);
        }
    }
    results.runtime = clock.elapsed();
    if results.cells.iter().any(|(_, _, o)| matches!(o, Outcome::Fail(_))) {
        println!("   server log:");
        for line in scrub.apply(&server.log()).lines() {
            println!("      | {line}");
        }
    }
    results
}

/// Whether the server's FEAT lists MLSD or MLST (`ftpbridge quote URL FEAT`).
fn offers_mlsd(cli: &Cli, server: &Server) -> Result<bool, String> {
    let run = cli.run(None, "quote", &[&server.url(""), "FEAT"]);
    if !run.success() {
        return Err(format!("FEAT: {}", run.message()));
    }
    Ok(run.stdout.lines().skip(1).any(|line| {
        let fact = line.trim_start().to_ascii_uppercase();
        fact.starts_with("MLST") || fact.starts_with("MLSD")
    }))
}

/// A note when the transcripts of a mode show a data-connection command refused and
/// another one used instead (e.g. EPRT refused, PORT used).
fn fallback_note(kind: Kind, mode: Mode, data: &DataUse) -> Option<String> {
    if data.refused.is_empty() {
        return None;
    }
    let refused: Vec<String> = data.refused.iter().map(|(verb, code)| format!("{verb} ({code})")).collect();
    let used = if data.used.is_empty() { "nothing else".to_string() } else { data.used.join(" and ") };
    Some(format!(
        "{kind}, {}: the server refused {}; the CLI used {used} instead.",
        mode.label(),
        refused.join(", ")
    ))
}

/// Replaces this machine's temp paths in messages, so the report names none.
struct Scrub(Vec<(String, &'static str)>);

impl Scrub {
    fn apply(&self, text: &str) -> String {
        self.0
            .iter()
            .filter(|(path, _)| !path.is_empty())
            .fold(text.to_string(), |text, (path, placeholder)| text.replace(path.as_str(), placeholder))
    }
}
