//! Counting approvals: decisions per day over a window (`GET /approvals/stats`) and what is
//! pending now (`GET /summary`).

use super::db::Connection;
use chrono::{DateTime, Utc};

use super::query::{Sql, effective_kinds, stats_sql};
use super::{StoreError, StoreResult, parse_opt_ts};
use crate::domain::*;

/// A validated `GET /approvals/stats` query: a decided status and a closed window.
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub kinds: Vec<Kind>,
    /// `Decided`, `Approved` or `Rejected`; the route refuses `Pending`.
    pub status: StatusFilter,
    pub q: Option<String>,
    /// Only this partner's decisions.
    pub partner_id: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Decisions per UTC day of `decided_at` in `[from, to]`: every day of the window, in order.
///
/// Whole days without a search come from `decided_days` (a few rows a day, whatever the
/// volume); a day the window cuts (`from` after its midnight, `to` before its end) and any
/// search are counted from the history indexes, like a list reads them.
pub fn approval_stats(conn: &Connection, f: &StatsFilter) -> StoreResult<ApprovalStats> {
    let first = f.from.date_naive();
    let last = f.to.date_naive();
    let mut days: Vec<DayCount> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| DayCount {
            day: d.format("%Y-%m-%d").to_string(),
            approved: 0,
            rejected: 0,
        })
        .collect();
    let mut add = |day: &str, status: &str, n: i64| -> StoreResult<()> {
        let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("decided_at day {day:?}: {e}")))?;
        let slot = usize::try_from((date - first).num_days())
            .ok()
            .and_then(|i| days.get_mut(i));
        match (slot, Status::parse(status)) {
            (Some(slot), Some(Status::Approved)) => slot.approved += n.max(0) as u64,
            (Some(slot), Some(Status::Rejected)) => slot.rejected += n.max(0) as u64,
            _ => {}
        }
        Ok(())
    };
    // The per-day totals (`decided_days`) count by kind and status only: a search or one
    // partner's decisions are counted from the rows.
    let narrowed = f.q.as_deref().is_some_and(|q| !q.trim().is_empty()) || f.partner_id.is_some();
    // One snapshot for the several reads below.
    let snapshot = conn.snapshot()?;
    // Nothing was decided before the first decision or after the last: a window reaching past
    // them covers its end days whole (`to` = now is the usual case).
    let (oldest, newest): (Option<String>, Option<String>) = snapshot
        .prepare_cached(
            // Two subqueries: SQLite reads a min() or a max() off the end of an index, but not
            // both in one SELECT (that walks the index).
            "SELECT (SELECT min(decided_at) FROM approvals INDEXED BY approvals_history
                      WHERE status <> 'pending'),
                    (SELECT max(decided_at) FROM approvals INDEXED BY approvals_history
                      WHERE status <> 'pending')",
        )?
        .query_row(super::db::params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut whole_from = f.from;
    let mut whole_to = f.to;
    if parse_opt_ts(oldest)?.is_some_and(|t| f.from <= t) {
        whole_from = start_of(f.from.date_naive());
    }
    if parse_opt_ts(newest)?.is_some_and(|t| f.to >= t) {
        whole_to =
            start_of(f.to.date_naive() + chrono::Days::new(1)) - chrono::Duration::milliseconds(1);
    }
    let mut raw: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    match whole_days(whole_from, whole_to) {
        Some((lo, hi)) if !narrowed && f.status != StatusFilter::Pending => {
            let mut sql = Sql::new(conn);
            let mut terms = vec![
                format!("day >= {}", sql.arg(lo.format("%Y-%m-%d").to_string())),
                format!("day <= {}", sql.arg(hi.format("%Y-%m-%d").to_string())),
            ];
            if let Some(ks) = effective_kinds(&f.kinds) {
                let marks: Vec<String> = ks.iter().map(|k| sql.arg(k.as_str())).collect();
                terms.push(format!("kind IN ({})", marks.join(", ")));
            }
            if matches!(f.status, StatusFilter::Approved | StatusFilter::Rejected) {
                terms.push(format!("status = {}", sql.arg(f.status.as_str())));
            }
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT day, status, sum(n) FROM decided_days WHERE {} GROUP BY day, status",
                terms.join(" AND ")
            ))?;
            let mut rows = stmt.query(sql.params().as_slice())?;
            while let Some(r) = rows.next()? {
                add(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?, r.get(2)?)?;
            }
            // The cut days at either end, if any, row by row.
            if lo > first {
                raw.push((f.from, start_of(lo) - chrono::Duration::milliseconds(1)));
            }
            if hi < last {
                raw.push((start_of(hi + chrono::Days::new(1)), f.to));
            }
        }
        _ => raw.push((f.from, f.to)),
    }
    for (from, to) in raw {
        let part = StatsFilter {
            from,
            to,
            ..f.clone()
        };
        if let Some((text, sql)) = stats_sql(conn, &part)? {
            let mut stmt = conn.prepare_cached(&text)?;
            let mut rows = stmt.query(sql.params().as_slice())?;
            while let Some(r) = rows.next()? {
                add(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?, r.get(2)?)?;
            }
        }
    }
    drop(snapshot);
    Ok(ApprovalStats {
        approved: days.iter().map(|d| d.approved).sum(),
        rejected: days.iter().map(|d| d.rejected).sum(),
        days,
    })
}

fn start_of(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The first and last day `[from, to]` covers whole (timestamps are stored to the
/// millisecond, so a day ends at 23:59:59.999), if any.
fn whole_days(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    let one = chrono::Days::new(1);
    let lo = if from <= start_of(from.date_naive()) {
        from.date_naive()
    } else {
        from.date_naive().checked_add_days(one)?
    };
    let last_ms = |d: chrono::NaiveDate| {
        d.checked_add_days(one)
            .map(|n| start_of(n) - chrono::Duration::milliseconds(1))
    };
    let hi = if last_ms(to.date_naive()).is_some_and(|end| to >= end) {
        to.date_naive()
    } else {
        to.date_naive().checked_sub_days(one)?
    };
    (lo <= hi).then_some((lo, hi))
}

pub fn summary(conn: &Connection) -> StoreResult<Summary> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, count(*) FROM approvals WHERE status = 'pending' GROUP BY kind",
    )?;
    let mut rows = stmt.query(super::db::params![])?;
    let mut pending = PendingCounts::default();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let n: i64 = r.get(1)?;
        if let Some(k) = Kind::parse(&kind) {
            *pending.get_mut(k) = n.max(0) as u64;
        }
    }
    Ok(Summary { pending })
}
