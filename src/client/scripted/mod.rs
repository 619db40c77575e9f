//! A scripted fake of [`Api`], for unit tests of code that talks to the backend (the console's
//! runtime, above all): no server, no network, no clock.
//!
//! A test says per method what to answer: answers queue up and are taken one per call, in order;
//! a closure of the call's arguments answers every call the queue does not; a call with neither
//! gets [`not_scripted`]. Every call is recorded with its arguments, in the order it came
//! ([`Scripts::calls`], or one method's own with [`Script::calls`]). An answer can be held at a
//! [`Gate`] until the test releases it, and the gate tells whether the caller dropped the call
//! before its answer came: how a test proves that a superseded request was aborted. The
//! `events()` stream is scripted with [`Scripts::script_events`].
//!
//! ```
//! use partner_console::client::scripted::{Call, ScriptedApi};
//! use partner_console::client::Api;
//! use partner_console::domain::{Page, PartnerQuery};
//!
//! let api = ScriptedApi::new();
//! api.partners.answer(Ok(Page { items: vec![], next_cursor: None }));
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let query = PartnerQuery { q: Some("bhr".into()), ..Default::default() };
//! let page = rt.block_on(api.partners(&query)).unwrap();
//! assert!(page.items.is_empty());
//! assert_eq!(api.calls(), [Call::Partners(query)]);
//! ```

use std::sync::Arc;

use async_trait::async_trait;

use super::{Api, ApiError, ApiResult, DecisionKey, EventStream, StreamItem};
use crate::domain::*;
use crate::secret::Secret;

mod call;
mod script;
mod scripts;
pub use call::Call;
use script::lock;
pub use script::{Gate, Phase, Script};
pub use scripts::{PeriodArgs, Scripts};

/// The answer to a call of `method` that nothing was scripted for.
pub fn not_scripted(method: &str) -> ApiError {
    ApiError::Invalid {
        message: format!("the scripted Api has no answer for {method}"),
    }
}

/// The fake. Clones share their scripts and their record of calls, and so does the API that
/// [`with_partner_token`](Api::with_partner_token) returns. Script it through its fields (one
/// [`Script`] per method, named like the method): `api.partners.answer(...)`.
#[derive(Clone, Default)]
pub struct ScriptedApi(Arc<Scripts>);

impl ScriptedApi {
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::ops::Deref for ScriptedApi {
    type Target = Scripts;

    fn deref(&self) -> &Scripts {
        &self.0
    }
}

type Cursor<'a> = Option<&'a str>;

fn owned(cursor: Cursor<'_>) -> Option<String> {
    cursor.map(str::to_owned)
}

#[async_trait]
impl Api for ScriptedApi {
    async fn health(&self) -> ApiResult<Health> {
        self.health.run(self, (), |()| Call::Health).await
    }

    async fn me(&self) -> ApiResult<Me> {
        self.me.run(self, (), |()| Call::Me).await
    }

    async fn summary(&self) -> ApiResult<Summary> {
        self.summary.run(self, (), |()| Call::Summary).await
    }

    async fn approvals(&self, query: &ApprovalQuery) -> ApiResult<Page<Approval>> {
        let q = query.clone();
        self.approvals.run(self, q, Call::Approvals).await
    }

    async fn export_rows(&self, query: &ApprovalQuery) -> ApiResult<Page<ExportRow>> {
        let q = query.clone();
        self.export_rows.run(self, q, Call::ExportRows).await
    }

    async fn approval(&self, id: &str) -> ApiResult<Approval> {
        let id = id.to_owned();
        self.approval.run(self, id, Call::Approval).await
    }

    async fn approval_stats(&self, query: &ApprovalQuery) -> ApiResult<ApprovalStats> {
        let q = query.clone();
        self.approval_stats.run(self, q, Call::ApprovalStats).await
    }

    async fn approve(
        &self,
        id: &str,
        key: &DecisionKey,
        body: &ApproveBody,
    ) -> ApiResult<Approval> {
        let args = (id.to_owned(), key.clone(), body.clone());
        let call = |(id, key, body)| Call::Approve { id, key, body };
        self.approve.run(self, args, call).await
    }

