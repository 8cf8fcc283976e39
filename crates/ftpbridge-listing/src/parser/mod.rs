//! Line splitting, format detection and the per-format parsers.
//!
//! [`ListingParser`] takes one line at a time. Until it has seen an entry it tries every
//! format in the order of [`DETECTION_ORDER`]; the first format that accepts a line
//! becomes the listing's format and is tried first for every later line, the others
//! still being tried for a line it rejects. A line no format accepts comes back as
//! [`Kind::Unknown`], never dropped.
//!
//! Each format lives in its own module with its test vectors at the bottom.

use std::collections::VecDeque;

use crate::{DateTime, Encoding, Entry, Kind};

mod dos;
mod eplf;
mod lines;
mod mlsx;
mod months;
mod mvs;
mod netware;
mod noise;
mod numeric;
mod os2;
mod os400;
mod os9;
pub(crate) mod scan;
mod tandem;
mod unix;
mod unix_date;
mod vms;
mod vshell;
mod vxworks;
mod zvm;

pub use lines::LineSplitter;

/// What a parser needs besides the line.
#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// The current date and time, to infer the year of lines dated without one (see the
    /// crate documentation for the rule).
    pub now: DateTime,
    /// The encoding of names.
    pub encoding: Encoding,
}

/// The listing formats this crate understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListingFormat {
    /// RFC 3659 machine listing facts (MLSD, MLST).
    Mlsx,
    /// Unix `ls -l` and its variants (no group, numeric ids, ACL marks, devices,
    /// localised and ISO dates; MacOS "Peter" and Connect:Enterprise too).
    Unix,
    /// MS-DOS style as IIS and Windows CE print it: `03-29-24  03:26PM  <DIR>  name`.
    Dos,
    /// Easily Parsed LIST Format: `+i8388621.29609,m824255902,/,\tdev`.
    Eplf,
    /// OpenVMS `DIRECTORY/SIZE/DATE/OWNER/PROTECTION`.
    Vms,
    /// OS/2: `  1234  A  03-29-24  03:26  name`.
    Os2,
    /// IBM i (OS/400): `OWNER  1234 03/29/24 03:26:00 *STMF  name`.
    Os400,
    /// IBM z/OS (MVS): data sets, partitioned data set members and JES jobs.
    Mvs,
    /// Novell NetWare: `d [RWCEAFMS] owner  512 Mar 29 03:26 name`.
    NetWare,
    /// HP NonStop (Tandem) Guardian: `NAME  101  1234  29-Mar-24 03:26:00  255,1 "oooo"`.
    Tandem,
    /// Unix `stat` as numbers, from embedded servers: `100644 0 0 1234 1711682760 name`.
    NumericUnix,
    /// IBM z/VM CMS files: `PROFILE  EXEC  A1 V  71  15  1 2024-03-29 10:40:14 TCM191`.
    ZVm,
    /// VxWorks and Nortel routers: `512  JUL-17-2006  10:02:46  NVRAM  <DIR>`.
    VxWorks,
    /// VShell's older Windows layout: `206876  Apr 04, 2000 21:06 name`.
    VShell,
    /// OS-9 `dir -e`: `0.0  87/07/06 1135  d-ewrewr  1ad  1920 CMDS`.
    Os9,
}

/// The order in which formats are tried on a listing whose format is not known yet.
/// Each parser rejects early on the first bytes of a line that is not its own, so the
/// order matters only for lines two formats could both read.
pub const DETECTION_ORDER: [ListingFormat; 15] = [
    ListingFormat::Mlsx,
    ListingFormat::Unix,
    ListingFormat::Dos,
    ListingFormat::Vms,
    ListingFormat::Eplf,
    ListingFormat::Os2,
    ListingFormat::Os400,
    ListingFormat::NetWare,
    ListingFormat::Mvs,
    ListingFormat::Tandem,
    ListingFormat::NumericUnix,
    ListingFormat::ZVm,
    ListingFormat::VxWorks,
    ListingFormat::VShell,
    ListingFormat::Os9,
];

/// Parses the lines of one listing, remembering the format it detected.
///
/// Feed it the lines of one listing in order (a [`LineSplitter`] makes lines of a
/// byte stream), then call [`ListingParser::finish`] until it returns `None`: a VMS
/// entry wrapped onto two lines is held back until its second line arrives, so the
/// last line of a truncated listing may still be pending.
#[derive(Clone, Debug)]
pub struct ListingParser {
    options: ParseOptions,
    format: Option<ListingFormat>,
    /// Lines without facts are MLSD entries (the parser was made for MLSD output).
    mlsd: bool,
    /// Which kind of z/OS listing the last header announced.
    mvs: mvs::Mode,
    /// What earlier lines showed that helps read an ambiguous one (date order).
    hints: unix_date::Hints,
    /// A VMS name whose details are on the next line.
    held: Option<Vec<u8>>,
    /// Entries ready to return (only ever more than none after a held line turned out
    /// not to be continued).
    queue: VecDeque<Entry>,
}

impl ListingParser {
    /// A parser that detects the format from the lines.
    pub fn new(options: ParseOptions) -> Self {
        ListingParser {
            options,
            format: None,
            mlsd: false,
            mvs: mvs::Mode::Datasets,
            hints: unix_date::Hints::default(),
            held: None,
            queue: VecDeque::new(),
        }
    }

    /// A parser for MLSD output. It still falls back to the other formats for a line
    /// that holds no facts, for servers that answer MLSD with a `LIST` listing; a line
    /// without facts that no format reads is an MLSD entry named by the rest of it.
    pub fn mlsd(options: ParseOptions) -> Self {
        ListingParser { format: Some(ListingFormat::Mlsx), mlsd: true, ..ListingParser::new(options) }
    }

    /// The format detected so far.
    pub fn format(&self) -> Option<ListingFormat> {
        self.format
    }

