//! How a download in ranges is split, written once for every shell: the CLI's
//! `get --segments` and the page's downloads over several sessions (lftp's `pget`).
//!
//! Each range is fetched on a session of its own with `REST` and a length
//! (`Session::retrieve_range`), except the last, which runs to the end of the file as
//! an ordinary download: the engine checks it against the file's size there, and so
//! catches a server that accepts `REST` and then sends from byte 0.

/// No range is smaller than this: small files stay in one piece (a range costs a
/// session's `REST`, `RETR` and `ABOR`).
pub const MIN_RANGE: u64 = 4 * 1024 * 1024;

/// One range of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// Where it starts.
    pub offset: u64,
    /// How many bytes it has.
    pub length: u64,
    /// The last range: fetched to the end of the file, not by length.
    pub to_end: bool,
}

/// `size` bytes in at most `pieces` ranges of at least [`MIN_RANGE`] bytes, in order,
/// the last one [`Range::to_end`]. A file too small to split is one range.
pub fn plan(size: u64, pieces: u32) -> Vec<Range> {
    let n = u64::from(pieces.max(1)).min(size / MIN_RANGE).max(1);
    // Equal ranges, the last one taking what is left over: none is under the minimum.
    let step = size / n;
    (0..n)
        .map(|i| {
            let offset = i * step;
            let last = i + 1 == n;
            Range { offset, length: if last { size - offset } else { step }, to_end: last }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_file_once_and_the_last_runs_to_its_end() {
        for (size, pieces) in [
            (3 * MIN_RANGE, 3),
            (10 * MIN_RANGE + 5, 4),
            (100 * MIN_RANGE - 1, 8),
            (MIN_RANGE * 5, 2),
            (4 * MIN_RANGE + 1, 4),
        ] {
            let ranges = plan(size, pieces);
            assert_eq!(ranges.len() as u32, pieces, "{size} in {pieces}");
            let mut at = 0;
            for range in &ranges {
                assert_eq!(range.offset, at);
                assert!(range.length >= MIN_RANGE);
                at += range.length;
            }
            assert_eq!(at, size);
            assert!(ranges.last().unwrap().to_end);
            assert_eq!(ranges.iter().filter(|r| r.to_end).count(), 1);
        }
    }

    #[test]
    fn small_files_stay_whole() {
        assert_eq!(
            plan(2 * MIN_RANGE - 1, 8),
            [Range { offset: 0, length: 2 * MIN_RANGE - 1, to_end: true }]
        );
        assert_eq!(plan(0, 4), [Range { offset: 0, length: 0, to_end: true }]);
        assert_eq!(plan(5 * MIN_RANGE, 0).len(), 1);
    }
}