    async fn reject(&self, id: &str, key: &DecisionKey, reason: &str) -> ApiResult<Approval> {
        let args = (id.to_owned(), key.clone(), reason.to_owned());
        let call = |(id, key, reason)| Call::Reject { id, key, reason };
        self.reject.run(self, args, call).await
    }

    async fn partners(&self, query: &PartnerQuery) -> ApiResult<Page<PartnerSummary>> {
        let q = query.clone();
        self.partners.run(self, q, Call::Partners).await
    }

    async fn partner(&self, id: &str) -> ApiResult<Partner> {
        let id = id.to_owned();
        self.partner.run(self, id, Call::Partner).await
    }

    async fn update_partner(
        &self,
        id: &str,
        version: i64,
        patch: &PartnerPatch,
    ) -> ApiResult<Saved<Partner>> {
        let args = (id.to_owned(), version, patch.clone());
        let call = |(id, version, patch)| Call::UpdatePartner { id, version, patch };
        self.update_partner.run(self, args, call).await
    }

    async fn members(
        &self,
        partner_id: &str,
        cursor: Cursor<'_>,
        limit: Option<u32>,
    ) -> ApiResult<Page<Member>> {
        let args = (partner_id.to_owned(), owned(cursor), limit);
        let call = |(partner_id, cursor, limit)| Call::Members {
            partner_id,
            cursor,
            limit,
        };
        self.members.run(self, args, call).await
    }

    async fn voucher_batches(&self, query: &VoucherBatchQuery) -> ApiResult<Page<VoucherBatch>> {
        let q = query.clone();
        self.voucher_batches
            .run(self, q, Call::VoucherBatches)
            .await
    }

    async fn assign_voucher_batch(
        &self,
        partner_id: &str,
        batch_id: &str,
    ) -> ApiResult<Saved<VoucherBatch>> {
        let args = (partner_id.to_owned(), batch_id.to_owned());
        let call = |(partner_id, batch_id)| Call::AssignVoucherBatch {
            partner_id,
            batch_id,
        };
        self.assign_voucher_batch.run(self, args, call).await
    }

    async fn unassign_voucher_batch(&self, partner_id: &str, batch_id: &str) -> ApiResult<()> {
        let args = (partner_id.to_owned(), batch_id.to_owned());
        let call = |(partner_id, batch_id)| Call::UnassignVoucherBatch {
            partner_id,
            batch_id,
        };
        self.unassign_voucher_batch.run(self, args, call).await
    }

    async fn nodes(&self, query: &NodeQuery) -> ApiResult<Page<Node>> {
        self.nodes.run(self, query.clone(), Call::Nodes).await
    }

    async fn node(&self, level: Level, id: &str) -> ApiResult<Node> {
        let call = |(level, id)| Call::Node(level, id);
        self.node.run(self, (level, id.to_owned()), call).await
    }

    async fn create_node(&self, key: &str, node: &NewNode) -> ApiResult<Saved<Node>> {
        let call = |(key, node)| Call::CreateNode { key, node };
        let args = (key.to_owned(), node.clone());
        self.create_node.run(self, args, call).await
    }

    async fn update_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        patch: &NodePatch,
    ) -> ApiResult<Saved<Node>> {
        let args = (level, id.to_owned(), version, patch.clone());
        let call = |(level, id, version, patch)| Call::UpdateNode {
            level,
            id,
            version,
            patch,
        };
        self.update_node.run(self, args, call).await
    }

    async fn suspend_node(
        &self,
        level: Level,
        id: &str,
        version: i64,
        reason: Option<&str>,
    ) -> ApiResult<Node> {
        let args = (level, id.to_owned(), version, reason.map(str::to_owned));
        let call = |(level, id, version, reason)| Call::SuspendNode {
            level,
            id,
            version,
            reason,
        };
        self.suspend_node.run(self, args, call).await
    }

