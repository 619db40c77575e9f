//! A partner's members (read-only here) and voucher batches: the list of batches, and
//! assigning a batch to a partner or taking it back, each in one transaction with its audit
//! entry and `record.changed` event.

use super::db::{Connection, OptionalExtension, Row, params};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};

use super::keyset::{after_key, keyset_page};
use super::records::{RecordWrite, Written, record_written};
use super::{StoreError, StoreResult, like_pattern, partner_name};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// The members of a partner, by login.
pub fn list_members(
    conn: &Connection,
    partner_id: &str,
    cursor_arg: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Member>> {
    let (after_login, after_id) = after_key(cursor_arg)?;
    keyset_page(
        conn,
        "SELECT id, login, first_name, last_name, email, active, login, id FROM members
          WHERE partner_id = ?4 AND (login, id) > (?1, ?2) ORDER BY login, id LIMIT ?3",
        (&after_login, &after_id),
        &[&partner_id],
        limit,
        6,
        |r| {
            Ok(Member {
                id: r.get(0)?,
                login: r.get(1)?,
                first_name: r.get(2)?,
                last_name: r.get(3)?,
                email: r.get(4)?,
                active: r.get(5)?,
            })
        },
    )
}

pub struct BatchFilter {
    pub partner_id: Option<String>,
    pub unassigned: Option<bool>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

const BATCH_COLS: &str = "b.id, b.name, b.exams, b.expires_on, b.last_exam_on, b.value_amount,
    b.value_currency, b.value_percent, b.total, b.used, b.expired, b.partner_id, p.name,
    b.version, b.name_lower";
const BATCH_FROM: &str = "voucher_batches b LEFT JOIN partners p ON p.id = b.partner_id";

fn date(s: String) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("bad date {s:?}")))
}

fn batch_from_row(r: &Row<'_>) -> StoreResult<VoucherBatch> {
    let exams: String = r.get(2)?;
    let value = match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<String>>(6)?) {
        (Some(amount), Some(currency)) => VoucherValue::Money(Money::new(amount, &currency)),
        _ => VoucherValue::Percent(r.get::<_, Option<i64>>(7)?.unwrap_or(0)),
    };
    let (total, used, expired): (i64, i64, i64) = (r.get(8)?, r.get(9)?, r.get(10)?);
    let partner = match (
        r.get::<_, Option<String>>(11)?,
        r.get::<_, Option<String>>(12)?,
    ) {
        (Some(id), Some(name)) => Some(PartnerRef { id, name }),
        _ => None,
    };
    Ok(VoucherBatch {
        id: r.get(0)?,
        name: r.get(1)?,
        exams: serde_json::from_str(&exams)
            .map_err(|e| StoreError::Corrupt(format!("batch exams: {e}")))?,
        expires_on: date(r.get(3)?)?,
        last_exam_on: r.get::<_, Option<String>>(4)?.map(date).transpose()?,
        value,
        counts: VoucherCounts {
            total,
            used,
            unused: (total - used - expired).max(0),
            expired,
        },
        partner,
        version: r.get(13)?,
    })
}

/// Batches by name, then id; filtered by partner, by whether any partner holds them, by `q`
/// (a substring of the name or an exam).
pub fn list_batches(conn: &Connection, f: &BatchFilter) -> StoreResult<Page<VoucherBatch>> {
    let (after_name, after_id) = after_key(f.cursor.as_deref())?;
    let q =
        f.q.as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(like_pattern)
            .unwrap_or_else(|| "%".into());
    let sql = format!(
        "SELECT {BATCH_COLS}, b.id FROM {BATCH_FROM}
          WHERE (b.name_lower, b.id) > (?1, ?2)
            AND (CAST(?4 AS TEXT) IS NULL OR b.partner_id = ?4)
            AND (CAST(?5 AS INTEGER) IS NULL
                 OR (CASE WHEN b.partner_id IS NULL THEN 1 ELSE 0 END) = ?5)
            AND b.q LIKE ?6 ESCAPE '\\'
          ORDER BY b.name_lower, b.id LIMIT ?3"
    );
    keyset_page(
        conn,
        &sql,
        (&after_name, &after_id),
        &[&f.partner_id, &f.unassigned, &q],
        f.limit,
        14,
        batch_from_row,
    )
}

