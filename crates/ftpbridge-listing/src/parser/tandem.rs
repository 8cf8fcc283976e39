//! HP NonStop (Tandem) Guardian listings.
//!
//! Under the header `File  Code  EOF  Last Modification  Owner  RWEP`:
//! `ALTERDAT  101  136  31-Jul-06 13:22:20  255, 1  "nnnn"`: file name, file code,
//! end-of-file size in bytes, date and time, owner as `group,user` (a space may follow
//! the comma), and the security string in quotes. Guardian has no directories, so
//! every entry is a file. Sent by the FTP server of HP (now HPE) NonStop systems for
//! Guardian volumes; OSS directories list in the Unix form.
//!
//! Ambiguous: the line has the shape of a versionless VMS line (name, numbers, a
//! `DD-Mon-YY` date); the two-digit year, the file code column and the quoted security
//! string tell it apart, and the column header puts a listing in this format.

use super::Parts;
use super::months::month_from_name;
use super::scan::{Tokens, all_digits, century, parse_small, parse_time, parse_u64, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

/// Whether `line` is the column header.
pub(crate) fn is_header(line: &[u8]) -> bool {
    let has = |word: &[u8]| line.windows(word.len()).any(|w| w == word);
    line.starts_with(b"File") && has(b"Code") && has(b"EOF") && has(b"RWEP")
}

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let (ns, ne) = tokens.next()?;
    let name = slice(line, ns, ne);
    if ns != 0 || name.len() > 8 || !name.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let code = tokens.next_bytes()?;
    if !all_digits(code.strip_suffix(b"O").unwrap_or(code)) {
        return None;
    }
    let size = parse_u64(tokens.next_bytes()?)?;
    let (y, m, d) = date(tokens.next_bytes()?, o.encoding)?;
    let (h, mi, s, _, _) = parse_time(tokens.next_bytes()?)?;
    let modified = DateTime::new(y, m, d, h, mi, s)?;
    // Owner: `255,1` or `255, 1`.
    let (os, mut oe) = tokens.next()?;
    let group = slice(line, os, oe);
    let group_digits = group.strip_suffix(b",").or_else(|| group.split(|&b| b == b',').next())?;
    if !all_digits(group_digits) {
        return None;
    }
    if group.ends_with(b",") {
        let (_, e) = tokens.next()?;
        oe = e;
    }
    let owner = slice(line, os, oe);
    let (ps, pe) = tokens.next()?;
    let security = slice(line, ps, pe);
    let inner = security.strip_prefix(b"\"").and_then(|s| s.strip_suffix(b"\""))?;
    if inner.is_empty() || tokens.next().is_some() {
        return None;
    }
    let mut parts = Parts::new(name, Kind::File);
    parts.size = Some(size);
    parts.modified = Some(modified);
    parts.owner = Some(owner);
    parts.permissions = Some(inner);
    Some(parts.build(line, o.encoding))
}

/// `31-Jul-06`.
fn date(t: &[u8], encoding: crate::Encoding) -> Option<(i32, u8, u8)> {
    let mut fields = t.split(|&b| b == b'-');
    let (d, m, y) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || y.len() != 2 {
        return None;
    }
    let (year, month, day) =
        (century(parse_small(y, 2)?), month_from_name(m, encoding)?, parse_small(d, 2)? as u8);
    DateTime::new(year, month, day, 0, 0, 0).map(|_| (year, month, day))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        file: b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("ALTERDAT", Kind::File, Some(136)));
            assert_eq!((e.owner.as_deref(), e.permissions.as_deref()), (Some("255, 1"), Some("nnnn")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2006-07-31T13:22:20Z");
        });
        owner_one_token: b"EMSLOG1       0O          20480  1-Jan-24 00:00:00  255,255  \"oooo\"" => (|e| {
            assert_eq!(e.owner.as_deref(), Some("255,255"));
        });
        rejects: [
            b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   nnnn",
            b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\" x",
            b"ALTERDAT      101             136   31-Xyz-06 13:22:20  255, 1   \"nnnn\"",
            b"ALTERDATA     1x1             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"",
            b"File         Code             EOF   Last Modification    RWEP",
        ] => None;
    }

    #[test]
    fn header() {
        assert!(is_header(b"File         Code             EOF   Last Modification    Owner  RWEP"));
        assert!(!is_header(b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\""));
    }
}
