//! Listing parse rate: a generated 1,000,000-line Unix listing, a 1,000,000-line MLSD
//! listing, and a 1,000,000-line listing whose every line is from a dialect picked at
//! random (Unix in English and six other languages, MLSD, DOS, VMS, IBM i, z/OS, z/VM,
//! EPLF, NetWare, OS/2, numeric Unix, VxWorks, VShell, OS-9, NonStop) read by one
//! detecting parser: the worst case for detection, as the format it prefers is wrong
//! for most lines. Fed in 64 KiB chunks through `LineSplitter` and `ListingParser`.
//! Prints the median of several runs in lines per second.
//!
//! Run with `cargo bench -p ftpbridge-listing --bench parse`.

use std::hint::black_box;
use std::time::Instant;

use ftpbridge_listing::{DateTime, Encoding, Kind, LineSplitter, ListingParser, ParseOptions};

const LINES: usize = 1_000_000;
const RUNS: usize = 7;
const CHUNK: usize = 64 * 1024;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const USERS: [&str; 6] = ["root", "ftp", "www-data", "1001", "alice", "backup"];
const GROUPS: [&str; 5] = ["root", "ftp", "staff", "1001", "users"];
const STEMS: [&str; 10] = [
    "report",
    "IMG_2024",
    "backup",
    "index",
    "data set",
    "notes",
    "release-1.2.3",
    "photo",
    "archive",
    "README",
];
const EXTS: [&str; 8] = [".txt", ".jpg", ".tar.gz", ".html", "", ".csv", ".iso", ".md"];

fn name(rng: &mut Rng, i: usize) -> String {
    format!("{}_{i}{}", rng.pick(&STEMS), rng.pick(&EXTS))
}

fn unix_listing(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::with_capacity(LINES * 70);
    out.push_str("total 123456\r\n");
    for i in 1..LINES {
        let (kind, perms) = match rng.below(10) {
            0..=5 => ('-', rng.pick(&["rw-r--r--", "rw-rw-r--", "rwxr-xr-x", "rw-------"])),
            6..=8 => ('d', rng.pick(&["rwxr-xr-x", "rwxrwxr-x", "rwx------"])),
            _ => ('l', "rwxrwxrwx"),
        };
        let links = if kind == 'd' { 2 + rng.below(20) } else { 1 };
        let size = match rng.below(4) {
            0 => rng.below(1000),
            1 => rng.below(1_000_000),
            2 => rng.below(10_000_000_000),
            _ => 4096,
        };
        let month = MONTHS[rng.below(12) as usize];
        let day = 1 + rng.below(28);
        let when = if rng.below(2) == 0 {
            format!("{:02}:{:02}", rng.below(24), rng.below(60))
        } else {
            format!(" {}", 1995 + rng.below(30))
        };
        let user = rng.pick(&USERS);
        let group = rng.pick(&GROUPS);
        let name = name(rng, i);
        let tail = if kind == 'l' { format!("{name} -> ../target/{name}") } else { name };
        out.push_str(&format!(
            "{kind}{perms} {links:>3} {user:<8} {group:<8} {size:>10} {month} {day:>2} {when:>5} {tail}\r\n"
        ));
    }
    out.into_bytes()
}

