//! The seed-file format (`assets/seed.schema.json` documents it; README shows an example).
//! Strings are stored as given: the console cleans text where it displays it.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use chrono::NaiveDate;

use crate::domain::{
    Address, AssignmentRole, Details, Item, Kind, NodeContact, NodeStatus, PartnerStatus, Status,
    VoucherValue,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub distributors: Vec<SeedDistributor>,
    #[serde(default)]
    pub partners: Vec<SeedPartner>,
    #[serde(default)]
    pub tenants: Vec<SeedTenant>,
    #[serde(default)]
    pub approvals: Vec<SeedApproval>,
    #[serde(default)]
    pub voucher_batches: Vec<SeedVoucherBatch>,
    #[serde(default)]
    pub settings: Option<SeedSettings>,
    #[serde(default)]
    pub tiers: Vec<SeedTier>,
    #[serde(default)]
    pub products: Vec<SeedProduct>,
    #[serde(default)]
    pub campaigns: Vec<SeedCampaign>,
    #[serde(default)]
    pub tier_assignments: Vec<SeedTierAssignment>,
    #[serde(default)]
    pub campaign_links: Vec<SeedCampaignLink>,
}

/// The organisation's settings (RECORDS.md §3); tiers stay disabled unless enabled here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    #[serde(default)]
    pub tiers_enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTier {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub precedence: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub tier_precedence: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCampaign {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A partner's tier assignment: the partner, and the tier, by id or by (unique) name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTierAssignment {
    #[serde(default)]
    pub id: Option<String>,
    pub partner: String,
    pub tier: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A partner's link to a campaign: the partner, and the campaign, by id or by (unique) name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCampaignLink {
    #[serde(default)]
    pub id: Option<String>,
    pub partner: String,
    pub campaign: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Tiers and campaigns in a seed: the settings, the catalogues and the partners' periods.
#[derive(Debug, Clone, Default)]
pub struct SeedTiers {
    pub settings: Option<SeedSettings>,
    pub tiers: Vec<SeedTier>,
    pub products: Vec<SeedProduct>,
    pub campaigns: Vec<SeedCampaign>,
    pub tier_assignments: Vec<SeedTierAssignment>,
    pub campaign_links: Vec<SeedCampaignLink>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub name: String,
    pub email: String,
    pub role: SeedRole,
    pub token: String,
    /// Scoped roles over nodes of the hierarchy (RECORDS.md §1).
    #[serde(default)]
    pub assignments: Vec<SeedAssignment>,
}

/// `role` over the node whose id is `scope` (of the role's level: a distributor for
/// `distributor_admin`, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAssignment {
    pub role: AssignmentRole,
    pub scope: String,
}

/// The top of the hierarchy; partners name theirs by `distributor_id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDistributor {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub status: NodeStatus,
    #[serde(default)]
    pub contact: NodeContact,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A consuming organisation under a partner (by the partner's id or unique name).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTenant {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub partner: String,
    #[serde(default)]
    pub status: NodeStatus,
    #[serde(default)]
    pub contact: SeedTenantContact,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A tenant's contact has no phone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTenantContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedRole {
    Viewer,
    Csr,
    Admin,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPartner {
    #[serde(default)]
    pub id: Option<String>,
    /// Its distributor; none: the distributor "Unassigned" (made for such partners).
    #[serde(default)]
    pub distributor_id: Option<String>,
    pub name: String,
    pub status: PartnerStatus,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub package: Option<Item>,
    pub contact: SeedContact,
    #[serde(default)]
    pub channels: Vec<SeedChannel>,
    #[serde(default)]
    pub engagements: Vec<SeedEngagement>,
    #[serde(default)]
    pub members: Vec<SeedMember>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Its lead-exchange settings, as a JSON merge patch over the defaults its profile gives
    /// (`leads`); none: the defaults.
    #[serde(default)]
    pub lead_settings: Option<serde_json::Value>,
}

/// A partner's address: its parts, or one line (split as the migration to parts did,
/// `Address::from_one_line`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SeedAddress {
    Line(String),
    Parts(Address),
}

impl Default for SeedAddress {
    fn default() -> Self {
        SeedAddress::Line(String::new())
    }
}

impl SeedAddress {
    pub fn to_address(&self) -> Address {
        match self {
            SeedAddress::Line(line) => Address::from_one_line(line),
            SeedAddress::Parts(a) => a.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMember {
    #[serde(default)]
    pub id: Option<String>,
    pub login: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVoucherBatch {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub exams: Vec<String>,
    pub expires_on: NaiveDate,
    #[serde(default)]
    pub last_exam_on: Option<NaiveDate>,
    pub value: VoucherValue,
    pub counts: SeedVoucherCounts,
    /// The partner holding it, by id or name; none: unassigned.
    #[serde(default)]
    pub partner: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVoucherCounts {
    pub total: i64,
    #[serde(default)]
    pub used: i64,
    #[serde(default)]
    pub expired: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedContact {
    #[serde(default)]
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub address: SeedAddress,
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedChannel {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub followers: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEngagement {
    #[serde(default)]
    pub id: Option<String>,
    pub title: String,
    pub engagement_type: String,
    pub status: String,
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApproval {
    #[serde(default)]
    pub id: Option<String>,
    pub kind: Kind,
    #[serde(default = "pending")]
    pub status: Status,
    pub title: String,
    /// A partner's id, or its name.
    pub partner: String,
    #[serde(default)]
    pub item: Option<Item>,
    #[serde(default)]
    pub description: String,
    pub requested_at: DateTime<Utc>,
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    /// A user's name or email.
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub details: Details,
}

fn pending() -> Status {
    Status::Pending
}

/// Why a seed file was refused: the file and the first place that is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed file {path}: cannot read it: {message}")]
    Read { path: String, message: String },
    #[error("seed file {path}: line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

pub fn load_file(path: &Path) -> Result<SeedFile, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|e| SeedError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse(&text).map_err(|e| SeedError::Syntax {
        path: path.display().to_string(),
        line: e.line(),
        column: e.column(),
        // serde_json appends " at line L column C"; we say it once, up front.
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    })
}

pub fn parse(text: &str) -> Result<SeedFile, serde_json::Error> {
    serde_json::from_str(text)
}
