//! The browser benchmark: sets up vsftpd, the demo FTP server, the relay (in-process,
//! serving the built web module and the bench page) and a raw WebSocket peer, then
//! opens the bench page in headless Chromium with no automation attached (a driver
//! would copy every WebSocket frame to itself and skew the figures); the page runs
//! the measurements and reports them over a WebSocket.

use crate::median;
use ftpbridge_testkit::{CertKind, Fault, RealServer, ServerKind, TlsMode};
use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Runs the benchmark; returns the Markdown section.
pub fn run(root: &Path, bytes: u64, runs: u32) -> Result<String, String> {
    let root = &root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
    // BENCH_DIST and BENCH_DRIVER swap in another build or driver (profiling).
    let dist = std::env::var_os("BENCH_DIST").map(PathBuf::from).unwrap_or_else(|| root.join("web/dist"));
    let wasm = dist.join("pkg/ftpbridge_bg.wasm");
    let module =
        std::fs::read(&wasm).map_err(|e| format!("{}: {e} (run `cargo xtask web` first)", wasm.display()))?;

    // The page and the module, served by the relay from one folder.
    let site = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(&dist, site.path())?;
    let bench = site.path().join("bench");
    std::fs::create_dir_all(&bench).map_err(|e| e.to_string())?;
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    for file in ["bench.html", "bench.js"] {
        std::fs::copy(here.join(file), bench.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }

    let server = RealServer::try_start(ServerKind::Vsftpd).map_err(|e| format!("vsftpd: {e}"))?;
    crate::write_big_file(&server.path("big.bin"), bytes)?;
    // A folder as large as the file browser is built for.
    let large = server.path("large");
    std::fs::create_dir_all(&large).map_err(|e| e.to_string())?;
    for i in 0..LARGE_FOLDER {
        std::fs::write(large.join(format!("file-{i:06}.dat")), &[][..]).map_err(|e| e.to_string())?;
    }
    let tls = RealServer::try_start_tls(ServerKind::Vsftpd, TlsMode::Explicit, CertKind::SignedByTestCa)
        .map_err(|e| format!("vsftpd with TLS: {e}"))?;
    crate::write_big_file(&tls.path("big.bin"), bytes)?;
    let ca = std::fs::read_to_string(&tls.tls().ok_or("no TLS files")?.ca).map_err(|e| e.to_string())?;
    let demo = Demo::start()?;
    // A server that caps each data connection (pyftpdlib's ThrottledDTPHandler): what
    // ranges over several sessions are for.
    let capped = RealServer::try_start_with_fault(Fault::Throttle { bytes_per_second: CAP })
        .map_err(|e| format!("pyftpdlib, throttled: {e}"))?;
    crate::write_big_file(&capped.path("capped.bin"), CAPPED_FILE)?;

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.map_err(|e| e.to_string())?;
    let (relay_address, raw_address, mut reports, stop) = runtime.block_on(async {
        let (raw, reports) =
            crate::raw_ws::start(site.path().to_path_buf()).await.map_err(|e| e.to_string())?;
        // The page comes from the raw peer's origin, which the relay lets in.
        let origin = format!("http://{raw}");
        let (relay, stop) =
            crate::start_relay(None, vec![server.port(), tls.port(), demo.port, capped.port()], vec![origin])
                .await?;
        Ok::<_, String>((relay, raw, reports, stop))
    })?;

    let page = format!("http://{raw_address}/bench/bench.html");
    let raw_url = format!("ws://{raw_address}");
    let ftp = serde_json::json!({ "relay": format!("ws://{relay_address}/ws"), "host": "127.0.0.1",
        "port": server.port(), "user": server.user(), "password": server.password(), "mode": "passive",
        "timeoutMs": 60000, "tls": "plain" });
    let ftps = serde_json::json!({ "relay": format!("ws://{relay_address}/ws"), "host": "127.0.0.1",
        "port": tls.port(), "user": tls.user(), "password": tls.password(), "mode": "passive",
        "timeoutMs": 60000, "tls": "require", "caCertificates": [ca] });
    let transfers = serde_json::json!({ "task": "transfers", "rawUrl": raw_url, "bytes": bytes, "runs": runs,
        "ftp": ftp, "ftps": ftps, "file": "big.bin" });
    // BENCH_ONLY=folder (or transfers, listing, ranges, comma-separated) runs only those.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |task: &str| only.is_empty() || only.split(',').any(|t| t.trim() == task);
    let transfers = if wanted("transfers") {
        run_page(&page, &transfers, &runtime, &mut reports)?
    } else {
        serde_json::json!({})
    };
    let demo_ftp = serde_json::json!({ "relay": format!("ws://{relay_address}/ws"), "host": "127.0.0.1",
        "port": demo.port, "user": "demo", "password": "demo", "mode": "passive", "tls": "plain" });
    let mut listings = Vec::new();
    for _ in 0..if wanted("listing") { runs.max(3) } else { 0 } {
        let job = serde_json::json!({ "task": "listing", "rawUrl": raw_url, "ftp": demo_ftp });
        listings.push(run_page(&page, &job, &runtime, &mut reports)?);
    }
    let folder = serde_json::json!({ "task": "folder", "rawUrl": raw_url, "ftp": ftp, "path": "/large",
        "runs": runs.max(3) });
    let folder = if wanted("folder") {
        run_page(&page, &folder, &runtime, &mut reports)?
    } else {
        serde_json::json!({})
    };
    let capped_ftp = serde_json::json!({ "relay": format!("ws://{relay_address}/ws"), "host": "127.0.0.1",
        "port": capped.port(), "user": capped.user(), "password": capped.password(), "mode": "passive",
        "timeoutMs": 60000, "tls": "plain" });
    let ranges = serde_json::json!({ "task": "ranges", "rawUrl": raw_url, "runs": runs.clamp(1, 2), "targets": [
        { "label": format!("pyftpdlib capping each connection at {} MB/s", CAP / 1_000_000), "ftp": capped_ftp,
          "file": "capped.bin", "size": CAPPED_FILE },
        { "label": "vsftpd, no cap", "ftp": ftp, "file": "big.bin", "size": bytes },
    ] });
    let ranges = if wanted("ranges") {
        run_page(&page, &ranges, &runtime, &mut reports)?
    } else {
        serde_json::json!({})
    };
    let _ = stop.send(());
    drop(runtime);
    for (what, result) in [("transfers", &transfers), ("large folder", &folder), ("ranges", &ranges)] {
        if let Some(error) = result["error"].as_str() {
            return Err(format!("the page failed ({what}): {error}"));
        }
    }
    let mut out = report(&transfers, &listings, &folder, bytes, &module);
    out.push_str(&ranges_report(&ranges));
    Ok(out)
}

/// Opens `page` with `job` in its fragment in a fresh headless Chromium (no automation
/// attached) and waits for the page's report.
fn run_page(
    page: &str,
    job: &Value,
    runtime: &tokio::runtime::Runtime,
    reports: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
) -> Result<Value, String> {
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = format!("{page}#{}", percent_encode(&job.to_string()));
    let mut browser = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--no-first-run", "--disable-quic", "--remote-debugging-port=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("chromium: {e}"))?;
    let report = runtime
        .block_on(async { tokio::time::timeout(std::time::Duration::from_secs(1800), reports.recv()).await });
    let _ = browser.kill();
    let _ = browser.wait();
    let text =
        report.map_err(|_| "the page did not report within 30 minutes".to_string())?.ok_or("no report")?;
    serde_json::from_str(&text).map_err(|e| format!("page report: {e}"))
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Median MB/s of a list of `{bytes, seconds}`.
fn rate(runs: &Value) -> f64 {
    let rates = runs
        .as_array()
        .map(|runs| {
            runs.iter()
                .map(|r| {
                    r["bytes"].as_f64().unwrap_or(0.0) / r["seconds"].as_f64().unwrap_or(f64::INFINITY) / 1e6
                })
                .collect()
        })
        .unwrap_or_default();
    median(rates)
}

fn report(results: &Value, listings: &[Value], folder: &Value, bytes: u64, module: &[u8]) -> String {
    let down = (
        rate(&results["download"]["raw"]),
        rate(&results["download"]["api"]),
        rate(&results["download"]["ftps"]),
    );
    let up =
        (rate(&results["upload"]["raw"]), rate(&results["upload"]["api"]), rate(&results["upload"]["ftps"]));
    let pause = |runs: &Value| {
        median(
            runs.as_array()
                .map(|r| r.iter().filter_map(|x| x["pauseMs"].as_f64()).collect())
                .unwrap_or_default(),
        )
    };
    let longest = |runs: &Value| {
        runs.as_array()
            .map(|r| r.iter().filter_map(|x| x["pauseMs"].as_f64()).fold(0.0, f64::max))
            .unwrap_or(0.0)
    };
    let first_listing = median(listings.iter().filter_map(|r| r["ms"].as_f64()).collect());
    let gzipped = gzip_len(module);
    let mut out = String::new();
    out.push_str(&format!(
        "| transfer of {} MiB in headless Chromium | raw WebSocket | FtpClient, plain FTP | FtpClient, FTPS | plain / raw | FTPS / plain |\n",
        bytes >> 20
    ));
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (label, (raw, plain, tls)) in [("download (vsftpd)", down), ("upload (vsftpd)", up)] {
        out.push_str(&format!(
            "| {label} | {raw:.0} MB/s | {plain:.0} MB/s | {tls:.0} MB/s | {:.2} | {:.2} |\n",
            plain / raw,
            tls / plain
        ));
    }
    out.push('\n');
    out.push_str(&format!(
        "- the page's main thread during a download (the longest gap between two turns of a message loop; median of runs, worst run): plain FTP {:.0} ms ({:.0} ms), FTPS {:.0} ms ({:.0} ms)\n",
        pause(&results["download"]["api"]),
        longest(&results["download"]["api"]),
        pause(&results["download"]["ftps"]),
        longest(&results["download"]["ftps"])
    ));
    out.push_str(&format!(
        "- wasm module with TLS (release, wasm-opt -Oz): {} bytes, {} bytes gzipped ({:.1} KB)\n",
        module.len(),
        gzipped,
        gzipped as f64 / 1000.0
    ));
    if let Ok(plain) = std::env::var("BENCH_PLAIN_WASM").map(PathBuf::from)
        && let Ok(plain) = std::fs::read(&plain)
    {
        out.push_str(&format!(
            "- wasm module without TLS (the `--no-default-features` build): {} bytes, {} bytes gzipped ({:.1} KB)\n",
            plain.len(),
            gzip_len(&plain),
            gzip_len(&plain) as f64 / 1000.0
        ));
    }
    out.push_str(&format!(
        "- page load to first listing (demo server, relay on loopback, fresh browser profile): {first_listing:.0} ms (median of {})\n",
        listings.len()
    ));
    let figures = |value: &Value| -> Vec<f64> {
        value.as_array().map(|v| v.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
    };
    let shown = figures(&folder["shown"]);
    let resort = |key: &str| median(figures(&folder["resorts"][key]));
    let worst = ["size", "modified", "name"]
        .iter()
        .flat_map(|key| figures(&folder["resorts"][*key]))
        .fold(0.0, f64::max);
    out.push_str(&format!(
        "- `<ftp-browser>` with a folder of {} entries (vsftpd, relay on loopback; {} rows drawn): shown in {:.0} ms (from asking for the folder to its rows painted: listing, parsing, sorting, drawing; median of {}); re-sorted by clicking a column header in {:.0} ms by size, {:.0} ms by date, {:.0} ms by name (medians; slowest of all {:.0} ms)\n",
        folder["entries"].as_u64().unwrap_or(0),
        folder["drawn"].as_u64().unwrap_or(0),
        median(shown.clone()),
        shown.len(),
        resort("size"),
        resort("modified"),
        resort("name"),
        worst,
    ));
    out
}

/// The throttled server's cap per data connection, bytes per second.
const CAP: u64 = 2_000_000;
/// The file downloaded in ranges from it.
const CAPPED_FILE: u64 = 16 * 1024 * 1024;

/// The table of downloads in ranges: 1, 2 and 4 sessions side by side in each run.
fn ranges_report(ranges: &Value) -> String {
    let mut out = String::from(
        "\n| download in ranges (FtpClient in Chromium, segments.js, relay on loopback) | 1 session | 2 sessions | 4 sessions | 4 / 1 |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for case in ranges["cases"].as_array().into_iter().flatten() {
        let rate = |n: &str| rate(&case["sessions"][n]);
        let (one, two, four) = (rate("1"), rate("2"), rate("4"));
        out.push_str(&format!(
            "| {}, {} MiB | {one:.1} MB/s | {two:.1} MB/s | {four:.1} MB/s | {:.2}× |\n",
            case["label"].as_str().unwrap_or("?"),
            case["size"].as_u64().unwrap_or(0) >> 20,
            four / one
        ));
    }
    out.push_str("- each range on a session of its own, opened before the clock starts (the element's transfer sessions are open by then); at least 4 MiB a range\n");
    out
}

/// Entries of the large folder the file browser is timed with.
const LARGE_FOLDER: usize = 100_000;

/// Its size gzipped at the highest level, as a web server would serve it.
fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|out| out.len()).unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The demo FTP server (libunftp), as a child process.
struct Demo {
    child: std::process::Child,
    port: u16,
    _files: tempfile::TempDir,
}

impl Demo {
    fn start() -> Result<Demo, String> {
        use std::io::BufRead;
        let binary = crate::sibling("ftpbridge-demo")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let files = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut child = Command::new(&binary)
            .args(["--ftp-only", "--ftp-port", &port.to_string(), "--files"])
            .arg(files.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let ready = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("FTP server on"));
        if !ready {
            let _ = child.kill();
            return Err("the demo FTP server did not start".into());
        }
        Ok(Demo { child, port, _files: files })
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
