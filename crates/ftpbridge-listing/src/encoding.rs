//! Character encodings for names on servers that do not speak UTF-8.
//!
//! UTF-8 is always built in. With the default `encoding_rs` feature every WHATWG
//! encoding is too; without it (the browser build, where encoding tables would be most
//! of the module) an embedder supplies a [`Codec`] for the others.

use std::borrow::Cow;
use std::fmt;

/// Decoding and encoding for one legacy encoding, supplied by an embedder.
pub trait Codec: Sync {
    /// The canonical WHATWG name, e.g. `windows-1252`.
    fn name(&self) -> &str;
    /// Decodes bytes, replacing what cannot be decoded with U+FFFD.
    fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str>;
    /// Encodes text; `None` when a character has no representation.
    fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>>;
}

#[derive(Clone, Copy)]
enum Inner {
    Utf8,
    #[cfg(feature = "encoding_rs")]
    Builtin(&'static encoding_rs::Encoding),
    Custom(&'static dyn Codec),
}

/// The encoding a server uses for file names and paths.
///
/// UTF-8 is the default (RFC 2640). Invalid bytes are replaced by U+FFFD when
/// decoding for display; the raw bytes are always kept beside the decoded text.
#[derive(Clone, Copy)]
pub struct Encoding(Inner);

impl Encoding {
    /// UTF-8, the default.
    pub const UTF_8: Encoding = Encoding(Inner::Utf8);

    /// Looks an encoding up by its WHATWG label (`latin1`, `windows-1251`, `shift_jis`,
    /// `gbk`, ...), case-insensitively. Without the `encoding_rs` feature only UTF-8 is
    /// known here; see [`Encoding::custom`].
    pub fn for_label(label: &str) -> Option<Encoding> {
        let label = label.trim();
        if label.eq_ignore_ascii_case("utf-8") || label.eq_ignore_ascii_case("utf8") {
            return Some(Encoding::UTF_8);
        }
        #[cfg(feature = "encoding_rs")]
        {
            encoding_rs::Encoding::for_label(label.as_bytes())
                .map(|e| if e == encoding_rs::UTF_8 { Encoding::UTF_8 } else { Encoding(Inner::Builtin(e)) })
        }
        #[cfg(not(feature = "encoding_rs"))]
        None
    }

    /// An encoding provided by the embedder's codec.
    pub fn custom(codec: &'static dyn Codec) -> Encoding {
        Encoding(Inner::Custom(codec))
    }

    /// The canonical name, e.g. `windows-1252` for the label `latin1`.
    pub fn name(&self) -> &str {
        match self.0 {
            Inner::Utf8 => "UTF-8",
            #[cfg(feature = "encoding_rs")]
            Inner::Builtin(e) => e.name(),
            Inner::Custom(codec) => codec.name(),
        }
    }

    /// Whether this is UTF-8.
    pub fn is_utf8(&self) -> bool {
        matches!(self.0, Inner::Utf8)
    }

    /// Decodes bytes to text, replacing what cannot be decoded.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self.0 {
            // `from_utf8` checks ASCII a word at a time; the lossy path only when needed.
            Inner::Utf8 => match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            },
            #[cfg(feature = "encoding_rs")]
            Inner::Builtin(e) => e.decode_without_bom_handling(bytes).0,
            Inner::Custom(codec) => codec.decode(bytes),
        }
    }

    /// Encodes text for the server. `None` when a character has no representation in
    /// this encoding (rather than sending a substitute that names another file).
    pub fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>> {
        match self.0 {
            Inner::Utf8 => Some(Cow::Borrowed(text.as_bytes())),
            #[cfg(feature = "encoding_rs")]
            Inner::Builtin(e) => {
                let (bytes, _, had_errors) = e.encode(text);
                (!had_errors).then_some(bytes)
            }
            Inner::Custom(codec) => codec.encode(text),
        }
    }
}

impl Encoding {
    /// Whether `text`, the decoding of `bytes`, encodes back to exactly `bytes`: when
    /// it does not (bytes this encoding cannot decode, or decode to the same text as
    /// other bytes), only the bytes name the file on the server.
    pub fn round_trips(&self, text: &str, bytes: &[u8]) -> bool {
        match self.0 {
            // Valid UTF-8 decodes to itself; anything else was replaced.
            Inner::Utf8 => text.as_bytes() == bytes,
            _ => self.encode(text).is_some_and(|encoded| encoded.as_ref() == bytes),
        }
    }
}

impl Default for Encoding {
    fn default() -> Self {
        Encoding::UTF_8
    }
}

impl PartialEq for Encoding {
    fn eq(&self, other: &Self) -> bool {
        self.name().eq_ignore_ascii_case(other.name())
    }
}

impl Eq for Encoding {}

impl fmt::Debug for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Encoding({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "encoding_rs")]
    #[test]
    fn latin1_round_trips() {
        let latin1 = Encoding::for_label("latin1").unwrap();
        let raw = b"caf\xe9.txt";
        assert_eq!(latin1.decode(raw), "café.txt");
        assert_eq!(latin1.encode("café.txt").unwrap().as_ref(), raw);
        assert!(latin1.encode("日本").is_none());
        assert_eq!(Encoding::for_label("UTF-8"), Some(Encoding::UTF_8));
        assert!(Encoding::for_label("no-such-encoding").is_none());
    }

    #[test]
    fn names_that_do_not_round_trip_are_told() {
        let utf8 = Encoding::UTF_8;
        assert!(utf8.round_trips("café", "café".as_bytes()));
        // Latin-1 bytes on a UTF-8 session: the decoded name is not the file's name.
        let raw = b"caf\xe9";
        assert!(!utf8.round_trips(&utf8.decode(raw), raw));
        #[cfg(feature = "encoding_rs")]
        {
            let latin1 = Encoding::for_label("latin1").unwrap();
            assert!(latin1.round_trips(&latin1.decode(raw), raw));
            let sjis = Encoding::for_label("shift_jis").unwrap();
            let broken = b"\x82";
            assert!(!sjis.round_trips(&sjis.decode(broken), broken));
        }
    }

    #[test]
    fn utf8_is_lossy_for_display() {
        assert_eq!(Encoding::UTF_8.decode(b"a\xffb"), "a\u{fffd}b");
        assert!(Encoding::UTF_8.is_utf8());
    }

    #[test]
    fn custom_codecs_plug_in() {
        struct Upper;
        impl Codec for Upper {
            fn name(&self) -> &str {
                "x-upper"
            }
            fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
                Cow::Owned(String::from_utf8_lossy(bytes).to_uppercase())
            }
            fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>> {
                Some(Cow::Owned(text.to_lowercase().into_bytes()))
            }
        }
        static UPPER: Upper = Upper;
        let e = Encoding::custom(&UPPER);
        assert_eq!(e.decode(b"abc"), "ABC");
        assert_eq!(e.encode("ABC").unwrap().as_ref(), b"abc");
        assert_eq!(e.name(), "x-upper");
    }
}
