//! Parsers for FTP directory listings.
//!
//! ```text
//!  raw LIST / MLSD bytes ──► LineSplitter ──► ListingParser ──► Entry
//!   (any chunking)          (lines, CR        │ format detected per listing,
//!                            dropped)         │ preferred for later lines
//!                                             └─ Encoding decodes names
//! ```
//!
//! Every line becomes an [`Entry`] or, for lines that hold no entry (blank lines,
//! `total 12`, headers), nothing. A line no parser understands comes back with
//! [`Kind::Unknown`] and its raw text, never dropped; no input makes a parser panic.
//! Names keep their raw bytes ([`Entry::name_bytes`]) so a name in a legacy encoding
//! can be sent back to the server unchanged.
//!
//! # Formats
//!
//! See [`ListingFormat`]: MLSD/MLST facts (RFC 3659, with the deviations servers make);
//! Unix `ls -l` in its real-world variants (dates in the forms and languages `ls` prints
//! them, East Asian dates in UTF-8 and the legacy double-byte encodings, `ls -lh`
//! sizes, no date at all; MacOS "Peter", Connect:Enterprise and VShell's `ls`
//! imitation too); numeric Unix listings of embedded servers; MS-DOS/IIS/Windows CE;
//! EPLF; OpenVMS (versions kept, entries wrapped onto two lines included); OS/2; IBM i
//! (OS/400); z/OS (data sets on disk and tape, members, load modules, JES jobs); z/VM
//! CMS; NetWare; HP NonStop (Tandem); VxWorks and Nortel routers; VShell's older
//! layout; OS-9. The parser tries them in the order of [`DETECTION_ORDER`] until one
//! accepts a line, then tries that one first for the rest of the listing. Every line is
//! read on its own: what earlier lines showed (the format, the order of numeric dates,
//! a z/OS header) only helps to choose between readings. Each dialect's module says
//! which servers send it and what is ambiguous about it.
//!
//! # Dates without a year
//!
//! `ls -l` prints `Mar 29 03:26` for recent files: the year is implied. The parser
//! takes it from [`ParseOptions::now`] (an input, so results are deterministic; the
//! parser never reads a clock) by this rule: **take `now`'s year; if that puts the date
//! more than one day after `now`, use the previous year.** The day of slack absorbs
//! the time zone between the server's clock and `now`. A 29 February goes back to the
//! latest leap year that satisfies the rule. (Some clients use a six-month window
//! instead; for a date between one day and six months ahead the two rules disagree.)
//!
//! Listing times are the server's wall clock and carry no zone; they are reported as
//! they are printed. MLSD and EPLF times are UTC.
//!
//! # Example
//!
//! ```
//! use ftpbridge_listing::{DateTime, Encoding, Kind, LineSplitter, ListingParser, ParseOptions};
//!
//! let options = ParseOptions { now: DateTime::new(2024, 6, 15, 12, 0, 0).unwrap(), encoding: Encoding::UTF_8 };
//! let mut parser = ListingParser::new(options);
//! let mut splitter = LineSplitter::new();
//! let mut entries = Vec::new();
//! // Bytes arrive from the data connection in arbitrary pieces.
//! for piece in [&b"total 8\r\ndrwxr-xr-x 2 ftp ftp 4096 Mar 29 03:26 pub\r\n-rw-r--r-- 1 ftp ftp 12 Ja"[..], b"n  2  2020 a.txt\r\n"] {
//!     splitter.push(piece, |line| entries.extend(parser.parse_line(line)));
//! }
//! // At the end of the listing: a last line without a line ending, then what the
//! // parser still holds.
//! splitter.finish(|line| entries.extend(parser.parse_line(line)));
//! while let Some(entry) = parser.finish() {
//!     entries.push(entry);
//! }
//! assert_eq!(entries.len(), 2);
//! assert_eq!((entries[0].name.as_str(), entries[0].kind), ("pub", Kind::Dir));
//! assert_eq!(entries[0].modified.unwrap().to_rfc3339(), "2024-03-29T03:26:00Z");
//! assert_eq!((entries[1].name.as_str(), entries[1].size), ("a.txt", Some(12)));
//! ```

mod datetime;
mod encoding;
mod entry;
mod parser;

pub use datetime::DateTime;
pub use encoding::{Codec, Encoding};
pub use entry::{Entry, Kind};
pub use parser::{
    DETECTION_ORDER, LineSplitter, ListingFormat, ListingParser, ParseOptions, parse_mlsx_line,
};
