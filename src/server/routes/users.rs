//! Users: `GET /me` (the caller, any role) and `GET /users` (every user, admins only).

use axum::extract::State;
use axum::http::StatusCode;

use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::store;

pub(super) async fn me(caller: Caller) -> Res {
    Ok(json(StatusCode::OK, &caller.user(Role::Viewer)?.to_me()))
}

pub(super) async fn users(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let scope = st.cursors.scope("users", &[]);
    let (cur, lim) = (cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_users(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