    /// Parses one line (without its line ending). `None` for lines that hold no entry
    /// (blank lines, `total 12`, headers such as VMS `Directory DISK$USER:[ME]`) and for
    /// the first line of a VMS entry wrapped onto two lines, which comes back with the
    /// second. Any other line gives an entry: one no format understands comes back with
    /// [`Kind::Unknown`] and its raw text.
    pub fn parse_line(&mut self, line: &[u8]) -> Option<Entry> {
        if let Some(held) = self.held.take() {
            if line.first().is_some_and(|&b| scan::is_blank(b))
                && let Some(entry) = vms::parse_wrapped(&held, line, &self.options)
            {
                self.format.get_or_insert(ListingFormat::Vms);
                return self.emit(Some(entry));
            }
            self.queue.push_back(Entry::unknown(&held, self.options.encoding));
        }
        let entry = self.parse_fresh(line);
        self.emit(entry)
    }

    /// Returns what is still pending at the end of a listing: call it until it gives
    /// `None`. A held VMS name line that was never continued comes back as
    /// [`Kind::Unknown`].
    pub fn finish(&mut self) -> Option<Entry> {
        if let Some(entry) = self.queue.pop_front() {
            return Some(entry);
        }
        self.held.take().map(|held| Entry::unknown(&held, self.options.encoding))
    }

    fn emit(&mut self, entry: Option<Entry>) -> Option<Entry> {
        if self.queue.is_empty() {
            return entry;
        }
        self.queue.extend(entry);
        self.queue.pop_front()
    }

    fn parse_fresh(&mut self, line: &[u8]) -> Option<Entry> {
        let start = scan::skip_blanks(line, 0);
        if start == line.len() {
            return None;
        }
        if let Some(noise) = noise::noise(line, self.options.encoding) {
            use noise::Noise;
            match noise {
                Noise::Total => {}
                Noise::Header(format) => {
                    self.format.get_or_insert(format);
                }
                Noise::Vms => {
                    self.format.get_or_insert(ListingFormat::Vms);
                }
                Noise::Mvs(mode) => {
                    self.mvs = mode;
                    self.format.get_or_insert(ListingFormat::Mvs);
                }
                Noise::Tandem => {
                    self.format.get_or_insert(ListingFormat::Tandem);
                }
            }
            return None;
        }
        if matches!(self.format, None | Some(ListingFormat::Vms)) && vms::is_wrapped_name(line) {
            self.held = Some(line.to_vec());
            return None;
        }
        if let Some(preferred) = self.format
            && let Some(entry) = self.try_format(preferred, line)
        {
            return Some(entry);
        }
        for format in DETECTION_ORDER {
            if Some(format) == self.format {
                continue;
            }
            if let Some(entry) = self.try_format(format, line) {
                self.format.get_or_insert(format);
                return Some(entry);
            }
        }
        // An MLSD line without facts (` name`) only when no format reads the line: a
        // server that answers MLSD with an indented `LIST` listing is likelier.
        if self.mlsd
            && let Some(entry) = mlsx::parse(line, &self.options, true)
        {
            return Some(entry);
        }
        Some(Entry::unknown(line, self.options.encoding))
    }

    fn try_format(&self, format: ListingFormat, line: &[u8]) -> Option<Entry> {
        let o = &self.options;
        match format {
            ListingFormat::Mlsx => mlsx::parse(line, o, false),
            ListingFormat::Unix => unix::parse(line, o, &self.hints),
            ListingFormat::Dos => dos::parse(line, o),
            ListingFormat::Eplf => eplf::parse(line, o),
            ListingFormat::Vms => vms::parse(line, o),
            ListingFormat::Os2 => os2::parse(line, o),
            ListingFormat::Os400 => os400::parse(line, o),
            ListingFormat::Mvs => mvs::parse(line, o, self.mvs),
            ListingFormat::NetWare => netware::parse(line, o),
            ListingFormat::Tandem => tandem::parse(line, o),
            ListingFormat::NumericUnix => numeric::parse(line, o),
            ListingFormat::ZVm => zvm::parse(line, o),
            ListingFormat::VxWorks => vxworks::parse(line, o),
            ListingFormat::VShell => vshell::parse(line, o),
            ListingFormat::Os9 => os9::parse(line, o),
        }
    }
}

/// Parses one MLSD/MLST line (`fact=value;fact=value; name`). `None` when the line is
/// not one: facts that do not end in `;`, a fact without `=`, a malformed `size`,
/// `modify` or `unix.mode`, an unknown `type`, or no name.
pub fn parse_mlsx_line(line: &[u8], options: &ParseOptions) -> Option<Entry> {
    mlsx::parse(line, options, true)
}

/// The parts of an entry a format parser found, borrowed from the line.
#[derive(Clone, Debug)]
pub(crate) struct Parts<'a> {
    pub name: &'a [u8],
    pub kind: Kind,
    pub size: Option<u64>,
    pub modified: Option<DateTime>,
    pub permissions: Option<&'a [u8]>,
    pub owner: Option<&'a [u8]>,
    pub group: Option<&'a [u8]>,
    pub target: Option<&'a [u8]>,
}

impl<'a> Parts<'a> {
    /// An entry with only a name and a kind so far.
    pub fn new(name: &'a [u8], kind: Kind) -> Self {
        Parts {
            name,
            kind,
            size: None,
            modified: None,
            permissions: None,
            owner: None,
            group: None,
            target: None,
        }
    }

    /// The entry, with names decoded by `encoding` and `raw` the whole line.
    pub fn build(&self, raw: &[u8], encoding: Encoding) -> Entry {
        // The common case: a UTF-8 line that is valid as a whole. It is checked once and
        // the fields are cut from it (they are borrowed from `raw`, so their place in
        // it is known); only a field that is not part of `raw` is decoded on its own.
        if encoding.is_utf8()
            && let Ok(line) = std::str::from_utf8(raw)
        {
            let text = |b: &[u8]| match within(raw, b).and_then(|r| line.get(r)) {
                Some(s) => s.to_owned(),
                None => encoding.decode(b).into_owned(),
            };
            return self.entry(line.to_owned(), text);
        }
        self.entry(encoding.decode(raw).into_owned(), |b| encoding.decode(b).into_owned())
    }

    fn entry(&self, raw: String, text: impl Fn(&[u8]) -> String) -> Entry {
        Entry {
            name: text(self.name),
            kind: self.kind,
            size: self.size,
            modified: self.modified,
            permissions: self.permissions.map(&text),
            owner: self.owner.map(&text),
            group: self.group.map(&text),
            target: self.target.map(&text),
            raw,
            name_bytes: self.name.to_vec(),
            target_bytes: self.target.map(<[u8]>::to_vec),
        }
    }
}

