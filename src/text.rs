//! The one sanitizer for untrusted text (QUALITY.md 1, ARCHITECTURE.md).
//!
//! Everything that comes from the server, a seed file or the config passes through
//! [`clean_line`] or [`clean_text`] once, where it enters the program (the client's JSON
//! decoding via [`Clean`], the config's messages), before it can reach a terminal cell or
//! anything printed after the terminal is restored. Code that draws never sanitizes again.
//!
//! What is removed, and why:
//! - C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F): ESC, CSI
//!   (U+009B) and OSC (U+009D) start terminal escape sequences (clipboard writes with OSC 52,
//!   fake hyperlinks with OSC 8, screen clears); BEL, BS and CR rewrite what is on screen.
//!   TAB, LF and CR are not dropped but turned into spaces or line breaks (see each function).
//! - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the marks
//!   U+061C, U+200E, U+200F: they reorder what the user sees ("Trojan Source",
//!   CVE-2021-42574), so a name can look like another or a URL can hide its host.
//! - Zero-width and invisible formatting characters (U+200B–U+200F, U+2060–U+206F, U+FEFF,
//!   U+00AD soft hyphen, U+180E): they make two different strings look the same. This also
//!   drops the zero-width joiner, so a ZWJ emoji sequence shows as its separate emoji.
//! - Noncharacters (U+FDD0–U+FDEF and every U+xFFFE / U+xFFFF) and the interlinear
//!   annotation characters (U+FFF9–U+FFFB).
//! - U+2028 / U+2029 (line and paragraph separator) become a space or a line break.
//!
//! Private-use characters, combining marks, wide (CJK) characters and emoji are kept: they are
//! legitimate in names and do not control the terminal.
//!
//! Lengths are capped ([`MAX_LINE_CHARS`], [`MAX_TEXT_CHARS`]) so that a hostile or broken
//! server cannot make every frame slow with a 10,000-character name.

/// Longest result of [`clean_line`], in chars, including the `…` that marks a cut.
pub const MAX_LINE_CHARS: usize = 1_000;
/// Longest result of [`clean_text`], in chars, including the `…` that marks a cut.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Marks a string that was cut at its cap.
const ELLIPSIS: char = '…';

/// What happens to one input char.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Keep,
    Drop,
    /// U+0009.
    Tab,
    /// LF, CR, U+2028, U+2029.
    Break,
}

fn classify(c: char) -> Class {
    match c {
        '\t' => Class::Tab,
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => Class::Break,
        // Printable ASCII: by far the most common case, decided first.
        ' '..='~' => Class::Keep,
        // C0 controls, DEL, C1 controls.
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => Class::Drop,
        // Soft hyphen, Arabic letter mark, Mongolian vowel separator.
        '\u{AD}' | '\u{61C}' | '\u{180E}' => Class::Drop,
        // Zero-width space/non-joiner/joiner, LRM, RLM.
        '\u{200B}'..='\u{200F}' => Class::Drop,
        // Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO).
        '\u{202A}'..='\u{202E}' => Class::Drop,
        // Word joiner, invisible operators, bidi isolates (LRI, RLI, FSI, PDI), and the
        // deprecated invisible format controls U+206A–U+206F.
        '\u{2060}'..='\u{206F}' => Class::Drop,
        // Arabic-presentation noncharacters.
        '\u{FDD0}'..='\u{FDEF}' => Class::Drop,
        // BOM / zero-width no-break space.
        '\u{FEFF}' => Class::Drop,
        // Interlinear annotation anchor, separator, terminator.
        '\u{FFF9}'..='\u{FFFB}' => Class::Drop,
        // U+FFFE, U+FFFF, U+1FFFE, U+1FFFF, ... U+10FFFF: noncharacters.
        c if (c as u32) & 0xFFFE == 0xFFFE => Class::Drop,
        _ => Class::Keep,
    }
}

/// Is `c` a char that [`clean_line`] never lets through? (True for TAB, LF and CR too, which
/// it turns into spaces; [`clean_text`] keeps `'\n'`.) For code that takes text from
/// somewhere else and wants the same rule, e.g. a paste into an input field.
pub fn is_unsafe(c: char) -> bool {
    classify(c) != Class::Keep
}

