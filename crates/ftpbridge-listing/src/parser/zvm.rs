//! IBM z/VM CMS file listings.
//!
//! The z/VM FTP server lists a CMS minidisk or Shared File System directory as
//! `PROFILE  EXEC     A1 V         71         15          1 2024-03-29 10:40:14 TCM191`:
//! file name, file type, file mode (`A1`; some servers leave it out), record format
//! (`F` fixed or `V` variable), logical record length, number of records, number of
//! blocks, date, time, and the owning disk's label or user. CMS names a file by its
//! name and type, which FTP addresses as `NAME.TYPE`: that is the entry's name.
//!
//! The size: for fixed records it is records times record length (the file's bytes
//! as stored); for variable records only the longest record is known, so the size is
//! not reported rather than guessed.
//!
//! Ambiguous: without the file mode, the record format (`V`, `F`) stands where the
//! mode would; a one-letter third column followed by a number is the record format.
//! Dates are ISO (`2024-03-29`, `2024/03/29`) or `MM/DD/YY` as CMS's default short
//! date prints them.

use super::Parts;
use super::scan::{Tokens, century, iso_date, parse_small, parse_time, parse_u64, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let mut toks: [&[u8]; 11] = [&[]; 11];
    let mut n = 0;
    for (i, (s, e)) in tokens.by_ref().enumerate() {
        *toks.get_mut(i)? = slice(line, s, e);
        n = i + 1;
    }
    let toks = toks.get(..n)?;
    let (name, ftype) = (*toks.first()?, *toks.get(1)?);
    if !cms_name(name) || !cms_name(ftype) {
        return None;
    }
    // With or without the file mode.
    let after = toks.get(2..)?;
    let fields = match after {
        [recfm, lrecl, ..] if is_recfm(recfm) && parse_u64(lrecl).is_some() => after,
        [mode, ..] if is_mode(mode) => after.get(1..)?,
        _ => return None,
    };
    let [recfm, lrecl, records, blocks, date, time, owner @ ..] = fields else {
        return None;
    };
    if owner.len() > 1 || !is_recfm(recfm) {
        return None;
    }
    let (lrecl, records) = (parse_u64(lrecl)?, parse_u64(records)?);
    parse_u64(blocks)?;
    let (y, m, d) = cms_date(date)?;
    let (h, mi, s, _, _) = parse_time(time)?;
    // `NAME.TYPE` exactly as the line spells it: the two tokens joined by a dot.
    let mut joined = Vec::with_capacity(name.len() + 1 + ftype.len());
    joined.extend_from_slice(name);
    joined.push(b'.');
    joined.extend_from_slice(ftype);
    let mut parts = Parts::new(&joined, Kind::File);
    parts.size = if *recfm == b"F" { lrecl.checked_mul(records) } else { None };
    parts.modified = Some(DateTime::new(y, m, d, h, mi, s)?);
    parts.owner = owner.first().copied();
    Some(parts.build(line, o.encoding))
}

/// A CMS file name or type: one to eight letters, digits or `$ # @ + - : _`.
fn cms_name(t: &[u8]) -> bool {
    (1..=8).contains(&t.len())
        && t.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'$' | b'#' | b'@' | b'+' | b'-' | b':' | b'_')
        })
}

fn is_recfm(t: &[u8]) -> bool {
    matches!(t, b"F" | b"V")
}

/// A file mode: a disk letter and an optional mode number (`A`, `A1`).
fn is_mode(t: &[u8]) -> bool {
    match t {
        [letter] => letter.is_ascii_uppercase(),
        [letter, digit] => letter.is_ascii_uppercase() && (b'0'..=b'6').contains(digit),
        _ => false,
    }
}

/// `2024-03-29`, `2024/03/29` or `03/29/24`.
fn cms_date(t: &[u8]) -> Option<(i32, u8, u8)> {
    if let Some(date) = iso_date(t) {
        return Some(date);
    }
    if t.len() != 8 || t.get(2) != Some(&b'/') || t.get(5) != Some(&b'/') {
        return None;
    }
    let m = parse_small(slice(t, 0, 2), 2)? as u8;
    let d = parse_small(slice(t, 3, 5), 2)? as u8;
    let y = century(parse_small(slice(t, 6, 8), 2)?);
    DateTime::new(y, m, d, 0, 0, 0).map(|_| (y, m, d))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        variable_with_mode: b"PROFILE  EXEC     A1 V         71         15          1 2024-03-29 10:40:14 TCM191" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("PROFILE.EXEC", Kind::File, None));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T10:40:14Z");
            assert_eq!(e.owner.as_deref(), Some("TCM191"));
            assert_eq!(e.name_bytes, b"PROFILE.EXEC");
        });
        fixed_with_mode: b"DATA     FILE     A1 F         80        120          3 2024-03-29 10:40:14 TCM191" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("DATA.FILE", Some(9600)));
        });
        without_mode: b"README   TXT      F         80         10          1 2001-01-04 09:57:47 OWNER" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("README.TXT", Some(800)));
        });
        without_owner: b"README   TXT      A  F  80  10  1  01/04/01  09:57" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2001-01-04T09:57:00Z");
            assert_eq!(e.owner, None);
        });
        rejects: [
            b"README   TXT      A1 X         80         10          1 2001-01-04 09:57:47 OWNER",
            b"README   TXT      A1 F         8x         10          1 2001-01-04 09:57:47 OWNER",
            b"README   TXT      A1 F         80         10          1 2001-13-04 09:57:47 OWNER",
            b"README   TXT      A1 F         80         10          1 2001-01-04 09:57:47 OWNER MORE",
            b"README   TXT      A1 F         80         10          1 2001-01-04",
            b"TOOLONGNAME TXT   A1 F 80 10 1 2001-01-04 09:57:47",
            b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
        ] => None;
    }
}
