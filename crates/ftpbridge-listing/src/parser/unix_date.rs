//! The modification time of an `ls -l` line, in the forms servers print it.
//!
//! GNU `ls` prints `%b %e %H:%M` / `%b %e  %Y` translated per language, so the same
//! column comes out as `Mar 29 03:26`, `29. Mär 2019`, `29 nov.  00:05`, `nov   29
//! 00.05` (Hungarian, Italian, Swedish, Czech use `.` in times), `2019 márc  13`
//! (Hungarian, year first, no time), `29.11. 00:05` and `12. 2.  2019` (Finnish, the
//! month as a number), `11-29 00:05` and `2019-02-12` (Polish), `3月 13  2019`,
//! `11月29日 00:05`, `2019年 3月13日` (Chinese), `11월 29일  00:05`, `2019년  3월 13일`
//! (Korean); `--time-style` adds `2019-02-12 10:20[:00.000000000 +0000]`; other servers
//! print `Oct 08, 2002 09:47` (VShell), `Mar  2 15:13:45 2014` (`ls -lT`), `3 29 03:26`
//! (the month as a number), `24-04-2003`, `2004.07.15`, `01-jun-99`, `26-05 2002`.
//!
//! Ambiguities and how they are decided:
//! - Without a year, the year comes from `now` (see [`infer_year`]).
//! - `01-02-03` may be day-month-year or month-day-year: a first field above 12 means
//!   day first, a second above 12 month first; otherwise the order the listing showed
//!   in an earlier unambiguous line ([`Hints`]), else day first (the order of most
//!   locales that print numeric dates; US servers seldom localise `ls`). Dotted dates
//!   are always day first; four-digit years first are year-month-day.
//! - Two-digit years (`01-jun-99`) follow POSIX: 69 to 99 are the 1900s. A lone
//!   two-digit number is never a year (`Aug 26  20` is a broken line, not 2020).
//! - A bare number is a month only where no other reading fits: `3 29 03:26`, and
//!   Hungarian `2019 febr 12`, are *weak* ([`Found::weak`]): the line's parser prefers a
//!   date that starts one token later (`... 0 2019 Feb 12 2020 name` is the size 2019).
//! - A bare ISO date (`2019-02-12`, no time) is read only when the column is padded
//!   after it, as GNU `ls` pads it; `2001-04-27 name` may be a name with a date in it.
//! - Some translations pad the year form to the width of the time form with a space
//!   after it (German `13. Mär 2019  old03`, Polish `2019-02-12  old02`);
//!   [`Found::padded`] says one more blank after the date belongs to it. A C-locale
//!   year is right-aligned instead (`Mar 13  2019 name`), so there the name's own
//!   leading spaces are kept.

use std::cell::Cell;

use super::months::month_from_name;
use super::scan::{Tokens, all_digits, century, infer_year, is_blank, parse_small, parse_time_any, slice};
use crate::{DateTime, Encoding};

/// A date found in a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// The time, with the year inferred when the line gives none.
    pub at: DateTime,
    /// The end of the date's last token.
    pub end: usize,
    /// A reading of bare numbers that a date one token later should overrule.
    pub weak: bool,
    /// One more blank after the date is column padding, not part of the name.
    pub padded: bool,
}

/// The order of day and month in a numeric date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    DayFirst,
    MonthFirst,
}

/// What earlier lines of a listing showed, to read an ambiguous line the same way.
/// A hint only decides between readings that are all valid; no line needs one.
#[derive(Clone, Debug, Default)]
pub(crate) struct Hints {
    order: Cell<Option<Order>>,
}

impl Hints {
    fn order(&self) -> Option<Order> {
        self.order.get()
    }

    fn saw(&self, order: Order) {
        if self.order.get().is_none() {
            self.order.set(Some(order));
        }
    }
}

/// Everything a date reading needs besides the tokens.
#[derive(Clone, Copy)]
pub(crate) struct DateContext<'a> {
    pub now: &'a DateTime,
    pub encoding: Encoding,
    pub hints: &'a Hints,
}

/// Suffixes East Asian locales print after the year, month and day numbers, in
/// UTF-8 and the legacy double-byte encodings (Shift_JIS, EUC-JP, GBK/GB18030, Big5,
/// EUC-KR).
const YEAR_MARKS: &[&[u8]] =
    &["年".as_bytes(), "년".as_bytes(), b"\x94\x4e", b"\xc7\xaf", b"\xc4\xea", b"\xa6\x7e", b"\xb3\xe2"];
