//! The router and its handlers: authenticate, validate, call the store, shape the response.
//! No SQL here and no business rule the store should own.
//!
//! One module per resource, named after its path (`approvals` for `/approvals/...`, `partner`
//! for the impersonated `/partner/...`), each with its handlers; what several share is in
//! `request` (reading query strings, bodies and headers) and `response` (writing JSON). This
//! file only builds the router; `super::ROUTES` lists the same routes for the contract test.

mod admins;
mod approvals;
mod audit;
mod catalogue;
mod catalogue_fields;
mod catalogue_writes;
mod decisions;
mod distributors;
mod events;
mod expiring;
mod free_text;
mod health;
mod impersonation;
mod lead_settings;
mod members;
mod node_fields;
mod nodes;
mod partner;
mod partner_requests;
mod partners;
mod period_fields;
mod periods;
mod presence;
mod products;
mod request;
mod response;
mod stats;
mod suspension;
mod tenants;
mod users;
mod voucher_batches;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, patch, post, put};

use super::AppState;
use super::problem::{ApiProblem, problemize};
use crate::domain::{Campaign, Product, Tier, codes};

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
        // The hierarchy (RECORDS.md §1). A partner's `PATCH` is its profile; the writes every
        // level shares are one handler each (`request::At` tells the level from the route).
        .route("/distributors", get(distributors::list).post(nodes::create))
        .route(
            "/distributors/{id}",
            get(distributors::get)
                .patch(nodes::patch)
                .delete(nodes::delete),
        )
        .route(
            "/partners",
            get(partners::list_partners).post(nodes::create),
        )
        .route(
            "/partners/{id}",
            get(partners::get_partner)
                .patch(partners::patch_partner)
                .delete(nodes::delete),
        )
        .route("/tenants", get(tenants::list).post(nodes::create))
        .route(
            "/tenants/{id}",
            get(tenants::get).patch(nodes::patch).delete(nodes::delete),
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
        // Partners submit (RECORDS.md §5); staff say what they have open.
        .route(
            "/partner/requests",
            get(partner_requests::list_requests).post(partner_requests::submit_request),
        )
        .route("/presence", post(presence::presence))
        // Tiers and campaigns (RECORDS.md §3); a partner's periods are below, one handler per
        // verb for both kinds (`periods::Of` tells the kind from the route).
        .route(
            "/settings",
            get(catalogue::get_settings).patch(catalogue::patch_settings),
        )
        .route(
            "/tiers",
            get(catalogue::list_tiers).post(catalogue_writes::create::<Tier>),
        )
        .route(
            "/tiers/{id}",
            patch(catalogue_writes::patch::<Tier>).delete(catalogue_writes::remove::<Tier>),
        )
        .route(
            "/products",
            get(products::list_products).post(catalogue_writes::create::<Product>),
        )
        .route(
            "/products/{id}",
            patch(catalogue_writes::patch::<Product>).delete(catalogue_writes::remove::<Product>),
        )
        .route(
            "/campaigns",
            get(catalogue::list_campaigns).post(catalogue_writes::create::<Campaign>),
        )
        .route(
            "/campaigns/{id}",
            patch(catalogue_writes::patch::<Campaign>).delete(catalogue_writes::remove::<Campaign>),
        )
        .route("/partners/{id}/products", get(products::partner_products))
        // Lead exchange (RECORDS.md §4).
        .route(
            "/partners/{id}/lead_settings",
            get(lead_settings::get).patch(lead_settings::patch),
        )
        .route(
            "/partners/{id}/lead_settings/preview",
            post(lead_settings::preview),
        )
        .route(
            "/partners/{id}/portal_invite",
            post(lead_settings::portal_invite),
        )
        .route("/expiring", get(expiring::expiring))
        .route("/audit", get(audit::audit))
        .route("/outbox", get(audit::outbox))
        .route("/users", get(users::users));
    let api = ["distributors", "partners", "tenants"]
        .into_iter()
        .fold(api, |api, level| {
            api.route(
                &format!("/{level}/{{id}}/suspend"),
                post(suspension::suspend),
            )
            .route(&format!("/{level}/{{id}}/enable"), post(suspension::enable))
            .route(
                &format!("/{level}/{{id}}/admins"),
                get(admins::list).post(admins::add),
            )
            .route(
                &format!("/{level}/{{id}}/admins/{{user_id}}"),
                delete(admins::remove),
            )
        });
    let api = periods::COLLECTIONS.into_iter().fold(api, |api, kind| {
        let collection = kind.collection();
        api.route(
            &format!("/partners/{{id}}/{collection}"),
            get(periods::list).post(periods::create),
        )
        .route(
            &format!("/{collection}/{{id}}"),
            patch(periods::patch).delete(periods::remove),
        )
    });
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
