//! Build chores for ftpbridge, run as `cargo xtask <task>`:
//!
//! - `wasm-check`: builds the engine into a wasm32-unknown-unknown module and fails if
//!   it imports anything from `env` (a clock, I/O, a missing symbol); prints its size.
//! - `bench`: runs the benchmarks and prints their figures.
//! - `fuzz [seconds]`: runs every fuzz target for the given time (needs nightly and
//!   cargo-fuzz); without them it builds the targets' code on stable and says so.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("wasm-check") => wasm_check(),
        Some("bench") => bench(),
        Some("fuzz") => fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600)),
        _ => Err("usage: cargo xtask <wasm-check | bench | fuzz [seconds]>".to_string()),
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

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command.current_dir(root()).status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed: {status}")) }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn wasm_check() -> Result<(), String> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|o| !String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown")) {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
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
    let bytes = std::fs::read(&module).map_err(|e| format!("{}: {e}", module.display()))?;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ImportSection(section) = payload.map_err(|e| e.to_string())? {
            for import in section {
                let import = import.map_err(|e| e.to_string())?;
                imports.push(format!("{}.{}", import.module, import.name));
            }
        }
    }
    println!("engine wasm probe: {} bytes, imports: {:?}", bytes.len(), imports);
    let env: Vec<&String> = imports.iter().filter(|i| i.starts_with("env.")).collect();
    if env.is_empty() { Ok(()) } else { Err(format!("the engine's wasm imports from env: {env:?}")) }
}

fn bench() -> Result<(), String> {
    run(cargo().args(["bench", "-p", "ftpbridge-listing", "--bench", "parse"]))
}

fn fuzz(seconds: u64) -> Result<(), String> {
    let fuzz_dir = root().join("fuzz");
    let nightly = Command::new("rustup").args(["run", "nightly", "rustc", "--version"]).output();
    let has_fuzz =
        Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !nightly.is_ok_and(|o| o.status.success()) || !has_fuzz {
        eprintln!(
            "xtask: no nightly toolchain or cargo-fuzz here; checking that the fuzz targets build on stable"
        );
        return run(cargo()
            .args(["check", "--manifest-path"])
            .arg(fuzz_dir.join("Cargo.toml"))
            .arg("--bins"));
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
