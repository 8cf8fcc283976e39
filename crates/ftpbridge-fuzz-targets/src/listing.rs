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
