//! Byte-level pieces the format parsers share: tokens, numbers, month names, times,
//! dates as `ls` prints them, and the rule that gives a year to dates printed without one.
//!
//! Everything works on `&[u8]` and positions into it; nothing allocates and nothing
//! indexes past the end of the input.

use crate::DateTime;

/// A field separator: space or tab.
pub(crate) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The first position at or after `pos` that is not a blank (or the length).
pub(crate) fn skip_blanks(line: &[u8], mut pos: usize) -> usize {
    while line.get(pos).is_some_and(|&b| is_blank(b)) {
        pos += 1;
    }
    pos
}

/// The first position at or after `pos` that is a blank (or the length).
pub(crate) fn token_end(line: &[u8], mut pos: usize) -> usize {
    while line.get(pos).is_some_and(|&b| !is_blank(b)) {
        pos += 1;
    }
    pos
}

/// The next blank-separated token at or after `pos`, as `(start, end)`.
pub(crate) fn next_token(line: &[u8], pos: usize) -> Option<(usize, usize)> {
    let start = skip_blanks(line, pos);
    (start < line.len()).then(|| (start, token_end(line, start)))
}

/// The bytes of `line` from `start` to `end`, empty when out of range.
pub(crate) fn slice(line: &[u8], start: usize, end: usize) -> &[u8] {
    line.get(start..end).unwrap_or_default()
}

/// The bytes of `line` from `start` on, empty when out of range.
pub(crate) fn rest(line: &[u8], start: usize) -> &[u8] {
    line.get(start..).unwrap_or_default()
}

/// Blank-separated tokens, as `(start, end)` positions.
#[derive(Clone, Debug)]
pub(crate) struct Tokens<'a> {
    line: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    /// Tokens of `line` from `pos` on.
    pub(crate) fn new(line: &'a [u8], pos: usize) -> Self {
        Tokens { line, pos }
    }

    /// Where the next search starts (just past the last token returned).
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next token's bytes.
    pub(crate) fn next_bytes(&mut self) -> Option<&'a [u8]> {
        let (s, e) = self.next()?;
        Some(slice(self.line, s, e))
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let (s, e) = next_token(self.line, self.pos)?;
        self.pos = e;
        Some((s, e))
    }
}

/// Whether `t` is one or more ASCII digits.
pub(crate) fn all_digits(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(u8::is_ascii_digit)
}

