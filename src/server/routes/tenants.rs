//! Reading the hierarchy's bottom level: `GET /tenants?partner_id=&q=` (a page by name, one
//! partner's or all of them) and `GET /tenants/{id}`. Writes are in `nodes`, `suspension` and
//! `admins`.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::approvals::partner_param;
use super::request::{Params, cursor, limit, query_text};
use super::response::{json, with_etag};
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

pub(super) async fn list(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let q = query_text(&p)?;
    let partner_id = partner_param(&p)?;
    let scope = st.cursors.scope(
        "tenants",
        &[
            ("partner_id", partner_id.as_deref().unwrap_or("")),
            ("q", q.as_deref().map(str::trim).unwrap_or("")),
        ],
    );
    let (cur, lim) = (cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| {
            store::list_tenants(c, partner_id.as_deref(), q.as_deref(), cur.as_deref(), lim)
        })
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn get(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let t = st
        .store
        .read(move |c| store::get_tenant(c, &id))
        .await?
        .ok_or_else(|| ApiProblem::not_found("tenant"))?;
    let v = t.version;
    Ok(with_etag(json(StatusCode::OK, &t), v))
}
