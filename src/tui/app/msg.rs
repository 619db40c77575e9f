//! What can happen to the app: keys (raw; the app maps them through the keymap, so modals can
//! read text), API results, live events, timers.

use crossterm::event::KeyEvent;

use crate::client::{ApiError, StreamItem};
use crate::domain::{
    Approval, Channel, Engagement, Impersonation, Me, Member, Page, Partner, PartnerSummary, Saved,
    Summary, VoucherBatch,
};
use crate::tui::queue::section::Slot;
use crate::tui::queue::tabs::{Row, SectionId};

// Short-lived values, one or a few at a time: boxing the big variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal's size, at start and on every change: paging uses the same layout as
    /// drawing.
    Resize {
        width: u16,
        height: u16,
    },
    Me(Result<Me, ApiError>),
    Summary(Result<Summary, ApiError>),
    /// A page for a section; `request` tells a stale answer from the current one.
    Page {
        section: SectionId,
        request: u64,
        slot: Slot,
        /// The cursor that fetched it (kept, so a dropped page can be fetched again).
        cursor: Option<String>,
        result: Result<Page<Row>, ApiError>,
    },
    Stream(StreamItem),
    /// The answer to one decision of a batch.
    Decided {
        batch: u64,
        id: String,
        result: Result<Approval, ApiError>,
    },
    ExpireToast(u64),
    /// An export has written this many rows so far.
    ExportProgress(u64),
    /// The export ended: the file and its rows, or what went wrong (or that it was cancelled).
    ExportDone(Result<(std::path::PathBuf, u64), String>),
    /// Typing in a search paused; `generation` tells the newest text from older ones.
    SearchSettled {
        section: SectionId,
        generation: u64,
    },
    /// Offline: time to poll `/summary` again.
    PollSummary,
    /// The selection rested on a partner: fetch it if `generation` is still the newest.
    DetailSettled(u64),
    Partner {
        id: String,
        result: Result<Partner, ApiError>,
    },
    Impersonated(Result<Impersonation, ApiError>),
    /// The answer to a profile save.
    PartnerSaved {
        id: String,
        result: Result<Saved<Partner>, ApiError>,
    },
    Members {
        partner_id: String,
        result: Result<Vec<Member>, ApiError>,
    },
    Vouchers {
        partner_id: String,
        result: Result<Vec<VoucherBatch>, ApiError>,
    },
    /// Batches for a picker; `generation` tells the newest search from older ones.
    Batches {
        generation: u64,
        result: Result<Vec<VoucherBatch>, ApiError>,
    },
    /// A batch was assigned or unassigned (or not).
    BatchChanged {
        partner_id: String,
        batch: String,
        assign: bool,
        result: Result<(), ApiError>,
    },
    /// A page of the Hierarchy tree (see `Effect::LoadNodes`).
    Nodes {
        request: u64,
        parent: crate::tui::hierarchy::tree::Parent,
        slot: crate::tui::hierarchy::tree::Slot,
        cursor: Option<String>,
        result: Result<Page<crate::domain::Node>, ApiError>,
    },
    Node {
        level: crate::domain::Level,
        id: String,
        result: Result<crate::domain::Node, ApiError>,
    },
    /// The answer to a hierarchy write: the node as it is now (none after a delete or an
    /// administrators' change).
    NodeWritten {
        write: crate::tui::hierarchy::actions::NodeWrite,
        result: Result<Option<crate::domain::Node>, ApiError>,
    },
    Admins {
        node: crate::tui::hierarchy::tree::NodeKey,
        result: Result<Vec<crate::domain::UserRef>, ApiError>,
    },
    Tiers {
        partner_id: String,
        result: Result<crate::tui::record::tiers::TiersData, ApiError>,
    },
    /// A partner's lead-exchange settings, read.
    LeadSettings {
        partner_id: String,
        result: Result<crate::tui::record::lead::LeadRecord, ApiError>,
    },
    /// The answer to saving them.
    LeadSaved {
        partner_id: String,
        result: Result<crate::tui::record::lead::LeadRecord, ApiError>,
    },
    LeadPreview {
        result: Result<crate::domain::LeadPreview, ApiError>,
    },
    PortalInvited {
        result: Result<crate::domain::PortalInvite, ApiError>,
    },
    /// One extension of a bulk `x` answered.
    Extended {
        batch: u64,
        id: String,
        result: Result<(), ApiError>,
    },
    PeriodWritten {
        write: crate::tui::record::tiers::PeriodWrite,
        result: Result<Option<crate::domain::Period>, ApiError>,
    },
    /// The text back from the editor, or why the editor could not be run.
    Edited(Result<String, String>),
    PartnerView(Result<(Partner, Vec<Channel>, Vec<Engagement>), ApiError>),
    ImpersonationEnded(Result<(), ApiError>),
    /// The impersonation ends in two minutes.
    ImpersonationExpiring(String),
    ImpersonationExpired(String),
    /// A minute passed while impersonating (the banner shows the minutes left).
    ImpersonationTick,
    FinderSettled(u64),
    /// The new requests gathered since the first of a burst are answered together.
    ArrivalsSettled,
    PartnerRequests(Result<Vec<crate::domain::PartnerRequest>, ApiError>),
    RequestSubmitted(Result<crate::domain::PartnerRequest, ApiError>),
    /// The presence timer: the item the selection rests on is said to the server.
    OpenItemSettled,
    /// The open item is said again, before the server forgets it (60 s after its last word).
    PresenceRefresh,
    Found {
        generation: u64,
        result: Result<Vec<PartnerSummary>, ApiError>,
    },
    Stats {
        request: u64,
        result: Result<crate::domain::ApprovalStats, ApiError>,
    },
    /// SIGINT / SIGTERM / SIGHUP: leave now.
    Shutdown,
}

impl Msg {
    /// A message that changes nothing on screen (the presence timers): no frame follows it.
    pub fn is_quiet(&self) -> bool {
        matches!(self, Msg::OpenItemSettled | Msg::PresenceRefresh)
    }
}