const MONTH_MARKS: &[&[u8]] =
    &["月".as_bytes(), "월".as_bytes(), b"\x8c\x8e", b"\xb7\xee", b"\xd4\xc2", b"\xa4\xeb", b"\xbf\xf9"];
const DAY_MARKS: &[&[u8]] =
    &["日".as_bytes(), "일".as_bytes(), b"\x93\xfa", b"\xc6\xfc", b"\xc8\xd5", b"\xa4\xe9", b"\xc0\xcf"];

/// Reads a date starting with the token at `pos`.
pub(crate) fn unix_date(line: &[u8], pos: usize, cx: &DateContext<'_>) -> Option<Found> {
    let mut r = Reader { line, tokens: Tokens::new(line, pos), cx: *cx };
    let t1 = r.next()?;
    let first = *t1.first()?;
    if let Some(found) = r.numeric_token(t1) {
        return found;
    }
    if !first.is_ascii_digit() {
        // `Mar 29 03:26`, `nov.  29 00:05`, `Oct 08, 2002 09:47`.
        let month = month_from_name(t1, cx.encoding)?;
        let (day, punct) = day_token(r.next()?)?;
        return r.year_or_time(month, day, punct == b',', false);
    }
    if t1.iter().any(|&b| b >= 0x80) {
        return r.east_asian(t1);
    }
    let t2 = r.next()?;
    if let Some(month) = month_from_name(t2, cx.encoding) {
        if t1.len() == 4 && all_digits(t1) {
            // Hungarian: `2019 márc  13`. (`4096 Feb 23` is a size and a broken date.)
            let year = parse_small(t1, 4)? as i32;
            if !(1900..=cx.now.year + 1).contains(&year) {
                return None;
            }
            let (day, _) = day_token(r.next()?)?;
            let at = DateTime::new(year, month, day, 0, 0, 0)?;
            return Some(Found { at, end: r.tokens.pos(), weak: true, padded: false });
        }
        // `29. Mär 2019`, `29 nov.  00:05`.
        let (day, _) = day_token(t1)?;
        return r.year_or_time(month, day, t2.last() == Some(&b','), false);
    }
    // The month as a number: `3 29 03:26`, Finnish `12. 2.  2019`.
    let (a, a_dot) = small_number(t1)?;
    let (b, b_dot) = small_number(t2)?;
    let order =
        if a_dot && b_dot { Order::DayFirst } else { order_of(a, b, cx.hints, Order::MonthFirst, false)? };
    let (month, day) = match order {
        Order::DayFirst => (b, a),
        Order::MonthFirst => (a, b),
    };
    r.year_or_time(u8::try_from(month).ok()?, u8::try_from(day).ok()?, false, true)
}

