use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Item;

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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub address: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub followers: i64,
}

/// `GET /partners/{id}` and, under impersonation, `GET /partner/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    #[serde(flatten)]
    pub summary: PartnerSummary,
    pub contact: Contact,
    pub channels: Vec<Channel>,
    pub created_at: DateTime<Utc>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerRef {
    pub id: String,
    pub name: String,
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
