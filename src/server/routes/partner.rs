//! `/partner/...`: the API a partner sees, called with an impersonation token (`GET
//! /partner/me`, `/partner/channels`, `/partner/engagements`). Every call made with the token,
//! to these routes or any other, is audited by `crate::server::call_audit`.

use axum::extract::State;
use axum::http::StatusCode;

use super::partners::partner_response;
use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

pub(super) async fn partner_me(State(st): S, caller: Caller) -> Res {
    let s = caller.partner()?;
    let pid = s.partner_id.clone();
    let p = st
        .store
        .read(move |c| store::get_partner(c, &pid))
        .await?
        .ok_or_else(|| ApiProblem::not_found("partner"))?;
    Ok(partner_response(&p))
}

pub(super) async fn partner_channels(State(st): S, caller: Caller, p: Params) -> Res {
    let s = caller.partner()?;
    let scope = st.cursors.scope("channels", &[("partner", &s.partner_id)]);
    let (pid, cur, lim) = (s.partner_id.clone(), cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::channels(c, &pid, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn partner_engagements(State(st): S, caller: Caller, p: Params) -> Res {
    let s = caller.partner()?;
    let scope = st
        .cursors
        .scope("engagements", &[("partner", &s.partner_id)]);
    let (pid, cur, lim) = (s.partner_id.clone(), cursor(&p, &scope)?, limit(&p)?);
    let page = st
        .store
        .read(move |c| store::engagements(c, &pid, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