    async fn delete_node(&self, level: Level, id: &str, version: i64) -> ApiResult<()> {
        let call = |(level, id, version)| Call::DeleteNode { level, id, version };
        let args = (level, id.to_owned(), version);
        self.delete_node.run(self, args, call).await
    }

    async fn admins(&self, level: Level, id: &str) -> ApiResult<Page<UserRef>> {
        let call = |(level, id)| Call::Admins(level, id);
        self.admins.run(self, (level, id.to_owned()), call).await
    }

    async fn add_admin(&self, level: Level, id: &str, admin: &NewAdmin) -> ApiResult<UserRef> {
        let call = |(level, id, admin)| Call::AddAdmin { level, id, admin };
        let args = (level, id.to_owned(), admin.clone());
        self.add_admin.run(self, args, call).await
    }

    async fn remove_admin(&self, level: Level, id: &str, user_id: &str) -> ApiResult<()> {
        let call = |(level, id, user_id)| Call::RemoveAdmin { level, id, user_id };
        let args = (level, id.to_owned(), user_id.to_owned());
        self.remove_admin.run(self, args, call).await
    }

    async fn settings(&self) -> ApiResult<Settings> {
        self.settings.run(self, (), |_| Call::Settings).await
    }

    async fn tiers(&self) -> ApiResult<Page<Tier>> {
        self.tiers.run(self, (), |_| Call::Tiers).await
    }

    async fn campaigns(&self) -> ApiResult<Page<Campaign>> {
        self.campaigns.run(self, (), |_| Call::Campaigns).await
    }

    async fn periods(&self, kind: PeriodKind, partner_id: &str) -> ApiResult<Page<Period>> {
        let call = |(kind, id)| Call::Periods(kind, id);
        self.periods
            .run(self, (kind, partner_id.to_owned()), call)
            .await
    }

    async fn create_period(
        &self,
        kind: PeriodKind,
        partner_id: &str,
        key: &str,
        what: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> ApiResult<Saved<Period>> {
        let args = (
            kind,
            partner_id.to_owned(),
            key.to_owned(),
            what.to_owned(),
            starts_at,
            expires_at,
        );
        let call = |(kind, partner_id, key, what, starts_at, expires_at)| Call::CreatePeriod {
            kind,
            partner_id,
            key,
            what,
            starts_at,
            expires_at,
        };
        self.create_period.run(self, args, call).await
    }

    async fn update_period(
        &self,
        kind: PeriodKind,
        id: &str,
        version: i64,
        patch: &DatesPatch,
    ) -> ApiResult<Saved<Period>> {
        let args = (kind, id.to_owned(), version, patch.clone());
        let call = |(kind, id, version, patch)| Call::UpdatePeriod {
            kind,
            id,
            version,
            patch,
        };
        self.update_period.run(self, args, call).await
    }

    async fn delete_period(&self, kind: PeriodKind, id: &str, version: i64) -> ApiResult<()> {
        let call = |(kind, id, version)| Call::DeletePeriod { kind, id, version };
        let args = (kind, id.to_owned(), version);
        self.delete_period.run(self, args, call).await
    }

    async fn partner_products(&self, partner_id: &str) -> ApiResult<PartnerProducts> {
        let args = partner_id.to_owned();
        self.partner_products
            .run(self, args, Call::PartnerProducts)
            .await
    }

    async fn expiring(&self, query: &ExpiringQuery) -> ApiResult<Page<Period>> {
        self.expiring.run(self, query.clone(), Call::Expiring).await
    }

    async fn lead_settings(&self, partner_id: &str) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        let args = partner_id.to_owned();
        self.lead_settings.run(self, args, Call::LeadSettings).await
    }

    async fn update_lead_settings(
        &self,
        partner_id: &str,
        version: i64,
        patch: &serde_json::Value,
    ) -> ApiResult<Saved<Versioned<LeadSettings>>> {
        let args = (partner_id.to_owned(), version, patch.clone());
        let call = |(partner_id, version, patch)| Call::UpdateLeadSettings {
            partner_id,
            version,
            patch,
        };
        self.update_lead_settings.run(self, args, call).await
    }

