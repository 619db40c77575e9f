use serde::{Deserialize, Serialize};

use super::{Kind, Status, UserRef};

/// The event names of `GET /events`.
pub const EVENT_APPROVAL_CREATED: &str = "approval.created";
pub const EVENT_APPROVAL_DECIDED: &str = "approval.decided";
pub const EVENT_PARTNER_UPDATED: &str = "partner.updated";

/// `data` of `approval.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalCreated {
    pub id: String,
    pub kind: Kind,
}

/// `data` of `approval.decided`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalDecided {
    pub id: String,
    pub kind: Kind,
    pub status: Status,
    pub decided_by: UserRef,
}

/// `data` of `partner.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerUpdated {
    pub id: String,
}

/// One event as the client sees it, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    ApprovalCreated(ApprovalCreated),
    ApprovalDecided(ApprovalDecided),
    PartnerUpdated(PartnerUpdated),
}
