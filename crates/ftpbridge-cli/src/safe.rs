//! Text a server controls (names, replies, messages that quote them), made safe for a
//! terminal: control characters would move the cursor, set the window title or fake
//! rows, and bidirectional overrides would show `txt.exe` as `exe.txt`. On a
//! terminal each such character is shown escaped, as `ls -b` does; elsewhere (a pipe,
//! `--json`) text stays exact.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is.
fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `text` with control and bidi characters escaped (`\n`, `\t`, `\x1b`, `\u{202e}`)
/// and backslashes doubled, so that what is shown is unambiguous.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c == '\\' || is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` as it should be written to a stream: escaped when that stream is a terminal.
pub fn for_stream(text: &str, terminal: bool) -> Cow<'_, str> {
    if terminal { escaped(text) } else { Cow::Borrowed(text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_escaped() {
        assert_eq!(escaped("plain name.txt"), "plain name.txt");
        assert_eq!(escaped("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(escaped("\x1b]0;owned\x07title"), "\\x1b]0;owned\\x07title");
        assert_eq!(escaped("photo\u{202e}gpj.exe"), "photo\\u{202e}gpj.exe");
        assert_eq!(escaped("\u{9b}31m"), "\\x9b31m");
        assert_eq!(escaped("back\\slash"), "back\\\\slash");
        assert_eq!(escaped("Привет мир 文件"), "Привет мир 文件");
        assert_eq!(for_stream("a\nb", false), "a\nb");
    }
}
