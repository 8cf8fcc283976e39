//! Control-connection replies (RFC 959 section 4.2): single and multi-line, read
//! incrementally from bytes split anywhere.

use std::fmt;

/// The longest line the reader accepts, line ending included.
pub const MAX_LINE: usize = 16 * 1024;
/// The most bytes one reply (all its lines) may hold.
pub const MAX_REPLY: usize = 1024 * 1024;

/// One reply from the server: a three-digit code and its lines.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    /// Every line as received, code prefix included, without the line ending.
    lines: Vec<Vec<u8>>,
}

impl Reply {
    /// Builds a reply from its code and whole lines (as received, without line endings).
    pub fn new(code: u16, lines: Vec<Vec<u8>>) -> Reply {
        Reply { code, lines }
    }

    /// The three-digit reply code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The first digit: 1 preliminary, 2 completion, 3 intermediate, 4 transient
    /// failure, 5 permanent failure (6 for RFC 2228 protected replies).
    pub fn class(&self) -> u8 {
        (self.code / 100) as u8
    }

    /// A positive preliminary reply (1xx): more replies follow for the same command.
    pub fn is_preliminary(&self) -> bool {
        self.class() == 1
    }

    /// A positive completion reply (2xx).
    pub fn is_completion(&self) -> bool {
        self.class() == 2
    }

    /// A positive intermediate reply (3xx): the command needs a follow-up.
    pub fn is_intermediate(&self) -> bool {
        self.class() == 3
    }

    /// A transient (4xx) or permanent (5xx) failure.
    pub fn is_failure(&self) -> bool {
        matches!(self.class(), 4 | 5)
    }

    /// Every line as received, code prefix included.
    pub fn lines(&self) -> &[Vec<u8>] {
        &self.lines
    }

    /// The text of every line, with the `123-`/`123 ` prefix removed from lines that
    /// carry it, as raw bytes.
    pub fn text_lines(&self) -> impl Iterator<Item = &[u8]> {
        let code = self.code;
        self.lines.iter().map(move |line| strip_code(line, code))
    }

    /// The text of the first line without its code, as raw bytes.
    pub fn first_line(&self) -> &[u8] {
        self.text_lines().next().unwrap_or_default()
    }

    /// All text lines joined by `\n`, decoded lossily, for messages.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.text_lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&String::from_utf8_lossy(line));
        }
        out
    }

    /// The reply as the server wrote it (lines joined by `\n`), decoded lossily.
    pub fn to_wire_string(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&String::from_utf8_lossy(line));
        }
        out
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply({:?})", self.to_wire_string())
    }
}

impl fmt::Display for Reply {
    /// The first line as the server sent it, e.g. `550 Failed to open file.`; further
    /// lines are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lines.first() {
            Some(line) => f.write_str(&String::from_utf8_lossy(line)),
            None => write!(f, "{}", self.code),
        }
    }
}

/// Removes `123-` or `123 ` (or a bare `123`) from the start of a line.
fn strip_code(line: &[u8], code: u16) -> &[u8] {
    match parse_code(line) {
        Some((c, _)) if c == code => line.get(4..).unwrap_or_default(),
        _ => line,
    }
}

/// The code and separator of a line that starts with three digits followed by a
/// space, a hyphen or the end of the line.
fn parse_code(line: &[u8]) -> Option<(u16, Separator)> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = digits.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let separator = match line.get(3) {
        None => Separator::End,
        Some(b' ') => Separator::Space,
        Some(b'-') => Separator::Hyphen,
        Some(_) => return None,
    };
    Some((code, separator))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Separator {
    Space,
    Hyphen,
    End,
}

