//! `GET /partners/{id}/members`: the people who sign in to a partner's account, view-only
//! (members are managed elsewhere).

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

pub(super) async fn list_members(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    p: Params,
) -> Res {
    caller.user(Role::Viewer)?;
    let scope = st.cursors.scope("members", &[("partner_id", id.as_str())]);
    let (cur, lim) = (cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| {
            if store::partner_name(c, &id)?.is_none() {
                return Err(ApiProblem::not_found("partner").into());
            }
            store::list_members(c, &id, cur.as_deref(), lim)
        })
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
