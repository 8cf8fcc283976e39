//! Unix `ls -l` lines and the servers that imitate them.
//!
//! Sent by nearly every server on Unix (vsftpd, ProFTPD, Pure-FTPd, OpenSSH-era
//! daemons, z/OS UNIX, IBM i with `LISTFMT 1`) and by many on other systems that
//! imitate `ls` (FileZilla Server, Serv-U, IIS in Unix mode, routers and NAS boxes).
//!
//! `drwxr-xr-x  2 owner group  4096 Mar 29 03:26 name`, with the variants met in the
//! wild: leading spaces; permissions missing their last letter; an ACL or attribute mark
//! after the permissions (`+`, `@`, `.`), even glued to the link count
//! (`drwxr-x---+1464`); no link count; no group; numeric ids; owner and group names with
//! spaces (`Domain Users`, told apart by runs of two or more spaces); a group that runs
//! into a wide size (`ftpusers12414535`); device numbers instead of a size (`1, 3`,
//! `109,767`); sizes with a unit (`34K`, `1,2M`, from `ls -lh`); symlinks `a -> b`; a `/`
//! after a directory's name (`ls -p`); names with leading, trailing and inner spaces;
//! every date form of [`super::unix_date`]; and no date at all
//! (`-rw-r--r-- 1 u g 1234 name`, from some embedded servers).
//!
//! The date is found by scanning: the first token after a size where a date starts. A
//! reading of bare numbers as a date (`3 29 03:26`) gives way to a date that starts one
//! or two tokens later (`... 0 0 3 Mar 29 2020` is the size 3). The name is everything
//! after the date and one blank (two when the date column is padded, see
//! [`super::unix_date`]).
//!
//! Ambiguous, and decided so: a link count glued to the owner (`1ftp`) could as well be
//! an owner named `1ftp` with no link count; such lines are left unread (as Apache
//! Commons Net does). A line without a date whose name starts like a date (`Aug 22
//! name`, `Jam 4 00:03 name`) is a broken date, not a name, and is left unread too.
//!
//! Two relatives are read here too: MacOS "Peter" (NetPresenz), whose files show three
//! numbers `resource data total` and whose folders show `folder count`, and
//! Connect:Enterprise (`-C--E-----FTP B OWNER  GROUP  SIZE date name`). VShell's newer
//! layout is an `ls` imitation with the date `Oct 08, 2002 09:47`, read here as well.

use super::Parts;
use super::months::month_from_name;
use super::scan::{Tokens, all_digits, is_blank, next_token, parse_size, parse_u64, rest, slice};
use super::unix_date::{DateContext, Found, Hints, unix_date};
use crate::{Entry, Kind, ParseOptions};

/// The most tokens looked at between the permissions and the date.
const MAX_TOKENS: usize = 32;

