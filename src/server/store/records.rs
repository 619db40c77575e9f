//! What every write to a record does besides changing it (RECORDS.md, "Writes to records"):
//! one audit entry naming the record by kind and id, with each field before and after, and a
//! `record.changed` event; both in the write's transaction.

use super::db::{Connection, params};
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult, insert_event, new_id, ts};
use crate::domain::*;

/// A write to a record, as the audit and the event stream see it.
pub struct RecordWrite<'a> {
    pub actor: &'a str,
    pub record: RecordRef,
    /// `partner.updated`, `voucher_batch.assigned`, ...
    pub action: &'a str,
    pub detail: String,
    pub changes: Vec<FieldChange>,
    /// The record's version after the write.
    pub version: i64,
    pub now: DateTime<Utc>,
}

/// A record as a write left it, and whether it added events (the streams are woken once it
/// has committed; not when the write changed nothing).
pub struct Written<T> {
    pub record: T,
    pub added_events: bool,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes the audit entry and the `record.changed` event of `w`.
pub fn record_written(conn: &Connection, w: &RecordWrite<'_>) -> StoreResult<()> {
    audit_record(conn, w)?;
    let data = json(&RecordChanged {
        kind: w.record.kind.clone(),
        id: w.record.id.clone(),
        version: w.version,
    })?;
    insert_event(conn, EVENT_RECORD_CHANGED, &data, w.now)
}

/// The audit entry of `w` alone, for an action about a record that does not change what a
/// reader of it sees (a portal invitation): no `record.changed`.
pub fn audit_record(conn: &Connection, w: &RecordWrite<'_>) -> StoreResult<()> {
    let changes = if w.changes.is_empty() {
        None
    } else {
        Some(json(&w.changes)?)
    };
    conn.prepare_cached(
        "INSERT INTO audit (id, at, actor, subject, action, target, detail, changes, subject_ref)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        new_id("au"),
        ts(w.now),
        w.actor,
        w.record.name,
        w.action,
        w.record.id,
        w.detail,
        changes,
        json(&w.record)?
    ])?;
    Ok(())
}

/// A text field's change, for the audit (`None` for an empty value).
pub fn field_change(field: &str, before: &str, after: &str) -> FieldChange {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    FieldChange {
        field: field.to_string(),
        before: some(before),
        after: some(after),
    }
}
