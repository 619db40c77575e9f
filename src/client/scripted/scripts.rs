//! The scripts of every method of the fake, and its record of calls.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::mpsc;

use super::call::Call;
use super::script::{Script, lock};
use crate::client::{DecisionKey, EventStream, StreamItem};
use crate::domain::*;

/// The arguments of `create_period`: kind, partner id, key, tier or campaign id, start, expiry.
pub type PeriodArgs = (
    PeriodKind,
    String,
    String,
    String,
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// The scripts of every method, and the record of calls.
pub struct Scripts {
    pub health: Script<(), Health>,
    pub me: Script<(), Me>,
    pub summary: Script<(), Summary>,
    pub approvals: Script<ApprovalQuery, Page<Approval>>,
    pub export_rows: Script<ApprovalQuery, Page<ExportRow>>,
    pub approval: Script<String, Approval>,
    pub approval_stats: Script<ApprovalQuery, ApprovalStats>,
    /// Arguments: id, key, body.
    pub approve: Script<(String, DecisionKey, ApproveBody), Approval>,
    /// Arguments: id, key, reason.
    pub reject: Script<(String, DecisionKey, String), Approval>,
    pub partners: Script<PartnerQuery, Page<PartnerSummary>>,
    pub partner: Script<String, Partner>,
    /// Arguments: id, version, patch.
    pub update_partner: Script<(String, i64, PartnerPatch), Saved<Partner>>,
    /// Arguments: partner id, cursor, limit.
    pub members: Script<(String, Option<String>, Option<u32>), Page<Member>>,
    pub voucher_batches: Script<VoucherBatchQuery, Page<VoucherBatch>>,
    /// Arguments: partner id, batch id (so for `unassign_voucher_batch`).
    pub assign_voucher_batch: Script<(String, String), Saved<VoucherBatch>>,
    pub unassign_voucher_batch: Script<(String, String), ()>,
    /// Arguments: partner id, reason.
    pub impersonate: Script<(String, String), Impersonation>,
    pub end_impersonation: Script<String, ()>,
    pub partner_me: Script<(), Partner>,
    pub partner_channels: Script<Option<String>, Page<Channel>>,
    pub partner_engagements: Script<Option<String>, Page<Engagement>>,
    /// Arguments: idempotency key, request.
    pub submit_request: Script<(String, NewRequest), PartnerRequest>,
    pub partner_requests: Script<Option<String>, Page<PartnerRequest>>,
    /// Argument: the approval open, if any.
    pub presence: Script<Option<String>, ()>,
    /// Arguments: cursor, limit (so for `outbox` and `users`).
    pub audit: Script<(Option<String>, Option<u32>), Page<AuditEntry>>,
    pub outbox: Script<(Option<String>, Option<u32>), Page<OutboxEmail>>,
    pub users: Script<(Option<String>, Option<u32>), Page<Me>>,
    pub nodes: Script<NodeQuery, Page<Node>>,
    pub node: Script<(Level, String), Node>,
    /// Arguments: idempotency key, what is created.
    pub create_node: Script<(String, NewNode), Saved<Node>>,
    /// Arguments: level, id, version, patch.
    pub update_node: Script<(Level, String, i64, NodePatch), Saved<Node>>,
    /// Arguments: level, id, version, reason (`None`: enable).
    pub suspend_node: Script<(Level, String, i64, Option<String>), Node>,
    pub delete_node: Script<(Level, String, i64), ()>,
    pub admins: Script<(Level, String), Page<UserRef>>,
    pub add_admin: Script<(Level, String, NewAdmin), UserRef>,
    /// Arguments: level, node id, user id.
    pub remove_admin: Script<(Level, String, String), ()>,
    pub settings: Script<(), Settings>,
    pub tiers: Script<(), Page<Tier>>,
    pub campaigns: Script<(), Page<Campaign>>,
    pub periods: Script<(PeriodKind, String), Page<Period>>,
    /// Arguments: kind, partner id, key, tier or campaign id, start, expiry.
    pub create_period: Script<PeriodArgs, Saved<Period>>,
    pub update_period: Script<(PeriodKind, String, i64, DatesPatch), Saved<Period>>,
    pub delete_period: Script<(PeriodKind, String, i64), ()>,
    pub partner_products: Script<String, PartnerProducts>,
    pub expiring: Script<ExpiringQuery, Page<Period>>,
    pub lead_settings: Script<String, Saved<Versioned<LeadSettings>>>,
    /// Arguments: partner id, version, merge patch.
    pub update_lead_settings:
        Script<(String, i64, serde_json::Value), Saved<Versioned<LeadSettings>>>,
    pub preview_lead_body: Script<(String, PreviewRequest), LeadPreview>,
    /// Arguments: partner id, idempotency key.
    pub portal_invite: Script<(String, String), PortalInvite>,
    log: Mutex<Vec<Call>>,
    pub(super) streams: Mutex<VecDeque<EventStream>>,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            health: Script::new("health"),
            me: Script::new("me"),
            summary: Script::new("summary"),
            approvals: Script::new("approvals"),
            export_rows: Script::new("export_rows"),
            approval: Script::new("approval"),
            approval_stats: Script::new("approval_stats"),
            approve: Script::new("approve"),
            reject: Script::new("reject"),
            partners: Script::new("partners"),
            partner: Script::new("partner"),
            update_partner: Script::new("update_partner"),
            members: Script::new("members"),
            voucher_batches: Script::new("voucher_batches"),
            assign_voucher_batch: Script::new("assign_voucher_batch"),
            unassign_voucher_batch: Script::new("unassign_voucher_batch"),
            impersonate: Script::new("impersonate"),
            end_impersonation: Script::new("end_impersonation"),
            partner_me: Script::new("partner_me"),
            partner_channels: Script::new("partner_channels"),
            partner_engagements: Script::new("partner_engagements"),
            submit_request: Script::new("submit_request"),
            partner_requests: Script::new("partner_requests"),
            presence: Script::new("presence"),
            audit: Script::new("audit"),
            outbox: Script::new("outbox"),
            users: Script::new("users"),
            nodes: Script::new("nodes"),
            node: Script::new("node"),
            create_node: Script::new("create_node"),
            update_node: Script::new("update_node"),
            suspend_node: Script::new("suspend_node"),
            delete_node: Script::new("delete_node"),
            admins: Script::new("admins"),
            add_admin: Script::new("add_admin"),
            remove_admin: Script::new("remove_admin"),
            settings: Script::new("settings"),
            tiers: Script::new("tiers"),
            campaigns: Script::new("campaigns"),
            periods: Script::new("periods"),
            create_period: Script::new("create_period"),
            update_period: Script::new("update_period"),
            delete_period: Script::new("delete_period"),
            partner_products: Script::new("partner_products"),
            expiring: Script::new("expiring"),
            lead_settings: Script::new("lead_settings"),
            update_lead_settings: Script::new("update_lead_settings"),
            preview_lead_body: Script::new("preview_lead_body"),
            portal_invite: Script::new("portal_invite"),
            log: Mutex::default(),
            streams: Mutex::default(),
        }
    }
}

impl Scripts {
    /// Every call received so far, in order (`events()` and `with_partner_token` included).
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.log).clone()
    }

    /// The next `events()` call returns a stream fed by the returned sender; the stream ends
    /// when the sender is dropped. An `events()` call with no stream scripted gets one that says
    /// `Disconnected` and ends.
    pub fn script_events(&self) -> mpsc::Sender<StreamItem> {
        let (tx, stream) = EventStream::channel(64);
        lock(&self.streams).push_back(stream);
        tx
    }

    pub(super) fn record(&self, call: Call) {
        lock(&self.log).push(call);
    }
}