pub fn get_batch(conn: &Connection, id: &str) -> StoreResult<Option<VoucherBatch>> {
    let sql = format!("SELECT {BATCH_COLS} FROM {BATCH_FROM} WHERE b.id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id], |r| Ok(batch_from_row(r)))
        .optional()?
        .transpose()
}

/// Assigning a batch to a partner, or taking it back from one.
pub struct Assignment {
    pub partner_id: String,
    pub batch_id: String,
    pub assign: bool,
    pub actor: String,
    pub now: DateTime<Utc>,
}

fn conflict(code: &str, detail: String, batch: VoucherBatch) -> StoreError {
    ApiProblem::new(StatusCode::CONFLICT, code, detail)
        .with_voucher_batch(batch)
        .into()
}

/// Applies `a`. What is already so (assigning a batch the partner holds, taking back one it
/// does not hold) changes nothing and is no error: no new version, no audit entry, no event.
pub fn assign_batch(conn: &mut Connection, a: &Assignment) -> StoreResult<Written<VoucherBatch>> {
    let tx = conn.savepoint()?;
    let partner =
        partner_name(&tx, &a.partner_id)?.ok_or_else(|| ApiProblem::not_found("partner"))?;
    let batch =
        get_batch(&tx, &a.batch_id)?.ok_or_else(|| ApiProblem::not_found("voucher batch"))?;
    let holder = batch.partner.clone();
    match &holder {
        Some(other) if other.id != a.partner_id => {
            let detail = format!(
                "The batch {:?} is assigned to {} ({}); a batch belongs to one partner at a time.",
                batch.name, other.name, other.id
            );
            return Err(conflict(codes::BATCH_ASSIGNED_ELSEWHERE, detail, batch));
        }
        Some(_) if a.assign => return Ok(unchanged(batch)),
        None if !a.assign => return Ok(unchanged(batch)),
        _ => {}
    }
    if a.assign && batch.is_expired(a.now.date_naive()) {
        let detail = format!(
            "The batch {:?} expired on {}; an expired batch cannot be assigned.",
            batch.name, batch.expires_on
        );
        return Err(conflict(codes::BATCH_EXPIRED, detail, batch));
    }
    let new_holder = a.assign.then_some(a.partner_id.as_str());
    tx.prepare_cached(
        "UPDATE voucher_batches SET partner_id = ?2, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![a.batch_id, new_holder])?;
    let after =
        get_batch(&tx, &a.batch_id)?.ok_or_else(|| ApiProblem::not_found("voucher batch"))?;
    let label = format!("{partner} ({})", a.partner_id);
    let (before_v, after_v, action, detail) = if a.assign {
        (None, Some(label), "voucher_batch.assigned", "Assigned to")
    } else {
        (
            Some(label),
            None,
            "voucher_batch.unassigned",
            "Taken back from",
        )
    };
    record_written(
        &tx,
        &RecordWrite {
            actor: &a.actor,
            record: RecordRef {
                kind: RECORD_VOUCHER_BATCH.into(),
                id: after.id.clone(),
                name: after.name.clone(),
            },
            action,
            detail: format!("{detail} {partner} ({})", a.partner_id),
            changes: vec![FieldChange {
                field: "/partner".into(),
                before: before_v,
                after: after_v,
            }],
            version: after.version,
            now: a.now,
        },
    )?;
    tx.commit()?;
    Ok(Written {
        record: after,
        added_events: true,
    })
}

fn unchanged(batch: VoucherBatch) -> Written<VoucherBatch> {
    Written {
        record: batch,
        added_events: false,
    }
}
