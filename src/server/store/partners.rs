//! Reading partners: the directory (keyset by name), one partner with contact and channels, and
//! the partner's own channels and engagements (the impersonation view).

use std::sync::LazyLock;

use super::db::{Connection, OptionalExtension, Row, params};

use super::hierarchy::{admins_at, admins_sql, from_sql, standing_at, standing_sql};
use super::query::Sql;
use super::search::phone_pattern;
use super::{StoreError, StoreResult, like_pattern, parse_ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

/// The columns [`summary_from_row`] reads, of `partners p` joined with its distributor `d`
/// (`hierarchy::from_sql`).
static SUMMARY_COLS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "p.id, p.name, p.status, p.package_name, p.package_amount, p.package_currency,
         p.invoice_id, p.contact_name, p.contact_email, d.id, d.name,
         (SELECT count(*) FROM tenants tc WHERE tc.partner_id = p.id AND tc.deleted_at IS NULL),
         p.version, {}",
        standing_sql(Level::Partner)
    )
});
/// How many columns `SUMMARY_COLS` is: what a query selects after them starts here.
const SUMMARY_N: usize = 17;

fn summary_from_row(r: &Row<'_>) -> StoreResult<PartnerSummary> {
    let status: String = r.get(2)?;
    let package = match (
        r.get::<_, Option<String>>(3)?,
        r.get::<_, Option<i64>>(4)?,
        r.get::<_, Option<String>>(5)?,
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
    let distributor = match (r.get::<_, Option<String>>(9)?, r.get(10)?) {
        (Some(id), Some(name)) => Some(PartnerRef { id, name }),
        _ => None,
    };
    Ok(PartnerSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("partner status {status:?}")))?,
        package,
        invoice_id: r.get(6)?,
        contact_name: r.get(7)?,
        email: r.get(8)?,
        distributor,
        tenant_count: r.get::<_, i64>(11)?.max(0) as u64,
        version: r.get(12)?,
        standing: standing_at(r, 13)?,
    })
}

pub struct PartnerFilter {
    pub q: Option<String>,
    pub status: Option<PartnerStatus>,
    pub sort: PartnerSort,
    /// Only the partners of this distributor (the hierarchy's second level).
    pub distributor_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Status order for `sort=status`: the partners a CSR works with first.
const STATUS_RANK: &str =
    "CASE p.status WHEN 'active' THEN 0 WHEN 'pending' THEN 1 WHEN 'suspended' THEN 2 ELSE 3 END";

/// The query of one page of the directory (or of one distributor's partners).
pub(super) fn list_partners_sql(f: &PartnerFilter) -> StoreResult<(String, Sql)> {
    // Keyset on (rank, name, id); by name the rank is 0 for every row and left out of the
    // SQL, so that the walk is one index range in order (`partners_by_name`, or under a
    // distributor `partners_by_distributor`). Cursors carry the sort they were made for, so
    // one from another order is refused rather than misread.
    let (after_rank, after_name, after_id) = match &f.cursor {
        None => (-1i64, String::new(), String::new()),
        Some(c) => {
            let p = cursor::decode(c, 4).ok_or_else(ApiProblem::invalid_cursor)?;
            if p[0] != f.sort.as_str() {
                return Err(ApiProblem::invalid_cursor().into());
            }
            let rank = p[1].parse().map_err(|_| ApiProblem::invalid_cursor())?;
            (rank, p[2].clone(), p[3].clone())
        }
    };
    let mut sql = Sql::default();
    let mut terms = vec!["p.deleted_at IS NULL".to_string()];
    if let Some(d) = &f.distributor_id {
        terms.push(format!("p.distributor_id = {}", sql.arg(d.clone())));
    }
    let (rank_expr, order) = match f.sort {
        PartnerSort::Name => {
            terms.push(format!(
                "(p.name_lower, p.id) > ({}, {})",
                sql.arg(after_name),
                sql.arg(after_id)
            ));
            ("0", "p.name_lower, p.id")
        }
        PartnerSort::Status => {
            terms.push(format!(
                "({STATUS_RANK}, p.name_lower, p.id) > ({}, {}, {})",
                sql.arg(after_rank),
                sql.arg(after_name),
                sql.arg(after_id)
            ));
            (STATUS_RANK, "rk, p.name_lower, p.id")
        }
    };
    // `q` matches name, email, invoice ID, contact name and phone (`search`), checked on the
    // index's `q_partners` as the directory walks it in order.
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let plain = sql.arg(like_pattern(q));
        terms.push(match phone_pattern(q) {
            Some(phone) => format!(
                "(p.q_partners LIKE {plain} ESCAPE '\\' OR p.q_partners LIKE {} ESCAPE '\\')",
                sql.arg(phone)
            ),
            None => format!("p.q_partners LIKE {plain} ESCAPE '\\'"),
        });
    }
    if let Some(status) = f.status {
        terms.push(format!("p.status = {}", sql.arg(status.as_str())));
    }
    let text = format!(
        "SELECT {}, p.name_lower, {rank_expr} AS rk FROM {} WHERE {} ORDER BY {order} LIMIT {}",
        *SUMMARY_COLS,
        from_sql(Level::Partner),
        terms.join(" AND "),
        sql.arg(f.limit as i64 + 1)
    );
    Ok((text, sql))
}

