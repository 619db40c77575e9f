//! `GET /approvals/export`: a page of export rows, written as JSON straight from the rows.
//!
//! The rows are the page `list_approvals` would return for the same filter, but only the
//! columns an export writes (`EXPORT_COLUMNS`), and each one goes from SQLite's row to the
//! response bytes without an `Approval` in between: nothing is allocated per value, and the
//! timestamps go out as stored (RFC 3339 with milliseconds, as `ts` writes them).

use std::io::Write;

use super::db::ValueRef;
use super::db::{Connection, Row};

use super::approvals::ApprovalFilter;
use super::query::{NO_PRICE, list_sql, page_cursor};
use super::{StoreError, StoreResult};
use crate::domain::{ApprovalSort, EXPORT_COLUMNS, StatusFilter};

/// The SQL of [`EXPORT_COLUMNS`], in the same order, of `approvals a` joined with `partners p`.
const EXPORT_SQL_COLUMNS: &str = "a.id, a.kind, a.title, p.name, p.contact_email,
        a.item_name, a.item_amount, a.item_currency, a.status, a.decided_by_name,
        a.decided_at, a.requested_at, a.reason";
const ITEM_AMOUNT: usize = 6;
const DECIDED_AT: usize = 10;
const REQUESTED_AT: usize = 11;

/// Where a page of export rows ends early: after the row that takes its body past this many
/// bytes. Half the client's body cap (`client::MAX_BODY_BYTES`), so a page of unusually long
/// values (reasons of 2,000 characters, escaped controls) still arrives whole.
pub const EXPORT_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// The JSON body of one page: `{"columns": [...], "rows": [[...], ...], "next_cursor": ...}`.
/// The page holds `f.limit` rows, or fewer when the body passes `max_bytes` first; either way
/// `next_cursor` is set only when another row follows, sealed by `seal` (the route's, which
/// knows the filters: `crate::server::cursor`).
pub fn export_approvals(
    conn: &Connection,
    f: &ApprovalFilter,
    max_bytes: usize,
    seal: impl Fn(&str) -> String,
) -> StoreResult<Vec<u8>> {
    let mut out = Vec::with_capacity(f.limit as usize * 256);
    out.extend_from_slice(b"{\"columns\":");
    serde_json::to_writer(&mut out, &EXPORT_COLUMNS).map_err(json_error)?;
    out.extend_from_slice(b",\"rows\":[");
    // The keyset position (time, id) of a page's last row, kept when that row is written.
    let mut last: Option<(String, String)> = None;
    let mut next_cursor = None;
    // The column of the sort key, which the next page's cursor carries.
    let key_column = match (f.order(), f.status) {
        (ApprovalSort::Price, _) => ITEM_AMOUNT,
        (_, StatusFilter::Pending) => REQUESTED_AT,
        _ => DECIDED_AT,
    };
    if let Some((text, sql)) = list_sql(conn, f, EXPORT_SQL_COLUMNS)? {
        let mut stmt = conn.prepare_cached(&text)?;
        let mut rows = stmt.query(sql.params().as_slice())?;
        let mut written = 0u32;
        while let Some(r) = rows.next()? {
            if last.is_some() {
                // The page is full and another row follows (the query asks for one row more
                // than a page): there is a next page.
                next_cursor = last
                    .as_ref()
                    .map(|(key, id)| seal(&page_cursor(f.order(), key, id)));
                break;
            }
            if written > 0 {
                out.push(b',');
            }
            write_row(&mut out, &r)?;
            written += 1;
            if written == f.limit || out.len() >= max_bytes {
                let key = match r.get_ref(key_column)? {
                    ValueRef::Integer(n) => n.to_string(),
                    // A row without a price sorts as `NO_PRICE`.
                    ValueRef::Null if key_column == ITEM_AMOUNT => NO_PRICE.to_string(),
                    _ => text_at(&r, key_column)?.unwrap_or_default().to_string(),
                };
                last = Some((key, text_at(&r, 0)?.unwrap_or_default().to_string()));
            }
        }
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &next_cursor).map_err(json_error)?;
    out.push(b'}');
    Ok(out)
}

/// One row as a JSON array of its values: text as strings, integers as numbers, NULL as `null`.
fn write_row(out: &mut Vec<u8>, r: &Row<'_>) -> StoreResult<()> {
    out.push(b'[');
    for (i, column) in EXPORT_COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match r.get_ref(i)? {
            ValueRef::Null => out.extend_from_slice(b"null"),
            ValueRef::Integer(n) => {
                write!(out, "{n}").map_err(|e| json_error(serde_json::Error::io(e)))?
            }
            ValueRef::Text(bytes) => {
                let s = std::str::from_utf8(bytes)
                    .map_err(|e| StoreError::Corrupt(format!("export column {column}: {e}")))?;
                serde_json::to_writer(&mut *out, s).map_err(json_error)?;
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "export column {column} is {:?}",
                    other.data_type()
                )));
            }
        }
    }
    out.push(b']');
    Ok(())
}

/// A text column, borrowed from the row; `None` for NULL.
fn text_at<'r>(r: &'r Row<'_>, i: usize) -> StoreResult<Option<&'r str>> {
    r.get_ref(i)?
        .as_str_or_null()
        .map_err(|e| StoreError::Corrupt(format!("export column {}: {e}", EXPORT_COLUMNS[i])))
}

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot write JSON: {e}"))
}
