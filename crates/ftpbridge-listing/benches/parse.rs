//! Listing parse rate: a generated 1,000,000-line Unix listing and a 1,000,000-line MLSD
//! listing, fed in 64 KiB chunks through `LineSplitter` and `ListingParser`. Prints the
//! median of several runs in lines per second.
//!
//! Run with `cargo bench -p ftpbridge-listing --bench parse`.

use std::hint::black_box;
use std::time::Instant;

use ftpbridge_listing::{DateTime, Encoding, LineSplitter, ListingParser, ParseOptions};

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
    measure("unix", &unix, false);
    measure("mlsd", &mlsd, true);
}