pub fn list_partners(conn: &Connection, f: &PartnerFilter) -> StoreResult<Page<PartnerSummary>> {
    let (text, sql) = list_partners_sql(f)?;
    let mut stmt = conn.prepare_cached(&text)?;
    let mut rows = stmt.query(sql.params().as_slice())?;
    let mut items = Vec::new();
    let mut last_key = (0i64, String::new(), String::new());
    while let Some(r) = rows.next()? {
        if items.len() == f.limit as usize {
            let rank = last_key.0.to_string();
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[
                    f.sort.as_str(),
                    &rank,
                    &last_key.1,
                    &last_key.2,
                ])),
            });
        }
        last_key = (r.get(SUMMARY_N + 1)?, r.get(SUMMARY_N)?, r.get(0)?);
        items.push(summary_from_row(&r)?);
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

pub fn get_partner(conn: &Connection, id: &str) -> StoreResult<Option<Partner>> {
    let sql = format!(
        // The contact's name and email are the summary's columns 7 and 8.
        "SELECT {}, p.contact_phone, p.contact_website,
                p.address_line1, p.address_line2, p.address_city, p.address_region,
                p.address_postal_code, p.address_country, p.contact_time_zone, p.created_at,
                p.notes, {}
           FROM {} WHERE p.id = ?1 AND p.deleted_at IS NULL",
        *SUMMARY_COLS,
        admins_sql(Level::Partner),
        from_sql(Level::Partner)
    );
    let n = SUMMARY_N;
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| {
            Ok((|| -> StoreResult<_> {
                Ok((
                    summary_from_row(r)?,
                    Contact {
                        name: r.get(7)?,
                        email: r.get(8)?,
                        phone: r.get(n)?,
                        website: r.get(n + 1)?,
                        address: Address {
                            line1: r.get(n + 2)?,
                            line2: r.get(n + 3)?,
                            city: r.get(n + 4)?,
                            region: r.get(n + 5)?,
                            postal_code: r.get(n + 6)?,
                            country: r.get(n + 7)?,
                        },
                        time_zone: r.get(n + 8)?,
                    },
                    r.get::<_, String>(n + 9)?,
                    r.get::<_, String>(n + 10)?,
                    admins_at(r, n + 11)?,
                ))
            })())
        })
        .optional()?
        .transpose()?;
    let Some((summary, contact, created_at, notes, admins)) = row else {
        return Ok(None);
    };
    Ok(Some(Partner {
        summary,
        contact,
        channels: channels(conn, id, None, 500)?.items,
        addons: super::effects::addons(conn, id)?,
        notes,
        admins,
        created_at: parse_ts(&created_at)?,
    }))
}

/// A partner's name, unless there is none with `id` or it was deleted.
pub fn partner_name(conn: &Connection, id: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM partners WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// A partner's channels in their display order, keyset by position.
pub fn channels(
    conn: &Connection,
    partner_id: &str,
    cursor_arg: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Channel>> {
    let after: i64 = match cursor_arg {
        None => -1,
        Some(c) => cursor::decode(c, 1)
            .and_then(|p| p[0].parse().ok())
            .ok_or_else(ApiProblem::invalid_cursor)?,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, kind, followers, position FROM channels
          WHERE partner_id = ?1 AND position > ?2 ORDER BY position LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![partner_id, after, limit as i64 + 1])?;
    let mut items = Vec::new();
    let mut last = 0i64;
    while let Some(r) = rows.next()? {
        if items.len() == limit as usize {
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[&last.to_string()])),
            });
        }
        last = r.get(4)?;
        items.push(Channel {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            followers: r.get(3)?,
        });
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// A partner's engagements, soonest first, keyset by (starts_at, id).
pub fn engagements(
    conn: &Connection,
    partner_id: &str,
    cursor_arg: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Engagement>> {
    let (after_t, after_id) = match cursor_arg {
        None => (String::new(), String::new()),
        Some(c) => {
            let mut p = cursor::decode(c, 2).ok_or_else(ApiProblem::invalid_cursor)?;
            let id = p.pop().unwrap_or_default();
            (p.pop().unwrap_or_default(), id)
        }
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, title, engagement_type, status, starts_at FROM engagements
          WHERE partner_id = ?1 AND (starts_at, id) > (?2, ?3) ORDER BY starts_at, id LIMIT ?4",
    )?;
    let mut rows = stmt.query(params![partner_id, after_t, after_id, limit as i64 + 1])?;
    let mut items: Vec<Engagement> = Vec::new();
    let mut last = (String::new(), String::new());
    while let Some(r) = rows.next()? {
        if items.len() == limit as usize {
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[&last.0, &last.1])),
            });
        }
        last = (r.get(4)?, r.get(0)?);
        items.push(Engagement {
            id: r.get(0)?,
            title: r.get(1)?,
            engagement_type: r.get(2)?,
            status: r.get(3)?,
            starts_at: parse_ts(&last.0)?,
        });
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}