    async fn preview_lead_body(
        &self,
        partner_id: &str,
        preview: &PreviewRequest,
    ) -> ApiResult<LeadPreview> {
        let args = (partner_id.to_owned(), preview.clone());
        let call = |(partner_id, preview)| Call::PreviewLeadBody {
            partner_id,
            preview,
        };
        self.preview_lead_body.run(self, args, call).await
    }

    async fn portal_invite(&self, partner_id: &str, key: &str) -> ApiResult<PortalInvite> {
        let args = (partner_id.to_owned(), key.to_owned());
        let call = |(partner_id, key)| Call::PortalInvite { partner_id, key };
        self.portal_invite.run(self, args, call).await
    }

    async fn impersonate(&self, partner_id: &str, reason: &str) -> ApiResult<Impersonation> {
        let args = (partner_id.to_owned(), reason.to_owned());
        let call = |(partner_id, reason)| Call::Impersonate { partner_id, reason };
        self.impersonate.run(self, args, call).await
    }

    async fn end_impersonation(&self, impersonation_id: &str) -> ApiResult<()> {
        let id = impersonation_id.to_owned();
        self.end_impersonation
            .run(self, id, Call::EndImpersonation)
            .await
    }

    async fn partner_me(&self) -> ApiResult<Partner> {
        self.partner_me.run(self, (), |()| Call::PartnerMe).await
    }

    async fn partner_channels(&self, cursor: Cursor<'_>) -> ApiResult<Page<Channel>> {
        let c = owned(cursor);
        self.partner_channels
            .run(self, c, Call::PartnerChannels)
            .await
    }

    async fn partner_engagements(&self, cursor: Cursor<'_>) -> ApiResult<Page<Engagement>> {
        let c = owned(cursor);
        self.partner_engagements
            .run(self, c, Call::PartnerEngagements)
            .await
    }

    async fn submit_request(&self, key: &str, request: &NewRequest) -> ApiResult<PartnerRequest> {
        let args = (key.to_owned(), request.clone());
        let call = |(key, request)| Call::SubmitRequest {
            key,
            request: Box::new(request),
        };
        self.submit_request.run(self, args, call).await
    }

    async fn partner_requests(&self, cursor: Cursor<'_>) -> ApiResult<Page<PartnerRequest>> {
        let c = owned(cursor);
        self.partner_requests
            .run(self, c, Call::PartnerRequests)
            .await
    }

    async fn presence(&self, approval_id: Option<&str>) -> ApiResult<()> {
        let id = approval_id.map(str::to_owned);
        self.presence.run(self, id, Call::Presence).await
    }

    async fn audit(&self, cursor: Cursor<'_>, limit: Option<u32>) -> ApiResult<Page<AuditEntry>> {
        let call = |(cursor, limit)| Call::Audit { cursor, limit };
        self.audit.run(self, (owned(cursor), limit), call).await
    }

    async fn outbox(&self, cursor: Cursor<'_>, limit: Option<u32>) -> ApiResult<Page<OutboxEmail>> {
        let call = |(cursor, limit)| Call::Outbox { cursor, limit };
        self.outbox.run(self, (owned(cursor), limit), call).await
    }

    async fn users(&self, cursor: Cursor<'_>, limit: Option<u32>) -> ApiResult<Page<Me>> {
        let call = |(cursor, limit)| Call::Users { cursor, limit };
        self.users.run(self, (owned(cursor), limit), call).await
    }

    fn events(&self) -> EventStream {
        self.record(Call::Events);
        if let Some(stream) = lock(&self.streams).pop_front() {
            return stream;
        }
        let (tx, stream) = EventStream::channel(1);
        let message = "No event stream was scripted.".to_string();
        let _ = tx.try_send(StreamItem::Disconnected { message });
        stream
    }

