//! The wire types both the client and the reference server speak (API.md).
//!
//! These are plain serde types: the JSON shape *is* the contract. Strings in here are raw,
//! exactly as the peer sent them. Each type says beside it how its fields are made safe for a
//! terminal (its `Clean` impl: which are single lines, which multi-line text, which opaque and
//! left alone), by calling into `crate::text`, which holds the rules; the client calls `clean`
//! where it decodes a response, nothing in here does.

mod address;
mod approval;
pub mod countries;
mod events;
mod export;
pub mod field_rules;
mod hierarchy;
pub mod lead_rules;
mod lead_settings;
pub mod lead_template;
mod partner;
mod partner_request;
pub mod permission;
mod problem;
pub mod profile;
mod profile_patch;
mod records;
mod tiers;
pub mod timestamp;
mod vouchers;

pub use address::*;
pub use approval::*;
pub use events::*;
pub use export::*;
pub use hierarchy::*;
pub use lead_settings::*;
pub use partner::*;
pub use partner_request::*;
pub use problem::*;
pub use profile::{MAX_NOTES_CHARS, ProfileField, field_codes};
pub use profile_patch::*;
pub use records::*;
pub use tiers::*;
pub use vouchers::*;

use serde::{Deserialize, Serialize};

use crate::text::{Clean, line, opt_line, text};

/// Money in integer minor units (cents); never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

impl Clean for Money {
    fn clean(self) -> Self {
        Money {
            amount_minor: self.amount_minor,
            currency: line(self.currency),
        }
    }
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

impl<T> Page<T> {
    /// The same page with each item made into something else.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

impl<T: Clean> Clean for Page<T> {
    /// The items are cleaned; `next_cursor` is opaque, never displayed and only sent back to
    /// the server (as a query parameter, percent-encoded), so it is left as it came: cleaning
    /// or capping it would break paging.
    fn clean(self) -> Self {
        Page {
            items: self.items.clean(),
            next_cursor: self.next_cursor,
        }
    }
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
    /// Scoped roles over nodes of the hierarchy (RECORDS.md §1); none for most CSRs.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
}

impl Clean for Me {
    fn clean(self) -> Self {
        Me {
            id: line(self.id),
            name: line(self.name),
            email: line(self.email),
            role: self.role,
            assignments: self.assignments.clean(),
        }
    }
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

impl Clean for Health {
    fn clean(self) -> Self {
        Health {
            status: line(self.status),
        }
    }
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
    /// What the action changed, field by field (an approval's effect on the partner); empty
    /// for actions that change no record's fields, and from a server that predates it.
    #[serde(default)]
    pub changes: Vec<FieldChange>,
    /// The record the action was on, by kind and id (`subject` names it only); absent for
    /// actions on no record, and from a server that predates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_ref: Option<RecordRef>,
}

/// One field an audited action changed: its value before and after, as text (`null`: none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Clean for FieldChange {
    fn clean(self) -> Self {
        FieldChange {
            field: line(self.field),
            before: opt_line(self.before),
            after: opt_line(self.after),
        }
    }
}

impl Clean for AuditEntry {
    fn clean(self) -> Self {
        AuditEntry {
            id: line(self.id),
            at: self.at,
            actor: line(self.actor),
            subject: opt_line(self.subject),
            action: line(self.action),
            target: line(self.target),
            detail: text(self.detail),
            changes: self.changes.clean(),
            subject_ref: self.subject_ref.clean(),
        }
    }
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

impl Clean for OutboxEmail {
    fn clean(self) -> Self {
        OutboxEmail {
            id: line(self.id),
            to: line(self.to),
            subject: line(self.subject),
            body: text(self.body),
            created_at: self.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_uses_text_rules_for_multi_line_fields() {
        let p = Problem {
            type_: "about:blank".into(),
            title: "Bad\nthing".into(),
            status: 409,
            detail: "one\r\ntwo".into(),
            code: "already_decided\u{1b}".into(),
            ..Problem::default()
        }
        .clean();
        assert_eq!(p.title, "Bad thing");
        assert_eq!(p.detail, "one\ntwo");
        assert_eq!(p.code, "already_decided");

        let page = Page {
            items: vec![Channel {
                id: "c\u{9b}1".into(),
                name: "News\u{2066}".into(),
                kind: "email".into(),
                followers: 3,
            }],
            next_cursor: Some("opaque\u{1f}cursor".into()),
        }
        .clean();
        assert_eq!(page.items[0].id, "c1");
        assert_eq!(page.items[0].name, "News");
        assert_eq!(page.next_cursor.as_deref(), Some("opaque\u{1f}cursor"));

        let ev = ServerEvent::ApprovalDecided(ApprovalDecided {
            id: "a\u{202E}".into(),
            kind: Kind::Ad,
            status: Status::Approved,
            decided_by: UserRef {
                id: "u".into(),
                name: "A\u{1b}nn".into(),
            },
        })
        .clean();
        match ev {
            ServerEvent::ApprovalDecided(d) => {
                assert_eq!(d.id, "a");
                assert_eq!(d.decided_by.name, "Ann");
            }
            other => panic!("{other:?}"),
        }
    }
}
