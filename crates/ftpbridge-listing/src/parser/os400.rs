//! IBM i (OS/400) listings.
//!
//! The IBM i FTP server with `LISTFMT 0` (the default; `LISTFMT 1` gives the Unix
//! form): `PEP   36864 04/03/24 14:06:34 *DIR   dir1/`: owner, size, date, time, object
//! type, name; members of a file show only `OWNER  *MEM  FILE.FILE/MEMBER.MBR`. The
//! owner is blank for anonymous sessions, so the line may start with the size or the
//! type. The object type gives the kind: `*DIR`, `*DDIR`, `*LIB`, `*FLR` and `*FILE`
//! objects named `.FILE` (database files, which hold members) are directories;
//! `*STMF`, `*DSTMF`, `*DOC`, `*MEM` and other `*FILE`s (save files) are files;
//! `*SYMLNK` is a link; programs, commands, data areas, queues and every other object
//! type are [`Kind::Other`] (`RETR` cannot fetch them). A trailing `/` on the name marks
//! a directory and is removed; a name given as an absolute path is cut to its last
//! component.
//!
//! Ambiguous: the date order depends on the server job's settings: `YY/MM/DD` is tried
//! first, then `MM/DD/YY`, then `DD/MM/YY`; dates with dots are `DD.MM.YY`. A date that
//! is valid in two orders (`04/03/05`) takes the first. The time separator is the job's
//! too (`14:06:34` or `14.06.34`).

use super::Parts;
use super::scan::{
    Tokens, century, is_blank, parse_small, parse_time_any, parse_u64, rest, skip_blanks, slice,
};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let mut look = tokens.clone();
    let (s, e) = look.next()?;
    let first = slice(line, s, e);
    // A blank owner (an anonymous session) leaves the size or the type first.
    let owner = if s > 0 && (first.first() == Some(&b'*') || first.first().is_some_and(u8::is_ascii_digit)) {
        None
    } else {
        tokens = look;
        if s != 0
            || first.len() > 10
            || !first.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'#' | b'@'))
        {
            return None;
        }
        Some(first)
    };
    let second = tokens.next_bytes()?;
    let (size, modified, object) = if second == b"*MEM" {
        (None, None, second)
    } else {
        let size = parse_u64(second)?;
        let (y, m, d) = date(tokens.next_bytes()?)?;
        let (h, mi, sec, _, with_seconds) = parse_time_any(tokens.next_bytes()?)?;
        if !with_seconds {
            return None;
        }
        let object = tokens.next_bytes()?;
        if object == b"*MEM" {
            return None;
        }
        (Some(size), Some(DateTime::new(y, m, d, h, mi, sec)?), object)
    };
    if object.len() < 2 || object.first() != Some(&b'*') || !object.iter().skip(1).all(u8::is_ascii_uppercase)
    {
        return None;
    }
    if !line.get(tokens.pos()).is_some_and(|&b| is_blank(b)) {
        return None;
    }
    let mut name = rest(line, skip_blanks(line, tokens.pos()));
    if name.is_empty() {
        return None;
    }
    let mut kind = kind_of(object, name);
    if let Some(stripped) = name.strip_suffix(b"/") {
        kind = Kind::Dir;
        name = stripped;
    }
    if name.first() == Some(&b'/')
        && let Some(slash) = name.iter().rposition(|&b| b == b'/')
    {
        name = rest(name, slash + 1);
    }
    if name.is_empty() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    parts.size = size;
    parts.modified = modified;
    parts.owner = owner;
    Some(parts.build(line, o.encoding))
}

/// The kind of an object type (see the module documentation).
fn kind_of(object: &[u8], name: &[u8]) -> Kind {
    match object {
        b"*DIR" | b"*DDIR" | b"*LIB" | b"*FLR" => Kind::Dir,
        b"*FILE" if name.len() > 5 && name.trim_ascii_end().ends_with(b".FILE") => Kind::Dir,
        b"*FILE" | b"*STMF" | b"*DSTMF" | b"*DOC" | b"*MEM" => Kind::File,
        b"*SYMLNK" => Kind::Link,
        _ => Kind::Other,
    }
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
        anonymous: b"             5263360 06/11/97 12:27:39 *FILE      BPTFSAVF" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size, e.owner.as_deref()), ("BPTFSAVF", Kind::File, Some(5_263_360), None));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1997-06-11T12:27:39Z");
        });
        anonymous_member: b"                                        *MEM       QCLSRC.FILE/HELLO.MBR" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("QCLSRC.FILE/HELLO.MBR", Kind::File));
        });
        library: b"QSYS            77824 02/23/00 15:09:55 *LIB       QGPL.LIB" => (|e| assert_eq!(e.kind, Kind::Dir));
        folder: b"QDOC            24576 09/20/00 10:57:42 *FLR       QDOC/" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("QDOC", Kind::Dir));
        });
        source_file: b"MYUSER          45056 06/29/16 08:11:42 *FILE      QRPGLESRC.FILE" => (|e| assert_eq!(e.kind, Kind::Dir));
        document: b"QSECOFR          1024 06/29/16 08:11:42 *DOC       MEMO.TXT" => (|e| assert_eq!(e.kind, Kind::File));
        program: b"QPGMR           98304 06/29/16 08:11:42 *PGM       HELLO.PGM" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("HELLO.PGM", Kind::Other));
        });
        symlink: b"QSYS                0 06/29/16 08:11:42 *SYMLNK    lib" => (|e| assert_eq!(e.kind, Kind::Link));
        dotted_time: b"PEP              4019 18.03.04 18.58.16 *STMF      einladung.zip" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2004-03-18T18:58:16Z");
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
