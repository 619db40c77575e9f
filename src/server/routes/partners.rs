//! The partner directory: `GET /partners` (a page, searched and sorted), `GET /partners/{id}`
//! and `PATCH /partners/{id}` (the profile). Starting an impersonation of a partner is in
//! `impersonation`; its members and voucher batches in `members` and `voucher_batches`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;

use super::request::{Params, cursor, id_param, limit, param, query_text};
use super::response::{json, with_etag};
use super::write::{self, merge_patch, version_sent, writer};
use super::{Res, S};
use crate::domain::{Partner, PartnerPatch, PartnerSort, PartnerStatus, PatchRefused, Role, codes};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, PartnerFilter, ProfileEdit};

/// A partner, with its version as the `ETag`.
pub(super) fn partner_response(p: &Partner) -> Response {
    with_etag(json(StatusCode::OK, p), p.summary.version)
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
    let distributor_id = id_param(&p, "distributor_id")?;
    let scope = st.cursors.scope(
        "partners",
        &[
            ("q", q.as_deref().map(str::trim).unwrap_or("")),
            ("status", status.map(|s| s.as_str()).unwrap_or("")),
            ("sort", sort.as_str()),
            ("distributor_id", distributor_id.as_deref().unwrap_or("")),
        ],
    );
    let filter = PartnerFilter {
        q,
        status,
        sort,
        distributor_id,
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

/// `PATCH /partners/{id}`: a JSON merge patch of the profile, against the version read.
pub(super) async fn patch_partner(
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let actor = writer(&caller)?;
    let if_match = version_sent(&headers)?;
    let patch = PartnerPatch::from_json(&merge_patch(&headers, &body)?).map_err(|r| match r {
        PatchRefused::NotAnObject(why) | PatchRefused::UnknownMember(why) => {
            ApiProblem::new(StatusCode::BAD_REQUEST, codes::INVALID_BODY, why)
        }
        PatchRefused::Types(errors) => ApiProblem::validation_failed(errors),
    })?;
    let checked = patch.checked();
    if !checked.errors.is_empty() {
        return Err(ApiProblem::validation_failed(checked.errors));
    }
    let edit = ProfileEdit {
        partner_id: id,
        if_match,
        changes: checked.changes,
        actor,
        now: Utc::now(),
    };
    let partner = write::run(&st, move |c| store::edit_profile(c, &edit)).await?;
    let version = partner.summary.version;
    Ok(write::saved(partner, version, checked.warnings))
}
