//! Products: the catalogue (`GET /products`, by name) and what a partner's tier makes
//! available today (`GET /partners/{id}/products`): every product with `available` and, when
//! it is not, why; decided by the domain's `availability` (seed 000's tierPrecedence logic),
//! once, here on the server, at the server's clock.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::catalogue::catalogue_page;
use super::request::Params;
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

pub(super) async fn list_products(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let (scope, cur, lim) = catalogue_page(&st, "products", &p)?;
    let page = st
        .store
        .read(move |c| store::list_products(c, cur.as_deref(), lim))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}

pub(super) async fn partner_products(
    State(st): S,
    caller: Caller,
    Path(partner_id): Path<String>,
) -> Res {
    caller.user(Role::Viewer)?;
    let now = st.clock.now();
    let products = st
        .store
        .read(move |c| {
            if store::partner_name(c, &partner_id)?.is_none() {
                return Err(ApiProblem::not_found("partner").into());
            }
            let enabled = store::settings(c)?.tiers_enabled;
            store::partner_products(c, &partner_id, enabled, now)
        })
        .await?;
    Ok(json(StatusCode::OK, &products))
}
