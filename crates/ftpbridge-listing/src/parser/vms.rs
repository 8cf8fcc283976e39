//! OpenVMS `DIRECTORY` listings.
//!
//! Sent by the FTP servers of OpenVMS (HP/VSI TCP/IP Services, MultiNet, TCPware):
//! `NAME.EXT;1   4/18   29-MAR-2024 03:26:00  [GROUP,OWNER]  (RWED,RWED,RE,)`. After
//! the name come, in the order the server's `DIRECTORY` qualifiers put them: the size
//! in blocks used (`/allocated` optional; `2KB` or `1.50MB` with `/SIZE=UNITS=BYTES`), a
//! date `DD-MMM-YYYY` (month names in other languages too), an optional time
//! (hundredths allowed), the owner (`[GROUP,USER]`, `[USER]`, or a bare word) and the
//! protection in parentheses. Some servers put the owner before the size, or the size
//! after the date.
//!
//! Names: a file keeps its `;version` (`RETR` may need it to fetch an older version);
//! `NAME.DIR;1` is the directory `NAME` (what `CWD` takes). Names without a version
//! are read too when the rest of the line is VMS-shaped. Sizes are blocks times 512.
//!
//! A long name makes VMS wrap the entry: the name alone on one line, the rest on the
//! next, indented. [`is_wrapped_name`] spots the first line and [`parse_wrapped`] reads
//! the pair; the listing parser holds the name in between.
//!
//! Ambiguous: a versionless name with a size and a date is also the shape of other
//! systems' lines; a VMS date (`DD-MMM-YYYY`, a four-digit year) is required, and any
//! token that is not one of the fields above rejects the line (`12:45:27 PM` is not
//! VMS).

use super::Parts;
use super::months::month_from_name;
use super::scan::{Tokens, is_blank, parse_size, parse_small, parse_time, parse_u64, slice};
use crate::{DateTime, Encoding, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let (s, e) = tokens.next()?;
    if s != 0 {
        return None;
    }
    let token = slice(line, s, e);
    let (name, kind) = entry_name(token)?;
    details(name, kind, versioned_name(token).is_some(), &mut tokens, line, o)
}

/// Whether `line` is a VMS name with a version and nothing else, the first half of
/// a wrapped entry.
pub(crate) fn is_wrapped_name(line: &[u8]) -> bool {
    !line.first().is_some_and(|&b| is_blank(b))
        && versioned_name(line.trim_ascii_end()).is_some()
        && !line.trim_ascii_end().iter().any(|&b| is_blank(b))
}

/// An entry wrapped onto two lines: `held` (the name) and `line` (the details).
pub(crate) fn parse_wrapped(held: &[u8], line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let held = held.trim_ascii_end();
    let (name, kind) = entry_name(held)?;
    let mut joined = Vec::with_capacity(held.len() + 1 + line.len());
    joined.extend_from_slice(held);
    joined.push(b' ');
    joined.extend_from_slice(line.trim_ascii_start());
    let mut tokens = Tokens::new(line, 0);
    let mut entry = details(name, kind, true, &mut tokens, line, o)?;
    entry.raw = o.encoding.decode(&joined).into_owned();
    Some(entry)
}

/// `NAME.EXT;12` → `NAME.EXT` and the version.
fn versioned_name(token: &[u8]) -> Option<(&[u8], &[u8])> {
    let semi = token.iter().rposition(|&b| b == b';')?;
    let name = slice(token, 0, semi);
    let version = token.get(semi + 1..)?;
    (!name.is_empty() && !version.is_empty() && version.len() <= 5 && version.iter().all(u8::is_ascii_digit))
        .then_some((name, version))
}

/// The entry's name and kind: `A.TXT;3` is the file `A.TXT;3`, `DATA.DIR;1` the
/// directory `DATA`. A name without a version has no `;` and only the characters of
/// VMS file names.
fn entry_name(token: &[u8]) -> Option<(&[u8], Kind)> {
    let base = match versioned_name(token) {
        Some((base, _)) => base,
        None if !token.is_empty()
            && token.iter().all(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'-' | b'.' | b'~' | b'^')
            }) =>
        {
            token
        }
        None => return None,
    };
    let ext = base.len().checked_sub(4).and_then(|at| base.get(at..));
    match ext {
        Some(ext) if ext.eq_ignore_ascii_case(b".DIR") && base.len() > 4 => {
            Some((slice(base, 0, base.len() - 4), Kind::Dir))
        }
        _ => Some((token, Kind::File)),
    }
}

