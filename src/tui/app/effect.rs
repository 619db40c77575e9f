//! What the app asks of the world, as data. `update` returns these; the runtime (`runtime.rs`)
//! performs them on tokio tasks and answers with `Msg`s, so `update` never waits.

use std::time::Duration;

use crate::client::DecisionKey;
use crate::tui::app::msg::Msg;
use crate::tui::queue::filter::ListQuery;
use crate::tui::queue::section::Slot;
use crate::tui::queue::tabs::SectionId;

/// Approve or reject, as sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Approve,
    /// Approve, with a comment kept in the history and the audit log (`A`).
    ApproveWithComment {
        comment: String,
    },
    Reject {
        reason: String,
    },
}

// Short-lived values, one or a few at a time: boxing the big variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Effect {
    LoadMe,
    LoadSummary,
    LoadPage {
        section: SectionId,
        request: u64,
        slot: Slot,
        query: ListQuery,
    },
    /// Send `msg` back after `delay` (toasts fading, offline polling). Nothing is scheduled
    /// while idle, so an idle console wakes for nothing.
    After {
        delay: Duration,
        msg: Msg,
    },
    /// Decide each `(approval id, key)` of one batch, in order; every answer comes back as a
    /// `Msg::Decided`.
    Decide {
        batch: u64,
        verdict: Verdict,
        items: Vec<(String, DecisionKey)>,
    },
    /// Export every page of `query` as CSV into `dir`; `cancel` stops it between pages.
    Export {
        query: crate::domain::ApprovalQuery,
        dir: std::path::PathBuf,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// The full partner for the detail pane.
    LoadPartner {
        id: String,
    },
    /// Put text on the clipboard (OSC 52; the event loop writes it to the terminal).
    Copy {
        text: String,
    },
    Impersonate {
        partner_id: String,
        reason: String,
    },
    /// The partner's own view, with the impersonation token.
    LoadPartnerView {
        token: String,
    },
    EndImpersonation {
        id: String,
    },
    /// Partners for the finder: those containing `q`, else those containing its first letter.
    FindPartners {
        q: String,
        generation: u64,
    },
    /// Decisions per day for the History tab's chart.
    LoadStats {
        request: u64,
        query: crate::domain::ApprovalQuery,
    },
    /// Save a partner's profile: `patch` against the `version` the CSR edited.
    SavePartner {
        id: String,
        version: i64,
        patch: crate::domain::PartnerPatch,
    },
    /// The partner's members (the Members page).
    LoadMembers {
        partner_id: String,
    },
    /// The voucher batches a partner holds (the Vouchers page).
    LoadVouchers {
        partner_id: String,
    },
    /// Batches for the assign and unassign pickers: the unassigned pool (searched by `q`), or
    /// the partner's own.
    FindBatches {
        query: crate::domain::VoucherBatchQuery,
        generation: u64,
    },
    /// Assign (`assign`) or unassign a batch.
    ChangeBatch {
        partner_id: String,
        batch_id: String,
        assign: bool,
    },
    /// A page of one level's nodes for the Hierarchy tree, into `parent`'s window at `slot`.
    LoadNodes {
        request: u64,
        parent: crate::tui::hierarchy::tree::Parent,
        slot: crate::tui::hierarchy::tree::Slot,
        query: crate::domain::NodeQuery,
    },
    /// One node read again (another console changed it).
    LoadNode {
        level: crate::domain::Level,
        id: String,
    },
    /// A write to the hierarchy: create, edit, suspend or enable, delete, administrators.
    WriteNode(crate::tui::hierarchy::actions::NodeWrite),
    /// A node's administrators.
    LoadAdmins {
        node: crate::tui::hierarchy::tree::NodeKey,
    },
    /// The Tiers & campaigns page of a partner: settings, catalogue, periods, products.
    LoadTiers {
        partner_id: String,
    },
    /// The Lead exchange page of a partner.
    LoadLeadSettings {
        partner_id: String,
    },
    /// The lead form's changed members, as a merge patch against `version`.
    SaveLeadSettings {
        partner_id: String,
        version: i64,
        patch: serde_json::Value,
    },
    /// The body the partner's API would receive, for the form's unsaved method and template.
    PreviewLeadBody {
        partner_id: String,
        preview: crate::domain::PreviewRequest,
    },
    /// A one-time portal invitation, under `key` (kept for the retries).
    PortalInvite {
        partner_id: String,
        key: String,
    },
    /// The impersonated partner's own requests.
    LoadPartnerRequests {
        token: String,
    },
    /// A request submitted with the impersonation's token, under `key` (kept for retries).
    SubmitRequest {
        token: String,
        key: String,
        request: crate::domain::NewRequest,
    },
    /// `POST /presence`: the item this console has open, or none.
    SendPresence {
        approval_id: Option<String>,
    },
    /// A write to a tier assignment or a campaign link.
    WritePeriod(crate::tui::record::tiers::PeriodWrite),
    /// Expiring's `x`: each write sent in turn, each answered as `Msg::Extended`.
    ExtendPeriods {
        batch: u64,
        writes: Vec<crate::tui::record::tiers::PeriodWrite>,
    },
    /// Open `text` in the user's `$VISUAL`/`$EDITOR` (the terminal is handed over meanwhile);
    /// the text comes back as `Msg::Edited`.
    EditText {
        text: String,
    },
    /// Ctrl-Z: give the terminal back until `fg`.
    Suspend,
    /// Leave, ending the impersonation with this id first (briefly: a dead backend must not
    /// hold the exit; the token expires by itself at the latest).
    Quit {
        impersonation: Option<String>,
    },
}
