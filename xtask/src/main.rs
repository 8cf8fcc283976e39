//! Build chores for ftpbridge.
fn main() {}
