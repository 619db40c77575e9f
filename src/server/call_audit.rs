//! Every call made with an impersonation token is audited (API.md), whatever its answer: a
//! call the server refused (403, 404, 401 once the impersonation ended) says as much about what
//! was tried as one it served. So the audit is written here, around the whole router, once the
//! status is known, rather than by the handlers that serve such calls.
//!
//! The `Caller` extractor (`auth`) reports the impersonation it found into the request's
//! [`SessionSlot`]. A call that never reached an extractor (no such route, a method the route
//! does not take, `/healthz`) is looked up here by its token.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::problem::ApiProblem;
use super::store::{self, SessionRow};
use super::{AppState, headers};

/// Where the `Caller` extractor leaves the impersonation a request's token belongs to.
#[derive(Clone, Default)]
pub struct SessionSlot(Arc<Mutex<Option<SessionRow>>>);

impl SessionSlot {
    pub fn set(&self, session: &SessionRow) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.clone());
    }

    fn take(&self) -> Option<SessionRow> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Middleware: run the request, then audit it if it was made with an impersonation token. A
/// call that was served but could not be audited is answered 500 instead: the partner's data
/// never goes out unaudited.
pub async fn audit_impersonated_calls(
    State(st): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = SessionSlot::default();
    req.extensions_mut().insert(slot.clone());
    let call = format!(
        "{} {}",
        req.method(),
        req.uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
    );
    let token_hash = headers::single(req.headers(), &header::AUTHORIZATION)
        .ok()
        .flatten()
        .and_then(headers::bearer_token)
        .map(store::token_hash);
    let res = next.run(req).await;
    let session = match (slot.take(), token_hash) {
        (Some(s), _) => Some(s),
        (None, Some(hash)) if !st.user_tokens.knows(&hash) => {
            match st
                .store
                .read(move |c| store::session_by_token_hash(c, &hash))
                .await
            {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!("cannot tell whether a call was impersonated: {e}");
                    return if res.status().is_success() {
                        ApiProblem::internal().into_response()
                    } else {
                        res
                    };
                }
            }
        }
        _ => None,
    };
    let Some(s) = session else {
        return res;
    };
    let detail = format!("{call} → {}", res.status().as_u16());
    let written = st
        .store
        .write(move |c| {
            store::insert_audit(
                c,
                Utc::now(),
                &s.csr_name,
                Some(&s.partner_name),
                "impersonation.call",
                &s.id,
                &detail,
            )
        })
        .await;
    match written {
        Ok(()) => res,
        Err(e) => {
            tracing::error!("cannot audit an impersonated call: {e}");
            if res.status().is_success() {
                ApiProblem::internal().into_response()
            } else {
                res
            }
        }
    }
}
