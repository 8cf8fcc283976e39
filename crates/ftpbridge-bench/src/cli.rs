//! The command line: curl beside `ftpbridge` directly and `ftpbridge` through the relay,
//! downloading and uploading one file from vsftpd on loopback.

use crate::median;
use ftpbridge_testkit::{RealServer, ServerKind};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs the comparison; returns the Markdown section.
pub fn run(bytes: u64, runs: u32) -> Result<String, String> {
    let ftpbridge = crate::sibling("ftpbridge")?;
    let server = RealServer::try_start(ServerKind::Vsftpd).map_err(|e| format!("vsftpd: {e}"))?;
    crate::write_big_file(&server.path("big.bin"), bytes)?;
    let local = tempfile::tempdir().map_err(|e| e.to_string())?;
    let upload = local.path().join("upload.bin");
    crate::write_big_file(&upload, bytes)?;

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.map_err(|e| e.to_string())?;
    let (relay, stop) = runtime.block_on(crate::start_relay(None, vec![server.port()], Vec::new()))?;
    let relay_url = format!("ws://{relay}/ws");

    let url = |path: &str| server.url(path);
    let curl = |args: &[&str]| -> Command {
        let mut command = Command::new("curl");
        command.args(["-s", "--fail", "--ftp-pasv"]).args(args);
        command
    };
    let cli = |args: &[&str], via_relay: bool| -> Command {
        let mut command = Command::new(&ftpbridge);
        command.args(args);
        if via_relay {
            command.args(["--relay", &relay_url]);
        }
        command
    };

    let mut rows = Vec::new();
    type Maker<'a> = Box<dyn Fn(u32) -> Command + 'a>;
    let downloads: Vec<(&str, Maker)> = vec![
        ("curl", Box::new(|_| curl(&["-o", "/dev/null", &url("big.bin")]))),
        ("ftpbridge", Box::new(|_| cli(&["get", "--passive", "-o", "-", &url("big.bin")], false))),
        ("ftpbridge --relay", Box::new(|_| cli(&["get", "--passive", "-o", "-", &url("big.bin")], true))),
    ];
    let upload_path = upload.to_string_lossy().into_owned();
    let uploads: Vec<(&str, Maker)> = vec![
        ("curl", Box::new(|run| curl(&["-T", &upload_path, &url(&format!("curl-{run}.bin"))]))),
        (
            "ftpbridge",
            Box::new(|run| cli(&["put", "--passive", &upload_path, &url(&format!("cli-{run}.bin"))], false)),
        ),
        (
            "ftpbridge --relay",
            Box::new(|run| cli(&["put", "--passive", &upload_path, &url(&format!("relay-{run}.bin"))], true)),
        ),
    ];
    for (direction, makers) in [("download", &downloads), ("upload", &uploads)] {
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); makers.len()];
        // Interleaved: run r of every tool, then run r + 1, so drift hits all alike.
        for run in 0..runs {
            for (i, (_, make)) in makers.iter().enumerate() {
                rates[i].push(time(make(run), bytes)?);
            }
        }
        let medians: Vec<f64> = rates.into_iter().map(median).collect();
        rows.push((direction, medians));
    }
    let _ = stop.send(());
    drop(runtime);

    let mut out = format!(
        "| {} MiB on loopback, vsftpd, passive | curl | ftpbridge | ftpbridge --relay |\n| --- | ---: | ---: | ---: |\n",
        bytes >> 20
    );
    for (direction, m) in rows {
        out.push_str(&format!(
            "| {direction} | {:.0} MB/s | {:.0} MB/s ({:.2}) | {:.0} MB/s ({:.2}) |\n",
            m[0],
            m[1],
            m[1] / m[0],
            m[2],
            m[2] / m[0]
        ));
    }
    out.push_str("\n(ratios against curl in parentheses)\n");
    Ok(out)
}

/// Runs `command` (output discarded) and returns MB/s for `bytes`.
fn time(mut command: Command, bytes: u64) -> Result<f64, String> {
    let start = Instant::now();
    let status = command.stdout(Stdio::null()).stderr(Stdio::null()).status().map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("{command:?} failed: {status}"));
    }
    Ok(bytes as f64 / seconds / 1e6)
}
