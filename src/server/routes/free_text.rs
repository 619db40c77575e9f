//! Text people write into the API: rejection reasons, approval comments and impersonation
//! reasons. Reasons are emailed to partners and kept in the audit log, so what reaches them must
//! be text a person can read: no control characters (a NUL, or `ESC ] 52` that a terminal would
//! run as a clipboard write) and no bidi controls (U+202E makes a reason read backwards). Such
//! text is refused (422 `invalid_text`) rather than cleaned, so the writer sees what was wrong.
//! Line breaks and tabs are text and stay.

use axum::http::StatusCode;

use crate::domain::codes;
use crate::server::problem::ApiProblem;

/// A required text (a reason): trimmed, at most `max` chars, with something visible in it.
pub(super) fn required(text: &str, max: usize, what: &str) -> Result<String, ApiProblem> {
    match optional(text, max, what)? {
        Some(t) => Ok(t),
        None => Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::REASON_REQUIRED,
            format!("A {what} is required."),
        )),
    }
}

/// An optional text (a comment): trimmed, at most `max` chars; `None` when nothing visible is
/// in it, as if it had not been sent.
pub(super) fn optional(text: &str, max: usize, what: &str) -> Result<Option<String>, ApiProblem> {
    if let Some(c) = text.chars().find(|&c| is_refused(c)) {
        return Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_TEXT,
            format!(
                "The {what} contains U+{:04X}, a control or bidi character; send plain text.",
                c as u32
            ),
        ));
    }
    if !text.chars().any(is_visible) {
        return Ok(None);
    }
    let t = text.trim();
    if t.chars().count() > max {
        return Err(ApiProblem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::REASON_TOO_LONG,
            format!("The {what} is limited to {max} characters."),
        ));
    }
    Ok(Some(t.to_string()))
}

/// Control characters (C0, DEL, C1) other than tab and line breaks, and the bidi controls.
fn is_refused(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        // ALM, LRM, RLM; embeddings and overrides LRE..RLO; isolates LRI..PDI.
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

/// A char that shows: not whitespace, and not one of the invisible chars the console removes
/// from text it shows (zero-width spaces and joiners, the word joiner, the BOM, soft hyphens).
fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !crate::text::is_unsafe(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<impl std::fmt::Debug, ApiProblem>) -> String {
        r.map(|v| format!("ok {v:?}")).unwrap_or_else(|p| p.0.code)
    }

    #[test]
    fn controls_and_bidi_are_refused_line_breaks_and_tabs_are_not() {
        for bad in [
            "a\0b",
            "a\u{1b}]52;c;eA==\u{7}",
            "abc\u{202E}",
            "a\u{7f}",
            "a\u{85}",
            "\u{2066}x",
        ] {
            assert_eq!(
                code(required(bad, 100, "reason")),
                codes::INVALID_TEXT,
                "{bad:?}"
            );
            assert_eq!(
                code(optional(bad, 100, "comment")),
                codes::INVALID_TEXT,
                "{bad:?}"
            );
        }
        assert_eq!(
            code(required(" Line 1\r\n\tLine 2 ", 100, "reason")),
            "ok \"Line 1\\r\\n\\tLine 2\""
        );
    }

    #[test]
    fn a_reason_with_nothing_visible_is_blank() {
        for blank in [
            "",
            "  \n\t",
            "\u{200B}",
            " \u{200B}\u{200D}\u{FEFF}\u{2060} ",
            "\u{AD}",
        ] {
            assert_eq!(
                code(required(blank, 100, "reason")),
                codes::REASON_REQUIRED,
                "{blank:?}"
            );
            assert_eq!(
                code(optional(blank, 100, "comment")),
                "ok None",
                "{blank:?}"
            );
        }
        // A joiner inside an emoji is fine when something shows.
        assert_eq!(
            required("👩\u{200D}💻", 100, "reason").unwrap(),
            "👩\u{200D}💻"
        );
    }

    #[test]
    fn the_limit_counts_chars_of_the_trimmed_text() {
        assert_eq!(
            code(required(&format!("  {}  ", "é".repeat(5)), 5, "reason")),
            "ok \"ééééé\""
        );
        assert_eq!(
            code(required(&"é".repeat(6), 5, "reason")),
            codes::REASON_TOO_LONG
        );
    }
}
