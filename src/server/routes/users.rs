//! Users: `GET /me` (the caller, any staff role, with their assignments) and `GET /users` (every user, admins only).

use axum::extract::State;
use axum::http::StatusCode;

use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::store;

/// The caller, with their assignments as they are now (read on every call, so that one made
/// a moment ago shows).
pub(super) async fn me(State(st): S, caller: Caller) -> Res {
    let user = caller.user(Role::Viewer)?.clone();
    let me = st.store.read(move |c| store::me(c, &user)).await?;
    Ok(json(StatusCode::OK, &me))
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
