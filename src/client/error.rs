//! What can go wrong talking to the backend, in a form the UI can act on.
//!
//! The variants say *what kind* of failure it was (so the UI can decide between "retry",
//! "reload the item" and "tell the CSR"), `user_message` says it in a CSR's words. Nothing in
//! here ever holds a token: tokens travel only in the `Authorization` header.

use crate::domain::{Approval, Problem};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No connection could be made, or it was closed before a full answer arrived.
    #[error("backend unreachable: {message}")]
    Unreachable { message: String },

    /// Connected, but the answer did not come within the read or total timeout.
    #[error("backend did not answer in time")]
    Timeout,

    /// The server's `application/problem+json` error, with its stable `code`. Boxed: it is by
    /// far the largest variant and every `Result` of the client carries it.
    #[error("{} ({}, HTTP {}){}", .0.title, .0.code, .0.status, detail_suffix(&.0.detail))]
    Problem(Box<Problem>),

    /// An error status without a problem body (a proxy's 502 page, a bare 500).
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },

    /// A success status whose body was not what the contract says: malformed or truncated JSON,
    /// wrong types, missing fields, or larger than the client accepts.
    #[error("unexpected response from backend: {message}")]
    Decode { message: String },

    /// The client would not send the request: an unusable base URL or header value.
    #[error("invalid client setup: {message}")]
    Invalid { message: String },
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(Box::new(p))
    }
}

impl ApiError {
    /// The problem's stable machine `code` (`already_decided`, `version_mismatch`, ...).
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }

    /// The HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem(p) => Some(p.status),
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ApiError::Problem(p) => Some(p),
            _ => None,
        }
    }

    /// The current approval a 409 `already_decided` or 412 `version_mismatch` carries, so the
    /// UI can show who decided it or refresh the stale copy without another round trip.
    pub fn current_approval(&self) -> Option<&Approval> {
        self.problem().and_then(|p| p.approval.as_deref())
    }

    /// Worth trying again unchanged: the network failed, the server timed out or said it is
    /// overloaded (429, 502, 503, 504). A 500 is a bug, a 4xx our mistake: neither is retried.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Unreachable { .. } | ApiError::Timeout => true,
            ApiError::Problem(_) | ApiError::Http { .. } => {
                matches!(self.status(), Some(429 | 502 | 503 | 504))
            }
            ApiError::Decode { .. } | ApiError::Invalid { .. } => false,
        }
    }

    /// One short sentence for the status line, in a CSR's words.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Unreachable { .. } => "The backend could not be reached.".into(),
            ApiError::Timeout => "The backend did not answer in time.".into(),
            ApiError::Problem(p) => {
                let text = if !p.detail.trim().is_empty() {
                    p.detail.trim()
                } else {
                    p.title.trim()
                };
                if text.is_empty() {
                    status_sentence(p.status)
                } else {
                    sentence(text)
                }
            }
            ApiError::Http { status, .. } => status_sentence(*status),
            ApiError::Decode { .. } => {
                "The backend sent an answer this console cannot read.".into()
            }
            ApiError::Invalid { message } => {
                format!("The connection settings are not usable ({message}).")
            }
        }
    }
}

