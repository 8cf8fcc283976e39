//! The bodies of ftpbridge's fuzz targets, one function each, taking arbitrary bytes.
//!
//! `fuzz/` wraps each in a libFuzzer target (`cargo +nightly fuzz run <name>`, or
//! `cargo xtask fuzz`); [`smoke`] runs them all on stable over seeded pseudo-random
//! inputs for a time budget, so CI exercises them without nightly.

mod listing;
mod reply;
mod session;
mod tls;
mod wire;

pub use listing::{DIALECT_SEEDS, listing_dialects, listing_line};
pub use reply::reply;
pub use session::session_ops;
pub use tls::tls;
pub use wire::frame;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("listing_line", listing_line),
    ("listing_dialects", listing_dialects),
    ("reply", reply),
    ("frame", frame),
    ("session_ops", session_ops),
    ("tls", tls),
];

/// Runs every target over pseudo-random inputs (sizes 0 to 4 KiB, seeded) until
/// `budget` has passed for each; returns how many inputs each ran.
pub fn smoke(budget: std::time::Duration, seed: u64) -> Vec<(&'static str, u64)> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    TARGETS
        .iter()
        .map(|&(name, target)| {
            let start = std::time::Instant::now();
            let mut runs = 0u64;
            while start.elapsed() < budget {
                let len = (next() % 4096) as usize;
                let bytes: Vec<u8> = (0..len).map(|_| (next() >> 24) as u8).collect();
                target(&bytes);
                runs += 1;
            }
            (name, runs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Every seed, unedited and with each single edit at every place, through the
    /// dialect target (the smoke run reaches them only by chance).
    #[test]
    fn every_dialect_seed_and_its_edits() {
        for pick in 0..super::DIALECT_SEEDS.len() {
            let pick = pick as u8;
            super::listing_dialects(&[pick]);
            for op in 0..6u8 {
                for value in 0..=255u8 {
                    super::listing_dialects(&[pick, op, value]);
                }
            }
        }
    }

    #[test]
    fn smoke_every_target() {
        for (name, runs) in super::smoke(std::time::Duration::from_millis(500), 0x5eed) {
            println!("{name}: {runs} inputs");
            assert!(runs > 0, "{name} ran no input");
        }
    }
}