/// A decimal number that fits a `u64`; `None` for anything else (empty, signs, overflow).
pub(crate) fn parse_u64(t: &[u8]) -> Option<u64> {
    if t.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &b in t {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A decimal number of 1 to `max_digits` digits.
pub(crate) fn parse_small(t: &[u8], max_digits: usize) -> Option<u32> {
    if t.is_empty() || t.len() > max_digits {
        return None;
    }
    let mut n = 0u32;
    for &b in t {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

/// A size printed with thousands separators (`1,234,567` or `1.234.567`) or without.
pub(crate) fn parse_grouped_u64(t: &[u8]) -> Option<u64> {
    if let Some(n) = parse_u64(t) {
        return Some(n);
    }
    let sep = *t.iter().find(|b| !b.is_ascii_digit())?;
    if sep != b',' && sep != b'.' {
        return None;
    }
    let mut groups = t.split(|&b| b == sep);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut n = parse_u64(first)?;
    for group in groups {
        if group.len() != 3 {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(parse_u64(group)?)?;
    }
    Some(n)
}

/// An unsigned octal number of 1 to `max_digits` digits.
pub(crate) fn parse_octal(t: &[u8], max_digits: usize) -> Option<u32> {
    if t.is_empty() || t.len() > max_digits {
        return None;
    }
    let mut n = 0u32;
    for &b in t {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        n = n * 8 + u32::from(b - b'0');
    }
    Some(n)
}

/// `rwxr-xr-x` for a Unix mode (`0o4755` gives `rwsr-xr-x`).
pub(crate) fn mode_string(mode: u32) -> String {
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let exec = |x: u32, special: u32, on: char, off: char| match (mode & x != 0, mode & special != 0) {
        (true, true) => on,
        (false, true) => off,
        (true, false) => 'x',
        (false, false) => '-',
    };
    let mut s = String::with_capacity(9);
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(exec(0o100, 0o4000, 's', 'S'));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(exec(0o010, 0o2000, 's', 'S'));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(exec(0o001, 0o1000, 't', 'T'));
    s
}

/// The full year of a two-digit year, as POSIX `strptime("%y")` reads it: 69 to 99 are
/// 1969 to 1999, 00 to 68 are 2000 to 2068.
pub(crate) fn century(yy: u32) -> i32 {
    if yy >= 69 { 1900 + yy as i32 } else { 2000 + yy as i32 }
}

/// The month of an abbreviated or short month name, in English and the languages `ls`
/// is commonly localised to (German, French, Spanish, Italian, Dutch, Swedish, Danish,
/// Norwegian, Polish, Portuguese, Finnish, Russian in UTF-8), case-insensitively, with
/// a trailing `.` or `,` ignored. Accented names match in UTF-8 and in Latin-1.
pub(crate) fn month_from_name(token: &[u8]) -> Option<u8> {
    let token = token.strip_suffix(b".").or_else(|| token.strip_suffix(b",")).unwrap_or(token);
    let token = token.strip_suffix(b".").unwrap_or(token);
    if token.len() < 3 || token.len() > 12 {
        return None;
    }
    let mut buf = [0u8; 12];
    let key = lowercase(token, &mut buf)?;
    Some(match key {
        b"jan" | b"janv" | b"j\xc3\xa4n" | b"j\xe4n" | b"ene" | b"gen" | b"sty" | b"tammi" => 1,
        b"\xd1\x8f\xd0\xbd\xd0\xb2" => 1,
        b"feb" | b"f\xc3\xa9v" | b"f\xc3\xa9vr" | b"f\xe9v" | b"f\xe9vr" | b"fev" | b"fevr" | b"lut" => 2,
        b"helmi" | b"\xd1\x84\xd0\xb5\xd0\xb2" | b"\xd1\x84\xd0\xb5\xd0\xb2\xd1\x80" => 2,
        b"mar" | b"m\xc3\xa4r" | b"m\xc3\xa4rz" | b"m\xe4r" | b"m\xe4rz" | b"mrz" | b"mars" | b"mrt" => 3,
        b"maalis" | b"\xd0\xbc\xd0\xb0\xd1\x80" | b"\xd0\xbc\xd0\xb0\xd1\x80\xd1\x82\xd0\xb0" => 3,
        b"apr" | b"avr" | b"abr" | b"kwi" | b"huhti" | b"\xd0\xb0\xd0\xbf\xd1\x80" => 4,
        b"may" | b"mai" | b"mag" | b"mei" | b"maj" | b"touko" => 5,
        b"\xd0\xbc\xd0\xb0\xd0\xb9" | b"\xd0\xbc\xd0\xb0\xd1\x8f" => 5,
        b"jun" | b"june" | b"juni" | b"juin" | b"giu" | b"cze" | b"kes\xc3\xa4" | b"kes\xe4" => 6,
        b"\xd0\xb8\xd1\x8e\xd0\xbd" | b"\xd0\xb8\xd1\x8e\xd0\xbd\xd1\x8f" => 6,
        b"jul" | b"july" | b"juli" | b"juil" | b"lug" | b"lip" | b"hein\xc3\xa4" | b"hein\xe4" => 7,
        b"\xd0\xb8\xd1\x8e\xd0\xbb" | b"\xd0\xb8\xd1\x8e\xd0\xbb\xd1\x8f" => 7,
        b"aug" | b"ao\xc3\xbb" | b"ao\xc3\xbbt" | b"ao\xfb" | b"ao\xfbt" | b"aout" | b"ago" | b"sie" => 8,
        b"elo" | b"avg" | b"\xd0\xb0\xd0\xb2\xd0\xb3" => 8,
        b"sep" | b"sept" | b"set" | b"wrz" | b"syys" => 9,
        b"\xd1\x81\xd0\xb5\xd0\xbd" | b"\xd1\x81\xd0\xb5\xd0\xbd\xd1\x82" => 9,
        b"oct" | b"okt" | b"ott" | b"out" | b"pa\xc5\xba" | b"paz" | b"loka" => 10,
        b"\xd0\xbe\xd0\xba\xd1\x82" => 10,
        b"nov" | b"lis" | b"marras" | b"\xd0\xbd\xd0\xbe\xd1\x8f" | b"\xd0\xbd\xd0\xbe\xd1\x8f\xd0\xb1" => 11,
        b"dec" | b"dez" | b"d\xc3\xa9c" | b"d\xe9c" | b"dic" | b"gru" | b"joulu" => 12,
        b"\xd0\xb4\xd0\xb5\xd0\xba" => 12,
        _ => return None,
    })
}

/// Lower-cases a short token into `buf`: ASCII letters, Latin-1 letters (as UTF-8 or
/// as single bytes) and Cyrillic capitals in UTF-8. Other bytes are copied.
fn lowercase<'b>(token: &[u8], buf: &'b mut [u8; 12]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..token.len())?;
    let mut i = 0;
    while let Some(&b) = token.get(i) {
        let next = token.get(i + 1).copied();
        let (lower, next_lower) = match (b, next) {
            // UTF-8 Latin-1 capitals À..Þ except ×.
            (0xc3, Some(n @ 0x80..=0x9e)) if n != 0x97 => (0xc3, Some(n + 0x20)),
            // UTF-8 Cyrillic А..П and Р..Я.
            (0xd0, Some(n @ 0x90..=0x9f)) => (0xd0, Some(n + 0x20)),
            (0xd0, Some(n @ 0xa0..=0xaf)) => (0xd1, Some(n - 0x20)),
            (0xc0..=0xdf, Some(n)) if (0x80..=0xbf).contains(&n) => (b, Some(n)),
            // Latin-1 capitals as single bytes.
            (0xc0..=0xde, _) if b != 0xd7 => (b + 0x20, None),
            _ => (b.to_ascii_lowercase(), None),
        };
        *out.get_mut(i)? = lower;
        i += 1;
        if let Some(n) = next_lower {
            *out.get_mut(i)? = n;
            i += 1;
        }
    }
    Some(out)
}

/// Suffixes CJK locales print after the month number (`3月`, `3월`), in UTF-8,
/// Shift_JIS, EUC-JP, EUC-KR and GBK.
const MONTH_MARKS: &[&[u8]] =
    &["月".as_bytes(), "월".as_bytes(), b"\x8c\x8e", b"\xb7\xee", b"\xbf\xf9", b"\xd4\xc2"];
/// Suffixes after the day (`2日`, `2일`).
const DAY_MARKS: &[&[u8]] =
    &["日".as_bytes(), "일".as_bytes(), b"\x93\xfa", b"\xc6\xfc", b"\xc0\xcf", b"\xc8\xd5"];
/// Suffixes after the year (`2003年`, `2003년`).
const YEAR_MARKS: &[&[u8]] =
    &["年".as_bytes(), "년".as_bytes(), b"\x94\x4e", b"\xc7\xaf", b"\xb3\xe2", b"\xc4\xea"];

/// `t` without one of `marks` at its end, or `None` when it has none of them.
fn strip_mark<'a>(t: &'a [u8], marks: &[&[u8]]) -> Option<&'a [u8]> {
    marks.iter().find_map(|m| t.strip_suffix(*m))
}

/// A month as a name (`Mar`, `mars`, `мар`) or as a number with a CJK mark (`3月`).
fn month_token(t: &[u8]) -> Option<u8> {
    match t.first() {
        Some(b'0'..=b'9') => {
            let n = parse_small(strip_mark(t, MONTH_MARKS)?, 2)?;
            (1..=12).contains(&n).then_some(n as u8)
        }
        _ => month_from_name(t),
    }
}

/// A day of the month: `2`, `02`, `2.`, `2,` or `2日`. Returns the day and the
/// punctuation that followed it.
fn day_token(t: &[u8]) -> Option<(u8, u8)> {
    let (digits, punct) = match t.last() {
        Some(&p @ (b'.' | b',')) => (t.get(..t.len() - 1)?, p),
        Some(b'0'..=b'9') => (t, 0),
        _ => (strip_mark(t, DAY_MARKS)?, 0),
    };
    let d = parse_small(digits, 2)?;
    (1..=31).contains(&d).then_some((d as u8, punct))
}

/// A four-digit year, optionally with a CJK mark (`2003年`).
fn year_token(t: &[u8]) -> Option<i32> {
    let digits = if t.len() == 4 { t } else { strip_mark(t, YEAR_MARKS)? };
    (digits.len() == 4).then(|| parse_small(digits, 4)).flatten().map(|y| y as i32)
}

/// A time of day as `H:MM`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`: hour, minute,
/// second, nanosecond, and whether seconds were given.
pub(crate) fn parse_time(t: &[u8]) -> Option<(u8, u8, u8, u32, bool)> {
    let mut parts = t.splitn(3, |&b| b == b':');
    let h = parse_small(parts.next()?, 2)?;
    let m = parts.next()?;
    if m.len() != 2 {
        return None;
    }
    let m = parse_small(m, 2)?;
    let (s, nanos, with_seconds) = match parts.next() {
        None => (0, 0, false),
        Some(sec) => {
            let (whole, frac) = match sec.iter().position(|&b| b == b'.') {
                Some(dot) => (sec.get(..dot)?, sec.get(dot + 1..)),
                None => (sec, None),
            };
            if whole.len() != 2 {
                return None;
            }
            let nanos = match frac {
                Some(f) if all_digits(f) => fraction(f),
                Some(_) => return None,
                None => 0,
            };
            (parse_small(whole, 2)?, nanos, true)
        }
    };
    (h < 24 && m < 60 && s <= 60).then_some((h as u8, m as u8, s as u8, nanos, with_seconds))
}

/// Nanoseconds from the digits of a decimal fraction (digits past the ninth ignored).
pub(crate) fn fraction(digits: &[u8]) -> u32 {
    let mut nanos = 0u32;
    let mut scale = 100_000_000u32;
    for &d in digits.iter().take(9) {
        nanos += u32::from(d.wrapping_sub(b'0') % 10) * scale;
        scale /= 10;
    }
    nanos
}

/// Gives a year to a date printed without one, relative to `now`.
///
/// The rule: take `now`'s year; if that puts the date more than one day after `now`,
/// use the year before. (A day of slack absorbs the time zone difference between the
/// server's clock and `now`.) A date that does not exist in that year (29 February) goes
/// back to the latest year that has it and is not in the future.
pub(crate) fn infer_year(now: &DateTime, month: u8, day: u8, hour: u8, minute: u8) -> Option<DateTime> {
    let limit = now.unix_seconds() + 86_400;
    (0..8).find_map(|back| {
        DateTime::new(now.year.checked_sub(back)?, month, day, hour, minute, 0)
            .filter(|d| d.unix_seconds() <= limit)
    })
}

/// A `YYYY-MM-DD` or `YYYY/MM/DD` date.
pub(crate) fn iso_date(t: &[u8]) -> Option<(i32, u8, u8)> {
    let sep = *t.get(4)?;
    if t.len() != 10 || (sep != b'-' && sep != b'/') || t.get(7) != Some(&sep) {
        return None;
    }
    let y = parse_small(slice(t, 0, 4), 4)? as i32;
    let m = parse_small(slice(t, 5, 7), 2)? as u8;
    let d = parse_small(slice(t, 8, 10), 2)? as u8;
    DateTime::new(y, m, d, 0, 0, 0).map(|_| (y, m, d))
}

/// A `[+-]HHMM` time zone offset in seconds east of UTC.
fn zone_offset(t: &[u8]) -> Option<i64> {
    let sign = match t.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = t.get(1..)?;
    if digits.len() != 4 {
        return None;
    }
    let h = i64::from(parse_small(slice(digits, 0, 2), 2)?);
    let m = i64::from(parse_small(slice(digits, 2, 4), 2)?);
    (h < 24 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// A modification time as `ls -l` prints it, starting with the token at `pos`.
/// Returns the time and the end of its last token.
///
/// Understood: `Mar 29 03:26`, `Mar 29  2024`, `29 Mar 03:26`, `29. Mär 2024`,
/// `Oct 08, 2002 09:47`, `Mar  2 15:13:45 2014` (`ls -lT`), `3月 2日 15:13`,
/// `6月 3日 2003年`, `2024-03-29 03:26`, `2024-03-29 03:26:00.000000000 +0100`
/// (`--full-time`) and `03-29 03:26`. Month names in the languages of
/// [`month_from_name`].
pub(crate) fn unix_date(line: &[u8], pos: usize, now: &DateTime) -> Option<(DateTime, usize)> {
    let mut tokens = Tokens::new(line, pos);
    let t1 = tokens.next_bytes()?;
    let first = *t1.first()?;
    if first.is_ascii_digit() {
        if let Some((y, m, d)) = iso_date(t1) {
            return iso_time(&mut tokens, line, y, m, d);
        }
        if t1.len() == 5 && t1.get(2) == Some(&b'-') {
            let m = parse_small(slice(t1, 0, 2), 2)? as u8;
            let d = parse_small(slice(t1, 3, 5), 2)? as u8;
            return year_or_time(&mut tokens, now, m, d, 0);
        }
        if let Some(month) = month_token(t1) {
            let (day, punct) = day_token(tokens.next_bytes()?)?;
            return year_or_time(&mut tokens, now, month, day, punct);
        }
        let (day, _) = day_token(t1)?;
        let (month, punct) = {
            let t2 = tokens.next_bytes()?;
            (month_from_name(t2)?, t2.last().copied().filter(|&b| b == b',').unwrap_or(0))
        };
        return year_or_time(&mut tokens, now, month, day, punct);
    }
    let month = month_from_name(t1)?;
    let (day, punct) = day_token(tokens.next_bytes()?)?;
    year_or_time(&mut tokens, now, month, day, punct)
}

/// The time (and optional zone) after an ISO date.
fn iso_time(tokens: &mut Tokens<'_>, line: &[u8], y: i32, m: u8, d: u8) -> Option<(DateTime, usize)> {
    let (h, mi, s, nanos, with_seconds) = parse_time(tokens.next_bytes()?)?;
    let mut end = tokens.pos();
    let mut at = DateTime::new(y, m, d, h, mi, s)?.with_nanosecond(nanos);
    if with_seconds
        && let Some((zs, ze)) = next_token(line, end)
        && let Some(offset) = zone_offset(slice(line, zs, ze))
    {
        at = DateTime::from_unix_seconds(at.unix_seconds() - offset).with_nanosecond(nanos);
        end = ze;
    }
    Some((at, end))
}

/// The year or time of day that follows month and day, and what may follow that.
fn year_or_time(
    tokens: &mut Tokens<'_>,
    now: &DateTime,
    month: u8,
    day: u8,
    punct: u8,
) -> Option<(DateTime, usize)> {
    let t3 = tokens.next_bytes()?;
    let end = tokens.pos();
    if let Some(year) = year_token(t3) {
        // VShell: `Oct 08, 2002 09:47`.
        if punct == b',' {
            let mut look = tokens.clone();
            if let Some((h, mi, s, _, _)) = look.next_bytes().and_then(parse_time) {
                return Some((DateTime::new(year, month, day, h, mi, s)?, look.pos()));
            }
        }
        return Some((DateTime::new(year, month, day, 0, 0, 0)?, end));
    }
    let (h, mi, s, _, with_seconds) = parse_time(t3.strip_suffix(b",").unwrap_or(t3))?;
    // `ls -lT`: `Mar  2 15:13:45 2014`.
    if with_seconds {
        let mut look = tokens.clone();
        if let Some(year) = look.next_bytes().and_then(year_token) {
            return Some((DateTime::new(year, month, day, h, mi, s)?, look.pos()));
        }
    }
    let at = infer_year(now, month, day, h, mi)?;
    Some((DateTime::new(at.year, month, day, h, mi, s)?, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime {
        DateTime::new(2024, 6, 15, 12, 0, 0).unwrap()
    }

    fn date(text: &str) -> Option<String> {
        unix_date(text.as_bytes(), 0, &now()).map(|(d, end)| format!("{d} {end}"))
    }

    macro_rules! dates {
        ($($text:expr => $want:expr),* $(,)?) => {$(
            assert_eq!(date($text).as_deref(), $want, "{:?}", $text);
        )*};
    }

    #[test]
    fn ls_dates() {
        dates! {
            "Mar 29 03:26 x" => Some("2024-03-29T03:26:00Z 12"),
            "Mar 29  2023 x" => Some("2023-03-29T00:00:00Z 12"),
            "Jun 16 11:00" => Some("2024-06-16T11:00:00Z 12"),
            "Jun 17 11:00" => Some("2023-06-17T11:00:00Z 12"),
            "Dec 31 23:59" => Some("2023-12-31T23:59:00Z 12"),
            "29 mars 03:26" => Some("2024-03-29T03:26:00Z 13"),
            "29. Mär 2021" => Some("2021-03-29T00:00:00Z 13"),
            "2. Okt. 2003" => Some("2003-10-02T00:00:00Z 12"),
            "Oct 08, 2002 09:47 x" => Some("2002-10-08T09:47:00Z 18"),
            "Mar  2 15:13:45 2014 x" => Some("2014-03-02T15:13:45Z 20"),
            "3月 2日 15:13" => Some("2024-03-02T15:13:00Z 15"),
            "6月 3日 2003年 x" => Some("2003-06-03T00:00:00Z 17"),
            "3월 2일 15:13" => Some("2024-03-02T15:13:00Z 15"),
            "2024-03-29 03:26 x" => Some("2024-03-29T03:26:00Z 16"),
            "2024-03-29 03:26:00.500000000 +0100 x" => Some("2024-03-29T02:26:00.5Z 35"),
            "03-29 03:26" => Some("2024-03-29T03:26:00Z 11"),
            "\u{43c}\u{430}\u{440} 29 03:26" => Some("2024-03-29T03:26:00Z 15"),
            "\u{41c}\u{430}\u{440} 29 03:26" => Some("2024-03-29T03:26:00Z 15"),
        }
    }

    #[test]
    fn bad_dates() {
        dates! {
            "Jam 4 00:03" => None,
            "Feb 23 30:01" => None,
            "Aug 36 2001" => None,
            "Aug 26 201" => None,
            "Aug 26 201O" => None,
            "Apr -7 18:79" => None,
            "Nov 31 2018" => None,
            "2001-04-27 x" => None,
            "Mar" => None,
            "" => None,
            "Mar 29" => None,
        }
    }

    #[test]
    fn leap_day_without_year_goes_back_to_a_leap_year() {
        let now = DateTime::new(2025, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(infer_year(&now, 2, 29, 10, 0).unwrap().year, 2024);
        let now = DateTime::new(2024, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(infer_year(&now, 1, 2, 0, 0).unwrap().year, 2024, "within a day counts as now");
        assert_eq!(infer_year(&now, 1, 2, 0, 1).unwrap().year, 2023);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_grouped_u64(b"1,234,567"), Some(1_234_567));
        assert_eq!(parse_grouped_u64(b"1.234"), Some(1234));
        assert_eq!(parse_grouped_u64(b"1,23"), None);
        assert_eq!(parse_grouped_u64(b",123"), None);
        assert_eq!(parse_octal(b"0755", 4), Some(0o755));
        assert_eq!(parse_octal(b"8", 4), None);
        assert_eq!(mode_string(0o4755), "rwsr-xr-x");
        assert_eq!(mode_string(0o1777), "rwxrwxrwt");
        assert_eq!(mode_string(0o2640), "rw-r-S---");
        assert_eq!(century(69), 1969);
        assert_eq!(century(68), 2068);
    }

    #[test]
    fn month_names() {
        for (name, month) in [
            ("Mar", 3),
            ("MAR", 3),
            ("Mär", 3),
            ("MÄRZ", 3),
            ("févr.", 2),
            ("août", 8),
            ("déc.", 12),
            ("Okt", 10),
            ("mrt", 3),
            ("maj", 5),
            ("paź", 10),
            ("ago", 8),
            ("дек", 12),
            ("Сен", 9),
        ] {
            assert_eq!(month_from_name(name.as_bytes()), Some(month), "{name}");
        }
        assert_eq!(month_from_name(b"m\xe4r"), Some(3), "Latin-1");
        assert_eq!(month_from_name(b"M\xc4R"), Some(3), "Latin-1 capitals");
        assert_eq!(month_from_name(b"Jam"), None);
        assert_eq!(month_from_name(b"\xff\xfe\xfd"), None);
        assert_eq!(month_from_name(b"abcdefghijklmnop"), None);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time(b"0:23"), Some((0, 23, 0, 0, false)));
        assert_eq!(parse_time(b"10:30:08.59"), Some((10, 30, 8, 590_000_000, true)));
        assert_eq!(parse_time(b"24:00"), None);
        assert_eq!(parse_time(b"12:5"), None);
        assert_eq!(parse_time(b"12:"), None);
        assert_eq!(parse_time(b":"), None);
        assert_eq!(parse_time(b"1:00:0x"), None);
    }
}
