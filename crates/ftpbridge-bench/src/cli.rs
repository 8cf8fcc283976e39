//! The command line: curl beside `ftpbridge` directly and `ftpbridge` through the relay,
//! downloading and uploading one file from vsftpd on loopback.

use crate::median;
use ftpbridge_testkit::{CertKind, RealServer, ServerKind, TlsMode};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs the comparison, plain FTP and then FTPS; returns the Markdown section.
pub fn run(bytes: u64, runs: u32) -> Result<String, String> {
    let plain = RealServer::try_start(ServerKind::Vsftpd).map_err(|e| format!("vsftpd: {e}"))?;
    let tls = RealServer::try_start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SignedByTestCa)
        .map_err(|e| format!("vsftpd with TLS: {e}"))?;
    let mut out = compare(&plain, None, bytes, runs)?;
    out.push('\n');
    let ca = tls.tls().map(|t| t.ca.clone()).ok_or("no TLS files")?;
    out.push_str(&compare(&tls, Some(&ca), bytes, runs)?);
    out.push_str("\n(ratios against curl in parentheses; FTPS: explicit TLS, data connections resumed, curl --ssl-reqd)\n");
    Ok(out)
}

/// curl beside ftpbridge and ftpbridge through a relay against `server`, plain FTP or
/// (with the CA that signed its certificate) FTPS.
fn compare(server: &RealServer, ca: Option<&Path>, bytes: u64, runs: u32) -> Result<String, String> {
    let ftpbridge = crate::sibling("ftpbridge")?;
    crate::write_big_file(&server.path("big.bin"), bytes)?;
    let local = tempfile::tempdir().map_err(|e| e.to_string())?;
    let upload = local.path().join("upload.bin");
    crate::write_big_file(&upload, bytes)?;
    let config = tempfile::tempdir().map_err(|e| e.to_string())?;

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.map_err(|e| e.to_string())?;
    let (relay, stop) = runtime.block_on(crate::start_relay(None, vec![server.port()], Vec::new()))?;
    let relay_url = format!("ws://{relay}/ws");
    let ca_text = ca.map(|p| p.to_string_lossy().into_owned());

    let url = |path: &str| server.url(path);
    let curl = |args: &[&str]| -> Command {
        let mut command = Command::new("curl");
        command.args(["-s", "--fail", "--ftp-pasv"]);
        if let Some(ca) = &ca_text {
            command.args(["--ssl-reqd", "--cacert", ca]);
        }
        command.args(args);
        command
    };
    let cli = |args: &[&str], via_relay: bool| -> Command {
        let mut command = Command::new(&ftpbridge);
        command.args(args).env("FTPBRIDGE_CONFIG_DIR", config.path());
        match &ca_text {
            Some(ca) => command.args(["--tls", "require", "--ca-file", ca]),
            None => command.args(["--tls", "plain"]),
        };
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

    let what = if ca.is_some() { "FTPS" } else { "plain FTP" };
    let mut out = format!(
        "| {} MiB on loopback, vsftpd, passive, {what} | curl | ftpbridge | ftpbridge --relay |\n| --- | ---: | ---: | ---: |\n",
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