pub(crate) fn parse(line: &[u8], o: &ParseOptions, hints: &Hints) -> Option<Entry> {
    let start = line.iter().position(|&b| !is_blank(b))?;
    let kind = match *line.get(start)? {
        b'-' | b'f' => Kind::File,
        b'd' => Kind::Dir,
        b'l' => Kind::Link,
        b'b' | b'c' | b'p' | b's' | b'D' | b'S' | b'n' | b'P' | b'w' => Kind::Other,
        _ => return None,
    };
    let perm_start = start + 1;
    let (perm_end, enterprise) = if line.get(perm_start..perm_start + 9).is_some_and(permissions_ok) {
        (perm_start + 9, false)
    } else if line.get(perm_start..perm_start + 12).is_some_and(enterprise_ok) {
        (perm_start + 12, true)
    } else if line
        .get(perm_start..perm_start + 8)
        .is_some_and(|p| p.iter().enumerate().all(|(i, &c)| perm_ok(i, c)))
        && line.get(perm_start + 8).is_some_and(|&b| is_blank(b))
    {
        // A server that drops the last letter: `drw-r--rw   1 root root ...`.
        (perm_start + 8, false)
    } else {
        return None;
    };
    let mut pos = perm_end;
    if matches!(line.get(pos), Some(b'+' | b'@' | b'.')) {
        pos += 1;
    }
    match line.get(pos) {
        Some(&b) if is_blank(b) || (b.is_ascii_digit() && !enterprise) => {}
        _ => return None,
    }
    if enterprise {
        // A one-letter column after `FTP`.
        let (s, e) = next_token(line, pos)?;
        if e - s != 1 || !line.get(s).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        pos = e;
    }
    let mut parts = Parts::new(&[], kind);
    parts.permissions = Some(slice(line, perm_start, perm_end));

    // Tokens up to the date; the token before the date is the size.
    let cx = DateContext { now: &o.now, encoding: o.encoding, hints };
    let mut toks = [(0usize, 0usize); MAX_TOKENS];
    let mut n = 0;
    let mut tokens = Tokens::new(line, pos);
    let tok = |toks: &[(usize, usize); MAX_TOKENS], i: usize| {
        toks.get(i).map(|&(s, e)| slice(line, s, e)).unwrap_or_default()
    };
    let mut weak: Option<(Found, usize)> = None;
    let found = loop {
        let Some((s, e)) = tokens.next() else { break weak };
        let Some(slot) = toks.get_mut(n) else { break weak };
        *slot = (s, e);
        n += 1;
        if weak.is_some_and(|(_, at)| n > at + 2) {
            break weak;
        }
        if n >= 2
            && size_like(tok(&toks, n - 2), kind, enterprise)
            && let Some(found) = unix_date(line, s, &cx)
        {
            if !found.weak {
                break Some((found, n));
            }
            weak = weak.or(Some((found, n)));
        }
    };
    let Some((found, n)) = found else {
        return if enterprise { None } else { without_date(line, pos, parts, o) };
    };
    let size_idx = n - 2;
    let size_tok = tok(&toks, size_idx);

    // The size, or device numbers (`1, 3` or `109,767`) that stand in its place, or a
    // size that the group ran into; and how many tokens the owner and group end at
    // (with the byte where they end when the last one is cut).
    let (size, region_tokens, cut) = if kind == Kind::Other && device_pair(size_tok) {
        (None, size_idx, None)
    } else if kind == Kind::Other
        && size_idx >= 1
        && tok(&toks, size_idx - 1).strip_suffix(b",").is_some_and(all_digits)
    {
        (None, size_idx - 1, None)
    } else if let Some(size) = parse_size(size_tok) {
        (Some(size), size_idx, None)
    } else {
        // `ftpusers12414535`: the group, then the size.
        let digits = size_tok.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        let (start, end) = *toks.get(size_idx)?;
        (
            Some(parse_u64(rest(size_tok, size_tok.len() - digits))?),
            size_idx + 1,
            Some(end - digits).filter(|&c| c > start),
        )
    };

    // Link count, owner and group.
    let first = tok(&toks, 0);
    let has_links = !enterprise && region_tokens > 0 && cut.is_none_or(|_| size_idx > 0) && all_digits(first);
    if region_tokens > 0 && !has_links && first.first().is_some_and(u8::is_ascii_digit) {
        // `1ftp`: a link count glued to the owner.
        return None;
    }
    let region_first = usize::from(has_links);
    let peter = !enterprise && is_peter(&toks, size_idx, line, kind);
    if !peter && region_first < region_tokens {
        let (rs, _) = *toks.get(region_first)?;
        let re = match cut {
            Some(cut) if region_tokens == size_idx + 1 => cut,
            _ => toks.get(region_tokens - 1)?.1,
        };
        let (owner, group) = owner_and_group(slice(line, rs, re))?;
        parts.owner = Some(owner);
        parts.group = group;
    }

    // The name: after the date and one separator (two when the column is padded).
    if !line.get(found.end).is_some_and(|&b| is_blank(b)) {
        return None;
    }
    let mut name_start = found.end + 1;
    if found.padded
        && line.get(name_start).is_some_and(|&b| is_blank(b))
        && line.get(name_start + 1).is_some_and(|&b| !is_blank(b))
    {
        name_start += 1;
    }
    parts.size = size;
    parts.modified = Some(found.at);
    name_and_target(&mut parts, rest(line, name_start))?;
    Some(parts.build(line, o.encoding))
}

/// Sets the name (and a link's target) from what follows the date.
fn name_and_target<'a>(parts: &mut Parts<'a>, mut name: &'a [u8]) -> Option<()> {
    if parts.kind == Kind::Dir && name.len() > 1 {
        // `ls -p` marks directories with a `/`, which no Unix name holds.
        name = name.strip_suffix(b"/").unwrap_or(name);
    }
    if name.is_empty() {
        return None;
    }
    parts.name = name;
    if parts.kind == Kind::Link
        && let Some(arrow) = name.windows(4).position(|w| w == b" -> ")
        && arrow > 0
    {
        parts.name = slice(name, 0, arrow);
        parts.target = Some(rest(name, arrow + 4));
    }
    Some(())
}

