//! Conformance over the shared corpora: every `listings-*.jsonl` in the corpora folder
//! (`../shared/corpora/` beside the repository, or `$FTPBRIDGE_CORPORA`).
//!
//! Each source keeps its own expectation fields; [`read_cases`] turns every row into a
//! [`Case`]: the input bytes, which parser reads them (the MLSD parser where the source
//! tested an MLSD parser, the auto-detecting one otherwise), the `now` to use and what
//! must come out. A case expected to parse must give entries with the expected name,
//! kind and size (and owner, group, target, time where the source gives them); a case
//! expected to fail must give no entry or only [`Kind::Unknown`] ones.
//!
//! Conventions that differ between the sources and this crate, applied here rather
//! than bent into the parser:
//! - `.` and `..` are returned by the parser (the engine filters them); basic-ftp's
//!   expectations leave them out, so they are dropped before comparing.
//! - jlaffaye, basic-ftp and commons-net report 0 as the size of directories and links
//!   whose listing gives none (or whose size they ignore); sizes of non-files are
//!   compared only when the expectation is not 0.
//! - commons-net reports block and character devices as files; this crate says
//!   [`Kind::Other`].
//! - commons-net's z/OS tests set the list type before each sample; a real listing
//!   starts with the column header that tells it, so that header is put first.
//! - commons-net names VMS entries without their `;version` and keeps `.DIR` on
//!   directories; this crate keeps a file's version (`RETR` may need it) and names a
//!   directory as `CWD` takes it (`DATA.DIR;1` is `DATA`). Names from its VMS tests are
//!   compared in commons-net's spelling.
//!
//! Cases not met on purpose are in [`SKIPS`], each with its reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ftpbridge_listing::{DateTime, Encoding, Entry, Kind, LineSplitter, ListingParser, ParseOptions};
use serde_json::Value;

/// What a skip leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// The whole case.
    Case,
    /// Only the modification time.
    Modified,
    /// Only the link target.
    Target,
    /// Only the name.
    Name,
}

