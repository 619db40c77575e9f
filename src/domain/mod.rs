//! The wire types both the client and the reference server speak (API.md).
//!
//! These are plain serde types: the JSON shape *is* the contract. Strings in here are raw,
//! exactly as the peer sent them; the client cleans them for the terminal where it decodes
//! them (`crate::text`), never here.

mod approval;
mod events;
mod export;
mod partner;
mod problem;
pub mod timestamp;

pub use approval::*;
pub use events::*;
pub use export::*;
pub use partner::*;
pub use problem::*;

use serde::{Deserialize, Serialize};

/// Money in integer minor units (cents); never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

/// Currencies written without minor units (ISO 4217 exponent 0) that the console knows;
/// every other currency has two. One list for the screen and for exports.
pub const ZERO_DECIMAL_CURRENCIES: &[&str] = &["JPY", "KRW", "VND", "CLP", "ISK", "HUF"];

impl Money {
    pub fn new(amount_minor: i64, currency: &str) -> Self {
        Money {
            amount_minor,
            currency: currency.to_string(),
        }
    }

    /// How many decimals the currency is written with (see [`minor_digits`]).
    pub fn minor_digits(&self) -> u32 {
        minor_digits(&self.currency)
    }
}

/// How many decimals `currency` is written with: 0 for [`ZERO_DECIMAL_CURRENCIES`], else 2.
pub fn minor_digits(currency: &str) -> u32 {
    if ZERO_DECIMAL_CURRENCIES.contains(&currency) {
        0
    } else {
        2
    }
}

/// An amount as a plain decimal for machines (CSV, JSON): no grouping, no symbol, `.` as the
/// separator: `4900 EUR` → `"49.00"`, `-5 USD` → `"-0.05"`, `1500 JPY` → `"1500"`.
pub fn plain_decimal(amount_minor: i64, currency: &str) -> String {
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    match minor_digits(currency) {
        0 => format!("{sign}{abs}"),
        _ => format!("{sign}{}.{:02}", abs / 100, abs % 100),
    }
}

/// One keyset page of a list: `next_cursor` is `None` on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The caller's roles (API.md "Roles"); `PartnerOwner` is only ever held by an impersonation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Csr,
    Admin,
    PartnerOwner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Csr => "csr",
            Role::Admin => "admin",
            Role::PartnerOwner => "partner_owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "viewer" => Role::Viewer,
            "csr" => Role::Csr,
            "admin" => Role::Admin,
            "partner_owner" => Role::PartnerOwner,
            _ => return None,
        })
    }

    /// May this role approve and reject?
    pub fn can_decide(self) -> bool {
        matches!(self, Role::Csr | Role::Admin)
    }
}

/// `GET /me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// `GET /audit` entries (admin), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub subject: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// `GET /outbox` (admin): the emails the server would send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEmail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
