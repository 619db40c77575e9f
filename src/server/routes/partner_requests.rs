//! `/partner/requests` (RECORDS.md §5), with an impersonation token: the partner submits a
//! request (`POST`, under an `Idempotency-Key`, replayed like a decision) and reads its own
//! requests and their outcome (`GET`). The submission itself is `server::submit`, which the
//! simulation calls too.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::request::{Params, cursor, idempotency_key, json_body, limit};
use super::response::{json, stored};
use super::{Res, S};
use crate::domain::{DETAIL_FIELDS, NewRequest, codes};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, IdempotencyKey, Submitter};
use crate::server::submit::submit;

/// `Retry-After` of a 429 `too_many_pending`, in seconds: the limit lifts only when a CSR
/// decides, which no one can time, so a program that submits is told to come back in a minute
/// rather than to hammer (the console does not retry it at all).
const PENDING_RETRY_AFTER: &str = "60";

pub(super) async fn submit_request(
    State(st): S,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let session = caller.partner()?;
    let key = idempotency_key(&headers)?;
    let value: Value = json_body(&headers, &body)?;
    let request = read_request(&value)?;
    // What makes "the same request": the route and the request as read, in its canonical form.
    let canonical = serde_json::to_string(&request).map_err(|e| {
        tracing::error!("cannot encode a request: {e}");
        ApiProblem::internal()
    })?;
    let idempotency = IdempotencyKey {
        // A key is the caller's: the impersonation's, as the token is.
        user_id: format!("impersonation:{}", session.id),
        key,
        fingerprint: store::token_hash(&format!("partner_request\n{canonical}")),
    };
    let by = Submitter::Impersonation {
        session_id: session.id.clone(),
        csr_name: session.csr_name.clone(),
    };
    match submit(
        &st,
        session.partner_id.clone(),
        by,
        request,
        Some(idempotency),
    )
    .await
    {
        Ok(outcome) => Ok(stored(&st, outcome)),
        Err(p) if p.0.code == codes::TOO_MANY_PENDING => Ok(with_retry_after(p)),
        Err(p) => Err(p),
    }
}

fn with_retry_after(p: ApiProblem) -> Response {
    let mut res = p.into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(PENDING_RETRY_AFTER),
    );
    res
}

/// The body as a [`NewRequest`]: a member of the wrong type, or one the request does not
/// have (inside `item` and `details` too), is 400 `invalid_body`; the rules of its values are
/// the store's to check (422).
fn read_request(value: &Value) -> Result<NewRequest, ApiProblem> {
    let invalid = |why: String| ApiProblem::new(StatusCode::BAD_REQUEST, codes::INVALID_BODY, why);
    let request: NewRequest = serde_json::from_value(whole_numbers(value.clone()))
        .map_err(|e| invalid(format!("The body is not a request: {e}.")))?;
    // `Details`, `Item` and `Money` are read leniently elsewhere (answers may gain fields), so
    // unknown members inside them are looked for here.
    let unknown = |at: &str, object: Option<&Value>, known: &[&str]| {
        object
            .and_then(Value::as_object)
            .and_then(|o| o.keys().find(|k| !known.contains(&k.as_str())).cloned())
            .map(|k| invalid(format!("{at}/{k} is not a member of a request.")))
    };
    let checks = [
        unknown("/details", value.get("details"), &DETAIL_FIELDS),
        unknown("/item", value.get("item"), &["name", "price"]),
        unknown(
            "/item/price",
            value.get("item").and_then(|i| i.get("price")),
            &["amount_minor", "currency"],
        ),
    ];
    match checks.into_iter().flatten().next() {
        Some(refused) => Err(refused),
        None => Ok(request),
    }
}

/// `value` with every number that is whole written as an integer: JSON Schema's `integer` is
/// any number without a fraction, so `243.0` is the integer 243 (serde would refuse it as an
/// `i64`); `243.5` stays, and is refused.
fn whole_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k, whole_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

pub(super) async fn list_requests(State(st): S, caller: Caller, p: Params) -> Res {
    let s = caller.partner()?;
    let scope = st
        .cursors
        .scope("partner_requests", &[("partner", &s.partner_id)]);
    let (pid, cur, lim) = (s.partner_id.clone(), cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::partner_requests(c, &pid, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: Value) -> String {
        read_request(&v)
            .map(|r| format!("ok {:?}", r.kind))
            .unwrap_or_else(|p| format!("{} {}", p.0.code, p.0.detail))
    }

    #[test]
    fn members_the_request_does_not_have_are_refused_by_their_place() {
        let base = serde_json::json!({
            "kind": "addon", "title": "Analytics", "description": "",
            "item": {"name": "Analytics Pro", "price": {"amount_minor": 1500, "currency": "EUR"}},
            "details": {}
        });
        assert_eq!(code(base.clone()), "ok Addon");
        for (at, v) in [
            ("/details/fax", serde_json::json!({"fax": 1})),
            ("/item/colour", serde_json::json!(null)),
            ("/item/price/cents", serde_json::json!(null)),
        ] {
            let mut b = base.clone();
            match at {
                "/details/fax" => b["details"] = v,
                "/item/colour" => b["item"]["colour"] = "red".into(),
                _ => b["item"]["price"]["cents"] = 1.into(),
            }
            let got = code(b);
            assert!(got.starts_with("invalid_body") && got.contains(at), "{got}");
        }
        let mut b = base.clone();
        b["extra"] = 1.into();
        assert!(code(b).starts_with("invalid_body"));
        let mut b = base.clone();
        b["title"] = 5.into();
        assert!(code(b).starts_with("invalid_body"));
        // A whole number is an integer however it is written; a fraction is not.
        let mut b = base.clone();
        b["item"]["price"]["amount_minor"] = serde_json::json!(1500.0);
        assert_eq!(code(b), "ok Addon");
        let mut b = base;
        b["item"]["price"]["amount_minor"] = serde_json::json!(1500.5);
        assert!(code(b).starts_with("invalid_body"));
    }
}
