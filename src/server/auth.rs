//! Who is calling: a user token (viewer / csr / admin) or an impersonation token (the
//! partner's owner, one partner only). Every handler takes a `Caller` and states the role it
//! needs; the checks live here so none can be forgotten in a handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use chrono::Utc;

use super::call_audit::SessionSlot;
use super::problem::ApiProblem;
use super::store::{self, SessionRow, UserRow};
use super::{AppState, headers};
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
        let token = headers::single(&parts.headers, &header::AUTHORIZATION)?
            .and_then(headers::bearer_token)
            .ok_or_else(|| {
                unauthorized(codes::UNAUTHORIZED, "Send Authorization: Bearer <token>.")
            })?;
        let hash = store::token_hash(token);
        if let Some(user) = state.user_tokens.get(&hash) {
            report_session(parts, None);
            return Ok(Caller::User(user));
        }
        let found = state
            .store
            .read({
                let hash = hash.clone();
                move |c| {
                    if let Some(u) = store::user_by_token_hash(c, &hash)? {
                        return Ok(Some(Caller::User(u)));
                    }
                    Ok(store::session_by_token_hash(c, &hash)?.map(Caller::Partner))
                }
            })
            .await?;
        report_session(
            parts,
            match &found {
                Some(Caller::Partner(s)) => Some(s),
                _ => None,
            },
        );
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
            Some(Caller::User(u)) => {
                state.user_tokens.remember(hash, &u);
                Ok(Caller::User(u))
            }
            Some(caller) => Ok(caller),
        }
    }
}

/// Tells `call_audit` whether the token is an impersonation's: such a call is audited once
/// answered, refused or not.
fn report_session(parts: &Parts, session: Option<&SessionRow>) {
    if let Some(slot) = parts.extensions.get::<SessionSlot>() {
        slot.set(session);
    }
}

/// The users behind the user tokens seen lately, so that a request from a known user needs no
/// trip to a reader connection before its handler runs: a blocking-pool hop plus a read
/// transaction that, with the writer committing all the while, starts by dropping its
/// connection's page cache and its mapping of the file. Skipping it gave +6.5% decisions/s
/// (`SERVER_BENCH_ONLY=decisions cargo bench --bench server_load`, mean of seven alternating
/// pairs).
///
/// A user's assignments over the hierarchy are not kept with them: the writes and `GET /me`
/// read them in their own transaction, so an assignment made (or removed) a moment ago counts
/// from the next request on.
///
/// Only users are kept, never impersonation tokens: those end through the API and must stop
/// working at once. A user row never changes while the server runs (users come from the seed,
/// or are made as a node's new administrator, and nothing updates or deletes them); should one be changed by hand in the database, the
/// server follows within [`USER_TOKEN_TTL`]. Tokens that match nothing are not kept, so a
/// stream of made-up tokens grows nothing, and the map is emptied should it ever pass
/// [`USER_TOKENS_MAX`].
pub struct UserTokens {
    ttl: Duration,
    known: Mutex<HashMap<String, (UserRow, Instant)>>,
}

pub const USER_TOKEN_TTL: Duration = Duration::from_secs(60);
const USER_TOKENS_MAX: usize = 10_000;

impl Default for UserTokens {
    fn default() -> Self {
        UserTokens::new(USER_TOKEN_TTL)
    }
}

impl UserTokens {
    pub fn new(ttl: Duration) -> Self {
        UserTokens {
            ttl,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The user whose token hashes to `hash`, if seen less than the TTL ago.
    fn get(&self, hash: &str) -> Option<UserRow> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let (user, seen) = known.get(hash)?;
        (seen.elapsed() < self.ttl).then(|| user.clone())
    }

    /// Whether `hash` is a user token seen lately (so not an impersonation token).
    pub fn knows(&self, hash: &str) -> bool {
        self.get(hash).is_some()
    }

    fn remember(&self, hash: String, user: &UserRow) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= USER_TOKENS_MAX {
            known.clear();
        }
        known.insert(hash, (user.clone(), Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr() -> UserRow {
        UserRow {
            id: "u1".into(),
            name: "Dana".into(),
            email: "dana@example.com".into(),
            role: Role::Csr,
        }
    }

    #[test]
    fn a_user_token_is_known_until_its_time_is_up() {
        let fresh = UserTokens::new(Duration::from_secs(60));
        assert!(fresh.get("h").is_none());
        fresh.remember("h".into(), &csr());
        assert_eq!(fresh.get("h").map(|u| u.id), Some("u1".into()));
        assert!(fresh.get("other").is_none());

        let expired = UserTokens::new(Duration::ZERO);
        expired.remember("h".into(), &csr());
        assert!(
            expired.get("h").is_none(),
            "past its TTL the row is read again"
        );
    }

    #[test]
    fn the_known_tokens_are_bounded() {
        let tokens = UserTokens::default();
        for i in 0..USER_TOKENS_MAX + 5 {
            tokens.remember(format!("h{i}"), &csr());
        }
        let len = tokens.known.lock().unwrap().len();
        assert!(len <= USER_TOKENS_MAX, "{len} tokens kept");
        assert!(tokens.get(&format!("h{}", USER_TOKENS_MAX + 4)).is_some());
    }
}
