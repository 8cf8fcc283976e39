//! RFC 3659 machine listings (MLSD lines, the MLST fact line).
//!
//! `fact=value;fact=value; name`: facts up to the first space, each ending in `;`, fact
//! names case-insensitive; the name is everything after that space (it may hold spaces
//! and `;`). Understood facts: `type` (`file`, `dir`, `cdir`, `pdir`,
//! `OS.unix=slink:target`, `OS.unix=symlink`, other `OS.`/`X.` types as
//! [`Kind::Other`]), `size`, `sizd`, `modify` (`YYYYMMDDHHMMSS[.sss]`, UTC), `perm`,
//! `unix.mode`, `unix.owner`/`unix.uid`/`unix.ownername` and their group equivalents.
//!
//! An entry without a `type` fact is a directory when it has `sizd` and no `size`, and
//! a file otherwise. Permissions are `unix.mode` rendered as `rwxr-xr-x` when present,
//! else the `perm` fact as given.
//!
//! Sent for MLSD/MLST by most current servers (vsftpd, ProFTPD, Pure-FTPd, FileZilla
//! Server, IIS, Serv-U, z/OS). Deviations from RFC 3659 that servers make and that are
//! read: empty facts (`size=;`, `;;`), unknown facts, a missing `;` after the last
//! fact (`type=file;size=3 name`), and a tab instead of the space before the name.
//!
//! Ambiguous: a missing last `;` makes `type=dir name` indistinguishable from a line
//! of another format, or a line that is not a listing, that happens to contain `=`. It
//! is read when the facts are at least two (`a=1;b=2 name`); a single fact without its
//! `;` is not (Apache Commons Net rejects `Type=dir missing-semicolon` too). Spaces
//! after the first are part of the name, as the RFC says (a name may start with one).

use super::Parts;
use super::scan::{all_digits, fraction, mode_string, parse_octal, parse_small, parse_u64, slice};
use crate::{DateTime, Kind, ParseOptions};

/// Parses one line. `no_facts_ok` accepts a line that starts with a space (no facts, as
/// RFC 3659 allows); the auto-detecting parser leaves such lines to the other formats.
pub(crate) fn parse(line: &[u8], o: &ParseOptions, no_facts_ok: bool) -> Option<super::Entry> {
    // Facts hold no blank or control byte: the first such byte ends them, and must be
    // the space (or a tab) before the name.
    let space = line.iter().position(|&b| b <= b' ')?;
    if !matches!(line.get(space), Some(b' ' | b'\t')) {
        return None;
    }
    let facts = slice(line, 0, space);
    let name = line.get(space + 1..)?;
    if name.is_empty() || (facts.is_empty() && !no_facts_ok) {
        return None;
    }
    // Cheap rejection of lines of other formats.
    if !facts.is_empty() && (!facts.contains(&b'=') || facts.last() != Some(&b';') && !facts.contains(&b';'))
    {
        return None;
    }
    let mut parts = Parts::new(name, Kind::File);
    let mut kind = None;
    let mut size = None;
    let mut sizd = None;
    let mut mode = None;
    let (mut owner, mut owner_name, mut group, mut group_name) = (None, None, None, None);
    for item in facts.split(|&b| b == b';') {
        if item.is_empty() {
            continue;
        }
        let eq = item.iter().position(|&b| b == b'=')?;
        let key = slice(item, 0, eq);
        let value = item.get(eq + 1..)?;
        if key.is_empty() {
            return None;
        }
        match fact(key) {
            Fact::Type if !value.is_empty() => {
                let (k, target) = type_fact(value)?;
                kind = Some(k);
                parts.target = target;
            }
            Fact::Size if !value.is_empty() => size = Some(parse_u64(value)?),
            Fact::Sizd if !value.is_empty() => sizd = Some(parse_u64(value)?),
            Fact::Modify if !value.is_empty() => parts.modified = Some(timeval(value)?),
            Fact::Perm if !value.is_empty() => parts.permissions = Some(value),
            Fact::Mode if value.len() < 3 => return None,
            Fact::Mode => mode = Some(parse_octal(value, 4)?),
            Fact::Owner => owner = owner.or(Some(value)),
            Fact::OwnerName => owner_name = Some(value),
            Fact::Group => group = group.or(Some(value)),
            Fact::GroupName => group_name = Some(value),
            _ => {}
        }
    }
    parts.kind = match kind {
        Some(k) => k,
        None if sizd.is_some() && size.is_none() => Kind::Dir,
        None => Kind::File,
    };
    parts.size = size.or(sizd);
    parts.owner = owner_name.or(owner);
    parts.group = group_name.or(group);
    if mode.is_some() {
        parts.permissions = None;
    }
    let mut entry = parts.build(line, o.encoding);
    if let Some(mode) = mode {
        entry.permissions = Some(mode_string(mode));
    }
    Some(entry)
}

/// The facts this parser reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fact {
    Type,
    Size,
    Sizd,
    Modify,
    Perm,
    Mode,
    Owner,
    OwnerName,
    Group,
    GroupName,
    Other,
}

