//! VxWorks and Nortel router listings: `  512  JUL-17-2006  10:02:46  NVRAM  <DIR>`.
//!
//! The FTP server of Wind River's VxWorks (in many routers, switches, PLCs and
//! printers) and of Nortel (Bay Networks) routers prints the size, a date with the
//! month as a name or a number (`JUL-17-2006`, `07-17-2006`, `07/17/2006`), a time
//! (with or without seconds), then the name, and marks directories with `<DIR>`
//! *after* the name. Its column header (`size date time name` and a line of dashes)
//! holds no entry.
//!
//! Ambiguous: OS/2 also starts with a size and has a numeric date, but with a
//! two-digit year and attributes between; this reader wants the date right after the
//! size and a four-digit year, so the two do not overlap. A name that itself ends in
//! `<DIR>` would be read as a directory.

use super::Parts;
use super::months::month_from_name;
use super::scan::{Tokens, parse_small, parse_time, parse_u64, rest, skip_blanks};
use crate::{DateTime, Encoding, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let size = parse_u64(tokens.next_bytes()?)?;
    let (y, m, d) = date(tokens.next_bytes()?, o.encoding)?;
    let (h, mi, s, _, _) = parse_time(tokens.next_bytes()?)?;
    let mut name = rest(line, skip_blanks(line, tokens.pos())).trim_ascii_end();
    let mut kind = Kind::File;
    if let Some(at) = name.len().checked_sub(5)
        && name.get(at..).is_some_and(|tail| tail.eq_ignore_ascii_case(b"<DIR>"))
    {
        let before = name.get(..at)?;
        if before.last().is_some_and(|&b| b == b' ' || b == b'\t') {
            kind = Kind::Dir;
            name = before.trim_ascii_end();
        }
    }
    if name.is_empty() || name.eq_ignore_ascii_case(b"<DIR>") || tokens.pos() == line.len() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    parts.size = Some(size);
    parts.modified = Some(DateTime::new(y, m, d, h, mi, s)?);
    Some(parts.build(line, o.encoding))
}

/// `JUL-17-2006`, `07-17-2006` or `07/17/2006`: month first, four-digit year.
fn date(t: &[u8], encoding: Encoding) -> Option<(i32, u8, u8)> {
    let sep = *t.iter().find(|b| matches!(b, b'-' | b'/'))?;
    let mut fields = t.split(|&b| b == sep);
    let (m, d, y) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = match parse_small(m, 2) {
        Some(n) => u8::try_from(n).ok()?,
        None => month_from_name(m, encoding)?,
    };
    let (year, day) = (parse_small(y, 4)? as i32, parse_small(d, 2)? as u8);
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
        dir_mark_at_the_end: b"       512    JUL-17-2006  10:02:46   NVRAM          <DIR>" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("NVRAM", Kind::Dir, Some(512)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2006-07-17T10:02:46Z");
        });
        file: b"   1048576    JAN-02-2004  09:13:00   vxWorks.st" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("vxWorks.st", Kind::File, Some(1_048_576)));
        });
        numeric_month: b"  36611  05-18-2005  06:39:16  config.cfg" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2005-05-18T06:39:16Z");
        });
        nortel_slashes: b"  2048  09/26/2000  10:02  boot image <DIR>" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("boot image", Kind::Dir));
        });
        lower_case_mark: b"  512  JUL-17-2006  10:02:46  logs  <dir>" => (|e| assert_eq!(e.kind, Kind::Dir));
        mark_glued_to_the_name: b"  512  JUL-17-2006  10:02:46  logs<DIR>" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("logs<DIR>", Kind::File));
        });
        rejects: [
            b"587823    RSA    DIR   Jan-08-97   13:58  OS2KRNL",
            b" 33280      A          1997-02-03  13:49  OS2LDR",
            b"     0           DIR   05-19-97   12:56  local",
            b"  1234      01-08-97   13:58  FILE.TXT",
            b"  512  JUL-17-2006  10:02:46",
            b"  512  JUL-17-2006  10:02:46  <DIR>",
            b"  512  JUL-32-2006  10:02:46  x",
            b"  512  JUL-17-2006  25:02:46  x",
        ] => None;
    }
}
