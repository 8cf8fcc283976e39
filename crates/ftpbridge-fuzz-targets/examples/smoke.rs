//! Runs every fuzz target's body over seeded pseudo-random inputs on stable:
//! `cargo run --release -p ftpbridge-fuzz-targets --example smoke -- SECONDS` (in all,
//! shared out equally among the targets).

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    println!("seed {seed:#x}");
    let each = std::time::Duration::from_secs(seconds) / ftpbridge_fuzz_targets::TARGETS.len() as u32;
    for (name, runs) in ftpbridge_fuzz_targets::smoke(each, seed) {
        println!("{name}: {runs} inputs, no failure");
    }
}
