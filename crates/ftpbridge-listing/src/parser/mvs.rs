//! IBM z/OS (MVS) listings: data sets, members of partitioned data sets, JES jobs.
//!
//! Sent by the z/OS Communications Server FTP server (and the older MVS TCP/IP, and
//! servers for MVS such as Cisco IOS for S/390) when the working directory is a data
//! set qualifier rather than a z/OS UNIX directory (which lists in the Unix form).
//!
//! Data sets, under `Volume Unit Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname`:
//! `SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024`. Newer
//! releases leave out the unit; older ones print the date `07/16/97`. Partitioned data
//! sets (`PO`, `PO-E`) are directories (they hold members), the others files. No size
//! and no modification time are given (`Referred` is the date of last use).
//! Migrated and offline data sets (`Migrated   NAME`,
//! `ARCIVE Not Direct Access Device   NAME`), tape data sets (`V12345 Tape   NAME`)
//! and VSAM clusters show only their names; `Pseudo Directory NAME` (in directory
//! mode) is a directory of further qualifiers.
//!
//! Members, under `Name VV.MM Created Changed Size Init Mod Id`:
//! `SAVE03  01.03 2002/09/12 2002/10/11 09:37  11  11  0 KIL001`; after such a header a
//! member shown by name alone is an entry too. Member sizes are in records, not bytes,
//! and are not reported. Members of load libraries, under `Name Size TTR Alias-of AC
//! Attributes Amode Rmode`, give the module size in hexadecimal bytes
//! (`IEFBR14  000018 000009  00 FO  RN RU  31 ANY`), and are read without the header.
//!
//! JES jobs (`IBMUSER1  JOB01906  OUTPUT    3 Spool Files`) are files named by job id.
//!
//! Ambiguous: a member name alone (`SAVE04`) is also any one-word line; it is read as
//! a member only after a member list header, never on its own.

use super::Parts;
use super::scan::{Tokens, all_digits, century, parse_small, parse_time, slice};
use crate::{DateTime, Entry, Kind, ParseOptions};

/// Which kind of listing the last header announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Data sets (the default).
    Datasets,
    /// Members of a partitioned data set.
    Members,
}

/// Recognises the column headers, which hold no entry.
pub(crate) fn header(line: &[u8]) -> Option<Mode> {
    let mut tokens = Tokens::new(line, 0);
    let first = tokens.next_bytes()?;
    let second = tokens.next_bytes()?;
    match (first, second) {
        (b"Volume", b"Unit" | b"Referred") => Some(Mode::Datasets),
        (b"Name", b"VV.MM") | (b"Name", b"Size") => Some(Mode::Members),
        (b"JOBNAME", b"JOBID") => Some(Mode::Datasets),
        _ => None,
    }
}

pub(crate) fn parse(line: &[u8], o: &ParseOptions, mode: Mode) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let mut toks: [&[u8]; 12] = [&[]; 12];
    let mut n = 0;
    for t in tokens.by_ref().take(12) {
        if let Some(slot) = toks.get_mut(n) {
            *slot = slice(line, t.0, t.1);
        }
        n += 1;
    }
    let more = tokens.next().is_some();
    let toks = toks.get(..n)?;
    dataset(toks, more)
        .or_else(|| load_module(toks))
        .or_else(|| member(toks, mode))
        .or_else(|| job(toks, line))
        .map(|parts| parts.build(line, o.encoding))
}

