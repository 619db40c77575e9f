//! `POST /presence`: which approval a staff console has open (`{approval_id}`, or `null` for
//! none), sent when its selection settles and again within a minute while it stays. The board
//! and its events are `crate::server::presence`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use super::request::{console_key, json_body};
use super::{Res, S};
use crate::domain::{PresenceBody, Role, UserRef};
use crate::server::auth::Caller;
use crate::server::problem::ApiProblem;
use crate::server::store;

pub(super) async fn presence(State(st): S, caller: Caller, headers: HeaderMap, body: Bytes) -> Res {
    // Staff only, a viewer too: a viewer reading an item is someone else looking at it.
    let user = caller.user(Role::Viewer)?;
    let console = console_key(&headers, &user.id)?;
    let body: PresenceBody = json_body(&headers, &body)?;
    if let Some(id) = &body.approval_id {
        // Any other string is an id no approval has (404), control characters and all.
        if id.is_empty() || id.chars().count() > 200 {
            return Err(ApiProblem::bad_param(
                "approval_id must be an approval's id (1 to 200 characters) or null.",
            ));
        }
        // Only real approvals are on the board: what every console is told about stays what
        // can be opened.
        let id = id.clone();
        if !st
            .store
            .read(move |c| store::approval_exists(c, &id))
            .await?
        {
            return Err(ApiProblem::not_found("approval"));
        }
    }
    let me = UserRef {
        id: user.id.clone(),
        name: user.name.clone(),
    };
    st.presence
        .look(console, me, body.approval_id, st.clock.now());
    Ok(StatusCode::NO_CONTENT.into_response())
}
