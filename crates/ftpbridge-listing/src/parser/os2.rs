//! OS/2 listings.
//!
//! `   587823    RSA    DIR   01-08-97   13:58  OS2KRNL`: a size, up to two columns of
//! attributes (`DIR`, and capital letters among `A`, `R`, `S`, `H`), a `MM-DD-YY`
//! date, a 24-hour time, then the name. Two-digit years follow POSIX; three-digit
//! years (`04-23-103`, from servers that were not Y2K-aware) count from 1900.
//!
//! Sent by the FTP servers of IBM OS/2 and eComStation (TCP/IP for OS/2's `ftpd`).
//!
//! Ambiguous: a line that starts with a size and has a numeric date is also the shape
//! of VxWorks listings; OS/2's date is always `MM-DD-YY` with attribute columns before
//! it, VxWorks' has a four-digit year right after the size. `Jan-08-97` is neither and
//! is not read (Apache Commons Net rejects it too).

use super::Parts;
use super::scan::{Tokens, century, parse_small, parse_time, parse_u64, rest, skip_blanks, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let size = parse_u64(tokens.next_bytes()?)?;
    let mut dir = false;
    let mut attributes = None;
    let mut t = tokens.next_bytes()?;
    for _ in 0..2 {
        if t == b"DIR" && !dir {
            dir = true;
        } else if attributes.is_none() && !t.is_empty() && t.iter().all(|b| b"ARSHV".contains(b)) {
            attributes = Some(t);
        } else {
            break;
        }
        t = tokens.next_bytes()?;
    }
    let (year, month, day) = date(t)?;
    let (s, e) = tokens.next()?;
    let (h, m, _, _, with_seconds) = parse_time(slice(line, s, e))?;
    if with_seconds {
        return None;
    }
    let name = rest(line, skip_blanks(line, e));
    if name.is_empty() || e == line.len() {
        return None;
    }
    let mut parts = Parts::new(name, if dir { Kind::Dir } else { Kind::File });
    parts.size = Some(size);
    parts.modified = Some(DateTime::new(year, month, day, h, m, 0)?);
    parts.permissions = attributes;
    Some(parts.build(line, o.encoding))
}

/// `MM-DD-YY`, `MM-DD-YYY` (years since 1900) or `MM-DD-YYYY`.
fn date(t: &[u8]) -> Option<(i32, u8, u8)> {
    let mut fields = t.split(|&b| b == b'-');
    let (m, d, y) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let year = match y.len() {
        2 => century(parse_small(y, 2)?),
        3 => 1900 + parse_small(y, 3)? as i32,
        4 => parse_small(y, 4)? as i32,
        _ => return None,
    };
    let (month, day) = (parse_small(m, 2)? as u8, parse_small(d, 2)? as u8);
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
        dir: b"     0           DIR   11-28-97   09:42  PC" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("PC", Kind::Dir, Some(0)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1997-11-28T09:42:00Z");
        });
        file: b"5000000000      A          11-17-98   16:07  POPUPLOG.OS2" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("POPUPLOG.OS2", Kind::File, Some(5_000_000_000)));
            assert_eq!(e.permissions.as_deref(), Some("A"));
        });
        attributes_then_dir: b"587823    RSA    DIR   01-08-97   13:58  OS2KRNL" => (|e| {
            assert_eq!((e.kind, e.permissions.as_deref()), (Kind::Dir, Some("RSA")));
        });
        dir_then_attributes: b" 1123 DIR  A    10-05-100  23:38  27-os2 dir" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("27-os2 dir", Kind::Dir));
            assert_eq!(e.modified.unwrap().year, 2000);
        });
        four_digit_year: b"     0           DIR   05-19-2000 12:56  local" => (|e| assert_eq!(e.modified.unwrap().year, 2000));
        spaces_in_name: b"     0           DIR   05-12-97   16:52  Maintenance Desktop" => (|e| assert_eq!(e.name, "Maintenance Desktop"));
        rejects: [
            b"                 DIR   12-30-97   12:32  jbrekke",
            b"     0    rsa    DIR   11-25-97   09:42  junk",
            b"     0           dir   05-12-97   16:44  LANGUAGE",
            b"     0           DIR   13-05-97   25:49  MPTN",
            b"587823    RSA    DIR   Jan-08-97   13:58  OS2KRNL",
            b" 33280      A          1997-02-03  13:49  OS2LDR",
            b"12-05-96  05:03PM       <DIR>          absoft2",
            b"11-14-97  04:21PM                  953 AUDITOR3.INI",
            b"     0           DIR   05-12-97   16:44",
            b"     0           DIR   05-12-97   16:44   ",
            b"     0           DIR   DIR   05-12-97   16:44  x",
        ] => None;
    }
}
