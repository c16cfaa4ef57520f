//! Untrusted text made safe to print: names, keys and values from a scenario or the
//! command line pass through [`escape`] before they reach a terminal, a file or a chart.
//!
//! A scenario is data someone else may have written. Printed raw, an ESC in a tier name
//! can retitle the terminal, clear it or hide the lines before it; a CR can overwrite a
//! line; a C1 control (U+0080–U+009F) acts as ESC `[` on terminals that honour it; a
//! bidirectional override (U+202A–U+202E, U+2066–U+2069) reorders what follows, so a
//! message can read differently from what it says. Each such character is shown as its
//! Rust escape, `\u{1b}`, which is plain ASCII, says exactly which character was there,
//! and never changes the text around it. Everything else, accents and CJK included, is
//! left as written.

use std::borrow::Cow;

/// Whether `c` is a character [`escape`] replaces: C0 controls (tab, LF and CR
/// included), DEL, C1 controls, and the bidirectional embeddings, overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [unsafe](is_unsafe) character written as `\u{…}` (ESC → `\u{1b}`);
/// borrowed, at no cost, when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] line by line: for text whose own line breaks are wanted (a whole table,
/// an error of several lines), each `\n` is kept and everything else unsafe is escaped.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<str>> = text.split('\n').map(escape).collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_become_visible_ascii() {
        assert_eq!(
            escape("\u{1b}]0;title\u{7}\u{1b}[2J"),
            "\\u{1b}]0;title\\u{7}\\u{1b}[2J"
        );
        assert_eq!(escape("a\rb\tc\nd\u{7f}"), "a\\u{d}b\\u{9}c\\u{a}d\\u{7f}");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        for s in ["Support Chatbot v2", "Café – 日本語 ★ ±", "C:\\path", ""] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
            assert_eq!(escape(s), s);
        }
        // Neighbours of the escaped ranges stay: U+00A0, U+2029, U+206A.
        assert_eq!(escape("\u{a0}\u{2029}\u{206a}"), "\u{a0}\u{2029}\u{206a}");
    }

    #[test]
    fn line_breaks_survive_only_where_asked() {
        assert_eq!(escape_lines("a\u{1b}\nb\r\n"), "a\\u{1b}\nb\\u{d}\n");
        assert_eq!(escape("a\nb"), "a\\u{a}b");
    }
}
