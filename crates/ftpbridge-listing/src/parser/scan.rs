//! Byte-level pieces the format parsers share: tokens, numbers, sizes, times of day,
//! ISO dates, and the rule that gives a year to dates printed without one.
//! (Month names are in [`super::months`], the dates of `ls -l` in [`super::unix_date`].)
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

/// A time of day with `:` or, as Italian, Swedish, Czech and Hungarian `ls` print it,
/// `.` between the fields (`00.05`, `14.06.34`; no fraction after a `.`).
pub(crate) fn parse_time_any(t: &[u8]) -> Option<(u8, u8, u8, u32, bool)> {
    if t.contains(&b':') || !t.contains(&b'.') {
        return parse_time(t);
    }
    let mut fields = t.split(|&b| b == b'.');
    let h = parse_small(fields.next()?, 2)?;
    let m = fields.next().filter(|m| m.len() == 2).and_then(|m| parse_small(m, 2))?;
    let s = match fields.next() {
        Some(s) if s.len() == 2 => Some(parse_small(s, 2)?),
        Some(_) => return None,
        None => None,
    };
    if fields.next().is_some() || h >= 24 || m >= 60 || s.is_some_and(|s| s > 60) {
        return None;
    }
    Some((h as u8, m as u8, s.unwrap_or(0) as u8, 0, s.is_some()))
}

/// A size in bytes: plain digits, or a number with a unit as `ls -lh` and some servers
/// print it (`34K`, `33.5k`, `1,2M`, `1.2G`, `2KB`, `512B`, `1.5MiB`). Units are powers
/// of 1024 whatever their case: `ls -h` prints `K`, `--si` prints `k` for 1000 but the
/// same `M` and `G`, so the two cannot be told apart; such a size is rounded anyway.
pub(crate) fn parse_size(t: &[u8]) -> Option<u64> {
    if let Some(n) = parse_u64(t) {
        return Some(n);
    }
    let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = parse_u64(t.get(..digits)?)?;
    let mut rest = t.get(digits..)?;
    let mut frac: &[u8] = &[];
    if let Some((&(b'.' | b','), after)) = rest.split_first() {
        let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        frac = after.get(..n)?;
        rest = after.get(n..)?;
    }
    let (shift, suffix) = match rest.split_first() {
        Some((b'B' | b'b', tail)) if frac.is_empty() => (0, tail),
        Some((unit, tail)) => {
            let shift = match unit.to_ascii_uppercase() {
                b'K' => 10,
                b'M' => 20,
                b'G' => 30,
                b'T' => 40,
                b'P' => 50,
                b'E' => 60,
                _ => return None,
            };
            (shift, tail)
        }
        None => return None,
    };
    if !matches!(suffix, b"" | b"B" | b"b" | b"iB" | b"ib") || (shift == 0 && !suffix.is_empty()) {
        return None;
    }
    let scale = 10u128.pow(frac.len() as u32);
    let frac_value = u128::from(parse_u64(frac).unwrap_or(0));
    let bytes = (u128::from(whole) << shift) + ((frac_value << shift) + scale / 2) / scale;
    u64::try_from(bytes).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn sizes_with_units() {
        assert_eq!(parse_size(b"1234"), Some(1234));
        assert_eq!(parse_size(b"34K"), Some(34 * 1024));
        assert_eq!(parse_size(b"33.5k"), Some(34304));
        assert_eq!(parse_size(b"1,2M"), Some(1_258_291));
        assert_eq!(parse_size(b"2M"), Some(2 << 20));
        assert_eq!(parse_size(b"1.2G"), Some(1_288_490_189));
        assert_eq!(parse_size(b"2KB"), Some(2048));
        assert_eq!(parse_size(b"512B"), Some(512));
        assert_eq!(parse_size(b"1.5MiB"), Some(1_572_864));
        assert_eq!(parse_size(b"16E"), None, "overflows");
        for bad in [&b""[..], b"K", b"1.5", b"1.K", b".5K", b"1X", b"1KK", b"1.2.3M", b"-1K", b"1 K"] {
            assert_eq!(parse_size(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_time_any(b"00.05"), Some((0, 5, 0, 0, false)));
        assert_eq!(parse_time_any(b"14.06.34"), Some((14, 6, 34, 0, true)));
        assert_eq!(parse_time_any(b"14:06:34"), Some((14, 6, 34, 0, true)));
        assert_eq!(parse_time_any(b"1.5"), None);
        assert_eq!(parse_time_any(b"14.06:34"), None);
        assert_eq!(parse_time(b"0:23"), Some((0, 23, 0, 0, false)));
        assert_eq!(parse_time(b"10:30:08.59"), Some((10, 30, 8, 590_000_000, true)));
        assert_eq!(parse_time(b"24:00"), None);
        assert_eq!(parse_time(b"12:5"), None);
        assert_eq!(parse_time(b"12:"), None);
        assert_eq!(parse_time(b":"), None);
        assert_eq!(parse_time(b"1:00:0x"), None);
    }
}
