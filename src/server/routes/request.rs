//! Reading requests: the query string, JSON bodies and the headers decisions need. Each reader
//! validates what it takes, so a bad value is a 400 (or 415, 422, 428) naming what is wrong
//! rather than axum's generic rejection.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::domain::{Level, codes};
use crate::server::cursor::Scope;
use crate::server::headers::{self, CONSOLE_ID, IDEMPOTENCY_KEY};
use crate::server::presence::ConsoleKey;
use crate::server::problem::ApiProblem;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
const MAX_Q: usize = 200;

// ---- the path ----------------------------------------------------------------------------

/// The level of the hierarchy a request is about, from its path's first collection
/// (`/distributors/{id}/suspend`: distributors): one handler serves the three levels' routes.
pub(super) struct At(pub Level);

impl<S: Send + Sync> FromRequestParts<S> for At {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiProblem> {
        // The path as routed (without `/api/v1`, or with it): its first segment that names a
        // collection is the route's own, as an id never comes before it.
        let route = parts.uri.path();
        route
            .split('/')
            .find_map(|segment| Level::ALL.into_iter().find(|l| l.collection() == segment))
            .map(At)
            .ok_or_else(|| {
                tracing::error!("no level of the hierarchy in the route {route:?}");
                ApiProblem::internal()
            })
    }
}

// ---- query parameters -------------------------------------------------------------------

/// The query string as pairs; each handler takes what it knows and validates it here, so a bad
/// value is a 400 naming the parameter rather than axum's generic rejection.
///
/// A NUL is refused in every parameter, here once: no value the API takes has one, and in `q`
/// SQLite's LIKE would stop reading the pattern at it (`q=%00` matched everything).
pub(super) struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiProblem> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiProblem::bad_param("The query string is malformed."))?;
        if let Some((name, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(ApiProblem::bad_param(format!(
                "{name:?} must not contain a NUL character."
            )));
        }
        Ok(Params(pairs))
    }
}

pub(super) fn param<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    p.0.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn limit(p: &Params) -> Result<u32, ApiProblem> {
    limit_up_to(p, DEFAULT_LIMIT, MAX_LIMIT)
}

/// `limit`, from 1 to `max`; `default` when absent.
pub(super) fn limit_up_to(p: &Params, default: u32, max: u32) -> Result<u32, ApiProblem> {
    // An empty `limit=` is not an integer: 400 like any other bad value (the contract's schema).
    match param(p, "limit") {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiProblem::bad_param(format!(
                "limit must be an integer from 1 to {max}."
            ))),
        },
    }
}

/// The raw cursor of `cursor`, if it was made for `scope` (the list and its filters).
pub(super) fn cursor(p: &Params, scope: &Scope) -> Result<Option<String>, ApiProblem> {
    scope.open(param(p, "cursor"))
}

/// A parameter naming a record by id (`partner_id`, `distributor_id`): 1 to 200 characters
/// without controls. An id that names no record lists nothing, as a search that finds nothing;
/// an empty value is refused like any other empty parameter.
pub(super) fn id_param(p: &Params, name: &str) -> Result<Option<String>, ApiProblem> {
    match param(p, name) {
        None => Ok(None),
        Some(id)
            if id.is_empty() || id.chars().count() > 200 || id.chars().any(char::is_control) =>
        {
            let what = name.trim_end_matches("_id");
            Err(ApiProblem::bad_param(format!(
                "{name} must be a {what}'s id (1 to 200 characters)."
            )))
        }
        Some(id) => Ok(Some(id.to_string())),
    }
}

pub(super) fn query_text(p: &Params) -> Result<Option<String>, ApiProblem> {
    match param(p, "q") {
        Some(q) if q.chars().count() > MAX_Q => Err(ApiProblem::bad_param(format!(
            "q is limited to {MAX_Q} characters."
        ))),
        Some(q) if !q.trim().is_empty() => Ok(Some(q.to_string())),
        _ => Ok(None),
    }
}

pub(super) fn time(p: &Params, name: &str) -> Result<Option<DateTime<Utc>>, ApiProblem> {
    match param(p, name) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiProblem::bad_param(format!(
                    "{name} must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z."
                ))
            }),
    }
}

// ---- bodies and headers -----------------------------------------------------------------

/// Parse a JSON body; an empty body counts as `{}` where `{}` is a valid body.
pub(super) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ApiProblem> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if !body.is_empty() {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(ApiProblem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json.",
            ));
        }
    }
    // Every body the API takes is an object. serde would read a struct from an array too
    // (`["reason"]` as `{"reason": "reason"}`, `[]` as an approval without a comment), so
    // anything but an object is refused before it gets there. JSON text that starts with `{`
    // is an object or is not JSON at all.
    let invalid = |why: String| ApiProblem::new(StatusCode::BAD_REQUEST, codes::INVALID_BODY, why);
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(invalid("The body must be a JSON object.".into()));
    }
    serde_json::from_slice(text).map_err(|e| invalid(format!("The body is not valid: {e}.")))
}

pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiProblem> {
    let Some(v) = headers::single(headers, &IDEMPOTENCY_KEY)? else {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::IDEMPOTENCY_KEY_REQUIRED,
            "Decisions and creates need an Idempotency-Key header (a new UUID per request, the same on every retry).",
        ));
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_string())
        }
        _ => Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::IDEMPOTENCY_KEY_INVALID,
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )),
    }
}

pub(super) fn if_match(headers: &HeaderMap) -> Result<i64, ApiProblem> {
    let Some(v) = headers::single(headers, &header::IF_MATCH)? else {
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_REQUIRED,
            codes::PRECONDITION_REQUIRED,
            "Decisions need If-Match with the version you saw, e.g. If-Match: \"3\".",
        ));
    };
    // Exactly a strong ETag of a version as the server writes them: `"` 1..=18 digits `"`
    // without leading zeros (always fits an i64), as the contract's pattern says. Anything
    // else (weak, unquoted, `*`, a list) is refused. So is `"01"`: ETags compare as strings
    // (RFC 9110 §8.8.3.2), so it is not the `"1"` the server sent, and as no ETag of ours
    // looks like that it is a client's mistake to be told of (400), not a stale version to ask
    // the user about again (412).
    v.to_str()
        .ok()
        .map(str::trim)
        .and_then(|s| s.strip_prefix('"')?.strip_suffix('"'))
        .filter(|digits| !(digits.len() > 1 && digits.starts_with('0')))
        .and_then(parse_small_uint)
        .ok_or_else(|| {
            ApiProblem::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_IF_MATCH,
                "If-Match must be the approval's version as an ETag, e.g. \"3\".",
            )
        })
}

/// The console of `user_id` that sent the request, by its `Console-Id` header (1 to 100
/// visible ASCII characters; empty without one: the user's consoles then count as one).
pub(super) fn console_key(headers: &HeaderMap, user_id: &str) -> Result<ConsoleKey, ApiProblem> {
    let console = match headers::single(headers, &CONSOLE_ID)? {
        None => String::new(),
        Some(v) => match v.to_str() {
            Ok(id)
                if !id.is_empty()
                    && id.len() <= 100
                    && id.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                id.to_string()
            }
            _ => {
                return Err(ApiProblem::bad_param(
                    "Console-Id must be 1 to 100 visible ASCII characters (a UUID the console makes up once per run).",
                ));
            }
        },
    };
    Ok(ConsoleKey {
        user_id: user_id.to_string(),
        console,
    })
}

/// 1..=18 ASCII digits (no sign, no spaces) as an i64; `None` for anything else.
pub(super) fn parse_small_uint(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
