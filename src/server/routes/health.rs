//! `GET /healthz`: the server is up. No caller needed.

use axum::http::StatusCode;
use axum::response::Response;

use super::response::json;
use crate::domain::Health;

pub(super) async fn healthz() -> Response {
    json(
        StatusCode::OK,
        &Health {
            status: "ok".into(),
        },
    )
}