/// Everything after the name, in any order; see the module documentation.
fn details<'a>(
    name: &'a [u8],
    kind: Kind,
    versioned: bool,
    tokens: &mut Tokens<'a>,
    line: &'a [u8],
    o: &ParseOptions,
) -> Option<Entry> {
    let mut parts = Parts::new(name, kind);
    let mut modified = None;
    let mut after_date = false;
    let mut owner_seen = false;
    for (s, e) in tokens.by_ref() {
        let t = slice(line, s, e);
        let just_dated = std::mem::take(&mut after_date);
        if just_dated && let Some((h, m, sec, nanos, _)) = parse_time(t) {
            let d: DateTime = modified?;
            modified = Some(DateTime::new(d.year, d.month, d.day, h, m, sec)?.with_nanosecond(nanos));
        } else if let Some((y, m, d)) = date(t, o.encoding) {
            if modified.is_some() {
                return None;
            }
            modified = Some(DateTime::new(y, m, d, 0, 0, 0)?);
            after_date = true;
        } else if t.first().is_some_and(u8::is_ascii_digit) {
            if parts.size.is_some() {
                return None;
            }
            parts.size = Some(size(t)?);
        } else if t.first() == Some(&b'[') {
            if owner_seen {
                return None;
            }
            owner_seen = true;
            let uic = slice(line, s + 1, e);
            let uic = uic.strip_suffix(b"]").unwrap_or(uic);
            if uic.is_empty()
                || !uic.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b','))
            {
                return None;
            }
            match uic.iter().position(|&b| b == b',') {
                Some(comma) => {
                    parts.group = Some(slice(uic, 0, comma));
                    parts.owner = Some(uic.get(comma + 1..)?);
                }
                None => parts.owner = Some(uic),
            }
        } else if t.first() == Some(&b'(') {
            if parts.permissions.is_some() || !protection_ok(t) {
                return None;
            }
            parts.permissions = Some(t);
        } else if modified.is_some()
            && !owner_seen
            && !t.eq_ignore_ascii_case(b"AM")
            && !t.eq_ignore_ascii_case(b"PM")
            && t.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$'))
        {
            // A single-word owner: `SYSTEM`.
            owner_seen = true;
            parts.owner = Some(t);
        } else {
            return None;
        }
    }
    parts.modified = Some(modified?);
    parts.size?;
    if !versioned && parts.permissions.is_none() && !owner_seen && !has_block_pair(line) {
        // A versionless name, a number and a date: too little to be sure of VMS.
        return None;
    }
    Some(parts.build(line, o.encoding))
}

/// Whether the line shows a `used/allocated` block pair, which only VMS prints.
fn has_block_pair(line: &[u8]) -> bool {
    Tokens::new(line, 0).skip(1).any(|(s, e)| {
        let t = slice(line, s, e);
        let mut halves = t.splitn(2, |&b| b == b'/');
        halves.next().is_some_and(|a| parse_u64(a).is_some())
            && halves.next().is_some_and(|b| parse_u64(b).is_some())
    })
}

/// Blocks used (`9`, `9/12`: times 512 bytes) or bytes with a unit (`2KB`,
/// `1.50KB/2KB`).
fn size(t: &[u8]) -> Option<u64> {
    let mut halves = t.splitn(2, |&b| b == b'/');
    let used = halves.next()?;
    if let Some(allocated) = halves.next() {
        parse_u64(allocated).or_else(|| {
            parse_size(allocated).filter(|_| allocated.last().is_some_and(u8::is_ascii_alphabetic))
        })?;
    }
    match parse_u64(used) {
        Some(blocks) => blocks.checked_mul(512),
        None => parse_size(used).filter(|_| used.last().is_some_and(u8::is_ascii_alphabetic)),
    }
}