/// `(source, case id, scope, reason)`. The case id is what [`read_cases`] makes of the
/// row (the test's name and the line); every entry must match a case.
const SKIPS: &[(&str, &str, Scope, &str)] = &[
    // Lines that are bad for one commons-net parser but valid in another format this
    // crate reads (commons-net tests each parser alone; we detect the format).
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x   2 root     root         4096 Mar  2 15:13 zxbox",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x 1 usernameftp 512 Jan 29 23:32 prog",
        Scope::Case,
        "a valid Unix line without group; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x   2 root     root         4096 Aug 24  2001 zxjdbc",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x   2 root     root         4096 Jan  4 00:03 zziplib",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x   2 root     99           4096 Feb 23  2001 zzplayer",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: drwxr-xr-x   2 root     root         4096 Aug  6  2001 zztpp",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 14       staff       80284 Aug 22  2000 zxJDBC-1.2.3.tar.gz",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 14       staff      119926 Aug 22  2000 zxJDBC-1.2.3.zip",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 ftp      nogroup     83853 Jan 22  2001 zxJDBC-1.2.4.tar.gz",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 ftp      nogroup    126552 Jan 22  2001 zxJDBC-1.2.4.zip",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 root     root       111325 Apr 27  2001 zxJDBC-2.0.1b1.tar.gz",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 root     root       190144 Apr 27  2001 zxJDBC-2.0.1b1.zip",
        Scope::Case,
        "a valid Unix line; bad only for the Connect:Enterprise parser",
    ),
    (
        "commons-net",
        "EnterpriseUnixFTPEntryParserTest/BADSAMPLES: -rw-r--r--   1 ftp      no group    83853 Jan 22  2001 zxJDBC-1.2.4.tar.gz",
        Scope::Case,
        "a valid Unix line (group `no group`, as commons-net's own Unix parser reads cygwin groups)",
    ),
    (
        "commons-net",
        "MacOsPeterFTPEntryParserTest/badsamples: drwxr-xr-x    123       folder        0 Jan  4 14:49 Steak",
        Scope::Case,
        "a valid Unix line (link count 123, owner `folder`); bad only for the Peter parser",
    ),
    (
        "commons-net",
        "OS2FTPEntryParserTest/badsamples: 12-05-96  05:03PM       <DIR>          absoft2",
        Scope::Case,
        "a valid DOS line; bad only for the OS/2 parser",
    ),
    (
        "commons-net",
        "OS2FTPEntryParserTest/badsamples: 11-14-97  04:21PM                  953 AUDITOR3.INI",
        Scope::Case,
        "a valid DOS line; bad only for the OS/2 parser",
    ),
    (
        "commons-net",
        "NTFTPEntryParserTest/badsamples:      0           DIR   05-19-97   12:56  local",
        Scope::Case,
        "a valid OS/2 line; bad only for the NT parser",
    ),
    (
        "commons-net",
        "NTFTPEntryParserTest/badsamples:      0           DIR   05-12-97   16:52  Maintenance Desktop",
        Scope::Case,
        "a valid OS/2 line; bad only for the NT parser",
    ),
    // Options and modes this crate does not have.
    (
        "commons-net",
        "UnixFTPEntryParserTest/testTrimLeadingSpacesNET566: drwxr-xr-x   2 john smith     group         4096 Mar  2 15:13   zxbox",
        Scope::Name,
        "asks for commons-net's trimLeadingSpaces option; names keep their leading spaces here",
    ),
    (
        "commons-net",
        "VMSFTPEntryParserTest/testWholeListParseWithVersioning",
        Scope::Case,
        "commons-net's opt-in VMSVersioning parser keeps only the newest version; every version is an entry here",
    ),
    (
        "commons-net",
        "MLSxEntryParserTest/goodsamples:   ",
        Scope::Case,
        "a blank line holds no entry here; commons-net reads a file named ' '",
    ),
    (
        "commons-net",
        "MVSFTPEntryParserTest/goodsamplesMemberList: Name      VV.MM   Created       Changed      Size  Init   Mod   Id",
        Scope::Case,
        "the member list's column header, which holds no entry",
    ),
    (
        "commons-net",
        "MVSFTPEntryParserTest/goodsamplesUnixList: total 1234",
        Scope::Case,
        "`total 1234` holds no entry",
    ),
    // jlaffaye: its year rule and its format support differ.
    (
        "jlaffaye",
        "valid: drwxr-xr-x               folder        0 Aug 15 05:49 !!!-Tipp des Haus!",
        Scope::Modified,
        "jlaffaye puts dates up to six months ahead in this year; our rule (more than a day ahead is last year) gives 2016",
    ),
    (
        "jlaffaye",
        "valid: drwxrwxrwx               folder        0 Aug 11 20:32 P0RN",
        Scope::Modified,
        "jlaffaye's six-month window; our rule gives 2016",
    ),
    (
        "jlaffaye",
        "valid: ----------   1 owner    group         1803128 Jul 10 10:18 ls-lR.Z",
        Scope::Modified,
        "jlaffaye's six-month window; our rule gives 2016",
    ),
    (
        "jlaffaye",
        "valid: -rwxrw-r--+  1 521      101         2080 May 21 10:53 data.csv",
        Scope::Modified,
        "jlaffaye's six-month window; our rule gives 2016",
    ),
    (
        "jlaffaye",
        "settime: Sep 10 22:59",
        Scope::Modified,
        "jlaffaye's six-month window (just inside it); our rule gives 2016",
    ),
    (
        "jlaffaye",
        "unsupported: d [R----F--] supervisor            512       Jan 16 18:53 login",
        Scope::Case,
        "NetWare, which jlaffaye does not read and this crate does (commons-net expects it read)",
    ),
    (
        "jlaffaye",
        "unsupported: - [R----F--] rhesus             214059       Oct 20 15:27 cx.exe",
        Scope::Case,
        "NetWare, which jlaffaye does not read and this crate does",
    ),
    // suppaftp
    (
        "suppaftp",
        "parse_posix_line: drwxrwxr-x 1 0  9  Nov 5 2018 docs",
        Scope::Case,
        "reads as link count 1, owner 0, size 9 (no group), the shape commons-net accepts in `1 1 3518644 May 25 12:12 std`",
    ),
    // basic-ftp
    (
        "basic-ftp",
        "MLSD symbolic link using 'type=OS.unix=symlink', target outside of directory",
        Scope::Case,
        "basic-ftp resolves link targets across lines through `unique` ids and drops the target's line; lines are reported as they come here",
    ),
    (
        "basic-ftp",
        "MLSD two symbolic links using 'type=OS.unix=symlink', pointing to same target",
        Scope::Case,
        "basic-ftp resolves link targets across lines through `unique` ids and drops the target's line",
    ),
    (
        "basic-ftp",
        "MLSD symbolic link using 'type=OS.unix=symlink', target is part of directory",
        Scope::Target,
        "the target is only known from a later line's `unique` id",
    ),
    (
        "basic-ftp",
        "Unknown format (MVS)",
        Scope::Case,
        "a z/OS data set line, which this crate reads (commons-net expects it read)",
    ),
];

