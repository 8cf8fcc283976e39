//! MS-DOS style listings, as IIS, Windows CE and other Windows servers print them.
//!
//! `03-29-24  03:26PM       <DIR>          name` and
//! `03-29-2024  15:26                 1,234 name`: a date (`MM-DD-YY`, `MM-DD-YYYY`,
//! `YYYY-MM-DD`, `-` or `/` between), a time in 12-hour (`03:26PM`, `03:26 PM`) or
//! 24-hour form, `<DIR>` or a size (thousands separators allowed), then the name with
//! the column padding before it removed. Two-digit years follow POSIX: 69 to 99 are
//! the 1900s, 00 to 68 the 2000s. Localised Windows servers print `29.03.2024  15:26`
//! (day first, with dots).
//!
//! Sent by Microsoft IIS (unless its directory style is set to Unix), Windows CE,
//! and DOS and Windows servers that copy `dir` output (WFTPD, War FTP, Serv-U in DOS
//! mode).
//!
//! Ambiguous: `05-06-07` could be any order. IIS always prints month first with `-`
//! or `/`, so a first field above 12 (`20-05-97`) is not read (Apache Commons Net
//! rejects it too); only dotted dates are read day first.

use super::Parts;
use super::scan::{Tokens, century, parse_grouped_u64, parse_small, parse_time, rest, skip_blanks, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut tokens = Tokens::new(line, 0);
    let (year, month, day) = date(tokens.next_bytes()?)?;
    let (hour, minute, second) = {
        let t = tokens.next_bytes()?;
        let (clock, mut meridiem) = split_meridiem(t);
        let (h, m, s, _, _) = parse_time(clock)?;
        if meridiem.is_none() {
            let mut look = tokens.clone();
            if let Some(m) = look.next_bytes().and_then(|t| split_meridiem(t).1.filter(|_| t.len() == 2)) {
                meridiem = Some(m);
                tokens = look;
            }
        }
        let h = match meridiem {
            None => h,
            Some(_) if !(1..=12).contains(&h) => return None,
            Some(pm) => h % 12 + if pm { 12 } else { 0 },
        };
        (h, m, s)
    };
    let modified = DateTime::new(year, month, day, hour, minute, second)?;
    let (s, e) = tokens.next()?;
    let column = slice(line, s, e);
    let (kind, size) = if column.eq_ignore_ascii_case(b"<DIR>") {
        (Kind::Dir, None)
    } else {
        (Kind::File, Some(parse_grouped_u64(column)?))
    };
    let name = rest(line, skip_blanks(line, e));
    if name.is_empty() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    parts.size = size;
    parts.modified = Some(modified);
    Some(parts.build(line, o.encoding))
}

/// `MM-DD-YY`, `MM-DD-YYYY` or `YYYY-MM-DD`, with `-` or `/`; `DD.MM.YY(YY)`.
fn date(t: &[u8]) -> Option<(i32, u8, u8)> {
    let sep = *t.iter().find(|b| !b.is_ascii_digit())?;
    if sep != b'-' && sep != b'/' && sep != b'.' {
        return None;
    }
    let mut fields = t.split(|&b| b == sep);
    let (a, b, c) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() {
        return None;
    }
    let (y, m, d) = match (a.len(), b.len(), c.len()) {
        (4, 2, 2) => (parse_small(a, 4)? as i32, parse_small(b, 2)?, parse_small(c, 2)?),
        (1 | 2, 1 | 2, 2) if sep == b'.' => {
            (century(parse_small(c, 2)?), parse_small(b, 2)?, parse_small(a, 2)?)
        }
        (1 | 2, 1 | 2, 4) if sep == b'.' => {
            (parse_small(c, 4)? as i32, parse_small(b, 2)?, parse_small(a, 2)?)
        }
        (1 | 2, 1 | 2, 2) => (century(parse_small(c, 2)?), parse_small(a, 2)?, parse_small(b, 2)?),
        (1 | 2, 1 | 2, 4) => (parse_small(c, 4)? as i32, parse_small(a, 2)?, parse_small(b, 2)?),
        _ => return None,
    };
    DateTime::new(y, m as u8, d as u8, 0, 0, 0)?;
    Some((y, m as u8, d as u8))
}

