//! Listing dialects: a real line of each, edited (body in `ftpbridge-fuzz-targets`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ftpbridge_fuzz_targets::listing_dialects(data));