/// The least number of cases each source must pass: what the parser achieves now.
const FLOORS: &[(&str, usize)] =
    &[("basic-ftp", 25), ("commons-net", 314), ("jlaffaye", 38), ("node-ftp", 9), ("suppaftp", 43)];

/// Which parser reads a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Auto,
    Mlsd,
}

/// One expected entry; `None` fields are not checked.
#[derive(Clone, Debug, Default)]
struct Want {
    name: Option<String>,
    kind: Option<Kind>,
    not_kind: Option<Kind>,
    size: Option<u64>,
    owner: Option<Option<String>>,
    group: Option<Option<String>>,
    target: Option<Option<String>>,
    modified: Option<Option<DateTime>>,
    /// Calendar fields without a year (`month, day, hour, minute`).
    fields: Option<(u8, u8, u8, u8)>,
    /// Permission bits as three octal digits.
    octal: Option<String>,
    /// Permissions as `rwxr-xr-x` with the special bits folded into `x`/`-`.
    rwx: Option<String>,
}

/// What a case must give.
#[derive(Clone, Debug)]
enum Expect {
    /// These entries, in order.
    Entries(Vec<Want>),
    /// One entry that is not unknown, with nothing more checked.
    Parses,
    /// No entry, or only unknown ones.
    Fails,
    /// A whole listing: how many entries, names present and absent.
    Count { count: usize, present: Vec<String>, absent: Vec<String> },
}

#[derive(Clone, Debug)]
struct Case {
    source: String,
    id: String,
    input: Vec<u8>,
    reader: Reader,
    now: DateTime,
    encodings: Vec<Encoding>,
    drop_dots: bool,
    /// Compare names as commons-net spells VMS names (see the module documentation).
    vms_names: bool,
    expect: Expect,
}

fn corpora_dir() -> PathBuf {
    match std::env::var_os("FTPBRIDGE_CORPORA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    }
}

/// A fixed `now` for sources that give none.
fn default_now() -> DateTime {
    DateTime::new(2024, 6, 15, 12, 0, 0).unwrap()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn opt_text(v: &Value, key: &str) -> Option<Option<String>> {
    match v.get(key)? {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        _ => None,
    }
}

fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "file" | "File" | "-" => Kind::File,
        "dir" | "directory" | "Directory" | "d" => Kind::Dir,
        "link" | "symbolic_link" | "SymbolicLink" | "l" => Kind::Link,
        _ => return None,
    })
}

/// `Tue Jun 02 07:32:04 1998` (Java's `Date.toString()` without a zone).
fn java_date(s: &str) -> Option<DateTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, month, day, time, year] = parts.as_slice() else { return None };
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = months.iter().position(|m| m == month)? as u8 + 1;
    let t: Vec<u8> = time.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    DateTime::new(year.parse().ok()?, month, day.parse().ok()?, *t.first()?, *t.get(1)?, *t.get(2)?)
}

/// `2012-12-21T00:00` (node-ftp's local date).
fn local_minutes(s: &str) -> Option<DateTime> {
    DateTime::parse_rfc3339(&format!("{s}:00Z"))
}

