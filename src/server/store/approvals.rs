//! Reading approvals: one by id, the queues and histories (keyset pages), the summary counts.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, ToSql};

use super::{StoreError, StoreResult, like_pattern, parse_opt_ts, parse_ts, ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

/// The columns `approval_from_row` reads, of `approvals a` joined with `partners p`.
pub(super) const APPROVAL_COLUMNS: &str = "a.id, a.kind, a.status, a.version, a.title,
        p.id, p.name, p.status, p.contact_email, p.contact_phone, p.contact_website,
        a.item_name, a.item_amount, a.item_currency, a.description, a.requested_at,
        a.decided_at, a.decided_by_id, a.decided_by_name, a.reason, a.details";

pub(super) const PARTNER_JOIN: &str = "JOIN partners p ON p.id = a.partner_id";

pub fn approval_from_row(r: &Row<'_>) -> StoreResult<Approval> {
    let kind: String = r.get(1)?;
    let status: String = r.get(2)?;
    let pstatus: String = r.get(7)?;
    let item = match (
        r.get::<_, Option<String>>(11)?,
        r.get::<_, Option<i64>>(12)?,
        r.get::<_, Option<String>>(13)?,
    ) {
        (Some(name), Some(amount), Some(currency)) => Some(Item {
            name,
            price: Money {
                amount_minor: amount,
                currency,
            },
        }),
        _ => None,
    };
    let decided_by = match (
        r.get::<_, Option<String>>(17)?,
        r.get::<_, Option<String>>(18)?,
    ) {
        (Some(id), Some(name)) => Some(UserRef { id, name }),
        _ => None,
    };
    let details: String = r.get(20)?;
    Ok(Approval {
        id: r.get(0)?,
        kind: Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        version: r.get(3)?,
        title: r.get(4)?,
        partner: ApprovalPartner {
            id: r.get(5)?,
            name: r.get(6)?,
            status: PartnerStatus::parse(&pstatus)
                .ok_or_else(|| StoreError::Corrupt(format!("partner status {pstatus:?}")))?,
            email: r.get(8)?,
            phone: r.get(9)?,
            website: r.get(10)?,
        },
        item,
        description: r.get(14)?,
        requested_at: parse_ts(&r.get::<_, String>(15)?)?,
        decided_at: parse_opt_ts(r.get(16)?)?,
        decided_by,
        reason: r.get(19)?,
        details: serde_json::from_str(&details)
            .map_err(|e| StoreError::Corrupt(format!("details: {e}")))?,
    })
}

pub fn get_approval(conn: &Connection, id: &str) -> StoreResult<Option<Approval>> {
    let sql = format!("SELECT {APPROVAL_COLUMNS} FROM approvals a {PARTNER_JOIN} WHERE a.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => Ok(Some(approval_from_row(r)?)),
        None => Ok(None),
    }
}

/// A validated `GET /approvals` query.
#[derive(Debug, Clone)]
pub struct ApprovalFilter {
    pub kinds: Vec<Kind>,
    pub status: StatusFilter,
    pub q: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// The kinds whose title `q` matches too (API.md: the Requests kinds); the trigger
/// `approval_titles_on_insert` keeps the distinct titles of these.
pub const TITLE_KINDS: [Kind; 3] = [Kind::Broadcast, Kind::AdvertisingPackage, Kind::Ad];
/// The same, as the SQL term the partial index `approvals_title_history` is declared with (the
/// planner uses a partial index only when the query repeats its condition).
const TITLE_KINDS_SQL: &str = "a.kind IN ('broadcast', 'advertising_package', 'ad')";

/// Search merges one index range per matching partner and per matching title; beyond this
/// many it is cheaper to walk the whole history once and filter (a `q` that matches this many
/// partners or titles matches a large share of the rows, so a page fills quickly).
const MAX_SEARCH_RANGES: usize = 16;

/// One ordered index range a list or a count reads. Each range is a seek on the index's
/// leading columns and then a walk in the list's sort order; a list merges its ranges and
/// stops at a page (SQLite cannot merge the ranges of an `IN` in order by itself: it would sort
/// every matching row).
#[derive(Debug, Clone, PartialEq)]
enum Range {
    /// Every decided approval (`approvals_history`).
    History,
    /// The pending approvals of one kind (`approvals_queue`).
    Pending(Kind),
    /// The decided approvals of one kind (`approvals_kind_history`).
    Kind(Kind),
    /// One partner's decided approvals (`approvals_partner_history`).
    Partner(String),
    /// The decided approvals of a Requests kind with one title (`approvals_title_history`).
    Title(Kind, String),
}

/// How a filter is answered: the ranges to merge, and whether `q` is still to be checked row
/// by row (`residual_q`) or already resolved into the ranges.
#[derive(Debug)]
struct Plan {
    ranges: Vec<Range>,
    residual_q: Option<String>,
    /// The kinds the rows must have, when a range does not already imply them.
    kinds: Option<Vec<Kind>>,
}

impl Plan {
    /// Ranges of partners and of titles may hold the same row: their union must drop doubles.
    fn overlapping(&self) -> bool {
        self.ranges.iter().any(|r| matches!(r, Range::Title(..)))
            && self.ranges.iter().any(|r| matches!(r, Range::Partner(..)))
    }
}

/// The filters `GET /approvals` and `GET /approvals/stats` share.
struct Filters<'a> {
    kinds: &'a [Kind],
    status: StatusFilter,
    q: Option<&'a str>,
}

fn effective_kinds(kinds: &[Kind]) -> Option<Vec<Kind>> {
    let mut ks: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| kinds.contains(k))
        .collect();
    ks.dedup();
    (!ks.is_empty() && ks.len() < Kind::ALL.len()).then_some(ks)
}

