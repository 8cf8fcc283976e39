//! The session state machine under arbitrary sequences of inputs (body in `ftpbridge-fuzz-targets`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ftpbridge_fuzz_targets::session_ops(data));
