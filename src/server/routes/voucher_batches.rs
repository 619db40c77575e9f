//! Voucher batches: `GET /voucher_batches` (a page, filtered by partner, by whether a partner
//! holds them, and by `q`), and assigning one to a partner or taking it back:
//! `PUT` / `DELETE /partners/{id}/voucher_batches/{batch_id}`. Both are idempotent by nature
//! (they say what should be so), so they take neither `If-Match` nor an `Idempotency-Key`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;

use super::approvals::partner_param;
use super::request::{Params, cursor, limit, param, query_text};
use super::response::json;
use super::write::{self, writer};
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store::{self, Assignment, BatchFilter};

pub(super) async fn list_batches(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let unassigned = match param(&p, "unassigned") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiProblem::bad_param("unassigned must be true or false.")),
    };
    let partner_id = partner_param(&p)?;
    if partner_id.is_some() && unassigned == Some(true) {
        return Err(ApiProblem::bad_param(
            "partner_id and unassigned=true ask for opposite things; send one.",
        ));
    }
    let q = query_text(&p)?;
    let scope = st.cursors.scope(
        "voucher_batches",
        &[
            ("partner_id", partner_id.as_deref().unwrap_or("")),
            ("unassigned", &format!("{unassigned:?}")),
            ("q", q.as_deref().map(str::trim).unwrap_or("")),
        ],
    );
    let filter = BatchFilter {
        cursor: cursor(&p, &scope)?,
        partner_id,
        unassigned,
        q,
        limit: limit(&p)?,
    };
    let page = st
        .store
        .read(move |c| store::list_batches(c, &filter))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

/// `PUT`: the batch is the partner's (200 with the batch; already so is no error).
pub(super) async fn assign(
    State(st): S,
    caller: Caller,
    Path((partner_id, batch_id)): Path<(String, String)>,
) -> Res {
    let batch = change(&st, &caller, partner_id, batch_id, true).await?;
    let version = batch.version;
    Ok(write::saved(batch, version, Vec::new()))
}

/// `DELETE`: the batch is not the partner's any more (204; not the partner's already is no
/// error).
pub(super) async fn unassign(
    State(st): S,
    caller: Caller,
    Path((partner_id, batch_id)): Path<(String, String)>,
) -> Res {
    change(&st, &caller, partner_id, batch_id, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn change(
    st: &crate::server::AppState,
    caller: &Caller,
    partner_id: String,
    batch_id: String,
    assign: bool,
) -> Result<crate::domain::VoucherBatch, ApiProblem> {
    let a = Assignment {
        partner_id,
        batch_id,
        assign,
        actor: writer(caller)?,
        now: Utc::now(),
    };
    write::run(st, move |c| store::assign_batch(c, &a)).await
}
