//! How `ls` prints entries: `ls -l`-like columns (names escaped on a terminal), or
//! JSON lines (exact).

use crate::safe;
use ftpbridge_engine::listing::{Entry, Kind};
use std::io::{IsTerminal, Write};

/// Prints entries to stdout; a closed pipe ends the output quietly.
pub fn print_entries(entries: &[Entry], json: bool) {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for entry in entries {
        let line = if json {
            serde_json::to_string(entry).unwrap_or_default()
        } else {
            safe::for_stream(&long_line(entry), terminal).into_owned()
        };
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// One `ls -l`-like line: kind and permissions, size, time, name.
fn long_line(entry: &Entry) -> String {
    if entry.kind == Kind::Unknown {
        return format!("? {}", entry.raw);
    }
    let kind = match entry.kind {
        Kind::Dir => 'd',
        Kind::Link => 'l',
        Kind::Other => 'o',
        _ => '-',
    };
    let permissions = entry.permissions.as_deref().unwrap_or("");
    let size = entry.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
    let modified = entry
        .modified
        .map(|m| format!("{:04}-{:02}-{:02} {:02}:{:02}", m.year, m.month, m.day, m.hour, m.minute))
        .unwrap_or_else(|| "-".repeat(16));
    let mut line = format!("{kind} {permissions:<10} {size:>12} {modified} {}", entry.name);
    if let Some(target) = &entry.target {
        line.push_str(" -> ");
        line.push_str(target);
    }
    line
}
