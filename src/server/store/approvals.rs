//! Reading approvals: one by id, the queues and histories (keyset pages), the summary counts.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, ToSql};

use super::{StoreError, StoreResult, like_pattern, parse_opt_ts, parse_ts, ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

/// The columns `approval_from_row` reads, joined with the partner they belong to.
pub const APPROVAL_SELECT: &str = "SELECT a.id, a.kind, a.status, a.version, a.title,
        p.id, p.name, p.status, p.contact_email, p.contact_phone, p.contact_website,
        a.item_name, a.item_amount, a.item_currency, a.description, a.requested_at,
        a.decided_at, a.decided_by_id, a.decided_by_name, a.reason, a.details
    FROM approvals a JOIN partners p ON p.id = a.partner_id";

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
    let sql = format!("{APPROVAL_SELECT} WHERE a.id = ?1");
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

pub fn list_approvals(conn: &Connection, f: &ApprovalFilter) -> StoreResult<Page<Approval>> {
    let pending = f.status == StatusFilter::Pending;
    // Pending queues: oldest request first. Histories: newest decision first.
    let (time_col, order, cmp) = if pending {
        ("a.requested_at", "ASC", ">")
    } else {
        ("a.decided_at", "DESC", "<")
    };
    let mut sql = String::from(APPROVAL_SELECT);
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    match f.status {
        StatusFilter::Decided => clauses.push("a.status <> 'pending'".into()),
        s => {
            args.push(Box::new(s.as_str().to_string()));
            clauses.push(format!("a.status = ?{}", args.len()));
        }
    }
    if !f.kinds.is_empty() && f.kinds.len() < Kind::ALL.len() {
        let mut marks = Vec::new();
        for k in &f.kinds {
            args.push(Box::new(k.as_str().to_string()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("a.kind IN ({})", marks.join(", ")));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        args.push(Box::new(like_pattern(q.trim())));
        let n = args.len();
        // For Requests kinds the title matches too (API.md).
        let title_kinds = f.kinds.is_empty()
            || f.kinds
                .iter()
                .any(|k| matches!(k, Kind::Broadcast | Kind::AdvertisingPackage | Kind::Ad));
        if title_kinds {
            clauses.push(format!(
                "(p.name_lower LIKE ?{n} ESCAPE '\\' OR (a.kind IN ('broadcast', 'advertising_package', 'ad') AND lower(a.title) LIKE ?{n} ESCAPE '\\'))"
            ));
        } else {
            clauses.push(format!("p.name_lower LIKE ?{n} ESCAPE '\\'"));
        }
    }
    if let Some(from) = f.from {
        args.push(Box::new(ts(from)));
        clauses.push(format!("{time_col} >= ?{}", args.len()));
    }
    if let Some(to) = f.to {
        args.push(Box::new(ts(to)));
        clauses.push(format!("{time_col} <= ?{}", args.len()));
    }
    if let Some(c) = &f.cursor {
        let parts = cursor::decode(c, 2).ok_or_else(ApiProblem::invalid_cursor)?;
        args.push(Box::new(parts[0].clone()));
        args.push(Box::new(parts[1].clone()));
        let n = args.len();
        clauses.push(format!("({time_col}, a.id) {cmp} (?{}, ?{n})", n - 1));
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    args.push(Box::new(f.limit as i64 + 1));
    sql.push_str(&format!(
        " ORDER BY {time_col} {order}, a.id {order} LIMIT ?{}",
        args.len()
    ));

    let mut stmt = conn.prepare_cached(&sql)?;
    let params: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut rows = stmt.query(params.as_slice())?;
    let mut items = Vec::with_capacity(f.limit as usize + 1);
    while let Some(r) = rows.next()? {
        items.push(approval_from_row(r)?);
    }
    let next_cursor = if items.len() > f.limit as usize {
        items.truncate(f.limit as usize);
        items.last().map(|a| {
            let t = if pending {
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
