//! `GET /events`: the live event stream (server-sent events), resumed after `Last-Event-ID`.
//! The stream itself is `crate::server::events`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;

use super::request::{console_key, parse_small_uint};
use super::{Res, S};
use crate::domain::Role;
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;

pub(super) async fn events(State(st): S, caller: Caller, headers: HeaderMap) -> Res {
    let user = caller.user(Role::Viewer)?;
    // The console whose presence ends when its last stream closes.
    let console = console_key(&headers, &user.id)?;
    let last = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| parse_small_uint(s.trim()))
                .ok_or_else(|| {
                    ApiProblem::bad_param("Last-Event-ID must be an id this server sent.")
                })?,
        ),
    };
    Ok(st.events.stream(last, console).await?.into_response())
}
