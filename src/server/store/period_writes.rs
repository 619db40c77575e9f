//! Writing a partner's periods (RECORDS.md §3 and "Writes to records"): creating a tier
//! assignment or a campaign link (exactly once per `Idempotency-Key`), changing its dates, and
//! ending or deleting it. One code path serves both kinds; what differs is which rules apply
//! (`rules`). Each write is one transaction: the rules, the change, one audit entry with the
//! dates before and after, and two `record.changed` events, the period's and its partner's (so
//! that an open partner detail reads its tiers and campaigns again).

use super::db::{Connection, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay};
use super::periods::{Table, Untagged, day, get_period, span, table};
use super::records::{RecordWrite, Written, field_change, record_written};
use super::rules::{Target, judged};
use super::{StoreError, StoreResult, insert_event, new_id, partner_name, to_millis, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// A new period of a partner, as a create's body or a seed gives it.
pub struct PeriodValues {
    pub kind: PeriodKind,
    pub partner_id: String,
    /// The tier or the campaign.
    pub target_id: String,
    pub starts_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /partners/{id}/tier_assignments` or `/campaign_links`, its body checked.
pub struct PeriodCreate {
    pub actor: String,
    pub values: PeriodValues,
    pub idempotency: IdempotencyKey,
    pub now: DateTime<Utc>,
}

/// A change to the period `id` of `kind`, made against `if_match`.
pub struct PeriodChange {
    pub actor: String,
    pub kind: PeriodKind,
    pub id: String,
    pub if_match: i64,
    pub now: DateTime<Utc>,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map(ts).unwrap_or_default()
}

/// The period as it is now, which it must be (the write found it a moment ago).
fn current(conn: &Connection, t: &Table, id: &str, now: DateTime<Utc>) -> StoreResult<Period> {
    get_period(conn, t.kind, id, now)?.ok_or_else(|| ApiProblem::not_found(t.noun).into())
}

/// The period of `w`, if it is there, tiers allow writing it, and `If-Match` is its version
/// (412 with the period as it is otherwise).
fn checked(conn: &Connection, w: &PeriodChange) -> StoreResult<Period> {
    let t = table(w.kind);
    conn.lock_row(t.table, &w.id)?;
    let period = current(conn, t, &w.id, w.now)?;
    if w.kind == PeriodKind::TierAssignment {
        super::require_tiers(conn)?;
    }
    if period.version() != w.if_match {
        let detail = format!(
            "The {} changed since you read it (your version {}, now {}); the current one is attached.",
            t.noun,
            w.if_match,
            period.version()
        );
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            detail,
        )
        .with_period(period)
        .into());
    }
    Ok(period)
}

/// The target a period of `t` points at (404 when there is none).
fn target(conn: &Connection, t: &Table, id: &str) -> StoreResult<Target> {
    let found = match t.kind {
        PeriodKind::TierAssignment => super::get_tier(conn, id)?.map(|_| Target::Tier),
        PeriodKind::CampaignLink => super::get_campaign(conn, id)?.map(Target::Campaign),
    };
    found.ok_or_else(|| {
        ApiProblem::not_found(match t.kind {
            PeriodKind::TierAssignment => "tier",
            PeriodKind::CampaignLink => "campaign",
        })
        .into()
    })
}

/// One audit entry (`{record}.{what}`) and the events of a write to `period`: its own
/// `record.changed`, and its partner's at the partner's version (its profile did not change,
/// so a form open on it is not made stale; what its detail shows did). Returns the last event.
fn announce(
    conn: &Connection,
    actor: &str,
    period: &Period,
    what: &str,
    detail: String,
    mut changes: Vec<FieldChange>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // An expiry that was none and stays none is no change worth a line.
    changes.retain(|c| c.before != c.after);
    let t = table(period.kind());
    let partner = period.partner();
    record_written(
        conn,
        &RecordWrite {
            actor,
            record: RecordRef {
                kind: t.record.into(),
                id: period.id().into(),
                name: format!("{} of {}", period.what(), partner.name),
            },
            action: &format!("{}.{what}", t.record),
            detail: format!("{}: {detail}", partner.name),
            changes,
            version: period.version(),
            now,
        },
    )?;
    let version: i64 = conn
        .prepare_cached("SELECT version FROM partners WHERE id = ?1")?
        .query_row([&partner.id], |r| r.get(0))?;
    let data = json(&RecordChanged {
        kind: RECORD_PARTNER.into(),
        id: partner.id.clone(),
        version,
    })?;
    insert_event(conn, EVENT_RECORD_CHANGED, &data, now)
}

/// `POST`: a new period, exactly once per `Idempotency-Key` (only the 201 is kept: a refusal
/// may be corrected and sent again with the same key).
pub fn create_period(conn: &mut Connection, c: &PeriodCreate) -> StoreResult<StoredResponse> {
    let tx = conn.savepoint()?;
    if let Some(earlier) = replay(&tx, &c.idempotency)? {
        return Ok(earlier);
    }
    let v = &c.values;
    let t = table(v.kind);
    if v.kind == PeriodKind::TierAssignment {
        super::require_tiers(&tx)?;
    }
    // The overlap check below sees every other period of the partner: one create at a time.
    tx.lock_row("partners", &v.partner_id)?;
    if partner_name(&tx, &v.partner_id)?.is_none() {
        return Err(ApiProblem::not_found("partner").into());
    }
    let target = target(&tx, t, &v.target_id)?;
    let dates = (v.starts_at, v.expires_at);
    let warnings = judged(&tx, &target, &v.partner_id, None, dates, c.now)?;
    let id = new_id(t.id_prefix);
    insert(&tx, t, &id, v, c.now)?;
    let period = current(&tx, t, &id, c.now)?;
    let changes = vec![
        field_change(&format!("/{}", t.target_column), "", &v.target_id),
        field_change("/starts_at", "", &ts(v.starts_at)),
        field_change("/expires_at", "", &stamp(v.expires_at)),
    ];
    let detail = format!(
        "{} added, {}",
        period.what(),
        span(v.starts_at, v.expires_at)
    );
    announce(&tx, &c.actor, &period, "created", detail, changes, c.now)?;
    let out = StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        etag: Some(format!("\"{}\"", period.version())),
        body: json(&Saved {
            record: Untagged(period),
            warnings,
        })?,
        replayed: false,
        added_events: true,
    };
    // The key is kept by the system's time, like every other (housekeeping forgets keys by
    // it), whatever the clock of tiers and campaigns says.
    remember(&tx, &c.idempotency, &out, Utc::now())?;
    tx.commit()?;
    Ok(out)
}

fn insert(
    conn: &Connection,
    t: &Table,
    id: &str,
    v: &PeriodValues,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {} (id, partner_id, {}, starts_at, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        t.table, t.target_column
    ))?
    .execute(params![
        id,
        v.partner_id,
        v.target_id,
        ts(v.starts_at),
        v.expires_at.map(ts),
        ts(now)
    ])?;
    Ok(())
}

/// A period as a seed imports it, under the rules of a create (its target found, its dates
/// judged against the periods imported before it); the warnings are a CSR's, not a seed's (a
/// seed's history is over by design). No audit entry, no event: nothing has happened yet.
pub fn import_period(
    conn: &Connection,
    id: &str,
    v: &PeriodValues,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let t = table(v.kind);
    let target = target(conn, t, &v.target_id)?;
    judged(
        conn,
        &target,
        &v.partner_id,
        None,
        (v.starts_at, v.expires_at),
        now,
    )?;
    insert(conn, t, id, v, now)
}

/// `PATCH`: new dates (a merge patch of `starts_at` and `expires_at`), judged by the same rules
/// as a create. A patch that changes nothing answers the period as it is.
pub fn change_period(
    conn: &mut Connection,
    w: &PeriodChange,
    patch: &DatesPatch,
) -> StoreResult<Written<Saved<Untagged>>> {
    let tx = conn.savepoint()?;
    let t = table(w.kind);
    let before = checked(&tx, w)?;
    let (starts_at, expires_at) = (
        patch.starts_at.unwrap_or(before.starts_at()),
        patch.expires_at.unwrap_or(before.expires_at()),
    );
    if (starts_at, expires_at) == (before.starts_at(), before.expires_at()) {
        return Ok(Written {
            record: Saved {
                record: Untagged(before),
                warnings: Vec::new(),
            },
            added_events: false,
        });
    }
    let target_id = match &before {
        Period::TierAssignment(a) => a.tier.id.clone(),
        Period::CampaignLink(l) => l.campaign.id.clone(),
    };
    let target = target(&tx, t, &target_id)?;
    let partner_id = before.partner().id.clone();
    let warnings = judged(
        &tx,
        &target,
        &partner_id,
        Some(&w.id),
        (starts_at, expires_at),
        w.now,
    )?;
    tx.prepare_cached(&format!(
        "UPDATE {} SET starts_at = ?2, expires_at = ?3, version = version + 1 WHERE id = ?1",
        t.table
    ))?
    .execute(params![w.id, ts(starts_at), expires_at.map(ts)])?;
    let after = current(&tx, t, &w.id, w.now)?;
    let mut changes = Vec::new();
    if starts_at != before.starts_at() {
        changes.push(field_change(
            "/starts_at",
            &ts(before.starts_at()),
            &ts(starts_at),
        ));
    }
    if expires_at != before.expires_at() {
        changes.push(field_change(
            "/expires_at",
            &stamp(before.expires_at()),
            &stamp(expires_at),
        ));
    }
    let detail = format!("{} now {}", after.what(), span(starts_at, expires_at));
    announce(&tx, &w.actor, &after, "updated", detail, changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: Saved {
            record: Untagged(after),
            warnings,
        },
        added_events: true,
    })
}

/// What a `DELETE` did to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// It was active: it ends now, and stays in the partner's history (so the products can
    /// still say when the tier expired).
    Ended,
    /// It was scheduled (it never took effect) or had expired: it is deleted, softly.
    Deleted,
}

/// `DELETE`: an active period is ended now (its expiry becomes now); a scheduled or an expired
/// one is deleted (softly: out of every list and lookup, kept for the audit). An active one
/// that started this very millisecond is deleted too, as ending it would leave it no time.
pub fn remove_period(conn: &mut Connection, w: &PeriodChange) -> StoreResult<Written<Removal>> {
    let tx = conn.savepoint()?;
    let t = table(w.kind);
    let before = checked(&tx, w)?;
    let now = to_millis(w.now);
    let ends = before.state() == AssignmentState::Active && before.starts_at() < now;
    let (removal, what, detail, changes) = if ends {
        tx.prepare_cached(&format!(
            "UPDATE {} SET expires_at = ?2, version = version + 1 WHERE id = ?1",
            t.table
        ))?
        .execute(params![w.id, ts(now)])?;
        let changes = vec![field_change(
            "/expires_at",
            &stamp(before.expires_at()),
            &ts(now),
        )];
        let detail = format!("{} ended at {}", before.what(), day(now));
        (Removal::Ended, "ended", detail, changes)
    } else {
        tx.prepare_cached(&format!(
            "UPDATE {} SET deleted_at = ?2, version = version + 1 WHERE id = ?1",
            t.table
        ))?
        .execute(params![w.id, ts(now)])?;
        let target_id = match &before {
            Period::TierAssignment(a) => &a.tier.id,
            Period::CampaignLink(l) => &l.campaign.id,
        };
        let changes = vec![
            field_change(&format!("/{}", t.target_column), target_id, ""),
            field_change("/starts_at", &ts(before.starts_at()), ""),
            field_change("/expires_at", &stamp(before.expires_at()), ""),
        ];
        let detail = format!(
            "{} deleted (it was {}, {})",
            before.what(),
            before.state().as_str(),
            span(before.starts_at(), before.expires_at())
        );
        (Removal::Deleted, "deleted", detail, changes)
    };
    let after = match removal {
        Removal::Ended => current(&tx, t, &w.id, w.now)?,
        // Read no more once deleted: as the write left it, one version on.
        Removal::Deleted => bumped(before),
    };
    announce(&tx, &w.actor, &after, what, detail, changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: removal,
        added_events: true,
    })
}

fn bumped(mut p: Period) -> Period {
    match &mut p {
        Period::TierAssignment(a) => a.version += 1,
        Period::CampaignLink(l) => l.version += 1,
    }
    p
}
