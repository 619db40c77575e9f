//! The REST client: the `Api` trait the TUI and the CLI talk to, and its reqwest implementation.
//!
//! The TUI holds an `Arc<dyn Api>`; tests put the real reqwest client in front of the reference
//! server, fault tests a scripted server. Every call has timeouts; reads and keyed decisions are
//! retried (bounded, jittered, honouring `Retry-After`); nothing else is.
//!
//! - `transport`: [`HttpApi`] itself: the reqwest clients, timeouts, sending and retrying.
//! - `endpoints`: the [`Api`] implementation: each endpoint's request and decoded answer.
//! - `query`: path segments and query strings from the domain's query types.
//! - `problem`: what an error answer means (problem+json, or a bare status).
//! - `error`, `retry`: [`ApiError`] and [`RetryPolicy`].
//! - `sse`: the `/events` stream, its parser and its reconnecting task.
//! - [`scripted`]: a fake [`Api`] that answers what a test scripts, for tests of its callers.

mod endpoints;
mod error;
mod hierarchy;
mod lead_settings;
mod partner_requests;
mod periods;
mod problem;
mod query;
mod retry;
pub mod scripted;
mod sse;
mod transport;

pub use error::ApiError;
pub use retry::RetryPolicy;
pub use sse::{EventStream, StreamItem};
pub use sse::{SseEvent, SseParser};
pub use transport::{HttpApi, HttpApiOptions};

#[cfg(test)]
mod testserver;

use async_trait::async_trait;

use crate::domain::*;

pub type ApiResult<T> = Result<T, ApiError>;

/// What the client needs to decide one approval exactly once: the key is kept for every retry
/// of this decision, the version is the one the CSR saw on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionKey {
    pub idempotency_key: String,
    pub version: i64,
}

impl DecisionKey {
    /// A fresh key: a UUIDv7, so the keys one CSR sends follow each other in time and the
    /// server's idempotency index gains them at its end rather than on a random page each.
    pub fn new(version: i64) -> Self {
        DecisionKey {
            idempotency_key: uuid::Uuid::now_v7().to_string(),
            version,
        }
    }
}

/// Every endpoint of the contract (API.md). One token per client; an impersonation token is
/// a second client made with `with_token`.
#[async_trait]
pub trait Api: Send + Sync {
    async fn health(&self) -> ApiResult<Health>;
    async fn me(&self) -> ApiResult<Me>;
    async fn summary(&self) -> ApiResult<Summary>;

    async fn approvals(&self, query: &ApprovalQuery) -> ApiResult<Page<Approval>>;
    /// `GET /approvals/export`: the page of `query` (same filters, order and cursor as
    /// [`approvals`](Api::approvals)) as export rows. A page whose `columns` are not
    /// [`EXPORT_COLUMNS`](crate::domain::EXPORT_COLUMNS) is refused as undecodable.
    async fn export_rows(&self, query: &ApprovalQuery) -> ApiResult<Page<ExportRow>>;
    async fn approval(&self, id: &str) -> ApiResult<Approval>;
    /// `GET /approvals/stats`: decisions per UTC day under the filters of `query` (its `kinds`,
    /// `status` (decided when unset; pending is refused), `q`, `from`, `to`; `cursor` and `limit`
    /// are not sent). Without `from`/`to` the server counts the last 30 days.
    async fn approval_stats(&self, query: &ApprovalQuery) -> ApiResult<ApprovalStats>;
    async fn approve(&self, id: &str, key: &DecisionKey, body: &ApproveBody)
    -> ApiResult<Approval>;
    async fn reject(&self, id: &str, key: &DecisionKey, reason: &str) -> ApiResult<Approval>;

    async fn partners(&self, query: &PartnerQuery) -> ApiResult<Page<PartnerSummary>>;
    async fn partner(&self, id: &str) -> ApiResult<Partner>;

