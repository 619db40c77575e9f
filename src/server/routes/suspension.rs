//! `POST /{distributors,partners,tenants}/{id}/suspend` with `{reason}` and `…/enable`, both
//! against the version read (`If-Match`). A suspended node suspends everything under it
//! without changing the children's own status (their `effective_status`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde::Deserialize;

use super::request::{At, json_body};
use super::response::{json, with_etag};
use super::write::{self, version_sent};
use super::{Res, S, free_text};
use crate::domain::{Level, Role, SuspendRequest};
use crate::server::auth::Caller;
use crate::server::store::{self, NodeChange, Suspension};

/// The most a suspension's reason may hold, in characters (as an impersonation's).
const MAX_SUSPENSION_REASON: usize = 500;

/// `…/enable` takes no fields: `{}` or nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnableRequest {}

pub(super) async fn suspend(
    At(level): At,
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    caller.user(Role::Viewer)?;
    let if_match = version_sent(&headers)?;
    let req: SuspendRequest = json_body(&headers, &body)?;
    let reason = free_text::required(&req.reason, MAX_SUSPENSION_REASON, "reason")?;
    change(
        st,
        &caller,
        level,
        id,
        if_match,
        Suspension::Suspend(reason),
    )
    .await
}

pub(super) async fn enable(
    At(level): At,
    st: S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    caller.user(Role::Viewer)?;
    let if_match = version_sent(&headers)?;
    let EnableRequest {} = json_body(&headers, &body)?;
    change(st, &caller, level, id, if_match, Suspension::Enable).await
}

async fn change(
    State(st): S,
    caller: &Caller,
    level: Level,
    id: String,
    if_match: i64,
    to: Suspension,
) -> Res {
    let change = NodeChange {
        user: caller.user(Role::Viewer)?.clone(),
        level,
        id,
        if_match,
        now: Utc::now(),
    };
    let record = write::run(&st, move |c| store::suspend_node(c, &change, &to)).await?;
    let version = record.version();
    Ok(with_etag(json(StatusCode::OK, &record), version))
}
