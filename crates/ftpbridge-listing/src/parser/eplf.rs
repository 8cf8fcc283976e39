//! EPLF, D. J. Bernstein's Easily Parsed LIST Format.
//!
//! `+i8388621.29609,m824255902,/,\tdev`: a `+`, facts separated by commas, a tab, the
//! name. Facts: `/` (a directory), `r` (a file that can be retrieved), `s<size>`,
//! `m<seconds since 1970, UTC>`, `up<octal mode>`; `i<id>` and unknown facts are
//! ignored. An entry that is neither `/` nor `r` is [`Kind::Other`].
//!
//! Sent by D. J. Bernstein's publicfile and anonftpd and by a few servers that adopted
//! the format (some Ruby and embedded daemons). Nothing is ambiguous: the leading `+`
//! and the tab before the name occur in no other format's line.

use super::Parts;
use super::scan::{mode_string, parse_octal, parse_u64, rest, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

/// 9999-12-31T23:59:59Z: later times are not dates.
const LAST_SECOND: u64 = 253_402_300_799;

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    if line.first() != Some(&b'+') {
        return None;
    }
    let tab = line.iter().position(|&b| b == b'\t')?;
    let facts = slice(line, 1, tab);
    let name = rest(line, tab + 1);
    if name.is_empty() {
        return None;
    }
    let (mut dir, mut file, mut mode) = (false, false, None);
    let mut parts = Parts::new(name, Kind::Other);
    for fact in facts.split(|&b| b == b',') {
        match fact.first() {
            Some(b'/') if fact.len() == 1 => dir = true,
            Some(b'r') if fact.len() == 1 => file = true,
            Some(b's') => parts.size = Some(parse_u64(rest(fact, 1))?),
            Some(b'm') => {
                let seconds = parse_u64(rest(fact, 1)).filter(|&s| s <= LAST_SECOND)?;
                parts.modified = Some(DateTime::from_unix_seconds(seconds as i64));
            }
            Some(b'u') if fact.get(1) == Some(&b'p') => mode = Some(parse_octal(rest(fact, 2), 6)?),
            _ => {}
        }
    }
    parts.kind = if dir {
        Kind::Dir
    } else if file {
        Kind::File
    } else {
        Kind::Other
    };
    let mut entry = parts.build(line, o.encoding);
    entry.permissions = mode.map(mode_string);
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
        dir: b"+i8388621.29609,m824255902,/,\tdev" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("dev", Kind::Dir, None));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1996-02-13T23:58:22Z");
        });
        file: b"+i8388621.44468,m839956783,r,s10376,\tRFCEPLF" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("RFCEPLF", Kind::File, Some(10376)));
        });
        mode: b"+r,up644,\ta b" => (|e| {
            assert_eq!((e.name.as_str(), e.permissions.as_deref()), ("a b", Some("rw-r--r--")));
        });
        neither: b"+i1,\tspecial" => (|e| assert_eq!(e.kind, Kind::Other));
        rejects: [
            b"+i8388621.29609,m824255902,/,dev",
            b"+/,\t",
            b"+s12x,\tf",
            b"+m99999999999999999999,\tf",
            b"+m253402300800,\tf",
            b"+up9,\tf",
            b"i1,\tf",
            b"+",
        ] => None;
    }
}
