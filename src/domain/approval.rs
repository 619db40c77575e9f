use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Money, PartnerStatus};
use crate::text::{Clean, line, opt_line, opt_text, text};

/// The five queues share one resource; `kind` says which queue an approval is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Partnership,
    Addon,
    Broadcast,
    AdvertisingPackage,
    Ad,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Partnership,
        Kind::Addon,
        Kind::Broadcast,
        Kind::AdvertisingPackage,
        Kind::Ad,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Partnership => "partnership",
            Kind::Addon => "addon",
            Kind::Broadcast => "broadcast",
            Kind::AdvertisingPackage => "advertising_package",
            Kind::Ad => "ad",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Words for people ("Advertising package").
    pub fn label(self) -> &'static str {
        match self {
            Kind::Partnership => "Partnership",
            Kind::Addon => "Add-on",
            Kind::Broadcast => "Broadcast",
            Kind::AdvertisingPackage => "Advertising package",
            Kind::Ad => "Ad",
        }
    }

    /// Does a request of this kind name an item with a price (seed 001)?
    pub fn has_price(self) -> bool {
        matches!(
            self,
            Kind::Partnership | Kind::Addon | Kind::AdvertisingPackage
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending" => Status::Pending,
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }
}

/// The `status` filter of `GET /approvals`: one status, or every decided one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Pending,
    Approved,
    Rejected,
    Decided,
}

impl StatusFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Pending => "pending",
            StatusFilter::Approved => "approved",
            StatusFilter::Rejected => "rejected",
            StatusFilter::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<StatusFilter> {
        Some(match s {
            "pending" => StatusFilter::Pending,
            "approved" => StatusFilter::Approved,
            "rejected" => StatusFilter::Rejected,
            "decided" => StatusFilter::Decided,
            _ => return None,
        })
    }
}

/// The `sort` of `GET /approvals`. A queue lists the oldest request first unless told
/// otherwise, a history the newest decision first. `Price` (highest first, in minor units) is
/// for queues only: they are short, a history is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalSort {
    /// By `requested_at` (queues) or `decided_at` (histories), oldest first.
    Oldest,
    /// The same times, newest first.
    Newest,
    /// By the item's price, highest first; items without a price last.
    Price,
}

impl ApprovalSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalSort::Oldest => "oldest",
            ApprovalSort::Newest => "newest",
            ApprovalSort::Price => "price",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalSort> {
        Some(match s {
            "oldest" => ApprovalSort::Oldest,
            "newest" => ApprovalSort::Newest,
            "price" => ApprovalSort::Price,
            _ => return None,
        })
    }

    /// The order a list of `status` has without a `sort`.
    pub fn default_for(status: StatusFilter) -> ApprovalSort {
        match status {
            StatusFilter::Pending => ApprovalSort::Oldest,
            _ => ApprovalSort::Newest,
        }
    }
}

/// The partner as an approval shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalPartner {
    pub id: String,
    pub name: String,
    pub status: PartnerStatus,
    pub email: String,
    pub phone: String,
    pub website: String,
    /// A suspended partner's requests stay in the queues, marked, so a CSR sees it before
    /// deciding.
    #[serde(flatten)]
    pub standing: super::Standing,
}

impl Clean for ApprovalPartner {
    fn clean(self) -> Self {
        ApprovalPartner {
            id: line(self.id),
            name: line(self.name),
            status: self.status,
            email: line(self.email),
            phone: line(self.phone),
            website: line(self.website),
            standing: self.standing.clean(),
        }
    }
}

/// The package, add-on or advertising package asked for, with its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    pub price: Money,
}

