//! Listing parsers (body in `ftpbridge-fuzz-targets`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ftpbridge_fuzz_targets::listing_line(data));
