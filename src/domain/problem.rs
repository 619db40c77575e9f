use serde::{Deserialize, Serialize};

use super::{
    Approval, Campaign, CampaignLink, ChildCounts, Distributor, FieldError, LeadSettings, Partner,
    Product, Settings, Tenant, Tier, TierAssignment, Versioned, VoucherBatch,
};
use crate::text::{Clean, line, text};

/// An `application/problem+json` error (RFC 9457) with our stable machine `code`.
/// For `already_decided` and `version_mismatch` the current record rides along (`approval`,
/// `partner` or `voucher_batch`, by what was written); `validation_failed` lists its `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub type_: String,
    #[serde(default)]
    pub title: String,
    pub status: u16,
    #[serde(default)]
    pub detail: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Box<Approval>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<Box<Partner>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_batch: Option<Box<VoucherBatch>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributor: Option<Box<Distributor>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<Box<Tenant>>,
    /// The current assignment or link of a 412 `version_mismatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_assignment: Option<Box<TierAssignment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_link: Option<Box<CampaignLink>>,
    /// The current catalogue entry of a 412 `version_mismatch` of an administrator's write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Box<Versioned<Tier>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Box<Versioned<Product>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<Box<Versioned<Campaign>>>,
    /// The partner's other tier assignment a 409 `assignment_overlap` overlaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlapping: Option<Box<TierAssignment>>,
    /// The current settings of a 412 `version_mismatch` of `PATCH /settings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// The current lead-exchange settings of a 412 `version_mismatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_settings: Option<Box<Versioned<LeadSettings>>>,
    /// The children that stop a delete (409 `has_children`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<ChildCounts>,
    /// Every invalid field of a 422 `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Default for Problem {
    fn default() -> Self {
        Problem {
            type_: about_blank(),
            title: String::new(),
            status: 500,
            detail: String::new(),
            code: String::new(),
            approval: None,
            partner: None,
            voucher_batch: None,
            distributor: None,
            tenant: None,
            tier_assignment: None,
            campaign_link: None,
            tier: None,
            product: None,
            campaign: None,
            overlapping: None,
            settings: None,
            lead_settings: None,
            counts: None,
            errors: Vec::new(),
        }
    }
}

impl Clean for Problem {
    fn clean(self) -> Self {
        Problem {
            type_: line(self.type_),
            title: line(self.title),
            status: self.status,
            detail: text(self.detail),
            code: line(self.code),
            approval: self.approval.clean(),
            partner: self.partner.clean(),
            voucher_batch: self.voucher_batch.clean(),
            distributor: self.distributor.clean(),
            tenant: self.tenant.clean(),
            tier_assignment: self.tier_assignment.clean(),
            campaign_link: self.campaign_link.clean(),
            tier: self.tier.clean(),
            product: self.product.clean(),
            campaign: self.campaign.clean(),
            overlapping: self.overlapping.clean(),
            settings: self.settings,
            lead_settings: self.lead_settings.clean(),
            counts: self.counts,
            errors: self.errors.clean(),
        }
    }
}

fn about_blank() -> String {
    "about:blank".into()
}

/// The stable `code`s, one place so both sides spell them alike.
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const NO_ROUTE: &str = "no_route";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const INVALID_PARAMETER: &str = "invalid_parameter";
    pub const INVALID_CURSOR: &str = "invalid_cursor";
    pub const INVALID_BODY: &str = "invalid_body";
    /// A header that must come once came more than once (Authorization, If-Match,
    /// Idempotency-Key).
    pub const DUPLICATE_HEADER: &str = "duplicate_header";
    /// The HTTP layer could not read the request (hyper's own 400).
    pub const MALFORMED_REQUEST: &str = "malformed_request";
    pub const URI_TOO_LONG: &str = "uri_too_long";
    pub const HEADERS_TOO_LARGE: &str = "headers_too_large";
    /// Free text (a reason, a comment) with control or bidi characters.
    pub const INVALID_TEXT: &str = "invalid_text";
    pub const BODY_TOO_LARGE: &str = "body_too_large";
    pub const REASON_REQUIRED: &str = "reason_required";
    pub const REASON_TOO_LONG: &str = "reason_too_long";
    pub const IDEMPOTENCY_KEY_REQUIRED: &str = "idempotency_key_required";
    pub const IDEMPOTENCY_KEY_INVALID: &str = "idempotency_key_invalid";
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    pub const REQUEST_IN_FLIGHT: &str = "request_in_flight";
    pub const PRECONDITION_REQUIRED: &str = "precondition_required";
    pub const INVALID_IF_MATCH: &str = "invalid_if_match";
    pub const VERSION_MISMATCH: &str = "version_mismatch";
    pub const ALREADY_DECIDED: &str = "already_decided";
    pub const IMPERSONATION_ENDED: &str = "impersonation_ended";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const INTERNAL: &str = "internal";
    /// Every connection slot is taken (503); try again shortly.
    pub const SERVER_BUSY: &str = "server_busy";
    /// Writes to records (RECORDS.md).
    pub const VALIDATION_FAILED: &str = "validation_failed";
    pub const BATCH_ASSIGNED_ELSEWHERE: &str = "batch_assigned_elsewhere";
    pub const BATCH_EXPIRED: &str = "batch_expired";
    /// The hierarchy (RECORDS.md §1): a node with children cannot be deleted (409, with
    /// `counts`), nor one that was not suspended first (409); nothing is created under a
    /// suspended node (422); a suspended partner cannot be impersonated (409).
    pub const HAS_CHILDREN: &str = "has_children";
    pub const NOT_SUSPENDED: &str = "not_suspended";
    pub const PARENT_SUSPENDED: &str = "parent_suspended";
    pub const PARTNER_SUSPENDED: &str = "partner_suspended";
    /// Tiers and campaigns (RECORDS.md §3).
    pub const EXPIRES_BEFORE_START: &str = "expires_before_start";
    pub const ASSIGNMENT_OVERLAP: &str = "assignment_overlap";
    pub const OUTSIDE_CAMPAIGN_WINDOW: &str = "outside_campaign_window";
    pub const TIERS_DISABLED: &str = "tiers_disabled";
    /// A tier or a campaign that non-deleted periods use cannot be deleted (409); a tier's
    /// precedence is one tier's (409, naming the tier that has it).
    pub const IN_USE: &str = "in_use";
    pub const PRECEDENCE_TAKEN: &str = "precedence_taken";
    /// A partner whose requests still wait in a queue cannot be deleted (409): they are
    /// decided first.
    pub const HAS_PENDING_APPROVALS: &str = "has_pending_approvals";
    /// A portal invitation needs an address: neither the lead settings' contact nor the
    /// partner's profile has one (409).
    pub const NO_CONTACT_EMAIL: &str = "no_contact_email";
    /// Partner requests (RECORDS.md §5): a partner has as many pending requests of a kind as
    /// the server allows (429); a CSR's decisions make room.
    pub const TOO_MANY_PENDING: &str = "too_many_pending";
}
