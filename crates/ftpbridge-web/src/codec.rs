//! Legacy name encodings from the browser itself: the page's `TextDecoder` knows every
//! WHATWG encoding, so the module carries no encoding tables (they would be most of
//! its size). Encoding text back (for a path the user typed) uses a reverse table
//! built from the decoder the first time it is needed.

use ftpbridge_engine::listing::{Codec, Encoding};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use web_sys::TextDecoder;

/// One encoding, by its canonical WHATWG name.
struct BrowserCodec {
    name: String,
    reverse: OnceLock<HashMap<char, Vec<u8>>>,
}

thread_local! {
    /// One codec per encoding for the page's lifetime (a handful at most).
    static CODECS: RefCell<HashMap<String, &'static BrowserCodec>> = RefCell::new(HashMap::new());
}

/// The encoding for a WHATWG label, `None` when the browser does not know it.
pub fn for_label(label: &str) -> Option<Encoding> {
    if let Some(encoding) = Encoding::for_label(label) {
        return Some(encoding); // UTF-8
    }
    let decoder = TextDecoder::new_with_label(label.trim()).ok()?;
    let name = decoder.encoding();
    if name == "utf-8" {
        return Some(Encoding::UTF_8);
    }
    let codec = CODECS.with(|codecs| {
        *codecs
            .borrow_mut()
            .entry(name.clone())
            .or_insert_with(|| Box::leak(Box::new(BrowserCodec { name, reverse: OnceLock::new() })))
    });
    Some(Encoding::custom(codec))
}

impl BrowserCodec {
    fn decoder(&self) -> Option<TextDecoder> {
        TextDecoder::new_with_label(&self.name).ok()
    }

    /// Every character the encoding can write, with its bytes: single bytes, and the
    /// two-byte sequences of the CJK double-byte encodings.
    fn reverse(&self) -> &HashMap<char, Vec<u8>> {
        self.reverse.get_or_init(|| {
            let mut table = HashMap::new();
            let Some(decoder) = self.decoder() else { return table };
            let mut one = |bytes: &[u8]| {
                if let Ok(text) = decoder.decode_with_u8_array(bytes) {
                    let mut chars = text.chars();
                    if let (Some(c), None) = (chars.next(), chars.next())
                        && c != '\u{fffd}'
                    {
                        table.entry(c).or_insert_with(|| bytes.to_vec());
                    }
                }
            };
            for byte in 0x80..=0xffu8 {
                one(&[byte]);
            }
            let double_byte =
                matches!(self.name.as_str(), "shift_jis" | "euc-jp" | "gbk" | "gb18030" | "big5" | "euc-kr");
            if double_byte {
                for lead in 0x81..=0xfeu8 {
                    for trail in 0x40..=0xfeu8 {
                        one(&[lead, trail]);
                    }
                }
            }
            table
        })
    }
}

impl Codec for BrowserCodec {
    fn name(&self) -> &str {
        &self.name
    }

    fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        if bytes.is_ascii() {
            return String::from_utf8_lossy(bytes);
        }
        match self.decoder().and_then(|d| d.decode_with_u8_array(bytes).ok()) {
            Some(text) => Cow::Owned(text),
            None => String::from_utf8_lossy(bytes),
        }
    }

    fn encode<'a>(&self, text: &'a str) -> Option<Cow<'a, [u8]>> {
        if text.is_ascii() {
            return Some(Cow::Borrowed(text.as_bytes()));
        }
        let reverse = self.reverse();
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c as u8);
            } else {
                out.extend_from_slice(reverse.get(&c)?);
            }
        }
        Some(Cow::Owned(out))
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn latin1_from_the_browser() {
        let latin1 = for_label("latin1").unwrap();
        assert_eq!(latin1.name(), "windows-1252");
        assert_eq!(latin1.decode(b"caf\xe9.txt"), "café.txt");
        assert_eq!(latin1.encode("café.txt").unwrap().as_ref(), b"caf\xe9.txt");
        assert!(latin1.encode("日本").is_none());
    }

    #[wasm_bindgen_test]
    fn double_byte_encodings_round_trip() {
        for (label, text) in
            [("shift_jis", "日本語.txt"), ("gbk", "中文.txt"), ("windows-1251", "Привет.txt")]
        {
            let encoding = for_label(label).unwrap();
            let bytes = encoding.encode(text).unwrap().into_owned();
            assert_ne!(bytes, text.as_bytes(), "{label}");
            assert_eq!(encoding.decode(&bytes), text, "{label}");
        }
        assert!(for_label("utf-8").unwrap().is_utf8());
        assert!(for_label("no-such-encoding").is_none());
    }
}
