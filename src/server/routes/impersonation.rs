//! Impersonation sessions: `POST /partners/{id}/impersonations` starts one (a CSR gives a
//! reason and gets a token, of which only the hash is stored) and
//! `DELETE /impersonations/{id}` ends it. What the token may call is in `partner`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;

use super::request::json_body;
use super::response::json;
use super::{Res, S, free_text};
use crate::domain::{Impersonation, ImpersonationRequest, PartnerRef, Role};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

const MAX_IMPERSONATION_REASON: usize = 500;

pub(super) async fn impersonate(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Csr)?.clone();
    let req: ImpersonationRequest = json_body(&headers, &body)?;
    let reason = free_text::required(&req.reason, MAX_IMPERSONATION_REASON, "reason")?;
    let token = store::new_secret("imp_");
    let session_id = store::new_id("im");
    let started_at = Utc::now();
    let ttl =
        chrono::Duration::from_std(st.impersonation_ttl).unwrap_or(chrono::Duration::minutes(30));
    let expires_at = started_at + ttl;
    let partner_name = {
        let (sid, hash, pid, reason) = (
            session_id.clone(),
            store::token_hash(&token),
            id.clone(),
            reason.clone(),
        );
        let (uid, uname) = (user.id.clone(), user.name.clone());
        st.store
            .write(move |c| {
                // In the session's own transaction: a partner suspended a moment before is
                // refused, never impersonated.
                let partner_name = store::impersonable(c, &pid)?;
                store::start_session(
                    c,
                    &store::NewSession {
                        id: &sid,
                        token_hash: &hash,
                        csr_id: &uid,
                        csr_name: &uname,
                        partner_id: &pid,
                        partner_name: &partner_name,
                        reason: &reason,
                        started_at,
                        expires_at,
                    },
                )?;
                Ok(partner_name)
            })
            .await?
    };
    let out = Impersonation {
        id: session_id,
        token,
        partner: PartnerRef {
            id,
            name: partner_name,
        },
        role: Role::PartnerOwner,
        started_at,
        expires_at,
    };
    Ok(json(StatusCode::CREATED, &out))
}

pub(super) async fn end_impersonation(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    let sid = id.clone();
    let session = st
        .store
        .read(move |c| store::session_by_id(c, &sid))
        .await?
        .ok_or_else(|| ApiProblem::not_found("impersonation"))?;
    // The CSR who started it, an admin, or the impersonation token itself may end it.
    let by = match &caller {
        Caller::Partner(s) if s.id == session.id => s.csr_name.clone(),
        Caller::User(u) if u.id == session.csr_id || u.role == Role::Admin => u.name.clone(),
        _ => {
            return Err(ApiProblem::forbidden(
                "Only the CSR who started an impersonation, an admin, or its own token may end it.",
            ));
        }
    };
    st.store
        .write(move |c| store::end_session(c, &session, &by, Utc::now()))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