/// Which fact a (case-insensitive) fact name is.
fn fact(key: &[u8]) -> Fact {
    let is = |name: &[u8]| key.eq_ignore_ascii_case(name);
    match key.len() {
        4 if is(b"type") => Fact::Type,
        4 if is(b"size") => Fact::Size,
        4 if is(b"sizd") => Fact::Sizd,
        4 if is(b"perm") => Fact::Perm,
        6 if is(b"modify") => Fact::Modify,
        9 if is(b"unix.mode") => Fact::Mode,
        8 if is(b"unix.uid") => Fact::Owner,
        8 if is(b"unix.gid") => Fact::Group,
        10 if is(b"unix.owner") => Fact::Owner,
        10 if is(b"unix.group") => Fact::Group,
        14 if is(b"unix.ownername") => Fact::OwnerName,
        14 if is(b"unix.groupname") => Fact::GroupName,
        _ => Fact::Other,
    }
}

/// The kind (and link target) of a `type` fact value.
fn type_fact(value: &[u8]) -> Option<(Kind, Option<&[u8]>)> {
    let lower =
        |s: &[u8], p: &str| s.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes()));
    if value.eq_ignore_ascii_case(b"file") {
        Some((Kind::File, None))
    } else if value.eq_ignore_ascii_case(b"dir")
        || value.eq_ignore_ascii_case(b"cdir")
        || value.eq_ignore_ascii_case(b"pdir")
    {
        Some((Kind::Dir, None))
    } else if lower(value, "os.unix=slink") {
        let target = value.get(b"os.unix=slink".len()..).and_then(|t| t.strip_prefix(b":"));
        Some((Kind::Link, target))
    } else if lower(value, "os.unix=symlink")
        || value.eq_ignore_ascii_case(b"link")
        || value.eq_ignore_ascii_case(b"symlink")
        || value.eq_ignore_ascii_case(b"slink")
    {
        Some((Kind::Link, None))
    } else if lower(value, "os.") || lower(value, "x.") {
        Some((Kind::Other, None))
    } else {
        None
    }
}

