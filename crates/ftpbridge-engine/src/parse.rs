//! The payloads of specific replies: 227 and 229 addresses, 257 paths, 213 sizes and
//! times, FEAT lists, 150 byte counts and MLST facts.

use crate::Reply;
use core::net::Ipv4Addr;
use ftpbridge_listing::DateTime;

/// A reply payload that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// No `h1,h2,h3,h4,p1,p2` in a 227 reply, or a number over 255.
    BadPassiveAddress,
    /// No `(|||port|)` in a 229 reply.
    BadExtendedPassive,
    /// A data port outside 1..=65535.
    PortOutOfRange(u64),
}

impl core::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PayloadError::BadPassiveAddress => {
                f.write_str("the 227 reply holds no valid h1,h2,h3,h4,p1,p2 address")
            }
            PayloadError::BadExtendedPassive => f.write_str("the 229 reply holds no valid (|||port|) part"),
            PayloadError::PortOutOfRange(port) => {
                write!(f, "the server named data port {port}, outside 1..65535")
            }
        }
    }
}

impl std::error::Error for PayloadError {}

/// The address in a 227 reply: `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`, with or
/// without parentheses, wherever the six numbers stand.
pub fn passive_address(reply: &Reply) -> Result<(Ipv4Addr, u16), PayloadError> {
    let text = reply.first_line();
    let mut from = 0;
    while from < text.len() {
        let Some(offset) = text[from..].iter().position(u8::is_ascii_digit) else {
            break;
        };
        let start = from + offset;
        if let Some(found) = six_numbers(&text[start..]) {
            let [h1, h2, h3, h4, p1, p2] = found;
            if found.iter().any(|&n| n > 255) {
                return Err(PayloadError::BadPassiveAddress);
            }
            let port = p1 * 256 + p2;
            if port == 0 {
                return Err(PayloadError::PortOutOfRange(0));
            }
            return Ok((Ipv4Addr::new(h1 as u8, h2 as u8, h3 as u8, h4 as u8), port as u16));
        }
        // Skip this run of digits and look further.
        from = start + text[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    }
    Err(PayloadError::BadPassiveAddress)
}

/// Six comma-separated numbers (spaces around commas allowed) at the start of `text`.
fn six_numbers(text: &[u8]) -> Option<[u32; 6]> {
    let mut out = [0u32; 6];
    let mut rest = text;
    for (i, slot) in out.iter_mut().enumerate() {
        if i > 0 {
            rest = trim_start(rest).strip_prefix(b",")?;
            rest = trim_start(rest);
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        *slot = rest[..digits].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
        rest = &rest[digits..];
    }
    Some(out)
}

fn trim_start(text: &[u8]) -> &[u8] {
    let spaces = text.iter().take_while(|&&b| b == b' ').count();
    &text[spaces..]
}

/// The port in a 229 reply: `229 Entering Extended Passive Mode (|||6446|)`, with any
/// printable delimiter in place of `|` (RFC 2428), parentheses optional.
pub fn extended_passive_port(reply: &Reply) -> Result<u16, PayloadError> {
    let text = reply.first_line();
    for start in 0..text.len() {
        let d = text[start];
        if !(33..=126).contains(&d) || d.is_ascii_digit() {
            continue;
        }
        let Some(rest) = text.get(start..) else { break };
        if rest.len() < 5 || rest[1] != d || rest[2] != d {
            continue;
        }
        let digits = rest[3..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || rest.get(3 + digits) != Some(&d) {
            continue;
        }
        let number = rest[3..3 + digits]
            .iter()
            .try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .unwrap_or(u64::MAX);
        return match u16::try_from(number) {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(PayloadError::PortOutOfRange(number)),
        };
    }
    Err(PayloadError::BadExtendedPassive)
}

/// The quoted path of a 257 reply (RFC 959 appendix II: `""` inside stands for `"`).
/// `None` when the reply holds no quoted path.
pub fn quoted_path(reply: &Reply) -> Option<Vec<u8>> {
    let text = reply.first_line();
    let open = text.iter().position(|&b| b == b'"')?;
    let mut path = Vec::new();
    let mut rest = &text[open + 1..];
    loop {
        let quote = rest.iter().position(|&b| b == b'"')?;
        path.extend_from_slice(&rest[..quote]);
        rest = &rest[quote + 1..];
        if rest.first() == Some(&b'"') {
            path.push(b'"');
            rest = &rest[1..];
        } else {
            return Some(path);
        }
    }
}

/// The number in a 213 SIZE reply.
pub fn size(reply: &Reply) -> Option<u64> {
    let text = trim_ascii(reply.first_line());
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    parse_u64(&text[..digits])
}

/// The time in a 213 MDTM reply: `YYYYMMDDHHMMSS[.sss]`, UTC (RFC 3659).
pub fn modification_time(reply: &Reply) -> Option<DateTime> {
    let text = trim_ascii(reply.first_line());
    let stamp = text.split(|&b| b == b' ').next()?;
    parse_time_val(stamp)
}

/// An RFC 3659 `time-val`: `YYYYMMDDHHMMSS[.sss]`.
pub fn parse_time_val(stamp: &[u8]) -> Option<DateTime> {
    let field = |r: core::ops::Range<usize>| -> Option<u32> {
        let part = stamp.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')))
    };
    let base = DateTime::new(
        field(0..4)? as i32,
        field(4..6)? as u8,
        field(6..8)? as u8,
        field(8..10)? as u8,
        field(10..12)? as u8,
        field(12..14)? as u8,
    )?;
    match stamp.get(14..) {
        None | Some([]) => Some(base),
        Some([b'.', frac @ ..]) if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
            let mut nanos = 0u32;
            for (i, d) in frac.iter().take(9).enumerate() {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
            Some(base.with_nanosecond(nanos))
        }
        _ => None,
    }
}

/// The byte count some servers put in the 150 reply: `(12345 bytes)`.
pub fn announced_size(reply: &Reply) -> Option<u64> {
    let text = reply.first_line();
    let open = text.iter().rposition(|&b| b == b'(')?;
    let inner = &text[open + 1..];
    let digits = inner.iter().take_while(|b| b.is_ascii_digit()).count();
    let number = parse_u64(&inner[..digits])?;
    let rest = &inner[digits..];
    let unit = rest.split(|&b| b == b')').next().unwrap_or(rest);
    trim_ascii(unit).eq_ignore_ascii_case(b"bytes").then_some(number)
}

/// What a server offers in its FEAT reply (RFC 2389).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    lines: Vec<String>,
}

impl Features {
    /// Reads a 211 FEAT reply; every line between the first and the last is a feature.
    pub fn from_reply(reply: &Reply) -> Features {
        let count = reply.lines().len();
        let lines = reply
            .lines()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i > 0 && *i + 1 < count)
            .map(|(_, line)| String::from_utf8_lossy(trim_ascii(line)).into_owned())
            .filter(|line| !line.is_empty())
            .collect();
        Features { lines }
    }

    /// The feature lines as the server gave them (`MLST type*;size*;`, `UTF8`, ...).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Whether a feature is offered (case-insensitive on its first word).
    pub fn has(&self, name: &str) -> bool {
        self.parameters(name).is_some()
    }

    /// The parameters of a feature: the text after its name (`type*;size*;` for MLST).
    pub fn parameters(&self, name: &str) -> Option<&str> {
        self.lines.iter().find_map(|line| {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            word.eq_ignore_ascii_case(name).then_some(rest.trim())
        })
    }
}

/// The fact line of a 250 MLST reply: the line that begins with a space.
pub fn mlst_line(reply: &Reply) -> Option<&[u8]> {
    let count = reply.lines().len();
    reply
        .lines()
        .iter()
        .enumerate()
        .find(|(i, line)| *i > 0 && *i + 1 < count && line.first() == Some(&b' '))
        .map(|(_, line)| &line[1..])
        .or_else(|| {
            // A few servers put the facts on a single line after the code.
            (count == 1).then(|| reply.first_line()).filter(|l| l.contains(&b'='))
        })
}

fn trim_ascii(text: &[u8]) -> &[u8] {
    text.trim_ascii()
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReplyReader;

    fn reply(wire: &[u8]) -> Reply {
        let mut reader = ReplyReader::new();
        reader.feed(wire);
        reader.next_reply().unwrap().unwrap()
    }

    #[test]
    fn pasv_forms() {
        type Case<'a> = (&'a [u8], Result<(Ipv4Addr, u16), PayloadError>);
        let cases: &[Case] = &[
            (b"227 Entering Passive Mode (127,0,0,1,200,10).\r\n", Ok((Ipv4Addr::new(127, 0, 0, 1), 51210))),
            (b"227 Entering Passive Mode 10,1,2,3,4,5\r\n", Ok((Ipv4Addr::new(10, 1, 2, 3), 1029))),
            (b"227 =192,168,0,1,39,16\r\n", Ok((Ipv4Addr::new(192, 168, 0, 1), 10000))),
            (b"227 Entering Passive Mode (1, 2, 3, 4, 5, 6)\r\n", Ok((Ipv4Addr::new(1, 2, 3, 4), 1286))),
            (b"227 Port 2021 (127,0,0,1,0,21)\r\n", Ok((Ipv4Addr::new(127, 0, 0, 1), 21))),
            (b"227 Entering Passive Mode (256,0,0,1,1,1)\r\n", Err(PayloadError::BadPassiveAddress)),
            (b"227 Entering Passive Mode (1,2,3,4,0,0)\r\n", Err(PayloadError::PortOutOfRange(0))),
            (b"227 Entering Passive Mode\r\n", Err(PayloadError::BadPassiveAddress)),
            (b"227 (1,2,3,4,5)\r\n", Err(PayloadError::BadPassiveAddress)),
        ];
        for (wire, expected) in cases {
            assert_eq!(&passive_address(&reply(wire)), expected, "{}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn epsv_forms() {
        let cases: &[(&[u8], Result<u16, PayloadError>)] = &[
            (b"229 Entering Extended Passive Mode (|||6446|)\r\n", Ok(6446)),
            (b"229 Entering Extended Passive Mode (!!!6446!)\r\n", Ok(6446)),
            (b"229 Extended Passive Mode OK |||50001|\r\n", Ok(50001)),
            (
                b"229 Entering Extended Passive Mode (|||1000000|)\r\n",
                Err(PayloadError::PortOutOfRange(1_000_000)),
            ),
            (b"229 Entering Extended Passive Mode (|||0|)\r\n", Err(PayloadError::PortOutOfRange(0))),
            (
                b"229 Entering Extended Passive Mode (|||99999999999999999999999|)\r\n",
                Err(PayloadError::PortOutOfRange(u64::MAX)),
            ),
            (b"229 Entering Extended Passive Mode (||||)\r\n", Err(PayloadError::BadExtendedPassive)),
            (b"229 Entering Extended Passive Mode\r\n", Err(PayloadError::BadExtendedPassive)),
        ];
        for (wire, expected) in cases {
            assert_eq!(&extended_passive_port(&reply(wire)), expected, "{}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn quoted_paths() {
        assert_eq!(
            quoted_path(&reply(b"257 \"/home/ftp\" is the current directory\r\n")).unwrap(),
            b"/home/ftp"
        );
        assert_eq!(quoted_path(&reply(b"257 \"/say \"\"hi\"\"\" created\r\n")).unwrap(), b"/say \"hi\"");
        assert_eq!(quoted_path(&reply(b"257 \"\"\r\n")).unwrap(), b"");
        assert_eq!(quoted_path(&reply(b"257 \"/caf\xe9\"\r\n")).unwrap(), b"/caf\xe9");
        assert_eq!(quoted_path(&reply(b"257 no quotes\r\n")), None);
        assert_eq!(quoted_path(&reply(b"257 \"unterminated\r\n")), None);
    }

    #[test]
    fn sizes_and_times() {
        assert_eq!(size(&reply(b"213 1234567890123\r\n")), Some(1_234_567_890_123));
        assert_eq!(size(&reply(b"213 99999999999999999999999\r\n")), None);
        assert_eq!(size(&reply(b"213 \r\n")), None);
        let t = modification_time(&reply(b"213 20240329032600\r\n")).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-29T03:26:00Z");
        let t = modification_time(&reply(b"213 20240329032600.123\r\n")).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-29T03:26:00.123Z");
        assert_eq!(modification_time(&reply(b"213 2024032903\r\n")), None);
        assert_eq!(modification_time(&reply(b"213 20241399000000\r\n")), None);
    }

    #[test]
    fn announced_sizes() {
        assert_eq!(
            announced_size(&reply(b"150 Opening BINARY mode data connection for a.bin (1048576 bytes).\r\n")),
            Some(1_048_576)
        );
        assert_eq!(announced_size(&reply(b"150 Opening data connection for x (5 Bytes)\r\n")), Some(5));
        assert_eq!(announced_size(&reply(b"150 Here comes the directory listing.\r\n")), None);
        assert_eq!(announced_size(&reply(b"150 File (x) ok\r\n")), None);
    }

    #[test]
    fn features() {
        let f = Features::from_reply(&reply(
            b"211-Features:\r\n MDTM\r\n MLST type*;size*;modify*;\r\n UTF8\r\n EPSV\r\n211 End\r\n",
        ));
        assert!(f.has("mdtm") && f.has("UTF8") && f.has("MLST") && !f.has("MLSD"));
        assert_eq!(f.parameters("MLST"), Some("type*;size*;modify*;"));
        let none = Features::from_reply(&reply(b"211 No features\r\n"));
        assert!(none.lines().is_empty());
    }

    #[test]
    fn mlst_fact_line() {
        let r = reply(b"250-Listing /a.txt\r\n type=file;size=5; /a.txt\r\n250 End\r\n");
        assert_eq!(mlst_line(&r).unwrap(), b"type=file;size=5; /a.txt");
    }
}
