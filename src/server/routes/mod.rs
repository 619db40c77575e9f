//! The router and its handlers: authenticate, validate, call the store, shape the response.
//! No SQL here and no business rule the store should own.
//!
//! One module per resource, named after its path (`approvals` for `/approvals/...`, `partner`
//! for the impersonated `/partner/...`), each with its handlers; what several share is in
//! `request` (reading query strings, bodies and headers) and `response` (writing JSON). This
//! file only builds the router; `super::ROUTES` lists the same routes for the contract test.

mod approvals;
mod audit;
mod decisions;
mod events;
mod free_text;
mod health;
mod impersonation;
mod members;
mod partner;
mod partners;
mod request;
mod response;
mod stats;
mod users;
mod voucher_batches;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, put};

use super::AppState;
use super::problem::{ApiProblem, problemize};
use crate::domain::codes;

type S = State<Arc<AppState>>;
type Res = Result<Response, ApiProblem>;

/// Request bodies are small JSON documents; anything larger is refused with 413.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let audit = axum::middleware::from_fn_with_state(
        Arc::clone(&state),
        crate::server::call_audit::audit_impersonated_calls,
    );
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/me", get(users::me))
        .route("/summary", get(stats::summary))
        .route("/events", get(events::events))
        .route("/approvals", get(approvals::list_approvals))
        // A static segment wins over `{id}` in axum's router, whatever the order; it comes
        // first here for the reader.
        .route("/approvals/stats", get(stats::approval_stats))
        .route("/approvals/export", get(approvals::export_approvals))
        .route("/approvals/{id}", get(approvals::get_approval))
        .route("/approvals/{id}/approve", post(decisions::approve))
        .route("/approvals/{id}/reject", post(decisions::reject))
        .route("/partners", get(partners::list_partners))
        .route(
            "/partners/{id}",
            get(partners::get_partner).patch(partners::patch_partner),
        )
        .route("/partners/{id}/members", get(members::list_members))
        .route(
            "/partners/{id}/voucher_batches/{batch_id}",
            put(voucher_batches::assign).delete(voucher_batches::unassign),
        )
        .route("/voucher_batches", get(voucher_batches::list_batches))
        .route(
            "/partners/{id}/impersonations",
            post(impersonation::impersonate),
        )
        .route(
            "/impersonations/{id}",
            delete(impersonation::end_impersonation),
        )
        .route("/partner/me", get(partner::partner_me))
        .route("/partner/channels", get(partner::partner_channels))
        .route("/partner/engagements", get(partner::partner_engagements))
        .route("/audit", get(audit::audit))
        .route("/outbox", get(audit::outbox))
        .route("/users", get(users::users));
    Router::new()
        .nest("/api/v1", api)
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(problemize))
        .layer(audit)
        .with_state(state)
}

async fn no_route() -> ApiProblem {
    ApiProblem::new(
        StatusCode::NOT_FOUND,
        codes::NO_ROUTE,
        "No such route; the API lives under /api/v1.",
    )
}
