//! The partner directory: `GET /partners` (a page, searched and sorted) and
//! `GET /partners/{id}`. Starting an impersonation of a partner is in `impersonation`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::request::{Params, cursor, limit, param, query_text};
use super::response::{json, json_response, with_etag};
use super::{Res, S};
use crate::domain::{Partner, PartnerSort, PartnerStatus, Role};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, PartnerFilter};

/// Partners carry no version number; their ETag is a digest of what is sent.
pub(super) fn partner_response(p: &Partner) -> Response {
    let body = serde_json::to_string(p).unwrap_or_default();
    let digest = store::token_hash(&body);
    with_etag(json_response(StatusCode::OK, body), &digest[..16])
}

pub(super) async fn list_partners(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let status = match param(&p, "status") {
        None => None,
        Some(s) => Some(PartnerStatus::parse(s).ok_or_else(|| {
            ApiProblem::bad_param("status must be active, pending, suspended or inactive.")
        })?),
    };
    let sort = match param(&p, "sort") {
        None | Some("name") => PartnerSort::Name,
        Some("status") => PartnerSort::Status,
        Some(_) => return Err(ApiProblem::bad_param("sort must be name or status.")),
    };
    let q = query_text(&p)?;
    let scope = st.cursors.scope(
        "partners",
        &[
            ("q", q.as_deref().map(str::trim).unwrap_or("")),
            ("status", status.map(|s| s.as_str()).unwrap_or("")),
            ("sort", sort.as_str()),
        ],
    );
    let filter = PartnerFilter {
        q,
        status,
        sort,
        cursor: cursor(&p, &scope)?,
        limit: limit(&p)?,
    };
    let page = st
        .store
        .read(move |c| store::list_partners(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn get_partner(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let p = st
        .store
        .read(move |c| store::get_partner(c, &id))
        .await?
        .ok_or_else(|| ApiProblem::not_found("partner"))?;
    Ok(partner_response(&p))
}