fn plan(conn: &Connection, f: &Filters<'_>) -> StoreResult<Plan> {
    let kinds = effective_kinds(f.kinds);
    let q = f.q.map(str::trim).filter(|q| !q.is_empty());
    if f.status == StatusFilter::Pending {
        // Queues are short: one range per kind, `q` checked on each row.
        let ranges = kinds
            .clone()
            .unwrap_or_else(|| Kind::ALL.to_vec())
            .into_iter()
            .map(Range::Pending)
            .collect();
        return Ok(Plan {
            ranges,
            residual_q: q.map(like_pattern),
            kinds: None,
        });
    }
    let by_kind = || match &kinds {
        None => vec![Range::History],
        Some(ks) => ks.iter().copied().map(Range::Kind).collect(),
    };
    let Some(q) = q else {
        return Ok(Plan {
            ranges: by_kind(),
            residual_q: None,
            kinds: None,
        });
    };
    // Search: the partners whose name matches and the distinct titles that match are few next
    // to the rows; find them first, then read only their ranges.
    let pattern = like_pattern(q);
    let mut ranges = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM partners WHERE name_lower LIKE ?1 ESCAPE '\\' ORDER BY id LIMIT ?2",
        )?;
        let ids = stmt.query_map(
            rusqlite::params![pattern, MAX_SEARCH_RANGES as i64 + 1],
            |r| r.get::<_, String>(0),
        )?;
        for id in ids {
            ranges.push(Range::Partner(id?));
        }
    }
    let title_kinds: Vec<Kind> = TITLE_KINDS
        .into_iter()
        .filter(|k| kinds.as_ref().is_none_or(|ks| ks.contains(k)))
        .collect();
    if !title_kinds.is_empty() && ranges.len() <= MAX_SEARCH_RANGES {
        let marks = title_kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT kind, title FROM approval_titles
              WHERE kind IN ({marks}) AND lower(title) LIKE ?1 ESCAPE '\\'
              ORDER BY kind, title LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            rusqlite::params![pattern, MAX_SEARCH_RANGES as i64 + 1],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        for row in rows {
            let (kind, title) = row?;
            let kind =
                Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?;
            ranges.push(Range::Title(kind, title));
        }
    }
    if ranges.len() > MAX_SEARCH_RANGES {
        return Ok(Plan {
            ranges: by_kind(),
            residual_q: Some(pattern),
            kinds: None,
        });
    }
    // A partner's range holds every kind; the filter on kinds is checked in it.
    let needs_kinds = ranges.iter().any(|r| matches!(r, Range::Partner(_)));
    Ok(Plan {
        ranges,
        residual_q: None,
        kinds: if needs_kinds { kinds } else { None },
    })
}

/// SQL text and its arguments, numbered as they are pushed.
#[derive(Default)]
pub(super) struct Sql {
    args: Vec<Box<dyn ToSql>>,
}

impl Sql {
    fn arg(&mut self, v: impl ToSql + 'static) -> String {
        self.args.push(Box::new(v));
        format!("?{}", self.args.len())
    }

    pub(super) fn params(&self) -> Vec<&dyn ToSql> {
        self.args.iter().map(|a| a.as_ref()).collect()
    }
}