    // The partner record (RECORDS.md §2).
    /// `PATCH /partners/{id}`: the fields of `patch`, against `version` (the partner's ETag as
    /// read). A 412 `version_mismatch` carries the current partner ([`Problem::partner`]); a 422
    /// `validation_failed` every invalid field ([`Problem::errors`]). Not retried: a lost answer
    /// to a change that was made would come back as a 412 of the CSR's own change.
    async fn update_partner(
        &self,
        id: &str,
        version: i64,
        patch: &PartnerPatch,
    ) -> ApiResult<Saved<Partner>>;
    async fn members(
        &self,
        partner_id: &str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ApiResult<Page<Member>>;
    async fn voucher_batches(&self, query: &VoucherBatchQuery) -> ApiResult<Page<VoucherBatch>>;
    /// `PUT /partners/{id}/voucher_batches/{batch_id}`: idempotent, so retried. A 409
    /// `batch_assigned_elsewhere` or `batch_expired` carries the batch
    /// ([`Problem::voucher_batch`]), which names the partner holding it.
    async fn assign_voucher_batch(
        &self,
        partner_id: &str,
        batch_id: &str,
    ) -> ApiResult<Saved<VoucherBatch>>;
    /// `DELETE /partners/{id}/voucher_batches/{batch_id}`: idempotent, so retried.
    async fn unassign_voucher_batch(&self, partner_id: &str, batch_id: &str) -> ApiResult<()>;

    // The hierarchy (RECORDS.md §1): distributors → partners → tenants.
    /// One level's nodes under one parent, by name.
    async fn nodes(&self, query: &NodeQuery) -> ApiResult<Page<Node>>;
    async fn node(&self, level: Level, id: &str) -> ApiResult<Node>;
    /// `POST /{level}s` under the idempotency `key`, kept for every retry of this create.
    async fn create_node(&self, key: &str, node: &NewNode) -> ApiResult<Saved<Node>>;
    /// `PATCH` of a node's name and contact against `version`; not retried.
    async fn update_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        patch: &NodePatch,
    ) -> ApiResult<Saved<Node>>;
    /// Suspend with a `reason`, or enable (`None`), against `version`; not retried.
    async fn suspend_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        reason: Option<&str>,
    ) -> ApiResult<Node>;
    /// A 409 `has_children` carries the counts ([`Problem::counts`]).
    async fn delete_node(&self, level: Level, id: &str, version: i64) -> ApiResult<()>;
    async fn admins(&self, level: Level, id: &str) -> ApiResult<Page<UserRef>>;
    async fn add_admin(&self, level: Level, id: &str, admin: &NewAdmin) -> ApiResult<UserRef>;
    async fn remove_admin(&self, level: Level, id: &str, user_id: &str) -> ApiResult<()>;

    // Tiers and campaigns (RECORDS.md §3).
    async fn settings(&self) -> ApiResult<Settings>;
    async fn tiers(&self) -> ApiResult<Page<Tier>>;
    async fn campaigns(&self) -> ApiResult<Page<Campaign>>;
    /// A partner's tier assignments (`TierAssignment`) or campaign links (`CampaignLink`).
    async fn periods(&self, kind: PeriodKind, partner_id: &str) -> ApiResult<Page<Period>>;
    /// `POST /partners/{id}/tier_assignments` or `/campaign_links` under the idempotency `key`:
    /// `what` is the tier's or the campaign's id.
    async fn create_period(
        &self,
        kind: PeriodKind,
        partner_id: &str,
        key: &str,
        what: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> ApiResult<Saved<Period>>;
    /// `PATCH` a period's dates against `version`; not retried. A 409 `assignment_overlap`
    /// names the other assignment ([`Problem::overlapping`]).
    async fn update_period(
        &self,
        kind: PeriodKind,
        id: &str,
        version: i64,
        patch: &DatesPatch,
    ) -> ApiResult<Saved<Period>>;
    async fn delete_period(&self, kind: PeriodKind, id: &str, version: i64) -> ApiResult<()>;
    /// What the partner's tier makes available today, and why not for the rest.
    async fn partner_products(&self, partner_id: &str) -> ApiResult<PartnerProducts>;
    /// Tier assignments and campaign links by soonest end.
    async fn expiring(&self, query: &ExpiringQuery) -> ApiResult<Page<Period>>;

    // Lead exchange (RECORDS.md §4).
    /// The partner's settings with their version and the warnings they deserve (a partner
    /// nobody has set up answers the defaults at version 1).
    async fn lead_settings(&self, partner_id: &str) -> ApiResult<Saved<Versioned<LeadSettings>>>;
    /// `PATCH` with a JSON merge patch against `version`; not retried. A 412 carries the current
    /// settings ([`Problem::lead_settings`]); a 422 every broken rule.
    async fn update_lead_settings(
        &self,
        partner_id: &str,
        version: i64,
        patch: &serde_json::Value,
    ) -> ApiResult<Saved<Versioned<LeadSettings>>>;
    /// The body the partner's API would receive for a sample lead; a 422 names an unknown
    /// variable.
    async fn preview_lead_body(
        &self,
        partner_id: &str,
        preview: &PreviewRequest,
    ) -> ApiResult<LeadPreview>;
    /// Queues a one-time portal invitation to the partner's contact, under the idempotency
    /// `key` (kept for every retry).
    async fn portal_invite(&self, partner_id: &str, key: &str) -> ApiResult<PortalInvite>;

    async fn impersonate(&self, partner_id: &str, reason: &str) -> ApiResult<Impersonation>;
    async fn end_impersonation(&self, impersonation_id: &str) -> ApiResult<()>;

    // With an impersonation token: the partner's own view.
    async fn partner_me(&self) -> ApiResult<Partner>;
    async fn partner_channels(&self, cursor: Option<&str>) -> ApiResult<Page<Channel>>;
    async fn partner_engagements(&self, cursor: Option<&str>) -> ApiResult<Page<Engagement>>;
    /// `POST /partner/requests` under the idempotency `key`, kept for every retry of this
    /// submission: a new pending request of the impersonated partner. A 422 names every broken
    /// rule ([`Problem::errors`]); 409 `partner_suspended`; 429 `too_many_pending` (not retried).
    async fn submit_request(&self, key: &str, request: &NewRequest) -> ApiResult<PartnerRequest>;
    /// The partner's own requests, newest first, with their outcome.
    async fn partner_requests(&self, cursor: Option<&str>) -> ApiResult<Page<PartnerRequest>>;

    // Staff.
    /// `POST /presence`: the approval this console has open (`None`: none). Send it when the
    /// selection settles, and again within a minute while it stays (the server forgets a
    /// console a minute after its last word, or when its event stream closes).
    async fn presence(&self, approval_id: Option<&str>) -> ApiResult<()>;

    // Admin.
    async fn audit(&self, cursor: Option<&str>, limit: Option<u32>) -> ApiResult<Page<AuditEntry>>;
    async fn outbox(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> ApiResult<Page<OutboxEmail>>;
    async fn users(&self, cursor: Option<&str>, limit: Option<u32>) -> ApiResult<Page<Me>>;

    /// Subscribe to `/events`; the stream reconnects by itself with `Last-Event-ID`.
    fn events(&self) -> EventStream;

    /// The same backend with another token: an impersonation token acts as the partner's
    /// owner (the partner's own endpoints only).
    fn with_partner_token(&self, token: crate::secret::Secret) -> std::sync::Arc<dyn Api>;
}