/// Make the server's text end like a sentence, without touching what it says.
fn sentence(text: &str) -> String {
    let mut s = text.to_string();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn status_sentence(status: u16) -> String {
    match status {
        401 => "The backend did not accept your token.".into(),
        403 => "You are not allowed to do this.".into(),
        404 => "The backend does not know this item or address.".into(),
        409 => "Someone else changed this item; reload it.".into(),
        412 => "This item changed since you opened it; reload it.".into(),
        413 => "That is too large for the backend to accept.".into(),
        429 => "The backend is busy; try again in a moment.".into(),
        502..=504 => "The backend is temporarily unavailable; try again in a moment.".into(),
        500..=599 => format!("The backend failed to handle this (error {status})."),
        400..=499 => format!("The backend refused this request (error {status})."),
        _ => format!("The backend gave an unexpected answer (status {status})."),
    }
}

/// Server text as it may go into an error message: at most `max` characters, cleaned (a
/// message can end up on screen or in a log).
pub(super) fn clip(s: &str, max: usize) -> String {
    let cleaned = crate::text::clean_line(s);
    let mut out: String = cleaned.chars().take(max).collect();
    if cleaned.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, code: &str, title: &str, detail: &str) -> ApiError {
        Problem {
            type_: "about:blank".into(),
            title: title.into(),
            status,
            detail: detail.into(),
            code: code.into(),
            ..Problem::default()
        }
        .into()
    }

    #[test]
    fn accessors() {
        let e = problem(409, "already_decided", "Already decided", "Approved by Ann");
        assert_eq!(e.code(), Some("already_decided"));
        assert_eq!(e.status(), Some(409));
        assert!(e.problem().is_some());
        assert!(e.current_approval().is_none());

        let e = ApiError::Http {
            status: 502,
            message: "Bad Gateway".into(),
        };
        assert_eq!(e.code(), None);
        assert_eq!(e.status(), Some(502));
        assert_eq!(ApiError::Timeout.status(), None);
    }

    #[test]
    fn retryable_only_for_network_timeouts_and_overload() {
        assert!(ApiError::Timeout.is_retryable());
        assert!(
            ApiError::Unreachable {
                message: "refused".into()
            }
            .is_retryable()
        );
        for s in [429, 502, 503, 504] {
            assert!(
                ApiError::Http {
                    status: s,
                    message: String::new()
                }
                .is_retryable()
            );
            assert!(problem(s, "x", "x", "").is_retryable());
        }
        for s in [400, 401, 403, 404, 409, 412, 422, 428, 500, 501] {
            assert!(
                !ApiError::Http {
                    status: s,
                    message: String::new()
                }
                .is_retryable(),
                "{s}"
            );
            assert!(!problem(s, "x", "x", "").is_retryable(), "{s}");
        }
        assert!(
            !ApiError::Decode {
                message: "bad".into()
            }
            .is_retryable()
        );
    }

    #[test]
    fn user_messages_are_plain_sentences() {
        assert_eq!(
            ApiError::Unreachable {
                message: "tcp connect error: Connection refused (os error 111)".into()
            }
            .user_message(),
            "The backend could not be reached."
        );
        assert_eq!(
            ApiError::Timeout.user_message(),
            "The backend did not answer in time."
        );
        assert_eq!(
            problem(422, "reason_required", "Reason required", "Give a reason").user_message(),
            "Give a reason."
        );
        assert_eq!(
            problem(422, "reason_required", "Reason required", " ").user_message(),
            "Reason required."
        );
        assert_eq!(
            problem(403, "forbidden", "", "").user_message(),
            "You are not allowed to do this."
        );
        let m = ApiError::Http {
            status: 500,
            message: "Internal Server Error".into(),
        }
        .user_message();
        assert!(m.contains("500") && !m.contains("Internal"), "{m}");
    }

    #[test]
    fn display_is_short_and_informative() {
        let e = problem(412, "version_mismatch", "Version mismatch", "Now at 4");
        assert_eq!(
            e.to_string(),
            "Version mismatch (version_mismatch, HTTP 412): Now at 4"
        );
        let e = problem(404, "not_found", "Not found", "");
        assert_eq!(e.to_string(), "Not found (not_found, HTTP 404)");
    }

    #[test]
    fn result_stays_small() {
        // Every client call returns Result<_, ApiError>; keep it cheap to move.
        assert!(std::mem::size_of::<ApiError>() <= 40);
    }

    #[test]
    fn clip_drops_controls_and_cuts() {
        assert_eq!(clip("a\x1b[31mb\u{7}", 10), "a[31mb");
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
