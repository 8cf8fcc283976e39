//! Novell NetWare listings.
//!
//! `d [RWCEAFMS] owner          512 Nov 24  2005 name`: `d` or `-`, the eight
//! trustee rights in brackets, owner, size, a date as `ls` prints it, then the name
//! with its column padding removed. Sent by Novell NetWare's FTP server (NWFTPD) and
//! by NetWare-compatible servers.
//!
//! Nothing here is ambiguous with Unix: the rights are in brackets after a lone `d` or
//! `-`, where `ls` puts nine permission letters.

use super::Parts;
use super::scan::{Tokens, parse_u64, rest, skip_blanks, slice};
use super::unix_date::{DateContext, Hints, unix_date};
use crate::{Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let kind = match line.first()? {
        b'd' => Kind::Dir,
        b'-' => Kind::File,
        _ => return None,
    };
    let rights = line.get(2..12)?;
    if line.get(1) != Some(&b' ')
        || rights.first() != Some(&b'[')
        || rights.last() != Some(&b']')
        || !slice(rights, 1, 9).iter().all(|b| b"RWCEAFMS-".contains(b))
    {
        return None;
    }
    let mut tokens = Tokens::new(line, 12);
    let (os, oe) = tokens.next()?;
    let size = parse_u64(tokens.next_bytes()?)?;
    let (date_start, _) = tokens.next()?;
    // NetWare prints `Apr 13 23:52` and `Nov 24  2005`, never numeric dates.
    if !line.get(date_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let hints = Hints::default();
    let found =
        unix_date(line, date_start, &DateContext { now: &o.now, encoding: o.encoding, hints: &hints })?;
    let (modified, date_end) = (found.at, found.end);
    let name = rest(line, skip_blanks(line, date_end));
    if name.is_empty() || date_end == line.len() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    parts.size = Some(size);
    parts.modified = Some(modified);
    parts.permissions = Some(slice(rights, 1, 9));
    parts.owner = Some(slice(line, os, oe));
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
        dir: b"d [-W---F--] testUser                        512 Apr 13 23:12 testFile" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("testFile", Kind::Dir, Some(512)));
            assert_eq!((e.owner.as_deref(), e.permissions.as_deref()), (Some("testUser"), Some("-W---F--")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-04-13T23:12:00Z");
        });
        file_with_spaces: b"- [R-CEAFMS] rwinston                        19968 Mar 12 15:20 Document name with spaces.doc" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("Document name with spaces.doc", Kind::File, Some(19968)));
        });
        padded_name: b"d [R----F--] supervisor            512       Jan 16 18:53    login" => (|e| assert_eq!(e.name, "login"));
        year: b"d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2005-11-24T00:00:00Z");
        });
        rejects: [
            b"a [-----F--] SCION_SYS                         512 Apr 13 23:52 SYS",
            b"d [----AF--]          0                        512 10-04-2001 _ADMIN",
            b"d [----AF--] 0 512 Apr 13 23:52",
            b"d [----XF--] 0 512 Apr 13 23:52 x",
            b"d [----AF--",
            b"d [",
        ] => None;
    }
}
