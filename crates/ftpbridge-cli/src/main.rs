//! The ftpbridge CLI.
fn main() {}
