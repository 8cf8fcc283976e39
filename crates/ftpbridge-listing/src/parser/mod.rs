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
        if let Some(noise) = noise(line, self.options.encoding) {
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

/// A line that holds no entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Noise {
    /// `total 123` and its translations, a line of dashes under a column header.
    Total,
    /// VMS `Directory DISK$USER:[ME]`, `Total of 3 files, 12 blocks.`
    Vms,
    /// A z/OS column header.
    Mvs(mvs::Mode),
    /// The NonStop column header.
    Tandem,
    /// The column header of another format (VxWorks, OS-9).
    Header(ListingFormat),
}

/// Recognises lines that hold no entry.
fn noise(line: &[u8], encoding: Encoding) -> Option<Noise> {
    let mut tokens = scan::Tokens::new(line, 0);
    let first = tokens.next_bytes()?;
    let initial = first.first()?.to_ascii_lowercase();
    if initial == b'-' {
        // `--------   ------   ------   --------` under a column header.
        let mut all = scan::Tokens::new(line, 0);
        return all.all(|(s, e)| scan::slice(line, s, e).iter().all(|&b| b == b'-')).then_some(Noise::Total);
    }
    // Every word that starts such a line is short and starts with one of these.
    if first.len() > 12
        || !matches!(
            initial,
            b't' | b'i'
                | b'g'
                | b'd'
                | b'v'
                | b'n'
                | b'f'
                | b'j'
                | b'r'
                | b'y'
                | b'c'
                | b's'
                | b'o'
                | b'p'
                | 0x80..
        )
    {
        return None;
    }
    let second = tokens.next_bytes();
    let third = tokens.next_bytes();
    // `total 123`, `total 1.2M`, `insgesamt 12`, `итого 12`, `合計 12`, `总计 12`.
    if let Some(count) = second
        && third.is_none()
        && count.first().is_some_and(u8::is_ascii_digit)
        && count.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b','))
        && months::is_total_word(first, encoding)
    {
        return Some(Noise::Total);
    }
    if first.eq_ignore_ascii_case(b"total") && second.is_some_and(|s| s.eq_ignore_ascii_case(b"of"))
        || first.eq_ignore_ascii_case(b"grand") && second.is_some_and(|s| s.eq_ignore_ascii_case(b"total"))
        || first == b"Total" && second.is_some_and(scan::all_digits) && third == Some(b"files")
        || first == b"Directory" && second.is_some_and(|s| s.ends_with(b"]")) && third.is_none()
    {
        return Some(Noise::Vms);
    }
    let word = |w: Option<&[u8]>, want: &[u8]| w.is_some_and(|w| w.eq_ignore_ascii_case(want));
    if first.eq_ignore_ascii_case(b"size") && word(second, b"date") && word(third, b"time") {
        return Some(Noise::Header(ListingFormat::VxWorks));
    }
    if first == b"Owner" && word(second, b"Last") && line.windows(9).any(|w| w == b"Bytecount") {
        return Some(Noise::Header(ListingFormat::Os9));
    }
    mvs::header(line).map(Noise::Mvs).or_else(|| tandem::is_header(line).then_some(Noise::Tandem))
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
    fn noise_lines() {
        for line in [
            &b"total 0"[..],
            b"  total 1234",
            b"insgesamt 12",
            "итого 8".as_bytes(),
            b"total 1.2M",
            b"Total of 6 files, 54 blocks.",
            b"Grand total of 2 directories, 10 files, 100 blocks.",
            b"Total 14 files",
            b"Directory USER1:[TEMP]",
            b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            b"File         Code             EOF   Last Modification    RWEP",
        ] {
            assert!(
                ListingParser::new(options()).parse_line(line).is_none(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        for line in [&b"total"[..], b"total 12 extra", b"totals 12"] {
            assert!(
                ListingParser::new(options()).parse_line(line).is_some(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
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

    /// One line of every format.
    const SAMPLES: [&[u8]; 14] = [
        b"type=file;size=8192;modify=20181105163248.5;unix.mode=0644;UNIX.owner=0; a b.txt",
        b"lrwxrwxrwx+  1 root     other          7 Jan 25 00:17 bin -> usr/bin",
        b"crw-rw-rw- 1 root root 1, 3 Jan 1 00:00 null",
        "-rw-rw---- 1 ep1adm sapsys 0 6月 3日 2003年 試験ファイル.csv".as_bytes(),
        b"03-29-24  03:26PM            1,234,567 name.txt",
        b"+i8388621.44468,m839956783,r,s10376,up644,\tRFCEPLF",
        b"1-JUN.LIS;1  9/9  2-JUN-1998 07:32:04.50  [GROUP,OWNER]  (RWED,RWED,RW,R)",
        b"587823    RSA    DIR   01-08-97   13:58  OS2KRNL",
        b"PEP             36864 04/03/24 14:06:34 *DIR       dir1/",
        b"SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704",
        b"SAVE03    01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001",
        b"d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites",
        b"ALTERDAT      101             136   31-Jul-06 13:22:20  255, 1   \"nnnn\"",
        b"IBMUSER1  JOB01906  OUTPUT    3 Spool Files",
    ];

    #[test]
    fn every_sample_parses_as_its_format() {
        let formats = [
            ListingFormat::Mlsx,
            ListingFormat::Unix,
            ListingFormat::Unix,
            ListingFormat::Unix,
            ListingFormat::Dos,
            ListingFormat::Eplf,
            ListingFormat::Vms,
            ListingFormat::Os2,
            ListingFormat::Os400,
            ListingFormat::Mvs,
            ListingFormat::Mvs,
            ListingFormat::NetWare,
            ListingFormat::Tandem,
            ListingFormat::Mvs,
        ];
        for (line, format) in SAMPLES.iter().zip(formats) {
            let mut p = ListingParser::new(options());
            let e = p.parse_line(line).unwrap();
            assert_ne!(e.kind, Kind::Unknown, "{}", String::from_utf8_lossy(line));
            assert_eq!(p.format(), Some(format), "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn cut_and_damaged_samples_never_panic() {
        let parsers = [ListingParser::new(options()), ListingParser::mlsd(options())];
        for line in SAMPLES {
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
        for line in SAMPLES {
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