/// A data set line.
fn dataset<'a>(toks: &[&'a [u8]], more: bool) -> Option<Parts<'a>> {
    if more {
        return None;
    }
    let name = *toks.last()?;
    if !dataset_name(name) {
        return None;
    }
    match toks {
        [b"Migrated", _] => return Some(Parts::new(name, Kind::File)),
        [b"Pseudo", b"Directory", _] => return Some(Parts::new(name, Kind::Dir)),
        [volume, tape, _] if volume_ok(volume) && tape.eq_ignore_ascii_case(b"Tape") => {
            return Some(Parts::new(name, Kind::File));
        }
        [volume, b"Not", b"Direct", b"Access", b"Device", _] if volume_ok(volume) => {
            return Some(Parts::new(name, Kind::File));
        }
        [volume, unit, b"VSAM", _] if volume_ok(volume) && unit_ok(unit) => {
            return Some(Parts::new(name, Kind::File));
        }
        _ => {}
    }
    // Volume [Unit] Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname, with Ext and
    // Used run together when Used is wide.
    if !(8..=10).contains(&toks.len()) {
        return None;
    }
    let volume = *toks.first()?;
    let (referred_at, unit) = match toks.get(1) {
        Some(t) if *t == b"**NONE**" || slashed_date(t).is_some() => (1, None),
        Some(t) => (2, Some(*t)),
        None => return None,
    };
    let referred = *toks.get(referred_at)?;
    let dsorg = *toks.get(toks.len() - 2)?;
    let (recfm, lrecl, blksize) =
        (*toks.get(toks.len() - 5)?, *toks.get(toks.len() - 4)?, *toks.get(toks.len() - 3)?);
    let middle = toks.get(referred_at + 1..toks.len() - 5)?;
    if !volume_ok(volume)
        || !unit.is_none_or(unit_ok)
        || !(recfm.iter().all(u8::is_ascii_uppercase) || recfm == b"?")
        || !all_digits(lrecl)
        || !all_digits(blksize)
        || !(1..=2).contains(&middle.len())
        || !middle.iter().all(|t| all_digits(t) || matches!(*t, b"????" | b"++++"))
    {
        return None;
    }
    let kind = match dsorg {
        b"PO" | b"PO-E" => Kind::Dir,
        _ if dsorg.len() <= 4 && dsorg.iter().all(u8::is_ascii_uppercase) => Kind::File,
        _ => return None,
    };
    // `Referred` is when the data set was last used, not changed: checked, not reported.
    if referred != b"**NONE**" {
        slashed_date(referred)?;
    }
    Some(Parts::new(name, kind))
}

/// A member of a load library: `NAME SIZE TTR [ALIAS-OF] AC ATTRIBUTES... AMODE RMODE`,
/// size and TTR in hexadecimal.
fn load_module<'a>(toks: &[&'a [u8]]) -> Option<Parts<'a>> {
    let [name, size, ttr, rest @ ..] = toks else { return None };
    let hex = |t: &[u8]| t.len() == 6 && t.iter().all(u8::is_ascii_hexdigit);
    if !member_name(name) || !hex(size) || !hex(ttr) {
        return None;
    }
    let [ac_and_attributes @ .., amode, rmode] = rest else { return None };
    let (ac, attributes) = ac_and_attributes.split_first()?;
    let mode_ok = |t: &[u8], modes: &[&[u8]]| modes.contains(&t);
    if !all_digits(ac)
        || !mode_ok(amode, &[b"24", b"31", b"64", b"ANY"])
        || !mode_ok(rmode, &[b"24", b"ANY"])
        || !attributes.iter().all(|t| t.len() == 2 && t.iter().all(u8::is_ascii_uppercase))
    {
        return None;
    }
    let mut parts = Parts::new(name, Kind::File);
    parts.size = u64::from_str_radix(std::str::from_utf8(size).ok()?, 16).ok();
    Some(parts)
}

/// A member line: with statistics, by name alone after a member header, or a
/// load-module member.
fn member<'a>(toks: &[&'a [u8]], mode: Mode) -> Option<Parts<'a>> {
    let name = *toks.first()?;
    if !member_name(name) {
        return None;
    }
    // Name VV.MM Created Changed HH:MM Size Init Mod Id
    if let [_, version, created, changed, time, size, init, modified, _id] = toks {
        let version_ok = version.len() == 5 && version.get(2) == Some(&b'.');
        if version_ok && all_digits(size) && all_digits(init) && all_digits(modified) {
            slashed_date(created)?;
            let (y, m, d) = slashed_date(changed)?;
            let (h, mi, s, _, _) = parse_time(time)?;
            let mut parts = Parts::new(name, Kind::File);
            parts.modified = Some(DateTime::new(y, m, d, h, mi, s)?);
            return Some(parts);
        }
    }
    (mode == Mode::Members).then(|| Parts::new(name, Kind::File))
}