    fn with_partner_token(&self, token: Secret) -> Arc<dyn Api> {
        self.record(Call::WithPartnerToken(token));
        Arc::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn partner(name: &str) -> PartnerSummary {
        PartnerSummary {
            id: format!("p_{name}"),
            name: name.into(),
            status: PartnerStatus::Active,
            package: None,
            invoice_id: "inv_1".into(),
            contact_name: Default::default(),
            email: Default::default(),
            distributor: None,
            standing: Default::default(),
            tenant_count: 0,
            version: 0,
        }
    }

    fn page<T>(items: Vec<T>) -> Page<T> {
        Page {
            items,
            next_cursor: None,
        }
    }

    fn named(q: &str, limit: u32) -> PartnerQuery {
        PartnerQuery {
            q: Some(q.into()),
            limit: Some(limit),
            ..PartnerQuery::default()
        }
    }

    /// The shape of the console's finder fallback: none found, ask again with the first letter.
    async fn find(api: &dyn Api, q: &str) -> ApiResult<Vec<PartnerSummary>> {
        let found = api.partners(&named(q, 100)).await?.items;
        match q.chars().next() {
            Some(first) if found.is_empty() => {
                Ok(api.partners(&named(&first.to_string(), 500)).await?.items)
            }
            _ => Ok(found),
        }
    }

    #[tokio::test]
    async fn a_test_scripts_two_answers_and_asserts_both_calls() {
        let api = ScriptedApi::new();
        api.partners
            .answer(Ok(page(vec![])))
            .answer(Ok(page(vec![partner("Bahrain Media")])));
        let found = find(&api, "bhr").await.unwrap();
        assert_eq!(found, [partner("Bahrain Media")]);
        assert_eq!(
            api.calls(),
            [
                Call::Partners(named("bhr", 100)),
                Call::Partners(named("b", 500))
            ]
        );
        let asked: Vec<_> = api.partners.calls().into_iter().map(|q| q.q).collect();
        assert_eq!(asked, [Some("bhr".to_string()), Some("b".to_string())]);
    }

    #[tokio::test]
    async fn the_queue_comes_first_then_the_closure_then_a_clear_error() {
        let api = ScriptedApi::new();
        assert_eq!(api.me().await, Err(not_scripted("me")));
        api.approval
            .answer(Err(ApiError::Timeout))
            .answer_with(|id| {
                Err(ApiError::Http {
                    status: 404,
                    message: id.clone(),
                })
            });
        assert_eq!(api.approval("ap_1").await, Err(ApiError::Timeout));
        let err = api.approval("ap_2").await.unwrap_err();
        assert_eq!(
            (err.status(), err.to_string().contains("ap_2")),
            (Some(404), true)
        );
        assert_eq!(api.approval.calls(), ["ap_1", "ap_2"]);
        let err = api.partners(&PartnerQuery::default()).await.unwrap_err();
        assert!(err.to_string().contains("no answer for partners"), "{err}");
        assert_eq!(
            api.calls(),
            [
                Call::Me,
                Call::Approval("ap_1".into()),
                Call::Approval("ap_2".into()),
                Call::Partners(PartnerQuery::default()),
            ]
        );
    }

    #[tokio::test]
    async fn every_argument_is_recorded() {
        let api = ScriptedApi::new();
        let key = DecisionKey {
            idempotency_key: "k1".into(),
            version: 3,
        };
        let _ = api.reject("ap_1", &key, "Not a fit").await;
        let _ = api.audit(Some("c"), Some(10)).await;
        let _ = api.partner_channels(None).await;
        let _ = api.impersonate("p_1", "ticket 42").await;
        assert_eq!(
            api.calls(),
            [
                Call::Reject {
                    id: "ap_1".into(),
                    key: key.clone(),
                    reason: "Not a fit".into()
                },
                Call::Audit {
                    cursor: Some("c".into()),
                    limit: Some(10)
                },
                Call::PartnerChannels(None),
                Call::Impersonate {
                    partner_id: "p_1".into(),
                    reason: "ticket 42".into()
                },
            ]
        );
        assert_eq!(api.reject.calls()[0].1, key);
    }

    #[tokio::test]
    async fn the_partner_records_calls_are_recorded_too() {
        let api = ScriptedApi::new();
        let patch = PartnerPatch::default().set(ProfileField::City, "Lyon");
        let _ = api.update_partner("p_1", 4, &patch).await;
        let _ = api.members("p_1", Some("c"), None).await;
        let query = VoucherBatchQuery {
            unassigned: Some(true),
            ..Default::default()
        };
        let _ = api.voucher_batches(&query).await;
        let _ = api.assign_voucher_batch("p_1", "vb_1").await;
        let _ = api.unassign_voucher_batch("p_1", "vb_1").await;
        assert_eq!(
            api.calls(),
            [
                Call::UpdatePartner {
                    id: "p_1".into(),
                    version: 4,
                    patch
                },
                Call::Members {
                    partner_id: "p_1".into(),
                    cursor: Some("c".into()),
                    limit: None
                },
                Call::VoucherBatches(query),
                Call::AssignVoucherBatch {
                    partner_id: "p_1".into(),
                    batch_id: "vb_1".into()
                },
                Call::UnassignVoucherBatch {
                    partner_id: "p_1".into(),
                    batch_id: "vb_1".into()
                },
            ]
        );
    }

    #[tokio::test]
    async fn a_gate_holds_the_answer_until_released() {
        let api = ScriptedApi::new();
        let gate = api.partner_me.answer_gated(Err(ApiError::Timeout));
        assert_eq!(gate.phase(), Phase::Unused);
        let caller = api.clone();
        let call = tokio::spawn(async move { caller.partner_me().await });
        gate.reached().await;
        assert_eq!(gate.phase(), Phase::Waiting);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!call.is_finished(), "held at the gate");
        gate.release();
        assert_eq!(call.await.unwrap(), Err(ApiError::Timeout));
        assert_eq!(gate.settled().await, Phase::Answered);
    }