/// Where `part` lies within `whole`, when it is a sub-slice of it.
fn within(whole: &[u8], part: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(start..end)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the parsers' test vectors.

    use super::ParseOptions;
    use crate::{DateTime, Encoding};

    /// Options with `now` at 2024-06-15T12:00:00Z and UTF-8 names.
    pub fn options() -> ParseOptions {
        ParseOptions { now: DateTime::new(2024, 6, 15, 12, 0, 0).unwrap(), encoding: Encoding::UTF_8 }
    }

    /// Declares tests of one parse function: `name: b"line" => (|entry| checks)` for a
    /// line it must accept, `name: [b"line", ...] => None` for lines it must reject.
    macro_rules! vectors {
        ($parse:expr; $($name:ident: $line:expr => $check:tt;)*) => {$(
            vectors!(@one $parse, $name, $line, $check);
        )*};
        (@one $parse:expr, $name:ident, $lines:expr, None) => {
            #[test]
            fn $name() {
                let lines: &[&[u8]] = &$lines;
                for &line in lines {
                    let got = ($parse)(line);
                    assert!(got.is_none(), "{:?} should be rejected, got {:?}", String::from_utf8_lossy(line), got);
                }
            }
        };
        (@one $parse:expr, $name:ident, $line:expr, (|$e:ident| $body:expr)) => {
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let $e = ($parse)(line)
                    .unwrap_or_else(|| panic!("{:?} should parse", String::from_utf8_lossy(line)));
                $body
            }
        };
    }
    pub(crate) use vectors;
}

#[cfg(test)]
mod tests {
    use super::testing::options;
    use super::*;