/// `29-MAR-2024` (month names case-insensitive, in any language of
/// [`month_from_name`]).
fn date(t: &[u8], encoding: Encoding) -> Option<(i32, u8, u8)> {
    let mut fields = t.split(|&b| b == b'-');
    let (d, m, y) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || y.len() != 4 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let (year, month, day) =
        (parse_small(y, 4)? as i32, month_from_name(m, encoding)?, parse_small(d, 2)? as u8);
    DateTime::new(year, month, day, 0, 0, 0).map(|_| (year, month, day))
}

/// `(RWED,RWED,RE,)`: four comma-separated groups of R, W, E, D.
fn protection_ok(p: &[u8]) -> bool {
    let Some(inner) = p.strip_prefix(b"(").and_then(|p| p.strip_suffix(b")")) else {
        return false;
    };
    let groups = inner.split(|&b| b == b',');
    groups.clone().count() == 4 && groups.flatten().all(|b| matches!(b, b'R' | b'W' | b'E' | b'D'))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        file: b"1-JUN.LIS;1              9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RW,R)" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("1-JUN.LIS;1", Kind::File, Some(4608)));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("OWNER"), Some("GROUP")));
            assert_eq!(e.permissions.as_deref(), Some("(RWED,RWED,RW,R)"));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1998-06-02T07:32:04Z");
        });
        dir: b"DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]    (RWED,RWED,,RE)" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("DATA", Kind::Dir, Some(512)));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("TRANSLATED"), None));
        });
        dir_lower_case: b"sub.dir;1  1  2-JUN-1998" => (|e| assert_eq!((e.name.as_str(), e.kind), ("sub", Kind::Dir)));
        file_named_dir: b".DIR;1  1  2-JUN-1998" => (|e| assert_eq!((e.name.as_str(), e.kind), (".DIR;1", Kind::File)));
        lower_case_month: b"1-JUN.LIS;1              9/9           2-jun-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)" => (|e| {
            assert_eq!(e.modified.unwrap().month, 6);
        });
        unclosed_owner: b"FREEWARE40.DIR;1        27/36         16-FEB-1999 10:01:46  [AP_HTTPD,APACHE$WWW                               (RWE,RWE,RE,RE)" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.owner.as_deref()), ("FREEWARE40", Kind::Dir, Some("APACHE$WWW")));
        });
        used_only: b"ALLOCMISS.COM;1            1         15-AUG-1996 14:10:38  [POSTWARE,LP]    (RWE,RWE,RWE,RE)" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("ALLOCMISS.COM;1", Some(512)));
        });
        no_owner_hundredths: b"34-vms-file;1       155   2-JUL-2003 10:30:13.64" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("34-vms-file;1", Some(155 * 512)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-07-02T10:30:13.64Z");
            assert_eq!(e.owner, None);
        });
        no_time: b"35-vms-notime-file;1    2/8    15-JAN-2000    [IV2_XXX]   (RWED,RWED,RE,)" => (|e| {
            assert_eq!((e.size, e.owner.as_deref()), (Some(1024), Some("IV2_XXX")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2000-01-15T00:00:00Z");
        });
        no_version: b"LOGIN.COM                2/3          29-MAR-2024 03:26:00  [ADMIN]  (RWED,RWED,RE,)" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("LOGIN.COM", Kind::File, Some(1024)));
        });
        no_version_dir: b"WORK.DIR  1/3  29-MAR-2024 03:26" => (|e| assert_eq!((e.name.as_str(), e.kind), ("WORK", Kind::Dir)));
        size_in_bytes: b"NOTES.TXT;4  2KB  29-MAR-2024 03:26:00.12  [USER]  (RWED,RWED,RE,)" => (|e| {
            assert_eq!(e.size, Some(2048));
        });
        size_in_bytes_with_allocation: b"NOTES.TXT;4  1.50KB/2KB  29-MAR-2024" => (|e| assert_eq!(e.size, Some(1536)));
        owner_first: b"DISK.LOG;2  [SYSTEM]  12  29-MAR-2024 03:26:00" => (|e| {
            assert_eq!((e.owner.as_deref(), e.size), (Some("SYSTEM"), Some(12 * 512)));
        });
        size_after_date: b"DISK.LOG;2  29-MAR-2024 03:26:00  12/15  [SYSTEM]  (RWED,RWED,RE,)" => (|e| {
            assert_eq!((e.size, e.modified.unwrap().hour), (Some(12 * 512), 3));
        });
        single_word_owner: b"README.TXT;1  4  29-MAR-2024 03:26  SYSTEM  (RWED,RWED,RE,)" => (|e| {
            assert_eq!((e.owner.as_deref(), e.group), (Some("SYSTEM"), None));
        });
        german_month: "BERICHT.TXT;1  4/4  29-MÄR-2024 03:26:00  [MEIER]  (RWED,RWED,RE,)".as_bytes() => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
        });
        french_month: b"RAPPORT.TXT;1  4  29-AVR-2024" => (|e| assert_eq!(e.modified.unwrap().month, 4));
        rejects: [
            b"1-JUN.LIS;2              9/9           JUN-2-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)",
            b"1-JUN.LIS;2              a/9           2-JUN-98 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)",
            b"DATA.DIR; 1              1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (,RWED,RWED,RE)",
            b"120196.TXT;1           118/126        14-APR-1997 12:45:27 PM  [GROUP,OWNER]    (RWED,,RWED,RE)",
            b"30CHARBAR.TXT;1         11/18          2-JUN-1998 08:38:42  [GROUP-1,OWNER]    (RWED,RWED,RWED,RE)",
            b"A.;2                    18/18          1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED2,RWED,RWED,RE)",
            b"AA.;2                  152/153        13-FED-1997 08:13:43  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
            b"A.;2  1/2  1-JUL-1998 08:43:20  [G,O]  (RWED,RWED,RWED)",
            b"A.;2  1/2  1-JUL-1998 08:43:20  [G,O]  (RWED,RWED,RWED,RE) extra-(",
            b"A.;2  1/2  1-JUL-1998 08:43:20  [G,O]  [H,P]",
            b"A.;2  1/2  3/4  1-JUL-1998",
            b"A.;2  1/2  1-JUL-1998  2-JUL-1998",
            b"A.;2  1/x  1-JUL-1998",
            b"A.;2  1/2  31-FEB-1998",
            b"A.;2  1/2",
            b"A.;2  1-JUL-1998",
            b"A.;2",
            b";2  1/2  1-JUL-1998",
            b"A.;  1/2  1-JUL-1998",
            b" A.;2  1/2  1-JUL-1998",
            b"Directory USER1:[TEMP]",
            b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"",
            b"README  12  29-MAR-2024",
            b"a/b  1/2  29-MAR-2024",
            b"A.;2  1KX  29-MAR-2024",
        ] => None;
    }

    #[test]
    fn wrapped() {
        assert!(is_wrapped_name(b"UCX$REXECD_STARTUP.LOG;1098"));
        assert!(is_wrapped_name(b"UCX$REXECD_STARTUP.LOG;1098  "));
        assert!(!is_wrapped_name(b" UCX$REXECD_STARTUP.LOG;1098"));
        assert!(!is_wrapped_name(b"A.LOG;1 2/3 1-JAN-2000"));
        assert!(!is_wrapped_name(b"A.LOG;x"));
        let e = parse_wrapped(
            b"UNZIP_AND_ATTACH_FILES.COM;12",
            b"                        14/15         24-JUL-2002 14:35:40  [TRANSLATED]    (RWE,RWE,RWE,RE)",
            &options(),
        )
        .unwrap();
        assert_eq!((e.name.as_str(), e.size), ("UNZIP_AND_ATTACH_FILES.COM;12", Some(14 * 512)));
        assert!(e.raw.starts_with("UNZIP_AND_ATTACH_FILES.COM;12 14/15"));
        let e =
            parse_wrapped(b"A_VERY_LONG_DIRECTORY_NAME.DIR;1", b"   1/3  2-JUN-1998", &options()).unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("A_VERY_LONG_DIRECTORY_NAME", Kind::Dir));
        assert!(parse_wrapped(b"A;1", b"  nonsense", &options()).is_none());
    }
}
