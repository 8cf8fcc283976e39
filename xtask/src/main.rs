//! Build chores for ftpbridge, run as `cargo xtask <task>`:
//!
//! - `wasm-check`: builds the engine into a wasm32-unknown-unknown module and fails if
//!   it imports anything from `env` (a clock, I/O, a missing symbol); prints its size.
//! - `web`: builds the browser module (wasm, wasm-bindgen, wasm-opt) and the web app
//!   and widget into `web/dist`, installing the exact wasm-bindgen CLI and the npm
//!   tools when missing; prints the module's size raw and gzipped.
//! - `demo`: builds the web app (as `web` does) and starts the demo: the relay serving
//!   it on http://127.0.0.1:8080 with a built-in FTP server on 127.0.0.1:2121.
//! - `load [sessions...]`: starts a release relay and the demo FTP server, then runs
//!   `ftpbridge-load` at each session count (default 100 and 1000) and prints figures.
//! - `interop`: builds the release CLI, demo and `ftpbridge-interop`, then runs the
//!   interop matrix (the CLI through the relay against every real server, every
//!   mode) and rewrites `docs/INTEROP.md`.
//! - `bench [quick]`: runs every benchmark (parse, CLI, tunnel, browser, load) and
//!   rewrites `BENCHMARKS.md` with the figures, the machine and the date.
//! - `fuzz [seconds]`: runs every fuzz target for the given time (needs nightly and
//!   cargo-fuzz); without them it builds the targets' code on stable and says so.

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("wasm-check") => wasm_check(),
        Some("web") => web(),
        Some("demo") => web().and_then(|()| {
            let mut demo = cargo();
            demo.args(["run", "--release", "-p", "ftpbridge-demo", "--", "--static-dir"])
                .arg(root().join("web/dist"));
            run(demo.args(&args[1..]))
        }),
        Some("bench") => bench::bench(&args[1..]),
        Some("load") => load(&args[1..]).map(|_| ()),
        Some("interop") => interop(&args[1..]),
        Some("fuzz") => fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600)),
        _ => {
            Err("usage: cargo xtask <wasm-check | web | demo | load [sessions...] | bench [quick] | fuzz [seconds]>"
                .to_string())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Runs a command to completion, in the workspace root unless it names its own folder.
fn run(command: &mut Command) -> Result<(), String> {
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed: {status}")) }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|o| !String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown")) {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

fn wasm_check() -> Result<(), String> {
    ensure_wasm_target()?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "ftpbridge-engine",
    ]))?;
    run(cargo().args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "ftpbridge-wasm-probe",
    ]))?;
    let module = root().join("target/wasm32-unknown-unknown/release/ftpbridge_wasm_probe.wasm");
    let imports = wasm_imports(&module)?;
    println!("engine wasm probe: imports: {imports:?}");
    let env: Vec<&String> = imports.iter().filter(|i| i.starts_with("env.")).collect();
    if !env.is_empty() {
        return Err(format!("the engine's wasm imports from env: {env:?}"));
    }
    // The browser module with TLS: ring's C code built by another compiler than clang
    // silently imports from env.
    run(cargo().args([
        "build",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "-p",
        "ftpbridge-web",
    ]))?;
    let module = root().join("target/wasm32-unknown-unknown/wasm-release/ftpbridge_web.wasm");
    let imports = wasm_imports(&module)?;
    let modules: std::collections::BTreeSet<&str> =
        imports.iter().filter_map(|i| i.split('.').next()).collect();
    println!("browser module (with TLS): {} imports, from {modules:?}", imports.len());
    let env: Vec<&String> = imports.iter().filter(|i| i.starts_with("env.")).collect();
    if env.is_empty() { Ok(()) } else { Err(format!("the browser module imports from env: {env:?}")) }
}

