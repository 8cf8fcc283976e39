//! Unix `ls -l` lines and the servers that imitate them.
//!
//! `drwxr-xr-x  2 owner group  4096 Mar 29 03:26 name`, with the variants met in the
//! wild: leading spaces; permissions missing their last letter; an ACL or attribute mark after the permissions (`+`, `@`, `.`),
//! even glued to the link count (`drwxr-x---+1464`); no link count; no group; numeric
//! ids; owner and group names with spaces (`Domain Users`, told apart by runs of two or
//! more spaces); device numbers instead of a size (`1, 3`, `109,767`); symlinks
//! `a -> b`; names with leading, trailing and inner spaces; sizes up to `u64::MAX`; and
//! every date form [`unix_date`] reads.
//!
//! The date is found by scanning: the first token after a number (the size) where a
//! date starts. The name is everything after the date and one separator.
//!
//! Two relatives are read here too: MacOS "Peter" (NetPresenz), whose files show three
//! numbers `resource data total` and whose folders show `folder count`, and
//! Connect:Enterprise (`-C--E-----FTP B OWNER  GROUP  SIZE date name`).

use super::Parts;
use super::scan::{Tokens, all_digits, is_blank, next_token, parse_u64, rest, slice, unix_date};
use crate::{Entry, Kind, ParseOptions};

/// The most tokens looked at between the permissions and the date.
const MAX_TOKENS: usize = 32;

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
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

    // Tokens up to the date; the token before the date is the size.
    let mut toks = [(0usize, 0usize); MAX_TOKENS];
    let mut n = 0;
    let mut tokens = Tokens::new(line, pos);
    let tok = |toks: &[(usize, usize); MAX_TOKENS], i: usize| {
        toks.get(i).map(|&(s, e)| slice(line, s, e)).unwrap_or_default()
    };
    let (modified, date_end) = loop {
        let (s, e) = tokens.next()?;
        *toks.get_mut(n)? = (s, e);
        n += 1;
        if n >= 2
            && size_like(tok(&toks, n - 2), kind)
            && let Some(found) = unix_date(line, s, &o.now)
        {
            break found;
        }
    };
    let size_idx = n - 2;
    let size_tok = tok(&toks, size_idx);

    // The size, or device numbers (`1, 3` or `109,767`) that stand in its place.
    let (size, region_end) = if size_tok.contains(&b',') {
        (None, size_idx)
    } else if kind == Kind::Other
        && size_idx >= 1
        && tok(&toks, size_idx - 1).strip_suffix(b",").is_some_and(all_digits)
    {
        (None, size_idx - 1)
    } else {
        (Some(parse_u64(size_tok)?), size_idx)
    };

    // Link count, owner and group.
    let first = tok(&toks, 0);
    let has_links = !enterprise && region_end > 0 && all_digits(first);
    if region_end > 0 && !has_links && first.first().is_some_and(u8::is_ascii_digit) {
        // `1ftp`: a link count glued to the owner.
        return None;
    }
    let region_start = usize::from(has_links);
    let peter = !enterprise && is_peter(&toks, size_idx, line, kind);
    let (owner, group) = if peter || region_start >= region_end {
        (None, None)
    } else {
        let (rs, _) = *toks.get(region_start)?;
        let (_, re) = *toks.get(region_end - 1)?;
        let (owner, group) = owner_and_group(slice(line, rs, re))?;
        (Some(owner), group)
    };

    // The name: after the date and one separator.
    if !line.get(date_end).is_some_and(|&b| is_blank(b)) {
        return None;
    }
    let name = rest(line, date_end + 1);
    if name.is_empty() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    if kind == Kind::Link
        && let Some(arrow) = name.windows(4).position(|w| w == b" -> ")
        && arrow > 0
    {
        parts.name = slice(name, 0, arrow);
        parts.target = Some(rest(name, arrow + 4));
    }
    parts.size = size;
    parts.modified = Some(modified);
    parts.permissions = Some(slice(line, perm_start, perm_end));
    parts.owner = owner;
    parts.group = group;
    Some(parts.build(line, o.encoding))
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

/// A size, or device numbers when the entry is a device.
fn size_like(t: &[u8], kind: Kind) -> bool {
    all_digits(t)
        || kind == Kind::Other && {
            let mut halves = t.splitn(2, |&b| b == b',');
            halves.next().is_some_and(all_digits) && halves.next().is_some_and(all_digits)
        }
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
        parse(line, &options())
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
        rejects_bad_lines: [
            b"zrwxr-xr-x   2 root     root         4096 Mar  2 15:13 zxbox",
            b"dxrwr-xr-x   2 root     root         4096 Aug 24  2001 zxjdbc",
            b"drwxr-xr-x   2 root     root         4096 Jam  4 00:03 zziplib",
            b"drwxr-xr-x   2 root     99           4096 Feb 23 30:01 zzplayer",
            b"drwxr-xr-x   2 root     root         4096 Aug 36  2001 zztpp",
            b"-rw-r--r--   1 14       staff       80284 Aug 22  zxJDBC-1.2.3.tar.gz",
            b"-rw-r--r--   1 14       staff      119:26 Aug 22  2000 zxJDBC-1.2.3.zip",
            b"-rw-r--r--   1ftp       nogroup    126552 Jan 22  2001 zxJDBC-1.2.4.zip",
            b"-rw-r--r--   1 root     root       190144 2001-04-27 zxJDBC-2.0.1b1.zip",
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