/// `03:26PM` → (`03:26`, Some(true)); `AM` alone → (``, Some(false)).
fn split_meridiem(t: &[u8]) -> (&[u8], Option<bool>) {
    let n = t.len();
    match t.get(n.saturating_sub(2)..) {
        Some(tail) if n >= 2 && tail.eq_ignore_ascii_case(b"PM") => (slice(t, 0, n - 2), Some(true)),
        Some(tail) if n >= 2 && tail.eq_ignore_ascii_case(b"AM") => (slice(t, 0, n - 2), Some(false)),
        _ => (t, None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        dir_12h: b"12-05-96  05:03PM       <DIR>          absoft2" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("absoft2", Kind::Dir, None));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1996-12-05T17:03:00Z");
        });
        file_12h: b"05-22-97  12:08AM                  5000000000 AUTOEXEC.BAK" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("AUTOEXEC.BAK", Kind::File, Some(5_000_000_000)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1997-05-22T00:08:00Z");
        });
        noon: b"05-22-97  12:08PM                  1 a" => (|e| assert_eq!(e.modified.unwrap().hour, 12));
        four_digit_year: b"08-07-2015  07:50PM                  718 Post_PRR_20150901_1166_265118_13049.dat" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2015-08-07T19:50:00Z");
        });
        twenty_four_hour: b"12-05-96  17:03         <DIR>          absoft2" => (|e| assert_eq!(e.modified.unwrap().hour, 17));
        iso_day: b"2002-09-02  19:06                9,730 longyear file" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("longyear file", Some(9730)));
        });
        spaced_meridiem: b"04-08-14  03:09 PM       1234 readme.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().hour), ("readme.txt", 15));
        });
        grouped_size: b"04-08-14  03:09PM  1,234,567 bigfile.bin" => (|e| assert_eq!(e.size, Some(1_234_567)));
        name_with_leading_digits: b"12-03-96  06:38AM       <DIR>           10 years and under" => (|e| {
            assert_eq!(e.name, "10 years and under");
        });
        name_pm: b"12-03-96  06:38AM       <DIR>          PM" => (|e| assert_eq!(e.name, "PM"));
        short_padding: b"04-08-14  03:09PM  8192 omar.txt" => (|e| assert_eq!(e.size, Some(8192)));
        two_digit_year_24h: b"03-29-24  15:26                  5 a.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("a.txt", Some(5)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T15:26:00Z");
        });
        four_digit_year_24h_seconds: b"03/29/2024  15:26:07    <DIR>          Some Folder" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("Some Folder", Kind::Dir));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T15:26:07Z");
        });
        dotted_day_first: b"29.03.2024  15:26    <DIR>          Bilder" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("Bilder", Kind::Dir));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T15:26:00Z");
        });
        dotted_two_digit_year: b"29.03.24  15:26             1.234 Rechnung.pdf" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("Rechnung.pdf", Some(1234)));
        });
        lower_case_dir: b"03-29-24  03:26PM       <dir>          low" => (|e| assert_eq!(e.kind, Kind::Dir));
        rejects: [
            b"-08-14  03:09PM  <DIR> docs",
            b"34-08-14  03:09PM  <DIR> docs",
            b"20-05-97  03:31PM                  681 .bash_history",
            b"04-08-14  03:09PM  OMAR docs",
            b"04-08-14  13:09PM  1 docs",
            b"04-08-14  00:09AM  1 docs",
            b"04-08-14  03:09PM  1",
            b"04-08-14  03:09PM  1 ",
            b"04-08-14  03:09PM",
            b"04-08-14",
            b"04-08-14-1  03:09  1 x",
            b"02-30-14  03:09  1 x",
            b"03.29.2024  15:26  1 x",
            b"29.03  15:26  1 x",
            b"     0           DIR   05-19-97   12:56  local",
            b"1,23 x",
        ] => None;
    }
}
