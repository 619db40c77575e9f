//! How an approval filter becomes SQL. A filter is first planned as ordered index ranges (one
//! per kind, per matching partner, per matching label (kind, title, item), ...), then each
//! range gets its terms; a list merges its ranges up to a page (`list_sql`), a count groups
//! them per day (`stats_sql`). Both read an index in its sort order, never sorting every
//! matching row.

use super::db::{Connection, ToSql};
use chrono::{DateTime, Utc};

use super::approvals::{ApprovalFilter, PARTNER_JOIN};
use super::stats::StatsFilter;
use super::{StoreError, StoreResult, like_pattern, ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

/// Search merges one index range per matching partner and per matching label (kind, title and
/// item); beyond this many it is cheaper to walk the whole history once and filter (a `q` that
/// matches this many partners or labels matches a large share of the rows, so a page fills
/// quickly).
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
    /// The decided approvals of one kind with one title and item name (none: `None`), one
    /// label of `approval_labels` (`approvals_label_history`).
    Label(Kind, String, Option<String>),
}

/// How a filter is answered: the ranges to merge, and whether `q` is still to be checked row
/// by row (`residual_q`) or already resolved into the ranges.
#[derive(Debug)]
struct Plan {
    ranges: Vec<Range>,
    residual_q: Option<String>,
    /// The kinds the rows must have, when a range does not already imply them.
    kinds: Option<Vec<Kind>>,
    /// The partner the rows must belong to, when a range does not already imply it.
    partner_id: Option<String>,
}

impl Plan {
    /// Ranges of partners and of labels may hold the same row: their union must drop doubles.
    fn overlapping(&self) -> bool {
        self.ranges.iter().any(|r| matches!(r, Range::Label(..)))
            && self.ranges.iter().any(|r| matches!(r, Range::Partner(..)))
    }
}

/// The filters `GET /approvals` and `GET /approvals/stats` share.
struct Filters<'a> {
    kinds: &'a [Kind],
    status: StatusFilter,
    q: Option<&'a str>,
    partner_id: Option<&'a str>,
}

pub(super) fn effective_kinds(kinds: &[Kind]) -> Option<Vec<Kind>> {
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
            partner_id: f.partner_id.map(str::to_string),
        });
    }
    if let Some(id) = f.partner_id {
        // One partner's history is one range; its kinds and `q` are checked on each row.
        return Ok(Plan {
            ranges: vec![Range::Partner(id.to_string())],
            residual_q: q.map(like_pattern),
            kinds,
            partner_id: None,
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
            partner_id: None,
        });
    };
    // Search: the partners whose name, email or invoice ID matches and the distinct labels
    // (title, item) that match are few next to the rows; find them first, then read only
    // their ranges.
    let pattern = like_pattern(q);
    let mut ranges = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM partners WHERE q_approvals LIKE ?1 ESCAPE '\\' ORDER BY id LIMIT ?2",
        )?;
        let ids = stmt.query_map(
            super::db::params![pattern, MAX_SEARCH_RANGES as i64 + 1],
            |r| r.get::<_, String>(0),
        )?;
        for id in ids {
            ranges.push(Range::Partner(id?));
        }
    }
    if ranges.len() <= MAX_SEARCH_RANGES {
        let marks = kinds
            .clone()
            .unwrap_or_else(|| Kind::ALL.to_vec())
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT kind, title, item FROM approval_labels
              WHERE kind IN ({marks})
                AND (lower(title) LIKE ?1 ESCAPE '\\' OR lower(item) LIKE ?1 ESCAPE '\\')
              ORDER BY kind, title, item LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            super::db::params![pattern, MAX_SEARCH_RANGES as i64 + 1],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )?;
        for row in rows {
            let (kind, title, item) = row?;
            let kind =
                Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?;
            ranges.push(Range::Label(kind, title, item));
        }
    }
    if ranges.len() > MAX_SEARCH_RANGES {
        return Ok(Plan {
            ranges: by_kind(),
            residual_q: Some(pattern),
            kinds: None,
            partner_id: None,
        });
    }
    // A partner's range holds every kind; the filter on kinds is checked in it.
    let needs_kinds = ranges.iter().any(|r| matches!(r, Range::Partner(_)));
    Ok(Plan {
        ranges,
        residual_q: None,
        kinds: if needs_kinds { kinds } else { None },
        partner_id: None,
    })
}

