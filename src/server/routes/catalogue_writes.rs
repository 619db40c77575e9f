//! An administrator's writes to the catalogues (RECORDS.md §3): `POST /tiers`, `/products`,
//! `/campaigns` (exactly once per `Idempotency-Key`; 201 with the `ETag`), `PATCH` (a merge
//! patch against `If-Match`) and `DELETE` of `/{catalogue}/{id}`. Only an administrator writes
//! (403 otherwise, like `PATCH /settings`); one generic handler per verb serves the three
//! catalogues (`Body` reads each one's fields, the store keeps each one's rules).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::Value;

use super::catalogue_fields::{Body, entry_patch, new_entry};
use super::request::{idempotency_key, json_body};
use super::response::stored;
use super::write::{self, merge_patch, version_sent};
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::store::{self, EntryChange, EntryCreate, IdempotencyKey};

/// `POST /{catalogue}`: a new entry.
pub(super) async fn create<E: Body + Send + Sync + 'static>(
    State(st): S,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Admin)?.clone();
    let key = idempotency_key(&headers)?;
    let values: E = new_entry(&json_body::<Value>(&headers, &body)?)?;
    let create = EntryCreate {
        idempotency: IdempotencyKey {
            user_id: user.id,
            key,
            fingerprint: store::token_hash(&format!(
                "create\n{}\n{}",
                E::RECORD,
                values.canonical()
            )),
        },
        actor: user.name,
        values,
        now: st.clock.now(),
    };
    let outcome = st
        .store
        .write(move |c| store::create_entry(c, &create))
        .await?;
    Ok(stored(&st, outcome))
}

fn change(
    caller: &Caller,
    id: String,
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<EntryChange, crate::server::problem::ApiProblem> {
    Ok(EntryChange {
        actor: caller.user(Role::Admin)?.name.clone(),
        id,
        if_match: version_sent(headers)?,
        now,
    })
}

/// `PATCH /{catalogue}/{id}`: a merge patch against the version read.
pub(super) async fn patch<E: Body + Send + Sync + 'static>(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res
where
    E::Patch: Send + Sync + 'static,
{
    let change = change(&caller, id, &headers, st.clock.now())?;
    let patch = entry_patch::<E>(&merge_patch(&headers, &body)?)?;
    let saved = write::run(&st, move |c| store::change_entry::<E>(c, &change, &patch)).await?;
    let version = saved.version;
    Ok(write::saved(saved, version, Vec::new()))
}

/// `DELETE /{catalogue}/{id}`: 204, or 409 `in_use` while periods use it.
pub(super) async fn remove<E: Body + Send + Sync + 'static>(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Res {
    let change = change(&caller, id, &headers, st.clock.now())?;
    write::run(&st, move |c| store::remove_entry::<E>(c, &change)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