/// `s` is printable ASCII (U+0020–U+007E) only and short enough.
///
/// Why a fast path: ids, emails, URLs and most names are plain ASCII, and no printable ASCII
/// char is in any class this module removes or rewrites, so such a string is already clean
/// and a byte scan is all it needs (no per-char classification, no re-encoding). It is still
/// copied because the functions return an owned `String`.
fn is_plain_ascii(s: &str, cap: usize) -> bool {
    s.len() <= cap && s.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

/// Clean a single-line field (a name, a title, an email, an id, a URL).
///
/// Removes every char listed in the module docs; TAB, LF, CR, U+2028 and U+2029 each become a
/// single space (a CRLF pair becomes one space). The result has at most [`MAX_LINE_CHARS`]
/// chars; a longer one is cut and ends with `…`.
pub fn clean_line(s: &str) -> String {
    clean_line_capped(s, MAX_LINE_CHARS)
}

fn clean_line_capped(s: &str, cap: usize) -> String {
    debug_assert!(cap > 0);
    if is_plain_ascii(s, cap) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len().min(cap.saturating_mul(4)));
    let mut count = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let o = match classify(c) {
            Class::Keep => c,
            Class::Drop => continue,
            Class::Tab => ' ',
            Class::Break => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                ' '
            }
        };
        if count == cap {
            out.pop();
            out.push(ELLIPSIS);
            return out;
        }
        out.push(o);
        count += 1;
    }
    out
}

/// Clean a multi-line field (a description, a preview, a reason, an email body).
///
/// The same chars as [`clean_line`] are removed, but line breaks are kept as `'\n'`: CRLF, a
/// lone CR, U+2028 and U+2029 all become `'\n'`. TAB becomes four spaces. More than two blank
/// lines in a row (lines that are empty or only spaces) are collapsed to two. The result has
/// at most [`MAX_TEXT_CHARS`] chars; a longer one is cut and ends with `…`.
pub fn clean_text(s: &str) -> String {
    clean_text_capped(s, MAX_TEXT_CHARS)
}

/// Blank lines kept in a row by [`clean_text`].
const MAX_BLANK_LINES: usize = 2;

fn clean_text_capped(s: &str, cap: usize) -> String {
    debug_assert!(cap > 0);
    if is_plain_ascii(s, cap) {
        return s.to_owned();
    }
    let mut w = CappedWriter {
        out: String::with_capacity(s.len().min(cap.saturating_mul(4))),
        count: 0,
        cap,
    };
    // Where the current line starts in `w.out`, whether it is blank so far, and how many blank
    // lines directly precede it.
    let mut line_start = 0;
    let mut line_blank = true;
    let mut blank_run = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let full = match classify(c) {
            Class::Keep => {
                if c != ' ' {
                    line_blank = false;
                }
                !w.push(c)
            }
            Class::Drop => false,
            Class::Tab => !(0..4).all(|_| w.push(' ')),
            Class::Break => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                blank_run = if line_blank { blank_run + 1 } else { 0 };
                let full = if blank_run > MAX_BLANK_LINES {
                    // Drop this blank line (its spaces) and its line break.
                    w.count -= w.out.len() - line_start;
                    w.out.truncate(line_start);
                    false
                } else {
                    !w.push('\n')
                };
                line_start = w.out.len();
                line_blank = true;
                full
            }
        };
        if full {
            break;
        }
    }
    w.out
}

/// A `String` that stops at `cap` chars, replacing the last one with `…` when more come.
struct CappedWriter {
    out: String,
    count: usize,
    cap: usize,
}

impl CappedWriter {
    /// Append `c`; false (and the `…` written) when the cap was already reached.
    fn push(&mut self, c: char) -> bool {
        if self.count == self.cap {
            self.out.pop();
            self.out.push(ELLIPSIS);
            return false;
        }
        self.out.push(c);
        self.count += 1;
        true
    }
}

/// A value decoded from an untrusted source whose strings are made safe to display.
///
/// Single-line fields go through [`clean_line`], multi-line ones (descriptions, previews,
/// bodies, reasons, details) through [`clean_text`]. Credentials and opaque tokens that are
/// only ever sent back (an impersonation token, a page cursor) are left exactly as they came:
/// changing them would break them, and they are never displayed.
///
/// This module implements it for the containers (`Option`, `Vec`, `Box`); each wire type in
/// `crate::domain` implements it beside its definition, calling only `line`, `text`,
/// `opt_line` and `opt_text` below (or its fields' own `clean`), so the rules stay here. Those
/// impls build their struct with a full struct literal (no `..self`): a field added to a domain
/// type later does not compile until someone decides how it is cleaned.
pub trait Clean {
    #[must_use]
    fn clean(self) -> Self;
}

// Owned variants for `Clean`: a string that is already plain ASCII is moved through, not copied.

/// [`clean_line`] of an owned single-line field.
pub(crate) fn line(s: String) -> String {
    if is_plain_ascii(&s, MAX_LINE_CHARS) {
        s
    } else {
        clean_line(&s)
    }
}