/// An RFC 3659 `time-val`: `YYYYMMDDHHMMSS` with an optional `.fraction`, in UTC.
fn timeval(v: &[u8]) -> Option<DateTime> {
    let (whole, frac) = match v.iter().position(|&b| b == b'.') {
        Some(dot) => (slice(v, 0, dot), Some(v.get(dot + 1..)?)),
        None => (v, None),
    };
    if whole.len() != 14 || !all_digits(whole) {
        return None;
    }
    let n = |a: usize, b: usize| parse_small(slice(whole, a, b), 4);
    let at = DateTime::new(
        n(0, 4)? as i32,
        n(4, 6)? as u8,
        n(6, 8)? as u8,
        n(8, 10)? as u8,
        n(10, 12)? as u8,
        n(12, 14)? as u8,
    )?;
    match frac {
        Some(f) if all_digits(f) => Some(at.with_nanosecond(fraction(f))),
        Some(_) => None,
        None => Some(at),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;
    use crate::Entry;

    fn strict(line: &[u8]) -> Option<Entry> {
        parse(line, &options(), false)
    }

    fn lenient(line: &[u8]) -> Option<Entry> {
        parse(line, &options(), true)
    }

    vectors! { strict;
        file: b"type=file;size=8192;modify=20181105163248; omar.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("omar.txt", Kind::File, Some(8192)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2018-11-05T16:32:48Z");
        });
        dir_with_everything: b"modify=20150814172949;perm=flcdmpe;type=dir;unique=85A0C168U4;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; _upload" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("_upload", Kind::Dir));
            assert_eq!(e.permissions.as_deref(), Some("rwxrwxrwx"));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("0"), Some("0")));
        });
        cdir: b"type=cdir;modify=20150813224845; ." => (|e| assert_eq!((e.name.as_str(), e.kind), (".", Kind::Dir)));
        pdir: b"Type=pdir; .." => (|e| assert_eq!((e.name.as_str(), e.kind), ("..", Kind::Dir)));
        names_keep_spaces_and_semicolons: b"type=file;size=1; a b;c=d; e " => (|e| assert_eq!(e.name, "a b;c=d; e "));
        fact_names_ignore_case: b"SiZe=11;tYpe=file;MoDIfy=20181025120459;uNIx.MOde=0755; file one" => (|e| {
            assert_eq!((e.size, e.kind), (Some(11), Kind::File));
            assert_eq!(e.permissions.as_deref(), Some("rwxr-xr-x"));
        });
        fraction_of_second: b"type=dir;modify=20141022065102.999; source" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2014-10-22T06:51:02.999Z");
        });
        slink_target: b"type=OS.unix=slink:/actual/target; filename" => (|e| {
            assert_eq!((e.kind, e.target.as_deref()), (Kind::Link, Some("/actual/target")));
            assert_eq!(e.target_bytes.as_deref(), Some(&b"/actual/target"[..]));
        });
        slink_empty_target: b"type=OS.unix=slink:; filename" => (|e| assert_eq!((e.kind, e.target.as_deref()), (Kind::Link, Some(""))));
        symlink: b"type=OS.unix=symlink;unique=1234; filename" => (|e| assert_eq!((e.kind, e.target), (Kind::Link, None)));
        device: b"type=OS.unix=chr-13/29; tty" => (|e| assert_eq!(e.kind, Kind::Other));
        sizd_only_is_a_dir: b"sizd=4096; filename" => (|e| assert_eq!((e.kind, e.size), (Kind::Dir, Some(4096))));
        unknown_facts_ignored: b"anything=something; filename" => (|e| assert_eq!((e.name.as_str(), e.kind), ("filename", Kind::File)));
        owner_names_win: b"UNIX.ownername=myself;UNIX.groupname=mygroup;UNIX.owner=11;UNIX.group=22; f" => (|e| {
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("myself"), Some("mygroup")));
        });
        uid_gid: b"UNIX.uid=11;UNIX.gid=22; f" => (|e| assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("11"), Some("22"))));
        perm_as_given: b"type=file;perm=adfr; f" => (|e| assert_eq!(e.permissions.as_deref(), Some("adfr")));
        empty_values_ignored: b"Type=;Size=; /empty" => (|e| assert_eq!((e.name.as_str(), e.size), ("/empty", None)));
        huge_size: b"size=18446744073709551615; f" => (|e| assert_eq!(e.size, Some(u64::MAX)));
        invalid_utf8_name: b"type=file; caf\xe9" => (|e| {
            assert_eq!(e.name, "caf\u{fffd}");
            assert_eq!(e.name_bytes, b"caf\xe9");
        });
        nul_in_name: b"type=file; a\0b" => (|e| assert_eq!(e.name, "a\0b"));
        no_last_semicolon: b"type=file;size=3;modify=20240329032600 last fact unended" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("last fact unended", Kind::File, Some(3)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
        });
        empty_facts: b"type=dir;;perm=;sizd=;; empties" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("empties", Kind::Dir, None));
            assert_eq!(e.permissions, None);
        });
        tab_before_name: b"type=file;size=12;\ttabbed" => (|e| assert_eq!((e.name.as_str(), e.size), ("tabbed", Some(12))));
        unknown_facts_and_x_types: b"x.custom=1;media-type=text/plain;charset=UTF-8;type=file;size=1; f" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("f", Kind::File));
        });
        windows_facts: b"Type=file;Size=1024;Modify=20240329032600.123;Create=20240101000000;win32.ea=0x00000020; report.docx" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00.123Z");
        });
        rejects_malformed: [
            b"",
            b" ",
            b"  ",
            b" /no/facts",
            b"/no/leading/space",
            b"Type=cdir;Modify=20141022065101;UNIX.mode=0775;/no/space",
            b"Type=cdir;Modify=20141022065103;UNIX.mode=0775;",
            b"Type=cdir;Modify=20141022065102;UNIX.mode=0775; ",
            b"Type=dir;Size; missing =size",
            b"Type=dir missing-semicolon",
            b"Type= missing value and semicolon",
            b"type=file;size=x name",
            b"Modify=2014; Short stamp",
            b"Type=pdir;Modify=20141205180002Z; /trailing chars in Modify",
            b"Type=dir;Modify=2014102206510x2.999;UNIX.mode=0775; modify has spurious chars",
            b"Modify=20141022065102.; empty fraction",
            b"modify=20150806235817;invalid;UNIX.owner=0; movies",
            b"type=file;unix.mode=64; bad.txt",
            b"type=file;unix.mode=06444; bad.txt",
            b"type=file;unix.mode=0899; bad.txt",
            b"type=unknown; bad.txt",
            b"type=file;size=notanumber; bad.txt",
            b"type=file;size=18446744073709551616; bad.txt",
            b"type=file;size=-1; bad.txt",
            b"modify=20241332000000; bad.txt",
            b"=x; noname",
            b"-rw-r--r-- 1 a b 5 Mar 29 2020 f",
        ] => None;
    }

    vectors! { lenient;
        no_facts: b" /no/facts" => (|e| assert_eq!((e.name.as_str(), e.kind), ("/no/facts", Kind::File)));
        leading_space_makes_facts_a_name: b" Type=cdir;UNIX.mode=0775; /leading/space" => (|e| {
            assert_eq!(e.name, "Type=cdir;UNIX.mode=0775; /leading/space");
        });
        lenient_still_rejects_garbage: [b"x 1 y", b"x=1;", b"nospace", b"=x y", b"type=dir missing-semicolon"] => None;
    }

    #[test]
    fn two_spaces_leave_one_in_the_name() {
        assert_eq!(lenient(b"  ").map(|e| e.name), Some(" ".into()));
        assert_eq!(strict(b"type=file;  x").map(|e| e.name), Some(" x".into()));
    }
}
