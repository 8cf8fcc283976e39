//! Lines that hold no entry: `total 12` in the languages `ls` speaks, column headers
//! (z/OS, NonStop, VxWorks, OS-9), their lines of dashes, and VMS's directory headers
//! and totals.
//!
//! Checked before any format, on every line, so it rejects on the first word: each
//! such line starts with a short word from a small set of initials.

use super::{ListingFormat, months, mvs, scan, tandem};
use crate::Encoding;

/// A line that holds no entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Noise {
    /// `total 123` and its translations, a line of dashes under a column header.
    Total,
    /// VMS `Directory DISK$USER:[ME]`, `Total of 3 files, 12 blocks.`
    Vms,
    /// A z/OS column header.
    Mvs(mvs::Mode),
    /// The NonStop column header.
    Tandem,
    /// The column header of another format (VxWorks, OS-9).
    Header(ListingFormat),
}

/// Recognises lines that hold no entry.
pub(crate) fn noise(line: &[u8], encoding: Encoding) -> Option<Noise> {
    let mut tokens = scan::Tokens::new(line, 0);
    let first = tokens.next_bytes()?;
    let initial = first.first()?.to_ascii_lowercase();
    if initial == b'-' {
        // `--------   ------   ------   --------` under a column header.
        let mut all = scan::Tokens::new(line, 0);
        return all.all(|(s, e)| scan::slice(line, s, e).iter().all(|&b| b == b'-')).then_some(Noise::Total);
    }
    if initial == b'd' && first != b"Directory" {
        // The commonest first letter of all (`drwxr-xr-x`): only VMS's header here.
        return None;
    }
    // Every word that starts such a line is short and starts with one of these.
    if first.len() > 16
        || !matches!(
            initial,
            b't' | b'i'
                | b'g'
                | b'd'
                | b'v'
                | b'n'
                | b'f'
                | b'j'
                | b'r'
                | b'y'
                | b'c'
                | b's'
                | b'o'
                | b'p'
                | 0x80..
        )
    {
        return None;
    }
    let second = tokens.next_bytes();
    let third = tokens.next_bytes();
    // `total 123`, `total 1.2M`, `insgesamt 12`, `итого 12`, `合計 12`, `总计 12`.
    if let Some(count) = second
        && third.is_none()
        && count.first().is_some_and(u8::is_ascii_digit)
        && count.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b','))
        && months::is_total_word(first, encoding)
    {
        return Some(Noise::Total);
    }
    if first.eq_ignore_ascii_case(b"total") && second.is_some_and(|s| s.eq_ignore_ascii_case(b"of"))
        || first.eq_ignore_ascii_case(b"grand") && second.is_some_and(|s| s.eq_ignore_ascii_case(b"total"))
        || first == b"Total" && second.is_some_and(scan::all_digits) && third == Some(b"files")
        || first == b"Directory" && second.is_some_and(|s| s.ends_with(b"]")) && third.is_none()
    {
        return Some(Noise::Vms);
    }
    let word = |w: Option<&[u8]>, want: &[u8]| w.is_some_and(|w| w.eq_ignore_ascii_case(want));
    if first.eq_ignore_ascii_case(b"size") && word(second, b"date") && word(third, b"time") {
        return Some(Noise::Header(ListingFormat::VxWorks));
    }
    if first == b"Owner" && word(second, b"Last") && line.windows(9).any(|w| w == b"Bytecount") {
        return Some(Noise::Header(ListingFormat::Os9));
    }
    mvs::header(line).map(Noise::Mvs).or_else(|| tandem::is_header(line).then_some(Noise::Tandem))
}

#[cfg(test)]
mod tests {
    use super::super::ListingParser;
    use super::super::testing::options;

    #[test]
    fn noise_lines() {
        for line in [
            &b"total 0"[..],
            b"  total 1234",
            b"insgesamt 12",
            "итого 8".as_bytes(),
            b"total 1.2M",
            b"Total of 6 files, 54 blocks.",
            b"Grand total of 2 directories, 10 files, 100 blocks.",
            b"Total 14 files",
            b"Directory USER1:[TEMP]",
            b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            b"File         Code             EOF   Last Modification    RWEP",
            b"Volume Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            b"Name     Size   TTR   Alias-of AC --------- Attributes --------- Amode Rmode",
            b"  size          date       time       name",
            b"--------       ------     ------    --------",
            b" Owner    Last modified  Attributes Sector Bytecount Name",
            b"-------   -------------  ---------- ------ --------- ----",
            // GNU ls 9.1's `total` in its locales, UTF-8 and legacy.
            "合計 4".as_bytes(),
            "합계 4".as_bytes(),
            "总计 4".as_bytes(),
            "總用量 4".as_bytes(),
            "yhteensä 4".as_bytes(),
            "összesen 4".as_bytes(),
            "загалом 4".as_bytes(),
            b"celkem 4",
            b"totalt 4",
            b"totaal 4",
            b"totale 4",
            b"razem 4",
            b"\xb9\xe7\xb7\xd7 4",
            b"\x8d\x87\x8c\x76 4",
            b"\xc7\xd5\xb0\xe8 4",
            b"\xd7\xdc\xbc\xc6 4",
            b"\xc1\x60\xa5\xce\xb6\x71 4",
            b"\xe8\xf2\xee\xe3\xee 4",
            b"\xc9\xd4\xcf\xc7\xcf 4",
            b"\xf6sszesen 4",
        ] {
            assert!(
                ListingParser::new(options()).parse_line(line).is_none(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        for line in [&b"total"[..], b"total 12 extra", b"totals 12", b"- x", b"size 12"] {
            assert!(
                ListingParser::new(options()).parse_line(line).is_some(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
