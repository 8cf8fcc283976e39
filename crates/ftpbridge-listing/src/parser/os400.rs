//! IBM i (OS/400) listings.
//!
//! `PEP   36864 04/03/24 14:06:34 *DIR   dir1/`: owner, size, date, time, object type,
//! name; members of a file show only `OWNER  *MEM  FILE.FILE/MEMBER.MBR`. Directory
//! types (`*DIR`, `*DDIR`, `*LIB`, `*FLR`, and `*FILE` objects named `.FILE`, which
//! hold members) are directories; their trailing `/` is removed. A name given as an
//! absolute path is cut to its last component.
//!
//! The date order depends on the job's settings: `YY/MM/DD` is tried first, then
//! `MM/DD/YY`, then `DD/MM/YY`; dates with dots are `DD.MM.YY`.

use super::Parts;
use super::scan::{Tokens, century, parse_small, parse_time, parse_u64, rest, skip_blanks, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let (s, e) = tokens.next()?;
    let owner = slice(line, s, e);
    if s != 0
        || owner.len() > 10
        || !owner.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'#' | b'@'))
    {
        return None;
    }
    let second = tokens.next_bytes()?;
    let (size, modified, object) = if second == b"*MEM" {
        (None, None, second)
    } else {
        let size = parse_u64(second)?;
        let (y, m, d) = date(tokens.next_bytes()?)?;
        let (h, mi, sec, _, with_seconds) = parse_time(tokens.next_bytes()?)?;
        if !with_seconds {
            return None;
        }
        let object = tokens.next_bytes()?;
        if object == b"*MEM" {
            return None;
        }
        (Some(size), Some(DateTime::new(y, m, d, h, mi, sec)?), object)
    };
    if object.len() < 2 || object.first() != Some(&b'*') {
        return None;
    }
    let mut name = rest(line, skip_blanks(line, tokens.pos()));
    if name.is_empty() {
        return None;
    }
    let mut dir = matches!(object, b"*DIR" | b"*DDIR" | b"*LIB" | b"*FLR");
    if let Some(stripped) = name.strip_suffix(b"/") {
        dir = true;
        name = stripped;
    }
    if name.first() == Some(&b'/')
        && let Some(slash) = name.iter().rposition(|&b| b == b'/')
    {
        name = rest(name, slash + 1);
    }
    if object == b"*FILE" && name.len() > 5 && name.ends_with(b".FILE") {
        dir = true;
    }
    if name.is_empty() {
        return None;
    }
    let mut parts = Parts::new(name, if dir { Kind::Dir } else { Kind::File });
    parts.size = size;
    parts.modified = modified;
    parts.owner = Some(owner);
    Some(parts.build(line, o.encoding))
}

/// A date of three two-digit fields in one of the orders IBM i prints.
fn date(t: &[u8]) -> Option<(i32, u8, u8)> {
    let sep = *t.get(2)?;
    if t.len() != 8 || t.get(5) != Some(&sep) || !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let a = parse_small(slice(t, 0, 2), 2)?;
    let b = parse_small(slice(t, 3, 5), 2)?;
    let c = parse_small(slice(t, 6, 8), 2)?;
    let valid = |y: u32, m: u32, d: u32| {
        DateTime::new(century(y), m as u8, d as u8, 0, 0, 0).map(|_| (century(y), m as u8, d as u8))
    };
    if sep == b'.' {
        return valid(c, b, a);
    }
    valid(a, b, c).or_else(|| valid(c, a, b)).or_else(|| valid(c, b, a))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        dir: b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("dir1", Kind::Dir, Some(36864)));
            assert_eq!(e.owner.as_deref(), Some("PEP"));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2004-03-24T14:06:34Z");
        });
        file: b"PEP              5000000000 04/03/24 14:06:29 *STMF      build.xml" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("build.xml", Kind::File, Some(5_000_000_000)));
        });
        member: b"QPGMR                                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("RPGUNITC1.FILE/RUCALLTST.MBR", Kind::File, None));
        });
        dotted_date: b"QPGMR        16347136 29.06.13 15:45:09 *FILE      RPGUNIT.SAVF" => (|e| {
            assert_eq!((e.kind, e.modified.unwrap().to_rfc3339().as_str()), (Kind::File, "2013-06-29T15:45:09Z"));
        });
        month_first: b"ZFTPDEV 9069 05/20/15 15:36:52 *STMF /DRV/AUDWRKSHET/AUDWRK0204232015114625.PDF" => (|e| {
            assert_eq!(e.name, "AUDWRK0204232015114625.PDF");
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2015-05-20T15:36:52Z");
        });
        file_with_members: b"QSYS            77824 23/02/00 15:09:55 *FILE  DATA.FILE" => (|e| {
            assert_eq!((e.kind, e.modified.unwrap().to_rfc3339().as_str()), (Kind::Dir, "2000-02-23T15:09:55Z"));
        });
        spaces_in_name: b"MYUSER              3 06/12/21 12:00:00 *STMF      file with space.txt" => (|e| {
            assert_eq!(e.name, "file with space.txt");
        });
        rejects: [
            b"QPGMR          135168 04/03/18 13:18:19 *FILE",
            b"QPGMR          135168    03/24 13:18:19 *FILE",
            b"QPGMR          135168 04/03/18 30:06:29 *FILE",
            b"QPGMR                 04/03/18 13:18:19 *FILE      RPGUNITC1.FILE",
            b"QPGMR          135168    03/24 13:18:19 *FILE      RPGUNITC1.FILE",
            b"QPGMR          135168 04/03/18 30:06:29 *FILE      RPGUNITC1.FILE",
            b"QPGMR                                   *MEM       ",
            b"QPGMR          135168 04/03/18 13:18:19 *MEM       RPGUNITC1.FILE/RUCALLTST.MBR",
            b"QPGMR          135168                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR",
            b"QPGMR                 04/03/18 13:18:19 *MEM       RPGUNITC1.FILE/RUCALLTST.MBR",
            b"QPGMR USR                               *MEM       RPGUNITC1.FILE/RUCALLTST.MBR",
            b"PEP              4019 04/03/18 18:58:16 STMF       einladung.zip",
            b"PEP               422 03/24 14:06:26 *STMF      readme",
            b"PEP              6409 04/03/24 30:06:29 *STMF      build.xml",
            b"PEP USR         36864 04/03/24 14:06:34 *DIR       dir1/",
            b"PEP             3686404/03/24 14:06:47 *DIR       zdir2/",
            b"PEP             36864 04/03/24 14:06 *DIR       zdir2/",
            b"PEP             36864 04/03/24 14:06:47 *DIR       /",
            b" PEP             36864 04/03/24 14:06:47 *DIR       x",
        ] => None;
    }
}