    fn parse_all(parser: &mut ListingParser, listing: &[u8]) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut splitter = LineSplitter::new();
        splitter.push(listing, |line| out.extend(parser.parse_line(line)));
        splitter.finish(|line| out.extend(parser.parse_line(line)));
        while let Some(e) = parser.finish() {
            out.push(e);
        }
        out
    }

    fn names(entries: &[Entry]) -> Vec<(&str, Kind)> {
        entries.iter().map(|e| (e.name.as_str(), e.kind)).collect()
    }

    #[test]
    fn detects_unix_and_skips_totals() {
        let mut p = ListingParser::new(options());
        let listing =
            b"total 12\r\ndrwxr-xr-x 2 a b 4096 Mar 29 03:26 dir\r\n-rw-r--r-- 1 a b 5 Mar 29 2020 f\r\n\r\n";
        let entries = parse_all(&mut p, listing);
        assert_eq!(names(&entries), [("dir", Kind::Dir), ("f", Kind::File)]);
        assert_eq!(p.format(), Some(ListingFormat::Unix));
    }

    #[test]
    fn unknown_lines_are_kept() {
        let mut p = ListingParser::new(options());
        let entries = parse_all(&mut p, b"hello world\n-rw-r--r-- 1 a b 5 Mar 29 2020 f\n\xff\x00\n");
        assert_eq!(
            names(&entries),
            [("hello world", Kind::Unknown), ("f", Kind::File), ("\u{fffd}\0", Kind::Unknown)]
        );
        assert_eq!(entries[2].name_bytes, b"\xff\x00");
    }

    #[test]
    fn preferred_format_falls_back() {
        let mut p = ListingParser::new(options());
        let entries = parse_all(
            &mut p,
            b"-rw-r--r-- 1 a b 5 Mar 29 2020 f\n03-29-24  03:26PM       <DIR>          d\ntype=file;size=3; m\n",
        );
        assert_eq!(names(&entries), [("f", Kind::File), ("d", Kind::Dir), ("m", Kind::File)]);
        assert_eq!(p.format(), Some(ListingFormat::Unix));
    }

    #[test]
    fn mlsd_parser_reads_lines_without_facts() {
        let mut p = ListingParser::mlsd(options());
        let e = p.parse_line(b" /no/facts").unwrap();
        assert_eq!(e.name, "/no/facts");
        let mut auto = ListingParser::new(options());
        assert_eq!(auto.parse_line(b" /no/facts").unwrap().kind, Kind::Unknown);
        assert_eq!(p.parse_line(b"-rw-r--r-- 1 a b 5 Mar 29 2020 f").unwrap().kind, Kind::File);
        let e = p.parse_line(b" drwxr-xr-x+ 2 a b 5 Mar 29 2020 indented").unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("indented", Kind::Dir));
    }

    #[test]
    fn vms_wrapped_entries() {
        let listing = b"Directory USER1:[TEMP]\r\n\r\nUCX$REXECD_STARTUP.LOG;1098\r\n                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)\r\nA.DIR;1  1/9  2-JUN-1998 07:32:04  [G,O]  (RWED,RWED,RE,)\r\n\r\nTotal of 2 files, 5/24 blocks.\r\n";
        let mut p = ListingParser::new(options());
        let entries = parse_all(&mut p, listing);
        assert_eq!(names(&entries), [("UCX$REXECD_STARTUP.LOG;1098", Kind::File), ("A", Kind::Dir)]);
        assert_eq!(entries[0].size, Some(4 * 512));
        assert_eq!(p.format(), Some(ListingFormat::Vms));
    }

    #[test]
    fn vms_name_without_continuation_is_not_lost() {
        let mut p = ListingParser::new(options());
        let entries =
            parse_all(&mut p, b"Directory X:[Y]\nA.TXT;1\nB.TXT;1  1/9  2-JUN-1998 07:32:04\nC.TXT;2\n");
        assert_eq!(
            names(&entries),
            [("A.TXT;1", Kind::Unknown), ("B.TXT;1", Kind::File), ("C.TXT;2", Kind::Unknown)]
        );
        // Without finish() the last held line is still pending.
        let mut p = ListingParser::new(options());
        assert!(p.parse_line(b"A.TXT;1").is_none());
        assert_eq!(p.parse_line(b"").unwrap().name, "A.TXT;1");
        assert!(p.finish().is_none());
    }

    #[test]
    fn mvs_member_lists_follow_their_header() {
        let mut p = ListingParser::new(options());
        let listing = b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id\n\
SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001\n\
SAVE04                                                              \n";
        let entries = parse_all(&mut p, listing);
        assert_eq!(names(&entries), [("SAVE03", Kind::File), ("SAVE04", Kind::File)]);
        assert_eq!(p.format(), Some(ListingFormat::Mvs));
    }

    #[test]
    fn blank_lines_hold_nothing() {
        let mut p = ListingParser::new(options());
        for line in [&b""[..], b" ", b"\t \t", b"      "] {
            assert!(p.parse_line(line).is_none());
        }
    }

    #[test]
    fn hostile_lines_never_panic() {
        let mut p = ListingParser::new(options());
        let long = vec![b'9'; 100_000];
        let samples: [&[u8]; 14] = [
            b"\0\0\0",
            b"-",
            b"d",
            b"drwxr-xr-x",
            b"drwxr-xr-x+",
            b"-rw-r--r-- 1 a b 99999999999999999999999 Mar 29 03:26 f",
            b"type=",
            b";",
            b"=;",
            b"+",
            b"+\t",
            b"03-29-24",
            b"A;1",
            &long,
        ];
        for line in samples {
            let _ = p.parse_line(line);
            let _ = ListingParser::mlsd(options()).parse_line(line);
            let _ = parse_mlsx_line(line, &options());
            for cut in 0..line.len().min(64) {
                let _ = ListingParser::new(options()).parse_line(&line[..cut]);
            }
        }
        while p.finish().is_some() {}
    }

    /// Lines of 200,000 repeated pieces in the shapes of every format: each must be read
    /// (or rejected) in time linear in its length.
    #[test]
    fn long_lines_stay_linear() {
        let pieces: &[(&[u8], &[u8], &[u8])] = &[
            (b"", b"1 ", b""),
            (b"-rw-r--r-- ", b"1 ", b"Mar 29 03:26 f"),
            (b"-rw-r--r-- 1 u g 5 ", b"Mar 29 ", b""),
            (b"-rw-r--r-- 1 ", b"3 4 ", b""),
            (b"-rw-r--r-- 1 u g 5 Mar 29 03:26 ", b" -> ", b""),
            (b"-rw-r--r-- 1 u g ", "2019年".as_bytes(), b""),
            (b"-rw-r--r-- 1 u g 0 ", "29.\u{a0}".as_bytes(), b"lis 00.05 x"),
            (b"A.TXT;1 ", b"1/2 ", b"29-MAR-2024"),
            (b"A.TXT;1 1 29-MAR-2024 ", b"(RWED,RWED,RE,) ", b""),
            (b"type=", b"a=b;", b" x"),
            (b"+", b"s1,", b"\tx"),
            (b"", b"-- ", b""),
            (b"", b" ", b"x"),
            (b"", b"12-31-2003 ", b""),
            (b"PEP 1 04/03/24 14:06:34 *", b"A", b" x"),
            (b"SAVE01 3390 ", b"1 ", b"PO X"),
            (b"100644 ", b"1 ", b"x"),
            (b"  0.0  87/07/06 1135 ", b"d-ewrewr ", b""),
            (b"512  JUL-17-2006  10:02:46  x", b" ", b"<DIR>"),
            (b"", b"\xff\xfe", b""),
        ];
        let start = std::time::Instant::now();
        for (head, piece, tail) in pieces {
            let line = [head.to_vec(), piece.repeat(200_000), tail.to_vec()].concat();
            let _ = parse_all(&mut ListingParser::new(options()), &line);
            let _ = parse_all(&mut ListingParser::mlsd(options()), &line);
            for format in DETECTION_ORDER {
                let _ = ListingParser::new(options()).try_format(format, &line);
            }
        }
        // Quadratic work on lines this long would take hours; linear takes well under a
        // second even unoptimised.
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "{:?}", start.elapsed());
    }

    /// One line of every format and of the variants each reads.
    const SAMPLES: &[(&[u8], ListingFormat)] = &[
        (
            b"type=file;size=8192;modify=20181105163248.5;unix.mode=0644;UNIX.owner=0; a b.txt",
            ListingFormat::Mlsx,
        ),
        (b"type=file;size=3;modify=20240329032600 no last semicolon", ListingFormat::Mlsx),
        (b"lrwxrwxrwx+  1 root     other          7 Jan 25 00:17 bin -> usr/bin", ListingFormat::Unix),
        (b"crw-rw-rw- 1 root root 1, 3 Jan 1 00:00 null", ListingFormat::Unix),
        ("-rw-rw---- 1 ep1adm sapsys 0 6月 3日 2003年 試験ファイル.csv".as_bytes(), ListingFormat::Unix),
        ("-rw-r--r-- 1 root root    0 13. Mär 2019  old03".as_bytes(), ListingFormat::Unix),
        ("-rw-r--r-- 1 root root    0 2019 márc  13 old03".as_bytes(), ListingFormat::Unix),
        ("drwxr-xr-x 2 root root 4096 29.\u{a0}lis 00.05 dir".as_bytes(), ListingFormat::Unix),
        ("-rw-r--r-- 1 root root    0 2019年12月13日 old12".as_bytes(), ListingFormat::Unix),
        (b"-rw-r--r-- 1 root root    0 2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03", ListingFormat::Unix),
        (b"-rw-r--r-- 1 root root 1,2M 11. Jan 2019  m", ListingFormat::Unix),
        (b"-rw-r--r-- 1 ftp ftp 1234 3 29 03:26 notes.txt", ListingFormat::Unix),
        (b"-rw-r--r-- 1 ftp ftp 1234 01-jun-99 c", ListingFormat::Unix),
        (b"-rw-r--r--   1 ftpuser  ftpusers12414535 Mar 17 11:07 big.iso", ListingFormat::Unix),
        (b"-rw-r--r--   1 user  group   1234 nodate.txt", ListingFormat::Unix),
        (b"-rwxr-xr-x    1 user group        9 Oct 08, 2002 09:47 vshell file", ListingFormat::Unix),
        (b"-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg", ListingFormat::Unix),
        (b"-C--E-----FTP B QUA1I1      18128       5000000000 Aug 12 13:56 QUADTEST", ListingFormat::Unix),
        (b"03-29-24  03:26PM            1,234,567 name.txt", ListingFormat::Dos),
        (b"29.03.2024  15:26    <DIR>          Bilder", ListingFormat::Dos),
        (b"+i8388621.44468,m839956783,r,s10376,up644,\tRFCEPLF", ListingFormat::Eplf),
        (b"1-JUN.LIS;1  9/9  2-JUN-1998 07:32:04.50  [GROUP,OWNER]  (RWED,RWED,RW,R)", ListingFormat::Vms),
        (b"LOGIN.COM  2/3  29-MAR-2024 03:26:00  [ADMIN]  (RWED,RWED,RE,)", ListingFormat::Vms),
        (b"DISK.LOG;2  [SYSTEM]  2KB  29-MAR-2024", ListingFormat::Vms),
        (b"587823    RSA    DIR   01-08-97   13:58  OS2KRNL", ListingFormat::Os2),
        (b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/", ListingFormat::Os400),
        (b"             5263360 06/11/97 12:27:39 *FILE      BPTFSAVF", ListingFormat::Os400),
        (
            b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704",
            ListingFormat::Mvs,
        ),
        (b"CPDLB1 2008/11/11  1    2  FB      80  3120  PO    ISPF.ISPPROF", ListingFormat::Mvs),
        (b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001", ListingFormat::Mvs),
        (b"IEFBR14   000018 000009          00 FO             RN RU      31    ANY", ListingFormat::Mvs),
        (b"Pseudo Directory ETC", ListingFormat::Mvs),
        (
            b"d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites",
            ListingFormat::NetWare,
        ),
        (b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"", ListingFormat::Tandem),
        (b"IBMUSER1  JOB01906  OUTPUT    3 Spool Files", ListingFormat::Mvs),
        (b"100644 1000 100 1234 1711682760 notes.txt", ListingFormat::NumericUnix),
        (
            b"PROFILE  EXEC     A1 V         71         15          1 2024-03-29 10:40:14 TCM191",
            ListingFormat::ZVm,
        ),
        (b"       512    JUL-17-2006  10:02:46   NVRAM          <DIR>", ListingFormat::VxWorks),
        (b"  206876  Apr 04, 2000 21:06 Report (Old).txt", ListingFormat::VShell),
        (b"  0.0     87/07/06 1135  d-ewrewr    1ad      1920 CMDS", ListingFormat::Os9),
    ];

    #[test]
    fn every_sample_parses_as_its_format() {
        for &(line, format) in SAMPLES {
            let mut p = ListingParser::new(options());
            let e = p.parse_line(line).unwrap();
            assert_ne!(e.kind, Kind::Unknown, "{}", String::from_utf8_lossy(line));
            assert_eq!(p.format(), Some(format), "{}", String::from_utf8_lossy(line));
        }
    }

    /// What one line must give: name, kind, size, time.
    type Want = (&'static [u8], &'static str, Kind, Option<u64>, Option<&'static str>);

    /// Every family of the issue: lines that must parse alone (a one-line listing) and,
    /// with the family's header and footer, as one listing, to the same entries.
    /// A family: its name, the header and footer of its listing, and its lines.
    type Family = (&'static str, &'static [u8], Vec<Want>, &'static [u8]);

    fn families() -> Vec<Family> {
        use Kind::{Dir, File, Link, Other};
        vec![
            (
                "unix",
                b"total 24\r\n",
                vec![
                    (b"drwxr-xr-x   2 root     other        512 Apr  8  1994 etc", "etc", Dir, Some(512), Some("1994-04-08T00:00:00Z")),
                    (b"lrwxrwxrwx 1 root root 7 Jan 25 00:17 bin -> usr/bin", "bin", Link, Some(7), Some("2024-01-25T00:17:00Z")),
                    (b"crw-rw-rw- 1 root root 1, 3 Jan 1 00:00 null", "null", Other, None, Some("2024-01-01T00:00:00Z")),
                    (b"-rw-r--r-- 1 u g 5 Mar 29 03:26  lead and trail  ", " lead and trail  ", File, Some(5), Some("2024-03-29T03:26:00Z")),
                    (b"-rw-r--r-- 1 root root 1.2M Jan 11  2019 m", "m", File, Some(1_258_291), Some("2019-01-11T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root  34K Jan 11  2019 k", "k", File, Some(34_816), Some("2019-01-11T00:00:00Z")),
                    (b"-rw-r--r-- 1 ftp ftp 1234 3 29 03:26 notes.txt", "notes.txt", File, Some(1234), Some("2024-03-29T03:26:00Z")),
                    (b"-rw-r--r-- 1 ftp ftp 1234 24-04-2003 a", "a", File, Some(1234), Some("2003-04-24T00:00:00Z")),
                    (b"-rw-r--r-- 1 ftp ftp 1234 2004.07.15 b", "b", File, Some(1234), Some("2004-07-15T00:00:00Z")),
                    (b"-rw-r--r-- 1 ftp ftp 1234 01-jun-99 c", "c", File, Some(1234), Some("1999-06-01T00:00:00Z")),
                    (b"-rw-r--r-- 1 ftp ftp 1234 2024-03-29 03:26 iso", "iso", File, Some(1234), Some("2024-03-29T03:26:00Z")),
                    (b"-rw-r--r--   1 ftpuser  ftpusers12414535 Mar 17 11:07 big.iso", "big.iso", File, Some(12_414_535), Some("2024-03-17T11:07:00Z")),
                    (b"-rw-r--r--   1 user  group   1234 nodate.txt", "nodate.txt", File, Some(1234), None),
                    (b"drwxr-xr-x 2 u g 4096 Mar 29 03:26 slashed/", "slashed", Dir, Some(4096), Some("2024-03-29T03:26:00Z")),
                    (b"-rwxr-xr-x    1 user group        9 Oct 08, 2002 09:47 vshell file", "vshell file", File, Some(9), Some("2002-10-08T09:47:00Z")),
                    (b"-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg", "09.jpg", File, Some(81975), Some("2010-07-22T00:00:00Z")),
                ],
                b"",
            ),
            (
                "unix in other languages (GNU ls 9.1 output)",
                b"insgesamt 4\n",
                vec![
                    ("-rw-r--r-- 1 root root    0 13. Mär 2019  old03".as_bytes(), "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    (b"drwxr-xr-x 2 root root 4096 29 nov.  00:05 dir", "dir", Dir, Some(4096), Some("2023-11-29T00:05:00Z")),
                    ("-rw-r--r-- 1 root root    0 13 déc.   2019 old12".as_bytes(), "old12", File, Some(0), Some("2019-12-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 dic 13  2019 old12", "old12", File, Some(0), Some("2019-12-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 22 nov 00.05 recent", "recent", File, Some(0), Some("2023-11-22T00:05:00Z")),
                    (b"-rw-r--r-- 1 root root    0 13 mrt  2019 old03", "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 15 maj  2019 old05", "old05", File, Some(0), Some("2019-05-15T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 april 14  2019 old04", "old04", File, Some(0), Some("2019-04-14T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 13 dec  2019 old12", "old12", File, Some(0), Some("2019-12-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 2019 szept 10 old09", "old09", File, Some(0), Some("2019-09-10T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 2019-02-12  old02", "old02", File, Some(0), Some("2019-02-12T00:00:00Z")),
                    ("-rw-r--r-- 1 jan users 5 14 paź  2019 plik".as_bytes(), "plik", File, Some(5), Some("2019-10-14T00:00:00Z")),
                    ("-rw-r--r-- 1 root root    0 13.\u{a0}bře  2019 old03".as_bytes(), "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    ("-rw-r--r-- 1 root root    0 мая 15  2019 old05".as_bytes(), "old05", File, Some(0), Some("2019-05-15T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 12. 2.  2019 old02", "old02", File, Some(0), Some("2019-02-12T00:00:00Z")),
                    ("-rw-r--r-- 1 root root    0  3月 13  2019 old03".as_bytes(), "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    ("drwxr-xr-x 2 root root 4096 11월 29일  00:05 dir".as_bytes(), "dir", Dir, Some(4096), Some("2023-11-29T00:05:00Z")),
                    ("-rw-r--r-- 1 root root    0 2019年 3月13日 old03".as_bytes(), "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    ("-rw-r--r-- 1 root root    0 2019년  3월 13일 old03".as_bytes(), "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 2019\xb3\xe2  3\xbf\xf9 13\xc0\xcf old03", "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                    (b"-rw-r--r-- 1 root root    0 \xcd\xc1\xd2 13  2019 old03", "old03", File, Some(0), Some("2019-03-13T00:00:00Z")),
                ],
                b"",
            ),
            (
                "numeric unix",
                b"",
                vec![
                    (b"100644 1000 100 1234 1711682760 notes.txt", "notes.txt", File, Some(1234), Some("2024-03-29T03:26:00Z")),
                    (b"040755 0 0 4096 1711682760 DCIM", "DCIM", Dir, Some(4096), Some("2024-03-29T03:26:00Z")),
                ],
                b"",
            ),
            (
                "vms",
                b"Directory DISK$USER:[ME]\r\n\r\n",
                vec![
                    (b"1-JUN.LIS;1  9/9  2-JUN-1998 07:32:04.50  [GROUP,OWNER]  (RWED,RWED,RW,R)", "1-JUN.LIS;1", File, Some(4608), Some("1998-06-02T07:32:04.5Z")),
                    (b"DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]    (RWED,RWED,,RE)", "DATA", Dir, Some(512), Some("1998-06-02T07:32:04Z")),
                    (b"LOGIN.COM  2/3  29-MAR-2024 03:26:00  [ADMIN]  (RWED,RWED,RE,)", "LOGIN.COM", File, Some(1024), Some("2024-03-29T03:26:00Z")),
                    (b"DISK.LOG;2  [SYSTEM]  2KB  29-MAR-2024", "DISK.LOG;2", File, Some(2048), Some("2024-03-29T00:00:00Z")),
                    (b"README.TXT;1  4  29-MAR-2024 03:26  SYSTEM  (RWED,RWED,RE,)", "README.TXT;1", File, Some(2048), Some("2024-03-29T03:26:00Z")),
                    ("BERICHT.TXT;1  4/4  29-MÄR-2024 03:26:00  [MEIER]  (RWED,RWED,RE,)".as_bytes(), "BERICHT.TXT;1", File, Some(2048), Some("2024-03-29T03:26:00Z")),
                ],
                b"\r\nTotal of 6 files, 20/24 blocks.\r\n",
            ),
            (
                "z/OS data sets",
                b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname\n",
                vec![
                    (b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704", "INCOMING.RPTBM024.D061704", Dir, None, None),
                    (b"SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704", "INCOMING.RPTBM023.D061704", File, None, None),
                    (b"CPDLB1 2008/11/11  1    2  FB      80  3120  PO    ISPF.ISPPROF", "ISPF.ISPPROF", Dir, None, None),
                    (b"APCSPL 3380D  07/16/97  1    1  FB      80  8800  PS    ETC.RPC", "ETC.RPC", File, None, None),
                    (b"Migrated                                                  OLD.DATA", "OLD.DATA", File, None, None),
                    (b"V43525 Tape                                             SOME.TAPE.DATA", "SOME.TAPE.DATA", File, None, None),
                    (b"Pseudo Directory ETC", "ETC", Dir, None, None),
                ],
                b"",
            ),
            (
                "z/OS members",
                b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id\n",
                vec![
                    (b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001", "SAVE03", File, None, Some("2002-10-11T09:37:00Z")),
                    (b"IEFBR14   000018 000009          00 FO             RN RU      31    ANY", "IEFBR14", File, Some(24), None),
                ],
                b"",
            ),
            (
                "z/VM",
                b"",
                vec![
                    (b"PROFILE  EXEC     A1 V         71         15          1 2024-03-29 10:40:14 TCM191", "PROFILE.EXEC", File, None, Some("2024-03-29T10:40:14Z")),
                    (b"DATA     FILE     A1 F         80        120          3 2024-03-29 10:40:14 TCM191", "DATA.FILE", File, Some(9600), Some("2024-03-29T10:40:14Z")),
                ],
                b"",
            ),
            (
                "os/400",
                b"",
                vec![
                    (b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/", "dir1", Dir, Some(36864), Some("2004-03-24T14:06:34Z")),
                    (b"QSYS            77824 02/23/00 15:09:55 *LIB       QGPL.LIB", "QGPL.LIB", Dir, Some(77824), Some("2000-02-23T15:09:55Z")),
                    (b"MYUSER          45056 06/29/16 08:11:42 *FILE      QRPGLESRC.FILE", "QRPGLESRC.FILE", Dir, Some(45056), Some("2016-06-29T08:11:42Z")),
                    (b"QPGMR                                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR", "RPGUNITC1.FILE/RUCALLTST.MBR", File, None, None),
                    (b"             5263360 06/11/97 12:27:39 *FILE      BPTFSAVF", "BPTFSAVF", File, Some(5_263_360), Some("1997-06-11T12:27:39Z")),
                    (b"QPGMR           98304 06/29/16 08:11:42 *PGM       HELLO.PGM", "HELLO.PGM", Other, Some(98304), Some("2016-06-29T08:11:42Z")),
                    (b"PEP              4019 04/03/18 18:58:16 *STMF      einladung.zip", "einladung.zip", File, Some(4019), Some("2004-03-18T18:58:16Z")),
                ],
                b"",
            ),
            (
                "windows and dos",
                b"",
                vec![
                    (b"12-05-96  05:03PM       <DIR>          absoft2", "absoft2", Dir, None, Some("1996-12-05T17:03:00Z")),
                    (b"08-07-2015  07:50PM                  718 Post.dat", "Post.dat", File, Some(718), Some("2015-08-07T19:50:00Z")),
                    (b"03-29-24  15:26                  5 a.txt", "a.txt", File, Some(5), Some("2024-03-29T15:26:00Z")),
                    (b"2002-09-02  19:06                9,730 longyear file", "longyear file", File, Some(9730), Some("2002-09-02T19:06:00Z")),
                    (b"29.03.2024  15:26    <DIR>          Bilder", "Bilder", Dir, None, Some("2024-03-29T15:26:00Z")),
                ],
                b"",
            ),
            (
                "others",
                b"",
                vec![
                    (b"+i8388621.29609,m824255902,/,\tdev", "dev", Dir, None, Some("1996-02-13T23:58:22Z")),
                    (b"d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites", "Favorites", Dir, Some(512), Some("2005-11-24T00:00:00Z")),
                    (b"- [R-CEAFMS] rwinston                        19968 Mar 12 15:20 Document name with spaces.doc", "Document name with spaces.doc", File, Some(19968), Some("2024-03-12T15:20:00Z")),
                    (b"drwxr-xr-x               folder        0 Jan  4 14:51 Alias_to_Steak", "Alias_to_Steak", Dir, Some(0), Some("2024-01-04T14:51:00Z")),
                    (b"     0           DIR   11-28-97   09:42  PC", "PC", Dir, Some(0), Some("1997-11-28T09:42:00Z")),
                    (b"  206876  Apr 04, 2000 21:06 Report (Old).txt", "Report (Old).txt", File, Some(206_876), Some("2000-04-04T21:06:00Z")),
                    (b"       0  Dec 12, 2002 02:13 Old Directory/", "Old Directory", Dir, Some(0), Some("2002-12-12T02:13:00Z")),
                    (b"       512    JUL-17-2006  10:02:46   NVRAM          <DIR>", "NVRAM", Dir, Some(512), Some("2006-07-17T10:02:46Z")),
                    (b"   1048576    JAN-02-2004  09:13:00   vxWorks.st", "vxWorks.st", File, Some(1_048_576), Some("2004-01-02T09:13:00Z")),
                    (b"  0.0     87/07/06 1135  d-ewrewr    1ad      1920 CMDS", "CMDS", Dir, Some(1920), Some("1987-07-06T11:35:00Z")),
                ],
                b"",
            ),
            (
                "hp nonstop",
                b"File         Code             EOF   Last Modification    Owner  RWEP\n",
                vec![(b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"", "ALTERDAT", File, Some(136), Some("2006-07-31T13:22:20Z"))],
                b"",
            ),
            (
                "mlsd",
                b"",
                vec![
                    (b"type=file;size=8192;modify=20181105163248; omar.txt", "omar.txt", File, Some(8192), Some("2018-11-05T16:32:48Z")),
                    (b"type=file;size=3;modify=20240329032600 no last semicolon", "no last semicolon", File, Some(3), Some("2024-03-29T03:26:00Z")),
                    (b"type=dir;;perm=;sizd=;x.unknown=1; empty facts", "empty facts", Dir, None, None),
                    (b"type=file;size=12;\ttabbed", "tabbed", File, Some(12), None),
                    (b"type=OS.unix=slink:/x;modify=20240329032600; link", "link", Link, None, Some("2024-03-29T03:26:00Z")),
                ],
                b"",
            ),
        ]
    }

    fn check(family: &str, want: &Want, got: &Entry) {
        let (line, name, kind, size, time) = want;
        let line = String::from_utf8_lossy(line);
        assert_eq!((got.name.as_str(), got.kind, got.size), (*name, *kind, *size), "{family}: {line}");
        assert_eq!(got.modified.map(|t| t.to_rfc3339()).as_deref(), *time, "{family}: {line}");
    }

    #[test]
    fn every_family_line_by_line_and_as_a_listing() {
        for (family, header, wants, footer) in families() {
            let mut listing = header.to_vec();
            for want in &wants {
                let line = want.0;
                let entries = parse_all(&mut ListingParser::new(options()), line);
                assert_eq!(entries.len(), 1, "{family}: {}", String::from_utf8_lossy(line));
                check(family, want, &entries[0]);
                listing.extend_from_slice(line);
                listing.extend_from_slice(b"\r\n");
            }
            listing.extend_from_slice(footer);
            let entries = parse_all(&mut ListingParser::new(options()), &listing);
            assert_eq!(entries.len(), wants.len(), "{family}: {entries:#?}");
            for (want, got) in wants.iter().zip(&entries) {
                check(family, want, got);
            }
        }
    }

    #[test]
    fn legacy_encodings_line_by_line() {
        let cases: &[(&str, &[u8], &str, Option<&str>)] = &[
            (
                "latin1",
                b"-rw-r--r-- 1 root root    0 13. M\xe4r 2019  old03",
                "old03",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "latin1",
                b"drwxr-xr-x 2 root root 4096 29 f\xe9vr.  2020 caf\xe9",
                "café",
                Some("2020-02-29T00:00:00Z"),
            ),
            (
                "iso-8859-2",
                b"-rw-r--r-- 1 root root    0 2019 m\xe1rc  13 old03",
                "old03",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "iso-8859-2",
                b"-rw-r--r-- 1 root root    0 13.\xa0b\xf8e  2019 \xb9kola",
                "škola",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "iso-8859-2",
                b"-rw-r--r-- 1 root root    0 14 pa\xbc  2019 plik",
                "plik",
                Some("2019-10-14T00:00:00Z"),
            ),
            (
                "koi8-r",
                b"-rw-r--r-- 1 root root    0 \xcd\xc1\xd2 13  2019 \xc6\xc1\xca\xcc",
                "файл",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "windows-1251",
                b"drwxr-xr-x 2 root root 4096 \xed\xee\xff 29 00:05 \xef\xe0\xef\xea\xe0",
                "папка",
                Some("2023-11-29T00:05:00Z"),
            ),
            (
                "euc-jp",
                b"-rw-r--r-- 1 root root    0  3\xb7\xee 13  2019 \xa5\xc6\xa5\xb9\xa5\xc8",
                "テスト",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "shift_jis",
                b"-rw-r--r-- 1 root root    0  3\x8c\x8e 13  2019 \x83L\x83\x83\x83b\x83V\x83\x85",
                "キャッシュ",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "euc-kr",
                b"drwxr-xr-x 2 root root 4096 11\xbf\xf9 29\xc0\xcf  00:05 \xc6\xc4\xc0\xcf",
                "파일",
                Some("2023-11-29T00:05:00Z"),
            ),
            (
                "gbk",
                b"-rw-r--r-- 1 root root    0 2019\xc4\xea 3\xd4\xc213\xc8\xd5 \xce\xc4\xbc\xfe",
                "文件",
                Some("2019-03-13T00:00:00Z"),
            ),
            (
                "gb18030",
                b"drwxr-xr-x 2 root root 4096 11\xd4\xc229\xc8\xd5 00:05 dir",
                "dir",
                Some("2023-11-29T00:05:00Z"),
            ),
            (
                "big5",
                b"-rw-r--r-- 1 root root    0  7\xa4\xeb 17  2019 \xc0\xc9\xae\xd7",
                "檔案",
                Some("2019-07-17T00:00:00Z"),
            ),
        ];
        for &(label, line, name, time) in cases {
            let encoding = Encoding::for_label(label).unwrap();
            let mut p = ListingParser::new(ParseOptions { encoding, ..options() });
            let e = p.parse_line(line).unwrap_or_else(|| panic!("{label}: nothing"));
            assert_ne!(e.kind, Kind::Unknown, "{label}: {e:?}");
            assert_eq!(e.name, name, "{label}");
            assert_eq!(e.modified.map(|t| t.to_rfc3339()).as_deref(), time, "{label}");
        }
    }

    #[test]
    fn cut_and_damaged_samples_never_panic() {
        let parsers = [ListingParser::new(options()), ListingParser::mlsd(options())];
        for &(line, _) in SAMPLES {
            for format in DETECTION_ORDER {
                let p = &parsers[0];
                for cut in 0..=line.len() {
                    let _ = p.try_format(format, &line[..cut]);
                    let _ = p.try_format(format, &line[cut..]);
                }
                for at in 0..line.len() {
                    for byte in [0u8, b' ', b'\t', 0xff, b'9', b';', b'='] {
                        let mut damaged = line.to_vec();
                        damaged[at] = byte;
                        let _ = p.try_format(format, &damaged);
                        let _ = parsers[1].try_format(format, &damaged);
                    }
                }
            }
        }
    }

    #[test]
    fn same_entries_however_the_bytes_are_cut() {
        let mut listing = b"Directory DISK$USER:[ME]\r\n\r\n".to_vec();
        for &(line, _) in SAMPLES {
            listing.extend_from_slice(line);
            listing.extend_from_slice(b"\r\n");
        }
        listing.extend_from_slice(
            b"WRAPPED.LOG;3\r\n   4/15  24-FEB-2003 13:17:24  [SYS,LP]  (RWED,RWED,RE,)\r\nlast",
        );
        let whole = parse_all(&mut ListingParser::new(options()), &listing);
        assert_eq!(whole.len(), SAMPLES.len() + 2);
        for cut in 0..=listing.len() {
            let mut p = ListingParser::new(options());
            let mut out = Vec::new();
            let mut splitter = LineSplitter::new();
            splitter.push(&listing[..cut], |line| out.extend(p.parse_line(line)));
            splitter.push(&listing[cut..], |line| out.extend(p.parse_line(line)));
            splitter.finish(|line| out.extend(p.parse_line(line)));
            while let Some(e) = p.finish() {
                out.push(e);
            }
            assert_eq!(out, whole, "cut at {cut}");
        }
    }

    #[test]
    fn legacy_encodings_decode_names_and_keep_bytes() {
        let latin1 = Encoding::for_label("latin1").unwrap();
        let mut p = ListingParser::new(ParseOptions { encoding: latin1, ..options() });
        let e = p.parse_line(b"-rw-r--r-- 1 j\xfcrgen users 5 M\xe4r 29 03:26 caf\xe9 cr\xe8me").unwrap();
        assert_eq!((e.name.as_str(), e.owner.as_deref()), ("café crème", Some("jürgen")));
        assert_eq!(e.name_bytes, b"caf\xe9 cr\xe8me");
        assert_eq!(e.modified.unwrap().month, 3);
        let sjis = Encoding::for_label("shift_jis").unwrap();
        let mut p = ListingParser::new(ParseOptions { encoding: sjis, ..options() });
        let e =
            p.parse_line(b"07-17-13  02:46PM                    5 \x83L\x83\x83\x83b\x83V\x83\x85").unwrap();
        assert_eq!(e.name, "キャッシュ");
        assert!(e.raw.ends_with("キャッシュ"));
    }

    #[test]
    fn entry_json_shape() {
        let mut p = ListingParser::new(options());
        let e = p.parse_line(b"lrwxrwxrwx 1 root root 7 Jan 25 00:17 bin -> usr/bin").unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"name":"bin","kind":"link","size":7,"modified":"2024-01-25T00:17:00Z","permissions":"rwxrwxrwx","owner":"root","group":"root","target":"usr/bin","raw":"lrwxrwxrwx 1 root root 7 Jan 25 00:17 bin -> usr/bin"}"#
        );
    }
}
