use serde::{Deserialize, Serialize};

use super::{Kind, RecordChanged, Status, UserRef};
use crate::text::{Clean, line};

/// The event names of `GET /events`.
pub const EVENT_APPROVAL_CREATED: &str = "approval.created";
pub const EVENT_APPROVAL_DECIDED: &str = "approval.decided";
pub const EVENT_PARTNER_UPDATED: &str = "partner.updated";
pub const EVENT_RECORD_CHANGED: &str = "record.changed";
/// Who has an approval open (`POST /presence`). Sent without an `id:`: presence is the state of
/// the moment, not history, so it is never replayed, and a stream starts with the state as it
/// is (one event per approval someone has open).
pub const EVENT_PRESENCE: &str = "presence";

/// `data` of `approval.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalCreated {
    pub id: String,
    pub kind: Kind,
}

impl Clean for ApprovalCreated {
    fn clean(self) -> Self {
        ApprovalCreated {
            id: line(self.id),
            kind: self.kind,
        }
    }
}

/// `data` of `approval.decided`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalDecided {
    pub id: String,
    pub kind: Kind,
    pub status: Status,
    pub decided_by: UserRef,
}

impl Clean for ApprovalDecided {
    fn clean(self) -> Self {
        ApprovalDecided {
            id: line(self.id),
            kind: self.kind,
            status: self.status,
            decided_by: self.decided_by.clean(),
        }
    }
}

/// `data` of `partner.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerUpdated {
    pub id: String,
}

impl Clean for PartnerUpdated {
    fn clean(self) -> Self {
        PartnerUpdated { id: line(self.id) }
    }
}

/// `data` of `presence`: everyone who has `approval_id` open now, each user once, by name (the
/// receiving console's own user included: it leaves itself out); empty when the last one left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub approval_id: String,
    pub viewers: Vec<UserRef>,
}

impl Clean for Presence {
    fn clean(self) -> Self {
        Presence {
            approval_id: line(self.approval_id),
            viewers: self.viewers.clean(),
        }
    }
}

/// One event as the client sees it, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    ApprovalCreated(ApprovalCreated),
    ApprovalDecided(ApprovalDecided),
    PartnerUpdated(PartnerUpdated),
    RecordChanged(RecordChanged),
    Presence(Presence),
}

impl Clean for ServerEvent {
    fn clean(self) -> Self {
        match self {
            ServerEvent::ApprovalCreated(e) => ServerEvent::ApprovalCreated(e.clean()),
            ServerEvent::ApprovalDecided(e) => ServerEvent::ApprovalDecided(e.clean()),
            ServerEvent::PartnerUpdated(e) => ServerEvent::PartnerUpdated(e.clean()),
            ServerEvent::RecordChanged(e) => ServerEvent::RecordChanged(e.clean()),
            ServerEvent::Presence(e) => ServerEvent::Presence(e.clean()),
        }
    }
}
