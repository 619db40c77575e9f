//! Deciding an approval: `POST /approvals/{id}/approve` and `POST /approvals/{id}/reject`.
//! Both need a CSR, an Idempotency-Key and If-Match before the body is read; the store decides
//! and remembers the response, so a retry with the same key gets the same answer.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::Utc;

use super::request::{idempotency_key, if_match, json_body};
use super::response::stored;
use super::{Res, S, free_text};
use crate::domain::{MAX_REASON_CHARS, RejectBody, Role};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, DecideRequest, Decider, Decision, IdempotencyKey};

pub(super) async fn approve(
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let pre = Preconditions::check(&caller, &headers)?;
    let parsed: ApproveRequest = json_body(&headers, &body)?;
    let comment = match parsed.comment.as_deref() {
        Some(c) => free_text::optional(c, MAX_REASON_CHARS, "comment")?,
        None => None,
    };
    decide(st, pre, id, Decision::Approve { comment }).await
}

pub(super) async fn reject(
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let pre = Preconditions::check(&caller, &headers)?;
    let parsed: RejectBody = json_body(&headers, &body)?;
    let reason = free_text::required(&parsed.reason, MAX_REASON_CHARS, "reason")?;
    decide(st, pre, id, Decision::Reject { reason }).await
}

/// `ApproveBody` as the server reads it: `comment` may be absent but, when present, must be a
/// string (the contract's schema); `"comment": null` is a 400 `invalid_body`, not "no comment".
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveRequest {
    #[serde(default, deserialize_with = "present_string")]
    comment: Option<String>,
}

fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    <String as serde::Deserialize>::deserialize(d).map(Some)
}

/// What every decision needs before its body is even read: the role, the key, the version.
struct Preconditions {
    decider: Decider,
    key: String,
    version: i64,
}

impl Preconditions {
    fn check(caller: &Caller, headers: &HeaderMap) -> Result<Self, ApiProblem> {
        let user = caller.user(Role::Csr)?;
        Ok(Preconditions {
            decider: Decider {
                id: user.id.clone(),
                name: user.name.clone(),
            },
            key: idempotency_key(headers)?,
            version: if_match(headers)?,
        })
    }
}

async fn decide(State(st): S, pre: Preconditions, id: String, decision: Decision) -> Res {
    // The fingerprint is what makes "the same request": route, approval and canonical body.
    let fingerprint = match &decision {
        Decision::Approve { comment } => {
            format!("approve\n{id}\n{}", comment.as_deref().unwrap_or(""))
        }
        Decision::Reject { reason } => format!("reject\n{id}\n{reason}"),
    };
    let idempotency = IdempotencyKey {
        user_id: pre.decider.id.clone(),
        key: pre.key,
        fingerprint: store::token_hash(&fingerprint),
    };
    let outcome = st
        .store
        .write(move |c| {
            store::decide(
                c,
                DecideRequest {
                    approval_id: &id,
                    decider: &pre.decider,
                    decision: decision.clone(),
                    idempotency: &idempotency,
                    if_match: pre.version,
                    now: Utc::now(),
                },
            )
        })
        .await?;
    Ok(stored(&st, outcome))
}
