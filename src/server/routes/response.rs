//! Writing responses: JSON bodies (encoded into a plain buffer) and version ETags.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::server::problem::ApiProblem;

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
