//! Who is calling: a user token (viewer / csr / admin) or an impersonation token (the
//! partner's owner, one partner only). Every handler takes a `Caller` and states the role it
//! needs; the checks live here so none can be forgotten in a handler.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use chrono::Utc;

use super::AppState;
use super::problem::ApiProblem;
use super::store::{self, SessionRow, UserRow};
use crate::domain::{Role, codes};

pub enum Caller {
    User(UserRow),
    Partner(SessionRow),
}

impl Caller {
    /// The user behind a user token whose role is at least `min`; impersonation tokens reach
    /// no CSR endpoint (API.md).
    pub fn user(&self, min: Role) -> Result<&UserRow, ApiProblem> {
        match self {
            Caller::User(u) if rank(u.role) >= rank(min) => Ok(u),
            Caller::User(u) => Err(ApiProblem::forbidden(format!(
                "This needs the {} role; you are {}.",
                min.as_str(),
                u.role.as_str()
            ))),
            Caller::Partner(_) => Err(ApiProblem::forbidden(
                "An impersonation token reaches only the partner's own endpoints.",
            )),
        }
    }

    /// The session behind an impersonation token.
    pub fn partner(&self) -> Result<&SessionRow, ApiProblem> {
        match self {
            Caller::Partner(s) => Ok(s),
            Caller::User(_) => Err(ApiProblem::forbidden(
                "This endpoint needs an impersonation token (POST /partners/{id}/impersonations).",
            )),
        }
    }
}

fn rank(role: Role) -> u8 {
    match role {
        Role::PartnerOwner => 0,
        Role::Viewer => 1,
        Role::Csr => 2,
        Role::Admin => 3,
    }
}

fn unauthorized(code: &str, detail: &str) -> ApiProblem {
    ApiProblem::new(StatusCode::UNAUTHORIZED, code, detail)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(codes::UNAUTHORIZED, "Send Authorization: Bearer <token>.")
            })?;
        let hash = store::token_hash(token);
        let found = state
            .store
            .read(move |c| {
                if let Some(u) = store::user_by_token_hash(c, &hash)? {
                    return Ok(Some(Caller::User(u)));
                }
                Ok(store::session_by_token_hash(c, &hash)?.map(Caller::Partner))
            })
            .await?;
        match found {
            None => Err(unauthorized(codes::UNAUTHORIZED, "The token is not valid.")),
            Some(Caller::Partner(s)) if s.ended_at.is_some() => Err(unauthorized(
                codes::IMPERSONATION_ENDED,
                "This impersonation has ended.",
            )),
            Some(Caller::Partner(s)) if s.expires_at <= Utc::now() => Err(unauthorized(
                codes::IMPERSONATION_ENDED,
                "This impersonation has expired.",
            )),
            Some(caller) => Ok(caller),
        }
    }
}
