//! The listing parsers on arbitrary bytes.

use ftpbridge_listing::{
    DateTime, Encoding, Entry, LineSplitter, ListingParser, ParseOptions, parse_mlsx_line,
};

fn check(entry: &Entry, encoding: Encoding) {
    assert!(!entry.name_bytes.is_empty(), "an entry without a name: {entry:?}");
    assert_eq!(entry.name, encoding.decode(&entry.name_bytes), "{entry:?}");
    if let (Some(target), Some(bytes)) = (&entry.target, &entry.target_bytes) {
        assert_eq!(*target, encoding.decode(bytes));
    }
    if let Some(modified) = entry.modified {
        assert!((1..=12).contains(&modified.month) && (1..=31).contains(&modified.day), "{entry:?}");
    }
}

/// Arbitrary bytes, cut into chunks, through `LineSplitter` and then the
/// auto-detecting parser, the MLSD parser and `parse_mlsx_line`, in UTF-8 and in a
/// legacy encoding. Nothing may panic, every entry has a name, and a name is its
/// bytes decoded.
pub fn listing_line(data: &[u8]) {
    let Some((&control, data)) = data.split_first() else { return };
    let chunk = usize::from(control & 0x3f) + 1;
    let encoding = if control & 0x40 == 0 {
        Encoding::UTF_8
    } else {
        Encoding::for_label("shift_jis").unwrap_or(Encoding::UTF_8)
    };
    let now = if control & 0x80 == 0 {
        DateTime::from_unix_seconds(1_700_000_000)
    } else {
        DateTime::from_unix_seconds(951_782_400) // 2000-02-29
    };
    let options = ParseOptions { now, encoding };
    let mut auto = ListingParser::new(options);
    let mut mlsd = ListingParser::mlsd(options);
    let mut splitter = LineSplitter::new();
    let mut line = |line: &[u8]| {
        for entry in
            [auto.parse_line(line), mlsd.parse_line(line), parse_mlsx_line(line, &options)].iter().flatten()
        {
            check(entry, encoding);
        }
    };
    for piece in data.chunks(chunk) {
        splitter.push(piece, &mut line);
    }
    splitter.finish(&mut line);
    while let Some(entry) = auto.finish() {
        check(&entry, encoding);
    }
    while let Some(entry) = mlsd.finish() {
        check(&entry, encoding);
    }
}

/// One line of every listing dialect the parser reads (and the headers that put a
/// listing in a mode), for [`listing_dialects`] to mutate: random bytes alone seldom
/// reach past the first check of any dialect.
pub const DIALECT_SEEDS: &[&[u8]] = &[
    b"type=file;size=8192;modify=20181105163248.5;unix.mode=0644;UNIX.owner=0; a b.txt",
    b"type=dir;;perm=;sizd=;x.unknown=1\tempty facts",
    b"lrwxrwxrwx+  1 root     other          7 Jan 25 00:17 bin -> usr/bin",
    b"crw-rw-rw- 1 root root 1, 3 Jan 1 00:00 null",
    b"-rw-r--r-- 1 root root    0 13. M\xc3\xa4r 2019  old03",
    b"-rw-r--r-- 1 root root    0 2019 m\xc3\xa1rc  13 old03",
    b"drwxr-xr-x 2 root root 4096 29.\xc2\xa0lis 00.05 dir",
    b"-rw-r--r-- 1 root root    0 2019\xe5\xb9\xb412\xe6\x9c\x8813\xe6\x97\xa5 old12",
    b"-rw-r--r-- 1 root root    0 2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03",
    b"-rw-r--r-- 1 root root 1,2M 11. Jan 2019  m",
    b"-rw-r--r-- 1 ftp ftp 1234 3 29 03:26 notes.txt",
    b"-rw-r--r-- 1 ftp ftp 1234 01-jun-99 c",
    b"-rw-r--r--   1 ftpuser  ftpusers12414535 Mar 17 11:07 big.iso",
    b"-rw-r--r--   1 user  group   1234 nodate.txt",
    b"-rwxr-xr-x    1 user group        9 Oct 08, 2002 09:47 vshell file",
    b"-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg",
    b"-C--E-----FTP B QUA1I1      18128       5000000000 Aug 12 13:56 QUADTEST",
    b"100644 1000 100 1234 1711682760 notes.txt",
    b"03-29-24  03:26PM            1,234,567 name.txt",
    b"29.03.2024  15:26    <DIR>          Bilder",
    b"+i8388621.44468,m839956783,r,s10376,up644,\tRFCEPLF",
    b"Directory DISK$USER:[ME]",
    b"1-JUN.LIS;1  9/9  2-JUN-1998 07:32:04.50  [GROUP,OWNER]  (RWED,RWED,RW,R)",
    b"LOGIN.COM  2/3  29-MAR-2024 03:26:00  [ADMIN]  (RWED,RWED,RE,)",
    b"UCX$REXECD_STARTUP.LOG;1098",
    b"                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)",
    b"587823    RSA    DIR   01-08-97   13:58  OS2KRNL",
    b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/",
    b"             5263360 06/11/97 12:27:39 *FILE      BPTFSAVF",
    b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
    b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704",
    b"CPDLB1 2008/11/11  1    2  FB      80  3120  PO    ISPF.ISPPROF",
    b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id",
    b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
    b"IEFBR14   000018 000009          00 FO             RN RU      31    ANY",
    b"IBMUSER1  JOB01906  OUTPUT    3 Spool Files",
    b"PROFILE  EXEC     A1 V         71         15          1 2024-03-29 10:40:14 TCM191",
    b"d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites",
    b"File         Code             EOF   Last Modification    Owner  RWEP",
    b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"",
    b"  size          date       time       name",
    b"       512    JUL-17-2006  10:02:46   NVRAM          <DIR>",
    b"  206876  Apr 04, 2000 21:06 Report (Old).txt",
    b"  0.0     87/07/06 1135  d-ewrewr    1ad      1920 CMDS",
    b"total 1.2M",
];