/// [`clean_text`] of an owned multi-line field.
pub(crate) fn text(s: String) -> String {
    if is_plain_ascii(&s, MAX_TEXT_CHARS) {
        s
    } else {
        clean_text(&s)
    }
}

/// The most chars [`document`] keeps: a rendered request body (64 KiB at most) fits whole.
pub const MAX_DOCUMENT_CHARS: usize = 70_000;

/// [`text`] of a whole document (a rendered lead body), capped at [`MAX_DOCUMENT_CHARS`]
/// rather than [`MAX_TEXT_CHARS`].
pub(crate) fn document(s: String) -> String {
    if is_plain_ascii(&s, MAX_DOCUMENT_CHARS) {
        s
    } else {
        clean_text_capped(&s, MAX_DOCUMENT_CHARS)
    }
}

/// [`line`] of an optional field.
pub(crate) fn opt_line(s: Option<String>) -> Option<String> {
    s.map(line)
}

/// [`text`] of an optional field.
pub(crate) fn opt_text(s: Option<String>) -> Option<String> {
    s.map(text)
}

impl<T: Clean> Clean for Option<T> {
    fn clean(self) -> Self {
        self.map(Clean::clean)
    }
}

impl<T: Clean> Clean for Vec<T> {
    fn clean(self) -> Self {
        self.into_iter().map(Clean::clean).collect()
    }
}