struct Reader<'a> {
    line: &'a [u8],
    tokens: Tokens<'a>,
    cx: DateContext<'a>,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        self.tokens.next_bytes()
    }

    /// A token that holds a whole date, or a date's day and month: ISO, separated,
    /// Czech `29.\u{a0}lis`. `None` when `t` is none of these (the caller tries the
    /// other forms); `Some(None)` when it is one but the line is not a valid date.
    fn numeric_token(&mut self, t: &'a [u8]) -> Option<Option<Found>> {
        // Czech puts a no-break space between the day and the month: `29.\u{a0}lis`.
        if let Some(at) = nbsp(t) {
            let day = slice(t, 0, at);
            let month = t.get(at + if t.get(at) == Some(&0xc2) { 2 } else { 1 }..)?;
            let month = month_from_name(month, self.cx.encoding);
            let found = (|| {
                let (day, _) = day_token(day)?;
                self.year_or_time(month?, day, false, false)
            })();
            return Some(found);
        }
        let sep = *t.iter().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
        let mut fields = t.split(|&b| b == sep);
        let (a, b) = (fields.next()?, fields.next()?);
        let c = fields.next();
        if fields.next().is_some() {
            return Some(None);
        }
        // `29.` (a day) and `nov.` (a month) are read by the other forms.
        if c.is_none() && (b.is_empty() || sep != b'-' || !all_digits(a) || !all_digits(b)) {
            return None;
        }
        Some((|| match c {
            // `11-29 00:05`, `26-05 2002`.
            None => {
                let (x, y) = (parse_small(a, 2)?, parse_small(b, 2)?);
                let mut look = self.tokens.clone();
                let next = look.next_bytes()?;
                if parse_time_any(next).is_some() {
                    return self.year_or_time(u8::try_from(x).ok()?, u8::try_from(y).ok()?, false, false);
                }
                let year = four_digit_year(next)?;
                let (month, day) = match order_of(x, y, self.cx.hints, Order::DayFirst, true)? {
                    Order::DayFirst => (y, x),
                    Order::MonthFirst => (x, y),
                };
                self.tokens = look;
                self.dated(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?, true)
            }
            // Finnish `29.11. 00:05`, `11.10.  2019`.
            Some(b"") if sep == b'.' => {
                let (day, month) = (parse_small(a, 2)?, parse_small(b, 2)?);
                self.year_or_time(u8::try_from(month).ok()?, u8::try_from(day).ok()?, false, false)
            }
            Some(c) => {
                let (y, m, d) = separated_date(a, b, c, sep, self.cx)?;
                let found = self.dated(y, m, d, true)?;
                // A bare ISO date is GNU's `iso` style or the Polish locale, both padded
                // to the width of `MM-DD HH:MM`; after a single blank it may as well
                // start the name (Apache Commons Net reads `2001-04-27 name` so).
                let padded =
                    self.line.get(found.end..found.end + 2).is_some_and(|w| w.iter().all(|&b| is_blank(b)));
                if found.padded && sep == b'-' && a.len() == 4 && !padded {
                    return None;
                }
                Some(found)
            }
        })())
    }

    /// A date whose year is known, and a time of day if one follows.
    fn dated(&mut self, year: i32, month: u8, day: u8, date_only_padded: bool) -> Option<Found> {
        let date_end = self.tokens.pos();
        let mut look = self.tokens.clone();
        if let Some((s, e)) = look.next()
            && let Some((h, mi, sec, nanos, with_seconds)) = parse_time_any(slice(self.line, s, e))
        {
            let mut at = DateTime::new(year, month, day, h, mi, sec)?.with_nanosecond(nanos);
            let mut end = e;
            if with_seconds
                && let Some((zs, ze)) = look.next()
                && let Some(offset) = zone_offset(slice(self.line, zs, ze))
            {
                at = DateTime::from_unix_seconds(at.unix_seconds() - offset).with_nanosecond(nanos);
                end = ze;
            }
            return Some(Found { at, end, weak: false, padded: false });
        }
        let at = DateTime::new(year, month, day, 0, 0, 0)?;
        Some(Found { at, end: date_end, weak: false, padded: date_only_padded })
    }

    /// The year or time of day after the month and the day, and what may follow it:
    /// a time after a year when the day had a comma (VShell), a year after a time with
    /// seconds (`ls -lT`).
    fn year_or_time(&mut self, month: u8, day: u8, comma: bool, weak: bool) -> Option<Found> {
        let (s, e) = self.tokens.next()?;
        let t = slice(self.line, s, e);
        if let Some(year) = year_token(t) {
            if comma {
                let mut look = self.tokens.clone();
                if let Some((h, mi, sec, _, _)) = look.next_bytes().and_then(parse_time_any) {
                    let at = DateTime::new(year, month, day, h, mi, sec)?;
                    return Some(Found { at, end: look.pos(), weak, padded: false });
                }
            }
            let at = DateTime::new(year, month, day, 0, 0, 0)?;
            // A year right after a single blank was not right-aligned, so the column
            // may be padded after it.
            let single = s >= 2
                && self.line.get(s - 1).is_some_and(|&b| is_blank(b))
                && self.line.get(s - 2).is_some_and(|&b| !is_blank(b));
            return Some(Found { at, end: e, weak, padded: single && t.len() == 4 });
        }
        let (h, mi, sec, _, with_seconds) = parse_time_any(t.strip_suffix(b",").unwrap_or(t))?;
        if with_seconds {
            let mut look = self.tokens.clone();
            if let Some(year) = look.next_bytes().and_then(four_digit_year) {
                let at = DateTime::new(year, month, day, h, mi, sec)?;
                return Some(Found { at, end: look.pos(), weak, padded: false });
            }
        }
        let inferred = infer_year(self.cx.now, month, day, h, mi)?;
        let at = DateTime::new(inferred.year, month, day, h, mi, sec)?;
        Some(Found { at, end: e, weak, padded: false })
    }

    /// Dates with East Asian marks: `3月 13  2019`, `11月29日 00:05`, `2019年12月13日`,
    /// `2019년  3월 13일`, `6月 3日 2003年`.
    fn east_asian(&mut self, t1: &'a [u8]) -> Option<Found> {
        let mut parts = marked(t1)?;
        let mut end = self.tokens.pos();
        for _ in 0..2 {
            let mut look = self.tokens.clone();
            match look.next_bytes().and_then(marked) {
                Some(more) if parts.accepts(&more) => {
                    parts.merge(&more);
                    self.tokens = look;
                    end = self.tokens.pos();
                }
                _ => break,
            }
        }
        let month = u8::try_from(parts.month?).ok()?;
        let day = match parts.day {
            Some(day) => u8::try_from(day).ok()?,
            None => {
                let (day, _) = day_token(self.next()?)?;
                end = self.tokens.pos();
                day
            }
        };
        match parts.year {
            Some(year) => {
                self.tokens = Tokens::new(self.line, end);
                self.dated(year as i32, month, day, false)
            }
            None => self.year_or_time(month, day, false, false),
        }
    }
}

