//! Splitting a listing's byte stream into lines, however the stream is cut.

/// Splits a byte stream into lines at LF, dropping a CR before it.
///
/// Bytes may arrive cut anywhere; a line is handed out once its LF has arrived (or at
/// [`LineSplitter::finish`]). Complete lines inside one chunk are handed out without
/// copying. A line longer than [`LineSplitter::MAX_LINE`] is cut to that length (the
/// rest of it, up to the next LF, is discarded), so a peer that never sends a line
/// ending cannot make the buffer grow without bound.
#[derive(Clone, Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    truncated: bool,
}

impl LineSplitter {
    /// The longest line handed out, in bytes.
    pub const MAX_LINE: usize = 1 << 20;

    /// A splitter with nothing buffered.
    pub fn new() -> Self {
        LineSplitter::default()
    }

    /// Feeds bytes; calls `line` for every complete line.
    pub fn push(&mut self, mut data: &[u8], mut line: impl FnMut(&[u8])) {
        while let Some(end) = find_lf(data) {
            let (head, rest) = data.split_at(end);
            data = rest.get(1..).unwrap_or_default();
            if self.pending.is_empty() && !self.truncated {
                line(strip_cr(head.get(..Self::MAX_LINE).unwrap_or(head)));
            } else {
                self.append(head);
                self.flush(&mut line);
            }
        }
        self.append(data);
    }

    /// Flushes a last line that had no line ending.
    pub fn finish(&mut self, mut line: impl FnMut(&[u8])) {
        if !self.pending.is_empty() || self.truncated {
            self.flush(&mut line);
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = Self::MAX_LINE.saturating_sub(self.pending.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.pending.extend_from_slice(bytes.get(..room).unwrap_or(bytes));
    }

    fn flush(&mut self, line: &mut impl FnMut(&[u8])) {
        let mut whole = std::mem::take(&mut self.pending);
        line(if self.truncated { &whole } else { strip_cr(&whole) });
        self.truncated = false;
        whole.clear();
        self.pending = whole;
    }
}

/// The first LF in `data`, eight bytes at a time.
fn find_lf(data: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LFS: u64 = ONES * b'\n' as u64;
    let mut words = data.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or([0; 8])) ^ LFS;
        // A zero byte in `x` (an LF in `word`) sets its high bit here.
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return word.iter().position(|&b| b == b'\n').map(|i| base + i);
        }
        base += 8;
    }
    words.remainder().iter().position(|&b| b == b'\n').map(|i| base + i)
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut s = LineSplitter::new();
        for chunk in chunks {
            s.push(chunk, |l| out.push(l.to_vec()));
        }
        s.finish(|l| out.push(l.to_vec()));
        out
    }

    #[test]
    fn splits_at_every_byte() {
        let input: &[u8] = b"a\r\nbb\n\r\n\nccc\rd\r\n\r\xff\x00x";
        let want = split(&[input]);
        assert_eq!(want, [&b"a"[..], b"bb", b"", b"", b"ccc\rd", b"\r\xff\x00x"].map(<[u8]>::to_vec));
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(split(&[a, b]), want, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(split(&bytes), want);
        for cut in 0..=input.len() {
            for cut2 in cut..=input.len() {
                let (a, bc) = input.split_at(cut);
                let (b, c) = bc.split_at(cut2 - cut);
                assert_eq!(split(&[a, b, c]), want, "cuts at {cut}, {cut2}");
            }
        }
    }

    #[test]
    fn finds_line_feeds_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                let mut data = vec![b'x'; len];
                data[at] = b'\n';
                if at + 1 < len {
                    data[len - 1] = b'\n';
                }
                assert_eq!(find_lf(&data), Some(at), "len {len}, at {at}");
                data[at] = 0x8a;
                assert_eq!(find_lf(&data[..at + 1]), None);
            }
        }
    }

    #[test]
    fn cr_split_from_lf() {
        assert_eq!(split(&[b"x\r", b"\ny"]), [b"x".to_vec(), b"y".to_vec()]);
        assert_eq!(split(&[b"x\r"]), [b"x".to_vec()], "a trailing CR at the end is dropped too");
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(split(&[]).is_empty());
        assert!(split(&[b""]).is_empty());
        assert_eq!(split(&[b"\n"]), [Vec::<u8>::new()]);
    }

    #[test]
    fn long_lines_are_cut() {
        let long = vec![b'x'; LineSplitter::MAX_LINE + 10];
        let mut input = long.clone();
        input.extend_from_slice(b"\nnext\n");
        for chunks in [vec![&input[..]], input.chunks(4096).collect()] {
            let out = split(&chunks);
            assert_eq!(out.len(), 2);
            assert_eq!(out[0].len(), LineSplitter::MAX_LINE);
            assert_eq!(out[1], b"next");
        }
        let out = split(&[&long]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), LineSplitter::MAX_LINE);
    }
}
