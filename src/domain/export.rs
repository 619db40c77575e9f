//! `GET /approvals/export`: the rows of an export, lean.
//!
//! The same selection and order as `GET /approvals`, but each approval is only the columns an
//! export writes, as a JSON array, and pages are larger. A history page of full approvals is
//! ~750 bytes a row (descriptions, details, contacts), most of which an export drops; encoding
//! and decoding that was most of an export's time.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Kind, Status};
use crate::text::{Clean, line, opt_line, opt_text};

/// The columns of an export row, in the order each row's array holds them. A page names them
/// in its `columns`, so a client can tell a backend that sends other columns from one that
/// sends these.
pub const EXPORT_COLUMNS: [&str; 13] = [
    "id",
    "kind",
    "title",
    "partner",
    "partner_email",
    "item",
    "price_minor",
    "currency",
    "status",
    "decided_by",
    "decided_at",
    "requested_at",
    "reason",
];

/// Rows per page of `GET /approvals/export`: the default and the most a page may hold.
pub const EXPORT_PAGE_MAX: u32 = 1000;

/// One approval as an export row. On the wire it is a JSON array in [`EXPORT_COLUMNS`] order
/// (serde reads a struct from an array field by field, in declaration order).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportRow {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    /// The partner's name.
    pub partner: String,
    pub partner_email: String,
    /// The item's name; `None` for kinds without one (as `Approval::item`).
    pub item: Option<String>,
    /// The item's price in minor units of `currency`.
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: Status,
    /// The deciding user's name.
    pub decided_by: Option<String>,
    #[serde(deserialize_with = "super::timestamp::deserialize_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "super::timestamp::deserialize")]
    pub requested_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl Clean for ExportRow {
    fn clean(self) -> Self {
        ExportRow {
            id: line(self.id),
            kind: self.kind,
            title: line(self.title),
            partner: line(self.partner),
            partner_email: line(self.partner_email),
            item: opt_line(self.item),
            price_minor: self.price_minor,
            currency: opt_line(self.currency),
            status: self.status,
            decided_by: opt_line(self.decided_by),
            decided_at: self.decided_at,
            requested_at: self.requested_at,
            reason: opt_text(self.reason),
        }
    }
}

/// One keyset page of `GET /approvals/export`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExportPage {
    pub columns: Vec<String>,
    pub rows: Vec<ExportRow>,
    pub next_cursor: Option<String>,
}

impl Clean for ExportPage {
    /// The rows are cleaned; the column names only ever get compared, and the cursor is left as
    /// it came (see `Page`).
    fn clean(self) -> Self {
        ExportPage {
            columns: self.columns,
            rows: self.rows.clean(),
            next_cursor: self.next_cursor,
        }
    }
}
