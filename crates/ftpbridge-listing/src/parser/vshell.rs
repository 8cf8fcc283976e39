//! VShell for Windows, its older layout: `  206876  Apr 04, 2000 21:06 Report.txt`.
//!
//! VanDyke's VShell server on Windows first listed the size, a date `Mon DD, YYYY`
//! (some builds without the comma), a 24-hour time and the name, marking directories
//! with a trailing `/` (or `\`). Its later releases print an `ls -l` imitation with the
//! same date (`-rwxr-xr-x 1 user group 9 Oct 08, 2002 09:47 name`), which the Unix
//! reader takes.
//!
//! Ambiguous: a file whose name really ends in `/` cannot exist on Windows, so the mark
//! is always a directory's. Month names in the other languages of
//! [`super::months`] are accepted; VShell itself prints English.

use super::Parts;
use super::months::month_from_name;
use super::scan::{Tokens, parse_small, parse_time, parse_u64, rest, skip_blanks};
use crate::{DateTime, Entry, Kind, ParseOptions};

pub(crate) fn parse(line: &[u8], o: &ParseOptions) -> Option<Entry> {
    let mut tokens = Tokens::new(line, 0);
    let size = parse_u64(tokens.next_bytes()?)?;
    let month = month_from_name(tokens.next_bytes()?, o.encoding)?;
    let day = tokens.next_bytes()?;
    let day = parse_small(day.strip_suffix(b",").unwrap_or(day), 2)?;
    let year = tokens.next_bytes().filter(|y| y.len() == 4).and_then(|y| parse_small(y, 4))?;
    let (h, mi, s, _, _) = parse_time(tokens.next_bytes()?)?;
    let mut name = rest(line, skip_blanks(line, tokens.pos()));
    let mut kind = Kind::File;
    if let Some(stripped) = name.strip_suffix(b"/").or_else(|| name.strip_suffix(b"\\")) {
        kind = Kind::Dir;
        name = stripped;
    }
    if name.is_empty() || tokens.pos() == line.len() {
        return None;
    }
    let mut parts = Parts::new(name, kind);
    parts.size = Some(size);
    parts.modified = Some(DateTime::new(year as i32, month, u8::try_from(day).ok()?, h, mi, s)?);
    Some(parts.build(line, o.encoding))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{options, vectors};
    use super::*;

    fn p(line: &[u8]) -> Option<Entry> {
        parse(line, &options())
    }

    vectors! { p;
        file: b"  206876  Apr 04, 2000 21:06 Report (Old).txt" => (|e| {
            assert_eq!((e.name.as_str(), e.kind, e.size), ("Report (Old).txt", Kind::File, Some(206_876)));
            assert_eq!(e.modified.unwrap().to_rfc3339(), "2000-04-04T21:06:00Z");
        });
        dir: b"       0  Dec 12, 2002 02:13 Old Directory/" => (|e| {
            assert_eq!((e.name.as_str(), e.kind), ("Old Directory", Kind::Dir));
        });
        backslash_dir: b"0 Dec 12 2002 02:13 tools\\" => (|e| assert_eq!((e.name.as_str(), e.kind), ("tools", Kind::Dir)));
        rejects: [
            b"  206876  Apr 04, 00 21:06 x",
            b"  206876  Apr 34, 2000 21:06 x",
            b"  206876  Apr 04, 2000 21:06",
            b"  206876  Apr 04, 2000 21:06 /",
            b"  206876  Xyz 04, 2000 21:06 x",
            b"587823    RSA    DIR   01-08-97   13:58  OS2KRNL",
        ] => None;
    }
}
