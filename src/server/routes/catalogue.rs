//! The organisation's settings and the catalogues of tiers and campaigns (RECORDS.md §3):
//! `GET /settings` (any staff role) and `PATCH /settings` (administrators), `GET /tiers` by
//! precedence and `GET /campaigns` by start. A catalogue is small: its pages hold up to 500
//! rows by default, so a console reads one in a single request (`GET /products` is in
//! `products`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::request::{Params, cursor, limit_up_to};
use super::response::{json, with_etag};
use super::write::{self, merge_patch, version_sent};
use super::{Res, S};
use crate::domain::{FieldError, Role, codes, field_codes};
use crate::server::auth::Caller;
use crate::server::cursor::Scope;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, SettingsChange};

/// A catalogue's page size: by default, and at most, the contract's largest page.
pub(super) const CATALOGUE_LIMIT: u32 = 500;

/// The scope, raw cursor and limit of a page of the catalogue `list`.
pub(super) fn catalogue_page(
    st: &crate::server::AppState,
    list: &str,
    p: &Params,
) -> Result<(Scope, Option<String>, u32), ApiProblem> {
    let scope = st.cursors.scope(list, &[]);
    let cur = cursor(p, &scope)?;
    Ok((
        scope,
        cur,
        limit_up_to(p, CATALOGUE_LIMIT, CATALOGUE_LIMIT)?,
    ))
}

pub(super) async fn get_settings(State(st): S, caller: Caller) -> Res {
    caller.user(Role::Viewer)?;
    let settings = st.store.read(store::settings).await?;
    let version = settings.version;
    Ok(with_etag(json(StatusCode::OK, &settings), version))
}

/// `PATCH /settings`: a merge patch of `{tiers_enabled}` against the version read.
pub(super) async fn patch_settings(
    State(st): S,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let actor = caller.user(Role::Admin)?.name.clone();
    let if_match = version_sent(&headers)?;
    let Value::Object(fields) = merge_patch(&headers, &body)? else {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_BODY,
            "The body must be a JSON object (a merge patch of the settings).",
        ));
    };
    if let Some(other) = fields.keys().find(|k| *k != "tiers_enabled") {
        return Err(ApiProblem::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_BODY,
            format!("/{other} is not a field of the settings."),
        ));
    }
    let tiers_enabled = match fields.get("tiers_enabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Null) => {
            return Err(ApiProblem::validation_failed(vec![FieldError::new(
                "/tiers_enabled",
                field_codes::REQUIRED,
                "Tiers are enabled or not: true or false.",
            )]));
        }
        Some(_) => {
            return Err(ApiProblem::validation_failed(vec![FieldError::new(
                "/tiers_enabled",
                field_codes::INVALID_TYPE,
                "Must be true or false.",
            )]));
        }
    };
    let change = SettingsChange {
        actor,
        if_match,
        tiers_enabled,
        now: st.clock.now(),
    };
    let settings = write::run(&st, move |c| store::change_settings(c, &change)).await?;
    let version = settings.version;
    Ok(write::saved(settings, version, Vec::new()))
}

pub(super) async fn list_tiers(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (scope, cur, lim) = catalogue_page(&st, "tiers", &p)?;
    let page = st
        .store
        .read(move |c| store::list_tiers(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn list_campaigns(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (scope, cur, lim) = catalogue_page(&st, "campaigns", &p)?;
    let page = st
        .store
        .read(move |c| store::list_campaigns(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