/// Why the reader gave up: the control connection cannot be trusted after this.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// A line longer than [`MAX_LINE`].
    LineTooLong,
    /// A reply longer than [`MAX_REPLY`].
    ReplyTooLong,
    /// A line that should start a reply does not begin with a three-digit code.
    NotAReply {
        /// The offending line, decoded lossily and cut to 120 characters.
        line: String,
    },
    /// A code outside 100..=699.
    BadCode(u16),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::LineTooLong => write!(f, "the server sent a line over {MAX_LINE} bytes"),
            ReplyError::ReplyTooLong => write!(f, "the server sent a reply over {MAX_REPLY} bytes"),
            ReplyError::NotAReply { line } => {
                write!(f, "the server sent a line that is not an FTP reply: {line:?}")
            }
            ReplyError::BadCode(code) => write!(f, "the server sent an invalid reply code {code}"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// Reads replies from control-connection bytes fed in pieces of any size.
///
/// ```
/// use ftpbridge_engine::ReplyReader;
/// let mut reader = ReplyReader::new();
/// reader.feed(b"220-Welcome\r\n220 ready\r\n33");
/// let reply = reader.next_reply().unwrap().unwrap();
/// assert_eq!((reply.code(), reply.text().as_str()), (220, "Welcome\nready"));
/// assert!(reader.next_reply().unwrap().is_none()); // "33" waits for more bytes
/// ```
#[derive(Debug, Default)]
pub struct ReplyReader {
    buffer: Vec<u8>,
    /// Where the next unread line starts in `buffer`.
    start: usize,
    /// The multi-line reply being collected: its code and lines so far.
    open: Option<(u16, Vec<Vec<u8>>, usize)>,
}

impl ReplyReader {
    /// A reader with nothing buffered.
    pub fn new() -> ReplyReader {
        ReplyReader::default()
    }

    /// Appends bytes received on the control connection.
    pub fn feed(&mut self, data: &[u8]) {
        if self.start > 0 && self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
        self.buffer.extend_from_slice(data);
    }

    /// Bytes received but not yet consumed as a complete line.
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// The next complete reply, `Ok(None)` when more bytes are needed.
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ReplyError> {
        loop {
            let Some(line) = self.next_line()? else {
                self.compact();
                return Ok(None);
            };
            match self.open.take() {
                None => {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue; // tolerate blank lines between replies
                    }
                    let Some((code, separator)) = parse_code(&line) else {
                        let shown: String = String::from_utf8_lossy(&line).chars().take(120).collect();
                        return Err(ReplyError::NotAReply { line: shown });
                    };
                    if !(100..700).contains(&code) {
                        return Err(ReplyError::BadCode(code));
                    }
                    if separator == Separator::Hyphen {
                        let size = line.len();
                        self.open = Some((code, vec![line], size));
                    } else {
                        return Ok(Some(Reply { code, lines: vec![line] }));
                    }
                }
                Some((code, mut lines, mut size)) => {
                    size += line.len() + 2;
                    if size > MAX_REPLY {
                        return Err(ReplyError::ReplyTooLong);
                    }
                    let ends = matches!(parse_code(&line), Some((c, Separator::Space | Separator::End)) if c == code);
                    lines.push(line);
                    if ends {
                        return Ok(Some(Reply { code, lines }));
                    }
                    self.open = Some((code, lines, size));
                }
            }
        }
    }

    /// The next line without its line ending (LF, CRLF, or a CR NUL pair kept as is).
    fn next_line(&mut self) -> Result<Option<Vec<u8>>, ReplyError> {
        let unread = &self.buffer[self.start..];
        match unread.iter().position(|&b| b == b'\n') {
            Some(end) => {
                if end + 1 > MAX_LINE {
                    return Err(ReplyError::LineTooLong);
                }
                let line = unread[..end].strip_suffix(b"\r").unwrap_or(&unread[..end]).to_vec();
                self.start += end + 1;
                Ok(Some(line))
            }
            None if unread.len() >= MAX_LINE => Err(ReplyError::LineTooLong),
            None => Ok(None),
        }
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` whole and split at every byte; every way must give `expected`.
    fn check(input: &[u8], expected: &[(u16, &str)]) {
        let whole = read_all(&[input]);
        assert_eq!(whole, expected_vec(expected), "whole input {:?}", String::from_utf8_lossy(input));
        for split in 0..input.len() {
            let (a, b) = input.split_at(split);
            assert_eq!(read_all(&[a, b]), expected_vec(expected), "split at {split}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(read_all(&bytes), expected_vec(expected), "byte by byte");
    }

    fn expected_vec(expected: &[(u16, &str)]) -> Vec<(u16, String)> {
        expected.iter().map(|(c, t)| (*c, t.to_string())).collect()
    }

    fn read_all(pieces: &[&[u8]]) -> Vec<(u16, String)> {
        let mut reader = ReplyReader::new();
        let mut out = Vec::new();
        for piece in pieces {
            reader.feed(piece);
            while let Some(reply) = reader.next_reply().expect("valid input") {
                out.push((reply.code(), reply.text()));
            }
        }
        out
    }

    macro_rules! replies {
        ($($name:ident: $input:expr => [$(($code:expr, $text:expr)),* $(,)?];)*) => {
            $(#[test] fn $name() { check($input, &[$(($code, $text)),*]); })*
        };
    }

    replies! {
        single_line: b"220 Service ready\r\n" => [(220, "Service ready")];
        bare_lf: b"220 ok\n331 pass\n" => [(220, "ok"), (331, "pass")];
        code_only: b"226\r\n" => [(226, "")];
        several_in_one_read: b"230 in\r\n200 type\r\n257 \"/\"\r\n" => [(230, "in"), (200, "type"), (257, "\"/\"")];
        multi_line: b"211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n" => [(211, "Features:\n MDTM\n SIZE\nEnd")];
        multi_line_inner_digits: b"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n"
            => [(123, "First line\nSecond line\n  234 A line beginning with numbers\nThe last line")];
        multi_line_inner_other_code: b"250-MLST x\r\n250-still going\r\n226 not the end\r\n250 End\r\n"
            => [(250, "MLST x\nstill going\n226 not the end\nEnd")];
        multi_line_inner_same_code_hyphen: b"220-a\r\n220-b\r\n220 c\r\n" => [(220, "a\nb\nc")];
        preliminary_then_final: b"150 Opening (5 bytes)\r\n226 Done\r\n" => [(150, "Opening (5 bytes)"), (226, "Done")];
        blank_lines_between: b"\r\n220 hi\r\n\r\n" => [(220, "hi")];
        non_utf8: b"257 \"/caf\xe9\" created\r\n" => [(257, "\"/caf\u{fffd}\" created")];
    }

    #[test]
    fn partial_input_waits() {
        let mut reader = ReplyReader::new();
        reader.feed(b"211-Feat\r\n SIZE\r\n");
        assert_eq!(reader.next_reply().unwrap(), None);
        reader.feed(b"211 End");
        assert_eq!(reader.next_reply().unwrap(), None);
        reader.feed(b"\r\n");
        assert_eq!(reader.next_reply().unwrap().unwrap().code(), 211);
    }

    #[test]
    fn raw_bytes_are_kept() {
        let mut reader = ReplyReader::new();
        reader.feed(b"257 \"/caf\xe9\"\r\n");
        let reply = reader.next_reply().unwrap().unwrap();
        assert_eq!(reply.first_line(), b"\"/caf\xe9\"");
    }

    #[test]
    fn rejects_garbage() {
        let mut reader = ReplyReader::new();
        reader.feed(b"HTTP/1.1 400 Bad Request\r\n");
        assert!(matches!(reader.next_reply(), Err(ReplyError::NotAReply { .. })));
        let mut reader = ReplyReader::new();
        reader.feed(b"099 low\r\n");
        assert_eq!(reader.next_reply(), Err(ReplyError::BadCode(99)));
        let mut reader = ReplyReader::new();
        reader.feed(b"22x bad\r\n");
        assert!(reader.next_reply().is_err());
    }

    #[test]
    fn bounds_line_and_reply_length() {
        let mut reader = ReplyReader::new();
        reader.feed(&vec![b'2'; MAX_LINE]);
        assert_eq!(reader.next_reply(), Err(ReplyError::LineTooLong));

        let mut reader = ReplyReader::new();
        reader.feed(b"211-start\r\n");
        let line = [b'x'; 1000];
        let mut result = Ok(None);
        for _ in 0..(MAX_REPLY / 1000 + 2) {
            reader.feed(&line);
            reader.feed(b"\r\n");
            result = reader.next_reply();
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(ReplyError::ReplyTooLong));
    }

    #[test]
    fn display_shows_first_wire_line() {
        let mut reader = ReplyReader::new();
        reader.feed(b"550-No such file\r\n550 really\r\n");
        let reply = reader.next_reply().unwrap().unwrap();
        assert_eq!(reply.to_string(), "550-No such file");
        assert!(reply.is_failure());
    }
}