impl Clean for Item {
    fn clean(self) -> Self {
        Item {
            name: line(self.name),
            price: self.price.clean(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

impl Clean for UserRef {
    fn clean(self) -> Self {
        UserRef {
            id: line(self.id),
            name: line(self.name),
        }
    }
}

/// The per-kind fields of an approval. Each kind sends only its own fields (API.md); one flat
/// struct of options keeps the wire shape without a tagged enum the JSON does not have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    // broadcast
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_reach: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    // broadcast and ad
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    // advertising package and ad
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impressions: Option<i64>,
    // ad
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
}

impl Clean for Details {
    fn clean(self) -> Self {
        Details {
            engagement_type: opt_line(self.engagement_type),
            audience: opt_line(self.audience),
            estimated_reach: self.estimated_reach,
            preview: opt_text(self.preview),
            starts_at: self.starts_at,
            impressions: self.impressions,
            headline: opt_line(self.headline),
            body: opt_text(self.body),
            image_url: opt_line(self.image_url),
            target_url: opt_line(self.target_url),
            ends_at: self.ends_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub id: String,
    pub kind: Kind,
    pub status: Status,
    pub version: i64,
    pub title: String,
    pub partner: ApprovalPartner,
    pub item: Option<Item>,
    pub description: String,
    #[serde(
        serialize_with = "super::timestamp::serialize",
        deserialize_with = "super::timestamp::deserialize"
    )]
    pub requested_at: DateTime<Utc>,
    #[serde(
        default,
        serialize_with = "super::timestamp::serialize_opt",
        deserialize_with = "super::timestamp::deserialize_opt"
    )]
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserRef>,
    pub reason: Option<String>,
    #[serde(default)]
    pub details: Details,
}

impl Clean for Approval {
    fn clean(self) -> Self {
        Approval {
            id: line(self.id),
            kind: self.kind,
            status: self.status,
            version: self.version,
            title: line(self.title),
            partner: self.partner.clean(),
            item: self.item.clean(),
            description: text(self.description),
            requested_at: self.requested_at,
            decided_at: self.decided_at,
            decided_by: self.decided_by.clean(),
            reason: opt_text(self.reason),
            details: self.details.clean(),
        }
    }
}

/// Body of `POST /approvals/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Body of `POST /approvals/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    pub reason: String,
}

/// Longest rejection reason, in characters after trimming (API.md).
pub const MAX_REASON_CHARS: usize = 2000;

/// The filters of `GET /approvals`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApprovalQuery {
    pub kinds: Vec<Kind>,
    pub status: Option<StatusFilter>,
    pub q: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only this partner's approvals.
    pub partner_id: Option<String>,
    /// `None`: the list's own order (see [`ApprovalSort::default_for`]).
    pub sort: Option<ApprovalSort>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// `GET /approvals/stats`: how many approvals were decided each UTC day (by `decided_at`) under
/// the filters of `GET /approvals`. `days` is dense and ascending: every day of the window is
/// there, with zeros where nothing was decided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalStats {
    pub days: Vec<DayCount>,
    /// Totals over the window.
    pub approved: u64,
    pub rejected: u64,
}

impl Clean for ApprovalStats {
    fn clean(self) -> Self {
        ApprovalStats {
            days: self.days.clean(),
            approved: self.approved,
            rejected: self.rejected,
        }
    }
}

/// One UTC day of [`ApprovalStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The UTC date, `YYYY-MM-DD`.
    pub day: String,
    pub approved: u64,
    pub rejected: u64,
}

impl Clean for DayCount {
    /// The day is a date string from the server: cleaned like any other line.
    fn clean(self) -> Self {
        DayCount {
            day: line(self.day),
            approved: self.approved,
            rejected: self.rejected,
        }
    }
}

/// `GET /summary`: the tab badges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCounts {
    pub partnership: u64,
    pub addon: u64,
    pub broadcast: u64,
    pub advertising_package: u64,
    pub ad: u64,
}

impl PendingCounts {
    pub fn get(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Partnership => self.partnership,
            Kind::Addon => self.addon,
            Kind::Broadcast => self.broadcast,
            Kind::AdvertisingPackage => self.advertising_package,
            Kind::Ad => self.ad,
        }
    }

    pub fn get_mut(&mut self, kind: Kind) -> &mut u64 {
        match kind {
            Kind::Partnership => &mut self.partnership,
            Kind::Addon => &mut self.addon,
            Kind::Broadcast => &mut self.broadcast,
            Kind::AdvertisingPackage => &mut self.advertising_package,
            Kind::Ad => &mut self.ad,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pending: PendingCounts,
}

impl Clean for Summary {
    /// Counts only: nothing to clean.
    fn clean(self) -> Self {
        let Summary { pending } = self;
        Summary { pending }
    }
}
