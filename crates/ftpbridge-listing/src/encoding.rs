//! Character encodings for names on servers that do not speak UTF-8.

use std::borrow::Cow;

/// The encoding a server uses for file names and paths.
///
/// UTF-8 is the default (RFC 2640). Invalid bytes are replaced by U+FFFD when
/// decoding for display; the raw bytes are always kept beside the decoded text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoding(&'static encoding_rs::Encoding);

impl Encoding {
    /// UTF-8, the default.
    pub const UTF_8: Encoding = Encoding(encoding_rs::UTF_8);

    /// Looks an encoding up by its WHATWG label (`latin1`, `windows-1251`, `shift_jis`,
    /// `gbk`, ...), case-insensitively.
    pub fn for_label(label: &str) -> Option<Encoding> {
        encoding_rs::Encoding::for_label(label.trim().as_bytes()).map(Encoding)
    }

    /// The canonical name, e.g. `windows-1252` for the label `latin1`.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Whether this is UTF-8.
    pub fn is_utf8(&self) -> bool {
        self.0 == encoding_rs::UTF_8
    }

    /// Decodes bytes to text, replacing what cannot be decoded.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        if self.is_utf8() {
            return String::from_utf8_lossy(bytes);
        }
        self.0.decode_without_bom_handling(bytes).0
    }

    /// Encodes text for the server. `None` when a character has no representation in
    /// this encoding (rather than sending a substitute that names another file).
    pub fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>> {
        if self.is_utf8() {
            return Some(Cow::Borrowed(text.as_bytes()));
        }
        let (bytes, _, had_errors) = self.0.encode(text);
        (!had_errors).then_some(bytes)
    }
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding::UTF_8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_round_trips() {
        let latin1 = Encoding::for_label("latin1").unwrap();
        let raw = b"caf\xe9.txt";
        assert_eq!(latin1.decode(raw), "café.txt");
        assert_eq!(latin1.encode("café.txt").unwrap().as_ref(), raw);
        assert!(latin1.encode("日本").is_none());
    }

    #[test]
    fn utf8_is_lossy_for_display() {
        assert_eq!(Encoding::UTF_8.decode(b"a\xffb"), "a\u{fffd}b");
    }
}
