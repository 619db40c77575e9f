//! Writing a node of any level of the hierarchy (RECORDS.md §1): `POST /{collection}` creates
//! one under its parent (exactly once per `Idempotency-Key`), `PATCH` changes a distributor or
//! a tenant (a partner's `PATCH` is its profile: `partners`), `DELETE` deletes one. Who may is
//! decided in the store, against where the node sits (`domain::permission::may_write`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;

use super::node_fields::{new_node, node_patch};
use super::request::{At, idempotency_key};
use super::response::stored;
use super::write::{self, merge_patch, version_sent};
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::store::{self, IdempotencyKey, NodeChange, NodeCreate};

pub(super) async fn create(
    At(level): At,
    State(st): S,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Viewer)?.clone();
    let key = idempotency_key(&headers)?;
    let new = new_node(level, &headers, &body)?;
    let idempotency = IdempotencyKey {
        user_id: user.id.clone(),
        key,
        fingerprint: store::token_hash(&format!("create\n{}\n{}", level.as_str(), new.canonical)),
    };
    let create = NodeCreate {
        user,
        level,
        parent_id: new.parent_id,
        name: new.name,
        contact: new.contact,
        warnings: new.warnings,
        refused: new.refused,
        idempotency,
        now: Utc::now(),
    };
    let outcome = st
        .store
        .write(move |c| store::create_node(c, &create))
        .await?;
    Ok(stored(&st, outcome))
}

/// `PATCH /distributors/{id}`, `PATCH /tenants/{id}`: a JSON merge patch against the version
/// read.
pub(super) async fn patch(
    At(level): At,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Viewer)?.clone();
    let if_match = version_sent(&headers)?;
    let (fields, warnings) = node_patch(level, &merge_patch(&headers, &body)?)?;
    let change = NodeChange {
        user,
        level,
        id,
        if_match,
        now: Utc::now(),
    };
    let record = write::run(&st, move |c| store::edit_node(c, &change, &fields)).await?;
    let version = record.version();
    Ok(write::saved(record, version, warnings))
}

pub(super) async fn delete(
    At(level): At,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Res {
    let change = NodeChange {
        user: caller.user(Role::Viewer)?.clone(),
        level,
        id,
        if_match: version_sent(&headers)?,
        now: Utc::now(),
    };
    write::run(&st, move |c| store::delete_node(c, &change)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