/// The fields of a token of numbers with East Asian marks.
#[derive(Clone, Copy, Debug, Default)]
struct Marked {
    year: Option<u32>,
    month: Option<u32>,
    day: Option<u32>,
}

impl Marked {
    /// Whether `more` only adds fields that come after the ones already read.
    fn accepts(&self, more: &Marked) -> bool {
        let last = if self.day.is_some() {
            3
        } else if self.month.is_some() {
            2
        } else {
            1
        };
        let first = if more.year.is_some() {
            1
        } else if more.month.is_some() {
            2
        } else {
            3
        };
        first > last
    }

    fn merge(&mut self, more: &Marked) {
        self.year = self.year.or(more.year);
        self.month = self.month.or(more.month);
        self.day = self.day.or(more.day);
    }
}

/// `2019年12月13日` → year, month and day; every number must carry its mark, in
/// year-month-day order.
fn marked(t: &[u8]) -> Option<Marked> {
    let mut parts = Marked::default();
    let mut rank = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let n = parse_small(rest.get(..digits)?, 4)?;
        rest = rest.get(digits..)?;
        let (kind, len) =
            [YEAR_MARKS, MONTH_MARKS, DAY_MARKS].iter().enumerate().find_map(|(kind, marks)| {
                marks.iter().find(|m| rest.starts_with(m)).map(|m| (kind + 1, m.len()))
            })?;
        if kind <= rank {
            return None;
        }
        rank = kind;
        match kind {
            1 if digits == 4 => parts.year = Some(n),
            2 if (1..=12).contains(&n) => parts.month = Some(n),
            3 if (1..=31).contains(&n) => parts.day = Some(n),
            _ => return None,
        }
        rest = rest.get(len..)?;
    }
    (rank > 0).then_some(parts)
}

/// Where a no-break space (U+00A0, as UTF-8 or as the single Latin byte) follows a
/// `29.`-style day.
fn nbsp(t: &[u8]) -> Option<usize> {
    let dot = t.iter().position(|&b| b == b'.')?;
    let digits = t.get(..dot)?;
    if digits.is_empty() || digits.len() > 2 || !all_digits(digits) {
        return None;
    }
    match t.get(dot + 1..)? {
        [0xc2, 0xa0, ..] | [0xa0, ..] => Some(dot + 1),
        _ => None,
    }
}

