//! Writing responses: JSON bodies (encoded into a plain buffer) and version ETags.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::server::AppState;
use crate::server::problem::{ApiProblem, PROBLEM_JSON};
use crate::server::store::StoredResponse;

pub(super) fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    // Into a plain `Vec` rather than `axum::Json`'s `BytesMut` writer: serde_json writes many
    // small pieces, and each `BytesMut::put_slice` checks and reserves on its own (13% of a
    // history page's server time went there).
    let mut body = Vec::with_capacity(8 * 1024);
    match serde_json::to_writer(&mut body, value) {
        Ok(()) => json_response(status, body),
        Err(e) => {
            tracing::error!("cannot encode a response: {e}");
            ApiProblem::internal().into_response()
        }
    }
}

/// A response of JSON already encoded.
pub(super) fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

pub(super) fn with_etag(mut res: Response, version: impl std::fmt::Display) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// The answer of a write that keeps its answers for retries (`Idempotency-Key`): the stored
/// status, body and `ETag`, `Idempotent-Replayed: true` on a replay. Wakes the event streams
/// for what the write committed first.
pub(super) fn stored(st: &AppState, outcome: StoredResponse) -> Response {
    if outcome.added_events {
        st.events.published();
    }
    let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::OK);
    let ct = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    let mut res = (status, outcome.body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Some(etag) = outcome.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        res.headers_mut().insert(header::ETAG, etag);
    }
    if outcome.replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}
