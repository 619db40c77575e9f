//! The bodies of a period's writes, read and checked field by field: a create
//! (`{tier_id | campaign_id, starts_at, expires_at?}`) and a JSON merge patch of the dates
//! (`{starts_at?, expires_at?}`, `"expires_at": null` clearing the expiry). A member the body
//! may not have is a 400; every field of the wrong type, missing, or not a date is reported at
//! once in a 422 `validation_failed`. Dates are RFC 3339 with their offset, kept in UTC to the
//! millisecond (as they are stored, so the rules judge what is kept). The rules between the
//! dates, and against the campaign and the partner's other assignments, are the store's.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Map, Value};

use super::request::json_body;
use crate::domain::{DatesPatch, FieldError, PeriodKind, codes, field_codes, timestamp};
use crate::server::problem::ApiProblem;
use crate::server::store::{period_noun as noun, target_member, to_millis};

/// The longest id a body may name (as every id parameter of the contract).
const MAX_ID_CHARS: usize = 200;

pub(super) fn invalid_body(detail: String) -> ApiProblem {
    ApiProblem::new(StatusCode::BAD_REQUEST, codes::INVALID_BODY, detail)
}

pub(super) fn object(body: &Value, what: &str) -> Result<Map<String, Value>, ApiProblem> {
    match body {
        Value::Object(m) => Ok(m.clone()),
        _ => Err(invalid_body(format!(
            "The body must be a JSON object ({what})."
        ))),
    }
}

/// A date member: RFC 3339 with an offset, in the years 1900 to 9999 (UTC), to the
/// millisecond. `null` is the caller's to judge.
pub(super) fn date(pointer: &str, value: &Value) -> Result<DateTime<Utc>, FieldError> {
    let Value::String(s) = value else {
        return Err(FieldError::new(
            pointer,
            field_codes::INVALID_TYPE,
            "Must be a date-time string, e.g. 2026-12-01T00:00:00Z.",
        ));
    };
    match timestamp::parse(s) {
        Some(t) if (1900..=9999).contains(&t.year()) => Ok(to_millis(t)),
        _ => Err(FieldError::new(
            pointer,
            field_codes::INVALID_DATE,
            "Must be an RFC 3339 date-time with its offset, between the years 1900 and 9999, e.g. 2026-12-01T00:00:00Z.",
        )),
    }
}

/// `expires_at`: a date, or none (`null` or absent).
fn expiry(value: Option<&Value>, wrong: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    match value {
        None | Some(Value::Null) => None,
        Some(v) => date("/expires_at", v).map_err(|e| wrong.push(e)).ok(),
    }
}

/// A create's body, checked.
pub(super) struct NewPeriodBody {
    pub target_id: String,
    pub starts_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The values as they will be kept: what makes two creates "the same request".
    pub canonical: String,
}

