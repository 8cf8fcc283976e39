//! What the TLS layer reads: a server's bytes where TLS is expected, and certificates
//! (body in `ftpbridge-fuzz-targets`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ftpbridge_fuzz_targets::tls(data));