/// A JES job: `JOBNAME JOBID [OWNER] STATUS ...`.
fn job<'a>(toks: &[&'a [u8]], line: &'a [u8]) -> Option<Parts<'a>> {
    let (jobname, jobid) = (*toks.first()?, *toks.get(1)?);
    let id_ok = jobid.len() == 8
        && (jobid.iter().take(3).all(u8::is_ascii_uppercase) && jobid.iter().skip(3).all(u8::is_ascii_digit)
            || jobid.first() == Some(&b'J') && jobid.iter().skip(1).all(u8::is_ascii_digit));
    let spool = line.windows(11).any(|w| w.eq_ignore_ascii_case(b"spool files"));
    (member_name(jobname) && id_ok && toks.len() >= 3 && spool).then(|| Parts::new(jobid, Kind::File))
}

/// `YYYY/MM/DD`, or `MM/DD/YY` as older releases print it.
fn slashed_date(t: &[u8]) -> Option<(i32, u8, u8)> {
    if t.len() == 8 && t.get(2) == Some(&b'/') && t.get(5) == Some(&b'/') {
        let m = parse_small(slice(t, 0, 2), 2)? as u8;
        let d = parse_small(slice(t, 3, 5), 2)? as u8;
        let y = century(parse_small(slice(t, 6, 8), 2)?);
        return DateTime::new(y, m, d, 0, 0, 0).map(|_| (y, m, d));
    }
    if t.len() != 10 || t.get(4) != Some(&b'/') || t.get(7) != Some(&b'/') {
        return None;
    }
    let y = parse_small(slice(t, 0, 4), 4)? as i32;
    let m = parse_small(slice(t, 5, 7), 2)? as u8;
    let d = parse_small(slice(t, 8, 10), 2)? as u8;
    DateTime::new(y, m, d, 0, 0, 0).map(|_| (y, m, d))
}

/// A volume serial: one to six letters, digits or national characters.
fn volume_ok(t: &[u8]) -> bool {
    (1..=6).contains(&t.len())
        && t.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'#' | b'$'))
}

/// A device type such as `3390`.
fn unit_ok(t: &[u8]) -> bool {
    (1..=8).contains(&t.len()) && t.iter().all(u8::is_ascii_alphanumeric)
}

/// A member or job name: one to eight capitals, digits or national characters, not
/// starting with a digit.
fn member_name(t: &[u8]) -> bool {
    (1..=8).contains(&t.len())
        && !t.first().is_some_and(u8::is_ascii_digit)
        && t.iter().all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'@' | b'#' | b'$'))
}