/// `approvals a INDEXED BY <index> WHERE <terms>` of one range, split in its two parts: the
/// index, and the terms with the filters every range shares (`common`, already numbered) and
/// the row-by-row ones of the plan.
fn range_sql(
    sql: &mut Sql,
    range: &Range,
    plan: &Plan,
    common: &[String],
) -> (&'static str, String) {
    let mut terms: Vec<String> = Vec::new();
    let index = match range {
        Range::History => {
            terms.push("a.status <> 'pending'".into());
            "approvals_history"
        }
        Range::Pending(k) => {
            terms.push("a.status = 'pending'".into());
            terms.push(format!("a.kind = {}", sql.arg(k.as_str())));
            "approvals_queue"
        }
        Range::Kind(k) => {
            terms.push("a.status <> 'pending'".into());
            terms.push(format!("a.kind = {}", sql.arg(k.as_str())));
            "approvals_kind_history"
        }
        Range::Partner(id) => {
            terms.push("a.status <> 'pending'".into());
            terms.push(format!("a.partner_id = {}", sql.arg(id.clone())));
            "approvals_partner_history"
        }
        Range::Title(k, title) => {
            terms.push("a.status <> 'pending'".into());
            terms.push(TITLE_KINDS_SQL.into());
            terms.push(format!("a.kind = {}", sql.arg(k.as_str())));
            terms.push(format!("a.title = {}", sql.arg(title.clone())));
            "approvals_title_history"
        }
    };
    if let Some(ks) = &plan.kinds {
        let marks: Vec<String> = ks.iter().map(|k| sql.arg(k.as_str())).collect();
        terms.push(format!("a.kind IN ({})", marks.join(", ")));
    }
    if let Some(pattern) = &plan.residual_q {
        let n = sql.arg(pattern.clone());
        terms.push(format!(
            "(a.partner_id IN (SELECT id FROM partners WHERE name_lower LIKE {n} ESCAPE '\\')
              OR ({TITLE_KINDS_SQL} AND lower(a.title) LIKE {n} ESCAPE '\\'))"
        ));
    }
    terms.extend(common.iter().cloned());
    (index, terms.join(" AND "))
}

