//! Reading approvals: the row mapping, one by id, and a page of a queue or a history. The SQL
//! of a page is built in `query`; the counts (stats, summary) are in `stats`.

use chrono::{DateTime, Utc};
use std::sync::LazyLock;

use super::db::{Connection, Row};

use super::hierarchy::{standing_at, standing_sql};
use super::query::{NO_PRICE, list_sql, page_cursor};
use super::{StoreError, StoreResult, parse_opt_ts, parse_ts, ts};
use crate::domain::*;

/// The columns `approval_from_row` reads, of `approvals a` joined with `partners p` and its
/// distributor `d` ([`PARTNER_JOIN`]): the partner's standing last, so that a CSR sees a
/// suspended partner's request as such before deciding it.
pub(super) static APPROVAL_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "a.id, a.kind, a.status, a.version, a.title,
        p.id, p.name, p.status, p.contact_email, p.contact_phone, p.contact_website,
        a.item_name, a.item_amount, a.item_currency, a.description, a.requested_at,
        a.decided_at, a.decided_by_id, a.decided_by_name, a.reason, a.details, {}",
        standing_sql(Level::Partner)
    )
});

/// An approval's partner, whatever became of it (a deleted partner's requests stay in the
/// history), and the partner's distributor.
pub(super) const PARTNER_JOIN: &str =
    "JOIN partners p ON p.id = a.partner_id LEFT JOIN distributors d ON d.id = p.distributor_id";

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
            standing: standing_at(r, 21)?,
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

/// What a decision writes into its approval.
pub struct Decided<'a> {
    pub status: Status,
    /// As stored ([`ts`]).
    pub at: &'a str,
    pub by: &'a UserRef,
    /// A rejection's reason, or an approval's comment.
    pub reason: Option<&'a str>,
}

/// A decision's conditional update: marks the approval `id` decided if it is still pending at
/// `version`, and returns it as it is now; `None` if it is not (gone, decided, or at another
/// version: [`get_approval`] says which). Another replica deciding it at the same
/// moment makes this wait for that one's commit, then match nothing. On PostgreSQL one
/// statement, the update read back with its partner (no `FOR UPDATE` read first, no round
/// trip of its own); on SQLite, whose reads cost no round trip, the update and then the read.
pub fn decide_if_pending(
    conn: &Connection,
    id: &str,
    version: i64,
    d: &Decided<'_>,
) -> StoreResult<Option<Approval>> {
    const UPDATE: &str = "UPDATE approvals
        SET status = ?1, version = version + 1, decided_at = ?2, decided_by_id = ?3,
            decided_by_name = ?4, reason = ?5
      WHERE id = ?6 AND status = 'pending' AND version = ?7";
    let args = super::db::params![
        d.status.as_str(),
        d.at,
        d.by.id,
        d.by.name,
        d.reason,
        id,
        version
    ];
    if !conn.is_postgres() {
        return match conn.prepare_cached(UPDATE)?.execute(args)? {
            0 => Ok(None),
            _ => get_approval(conn, id),
        };
    }
    let sql = format!(
        "WITH a AS ({UPDATE} RETURNING *) SELECT {} FROM a {PARTNER_JOIN}",
        *APPROVAL_COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(args)?;
    match rows.next()? {
        Some(r) => Ok(Some(approval_from_row(&r)?)),
        None => Ok(None),
    }
}

pub fn get_approval(conn: &Connection, id: &str) -> StoreResult<Option<Approval>> {
    let sql = format!(
        "SELECT {} FROM approvals a {PARTNER_JOIN} WHERE a.id = ?1",
        *APPROVAL_COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => Ok(Some(approval_from_row(&r)?)),
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
    /// Only this partner's approvals.
    pub partner_id: Option<String>,
    /// The order (`None`: the list's own); the route has already refused `Price` for a
    /// history.
    pub sort: Option<ApprovalSort>,
    pub cursor: Option<String>,
    pub limit: u32,
}

impl ApprovalFilter {
    /// The order the rows come in.
    pub fn order(&self) -> ApprovalSort {
        self.sort
            .unwrap_or_else(|| ApprovalSort::default_for(self.status))
    }
}

pub fn list_approvals(conn: &Connection, f: &ApprovalFilter) -> StoreResult<Page<Approval>> {
    let Some((text, sql)) = list_sql(conn, f, &APPROVAL_COLUMNS)? else {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    let mut stmt = conn.prepare_cached(&text)?;
    let mut rows = stmt.query(sql.params().as_slice())?;
    let mut items = Vec::with_capacity(f.limit as usize + 1);
    while let Some(r) = rows.next()? {
        items.push(approval_from_row(&r)?);
    }
    let next_cursor = if items.len() > f.limit as usize {
        items.truncate(f.limit as usize);
        items.last().map(|a| {
            let key = match (f.order(), f.status) {
                (ApprovalSort::Price, _) => a
                    .item
                    .as_ref()
                    .map_or(NO_PRICE, |i| i.price.amount_minor)
                    .to_string(),
                (_, StatusFilter::Pending) => ts(a.requested_at),
                _ => a.decided_at.map(ts).unwrap_or_default(),
            };
            page_cursor(f.order(), &key, &a.id)
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}
