//! What a person checks in a certificate: subject, issuer, validity and fingerprints,
//! read from its DER.
//!
//! Only these fields are read, so a small bounds-checked DER walker does it rather than
//! a full X.509 crate (which would double the TLS build of the wasm module). Anything
//! it cannot read gives `None`; it never panics on any input (fuzzed).

use ring::digest::{SHA256, digest};

/// A certificate as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject's distinguished name, e.g. `CN=ftp.example.com, O=Example`.
    pub subject: String,
    /// The issuer's distinguished name (the same as the subject when self-signed).
    pub issuer: String,
    /// Valid from (Unix seconds).
    pub not_before: i64,
    /// Valid until (Unix seconds).
    pub not_after: i64,
    /// SHA-256 of the whole certificate.
    pub sha256: [u8; 32],
    /// SHA-256 of its SubjectPublicKeyInfo: what a pin names (it survives renewals that
    /// keep the key).
    pub key_sha256: [u8; 32],
}

impl CertificateSummary {
    /// Whether the certificate names itself as its issuer.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

/// `AA:BB:...`, as certificate viewers print fingerprints.
pub fn fingerprint(hash: &[u8]) -> String {
    let mut out = String::with_capacity(hash.len() * 3);
    for (i, byte) in hash.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{byte:02X}"));
    }
    out
}

/// Reads the summary of a DER certificate.
pub fn summarize(der: &[u8]) -> Option<CertificateSummary> {
    let mut certificate = Der::new(der).sequence()?;
    let mut tbs = certificate.sequence()?;
    // version [0] EXPLICIT, optional.
    if tbs.peek() == Some(0xa0) {
        tbs.any()?;
    }
    tbs.expect(0x02)?; // serialNumber
    tbs.sequence()?; // signature algorithm
    let issuer = name(tbs.expect(0x30)?)?;
    let mut validity = tbs.sequence()?;
    let not_before = time(validity.tlv()?)?;
    let not_after = time(validity.tlv()?)?;
    let subject = name(tbs.expect(0x30)?)?;
    let key = tbs.raw(0x30)?;
    Some(CertificateSummary {
        subject,
        issuer,
        not_before,
        not_after,
        sha256: sha256(der),
        key_sha256: sha256(key),
    })
}

/// SHA-256 of a DER certificate's SubjectPublicKeyInfo, or of the whole certificate
/// when it cannot be read (a pin then still names exactly this certificate).
pub fn key_hash(der: &[u8]) -> [u8; 32] {
    summarize(der).map_or_else(|| sha256(der), |s| s.key_sha256)
}

/// A cursor over DER elements.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { rest: bytes }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element: its tag, its content, and the whole element's bytes.
    fn element(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let all = self.rest;
        let (&tag, after_tag) = all.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags: none in the fields read here
        }
        let (&first, mut after_length) = after_tag.split_first()?;
        let length = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || after_length.len() < count {
                return None;
            }
            let (digits, tail) = after_length.split_at(count);
            after_length = tail;
            digits.iter().fold(0usize, |n, &d| (n << 8) | usize::from(d))
        };
        if after_length.len() < length {
            return None;
        }
        let (content, rest) = after_length.split_at(length);
        let header = all.len() - after_length.len();
        self.rest = rest;
        Some((tag, content, &all[..header + length]))
    }

    fn tlv(&mut self) -> Option<(u8, &'a [u8])> {
        self.element().map(|(tag, content, _)| (tag, content))
    }

    fn any(&mut self) -> Option<&'a [u8]> {
        self.tlv().map(|(_, content)| content)
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (got, content) = self.tlv()?;
        (got == tag).then_some(content)
    }

    /// The next element of `tag`, header included.
    fn raw(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (got, _, all) = self.element()?;
        (got == tag).then_some(all)
    }

    fn sequence(&mut self) -> Option<Der<'a>> {
        self.expect(0x30).map(Der::new)
    }
}

/// An RDNSequence as `CN=..., O=...`, in the order the certificate gives.
fn name(content: &[u8]) -> Option<String> {
    let mut rdns = Der::new(content);
    let mut parts = Vec::new();
    while rdns.peek().is_some() {
        let mut set = Der::new(rdns.expect(0x31)?);
        while set.peek().is_some() {
            let mut attribute = set.sequence()?;
            let oid = attribute.expect(0x06)?;
            let (tag, value) = attribute.tlv()?;
            let text = match tag {
                // UTF8String, PrintableString, IA5String, T61String (taken as Latin-1).
                0x0c | 0x13 | 0x16 => String::from_utf8_lossy(value).into_owned(),
                0x14 => value.iter().map(|&b| char::from(b)).collect(),
                // BMPString: UTF-16BE.
                0x1e => {
                    let units: Vec<u16> =
                        value.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
                    String::from_utf16_lossy(&units)
                }
                _ => continue,
            };
            parts.push(format!("{}={}", attribute_name(oid), text));
        }
    }
    Some(parts.join(", "))
}

fn attribute_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress".into(),
        other => {
            let hex: Vec<String> = other.iter().map(|b| format!("{b:02x}")).collect();
            format!("OID.{}", hex.join(""))
        }
    }
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as Unix seconds.
fn time((tag, value): (u8, &[u8])) -> Option<i64> {
    let text = std::str::from_utf8(value).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range).and_then(|s| s.parse::<i64>().ok());
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (0x18, 14) => (number(0..4)?, 4),
        _ => return None,
    };
    let month = number(rest..rest + 2)?;
    let day = number(rest + 2..rest + 4)?;
    let hour = number(rest + 4..rest + 6)?;
    let minute = number(rest + 6..rest + 8)?;
    let second = number(rest + 8..rest + 10)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
    }

    #[test]
    fn times() {
        assert_eq!(time((0x17, b"700101000000Z")), Some(0));
        assert_eq!(time((0x17, b"491231235959Z")), Some(2_524_607_999));
        assert_eq!(time((0x18, b"20500101000000Z")), Some(2_524_608_000));
        assert_eq!(time((0x17, b"7001010000Z")), None);
        assert_eq!(time((0x17, b"701301000000Z")), None);
        assert_eq!(time((0x18, b"2050010100000+Z")), None);
    }

    #[test]
    fn garbage_gives_none_and_never_panics() {
        for input in [&b""[..], b"\x30", b"\x30\x84\xff\xff\xff\xff", b"\x30\x03\x30\x01", b"\x1f\x00"] {
            assert!(summarize(input).is_none());
        }
        let mut state = 0x1234_5678u32;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state >> 24) as u8
                })
                .collect();
            let _ = summarize(&bytes);
        }
    }

    #[test]
    fn fingerprints_read_like_certificate_viewers() {
        assert_eq!(fingerprint(&[0x0a, 0xff, 0x00]), "0A:FF:00");
    }
}