/// `a-b-c`, `a.b.c`, `a/b/c`: year-month-day when `a` has four digits, day-month-year
/// with a month name in the middle (`01-jun-99`) or a month name first (`Jun-01-1999`),
/// otherwise day and month in the order [`order_of`] decides.
fn separated_date(a: &[u8], b: &[u8], c: &[u8], sep: u8, cx: DateContext<'_>) -> Option<(i32, u8, u8)> {
    let year_of = |t: &[u8]| match t.len() {
        2 => parse_small(t, 2).map(century),
        4 => parse_small(t, 4).map(|y| y as i32),
        _ => None,
    };
    let (y, m, d) = if a.len() == 4 && all_digits(a) {
        (parse_small(a, 4)? as i32, number_or_month(b, cx)?, parse_small(c, 2)?)
    } else if !b.first().is_some_and(u8::is_ascii_digit) {
        (year_of(c)?, u32::from(month_from_name(b, cx.encoding)?), parse_small(a, 2)?)
    } else if !a.first().is_some_and(u8::is_ascii_digit) {
        (year_of(c)?, u32::from(month_from_name(a, cx.encoding)?), parse_small(b, 2)?)
    } else {
        let (x, z) = (parse_small(a, 2)?, parse_small(b, 2)?);
        let y = year_of(c)?;
        let order =
            if sep == b'.' { Order::DayFirst } else { order_of(x, z, cx.hints, Order::DayFirst, true)? };
        match order {
            Order::DayFirst => (y, z, x),
            Order::MonthFirst => (y, x, z),
        }
    };
    let (m, d) = (u8::try_from(m).ok()?, u8::try_from(d).ok()?);
    DateTime::new(y, m, d, 0, 0, 0).map(|_| (y, m, d))
}

fn number_or_month(t: &[u8], cx: DateContext<'_>) -> Option<u32> {
    parse_small(t, 2).or_else(|| month_from_name(t, cx.encoding).map(u32::from))
}

/// The order of two numbers that are a day and a month: the one above 12 is the day;
/// otherwise the listing's hint, else `default`. With `record`, an unambiguous order
/// becomes the listing's hint (only separated dates record one: bare numbers are read
/// on trial at many places of a line).
fn order_of(a: u32, b: u32, hints: &Hints, default: Order, record: bool) -> Option<Order> {
    let seen = |order| {
        if record {
            hints.saw(order);
        }
        Some(order)
    };
    match (a, b) {
        (0, _) | (_, 0) => None,
        (13..=31, 1..=12) => seen(Order::DayFirst),
        (1..=12, 13..=31) => seen(Order::MonthFirst),
        (1..=12, 1..=12) => Some(hints.order().unwrap_or(default)),
        _ => None,
    }
}

/// A number of one or two digits, and whether a `.` followed it.
fn small_number(t: &[u8]) -> Option<(u32, bool)> {
    let (digits, dot) = match t.strip_suffix(b".") {
        Some(d) => (d, true),
        None => (t, false),
    };
    Some((parse_small(digits, 2)?, dot))
}

/// A day of the month: `2`, `02`, `2.`, `2,` or `2日`. Returns the day and the
/// punctuation that followed it.
fn day_token(t: &[u8]) -> Option<(u8, u8)> {
    let (digits, punct) = match t.last() {
        Some(&p @ (b'.' | b',')) => (t.get(..t.len() - 1)?, p),
        Some(b'0'..=b'9') => (t, 0),
        _ => (DAY_MARKS.iter().find_map(|m| t.strip_suffix(*m))?, 0),
    };
    let d = parse_small(digits, 2)?;
    (1..=31).contains(&d).then_some((d as u8, punct))
}

fn four_digit_year(t: &[u8]) -> Option<i32> {
    (t.len() == 4).then(|| parse_small(t, 4)).flatten().map(|y| y as i32)
}

