//! `GET /expiring?within_days=N`: a CSR's to-do list, the tier assignments and campaign links
//! that end within the next N days (default 30, 1 to 365) at the server's clock, soonest end
//! first, keyset-paged across both kinds. Each row is tagged with its `kind`.

use axum::extract::State;
use axum::http::StatusCode;

use super::request::{Params, cursor, limit, param};
use super::response::json;
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 365;

fn within_days(p: &Params) -> Result<u32, ApiProblem> {
    match param(p, "within_days") {
        None => Ok(DEFAULT_DAYS),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
            _ => Err(ApiProblem::bad_param(format!(
                "within_days must be an integer from 1 to {MAX_DAYS}."
            ))),
        },
    }
}

pub(super) async fn expiring(State(st): S, caller: Caller, p: Params) -> Res {
    caller.user(Role::Viewer)?;
    let days = within_days(&p)?;
    // A cursor belongs to its window: the next page of a 7-day list is not one of a 30-day list.
    let scope = st
        .cursors
        .scope("expiring", &[("within_days", &days.to_string())]);
    let (cur, lim, now) = (cursor(&p, &scope)?, limit(&p)?, st.clock.now());
    let until = now + chrono::Duration::days(i64::from(days));
    let page = st
        .store
        .read(move |c| store::list_expiring(c, until, cur.as_deref(), lim, now))
        .await?;
    Ok(json(StatusCode::OK, &scope.seal_page(page)))
}
