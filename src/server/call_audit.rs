//! Every call made with an impersonation token is audited (API.md), whatever its answer: a
//! call the server refused (403, 404, 401 once the impersonation ended) says as much about what
//! was tried as one it served. So the audit is written here, around the whole router, once the
//! status is known, rather than by the handlers that serve such calls.
//!
//! The `Caller` extractor (`auth`) reports what the token turned out to be into the request's
//! [`SessionSlot`]. Only a call that never reached the extractor (no such route, a method the
//! route does not take, `/healthz`) is looked up here by its token.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::problem::ApiProblem;
use super::store::{self, SessionRow, StoreResult};
use super::{AppState, headers};

/// Where the `Caller` extractor leaves what a request's token turned out to be: `None` until
/// it has looked, then the impersonation it belongs to, if any.
#[derive(Clone, Default)]
pub struct SessionSlot(Arc<Mutex<Option<Option<SessionRow>>>>);

impl SessionSlot {
    pub fn set(&self, session: Option<&SessionRow>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.cloned());
    }

    fn take(&self) -> Option<Option<SessionRow>> {
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
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let authorization = headers::single(req.headers(), &header::AUTHORIZATION)
        .ok()
        .flatten()
        .cloned();
    let res = next.run(req).await;
    let status = res.status();
    let audited = async {
        let session = match slot.take() {
            Some(seen) => seen,
            None => session_of(&st, authorization.as_ref()).await?,
        };
        let Some(s) = session else {
            return Ok(());
        };
        let path = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        let detail = format!("{method} {path} → {}", status.as_u16());
        st.store
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
            .await
    };
    match audited.await {
        Ok(()) => res,
        Err(e) => {
            tracing::error!("cannot audit a call that may be impersonated: {e}");
            if status.is_success() {
                ApiProblem::internal().into_response()
            } else {
                res
            }
        }
    }
}

/// The impersonation behind `authorization`, for a call no extractor looked at. A user token
/// seen lately needs no read.
async fn session_of(
    st: &AppState,
    authorization: Option<&HeaderValue>,
) -> StoreResult<Option<SessionRow>> {
    let Some(token) = authorization.and_then(headers::bearer_token) else {
        return Ok(None);
    };
    let hash = store::token_hash(token);
    if st.user_tokens.knows(&hash) {
        return Ok(None);
    }
    st.store
        .read(move |c| store::session_by_token_hash(c, &hash))
        .await
}