/// A line with no date: `[links] owner [group] size name`. The size is the token after
/// owner and group, or after the owner alone; the name must not start like a date.
fn without_date<'a>(line: &'a [u8], pos: usize, mut parts: Parts<'a>, o: &ParseOptions) -> Option<Entry> {
    let mut toks = [(0usize, 0usize); 4];
    let mut tokens = Tokens::new(line, pos);
    for slot in &mut toks {
        *slot = tokens.next()?;
    }
    let tok = |i: usize| toks.get(i).map(|&(s, e)| slice(line, s, e)).unwrap_or_default();
    let first = tok(0);
    if first.first().is_some_and(u8::is_ascii_digit) && !all_digits(first) {
        return None;
    }
    let base = usize::from(all_digits(first));
    for columns in [2, 1] {
        let Some(&(ss, se)) = toks.get(base + columns) else { continue };
        let Some(size) = parse_size(slice(line, ss, se)) else { continue };
        if !line.get(se).is_some_and(|&b| is_blank(b)) {
            continue;
        }
        let name = rest(line, se + 1);
        let mut words = Tokens::new(name, 0);
        if (0..3).any(|_| words.next_bytes().is_some_and(|w| looks_dated(w, o))) {
            return None;
        }
        let (rs, _) = *toks.get(base)?;
        let (_, re) = *toks.get(base + columns - 1)?;
        let (owner, group) = owner_and_group(slice(line, rs, re))?;
        parts.owner = Some(owner);
        parts.group = group;
        parts.size = Some(size);
        name_and_target(&mut parts, name)?;
        return Some(parts.build(line, o.encoding));
    }
    None
}

/// Whether a word is part of a date: a month name, a time, a numeric date.
fn looks_dated(w: &[u8], o: &ParseOptions) -> bool {
    w.contains(&b':')
        || w.first().is_some_and(u8::is_ascii_digit)
            && w.iter().any(|&b| matches!(b, b'-' | b'/' | b'.') || b >= 0x80)
        || month_from_name(w, o.encoding).is_some()
}

/// `rwxr-xr-x` with the set-id, sticky and locking letters in execute positions.
fn permissions_ok(p: &[u8]) -> bool {
    p.len() == 9 && p.iter().enumerate().all(|(i, &c)| perm_ok(i, c))
}

/// Whether `c` may stand at position `i` of the permission letters.
fn perm_ok(i: usize, c: u8) -> bool {
    match i % 3 {
        0 => c == b'r' || c == b'-',
        1 => c == b'w' || c == b'-',
        _ => matches!(c, b'x' | b'-' | b's' | b'S' | b't' | b'T' | b'l' | b'L'),
    }
}

/// Connect:Enterprise's `C--E-----FTP`: nine flag letters or dashes and a protocol.
fn enterprise_ok(p: &[u8]) -> bool {
    p.len() == 12
        && p.iter().take(9).all(|&c| c == b'-' || c.is_ascii_uppercase())
        && p.iter().skip(9).all(u8::is_ascii_uppercase)
}

/// A size (with a unit, or run into the group before it), or device numbers when the
/// entry is a device.
fn size_like(t: &[u8], kind: Kind, enterprise: bool) -> bool {
    all_digits(t)
        || kind == Kind::Other && device_pair(t)
        || t.last().is_some_and(u8::is_ascii_digit)
            && !enterprise
            && t.first().is_some_and(|b| !b.is_ascii_digit() && !b.is_ascii_punctuation())
            && t.iter().rev().skip_while(|b| b.is_ascii_digit()).all(|b| !b.is_ascii_digit())
        || t.first().is_some_and(u8::is_ascii_digit) && parse_size(t).is_some()
}

/// `109,767`: major and minor device numbers in one token.
fn device_pair(t: &[u8]) -> bool {
    let mut halves = t.splitn(2, |&b| b == b',');
    halves.next().is_some_and(all_digits) && halves.next().is_some_and(all_digits)
}

/// MacOS "Peter": `resource data total` where the first two add up to the third, or a
/// folder's `folder count`.
fn is_peter(toks: &[(usize, usize); MAX_TOKENS], size_idx: usize, line: &[u8], kind: Kind) -> bool {
    let tok = |i: usize| toks.get(i).map(|&(s, e)| slice(line, s, e)).unwrap_or_default();
    match (size_idx, kind) {
        (2, Kind::File) => {
            let sum = parse_u64(tok(0)).zip(parse_u64(tok(1))).and_then(|(a, b)| a.checked_add(b));
            sum.is_some() && sum == parse_u64(tok(2))
        }
        (1, Kind::Dir) => tok(0) == b"folder",
        _ => false,
    }
}