/// A seed line of [`DIALECT_SEEDS`] (chosen by the first byte), edited by the rest of
/// the input two bytes at a time (overwrite, insert, delete, cut, repeat a piece), then
/// parsed alone and after the line before it, in UTF-8 and Shift_JIS, with every check
/// of [`listing_line`]. Each edit keeps the line close to a real one, so the fuzzer
/// reaches every dialect's later fields.
pub fn listing_dialects(data: &[u8]) {
    let Some((&pick, edits)) = data.split_first() else { return };
    let seeds = DIALECT_SEEDS.len();
    let index = usize::from(pick) % seeds;
    let mut line = DIALECT_SEEDS[index].to_vec();
    for edit in edits.chunks_exact(2).take(64) {
        let (op, value) = (edit[0], edit[1]);
        let at = if line.is_empty() { 0 } else { usize::from(value) * 7 % line.len() };
        match op % 6 {
            0 if !line.is_empty() => line[at] = value,
            1 => line.insert(at.min(line.len()), op),
            2 if !line.is_empty() => {
                line.remove(at);
            }
            3 => line.truncate(at),
            4 if !line.is_empty() => {
                let end = (at + usize::from(op % 9) + 1).min(line.len());
                let piece = line[at..end].to_vec();
                line.splice(at..at, piece);
            }
            _ => line.insert(at.min(line.len()), b"0:.-/ \t;=,[(*"[usize::from(value) % 13]),
        }
        line.truncate(4096);
    }
    let previous = DIALECT_SEEDS[(index + seeds - 1) % seeds];
    let mut listing = previous.to_vec();
    listing.extend_from_slice(b"\r\n");
    listing.extend_from_slice(&line);
    for encoding in [Encoding::UTF_8, Encoding::for_label("shift_jis").unwrap_or(Encoding::UTF_8)] {
        let options = ParseOptions { now: DateTime::from_unix_seconds(1_700_000_000), encoding };
        for input in [&line[..], &listing[..]] {
            for mut parser in [ListingParser::new(options), ListingParser::mlsd(options)] {
                let mut splitter = LineSplitter::new();
                let mut each = |l: &[u8]| {
                    if let Some(entry) = parser.parse_line(l) {
                        check(&entry, encoding);
                    }
                };
                splitter.push(input, &mut each);
                splitter.finish(&mut each);
                while let Some(entry) = parser.finish() {
                    check(&entry, encoding);
                }
            }
            if let Some(entry) = parse_mlsx_line(&line, &options) {
                check(&entry, encoding);
            }
        }
    }
}
