//! What the server recorded, for admins: `GET /audit` (who did what) and `GET /outbox` (the
//! emails it would have sent).

use axum::extract::State;
use axum::http::StatusCode;

use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::store;

pub(super) async fn audit(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let scope = st.cursors.scope("audit", &[]);
    let (cur, lim) = (cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_audit(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn outbox(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Admin)?;
    let scope = st.cursors.scope("outbox", &[]);
    let (cur, lim) = (cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::list_outbox(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