/// A data set name as it is listed (qualifiers of any case, as the server shows them).
fn dataset_name(t: &[u8]) -> bool {
    (1..=44).contains(&t.len())
        && t.iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'#' | b'$' | b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn datasets(line: &[u8]) -> Option<Entry> {
        parse(line, &options(), Mode::Datasets)
    }

    fn members(line: &[u8]) -> Option<Entry> {
        parse(line, &options(), Mode::Members)
    }

    vectors! { datasets;
        partitioned: b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.modified), ("INCOMING.RPTBM024.D061704", Kind::Dir, None));
        });
        extended: b"SAVE02 3390   2004/06/23  1    1  FB     128  6144  PO-E  INCOMING.RPTBM025.D061704" => (|e| assert_eq!(e.kind, Kind::Dir));
        sequential: b"SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704" => (|e| {
            assert_eq!((e.kind, e.size), (Kind::File, None));
        });
        wide_used: b"PEX26F 3390   2017/07/03  115807  FB   29600 29600  PS    INCOMING.FIN.D170630.T160630" => (|e| {
            assert_eq!(e.name, "INCOMING.FIN.D170630.T160630");
        });
        undefined_recfm: b"VVVVVV 3390   2020/04/18  1   60   U   32760 32760  PO    NAME" => (|e| assert_eq!(e.kind, Kind::Dir));
        migrated: b"Migrated                                                  NAME" => (|e| assert_eq!((e.name.as_str(), e.kind), ("NAME", Kind::File)));
        offline: b"ARCIVE Not Direct Access Device                           NAME" => (|e| assert_eq!(e.name, "NAME"));
        vsam: b"  TSO004 3390   VSAM 50-mvs-file" => (|e| assert_eq!(e.name, "50-mvs-file"));
        member_with_stats: b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("SAVE03", Kind::File));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2002-10-11T09:37:00Z");
        });
        jes1: b"IBMUSER1  JOB01906  OUTPUT    3 Spool Files" => (|e| assert_eq!(e.name, "JOB01906"));
        no_unit: b"CPDLB1 2008/11/11  1    2  FB      80  3120  PO    ISPF.ISPPROF" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("ISPF.ISPPROF", Kind::Dir));
        });
        no_unit_vbs: b"CPDLB3 2008/11/11  9    9  VBS   4000  2000  PS    TEST.ABC" => (|e| assert_eq!(e.kind, Kind::File));
        old_date: b"APCSPL 3380D  07/16/97  1    1  FB      80  8800  PS    ETC.RPC" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("ETC.RPC", Kind::File));
        });
        never_referred: b"WORK01 3390   **NONE**    1   15  VB    255 27998  PS    NEW.DATA" => (|e| assert_eq!(e.name, "NEW.DATA"));
        pseudo_directory: b"Pseudo Directory ETC" => (|e| assert_eq!((e.name.as_str(), e.kind), ("ETC", Kind::Dir)));
        tape: b"V43525 Tape                                             SOME.TAPE.DATA" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("SOME.TAPE.DATA", Kind::File));
        });
        load_module_alone: b"IEFBR14   000018 000009          00 FO             RN RU      31    ANY" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("IEFBR14", Kind::File, Some(0x18)));
        });
        jes2: b"IBMUSER  TSU01830 IBMUSER  OUTPUT TSU      ABEND=522 3 spool files" => (|e| assert_eq!(e.name, "TSU01830"));
        rejects: [
            b"MigratedP201.$FTXPBI1.$CF2ITB.$AAB0402.I",
            b"PSMLC133902005/04/041VB2799427998PSfile1.I",
            b"file2.O",
            b"SAVE04",
            b"SAVE01 3390   2004/13/23  1    1  FB     128  6144  PO    X",
            b"SAVE01 3390   2004/06/23  1    1  FB     12x  6144  PO    X",
            b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  po    X",
            b"SAVE01 3390   2004/06/23  1    1  1  1  FB     128  6144  PO    X",
            b"V43525 Tape   TWO NAMES",
            b"Pseudo Directory",
            b"IEFBR14   000018 000009          00 FO             RN RU      32    ANY",
            b"IEFBR14   0018 000009          00 FO             RN RU      31    ANY",
            b"-rw-r--r-- 1 a b 5 Mar 29 2020 f",
            b"aaa",
        ] => None;
    }

    vectors! { members;
        name_only: b"SAVE04                                                              " => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("SAVE04", Kind::File));
        });
        load_module: b"IEFBR14   000018 000009          00 FO             RN RU      31    ANY" => (|e| assert_eq!(e.name, "IEFBR14"));
        load_module_24: b"ASMPROG   0003A8 00000C          01 FO             RN RU      24    24" => (|e| {
            assert_eq!(e.size, Some(0x3a8));
        });
        members_reject: [b"1BAD", b"TOOLONGNAME", b"a.b", b"aaa"] => None;
    }

    #[test]
    fn headers() {
        assert_eq!(
            header(b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname"),
            Some(Mode::Datasets)
        );
        assert_eq!(
            header(b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id"),
            Some(Mode::Members)
        );
        assert_eq!(header(b"Volume"), None);
    }
}