/// The sort key of a row without a price, when sorting by price: after every priced row.
pub(super) const NO_PRICE: i64 = -1;

/// Where a page of a list ends, as a cursor: the sort it belongs to, the last row's sort key
/// and its id. A cursor of another sort is refused rather than read as this one's.
pub(super) fn page_cursor(sort: ApprovalSort, key: &str, id: &str) -> String {
    cursor::encode(&[sort.as_str(), key, id])
}

/// The sort key a cursor carries, typed as the sort compares it.
enum CursorKey {
    Time(String),
    Price(i64),
}

fn read_cursor(c: &str, sort: ApprovalSort) -> Result<(CursorKey, String), ApiProblem> {
    let parts = cursor::decode(c, 3).ok_or_else(ApiProblem::invalid_cursor)?;
    let [made_for, key, id] =
        <[String; 3]>::try_from(parts).map_err(|_| ApiProblem::invalid_cursor())?;
    if made_for != sort.as_str() {
        return Err(ApiProblem::invalid_cursor());
    }
    let key = match sort {
        ApprovalSort::Price => {
            CursorKey::Price(key.parse().map_err(|_| ApiProblem::invalid_cursor())?)
        }
        _ => CursorKey::Time(key),
    };
    Ok((key, id))
}

/// SQL text and its arguments, numbered as they are pushed, for one of the two databases
/// (`Sql::default()` for SQL that asks nothing of [`Sql::row_key`] or [`Sql::join_in_order`]).
#[derive(Default)]
pub(super) struct Sql {
    args: Vec<Box<dyn ToSql>>,
    postgres: bool,
}

impl Sql {
    pub(super) fn new(conn: &Connection) -> Sql {
        Sql {
            args: Vec::new(),
            postgres: conn.is_postgres(),
        }
    }