impl<T: Clean> Clean for Box<T> {
    fn clean(self) -> Self {
        Box::new((*self).clean())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile_chars() -> Vec<char> {
        let mut v: Vec<char> = ('\u{0}'..='\u{1F}')
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        v.extend('\u{7F}'..='\u{9F}');
        v.extend(['\u{AD}', '\u{61C}', '\u{180E}', '\u{FEFF}']);
        v.extend('\u{200B}'..='\u{200F}');
        v.extend('\u{202A}'..='\u{202E}');
        v.extend('\u{2060}'..='\u{206F}');
        v.extend('\u{FDD0}'..='\u{FDEF}');
        v.extend('\u{FFF9}'..='\u{FFFB}');
        for plane in 0..=0x10u32 {
            for low in [0xFFFE, 0xFFFF] {
                v.push(char::from_u32(plane << 16 | low).unwrap());
            }
        }
        v
    }

    #[test]
    fn every_removed_class_is_removed_in_both_modes() {
        for c in hostile_chars() {
            let s = format!("a{c}b");
            assert_eq!(clean_line(&s), "ab", "{:#06x}", c as u32);
            assert_eq!(clean_text(&s), "ab", "{:#06x}", c as u32);
            assert!(is_unsafe(c));
        }
    }

    #[test]
    fn escape_sequences_lose_their_introducer() {
        // With ESC/CSI/OSC/BEL gone the rest is inert printable text.
        assert_eq!(clean_line("a\u{1b}[2Jb"), "a[2Jb");
        assert_eq!(clean_line("\u{1b}]52;c;aGk=\u{7}x"), "]52;c;aGk=x");
        assert_eq!(
            clean_line("\u{9b}31m\u{9d}8;;http://e\u{9c}"),
            "31m8;;http://e"
        );
        assert_eq!(clean_line("x\u{8}\u{8}\u{0}y\u{7f}"), "xy");
    }

    #[test]
    fn bidi_and_invisible_formatting() {
        assert_eq!(clean_line("\u{202E}gnp.exe\u{202C}"), "gnp.exe");
        assert_eq!(
            clean_line("\u{2067}abc\u{2069}\u{200E}\u{200F}\u{61C}"),
            "abc"
        );
        assert_eq!(clean_line("pay\u{AD}pal\u{200B}.com\u{FEFF}"), "paypal.com");
        assert_eq!(clean_line("\u{FEFF}BOM first"), "BOM first");
        assert_eq!(clean_line("a\u{2062}b\u{180E}c\u{FFF9}d\u{FFFB}"), "abcd");
    }

    #[test]
    fn legitimate_text_is_kept() {
        for s in [
            "Zoë Ångström – café №5",
            "東京パートナー株式会社",
            "שלום עולם مرحبا",
            "e\u{301}\u{308}",
            "🙂🚀",
            "\u{E000}private\u{F8FF}",
            "👍🏽",
        ] {
            assert_eq!(clean_line(s), s);
            assert_eq!(clean_text(s), s);
        }
        // The ZWJ goes: the family shows as its three members.
        assert_eq!(clean_line("👨\u{200D}👩\u{200D}👧"), "👨👩👧");
    }

    #[test]
    fn line_turns_breaks_and_tabs_into_single_spaces() {
        assert_eq!(clean_line("a\tb\nc\rd\r\ne"), "a b c d e");
        assert_eq!(clean_line("a\u{2028}b\u{2029}c"), "a b c");
        assert_eq!(clean_line("a\r\n\r\nb"), "a  b");
        assert_eq!(clean_line("\u{b}\u{c}"), "");
    }

    #[test]
    fn text_keeps_lines_and_normalizes_crlf() {
        assert_eq!(clean_text("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(clean_text("a\u{2028}b\u{2029}c"), "a\nb\nc");
        assert_eq!(clean_text("a\r\r\nb"), "a\n\nb");
        assert_eq!(clean_text("\tx\ty"), "    x    y");
        assert_eq!(clean_text("line\u{1b}[1m\nnext"), "line[1m\nnext");
    }

    #[test]
    fn text_collapses_more_than_two_blank_lines() {
        assert_eq!(clean_text("a\n\n\nb"), "a\n\n\nb");
        assert_eq!(clean_text("a\n\n\n\n\n\n\nb"), "a\n\n\nb");
        assert_eq!(clean_text("a\r\n\r\n\r\n\r\n\r\nb"), "a\n\n\nb");
        // Lines of spaces (tabs included) are blank too.
        assert_eq!(clean_text("a\n \n\t\n  \n \nb"), "a\n \n    \nb");
        // Controls on a line do not make it non-blank.
        assert_eq!(clean_text("a\n\u{1b}\n\u{7}\n\u{200B}\n\nb"), "a\n\n\nb");
        assert_eq!(clean_text("\n\n\n\n\nx\n\n\n\n"), "\n\nx\n\n\n");
        // Blank runs are counted again after text.
        assert_eq!(clean_text("a\n\n\n\nb\n\n\n\nc"), "a\n\n\nb\n\n\nc");
    }

    #[test]
    fn fast_path_returns_the_input() {
        let s = "Acme Corp <ops@acme.example> #42 ~!";
        assert_eq!(clean_line(s), s);
        assert_eq!(clean_text(s), s);
        assert!(is_plain_ascii(s, MAX_LINE_CHARS));
        assert!(!is_plain_ascii("a\tb", MAX_LINE_CHARS));
        assert!(!is_plain_ascii("a\nb", MAX_LINE_CHARS));
        assert!(!is_plain_ascii("é", MAX_LINE_CHARS));
        // Plain ASCII above the cap still gets cut.
        assert!(!is_plain_ascii(
            &"x".repeat(MAX_LINE_CHARS + 1),
            MAX_LINE_CHARS
        ));
        // Every printable ASCII char is safe, so the fast path agrees with the slow one.
        let all: String = (' '..='~').collect();
        assert!(all.chars().all(|c| !is_unsafe(c)));
        assert_eq!(clean_line(&all), all);
        assert_eq!(clean_line(&format!("{all}é")), format!("{all}é"));
    }

    #[test]
    fn line_is_capped() {
        let exact = "x".repeat(MAX_LINE_CHARS);
        assert_eq!(clean_line(&exact), exact);
        let long = "y".repeat(10_000);
        let out = clean_line(&long);
        assert_eq!(out.chars().count(), MAX_LINE_CHARS);
        assert!(out.ends_with('…'));
        assert!(out.starts_with(&"y".repeat(MAX_LINE_CHARS - 1)));
        // Counted after cleaning, in chars, not bytes.
        let wide = format!("{}\u{1b}", "é".repeat(MAX_LINE_CHARS));
        assert_eq!(clean_line(&wide), "é".repeat(MAX_LINE_CHARS));
        let wide = "東".repeat(MAX_LINE_CHARS + 1);
        let out = clean_line(&wide);
        assert_eq!(out.chars().count(), MAX_LINE_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(clean_line_capped("abcdef\u{1b}", 3), "ab…");
        assert_eq!(clean_line_capped("ab\u{1b}c", 3), "abc");
    }

    #[test]
    fn text_is_capped() {
        let exact = "x".repeat(MAX_TEXT_CHARS);
        assert_eq!(clean_text(&exact), exact);
        let long = "line\n".repeat(10_000);
        let out = clean_text(&long);
        assert_eq!(out.chars().count(), MAX_TEXT_CHARS);
        assert!(out.ends_with('…'));
        assert_eq!(clean_text_capped("a\tb", 3), "a …");
        assert_eq!(clean_text_capped("ab\ncd", 5), "ab\ncd");
        assert_eq!(clean_text_capped("ab\ncde", 5), "ab\nc…");
        // Collapsed blank lines do not count.
        assert_eq!(clean_text_capped("a\n\n\n\n\n\nb", 5), "a\n\n\nb");
    }
}