/// Every import of a wasm module, as `module.name`.
fn wasm_imports(module: &Path) -> Result<Vec<String>, String> {
    let bytes = std::fs::read(module).map_err(|e| format!("{}: {e}", module.display()))?;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ImportSection(section) = payload.map_err(|e| e.to_string())? {
            for import in section {
                let import = import.map_err(|e| e.to_string())?;
                imports.push(format!("{}.{}", import.module, import.name));
            }
        }
    }
    Ok(imports)
}

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// Installs the wasm-bindgen CLI matching the crate's version, when it differs.
fn ensure_wasm_bindgen() -> Result<(), String> {
    let wanted = locked_version("wasm-bindgen")?;
    let have = Command::new("wasm-bindgen").arg("--version").output();
    if have.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&wanted)) {
        return Ok(());
    }
    // No --locked: it fails on a dependency version the registry does not carry.
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// Installs the npm packages of `web/` (binaryen's wasm-opt, playwright-core, typescript,
/// and client-zip, which the app ships).
fn ensure_npm_tools() -> Result<(), String> {
    let web = root().join("web");
    let have = ["node_modules/.bin/wasm-opt", "node_modules/.bin/tsc", "node_modules/client-zip/index.js"];
    if have.iter().all(|file| web.join(file).exists()) {
        return Ok(());
    }
    let install = if web.join("package-lock.json").exists() { "ci" } else { "install" };
    run(Command::new("npm").args([install, "--no-audit", "--no-fund"]).current_dir(&web))
}

fn web() -> Result<(), String> {
    let web = root().join("web");
    let dist = web.join("dist");
    let pkg = dist.join("pkg");
    let _ = std::fs::remove_dir_all(&dist);
    let bound = build_module(&[], &root().join("target"), &pkg)?;
    for folder in ["src", "app"] {
        copy_dir(&web.join(folder), &dist)?;
    }
    // The zip writer, loaded by the element only when it makes a zip (the app is served
    // without a bundler, so it goes next to the modules, with its licence).
    let vendor = dist.join("vendor");
    std::fs::create_dir_all(&vendor).map_err(|e| e.to_string())?;
    for (from, to) in [("index.js", "client-zip.js"), ("LICENSE.txt", "client-zip.LICENSE.txt")] {
        let from = web.join("node_modules/client-zip").join(from);
        std::fs::copy(&from, vendor.join(to)).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    let bytes = std::fs::read(&bound).map_err(|e| e.to_string())?;
    println!(
        "web/dist built; ftpbridge_bg.wasm: {} bytes, {} bytes gzipped",
        bytes.len(),
        gzipped_len(&bytes)
    );
    Ok(())
}

/// The browser module without TLS (`--no-default-features`), in a target directory of
/// its own so that the app's build stays as it is; returns the optimized module.
pub fn plain_module() -> Result<PathBuf, String> {
    let out = root().join("target/plain-wasm/pkg");
    let _ = std::fs::remove_dir_all(&out);
    build_module(&["--no-default-features"], &root().join("target/plain-wasm"), &out)
}

/// Builds the browser module (with `extra` cargo flags, in `target_dir`), binds it into
/// `pkg` and optimizes it; returns the `.wasm`.
fn build_module(extra: &[&str], target_dir: &Path, pkg: &Path) -> Result<PathBuf, String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_npm_tools()?;
    run(cargo()
        .args([
            "build",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "-p",
            "ftpbridge-web",
        ])
        .args(extra)
        .arg("--target-dir")
        .arg(target_dir))?;
    std::fs::create_dir_all(pkg).map_err(|e| e.to_string())?;
    let module = target_dir.join("wasm32-unknown-unknown/wasm-release/ftpbridge_web.wasm");
    run(Command::new("wasm-bindgen")
        .arg(&module)
        .args(["--target", "web", "--out-name", "ftpbridge", "--out-dir"])
        .arg(pkg))?;
    let bound = pkg.join("ftpbridge_bg.wasm");
    run(Command::new(root().join("web/node_modules/.bin/wasm-opt"))
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-reference-types",
            "--enable-nontrapping-float-to-int",
        ])
        .args(["--enable-sign-ext", "--enable-mutable-globals", "--strip-debug", "--strip-producers"])
        .arg(&bound)
        .arg("-o")
        .arg(&bound))?;
    Ok(bound)
}

/// Copies the files of `from` (recursively) into `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The size of `bytes` after gzip at the best level.
fn gzipped_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len()).unwrap_or(0)
}

/// A child process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` and waits until it prints a line containing `ready`.
fn start_until(program: &Path, args: &[&str], ready: &str) -> Result<Child, String> {
    use std::io::BufRead;
    let mut child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let child = Child(child);
    for line in std::io::BufReader::new(stdout).lines() {
        if line.map_err(|e| e.to_string())?.contains(ready) {
            return Ok(child);
        }
    }
    Err(format!("{} ended before it was ready", program.display()))
}