/// Splits the text between link count and size into owner and group. Runs of two or
/// more blanks separate columns (`john smith     test group`); within one run the
/// first word is the owner (`maxm Domain Users`). More than two columns is not a
/// listing line.
fn owner_and_group(region: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let double = region.windows(2).position(|w| is_blank(w[0]) && is_blank(w[1]));
    let (owner, group) = match double {
        Some(i) => {
            let group_start = region.iter().skip(i).position(|&b| !is_blank(b))? + i;
            let group = rest(region, group_start);
            if group.windows(2).any(|w| is_blank(w[0]) && is_blank(w[1])) {
                return None;
            }
            (slice(region, 0, i), group)
        }
        None => match region.iter().position(|&b| is_blank(b)) {
            Some(i) => (slice(region, 0, i), rest(region, i + 1)),
            None => return Some((region, None)),
        },
    };
    Some((owner, Some(group)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options(), &Hints::default())
    }

    fn summary(e: &Entry) -> (&str, Kind, Option<u64>, Option<&str>, Option<&str>) {
        (e.name.as_str(), e.kind, e.size, e.owner.as_deref(), e.group.as_deref())
    }

    vectors! { p;
        plain_file: b"-rw-r--r--   1 root     other        531 Jan 29 03:26 README" => (|e| {
            assert_eq!(summary(&e), ("README", Kind::File, Some(531), Some("root"), Some("other")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-01-29T03:26:00Z");
            assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        });
        old_dir: b"dr-xr-xr-x   2 root     other        512 Apr  8  1994 etc" => (|e| {
            assert_eq!(summary(&e), ("etc", Kind::Dir, Some(512), Some("root"), Some("other")));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1994-04-08T00:00:00Z");
        });
        no_group: b"dr-xr-xr-x   2 root                  512 Apr  8  1994 etc2" => (|e| {
            assert_eq!(summary(&e), ("etc2", Kind::Dir, Some(512), Some("root"), None));
        });
        symlink: b"lrwxrwxrwx   1 root     other          7 Jan 25 00:17 bin -> usr/bin" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.target.as_deref()), ("bin", Kind::Link, Some("usr/bin")));
        });
        symlink_without_arrow: b"lrw-r--r--   1 14       14          80284 Aug 22  2000 zxJDBC-1.2.3.tar.gz" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.target.as_deref()), ("zxJDBC-1.2.3.tar.gz", Kind::Link, None));
        });
        arrow_in_a_file_name_stays: b"-rw-r--r-- 1 a b 1 Jan 25 00:17 x -> y" => (|e| assert_eq!(e.name, "x -> y"));
        numeric_ids: b"-rw-rw-r-- 1 0  1  8192 Nov 5 2018 omar.txt" => (|e| {
            assert_eq!(summary(&e), ("omar.txt", Kind::File, Some(8192), Some("0"), Some("1")));
        });
        acl_plus: b"-rw-rw-rw-+   1 owner   group    7045120 Sep 02  2012 music.mp3" => (|e| {
            assert_eq!(summary(&e), ("music.mp3", Kind::File, Some(7045120), Some("owner"), Some("group")));
        });
        acl_glued_to_links: b"drwxr-x---+1464 chrism   chrism     41472 Feb 25 13:17 20090225" => (|e| {
            assert_eq!(summary(&e), ("20090225", Kind::Dir, Some(41472), Some("chrism"), Some("chrism")));
        });
        macos_xattr: b"-rw-r--r--@ 1 me  staff  10 Mar 29 03:26 f" => (|e| assert_eq!(e.name, "f"));
        selinux_dot: b"drwxr-xr-x. 2 root root 6 Apr 11  2018 srv" => (|e| assert_eq!(e.name, "srv"));
        device: b"crw-rw-rw- 1 root root 1, 3 Jan 1 00:00 null" => (|e| {
            assert_eq!(summary(&e), ("null", Kind::Other, None, Some("root"), Some("root")));
        });
        device_one_token: b"crw-------   1 root     sys      109,767 Jul  2  2004 pci@1c,600000:devctl" => (|e| {
            assert_eq!(summary(&e), ("pci@1c,600000:devctl", Kind::Other, None, Some("root"), Some("sys")));
        });
        block_device_with_size: b"brw-r--r--   1 ftp      nogroup    126552 Jan 22  2001 zxJDBC-1.2.4.zip" => (|e| {
            assert_eq!((e.kind, e.size), (Kind::Other, Some(126552)));
        });
        spaces_in_name: b"drwxr-xr-x    3 110      1002            3 Dec 02  2009 spaces   dir   name" => (|e| {
            assert_eq!(e.name, "spaces   dir   name");
        });
        leading_and_trailing_spaces: b"-rwxr-xr-x    3 110      1002            1234567 Dec 02  2009  foo bar " => (|e| {
            assert_eq!(e.name, " foo bar ");
        });
        leading_spaces_kept: b"drwxr-xr-x   2 john smith     group         4096 Mar  2 15:13   zxbox" => (|e| {
            assert_eq!(summary(&e), ("  zxbox", Kind::Dir, Some(4096), Some("john smith"), Some("group")));
        });
        name_like_a_date: b"-r--r--r--    1 23        23         1234567 Jan 1  2000 01 1234 foo.mp3" => (|e| {
            assert_eq!(e.name, "01 1234 foo.mp3");
        });
        year_in_name: b"-rw-r--r--   1 ftpuser  ftpusers 12414535 Mar 17 11:07 test 1999 abc.pdf" => (|e| {
            assert_eq!(summary(&e), ("test 1999 abc.pdf", Kind::File, Some(12414535), Some("ftpuser"), Some("ftpusers")));
        });
        group_with_spaces: b"drwx------ 4 maxm Domain Users 512 Oct 2 10:59 .metadata" => (|e| {
            assert_eq!(summary(&e), (".metadata", Kind::Dir, Some(512), Some("maxm"), Some("Domain Users")));
        });
        owner_and_group_with_spaces: b"drwxr-xr-x   2 john smith     test group         4096 Mar  2 15:13 zxbox" => (|e| {
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("john smith"), Some("test group")));
        });
        cygwin_group: b"-rw-r--r--   1 ftp      group with spaces in it as allowed in cygwin see bug 38634   83853 Jan 22  2001 zxJDBC-1.2.4.tar.gz" => (|e| {
            assert_eq!(e.group.as_deref(), Some("group with spaces in it as allowed in cygwin see bug 38634"));
            assert_eq!(e.size, Some(83853));
        });
        no_link_count: b"drwxr-xr-x               folder        0 Aug 15 05:49 !!!-Tipp des Haus!" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("!!!-Tipp des Haus!", Kind::Dir));
        });
        owner_only: b"-rw-r--r--   1 1        3518644 May 25 12:12 std" => (|e| {
            assert_eq!(summary(&e), ("std", Kind::File, Some(3518644), Some("1"), None));
        });
        link_count_zero: b"-r--------   0 user group     65222236 Feb 24 00:39 RegularFile" => (|e| {
            assert_eq!(summary(&e), ("RegularFile", Kind::File, Some(65222236), Some("user"), Some("group")));
        });
        max_size: b"-rw-r--r--        0   18446744073709551615 18446744073709551615 Nov 16  2006 VIDEO_TS.VOB" => (|e| {
            assert_eq!(e.size, Some(u64::MAX));
        });
        sticky_and_setid: b"drwxrwx--T   7 root   root    4096 May 19 2012 tmp" => (|e| {
            assert_eq!(e.permissions.as_deref(), Some("rwxrwx--T"));
        });
        iso_date: b"-rw-r-----   1 neeme neeme   346 2005-04-08 11:22 services.vsp" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2005-04-08T11:22:00Z");
            assert_eq!(e.name, "services.vsp");
        });
        full_iso_date: b"-rw-r--r-- 1 u g 5 2024-03-29 03:26:00.123456789 +0100 f" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T02:26:00.123456789Z");
            assert_eq!(e.name, "f");
        });
        german: b"-rw-r--r-- 1 u g 5 29. M\xc3\xa4r 03:26 datei" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
        });
        french: "-rw-r--r-- 1 u g 5 févr. 29  2020 fichier".as_bytes() => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2020-02-29T00:00:00Z");
        });
        spanish: b"-rw-r--r-- 1 u g 5 dic 24 10:00 archivo" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2023-12-24T10:00:00Z");
        });
        italian: b"-rw-r--r-- 1 u g 5 giu 14 10:00 file" => (|e| assert_eq!(e.modified.unwrap().month, 6));
        dutch: b"-rw-r--r-- 1 u g 5 mrt 14 10:00 bestand" => (|e| assert_eq!(e.modified.unwrap().month, 3));
        swedish: b"-rw-r--r-- 1 u g 5 okt 14  2019 fil" => (|e| assert_eq!(e.modified.unwrap().month, 10));
        polish: "-rw-r--r-- 1 u g 5 paź 14  2019 plik".as_bytes() => (|e| assert_eq!(e.modified.unwrap().month, 10));
        russian: "-rw-r--r-- 1 пользователь группа 5 мая 14  2019 файл".as_bytes() => (|e| {
            assert_eq!(e.modified.unwrap().month, 5);
            assert_eq!((e.name.as_str(), e.owner.as_deref()), ("файл", Some("пользователь")));
        });
        chinese: "-rwxr-xr-x 2 user group 4096 3月 2 15:13 zxbox".as_bytes() => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-02T15:13:00Z");
        });
        japanese_year: "-rw-rw---- 1 ep1adm sapsys 0 6月 3日 2003年 試験ファイル.csv".as_bytes() => (|e| {
            assert_eq!(e.name, "試験ファイル.csv");
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-06-03T00:00:00Z");
        });
        korean: "-rw-r--r-- 1 u g 5 3월 2일 15:13 파일".as_bytes() => (|e| assert_eq!(e.name, "파일"));
        shift_jis_dates: b"-rw-r--r--   1 root       sys           8473  4\x8c\x8e 18\x93\xfa 2003\x94\x4e file" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-04-18T00:00:00Z");
        });
        vshell: b"-rwxr-xr-x    1 user group        9 Oct 08, 2002 09:47 vshell file" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2002-10-08T09:47:00Z");
            assert_eq!(e.name, "vshell file");
        });
        leading_spaces_on_line: b"    -rw-r--r--+   1 patrick  staff   1057 Dec 11 14:35 LICENSE.txt" => (|e| {
            assert_eq!(summary(&e), ("LICENSE.txt", Kind::File, Some(1057), Some("patrick"), Some("staff")));
        });
        peter_file: b"-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg" => (|e| {
            assert_eq!(summary(&e), ("09.jpg", Kind::File, Some(81975), None, None));
        });
        peter_folder: b"drwxr-xr-x               folder        0 Jan  4 14:51 Alias_to_Steak" => (|e| {
            assert_eq!(summary(&e), ("Alias_to_Steak", Kind::Dir, Some(0), None, None));
        });
        enterprise: b"-C--E-----FTP B QUA1I1      18128       5000000000 Aug 12 13:56 QUADTEST" => (|e| {
            assert_eq!(summary(&e), ("QUADTEST", Kind::File, Some(5_000_000_000), Some("QUA1I1"), Some("18128")));
        });
        invalid_utf8_name: b"-rw-r--r-- 1 u g 5 Mar 29 03:26 caf\xe9" => (|e| {
            assert_eq!((e.name.as_str(), e.name_bytes.as_slice()), ("caf\u{fffd}", &b"caf\xe9"[..]));
        });
        nul_in_name: b"-rw-r--r-- 1 u g 5 Mar 29 03:26 a\0b" => (|e| assert_eq!(e.name_bytes, b"a\0b"));
        eight_letters: b"drw-r--rw   1     root     root         0 Apr 21 19:31 Directory1" => (|e| {
            assert_eq!(summary(&e), ("Directory1", Kind::Dir, Some(0), Some("root"), Some("root")));
            assert_eq!(e.permissions.as_deref(), Some("rw-r--rw"));
        });
        dot_entries: b"drwxr-xr-x    2 1001     1001         4096 Feb 25 19:03 ." => (|e| assert_eq!(e.name, "."));
        iso_date_without_time: b"-rw-r--r-- 1 root root 34304 2019-01-11  k" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("k", Some(34304)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2019-01-11T00:00:00Z");
        });
        // GNU ls 9.1 under other locales (`LC_ALL=xx_XX.UTF-8 ls -l`).
        german_padded_year: "-rw-r--r-- 1 root root    0 13. Mär 2019  old03".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("old03", Some(0)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2019-03-13T00:00:00Z");
        });
        german_recent: b"drwxr-xr-x 2 root root 4096 29. Nov 00:05 dir" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("dir", Kind::Dir));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2023-11-29T00:05:00Z");
        });
        french_padded_month: b"drwxr-xr-x 2 root root 4096 29 nov.  00:05 dir" => (|e| assert_eq!(e.name, "dir"));
        french_full_name: b"-rw-r--r-- 1 root root    0 14 avril  2019 old04" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().month), ("old04", 4));
        });
        italian_dotted_time: b"-rw-r--r-- 1 root root    0 22 nov 00.05 recent" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2023-11-22T00:05:00Z");
        });
        norwegian: b"-rw-r--r-- 1 root root    0 des.  13  2019 old12" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().month), ("old12", 12));
        });
        hungarian_year_first: "-rw-r--r-- 1 root root    0 2019 márc  13 old03".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("old03", Some(0)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2019-03-13T00:00:00Z");
        });
        hungarian_recent: b"drwxr-xr-x 2 root root 4096 nov   29 00.05 dir" => (|e| assert_eq!(e.name, "dir"));
        polish_iso_padded: b"-rw-r--r-- 1 root root    0 2019-02-12  old02" => (|e| {
            assert_eq!(e.name, "old02");
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2019-02-12T00:00:00Z");
        });
        polish_recent: b"drwxr-xr-x 2 root root 4096 11-29 00:05 dir" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2023-11-29T00:05:00Z");
        });
        czech_no_break_space: "drwxr-xr-x 2 root root 4096 29.\u{a0}lis 00.05 dir".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("dir", "2023-11-29T00:05:00Z"));
        });
        czech_old: "-rw-r--r-- 1 root root    0 17.\u{a0}čec  2019 old07".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().month), ("old07", 7));
        });
        finnish: b"-rw-r--r-- 1 root root    0 12. 2.  2019 old02" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("old02", "2019-02-12T00:00:00Z"));
        });
        finnish_recent: b"drwxr-xr-x 2 root root 4096 29.11. 00:05 dir" => (|e| assert_eq!(e.name, "dir"));
        ukrainian: "-rw-r--r-- 1 root root    0 лис 12  2019 old11".as_bytes() => (|e| assert_eq!(e.modified.unwrap().month, 11));
        japanese: "-rw-r--r-- 1 root root    0  3月 13  2019 old03".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("old03", "2019-03-13T00:00:00Z"));
        });
        korean_year_first: "-rw-r--r-- 1 root root    0 2019년  3월 13일 old03".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("old03", "2019-03-13T00:00:00Z"));
        });
        korean_recent: "drwxr-xr-x 2 root root 4096 11월 29일  00:05 dir".as_bytes() => (|e| assert_eq!(e.name, "dir"));
        chinese_joined: "-rw-r--r-- 1 root root    0 2019年12月13日 old12".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("old12", "2019-12-13T00:00:00Z"));
        });
        chinese_recent: "drwxr-xr-x 2 root root 4096 11月29日 00:05 dir".as_bytes() => (|e| assert_eq!(e.name, "dir"));
        euc_kr: b"-rw-r--r-- 1 root root    0 2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("old03", "2019-03-13T00:00:00Z"));
        });
        gbk: b"-rw-r--r-- 1 root root    0 2019\xc4\xea 7\xd4\xc217\xc8\xd5 old07" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2019-07-17T00:00:00Z");
        });
        big5: b"-rw-r--r-- 1 root root    0  7\xa4\xeb 17  2019 old07" => (|e| assert_eq!(e.modified.unwrap().month, 7));
        euc_jp: b"drwxr-xr-x 2 root root 4096 11\xb7\xee 29 00:05 dir" => (|e| assert_eq!(e.name, "dir"));
        koi8_r_read_as_utf8: b"-rw-r--r-- 1 root root    0 \xcd\xc1\xd2 13  2019 old03" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().month), ("old03", 3));
        });
        // Other shapes of the date.
        month_as_number: b"-rw-r--r-- 1 ftp ftp 1234 3 29 03:26 notes.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("notes.txt", Some(1234)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
        });
        numbers_before_a_named_month: b"-rw-r--r-- 1 0 0 3 Mar 29 2020 f" => (|e| {
            assert_eq!((e.size, e.owner.as_deref(), e.group.as_deref()), (Some(3), Some("0"), Some("0")));
        });
        size_like_a_hungarian_year: b"-rw-r--r-- 1 0 0 2019 Feb 12 2020 f" => (|e| {
            assert_eq!((e.size, e.modified.unwrap().year, e.name.as_str()), (Some(2019), 2020, "f"));
        });
        day_month_year: b"-rw-r--r-- 1 ftp ftp 1234 24-04-2003 notes.txt" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-04-24T00:00:00Z");
        });
        year_month_day_dots: b"-rw-r--r-- 1 ftp ftp 1234 2004.07.15 notes.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.modified.unwrap().to_rfc3339().as_str()), ("notes.txt", "2004-07-15T00:00:00Z"));
        });
        day_month_name_year: b"-rw-r--r-- 1 ftp ftp 1234 01-jun-99 notes.txt" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "1999-06-01T00:00:00Z");
        });
        slashed_with_time: b"-rw-r--r-- 1 ftp ftp 1234 24/04/2003 13:45 notes.txt" => (|e| {
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2003-04-24T13:45:00Z");
        });
        // Sizes and columns.
        human_sizes: b"-rw-r--r-- 1 root root  34K Jan 11  2019 k" => (|e| assert_eq!(e.size, Some(34 * 1024)));
        human_sizes_decimal: b"-rw-r--r-- 1 root root 33.5k Jan 11  2019 k" => (|e| assert_eq!(e.size, Some(34304)));
        human_sizes_comma: "-rw-r--r-- 1 root root 1,2M 11. Jan 2019  m".as_bytes() => (|e| {
            assert_eq!((e.name.as_str(), e.size), ("m", Some(1_258_291)));
        });
        human_sizes_giga: b"-rw-r--r-- 1 root root 1.2G Jan 11  2019 iso" => (|e| assert_eq!(e.size, Some(1_288_490_189)));
        group_runs_into_size: b"-rw-r--r--   1 ftpuser  ftpusers12414535 Mar 17 11:07 big.iso" => (|e| {
            assert_eq!((e.owner.as_deref(), e.group.as_deref(), e.size), (Some("ftpuser"), Some("ftpusers"), Some(12414535)));
            assert_eq!(e.name, "big.iso");
        });
        owner_runs_into_size: b"-rw-r--r-- 1 user12345 Mar 17 11:07 f" => (|e| {
            assert_eq!((e.owner.as_deref(), e.group, e.size), (Some("user"), None, Some(12345)));
        });
        slash_after_directory: b"drwxr-xr-x 2 u g 4096 Mar 29 03:26 docs/" => (|e| assert_eq!(e.name, "docs"));
        slash_name_alone: b"drwxr-xr-x 2 u g 4096 Mar 29 03:26 /" => (|e| assert_eq!(e.name, "/"));
        // No date at all.
        no_date: b"-rw-r--r--   1 user  group   1234 notes.txt" => (|e| {
            assert_eq!((e.name.as_str(), e.size, e.modified), ("notes.txt", Some(1234), None));
            assert_eq!((e.owner.as_deref(), e.group.as_deref()), (Some("user"), Some("group")));
        });
        no_date_numeric_ids: b"drwxr-xr-x 2 0 0 4096 pub" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("pub", Kind::Dir, Some(4096)));
        });
        no_date_no_group: b"-rw-r--r-- 1 user 1234 a file" => (|e| {
            assert_eq!((e.name.as_str(), e.owner.as_deref(), e.group), ("a file", Some("user"), None));
        });
        no_date_link: b"lrwxrwxrwx 1 root root 7 bin -> usr/bin" => (|e| {
            assert_eq!((e.name.as_str(), e.target.as_deref()), ("bin", Some("usr/bin")));
        });
        rejects_bad_lines: [
            b"zrwxr-xr-x   2 root     root         4096 Mar  2 15:13 zxbox",
            b"dxrwr-xr-x   2 root     root         4096 Aug 24  2001 zxjdbc",
            b"drwxr-xr-x   2 root     root         4096 Jam  4 00:03 zziplib",
            b"drwxr-xr-x   2 root     99           4096 Feb 23 30:01 zzplayer",
            b"drwxr-xr-x   2 root     root         4096 Aug 36  2001 zztpp",
            b"-rw-r--r--   1 14       staff       80284 Aug 22  zxJDBC-1.2.3.tar.gz",
            b"-rw-r--r--   1 14       staff      119:26 Aug 22  2000 zxJDBC-1.2.3.zip",
            b"-rw-r--r--   1ftp       nogroup    126552 Jan 22  2001 zxJDBC-1.2.4.zip",
            b"-rw-r--r--   1 root     root       111325 Apr -7 18:79 zxJDBC-2.0.1b1.tar.gz",
            b"drwxr-xr-x   2 root     root         4096 Aug 26  201 zztpp",
            b"----rwxr-x   1 PEP      0  xx        422 Mar 24 14:06 readme",
            b"d---rwxr-x   2 PEP      0          45056Mar 24 14:06 zdir2",
            b"drwxrwxr-x 1 root  dialout  4096 Nov 31 2018 provola",
            b"-rw-r--r-- 1 u g 18446744073709551616 Mar 29 03:26 too-big",
            b"-rw-r--r-- 1 u g 5 Mar 29 03:26",
            b"-rw-r--r-- 1 u g 5 Mar 29 03:26 ",
            b"-rw-r--r-- 1 u g 5 Mar 29 03:26x",
            b"-rw-r--r--",
            b"-rw-r--r-",
            b"-",
            b"",
            b"          ",
            b"-rw-r--r--x 1 u g 5 Mar 29 03:26 f",
            b"d [R----F--] supervisor            512       Jan 16 18:53    login",
            b"-C--E-----FTP BB QUA1I1 18128 41 Aug 12 13:56 QUADTEST",
            b"drwxr-xr-x   2 root     root         4096 Aug 26  20 zztpp",
            b"-rw-r--r--   1 root     root       190144 2001-04-27 zxJDBC-2.0.1b1.zip",
            b"drwxr-xr-x    3 110      1002            3 Dec 02  209 pub",
            b"drwxr-xr-x   2 root     99           4096Feb 23 30:01 zzplayer",
            b"-rw-r--r-- 1 u g 1234",
            b"-rw-r--r-- 1 u g 1234 ",
            b"-rw-r--r-- 1 u g notes.txt",
            b"-rw-r--r-- 1 u g 1234 2024-01-01 10:00",
            b"-rw-r--r-- 1 u g 1234 name 10:00 x",
        ] => None;
    }

    #[test]
    fn truncations_never_panic() {
        let line = "crw-rw-rw-+ 1 пользователь root 1, 3 3月 2日 15:13 null -> x".as_bytes();
        for cut in 0..=line.len() {
            let _ = p(&line[..cut]);
        }
        let many = [b"-rw-r--r-- 1 ".to_vec(), b"a ".repeat(200), b"5 Mar 29 03:26 f".to_vec()].concat();
        assert!(p(&many).is_none());
    }
}