fn mlsd_listing(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::with_capacity(LINES * 110);
    out.push_str("type=cdir;modify=20240329032600;perm=flcdmpe;unix.mode=0755; .\r\n");
    for i in 1..LINES {
        let modify = format!(
            "{}{:02}{:02}{:02}{:02}{:02}",
            1995 + rng.below(30),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        let uid = 1000 + rng.below(5);
        let line = match rng.below(10) {
            0..=6 => format!(
                "type=file;size={};modify={modify};perm=adfrw;unix.mode=0644;unix.owner={uid};unix.group=100;unique=803U{i:x}; {}\r\n",
                rng.below(10_000_000_000),
                name(rng, i)
            ),
            7..=8 => format!(
                "type=dir;sizd=4096;modify={modify};perm=flcdmpe;unix.mode=0755;unix.owner={uid};unix.group=100;unique=803U{i:x}; {}\r\n",
                name(rng, i)
            ),
            _ => format!("type=OS.unix=slink:/srv/{i};modify={modify};perm=adfrw; {}\r\n", name(rng, i)),
        };
        out.push_str(&line);
    }
    out.into_bytes()
}

fn mixed_listing(rng: &mut Rng) -> Vec<u8> {
    const DE: [&str; 12] =
        ["Jan", "Feb", "M\u{e4}r", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"];
    const FR: [&str; 12] = [
        "janv.",
        "f\u{e9}vr.",
        "mars",
        "avril",
        "mai",
        "juin",
        "juil.",
        "ao\u{fb}t",
        "sept.",
        "oct.",
        "nov.",
        "d\u{e9}c.",
    ];
    const RU: [&str; 12] = [
        "\u{44f}\u{43d}\u{432}",
        "\u{444}\u{435}\u{432}",
        "\u{43c}\u{430}\u{440}",
        "\u{430}\u{43f}\u{440}",
        "\u{43c}\u{430}\u{44f}",
        "\u{438}\u{44e}\u{43d}",
        "\u{438}\u{44e}\u{43b}",
        "\u{430}\u{432}\u{433}",
        "\u{441}\u{435}\u{43d}",
        "\u{43e}\u{43a}\u{442}",
        "\u{43d}\u{43e}\u{44f}",
        "\u{434}\u{435}\u{43a}",
    ];
    const VMS: [&str; 12] =
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    let mut out = String::with_capacity(LINES * 80);
    for i in 0..LINES {
        let m = rng.below(12) as usize;
        let (month, day, year) = (m + 1, 1 + rng.below(28), 1995 + rng.below(29));
        let (h, mi, sec) = (rng.below(24), rng.below(60), rng.below(60));
        let size = rng.below(10_000_000);
        let stem = rng.pick(&STEMS);
        let plain = stem.replace(' ', "_");
        let line = match rng.below(20) {
            0 => format!("-rw-r--r-- 1 ftp ftp {size:>9} {} {day:>2}  {year} {stem}_{i}.txt", MONTHS[m]),
            1 => format!("-rw-r--r-- 1 root root {size:>9} {day:>2}. {} {year}  {stem}_{i}", DE[m]),
            2 => format!("drwxr-xr-x 2 root root 4096 {day:>2} {}  {h:02}:{mi:02} {stem}_{i}", FR[m]),
            3 => format!("-rw-r--r-- 1 root root {size} {month:>2}\u{6708} {day:>2}  {year} {stem}_{i}"),
            4 => format!(
                "-rw-r--r-- 1 root root {size} {year}\u{b144} {month:>2}\u{c6d4} {day}\u{c77c} {stem}_{i}"
            ),
            5 => format!("-rw-r--r-- 1 root root {size} {} {day:>2}  {year} {stem}_{i}", RU[m]),
            6 => format!(
                "type=file;size={size};modify={year}{month:02}{day:02}{h:02}{mi:02}{sec:02};perm=r; {stem}_{i}"
            ),
            7 => format!(
                "{month:02}-{day:02}-{:02}  {:02}:{mi:02}PM {size:>20} {stem}_{i}.dat",
                year % 100,
                1 + h % 12
            ),
            8 => format!(
                "{plain}_{i}.TXT;{}  {}/{}  {day}-{}-{year} {h:02}:{mi:02}:{sec:02}  [GROUP,OWNER]  (RWED,RWED,RE,)",
                1 + i % 9,
                size / 512,
                size / 512 + 3,
                VMS[m]
            ),
            9 => format!(
                "QPGMR {size:>15} {:02}/{month:02}/{day:02} {h:02}:{mi:02}:{sec:02} *STMF      {stem}_{i}",
                year % 100
            ),
            10 => format!(
                "SAVE{:02} 3390   {year}/{month:02}/{day:02}  1    1  FB     128  6144  PS    USER.D{i}",
                i % 100
            ),
            11 => format!(
                "PROF{:04}  EXEC     A1 F         80 {:>10}          1 {year}-{month:02}-{day:02} {h:02}:{mi:02}:{sec:02} TCM191",
                i % 10_000,
                1 + size % 999
            ),
            12 => format!("+i{i}.{day},m{},r,s{size},\t{stem}_{i}", 800_000_000 + i),
            13 => format!("- [RWCEAFMS] owner {size:>20} {} {day:>2}  {year} {stem}_{i}", MONTHS[m]),
            14 => format!(
                "{size:>10}      A          {month:02}-{day:02}-{:02}   {h:02}:{mi:02}  {stem}_{i}.OS2",
                year % 100
            ),
            15 => format!("100644 1000 100 {size} {} {stem}_{i}", 800_000_000 + i * 7),
            16 => format!("{size:>10}    {}-{day:02}-{year}  {h:02}:{mi:02}:{sec:02}   {stem}_{i}", VMS[m]),
            17 => format!("{size:>8}  {} {day:02}, {year} {h:02}:{mi:02} {stem}_{i}", MONTHS[m]),
            18 => format!(
                "  0.0     {:02}/{month:02}/{day:02} {h:02}{mi:02}  ----r-wr   2ff1 {size:>9} {stem}_{i}",
                year % 100
            ),
            _ => format!(
                "F{:07}      101 {size:>15}   {day}-{}-{:02} {h:02}:{mi:02}:{sec:02}  255, 1   \"nnnn\"",
                i % 10_000_000,
                MONTHS[m],
                year % 100
            ),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Parses the whole listing once; returns how many entries came out.
fn parse(listing: &[u8], mlsd: bool) -> usize {
    let options =
        ParseOptions { now: DateTime::new(2024, 6, 15, 12, 0, 0).unwrap(), encoding: Encoding::UTF_8 };
    let mut parser = if mlsd { ListingParser::mlsd(options) } else { ListingParser::new(options) };
    let mut splitter = LineSplitter::new();
    let mut entries = 0;
    for chunk in listing.chunks(CHUNK) {
        splitter.push(chunk, |line| {
            if let Some(entry) = parser.parse_line(line) {
                assert!(entry.kind != Kind::Unknown, "not read: {}", entry.raw);
                entries += 1;
                black_box(entry);
            }
        });
    }
    splitter.finish(|line| entries += usize::from(parser.parse_line(line).is_some()));
    entries
}

fn measure(label: &str, listing: &[u8], mlsd: bool) {
    let lines = listing.iter().filter(|&&b| b == b'\n').count();
    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let entries = black_box(parse(black_box(listing), mlsd));
        let seconds = start.elapsed().as_secs_f64();
        assert!(entries + 1 >= lines, "{label}: {entries} entries from {lines} lines");
        rates.push(lines as f64 / seconds);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[RUNS / 2];
    println!(
        "{label}: {lines} lines, {:.1} MB: median {:.0} lines/s ({:.2} s per listing; best {:.0}, worst {:.0})",
        listing.len() as f64 / 1e6,
        median,
        lines as f64 / median,
        rates[RUNS - 1],
        rates[0]
    );
}

fn main() {
    let mut rng = Rng(0x5eed_1157_0f00_d5e5);
    let unix = unix_listing(&mut rng);
    let mlsd = mlsd_listing(&mut rng);
    let mixed = mixed_listing(&mut rng);
    measure("unix", &unix, false);
    measure("mlsd", &mlsd, true);
    measure("mixed", &mixed, false);
}