/// Runs the load generator at each session count; returns its summary lines.
fn load(counts: &[String]) -> Result<Vec<String>, String> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "ftpbridge-relay",
        "-p",
        "ftpbridge-demo",
        "-p",
        "ftpbridge-load",
    ]))?;
    let bin = root().join("target/release");
    let files = std::env::temp_dir().join("ftpbridge-load-files");
    let ftp_port = free_port()?;
    let ftp_port_text = ftp_port.to_string();
    let files_text = files.to_string_lossy().into_owned();
    let _ftp = start_until(
        &bin.join("ftpbridge-demo"),
        &["--ftp-only", "--ftp-port", &ftp_port_text, "--files", &files_text],
        "FTP server on",
    )?;
    let counts: Vec<String> =
        if counts.is_empty() { vec!["100".into(), "1000".into()] } else { counts.to_vec() };
    let mut summaries = Vec::new();
    for sessions in counts {
        // A fresh relay per run, so memory figures start from the same baseline.
        let relay_port = free_port()?;
        let listen = format!("127.0.0.1:{relay_port}");
        let control = format!("policy.control_ports=[{ftp_port}]");
        let relay = start_until(
            &bin.join("ftpbridge-relay"),
            &[
                "--listen",
                &listen,
                "--allow-private",
                "--set",
                &control,
                "--set",
                "limits.max_sessions=10000",
                "--set",
                "limits.max_sessions_per_ip=10000",
                "--set",
                "limits.max_sessions_per_network=10000",
                // One client opening every session at once: the per-IP upgrade rate
                // would refuse most of them.
                "--set",
                "limits.upgrades_per_second=100000",
                "--set",
                "limits.upgrade_burst=100000",
            ],
            "listening on",
        )?;
        let output = Command::new(bin.join("ftpbridge-load"))
            .args(["--relay", &format!("ws://{listen}/ws"), "--relay-pid", &relay.0.id().to_string()])
            .args(["--port", &ftp_port_text, "--sessions", &sessions, "--seconds", "20", "--summary"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        print!("{text}");
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        summaries.extend(text.lines().filter(|l| l.starts_with("sessions=")).map(str::to_string));
        if !output.status.success() {
            return Err(format!("the load run with {sessions} sessions had errors"));
        }
    }
    Ok(summaries)
}

fn interop(extra: &[String]) -> Result<(), String> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "ftpbridge-cli",
        "-p",
        "ftpbridge-demo",
        "-p",
        "ftpbridge-interop",
    ]))?;
    run(Command::new(root().join("target/release/ftpbridge-interop"))
        .arg("--output")
        .arg(root().join("docs/INTEROP.md"))
        .args(extra))
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn fuzz(seconds: u64) -> Result<(), String> {
    let fuzz_dir = root().join("fuzz");
    let nightly = Command::new("rustup").args(["run", "nightly", "rustc", "--version"]).output();
    let has_fuzz =
        Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !nightly.is_ok_and(|o| o.status.success()) || !has_fuzz {
        // Without nightly (CI has only stable): the targets' bodies over seeded inputs.
        eprintln!(
            "xtask: no nightly toolchain or cargo-fuzz here; running the targets' seeded smoke on stable"
        );
        run(cargo().args(["check", "--manifest-path"]).arg(fuzz_dir.join("Cargo.toml")).arg("--bins"))?;
        // The smoke shares the time out among the targets itself.
        let budget = seconds.max(1).to_string();
        return run(cargo()
            .args(["run", "--release", "-p", "ftpbridge-fuzz-targets", "--example", "smoke", "--"])
            .arg(budget));
    }
    let list = Command::new("cargo")
        .args(["+nightly", "fuzz", "list"])
        .current_dir(root())
        .output()
        .map_err(|e| e.to_string())?;
    for target in String::from_utf8_lossy(&list.stdout).lines().filter(|l| !l.is_empty()) {
        println!("fuzzing {target} for {seconds} s");
        run(Command::new("cargo").args([
            "+nightly",
            "fuzz",
            "run",
            target,
            "--",
            &format!("-max_total_time={seconds}"),
        ]))?;
    }
    Ok(())
}