    #[tokio::test]
    async fn a_gate_tells_that_its_call_was_dropped() {
        let api = ScriptedApi::new();
        let gate = api.partners.answer_gated(Ok(page(vec![])));
        let caller = api.clone();
        let call = tokio::spawn(async move { caller.partners(&named("a", 1)).await });
        gate.reached().await;
        call.abort();
        let phase = tokio::time::timeout(Duration::from_secs(5), gate.settled()).await;
        assert_eq!(phase, Ok(Phase::Dropped));
        // Released later, nothing changes: the call is gone.
        gate.release();
        assert_eq!(gate.phase(), Phase::Dropped);
        // A gate released before its call comes lets it straight through.
        let open = api.health.answer_gated(Err(ApiError::Timeout));
        open.release();
        assert_eq!(api.health().await, Err(ApiError::Timeout));
        assert_eq!(open.phase(), Phase::Answered);
    }

    #[tokio::test]
    async fn event_streams_are_scripted_in_order() {
        let api = ScriptedApi::new();
        let tx = api.script_events();
        let mut stream = api.events();
        tx.send(StreamItem::Connected).await.unwrap();
        drop(tx);
        assert_eq!(stream.next().await, Some(StreamItem::Connected));
        assert_eq!(stream.next().await, None);
        let mut unscripted = api.events();
        assert!(matches!(
            unscripted.next().await,
            Some(StreamItem::Disconnected { .. })
        ));
        assert_eq!(unscripted.next().await, None);
        assert_eq!(api.calls(), [Call::Events, Call::Events]);
    }

    #[tokio::test]
    async fn a_partner_token_api_shares_the_scripts_and_the_record() {
        let api = ScriptedApi::new();
        api.partner_engagements.answer(Ok(page(vec![])));
        let as_partner = api.with_partner_token(Secret::new("imp-token"));
        as_partner.partner_engagements(Some("n")).await.unwrap();
        assert_eq!(
            api.calls(),
            [
                Call::WithPartnerToken(Secret::new("imp-token")),
                Call::PartnerEngagements(Some("n".into())),
            ]
        );
        assert!(!format!("{:?}", api.calls()).contains("imp-token"));
    }
}
