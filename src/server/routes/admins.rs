//! A node's administrators: `GET /{distributors,partners,tenants}/{id}/admins` (anyone on
//! staff: the node shows them anyway), `POST` `{name, email}` to add one (201 when added, 200
//! when they were one already) and `DELETE …/admins/{user_id}` (204, whether or not they
//! were). Adding and removing need whoever may write the node.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;

use super::node_fields::new_admin;
use super::request::At;
use super::response::json;
use super::write;
use super::{Res, S};
use crate::domain::{Page, Role};
use crate::server::auth::Caller;
use crate::server::store::{self, AdminChange};

/// Every administrator, by name, as one page (a node has a handful).
pub(super) async fn list(
    At(level): At,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
) -> Res {
    caller.user(Role::Viewer)?;
    let items = st
        .store
        .read(move |c| store::list_admins(c, level, &id))
        .await?;
    Ok(json(
        StatusCode::OK,
        &Page {
            items,
            next_cursor: None,
        },
    ))
}

pub(super) async fn add(
    At(level): At,
    State(st): S,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Res {
    let user = caller.user(Role::Viewer)?.clone();
    let admin = new_admin(&headers, &body)?;
    let change = AdminChange {
        user,
        level,
        id,
        now: Utc::now(),
    };
    let added = write::run(&st, move |c| store::add_admin(c, &change, &admin)).await?;
    let status = if added.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &added.admin))
}

pub(super) async fn remove(
    At(level): At,
    State(st): S,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Res {
    let change = AdminChange {
        user: caller.user(Role::Viewer)?.clone(),
        level,
        id,
        now: Utc::now(),
    };
    write::run(&st, move |c| store::remove_admin(c, &change, &user_id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
