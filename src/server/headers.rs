//! Headers that must come at most once. With two `Authorization`, `If-Match` or
//! `Idempotency-Key` headers the server cannot know which one the client meant (a proxy may
//! have added one, or two layers of a client each set theirs), so it answers 400 rather than
//! silently taking the first.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::problem::ApiProblem;
use crate::domain::codes;

/// The header `name` if it is present once; `None` if absent; 400 `duplicate_header` if it
/// is there more than once.
pub fn single<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a HeaderValue>, ApiProblem> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::DUPLICATE_HEADER,
            format!("Send the {name} header once."),
        ));
    }
    Ok(first)
}

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The console a request comes from (`presence`): the same on its `/events` and `/presence`.
pub const CONSOLE_ID: HeaderName = HeaderName::from_static("console-id");

/// The token of `Authorization: Bearer <token>`. The scheme is case-insensitive (RFC 9110
/// §11.1), and any run of spaces may separate it from the token.
pub fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let (scheme, token) = text.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::AUTHORIZATION;

    #[test]
    fn a_header_sent_twice_is_refused() {
        let mut h = HeaderMap::new();
        assert!(single(&h, &AUTHORIZATION).unwrap().is_none());
        h.append(AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        assert_eq!(single(&h, &AUTHORIZATION).unwrap().unwrap(), "Bearer a");
        h.append(AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        let p = single(&h, &AUTHORIZATION).unwrap_err();
        assert_eq!(
            (p.0.status, p.0.code.as_str()),
            (400, codes::DUPLICATE_HEADER)
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        for (v, want) in [
            ("Bearer t1", Some("t1")),
            ("bearer t1", Some("t1")),
            ("BEARER t1", Some("t1")),
            ("bEaReR   t1 ", Some("t1")),
            ("Basic t1", None),
            ("Bearer", None),
            ("Bearer ", None),
            ("Bearert1", None),
        ] {
            assert_eq!(bearer_token(&HeaderValue::from_static(v)), want, "{v:?}");
        }
    }
}
