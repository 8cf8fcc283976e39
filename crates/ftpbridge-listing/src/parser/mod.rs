//! Line splitting, format detection and the per-format parsers.

use crate::{DateTime, Encoding, Entry};

/// What a parser needs besides the line.
#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// The current date and time, to infer the year of lines dated without one.
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
    /// Unix `ls -l` and its variants.
    Unix,
}

/// Parses the lines of one listing, remembering the format it detected.
#[derive(Clone, Debug)]
pub struct ListingParser {
    options: ParseOptions,
    format: Option<ListingFormat>,
}

impl ListingParser {
    /// A parser that detects the format from the lines.
    pub fn new(options: ParseOptions) -> Self {
        ListingParser {
            options,
            format: None,
        }
    }

    /// A parser for MLSD output.
    pub fn mlsd(options: ParseOptions) -> Self {
        ListingParser {
            options,
            format: Some(ListingFormat::Mlsx),
        }
    }

    /// The format detected so far.
    pub fn format(&self) -> Option<ListingFormat> {
        self.format
    }

    /// Parses one line (without its line ending). `None` for lines that hold no entry
    /// (blank lines, `total 12`, headers).
    pub fn parse_line(&mut self, line: &[u8]) -> Option<Entry> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(Entry::unknown(line, self.options.encoding))
    }
}

/// Parses one MLSD/MLST line (`fact=value;fact=value; name`).
pub fn parse_mlsx_line(line: &[u8], options: &ParseOptions) -> Option<Entry> {
    Some(Entry::unknown(line, options.encoding))
}

/// Splits a byte stream into lines at LF, dropping a CR before it.
#[derive(Clone, Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// A splitter with nothing buffered.
    pub fn new() -> Self {
        LineSplitter::default()
    }

    /// Feeds bytes; calls `line` for every complete line.
    pub fn push(&mut self, mut data: &[u8], mut line: impl FnMut(&[u8])) {
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            let (head, rest) = data.split_at(end);
            data = &rest[1..];
            if self.pending.is_empty() {
                line(strip_cr(head));
            } else {
                self.pending.extend_from_slice(head);
                let whole = std::mem::take(&mut self.pending);
                line(strip_cr(&whole));
            }
        }
        self.pending.extend_from_slice(data);
    }

    /// Flushes a last line that had no line ending.
    pub fn finish(&mut self, mut line: impl FnMut(&[u8])) {
        if !self.pending.is_empty() {
            let whole = std::mem::take(&mut self.pending);
            line(strip_cr(&whole));
        }
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}
