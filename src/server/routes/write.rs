//! What every write to a record shares on the HTTP side (RECORDS.md, "Writes to records"): who
//! may write, `If-Match` for a change, reading a JSON merge patch, and answering with the
//! record, its `ETag` and its `warnings`. The store does the transaction (`store::records`).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::request::{if_match, json_body};
use super::response::{json, with_etag};
use crate::domain::{FieldError, Role, Saved, codes};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{StoreResult, Written};

/// The user who writes: a CSR or an admin (a viewer edits nothing: 403).
pub(super) fn writer(caller: &Caller) -> Result<String, ApiProblem> {
    caller.user(Role::Csr).map(|u| u.name.clone())
}

/// The version a change was made against, from `If-Match` (428 without it). The header is
/// read as decisions read it; only the words name a record rather than an approval.
pub(super) fn version_sent(headers: &HeaderMap) -> Result<i64, ApiProblem> {
    if_match(headers).map_err(|mut p| {
        p.0.detail = match p.0.code.as_str() {
            codes::PRECONDITION_REQUIRED => {
                "Changes need If-Match with the version you read (its ETag), e.g. If-Match: \"3\"."
                    .into()
            }
            _ => "If-Match must be the record's version as an ETag, e.g. \"3\".".into(),
        };
        p
    })
}

/// A JSON merge patch (RFC 7396) body: any JSON value (the caller says which are valid).
pub(super) fn merge_patch(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<serde_json::Value, ApiProblem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_BODY,
            "Send the fields that changed as a JSON object (a merge patch).",
        ));
    }
    json_body(headers, body)
}

/// Runs a write on the store's writer and wakes the event streams if it wrote an event.
pub(super) async fn run<T, F>(st: &AppState, write: F) -> Result<T, ApiProblem>
where
    T: Send + 'static,
    F: FnMut(&mut crate::server::store::db::Connection) -> StoreResult<Written<T>> + Send + 'static,
{
    let written = st.store.write(write).await?;
    if written.added_events {
        st.events.published();
    }
    Ok(written.record)
}

/// 200 with the record, its `warnings` and its version as the `ETag`.
pub(super) fn saved<T: Serialize>(record: T, version: i64, warnings: Vec<FieldError>) -> Response {
    with_etag(json(StatusCode::OK, &Saved { record, warnings }), version)
}
