//! The cell guard (QUALITY.md 2): what makes one value safe for a CSV or JSON cell.
//!
//! Control, bidi and zero-width chars are removed with the rules of [`crate::text`], and a cell
//! that a spreadsheet would take for a formula (`= + - @`, TAB, CR, NUL first) gets a leading
//! `'`. The client already cleaned every string it decoded; the guard does not rely on that,
//! because an export leaves the program and the formula rule is its own. It is a module of its
//! own because it is the one security rule of an export, tested on its own.

use std::borrow::Cow;

use crate::text;

/// First chars that make a spreadsheet read a cell as a formula (OWASP ASVS 5.0 1.2.10), plus
/// LF (a CR becomes LF below, so LF stands for it) and the full-width forms of the four
/// operators, which some spreadsheets accept in formulas too.
fn is_formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0' | '＝' | '＋' | '－' | '＠'
    )
}

/// A char to drop or rewrite in a cell: everything [`text::is_unsafe`] rejects, which includes
/// TAB, CR and LF; the caller keeps LF.
fn is_rewritten(c: char) -> bool {
    c != '\n' && text::is_unsafe(c)
}

/// Make one value safe for a CSV (or JSON) cell.
///
/// 1. Every char [`crate::text`] removes from text for the terminal is removed here too: C0
///    and C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and invisible
///    formatting chars, BOMs, noncharacters. Line breaks are kept as `'\n'`: CRLF, a lone CR,
///    U+2028 and U+2029 each become one `'\n'`. TAB becomes a space.
/// 2. When the value, after any leading BOM, zero-width, LRM/RLM or other invisible formatting
///    chars (and after leading spaces, which some importers trim), starts with `=`, `+`, `-`,
///    `@`, TAB, CR, LF or NUL (or a full-width `＝ ＋ － ＠`), the result gets a leading `'`, so
///    the spreadsheet shows it as text instead of evaluating it. Both the value as given and
///    the value as cleaned are checked, so removing a char can never uncover a formula.
///
/// Plain values come back borrowed, without a copy.
pub fn guard_cell(s: &str) -> Cow<'_, str> {
    let cleaned = strip_unsafe(s);
    if starts_like_formula(s) || starts_like_formula(&cleaned) {
        let mut out = String::with_capacity(cleaned.len() + 1);
        out.push('\'');
        out.push_str(&cleaned);
        Cow::Owned(out)
    } else {
        cleaned
    }
}

/// Step 2 of [`guard_cell`]: invisible formatting chars (not controls) and spaces are skipped,
/// then the first char decides.
fn starts_like_formula(s: &str) -> bool {
    s.chars()
        .find(|&c| !is_skipped_lead(c))
        .is_some_and(is_formula_start)
}

/// A space, or an invisible formatting char (BOM, zero-width, LRM/RLM, bidi): neither a
/// control nor a line break.
fn is_skipped_lead(c: char) -> bool {
    c == ' ' || (text::is_unsafe(c) && !c.is_control() && !is_break(c))
}

/// U+2028 and U+2029 are line breaks, not invisible: they become `'\n'`.
fn is_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// Step 1 of [`guard_cell`].
fn strip_unsafe(s: &str) -> Cow<'_, str> {
    // Fast path: printable ASCII and LF only, which is nearly every cell.
    if s.bytes().all(|b| (0x20..=0x7E).contains(&b) || b == b'\n') {
        return Cow::Borrowed(s);
    }
    if !s.chars().any(is_rewritten) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if text::is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(
            guard_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(guard_cell("\u{FEFF}=1+1"), "'=1+1");
        assert_eq!(guard_cell("\u{200B}@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_cell("\u{200E}\u{200F}+1"), "'+1");
        assert_eq!(guard_cell("-2"), "'-2");
        assert_eq!(guard_cell("+1"), "'+1");
        assert_eq!(guard_cell("@x"), "'@x");
        assert_eq!(guard_cell("\t=1"), "' =1");
        assert_eq!(guard_cell("\r=1"), "'\n=1");
        assert_eq!(guard_cell("\0=1"), "'=1");
        assert_eq!(guard_cell("  =1"), "'  =1");
        assert_eq!(guard_cell("＝1+1"), "'＝1+1");
        // A control in front does not hide the formula behind it.
        assert_eq!(guard_cell("\u{1b}=cmd"), "'=cmd");
        assert_eq!(guard_cell("\u{202E}=1"), "'=1");
    }

    #[test]
    fn plain_text_is_untouched_and_borrowed() {
        for s in [
            "Acme Media",
            "a=b",
            "x-1",
            "Zoë Ångström – café",
            "東京パートナー",
            "",
            "line one\nline two",
            "49.00",
            "'quoted'",
        ] {
            let out = guard_cell(s);
            assert_eq!(out, s);
            assert!(matches!(out, Cow::Borrowed(_)), "{s:?} was copied");
        }
    }

    #[test]
    fn controls_bidi_and_invisibles_go_line_breaks_stay() {
        assert_eq!(guard_cell("a\u{1b}[31mb"), "a[31mb");
        assert_eq!(guard_cell("a\r\nb\rc\nd"), "a\nb\nc\nd");
        assert_eq!(guard_cell("a\u{2028}b"), "a\nb");
        assert_eq!(guard_cell("a\tb"), "a b");
        assert_eq!(
            guard_cell("pay\u{200B}pal\u{202E}.com\u{7f}\u{9b}"),
            "paypal.com"
        );
        assert_eq!(guard_cell("\u{FEFF}BOM"), "BOM");
        let hostile: String = ('\u{0}'..='\u{9F}')
            .chain(['\u{2066}', '\u{FEFF}'])
            .collect();
        let out = guard_cell(&hostile);
        assert!(
            out.chars()
                .all(|c| c == '\n' || c == '\'' || !text::is_unsafe(c)),
            "{out:?}"
        );
    }
}