    /// A cheap key of an approval's row to join back on: SQLite's rowid, PostgreSQL's id.
    fn row_key(&self) -> &'static str {
        if self.postgres { "a.id" } else { "a.rowid" }
    }

    /// A join in the order written: SQLite's `CROSS JOIN` (its planner keeps the order);
    /// PostgreSQL takes no `ON` after `CROSS JOIN` and plans the order itself.
    fn join_in_order(&self) -> &'static str {
        if self.postgres { "JOIN" } else { "CROSS JOIN" }
    }

    pub(super) fn arg(&mut self, v: impl ToSql + 'static) -> String {
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
        Range::Label(k, title, item) => {
            terms.push("a.status <> 'pending'".into());
            terms.push(format!("a.kind = {}", sql.arg(k.as_str())));
            terms.push(format!("a.title = {}", sql.arg(title.clone())));
            // `=` or `IS NULL`, each a seek on the index in both databases (PostgreSQL seeks
            // neither `IS ?` nor `IS NOT DISTINCT FROM`).
            terms.push(match item {
                Some(item) => format!("a.item_name = {}", sql.arg(item.clone())),
                None => "a.item_name IS NULL".to_string(),
            });
            "approvals_label_history"
        }
    };
    if let Some(ks) = &plan.kinds {
        let marks: Vec<String> = ks.iter().map(|k| sql.arg(k.as_str())).collect();
        terms.push(format!("a.kind IN ({})", marks.join(", ")));
    }
    if let Some(id) = &plan.partner_id {
        terms.push(format!("a.partner_id = {}", sql.arg(id.clone())));
    }
    if let Some(pattern) = &plan.residual_q {
        let n = sql.arg(pattern.clone());
        terms.push(format!(
            "(a.partner_id IN (SELECT id FROM partners WHERE q_approvals LIKE {n} ESCAPE '\\')
              OR lower(a.title) LIKE {n} ESCAPE '\\' OR lower(a.item_name) LIKE {n} ESCAPE '\\')"
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

/// The query of one page of `f` selecting `columns` (of `approvals a` joined with `partners
/// p`), or `None` when nothing can match (a search that matches no partner and no title).
pub(super) fn list_sql(
    conn: &Connection,
    f: &ApprovalFilter,
    columns: &str,
) -> StoreResult<Option<(String, Sql)>> {
    let pending = f.status == StatusFilter::Pending;
    let time_col = if pending {
        "a.requested_at"
    } else {
        "a.decided_at"
    };
    // The sort key, and whether the list walks it up or down. Price walks down (highest
    // first), and so does its tie-break on the id, so one tuple comparison continues a page.
    let (key_col, ascending) = match f.order() {
        ApprovalSort::Oldest => (time_col.to_string(), true),
        ApprovalSort::Newest => (time_col.to_string(), false),
        ApprovalSort::Price => (format!("COALESCE(a.item_amount, {NO_PRICE})"), false),
    };
    let (order, cmp) = if ascending {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    let after = match &f.cursor {
        None => None,
        Some(c) => Some(read_cursor(c, f.order())?),
    };
    let plan = plan(
        conn,
        &Filters {
            kinds: &f.kinds,
            status: f.status,
            q: f.q.as_deref(),
            partner_id: f.partner_id.as_deref(),
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
    if let Some(CursorKey::Time(at)) = after.as_ref().map(|(key, _)| key) {
        let at = at.as_str();
        if ascending {
            from = from.filter(|from| at < ts(*from).as_str());
        } else {
            to = to.filter(|to| at > ts(*to).as_str());
        }
    }
    let mut sql = Sql::new(conn);
    let mut common = common_terms(&mut sql, f.status, time_col, from, to);
    if let Some((key, id)) = after {
        let k = match key {
            CursorKey::Time(t) => sql.arg(t),
            CursorKey::Price(p) => sql.arg(p),
        };
        let id = sql.arg(id);
        common.push(format!("({key_col}, a.id) {cmp} ({k}, {id})"));
    }
    let limit = sql.arg(f.limit as i64 + 1);
    let order_by = format!("{key_col} {order}, a.id {order}");
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
        let row_key = sql.row_key();
        let join = sql.join_in_order();
        let arms: Vec<String> = plan
            .ranges
            .iter()
            .enumerate()
            .map(|(n, range)| {
                let (index, terms) = range_sql(&mut sql, range, &plan, &common);
                format!(
                    "SELECT * FROM (SELECT {row_key} AS r, {key_col} AS t, a.id AS i
                     FROM approvals a INDEXED BY {index} WHERE {terms}
                     ORDER BY {order_by} LIMIT {limit}) range{n}"
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
               {join} approvals a ON {row_key} = k.r {PARTNER_JOIN}
              ORDER BY k.t {order}, k.i {order}"
        )
    };

    Ok(Some((text, sql)))
}

/// The query that counts `f` per day and status, or `None` when nothing can match.
pub(super) fn stats_sql(conn: &Connection, f: &StatsFilter) -> StoreResult<Option<(String, Sql)>> {
    let plan = plan(
        conn,
        &Filters {
            kinds: &f.kinds,
            status: f.status,
            q: f.q.as_deref(),
            partner_id: f.partner_id.as_deref(),
        },
    )?;
    if f.status == StatusFilter::Pending || plan.ranges.is_empty() || f.from > f.to {
        return Ok(None);
    }
    let mut sql = Sql::new(conn);
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
                    "SELECT {} AS r, a.decided_at AS t, a.status AS s
                           FROM approvals a INDEXED BY {index} WHERE {terms}",
                    sql.row_key()
                )
            })
            .collect();
        let arms = arms.join(if plan.overlapping() {
            " UNION "
        } else {
            " UNION ALL "
        });
        format!("SELECT substr(t, 1, 10) AS day, s, count(*) FROM ({arms}) u GROUP BY day, s")
    };
    Ok(Some((text, sql)))
}
