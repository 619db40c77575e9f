//! Reading approvals: `GET /approvals` (the queues and histories, a page at a time),
//! `GET /approvals/export` (the same rows, lean, for files) and `GET /approvals/{id}`.
//! Deciding is in `decisions`, the counts in `stats`.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::request::{Params, cursor, id_param, limit, limit_up_to, param, query_text, time};
use super::response::{json, json_response, with_etag};
use super::{Res, S};
use crate::domain::{ApprovalSort, EXPORT_PAGE_MAX, Kind, Role, StatusFilter};
use crate::server::AppState;
use crate::server::auth::Caller;
use crate::server::cursor::Scope;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, ApprovalFilter};

/// `kind` (a comma-separated list) and `status` (`default` when absent) of the approval lists.
pub(super) fn kinds_and_status(
    p: &Params,
    default: StatusFilter,
) -> Result<(Vec<Kind>, StatusFilter), ApiProblem> {
    // Absent: all kinds. Present: a non-empty list without empty items (`kind=` and `kind=ad,`
    // are refused like any other value that is not a list of kinds).
    let mut kinds = Vec::new();
    for k in param(p, "kind").map(|v| v.split(',')).into_iter().flatten() {
        kinds.push(Kind::parse(k).ok_or_else(|| {
            ApiProblem::bad_param(format!(
                "kind {k:?} is not one of partnership, addon, broadcast, advertising_package, ad."
            ))
        })?);
    }
    let status = match param(p, "status") {
        None => default,
        Some(s) => StatusFilter::parse(s).ok_or_else(|| {
            ApiProblem::bad_param("status must be pending, approved, rejected or decided.")
        })?,
    };
    Ok((kinds, status))
}

pub(super) async fn list_approvals(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (filter, scope) = approval_filter(&st, &p, limit(&p)?)?;
    let page = st
        .store
        .read(move |c| store::list_approvals(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

/// The filters `GET /approvals` and `GET /approvals/export` share, with the page size, and the
/// scope of their cursors. The two lists share it: they are the same rows in the same order, so
/// a page of one may be followed by a page of the other (API.md).
fn approval_filter(
    st: &AppState,
    p: &Params,
    limit: u32,
) -> Result<(ApprovalFilter, Scope), ApiProblem> {
    let (kinds, status) = kinds_and_status(p, StatusFilter::Pending)?;
    let sort = match param(p, "sort") {
        None => None,
        Some(s) => match ApprovalSort::parse(s) {
            Some(ApprovalSort::Price) if status != StatusFilter::Pending => {
                return Err(ApiProblem::bad_param(
                    "sort=price is for queues (status=pending); a history sorts by oldest or newest.",
                ));
            }
            sort @ Some(_) => sort,
            None => {
                return Err(ApiProblem::bad_param(
                    "sort must be oldest, newest or price.",
                ));
            }
        },
    };
    let partner_id = partner_param(p)?;
    let (q, from, to) = (query_text(p)?, time(p, "from")?, time(p, "to")?);
    let mut kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    kind_names.sort_unstable();
    kind_names.dedup();
    let (from_text, to_text) = (from.map(store::ts), to.map(store::ts));
    // The order a cursor walks is the one the list resolves to, so `sort` absent and `sort`
    // naming the list's own order share their cursors.
    let order = sort.unwrap_or_else(|| ApprovalSort::default_for(status));
    let scope = st.cursors.scope(
        "approvals",
        &[
            ("kind", &kind_names.join(",")),
            ("status", status.as_str()),
            ("q", q.as_deref().map(str::trim).unwrap_or("")),
            ("from", from_text.as_deref().unwrap_or("")),
            ("to", to_text.as_deref().unwrap_or("")),
            ("partner_id", partner_id.as_deref().unwrap_or("")),
            ("sort", order.as_str()),
        ],
    );
    let filter = ApprovalFilter {
        kinds,
        status,
        q,
        from,
        to,
        partner_id,
        sort,
        cursor: cursor(p, &scope)?,
        limit,
    };
    Ok((filter, scope))
}

/// `partner_id`: only that partner's approvals. An id that names no partner is an empty list,
/// as a search that finds nothing; an empty value is refused like any other empty parameter.
pub(super) fn partner_param(p: &Params) -> Result<Option<String>, ApiProblem> {
    id_param(p, "partner_id")
}

/// `GET /approvals/export`: the page `GET /approvals` would list, as lean rows, in pages of up
/// to `EXPORT_PAGE_MAX`.
pub(super) async fn export_approvals(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let limit = limit_up_to(&p, EXPORT_PAGE_MAX, EXPORT_PAGE_MAX)?;
    let (filter, scope) = approval_filter(&st, &p, limit)?;
    let body = st
        .store
        .read(move |c| {
            store::export_approvals(c, &filter, store::EXPORT_PAGE_BYTES, |raw| scope.seal(raw))
        })
        .await?;
    Ok(json_response(StatusCode::OK, body))
}

pub(super) async fn get_approval(State(st): S, caller: Caller, Path(id): Path<String>) -> Res {
    caller.user(Role::Viewer)?;
    let a = st
        .store
        .read(move |c| store::get_approval(c, &id))
        .await?
        .ok_or_else(|| ApiProblem::not_found("approval"))?;
    let v = a.version;
    Ok(with_etag(json(StatusCode::OK, &a), v))
}
