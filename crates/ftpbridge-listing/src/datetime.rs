//! A calendar date and time of day, as FTP servers print them.
//!
//! Written here rather than taken from `time` or `chrono`: listings need only civil
//! fields, day arithmetic and RFC 3339 output, and this keeps the wasm build small.

use std::fmt;

/// A civil date and time of day with no time zone attached.
///
/// MLSD, MLST and MDTM times are UTC by RFC 3659; `LIST` times are the server's wall
/// clock, which carries no zone. Both are rendered with a `Z` suffix by
/// [`DateTime::to_rfc3339`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// Full year, e.g. 2024.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 60 (a leap second is kept as printed).
    pub second: u8,
    /// Nanoseconds within the second.
    pub nanosecond: u32,
}

impl DateTime {
    /// Builds a date and time, checking every field's range (the day against the month).
    pub fn new(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second <= 60
            && (-9999..=9999).contains(&year);
        valid.then_some(DateTime { year, month, day, hour, minute, second, nanosecond: 0 })
    }

    /// The same instant with `nanosecond` set (values above 999,999,999 are clamped).
    pub fn with_nanosecond(mut self, nanosecond: u32) -> Self {
        self.nanosecond = nanosecond.min(999_999_999);
        self
    }

    /// Seconds since 1970-01-01T00:00:00, treating the fields as UTC.
    pub fn unix_seconds(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        days * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
    }

    /// The civil date and time `seconds` after 1970-01-01T00:00:00 UTC.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        let days = seconds.div_euclid(86_400);
        let rest = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        DateTime {
            year,
            month,
            day,
            hour: (rest / 3600) as u8,
            minute: (rest % 3600 / 60) as u8,
            second: (rest % 60) as u8,
            nanosecond: 0,
        }
    }

    /// Parses RFC 3339 (`2024-03-29T03:26:00Z`, `2024-03-29T05:26:00+02:00`, fractions
    /// allowed), converting to UTC.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> { text.get(r)?.parse().ok() };
        let year = num(0..4)? as i32;
        let base = DateTime::new(
            year,
            num(5..7)? as u8,
            num(8..10)? as u8,
            num(11..13)? as u8,
            num(14..16)? as u8,
            num(17..19)? as u8,
        )?;
        let mut rest = &text[19..];
        let mut nanos = 0u32;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            nanos = parse_fraction(&frac[..digits]);
            rest = &frac[digits..];
        }
        let offset_seconds: i64 = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let hm = rest.get(1..)?;
                let (h, m) = hm.split_once(':')?;
                if h.len() != 2 || m.len() != 2 {
                    return None;
                }
                sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
            }
        };
        Some(DateTime::from_unix_seconds(base.unix_seconds() - offset_seconds).with_nanosecond(nanos))
    }

    /// Renders as RFC 3339 with a `Z` suffix; fractions only when non-zero.
    pub fn to_rfc3339(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanosecond != 0 {
            let mut frac = format!("{:09}", self.nanosecond);
            while frac.ends_with('0') {
                frac.pop();
            }
            write!(f, ".{frac}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Nanoseconds from the digits after a decimal point (extra digits are cut off).
pub(crate) fn parse_fraction(digits: &str) -> u32 {
    let mut nanos = 0u32;
    for (i, d) in digits.bytes().take(9).enumerate() {
        nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
    }
    nanos
}

/// Whether `year` is a Gregorian leap year.
pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year`.
pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_unix_seconds() {
        for s in [0i64, 951_782_400, 1_711_682_760, -86_400, 4_102_444_800] {
            assert_eq!(DateTime::from_unix_seconds(s).unix_seconds(), s);
        }
        let d = DateTime::from_unix_seconds(951_782_400);
        assert_eq!((d.year, d.month, d.day), (2000, 2, 29));
    }

    #[test]
    fn rfc3339_parse_and_format() {
        let d = DateTime::parse_rfc3339("2024-03-29T05:26:00+02:00").unwrap();
        assert_eq!(d.to_rfc3339(), "2024-03-29T03:26:00Z");
        let f = DateTime::parse_rfc3339("2024-03-29T03:26:00.250Z").unwrap();
        assert_eq!(f.to_rfc3339(), "2024-03-29T03:26:00.25Z");
        assert!(DateTime::parse_rfc3339("2024-02-30T00:00:00Z").is_none());
        assert!(DateTime::parse_rfc3339("garbage").is_none());
    }
}