/// The terms every range shares: status (approved / rejected), the time window, the cursor.
fn common_terms(
    sql: &mut Sql,
    status: StatusFilter,
    time_col: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Vec<String> {
    let mut terms = Vec::new();
    if matches!(status, StatusFilter::Approved | StatusFilter::Rejected) {
        terms.push(format!("a.status = {}", sql.arg(status.as_str())));
    }
    if let Some(from) = from {
        terms.push(format!("{time_col} >= {}", sql.arg(ts(from))));
    }
    if let Some(to) = to {
        terms.push(format!("{time_col} <= {}", sql.arg(ts(to))));
    }
    terms
}

pub fn list_approvals(conn: &Connection, f: &ApprovalFilter) -> StoreResult<Page<Approval>> {
    let Some((text, sql)) = list_sql(conn, f, APPROVAL_COLUMNS)? else {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    let mut stmt = conn.prepare_cached(&text)?;
    let mut rows = stmt.query(sql.params().as_slice())?;
    let mut items = Vec::with_capacity(f.limit as usize + 1);
    while let Some(r) = rows.next()? {
        items.push(approval_from_row(r)?);
    }
    let next_cursor = if items.len() > f.limit as usize {
        items.truncate(f.limit as usize);
        items.last().map(|a| {
            let t = if f.status == StatusFilter::Pending {
                Some(a.requested_at)
            } else {
                a.decided_at
            };
            cursor::encode(&[&t.map(ts).unwrap_or_default(), &a.id])
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// The query of one page of `f` selecting `columns` (of `approvals a` joined with `partners
/// p`), or `None` when nothing can match (a search that matches no partner and no title).
pub(super) fn list_sql(
    conn: &Connection,
    f: &ApprovalFilter,
    columns: &str,
) -> StoreResult<Option<(String, Sql)>> {
    let pending = f.status == StatusFilter::Pending;
    // Pending queues: oldest request first. Histories: newest decision first.
    let (time_col, order, cmp) = if pending {
        ("a.requested_at", "ASC", ">")
    } else {
        ("a.decided_at", "DESC", "<")
    };
    let after = match &f.cursor {
        None => None,
        Some(c) => Some(cursor::decode(c, 2).ok_or_else(ApiProblem::invalid_cursor)?),
    };
    let plan = plan(
        conn,
        &Filters {
            kinds: &f.kinds,
            status: f.status,
            q: f.q.as_deref(),
        },
    )?;
    if plan.ranges.is_empty() {
        return Ok(None);
    }
    // Past the first page the cursor bounds the time from the side the list walks towards, and
    // it is tighter than `to` (histories) or `from` (queues) whenever it lies inside them, as a
    // cursor of this list does. SQLite seeks on one bound per side: given both, it kept `to`
    // and walked every row from there down to the cursor, so page n of a window cost n pages.
    let (mut from, mut to) = (f.from, f.to);
    if let Some(parts) = &after {
        let at = parts[0].as_str();
        if pending {
            from = from.filter(|from| at < ts(*from).as_str());
        } else {
            to = to.filter(|to| at > ts(*to).as_str());
        }
    }
    let mut sql = Sql::default();
    let mut common = common_terms(&mut sql, f.status, time_col, from, to);
    if let Some(parts) = after {
        let t = sql.arg(parts[0].clone());
        let id = sql.arg(parts[1].clone());
        common.push(format!("({time_col}, a.id) {cmp} ({t}, {id})"));
    }
    let limit = sql.arg(f.limit as i64 + 1);
    let order_by = format!("{time_col} {order}, a.id {order}");
    let text = if let [range] = plan.ranges.as_slice() {
        // One range: read the page straight off it.
        let (index, terms) = range_sql(&mut sql, range, &plan, &common);
        format!(
            "SELECT {columns} FROM approvals a INDEXED BY {index} {PARTNER_JOIN}
             WHERE {terms} ORDER BY {order_by} LIMIT {limit}"
        )
    } else {
        // Several: a page's worth of keys from each range, merged in order (SQLite merges the
        // sorted arms of a compound SELECT and stops at the limit), then the page's rows.
        let arms: Vec<String> = plan
            .ranges
            .iter()
            .map(|range| {
                let (index, terms) = range_sql(&mut sql, range, &plan, &common);
                format!(
                    "SELECT * FROM (SELECT a.rowid AS r, {time_col} AS t, a.id AS i
                     FROM approvals a INDEXED BY {index} WHERE {terms}
                     ORDER BY {order_by} LIMIT {limit})"
                )
            })
            .collect();
        let arms = arms.join(if plan.overlapping() {
            " UNION "
        } else {
            " UNION ALL "
        });
        format!(
            "SELECT {columns}
               FROM ({arms} ORDER BY t {order}, i {order} LIMIT {limit}) k
               CROSS JOIN approvals a ON a.rowid = k.r {PARTNER_JOIN}
              ORDER BY k.t {order}, k.i {order}"
        )
    };

    Ok(Some((text, sql)))
}

/// A validated `GET /approvals/stats` query: a decided status and a closed window.
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub kinds: Vec<Kind>,
    /// `Decided`, `Approved` or `Rejected`; the route refuses `Pending`.
    pub status: StatusFilter,
    pub q: Option<String>,
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
    let searching = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    // One snapshot for the several reads below.
    let snapshot = conn.unchecked_transaction()?;
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
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
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
        Some((lo, hi)) if !searching && f.status != StatusFilter::Pending => {
            let mut sql = Sql::default();
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

/// The query that counts `f` per day and status, or `None` when nothing can match.
pub(super) fn stats_sql(conn: &Connection, f: &StatsFilter) -> StoreResult<Option<(String, Sql)>> {
    let plan = plan(
        conn,
        &Filters {
            kinds: &f.kinds,
            status: f.status,
            q: f.q.as_deref(),
        },
    )?;
    if f.status == StatusFilter::Pending || plan.ranges.is_empty() || f.from > f.to {
        return Ok(None);
    }
    let mut sql = Sql::default();
    let common = common_terms(&mut sql, f.status, "a.decided_at", Some(f.from), Some(f.to));
    let text = if let [range] = plan.ranges.as_slice() {
        let (index, terms) = range_sql(&mut sql, range, &plan, &common);
        format!(
            "SELECT substr(a.decided_at, 1, 10) AS day, a.status, count(*)
                   FROM approvals a INDEXED BY {index} WHERE {terms}
                  GROUP BY day, a.status"
        )
    } else {
        let arms: Vec<String> = plan
            .ranges
            .iter()
            .map(|range| {
                let (index, terms) = range_sql(&mut sql, range, &plan, &common);
                format!(
                    "SELECT a.rowid AS r, a.decided_at AS t, a.status AS s
                           FROM approvals a INDEXED BY {index} WHERE {terms}"
                )
            })
            .collect();
        let arms = arms.join(if plan.overlapping() {
            " UNION "
        } else {
            " UNION ALL "
        });
        format!("SELECT substr(t, 1, 10) AS day, s, count(*) FROM ({arms}) GROUP BY day, s")
    };
    Ok(Some((text, sql)))
}

pub fn summary(conn: &Connection) -> StoreResult<Summary> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, count(*) FROM approvals WHERE status = 'pending' GROUP BY kind",
    )?;
    let mut rows = stmt.query([])?;
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
