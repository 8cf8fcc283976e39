//! OpenVMS `DIRECTORY` listings.
//!
//! `NAME.EXT;1   4/18   29-MAR-2024 03:26:00  [GROUP,OWNER]  (RWED,RWED,RE,)`: a name
//! with its version, the size in blocks used (`/allocated` optional), a date, an
//! optional time (hundredths allowed), then optionally the owner in brackets and the
//! protection in parentheses. The name is returned without its `;version`; `.DIR`
//! entries are directories. Sizes are blocks used times 512 bytes.
//!
//! A long name makes VMS wrap the entry: the name alone on one line, the rest on the
//! next, indented. [`is_wrapped_name`] spots the first line and [`parse_wrapped`] reads
//! the pair; the listing parser holds the name in between.

use super::Parts;
use super::scan::{Tokens, is_blank, parse_small, parse_time, parse_u64, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let (s, e) = tokens.next()?;
    if s != 0 {
        return None;
    }
    let name = versioned_name(slice(line, s, e))?;
    details(name, &mut tokens, line, o)
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
    let name = versioned_name(held.trim_ascii_end())?;
    let mut joined = Vec::with_capacity(held.len() + 1 + line.len());
    joined.extend_from_slice(held.trim_ascii_end());
    joined.push(b' ');
    joined.extend_from_slice(line.trim_ascii_start());
    let mut tokens = Tokens::new(line, 0);
    let mut entry = details(name, &mut tokens, line, o)?;
    entry.raw = o.encoding.decode(&joined).into_owned();
    Some(entry)
}

/// `NAME.EXT;12` → `NAME.EXT`.
fn versioned_name(token: &[u8]) -> Option<&[u8]> {
    let semi = token.iter().rposition(|&b| b == b';')?;
    let name = slice(token, 0, semi);
    let version = token.get(semi + 1..)?;
    (!name.is_empty() && !version.is_empty() && version.len() <= 5 && version.iter().all(u8::is_ascii_digit))
        .then_some(name)
}

/// Everything after the name.
fn details(name: &[u8], tokens: &mut Tokens<'_>, line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let blocks = {
        let t = tokens.next_bytes()?;
        let used = t.split(|&b| b == b'/').next()?;
        let mut halves = t.splitn(2, |&b| b == b'/');
        halves.next();
        if let Some(allocated) = halves.next() {
            parse_u64(allocated)?;
        }
        parse_u64(used)?
    };
    let (year, month, day) = date(tokens.next_bytes()?)?;
    let mut modified = DateTime::new(year, month, day, 0, 0, 0)?;
    let mut next = tokens.next();
    if let Some((s, e)) = next
        && let Some((h, m, sec, nanos, _)) = parse_time(slice(line, s, e))
    {
        modified = DateTime::new(year, month, day, h, m, sec)?.with_nanosecond(nanos);
        next = tokens.next();
    }
    let mut parts = Parts::new(name, if is_dir(name) { Kind::Dir } else { Kind::File });
    parts.size = blocks.checked_mul(512);
    parts.modified = Some(modified);
    if let Some((s, e)) = next
        && line.get(s) == Some(&b'[')
    {
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
        next = tokens.next();
    }
    if let Some((s, e)) = next {
        let protection = slice(line, s, e);
        if !protection_ok(protection) {
            return None;
        }
        parts.permissions = Some(protection);
        next = tokens.next();
    }
    if next.is_some() {
        return None;
    }
    Some(parts.build(line, o.encoding))
}

fn is_dir(name: &[u8]) -> bool {
    name.len() >= 4 && name.get(name.len() - 4..).is_some_and(|ext| ext.eq_ignore_ascii_case(b".DIR"))
}

/// `29-MAR-2024` (month case-insensitive).
fn date(t: &[u8]) -> Option<(i32, u8, u8)> {
    let mut fields = t.split(|&b| b == b'-');
    let (d, m, y) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || m.len() != 3 || y.len() != 4 {
        return None;
    }
    const MONTHS: [&[u8]; 12] =
        [b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC"];
    let month = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(m))? as u8 + 1;
    Some((parse_small(y, 4)? as i32, month, parse_small(d, 2)? as u8))
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
            assert_eq!((e.name.as_str(), e.kind, e.size), ("1-JUN.LIS", Kind::File, Some(4608)));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("OWNER"), Some("GROUP")));
            assert_eq!(e.permissions.as_deref(), Some("(RWED,RWED,RW,R)"));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1998-06-02T07:32:04Z");
        });
        dir: b"DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]    (RWED,RWED,,RE)" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("DATA.DIR", Kind::Dir, Some(512)));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("TRANSLATED"), None));
        });
        lower_case_month: b"1-JUN.LIS;1              9/9           2-jun-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)" => (|e| {
            assert_eq!(e.modified.unwrap().month, 6);
        });
        unclosed_owner: b"FREEWARE40.DIR;1        27/36         16-FEB-1999 10:01:46  [AP_HTTPD,APACHE$WWW                               (RWE,RWE,RE,RE)" => (|e| {
            assert_eq!((e.kind, e.owner.as_deref()), (Kind::Dir, Some("APACHE$WWW")));
        });
        used_only: b"ALLOCMISS.COM;1            1         15-AUG-1996 14:10:38  [POSTWARE,LP]    (RWE,RWE,RWE,RE)" => (|e| {
            assert_eq!(e.size, Some(512));
        });
        no_owner_hundredths: b"34-vms-file;1       155   2-JUL-2003 10:30:13.64" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-07-02T10:30:13.64Z");
            assert_eq!(e.owner, None);
        });
        no_time: b"35-vms-notime-file;1    2/8    15-JAN-2000    [IV2_XXX]   (RWED,RWED,RE,)" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2000-01-15T00:00:00Z");
        });
        rejects: [
            b"1-JUN.LIS;2              9/9           JUN-2-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)",
            b"1-JUN.LIS;2              a/9           2-JUN-98 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)",
            b"DATA.DIR; 1              1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (,RWED,RWED,RE)",
            b"120196.TXT;1           118/126        14-APR-1997 12:45:27 PM  [GROUP,OWNER]    (RWED,,RWED,RE)",
            b"30CHARBAR.TXT;1         11/18          2-JUN-1998 08:38:42  [GROUP-1,OWNER]    (RWED,RWED,RWED,RE)",
            b"A.;2                    18/18          1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED2,RWED,RWED,RE)",
            b"AA.;2                  152/153        13-FED-1997 08:13:43  [GROUP,OWNER]    (RWED,RWED,RWED,RE)",
            b"A.;2  1/2  1-JUL-1998 08:43:20  [G,O]  (RWED,RWED,RWED)",
            b"A.;2  1/2  1-JUL-1998 08:43:20  [G,O]  (RWED,RWED,RWED,RE) extra",
            b"A.;2  1/x  1-JUL-1998",
            b"A.;2  1/2  31-FEB-1998",
            b"A.;2",
            b";2  1/2  1-JUL-1998",
            b"A.;  1/2  1-JUL-1998",
            b" A.;2  1/2  1-JUL-1998",
            b"Directory USER1:[TEMP]",
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
        assert_eq!((e.name.as_str(), e.size), ("UNZIP_AND_ATTACH_FILES.COM", Some(14 * 512)));
        assert!(e.raw.starts_with("UNZIP_AND_ATTACH_FILES.COM;12 14/15"));
        assert!(parse_wrapped(b"A;1", b"  nonsense", &options()).is_none());
    }
}