/// A four-digit year, optionally with an East Asian mark (`2003年`).
fn year_token(t: &[u8]) -> Option<i32> {
    four_digit_year(t).or_else(|| four_digit_year(YEAR_MARKS.iter().find_map(|m| t.strip_suffix(*m))?))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime {
        DateTime::new(2024, 6, 15, 12, 0, 0).unwrap()
    }

    fn read(text: &[u8], hints: &Hints) -> Option<String> {
        let now = now();
        let cx = DateContext { now: &now, encoding: Encoding::UTF_8, hints };
        unix_date(text, 0, &cx).map(|f| {
            let after = String::from_utf8_lossy(text.get(f.end..).unwrap_or_default());
            format!(
                "{} |{after}{}{}",
                f.at,
                if f.weak { " weak" } else { "" },
                if f.padded { " padded" } else { "" }
            )
        })
    }

    /// `"text" => Some("time |what follows the date [weak] [padded]")` or `=> None`,
    /// each read by a listing of its own.
    macro_rules! dates {
        ($($text:expr => $want:expr),* $(,)?) => {$(
            let text: &[u8] = $text.as_ref();
            assert_eq!(read(text, &Hints::default()).as_deref(), $want, "{:?}", String::from_utf8_lossy(text));
        )*};
    }

    #[test]
    fn english_and_time_styles() {
        dates! {
            "Mar 29 03:26 x" => Some("2024-03-29T03:26:00Z | x"),
            "Mar 29  2023 x" => Some("2023-03-29T00:00:00Z | x"),
            "Mar 29 2023  x" => Some("2023-03-29T00:00:00Z |  x padded"),
            "Jun 16 11:00" => Some("2024-06-16T11:00:00Z |"),
            "Jun 17 11:00" => Some("2023-06-17T11:00:00Z |"),
            "Dec 31 23:59" => Some("2023-12-31T23:59:00Z |"),
            "Oct 08, 2002 09:47 x" => Some("2002-10-08T09:47:00Z | x"),
            "Mar  2 15:13:45 2014 x" => Some("2014-03-02T15:13:45Z | x"),
            "2024-03-29 03:26 x" => Some("2024-03-29T03:26:00Z | x"),
            "2024-03-29 03:26:00.500000000 +0100 x" => Some("2024-03-29T02:26:00.5Z | x"),
            "2019-01-11  k" => Some("2019-01-11T00:00:00Z |  k padded"),
            "2019-01-11 k" => None,
            "03-29 03:26" => Some("2024-03-29T03:26:00Z |"),
            "29 mars 03:26" => Some("2024-03-29T03:26:00Z |"),
            "29. Mär 2021" => Some("2021-03-29T00:00:00Z | padded"),
            "2. Okt. 2003" => Some("2003-10-02T00:00:00Z | padded"),
            "3月 2日 15:13" => Some("2024-03-02T15:13:00Z |"),
            "3월 2일 15:13" => Some("2024-03-02T15:13:00Z |"),
            "\u{43c}\u{430}\u{440} 29 03:26" => Some("2024-03-29T03:26:00Z |"),
            "\u{41c}\u{430}\u{440} 29 03:26" => Some("2024-03-29T03:26:00Z |"),
            "MAR 29 03:26" => Some("2024-03-29T03:26:00Z |"),
        }
    }

    /// As GNU `ls` 9.1 prints them (`LC_ALL=xx ls -l`), in UTF-8.
    #[test]
    fn gnu_ls_locales() {
        dates! {
            "29. Nov 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "13. Mär 2019  old03" => Some("2019-03-13T00:00:00Z |  old03 padded"),
            "29 nov.  00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "13 mars   2019 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "feb 12  2019 old02" => Some("2019-02-12T00:00:00Z | old02"),
            "29 nov 00.05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "13 mrt  2019 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "nov.  29 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "april 14  2019 old04" => Some("2019-04-14T00:00:00Z | old04"),
            "nov   29 00.05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "2019 márc  13 old03" => Some("2019-03-13T00:00:00Z | old03 weak"),
            "2019 szept 10 old09" => Some("2019-09-10T00:00:00Z | old09 weak"),
            "11-29 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "2019-02-12  old02" => Some("2019-02-12T00:00:00Z |  old02 padded"),
            "29.\u{a0}lis 00.05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "13.\u{a0}bře  2019 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "ноя 29 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "мая 15  2019 old05" => Some("2019-05-15T00:00:00Z | old05"),
            "лис 12  2019 old11" => Some("2019-11-12T00:00:00Z | old11"),
            "29.11. 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "12. 2.  2019 old02" => Some("2019-02-12T00:00:00Z | old02 weak"),
            "11.10.  2019 old10" => Some("2019-10-11T00:00:00Z | old10"),
            "11月 29 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            " 3月 13  2019 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "11월 29일  00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "2019년  3월 13일 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "11月29日 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            "2019年 3月13日 old03" => Some("2019-03-13T00:00:00Z | old03"),
            "2019年12月13日 old12" => Some("2019-12-13T00:00:00Z | old12"),
            "6月 3日 2003年 x" => Some("2003-06-03T00:00:00Z | x"),
        }
    }

    #[test]
    fn legacy_east_asian_marks() {
        dates! {
            b"11\xb7\xee 29 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            b" 3\x8c\x8e 13  2019 old03" => Some("2019-03-13T00:00:00Z | old03"),
            b"2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03" => Some("2019-03-13T00:00:00Z | old03"),
            b"11\xd4\xc229\xc8\xd5 00:05 dir" => Some("2023-11-29T00:05:00Z | dir"),
            b"2019\xc4\xea 7\xd4\xc217\xc8\xd5 old07" => Some("2019-07-17T00:00:00Z | old07"),
            b"11\xa4\xeb 22 00:05 recent" => Some("2023-11-22T00:05:00Z | recent"),
            b"2003\xa6\x7e6\xa4\xeb3\xa4\xe9 x" => Some("2003-06-03T00:00:00Z | x"),
        }
    }

    #[test]
    fn numeric_and_separated() {
        dates! {
            "3 29 03:26 x" => Some("2024-03-29T03:26:00Z | x weak"),
            "29 3 2020 x" => Some("2020-03-29T00:00:00Z | x weak padded"),
            "24-04-2003 x" => Some("2003-04-24T00:00:00Z | x padded"),
            "24-04-2003 13:45 x" => Some("2003-04-24T13:45:00Z | x"),
            "04/24/2003 x" => Some("2003-04-24T00:00:00Z | x padded"),
            "2004.07.15 x" => Some("2004-07-15T00:00:00Z | x padded"),
            "2004/07/15 10:00 x" => Some("2004-07-15T10:00:00Z | x"),
            "01-jun-99 x" => Some("1999-06-01T00:00:00Z | x padded"),
            "24-Apr-2003 10:00 x" => Some("2003-04-24T10:00:00Z | x"),
            "Jun-01-1999 x" => Some("1999-06-01T00:00:00Z | x padded"),
            "26-05 2002 x" => Some("2002-05-26T00:00:00Z | x padded"),
            "01.02.03 x" => Some("2003-02-01T00:00:00Z | x padded"),
            "01-02-03 x" => Some("2003-02-01T00:00:00Z | x padded"),
        }
    }

    #[test]
    fn an_earlier_line_decides_the_order() {
        let hints = Hints::default();
        assert_eq!(read(b"12-31-2003 x", &hints).as_deref(), Some("2003-12-31T00:00:00Z | x padded"));
        assert_eq!(read(b"01-02-2003 x", &hints).as_deref(), Some("2003-01-02T00:00:00Z | x padded"));
        assert_eq!(read(b"3 4 2003 x", &hints).as_deref(), Some("2003-03-04T00:00:00Z | x weak padded"));
        let hints = Hints::default();
        assert_eq!(read(b"31-12-2003 x", &hints).as_deref(), Some("2003-12-31T00:00:00Z | x padded"));
        assert_eq!(read(b"01-02-2003 x", &hints).as_deref(), Some("2003-02-01T00:00:00Z | x padded"));
    }

    #[test]
    fn bad_dates() {
        dates! {
            "Jam 4 00:03" => None,
            "Feb 23 30:01" => None,
            "Aug 36 2001" => None,
            "Aug 26 201" => None,
            "Aug 26 20" => None,
            "Aug 26 201O" => None,
            "Apr -7 18:79" => None,
            "Nov 31 2018" => None,
            "Mar" => None,
            "" => None,
            "Mar 29" => None,
            "13 14 2020" => None,
            "0 5 2020" => None,
            "1.2.3 x" => None,
            "2024-13-01 x" => None,
            "31-02-2003 x" => None,
            "3月" => None,
            "13月 2 10:00" => None,
            "3日3月 10:00" => None,
            "3月3月 10:00" => None,
            "29.\u{a0}xyz 00.05" => None,
            "11-29 x" => None,
            "12:5" => None,
        }
    }

    #[test]
    fn cut_anywhere_never_panics() {
        let samples: [&[u8]; 6] = [
            "2019年 3月13日 old03".as_bytes(),
            "29.\u{a0}lis 00.05 dir".as_bytes(),
            b"2024-03-29 03:26:00.500000000 +0100 x",
            b"12. 2.  2019 old02",
            b"2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03",
            b"Oct 08, 2002 09:47 x",
        ];
        for s in samples {
            for cut in 0..=s.len() {
                let _ = read(&s[..cut], &Hints::default());
                let _ = read(&s[cut..], &Hints::default());
            }
        }
    }
}
