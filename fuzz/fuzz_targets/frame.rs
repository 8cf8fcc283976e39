//! The wire frame codec and the client's stream table (body in `ftpbridge-fuzz-targets`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ftpbridge_fuzz_targets::frame(data));
