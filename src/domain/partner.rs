use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Address, Item, Money};
use crate::text::{Clean, line, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    Active,
    Pending,
    Suspended,
    Inactive,
}

impl PartnerStatus {
    pub const ALL: [PartnerStatus; 4] = [
        PartnerStatus::Active,
        PartnerStatus::Pending,
        PartnerStatus::Suspended,
        PartnerStatus::Inactive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Active => "active",
            PartnerStatus::Pending => "pending",
            PartnerStatus::Suspended => "suspended",
            PartnerStatus::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<PartnerStatus> {
        PartnerStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PartnerStatus::Active => "Active",
            PartnerStatus::Pending => "Pending",
            PartnerStatus::Suspended => "Suspended",
            PartnerStatus::Inactive => "Inactive",
        }
    }
}

/// A row of `GET /partners`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerSummary {
    pub id: String,
    pub name: String,
    pub status: PartnerStatus,
    /// The partner's current package, if any.
    pub package: Option<Item>,
    pub invoice_id: String,
    /// The contact person, and the email a ticket usually carries (wide windows show both).
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub email: String,
    /// The distributor the partner belongs to (RECORDS.md §1); absent from a server that
    /// predates the hierarchy.
    #[serde(default)]
    pub distributor: Option<PartnerRef>,
    #[serde(default)]
    pub tenant_count: u64,
    /// Suspended by its own status or by its distributor's.
    #[serde(flatten)]
    pub standing: super::Standing,
    /// Goes up with every change to the partner; its `ETag`, sent back in `If-Match`. Every
    /// row carries it, so a row of a list can be suspended or deleted as it was read.
    #[serde(default)]
    pub version: i64,
}

impl Clean for PartnerSummary {
    fn clean(self) -> Self {
        PartnerSummary {
            id: line(self.id),
            name: line(self.name),
            status: self.status,
            package: self.package.clean(),
            invoice_id: line(self.invoice_id),
            contact_name: line(self.contact_name),
            email: line(self.email),
            distributor: self.distributor.clean(),
            tenant_count: self.tenant_count,
            standing: self.standing.clean(),
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub address: Address,
    /// An IANA time zone name (`Europe/Berlin`).
    pub time_zone: String,
}

impl Clean for Contact {
    fn clean(self) -> Self {
        Contact {
            name: line(self.name),
            email: line(self.email),
            phone: line(self.phone),
            website: line(self.website),
            address: self.address.clean(),
            time_zone: line(self.time_zone),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub followers: i64,
}

impl Clean for Channel {
    fn clean(self) -> Self {
        Channel {
            id: line(self.id),
            name: line(self.name),
            kind: line(self.kind),
            followers: self.followers,
        }
    }
}

/// `GET /partners/{id}` and, under impersonation, `GET /partner/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    #[serde(flatten)]
    pub summary: PartnerSummary,
    pub contact: Contact,
    pub channels: Vec<Channel>,
    /// The add-ons the partner has: each came from an approved add-on request. Absent from a
    /// server that predates them: none known.
    #[serde(default)]
    pub addons: Vec<PartnerAddon>,
    /// The CSRs' notes on the partner, several lines (at most 10,000 characters).
    #[serde(default)]
    pub notes: String,
    /// The partner's administrators (staff users with `partner_admin` over it).
    #[serde(default)]
    pub admins: Vec<super::UserRef>,
    pub created_at: DateTime<Utc>,
}

impl Clean for Partner {
    fn clean(self) -> Self {
        Partner {
            summary: self.summary.clean(),
            contact: self.contact.clean(),
            channels: self.channels.clean(),
            addons: self.addons.clean(),
            notes: text(self.notes),
            admins: self.admins.clean(),
            created_at: self.created_at,
        }
    }
}

/// An add-on a partner has, from the add-on request whose approval added it (`approval_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerAddon {
    pub name: String,
    /// The price it was approved at; `null` when the request named no price.
    pub price: Option<Money>,
    pub approval_id: String,
    pub added_at: DateTime<Utc>,
}

impl Clean for PartnerAddon {
    fn clean(self) -> Self {
        PartnerAddon {
            name: line(self.name),
            price: self.price.clean(),
            approval_id: line(self.approval_id),
            added_at: self.added_at,
        }
    }
}

/// `GET /partner/engagements`: what the partner sends to its end-users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub id: String,
    pub title: String,
    pub engagement_type: String,
    pub status: String,
    pub starts_at: DateTime<Utc>,
}

impl Clean for Engagement {
    fn clean(self) -> Self {
        Engagement {
            id: line(self.id),
            title: line(self.title),
            engagement_type: line(self.engagement_type),
            status: line(self.status),
            starts_at: self.starts_at,
        }
    }
}

/// The order of `GET /partners`: by name (the default), or by status (active, pending,
/// suspended, inactive), then name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerSort {
    #[default]
    Name,
    Status,
}

impl PartnerSort {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerSort::Name => "name",
            PartnerSort::Status => "status",
        }
    }
}

/// The filters of `GET /partners`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerQuery {
    pub q: Option<String>,
    pub status: Option<PartnerStatus>,
    pub sort: PartnerSort,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Body of `POST /partners/{id}/impersonations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpersonationRequest {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerRef {
    pub id: String,
    pub name: String,
}

impl Clean for PartnerRef {
    fn clean(self) -> Self {
        PartnerRef {
            id: line(self.id),
            name: line(self.name),
        }
    }
}

/// `201` of `POST /partners/{id}/impersonations`. `token` acts as the partner's owner until
/// `expires_at` (at most 30 minutes) or `DELETE /impersonations/{id}`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Impersonation {
    pub id: String,
    pub token: String,
    pub partner: PartnerRef,
    pub role: super::Role,
    pub started_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Clean for Impersonation {
    /// `token` is a credential: never displayed, and sent back byte for byte, so it is left
    /// exactly as it came.
    fn clean(self) -> Self {
        Impersonation {
            id: line(self.id),
            token: self.token,
            partner: self.partner.clean(),
            role: self.role,
            started_at: self.started_at,
            expires_at: self.expires_at,
        }
    }
}

// By hand so that the token never reaches a log or a panic message (QUALITY.md 8).
impl std::fmt::Debug for Impersonation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impersonation")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("partner", &self.partner)
            .field("role", &self.role)
            .field("started_at", &self.started_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn clean_leaves_the_impersonation_token_alone() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let imp = Impersonation {
            id: "im\u{1b}1".into(),
            token: "tok\u{1b}\u{202E}en".into(),
            partner: PartnerRef {
                id: "p\u{200B}1".into(),
                name: "Eve\u{7}".into(),
            },
            role: Role::PartnerOwner,
            started_at: at,
            expires_at: at,
        }
        .clean();
        assert_eq!(imp.token, "tok\u{1b}\u{202E}en");
        assert_eq!(imp.id, "im1");
        assert_eq!(imp.partner.id, "p1");
        assert_eq!(imp.partner.name, "Eve");
    }
}
