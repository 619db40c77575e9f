//! `/partner/...`: the API a partner sees, called with an impersonation token (`GET
//! /partner/me`, `/partner/channels`, `/partner/engagements`). Every call is audited, naming
//! the CSR and the partner.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;

use super::partners::partner_response;
use super::request::{Params, cursor, limit};
use super::response::json;
use super::{Res, S};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

/// Impersonation calls are audited, each naming the CSR and the partner.
async fn audit_partner_call(
    st: &AppState,
    s: &store::SessionRow,
    what: &str,
) -> Result<(), ApiProblem> {
    let (csr, partner, sid, what) = (
        s.csr_name.clone(),
        s.partner_name.clone(),
        s.id.clone(),
        what.to_string(),
    );
    st.store
        .write(move |c| {
            store::insert_audit(
                c,
                Utc::now(),
                &csr,
                Some(&partner),
                "impersonation.call",
                &sid,
                &what,
            )
        })
        .await?;
    Ok(())
}

pub(super) async fn partner_me(State(st): S, caller: Caller) -> Res {
    let s = caller.partner()?;
    audit_partner_call(&st, s, "GET /partner/me").await?;
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
    audit_partner_call(&st, s, "GET /partner/channels").await?;
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
    audit_partner_call(&st, s, "GET /partner/engagements").await?;
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
