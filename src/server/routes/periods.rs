//! A partner's tier assignments and campaign links (RECORDS.md §3): `GET`/`POST
//! /partners/{id}/{collection}`, `PATCH`/`DELETE /{collection}/{id}`. The two collections share
//! one handler per verb (`Of` tells the kind from the route). Any staff role reads; CSRs and
//! administrators write both (the seed makes this their job). The time is the server's clock
//! (`AppState::clock`), so the states and the rules follow what a test sets.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use super::period_fields::{dates_patch, new_period};
use super::request::{Params, cursor, idempotency_key, limit};
use super::response::{json, stored};
use super::write::{self, merge_patch, version_sent, writer};
use super::{Res, S};
use crate::domain::{PeriodKind, Role};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{
    self, IdempotencyKey, PeriodChange, PeriodCreate, PeriodValues, Untagged,
};

/// The collections of periods, as their routes spell them.
pub(super) const COLLECTIONS: [PeriodKind; 2] =
    [PeriodKind::TierAssignment, PeriodKind::CampaignLink];

/// The kind of period a request is about, from where its route names the collection:
/// `/partners/{id}/{collection}` or `/{collection}/{id}` (by position, as an id may spell a
/// collection's name).
pub(super) struct Of(pub PeriodKind);

impl FromRequestParts<Arc<AppState>> for Of {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> Result<Self, ApiProblem> {
        // The path as routed, without `/api/v1` or with it.
        let route = parts.uri.path();
        let segments: Vec<&str> = route
            .strip_prefix("/api/v1")
            .unwrap_or(route)
            .trim_start_matches('/')
            .split('/')
            .collect();
        let named = match segments.as_slice() {
            ["partners", _, collection] => collection,
            [collection, _] => collection,
            _ => "",
        };
        COLLECTIONS
            .into_iter()
            .find(|k| k.collection() == named)
            .map(Of)
            .ok_or_else(|| {
                tracing::error!("no kind of period in the route {route:?}");
                ApiProblem::internal()
            })
    }
}

/// `GET /partners/{id}/{collection}`: the partner's periods of that kind, by start.
pub(super) async fn list(
    Of(kind): Of,
    State(st): S,
    caller: Caller,
    Path(partner_id): Path<String>,
    p: Params,
) -> Res {
    caller.user(Role::Viewer)?;
    let scope = st
        .cursors
        .scope(kind.collection(), &[("partner_id", partner_id.as_str())]);
    let (cur, lim, now) = (cursor(&p, &scope)?, limit(&p)?, st.clock.now());
    let page = st
        .store
        .read(move |c| {
            if store::partner_name(c, &partner_id)?.is_none() {
                return Err(ApiProblem::not_found("partner").into());
            }
            store::list_periods(c, kind, &partner_id, cur.as_deref(), lim, now)
        })
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page.map(Untagged))))
}

/// `POST /partners/{id}/{collection}`: a new period, exactly once per `Idempotency-Key`.
pub(super) async fn create(
    Of(kind): Of,
    State(st): S,
    caller: Caller,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Csr)?.clone();
    let key = idempotency_key(&headers)?;
    let new = new_period(kind, &headers, &body)?;
    let create = PeriodCreate {
        idempotency: IdempotencyKey {
            user_id: user.id,
            key,
            fingerprint: store::token_hash(&format!(
                "create\n{}\n{partner_id}\n{}",
                kind.collection(),
                new.canonical
            )),
        },
        actor: user.name,
        values: PeriodValues {
            kind,
            partner_id,
            target_id: new.target_id,
            starts_at: new.starts_at,
            expires_at: new.expires_at,
        },
        now: st.clock.now(),
    };
    let outcome = st
        .store
        .write(move |c| store::create_period(c, &create))
        .await?;
    Ok(stored(&st, outcome))
}

/// `PATCH /{collection}/{id}`: new dates, against the version read.
pub(super) async fn patch(
    Of(kind): Of,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let change = PeriodChange {
        actor: writer(&caller)?,
        kind,
        id,
        if_match: version_sent(&headers)?,
        now: st.clock.now(),
    };
    let dates = dates_patch(kind, &merge_patch(&headers, &body)?)?;
    let saved = write::run(&st, move |c| store::change_period(c, &change, &dates)).await?;
    let version = saved.record.0.version();
    Ok(write::saved(saved.record, version, saved.warnings))
}

/// `DELETE /{collection}/{id}`: an active period ends now, a scheduled or expired one is
/// deleted (`store::remove_period`); 204 either way.
pub(super) async fn remove(
    Of(kind): Of,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Res {
    let change = PeriodChange {
        actor: writer(&caller)?,
        kind,
        id,
        if_match: version_sent(&headers)?,
        now: st.clock.now(),
    };
    write::run(&st, move |c| store::remove_period(c, &change)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