fn read_cases(source: &str, rows: &[Value]) -> Vec<Case> {
    let mut cases = Vec::new();
    for row in rows {
        let mut case = Case {
            source: source.to_owned(),
            id: String::new(),
            input: Vec::new(),
            reader: Reader::Auto,
            now: default_now(),
            encodings: vec![Encoding::UTF_8],
            drop_dots: false,
            vms_names: false,
            expect: Expect::Fails,
        };
        let ok = matches!(text(row, "expect_parse").as_deref(), Some("ok") | None);
        match source {
            "commons-net" => commons_net(row, ok, &mut case),
            "jlaffaye" => jlaffaye(row, &mut case),
            "suppaftp" => suppaftp(row, ok, &mut case),
            "basic-ftp" => basic_ftp(row, ok, &mut case),
            "node-ftp" => node_ftp(row, &mut case),
            _ => panic!("no reader for the source {source}; teach tests/corpora.rs its fields"),
        }
        cases.push(case);
    }
    cases
}

fn commons_net(row: &Value, ok: bool, case: &mut Case) {
    let class = text(row, "test_class").unwrap_or_default();
    let label = text(row, "array").or_else(|| text(row, "test_method")).unwrap_or_default();
    let parser = text(row, "parser").unwrap_or_default();
    if parser.starts_with("MLSx") {
        case.reader = Reader::Mlsd;
    }
    case.vms_names = class.starts_with("VMS");
    let expect = row.get("expect").filter(|e| !e.is_null());
    if let Some(listing) = text(row, "listing") {
        case.id = format!("{class}/{label}");
        case.input = listing.into_bytes();
    } else if let Some(hex) = text(row, "listing_hex") {
        case.id = format!("{class}/{label}");
        case.input =
            (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        case.encodings = vec![Encoding::UTF_8, Encoding::for_label("windows-1252").unwrap()];
    } else {
        let line = text(row, "line").unwrap_or_default();
        case.id = format!("{class}/{label}: {line}");
        case.input = line.into_bytes();
    }
    if parser.starts_with("MVS") {
        let single = case.input.split(|&b| b == b' ').filter(|t| !t.is_empty()).count() == 1;
        let header: &[u8] = match text(row, "mvs_list_type").as_deref() {
            Some("DatasetList") => b"Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname\n",
            Some("MemberList") => b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id\n",
            None if single => b"Name     VV.MM   Created       Changed      Size  Init   Mod   Id\n",
            _ => b"",
        };
        case.input = [header, &case.input].concat();
    }
    if !ok {
        case.expect = Expect::Fails;
        return;
    }
    let Some(e) = expect else {
        case.expect = Expect::Parses;
        return;
    };
    if let Some(count) = e.get("count").and_then(Value::as_u64) {
        let list = |k: &str| {
            e.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        case.expect = Expect::Count {
            count: count as usize,
            present: list("names_present"),
            absent: list("names_absent"),
        };
        return;
    }
    let mut want = Want {
        name: text(e, "name"),
        kind: text(e, "type").and_then(|t| kind_of(&t)),
        size: e.get("size").and_then(Value::as_u64),
        owner: opt_text(e, "user"),
        group: opt_text(e, "group"),
        target: opt_text(e, "link"),
        octal: text(e, "permissions_octal"),
        ..Want::default()
    };
    if let Some(not) = e.get("type_not").and_then(Value::as_array).and_then(|a| a.first()) {
        want.not_kind = not.as_str().and_then(kind_of);
    }
    if e.get("timestamp").is_some_and(Value::is_null) {
        want.modified = Some(None);
    }
    if let Some(local) = text(e, "timestamp_local") {
        want.modified = Some(java_date(&local));
    }
    if let Some(f) = e.get("timestamp_fields") {
        let n = |k: &str| f.get(k).and_then(Value::as_u64);
        let (month, day) = (n("month").unwrap() as u8, n("day_of_month").unwrap() as u8);
        let (hour, minute) = (n("hour_of_day").unwrap_or(0) as u8, n("minute").unwrap_or(0) as u8);
        match n("year") {
            Some(y) => {
                let second = n("second").unwrap_or(0) as u8;
                want.modified = Some(DateTime::new(y as i32, month, day, hour, minute, second));
            }
            None => want.fields = Some((month, day, hour, minute)),
        }
    }
    case.expect = Expect::Entries(vec![want]);
}

fn jlaffaye(row: &Value, case: &mut Case) {
    let kind = text(row, "kind").unwrap_or_default();
    if let Some(now) = text(row, "now") {
        case.now = DateTime::parse_rfc3339(&now).unwrap();
    }
    let time = text(row, "time_utc").map(|t| DateTime::parse_rfc3339(&t).unwrap());
    if kind == "settime" {
        let fields = text(row, "time_fields").unwrap_or_default();
        case.id = format!("settime: {fields}");
        case.input = format!("-rw-r--r-- 1 owner group 0 {fields} file").into_bytes();
        case.expect = Expect::Entries(vec![Want { modified: Some(time), ..Want::default() }]);
        return;
    }
    let line = text(row, "line").unwrap_or_default();
    case.id = format!("{kind}: {line}");
    case.input = line.into_bytes();
    if kind == "unsupported" {
        case.expect = Expect::Fails;
        return;
    }
    let want = Want {
        name: text(row, "name"),
        kind: text(row, "type").and_then(|t| kind_of(&t)),
        size: row.get("size").and_then(Value::as_u64),
        target: text(row, "link_target").map(Some),
        modified: time.map(Some),
        ..Want::default()
    };
    case.expect = Expect::Entries(vec![want]);
}

fn suppaftp(row: &Value, ok: bool, case: &mut Case) {
    let line = text(row, "line").unwrap_or_default();
    case.id = format!("{}: {line}", text(row, "test_fn").unwrap_or_default());
    case.input = line.into_bytes();
    if text(row, "parser").as_deref() == Some("parse_mlsd") {
        case.reader = Reader::Mlsd;
    }
    if !ok {
        case.expect = Expect::Fails;
        return;
    }
    let Some(e) = row.get("expect").filter(|e| !e.is_null()) else {
        case.expect = Expect::Parses;
        return;
    };
    let id = |k: &str| e.get(k).and_then(Value::as_u64).map(|n| Some(n.to_string()));
    let want = Want {
        name: text(e, "name"),
        kind: text(e, "type").and_then(|t| kind_of(&t)),
        size: e.get("size").and_then(Value::as_u64),
        owner: id("uid"),
        group: id("gid"),
        target: text(e, "link_target").map(Some),
        modified: e
            .get("modified_unix")
            .and_then(Value::as_i64)
            .map(|s| Some(DateTime::from_unix_seconds(s))),
        octal: text(e, "posix_pex_octal"),
        rwx: text(e, "perm_rwx"),
        ..Want::default()
    };
    case.expect = Expect::Entries(vec![want]);
}

fn basic_ftp(row: &Value, ok: bool, case: &mut Case) {
    let title = text(row, "title").unwrap_or_default();
    if title.starts_with("MLSD") {
        case.reader = Reader::Mlsd;
    }
    case.id = title;
    case.input = text(row, "listing").unwrap_or_default().into_bytes();
    case.drop_dots = true;
    if !ok {
        case.expect = Expect::Fails;
        return;
    }
    let wants = row
        .get("expect")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let octal = e.get("permissions").map(|p| {
                        let d = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
                        format!("{}{}{}", d("user"), d("group"), d("world"))
                    });
                    Want {
                        name: text(e, "name"),
                        kind: text(e, "type").and_then(|t| kind_of(&t)),
                        size: e.get("size").and_then(Value::as_u64),
                        owner: opt_text(e, "user"),
                        group: opt_text(e, "group"),
                        target: opt_text(e, "link"),
                        modified: text(e, "modifiedAt").map(|t| DateTime::parse_rfc3339(&t)),
                        octal,
                        ..Want::default()
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    case.expect = Expect::Entries(wants);
}

fn node_ftp(row: &Value, case: &mut Case) {
    let line = text(row, "line").unwrap_or_default();
    case.id = text(row, "what").unwrap_or_default();
    case.input = line.into_bytes();
    let Some(e) = row.get("expect").filter(|e| !e.is_null()) else {
        case.expect = Expect::Entries(Vec::new());
        return;
    };
    let want = Want {
        name: text(e, "name"),
        kind: text(e, "type").and_then(|t| kind_of(&t)),
        size: e.get("size").and_then(Value::as_u64),
        owner: opt_text(e, "owner"),
        group: opt_text(e, "group"),
        target: opt_text(e, "target"),
        modified: text(e, "date_local").map(|d| local_minutes(&d)),
        ..Want::default()
    };
    case.expect = Expect::Entries(vec![want]);
}

/// Runs the input through a splitter and a parser.
fn run(case: &Case, encoding: Encoding) -> Vec<Entry> {
    let options = ParseOptions { now: case.now, encoding };
    let mut parser = match case.reader {
        Reader::Auto => ListingParser::new(options),
        Reader::Mlsd => ListingParser::mlsd(options),
    };
    let mut out = Vec::new();
    let mut splitter = LineSplitter::new();
    splitter.push(&case.input, |line| out.extend(parser.parse_line(line)));
    splitter.finish(|line| out.extend(parser.parse_line(line)));
    while let Some(entry) = parser.finish() {
        out.push(entry);
    }
    if case.drop_dots {
        out.retain(|e| e.name != "." && e.name != "..");
    }
    if case.vms_names {
        for e in &mut out {
            if e.kind == Kind::Dir {
                e.name.push_str(".DIR");
            } else if let Some((base, version)) = e.name.rsplit_once(';')
                && !version.is_empty()
                && version.bytes().all(|b| b.is_ascii_digit())
            {
                e.name = base.to_owned();
            }
        }
    }
    out
}

/// `rwxr-x---` → `750`, for nine-letter Unix permission strings.
fn octal(perm: &str) -> Option<String> {
    let b = perm.as_bytes();
    if b.len() != 9 {
        return None;
    }
    let digit = |i: usize| {
        u8::from(b[i] == b'r') * 4
            + u8::from(b[i + 1] == b'w') * 2
            + u8::from(matches!(b[i + 2], b'x' | b's' | b't'))
    };
    b.iter().all(|c| b"rwxsStT-".contains(c)).then(|| format!("{}{}{}", digit(0), digit(3), digit(6)))
}

/// Checks one entry; returns what differs.
fn check(want: &Want, got: &Entry, raw: &[u8], skip: Option<Scope>) -> Vec<String> {
    let mut bad = Vec::new();
    if got.kind == Kind::Unknown {
        return vec![format!("not parsed: {:?}", got.raw)];
    }
    if let Some(name) = &want.name
        && skip != Some(Scope::Name)
        && &got.name != name
    {
        bad.push(format!("name {:?}, want {name:?}", got.name));
    }
    if let Some(kind) = want.kind {
        let device = matches!(raw.trim_ascii_start().first(), Some(b'b' | b'c'));
        let ok = got.kind == kind || (kind == Kind::File && got.kind == Kind::Other && device);
        if !ok {
            bad.push(format!("kind {:?}, want {kind:?}", got.kind));
        }
    }
    if let Some(not) = want.not_kind
        && got.kind == not
    {
        bad.push(format!("kind {:?}, want anything else", got.kind));
    }
    if let Some(size) = want.size {
        let compare = want.kind.is_none_or(|k| k == Kind::File) || size != 0;
        if compare && got.size != Some(size) {
            bad.push(format!("size {:?}, want {size}", got.size));
        }
    }
    if let Some(owner) = &want.owner
        && &got.owner != owner
    {
        bad.push(format!("owner {:?}, want {owner:?}", got.owner));
    }
    if let Some(group) = &want.group
        && &got.group != group
    {
        bad.push(format!("group {:?}, want {group:?}", got.group));
    }
    if let Some(target) = &want.target
        && skip != Some(Scope::Target)
        && &got.target != target
    {
        bad.push(format!("target {:?}, want {target:?}", got.target));
    }
    if let Some(modified) = &want.modified
        && skip != Some(Scope::Modified)
        && &got.modified != modified
    {
        bad.push(format!(
            "modified {:?}, want {:?}",
            got.modified.map(|d| d.to_rfc3339()),
            modified.map(|d| d.to_rfc3339())
        ));
    }
    if let Some((month, day, hour, minute)) = want.fields {
        let fields = got.modified.map(|m| (m.month, m.day, m.hour, m.minute));
        if fields != Some((month, day, hour, minute)) {
            bad.push(format!("time fields {fields:?}, want {:?}", (month, day, hour, minute)));
        }
    }
    if let Some(want_octal) = &want.octal
        && let Some(got_octal) = got.permissions.as_deref().and_then(octal)
        && &got_octal != want_octal
    {
        bad.push(format!("permissions {:?}, want {want_octal}", got.permissions));
    }
    if let Some(rwx) = &want.rwx
        && let Some(perm) = got.permissions.as_deref().filter(|p| octal(p).is_some())
    {
        let folded: String = perm
            .chars()
            .map(|c| match c {
                's' | 't' => 'x',
                'S' | 'T' => '-',
                c => c,
            })
            .collect();
        if &folded != rwx {
            bad.push(format!("permissions {perm:?}, want {rwx:?}"));
        }
    }
    bad
}

/// Whether a case passes; the reason when it does not.
fn judge(case: &Case, skip: Option<Scope>) -> Result<(), String> {
    for &encoding in &case.encodings {
        let got = run(case, encoding);
        match &case.expect {
            Expect::Fails => {
                if let Some(e) = got.iter().find(|e| e.kind != Kind::Unknown) {
                    return Err(format!("should not parse, got {:?} {:?}", e.kind, e.name));
                }
            }
            Expect::Parses => match got.as_slice() {
                [e] if e.kind != Kind::Unknown => {}
                _ => return Err(format!("should parse to one entry, got {got:?}")),
            },
            Expect::Count { count, present, absent } => {
                if got.len() != *count || got.iter().any(|e| e.kind == Kind::Unknown) {
                    return Err(format!("{} entries, want {count}: {got:?}", got.len()));
                }
                for name in present {
                    if !got.iter().any(|e| &e.name == name) {
                        return Err(format!("{name:?} missing"));
                    }
                }
                for name in absent {
                    if got.iter().any(|e| &e.name == name) {
                        return Err(format!("{name:?} should be absent"));
                    }
                }
            }
            Expect::Entries(wants) => {
                if got.len() != wants.len() {
                    return Err(format!("{} entries, want {}: {got:?}", got.len(), wants.len()));
                }
                for (want, entry) in wants.iter().zip(&got) {
                    let bad = check(want, entry, &case.input, skip);
                    if !bad.is_empty() {
                        return Err(bad.join("; "));
                    }
                }
            }
        }
    }
    Ok(())
}

#[test]
fn corpora() {
    let dir = corpora_dir();
    let Ok(listing) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: corpora folder not found at {}", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("listings-") && name.ends_with(".jsonl")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no listings-*.jsonl in {}", dir.display());

    let mut used = vec![false; SKIPS.len()];
    let mut failures = Vec::new();
    let mut passed: BTreeMap<String, usize> = BTreeMap::new();
    for path in &files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let source = stem.trim_start_matches("listings-");
        let rows: Vec<Value> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .collect();
        let cases = read_cases(source, &rows);
        let (mut ok, mut skipped) = (0, 0);
        for case in &cases {
            let skip = SKIPS.iter().position(|(s, id, _, _)| *s == case.source && *id == case.id);
            if let Some(i) = skip {
                used[i] = true;
            }
            let scope = skip.map(|i| SKIPS[i].2);
            if scope == Some(Scope::Case) {
                skipped += 1;
                continue;
            }
            match judge(case, scope) {
                Ok(()) => ok += 1,
                Err(why) => failures.push(format!("{source}: {}: {why}", case.id)),
            }
        }
        println!("{stem}: {ok}/{} ok, {skipped} skipped", cases.len());
        passed.insert(source.to_owned(), ok);
    }

    let unused: Vec<_> = SKIPS.iter().zip(&used).filter(|(_, u)| !**u).map(|(s, _)| s.1).collect();
    assert!(unused.is_empty(), "skip entries that match no case: {unused:#?}");
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
    for (source, floor) in FLOORS {
        if let Some(&ok) = passed.get(*source) {
            assert!(ok >= *floor, "{source}: {ok} cases pass, fewer than the floor of {floor}");
        }
    }
}