/// Reads a `POST /partners/{id}/{collection}` body.
pub(super) fn new_period(
    kind: PeriodKind,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<NewPeriodBody, ApiProblem> {
    let what = format!("a new {}", noun(kind));
    let fields = object(&json_body::<Value>(headers, body)?, &what)?;
    let target = target_member(kind);
    if let Some(other) = fields
        .keys()
        .find(|k| ![target, "starts_at", "expires_at"].contains(&k.as_str()))
    {
        return Err(invalid_body(format!("/{other} is not a field of {what}.")));
    }
    let mut wrong = Vec::new();
    let target_pointer = format!("/{target}");
    let target_id = match fields.get(target) {
        Some(Value::String(id)) if id.trim().is_empty() => {
            wrong.push(FieldError::new(
                &target_pointer,
                field_codes::REQUIRED,
                "Name it by its id.",
            ));
            String::new()
        }
        Some(Value::String(id)) if id.chars().count() > MAX_ID_CHARS => {
            wrong.push(FieldError::new(
                &target_pointer,
                field_codes::TOO_LONG,
                format!("An id has at most {MAX_ID_CHARS} characters."),
            ));
            String::new()
        }
        Some(Value::String(id)) => id.clone(),
        None | Some(Value::Null) => {
            wrong.push(FieldError::new(
                &target_pointer,
                field_codes::REQUIRED,
                "Name it by its id.",
            ));
            String::new()
        }
        Some(_) => {
            wrong.push(FieldError::new(
                &target_pointer,
                field_codes::INVALID_TYPE,
                "Must be a string (an id).",
            ));
            String::new()
        }
    };
    let starts_at = match fields.get("starts_at") {
        None | Some(Value::Null) => {
            wrong.push(FieldError::new(
                "/starts_at",
                field_codes::REQUIRED,
                "A period needs its start.",
            ));
            None
        }
        Some(v) => date("/starts_at", v).map_err(|e| wrong.push(e)).ok(),
    };
    let expires_at = expiry(fields.get("expires_at"), &mut wrong);
    match starts_at {
        Some(starts_at) if wrong.is_empty() => Ok(NewPeriodBody {
            canonical: format!(
                "{target_id}\n{}\n{}",
                timestamp::millis(starts_at),
                expires_at.map(timestamp::millis).unwrap_or_default()
            ),
            target_id,
            starts_at,
            expires_at,
        }),
        _ => Err(ApiProblem::validation_failed(wrong)),
    }
}

/// Reads a `PATCH /{collection}/{id}` merge patch: only the dates change (what a period is of
/// does not: end it and make another).
pub(super) fn dates_patch(kind: PeriodKind, body: &Value) -> Result<DatesPatch, ApiProblem> {
    let what = format!("a merge patch of a {}'s dates", noun(kind));
    let fields = object(body, &what)?;
    if let Some(other) = fields
        .keys()
        .find(|k| !["starts_at", "expires_at"].contains(&k.as_str()))
    {
        let why = if other == target_member(kind) {
            format!(
                "/{other} cannot change: end this {} and make another.",
                noun(kind)
            )
        } else {
            format!("/{other} is not a field of {what}.")
        };
        return Err(invalid_body(why));
    }
    let mut wrong = Vec::new();
    let starts_at = match fields.get("starts_at") {
        None => None,
        Some(Value::Null) => {
            wrong.push(FieldError::new(
                "/starts_at",
                field_codes::REQUIRED,
                "A period keeps a start; it cannot be cleared.",
            ));
            None
        }
        Some(v) => date("/starts_at", v).map_err(|e| wrong.push(e)).ok(),
    };
    let expires_at = fields
        .get("expires_at")
        .map(|v| expiry(Some(v), &mut wrong));
    if wrong.is_empty() {
        Ok(DatesPatch {
            starts_at,
            expires_at,
        })
    } else {
        Err(ApiProblem::validation_failed(wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(r: Result<DatesPatch, ApiProblem>) -> Vec<String> {
        match r {
            Ok(_) => vec!["ok".into()],
            Err(p) if p.0.errors.is_empty() => vec![p.0.code],
            Err(p) => {
                p.0.errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.code))
                    .collect()
            }
        }
    }

    #[test]
    fn a_patch_of_dates_reports_every_bad_field_and_null_clears_the_expiry() {
        let kind = PeriodKind::TierAssignment;
        let p = dates_patch(kind, &json!({"expires_at": null})).unwrap();
        assert_eq!(p.expires_at, Some(None));
        assert_eq!(p.starts_at, None);
        let p = dates_patch(
            kind,
            &json!({"starts_at": "2026-12-01T01:00:00.123456+01:00"}),
        )
        .unwrap();
        assert_eq!(
            p.starts_at.map(timestamp::millis).as_deref(),
            Some("2026-12-01T00:00:00.123Z"),
            "in UTC, to the millisecond"
        );
        assert_eq!(
            errors(dates_patch(
                kind,
                &json!({"starts_at": null, "expires_at": 3})
            )),
            ["/starts_at required", "/expires_at invalid_type"]
        );
        assert_eq!(
            errors(dates_patch(
                kind,
                &json!({"starts_at": "tomorrow", "expires_at": "0001-01-01T00:00:00Z"})
            )),
            ["/starts_at invalid_date", "/expires_at invalid_date"]
        );
        assert_eq!(
            errors(dates_patch(kind, &json!({"tier_id": "x"}))),
            [codes::INVALID_BODY]
        );
        assert_eq!(errors(dates_patch(kind, &json!([]))), [codes::INVALID_BODY]);
    }
}
