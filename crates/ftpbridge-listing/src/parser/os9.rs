//! OS-9 listings (`dir -e`): `  0.0     87/07/06 1135  d-ewrewr  1ad  1920 CMDS`.
//!
//! Microware OS-9 (and OS-9000) FTP servers print the owner as `group.user`, the date
//! `yy/mm/dd`, the time `hhmm`, the attributes (`dsewrewr`: directory, non-sharable,
//! public execute/write/read, owner execute/write/read), the starting sector in hex,
//! the size in bytes, then the name. The column header and its line of dashes hold no
//! entry.
//!
//! Ambiguous: only the century of `yy`, taken as POSIX does (69 to 99 are the 1900s).

use super::Parts;
use super::scan::{Tokens, all_digits, century, parse_small, parse_u64, rest, skip_blanks, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let owner = tokens.next_bytes()?;
    let mut ids = owner.splitn(2, |&b| b == b'.');
    if !ids.next().is_some_and(all_digits) || !ids.next().is_some_and(all_digits) {
        return None;
    }
    let date = tokens.next_bytes()?;
    if date.len() != 8 || date.get(2) != Some(&b'/') || date.get(5) != Some(&b'/') {
        return None;
    }
    let y = century(parse_small(slice(date, 0, 2), 2)?);
    let m = parse_small(slice(date, 3, 5), 2)? as u8;
    let d = parse_small(slice(date, 6, 8), 2)? as u8;
    let time = tokens.next_bytes()?;
    if time.len() != 4 {
        return None;
    }
    let (h, mi) = (parse_small(slice(time, 0, 2), 2)? as u8, parse_small(slice(time, 2, 4), 2)? as u8);
    let attributes = tokens.next_bytes()?;
    if attributes.len() != 8
        || !attributes.iter().zip(b"dsewrewr").all(|(&a, &letter)| a == letter || a == b'-')
    {
        return None;
    }
    let sector = tokens.next_bytes()?;
    if sector.is_empty() || !sector.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let size = parse_u64(tokens.next_bytes()?)?;
    let name = rest(line, skip_blanks(line, tokens.pos()));
    if name.is_empty() || tokens.pos() == line.len() {
        return None;
    }
    let kind = if attributes.first() == Some(&b'd') { Kind::Dir } else { Kind::File };
    let mut parts = Parts::new(name, kind);
    parts.size = Some(size);
    parts.modified = Some(DateTime::new(y, m, d, h, mi, 0)?);
    parts.owner = Some(owner);
    parts.permissions = Some(attributes);
    Some(parts.build(line, o.encoding))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        dir: b"  0.0     87/07/06 1135  d-ewrewr    1ad      1920 CMDS" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("CMDS", Kind::Dir, Some(1920)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1987-07-06T11:35:00Z");
            assert_eq!((e.owner.as_deref(), e.permissions.as_deref()), (Some("0.0"), Some("d-ewrewr")));
        });
        file: b"  12.3    03/11/24 0907  ----r-wr   2ff1      4217 startup file" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("startup file", Kind::File, Some(4217)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-11-24T09:07:00Z");
        });
        rejects: [
            b"  0.0     87/07/06 1135  d-ewrewx    1ad      1920 CMDS",
            b"  0.0     87/13/06 1135  d-ewrewr    1ad      1920 CMDS",
            b"  0.0     87/07/06 2535  d-ewrewr    1ad      1920 CMDS",
            b"  0.0     87/07/06 1135  d-ewrewr    1xg      1920 CMDS",
            b"  0.0     87/07/06 1135  d-ewrewr    1ad      1920",
            b"  0.x     87/07/06 1135  d-ewrewr    1ad      1920 CMDS",
            b" Owner    Last modified  Attributes Sector Bytecount Name",
        ] => None;
    }
}
