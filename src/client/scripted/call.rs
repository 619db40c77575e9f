//! The record of a call the scripted fake received.

use super::DecisionKey;
use crate::domain::*;
use crate::secret::Secret;

/// One call the fake received, with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Health,
    Me,
    Summary,
    Approvals(ApprovalQuery),
    ExportRows(ApprovalQuery),
    Approval(String),
    ApprovalStats(ApprovalQuery),
    Approve {
        id: String,
        key: DecisionKey,
        body: ApproveBody,
    },
    Reject {
        id: String,
        key: DecisionKey,
        reason: String,
    },
    Partners(PartnerQuery),
    Partner(String),
    UpdatePartner {
        id: String,
        version: i64,
        patch: PartnerPatch,
    },
    Members {
        partner_id: String,
        cursor: Option<String>,
        limit: Option<u32>,
    },
    VoucherBatches(VoucherBatchQuery),
    AssignVoucherBatch {
        partner_id: String,
        batch_id: String,
    },
    UnassignVoucherBatch {
        partner_id: String,
        batch_id: String,
    },
    Impersonate {
        partner_id: String,
        reason: String,
    },
    EndImpersonation(String),
    PartnerMe,
    PartnerChannels(Option<String>),
    PartnerEngagements(Option<String>),
    /// Boxed: a request is far larger than any other call's arguments.
    SubmitRequest {
        key: String,
        request: Box<NewRequest>,
    },
    PartnerRequests(Option<String>),
    /// The approval the console said it has open.
    Presence(Option<String>),
    Audit {
        cursor: Option<String>,
        limit: Option<u32>,
    },
    Outbox {
        cursor: Option<String>,
        limit: Option<u32>,
    },
    Users {
        cursor: Option<String>,
        limit: Option<u32>,
    },
    Nodes(NodeQuery),
    Node(Level, String),
    CreateNode {
        key: String,
        node: NewNode,
    },
    UpdateNode {
        level: Level,
        id: String,
        version: i64,
        patch: NodePatch,
    },
    /// `reason` is `None` for an enable.
    SuspendNode {
        level: Level,
        id: String,
        version: i64,
        reason: Option<String>,
    },
    DeleteNode {
        level: Level,
        id: String,
        version: i64,
    },
    Admins(Level, String),
    AddAdmin {
        level: Level,
        id: String,
        admin: NewAdmin,
    },
    RemoveAdmin {
        level: Level,
        id: String,
        user_id: String,
    },
    Settings,
    Tiers,
    Campaigns,
    Periods(PeriodKind, String),
    CreatePeriod {
        kind: PeriodKind,
        partner_id: String,
        key: String,
        what: String,
        starts_at: chrono::DateTime<chrono::Utc>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    UpdatePeriod {
        kind: PeriodKind,
        id: String,
        version: i64,
        patch: DatesPatch,
    },
    DeletePeriod {
        kind: PeriodKind,
        id: String,
        version: i64,
    },
    PartnerProducts(String),
    Expiring(ExpiringQuery),
    LeadSettings(String),
    UpdateLeadSettings {
        partner_id: String,
        version: i64,
        patch: serde_json::Value,
    },
    PreviewLeadBody {
        partner_id: String,
        preview: PreviewRequest,
    },
    PortalInvite {
        partner_id: String,
        key: String,
    },
    Events,
    WithPartnerToken(Secret),
}
