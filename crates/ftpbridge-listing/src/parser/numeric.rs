//! Numeric Unix listings: `100644 1000 100 1234 1711682760 name`.
//!
//! Some embedded servers (firmware FTP daemons on cameras, printers and set-top boxes,
//! small RTOS servers) print a file's `stat` as numbers: the mode in octal, the
//! numeric user and group, the size, the modification time in seconds since 1970
//! (UTC), then the name (a link may show `name -> target`). The type comes from the
//! mode's file-type bits (`040000` a directory, `100000` a file, `120000` a link,
//! others special files); a mode with no type bits (`644`) is a file.
//!
//! Ambiguous: the mode is printed with or without a leading zero (`040755`, `40755`);
//! both read the same in octal. Five numbers in a row occur in no other format this
//! crate reads, so there is no conflict with them.

use super::Parts;
use super::scan::{Tokens, all_digits, mode_string, parse_octal, parse_u64, rest, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

/// 9999-12-31T23:59:59Z: later times are not dates.
const LAST_SECOND: u64 = 253_402_300_799;

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut tokens = Tokens::new(line, 0);
    let mode_token = tokens.next_bytes()?;
    if mode_token.len() < 3 {
        return None;
    }
    let mode = parse_octal(mode_token, 7)?;
    let kind = match mode & 0o170_000 {
        0 if mode <= 0o7777 => Kind::File,
        0o040_000 => Kind::Dir,
        0o100_000 => Kind::File,
        0o120_000 => Kind::Link,
        0o010_000 | 0o020_000 | 0o060_000 | 0o140_000 => Kind::Other,
        _ => return None,
    };
    let (owner, group) = (tokens.next_bytes()?, tokens.next_bytes()?);
    let size = parse_u64(tokens.next_bytes()?)?;
    let (ts, te) = tokens.next()?;
    let seconds = parse_u64(slice(line, ts, te)).filter(|&s| s <= LAST_SECOND)?;
    if !all_digits(owner) || !all_digits(group) || line.get(te) != Some(&b' ') {
        return None;
    }
    let name = rest(line, te + 1);
    if name.is_empty() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    if kind == Kind::Link
        && let Some(arrow) = name.windows(4).position(|w| w == b" -> ")
        && arrow > 0
    {
        parts.name = slice(name, 0, arrow);
        parts.target = Some(rest(name, arrow + 4));
    }
    parts.size = Some(size);
    parts.modified = Some(DateTime::from_unix_seconds(seconds as i64));
    parts.owner = Some(owner);
    parts.group = Some(group);
    let mut entry = parts.build(line, o.encoding);
    entry.permissions = Some(mode_string(mode & 0o7777));
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        file: b"100644 1000 100 1234 1711682760 notes.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("notes.txt", Kind::File, Some(1234)));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("1000"), Some("100")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
            assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        });
        dir_leading_zero: b"040755 0 0 4096 1711682760 DCIM" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("DCIM", Kind::Dir));
            assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        });
        dir_no_leading_zero: b"40755 0 0 4096 1711682760 tmp" => (|e| assert_eq!(e.kind, Kind::Dir));
        link: b"120777 0 0 7 1711682760 bin -> usr/bin" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.target.as_deref()), ("bin", Kind::Link, Some("usr/bin")));
        });
        no_type_bits: b"644 0 0 5 0 a b " => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("a b ", Kind::File));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1970-01-01T00:00:00Z");
        });
        fifo: b"010644 0 0 0 1711682760 pipe" => (|e| assert_eq!(e.kind, Kind::Other));
        rejects: [
            b"100644 1000 100 1234 1711682760",
            b"100644 1000 100 1234 1711682760 ",
            b"100648 1000 100 1234 1711682760 x",
            b"170644 1000 100 1234 1711682760 x",
            b"44 0 0 1 1 x",
            b"100644 ftp 100 1234 1711682760 x",
            b"100644 1000 100 12x4 1711682760 x",
            b"100644 1000 100 1234 99999999999999 x",
            b"   587823    RSA    DIR   01-08-97   13:58  OS2KRNL",
            b"0 0 0 0",
        ] => None;
    }
}
