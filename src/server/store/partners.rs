//! Reading partners: the directory (keyset by name), one partner with contact and channels, and
//! the partner's own channels and engagements (the impersonation view).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::search::phone_pattern;
use super::{StoreError, StoreResult, like_pattern, parse_ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

const SUMMARY_COLS: &str = "id, name, status, package_name, package_amount, package_currency,
    invoice_id, contact_name, contact_email";
/// How many columns `SUMMARY_COLS` is: what a query selects after them starts here.
const SUMMARY_N: usize = 9;

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
    Ok(PartnerSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        status: PartnerStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("partner status {status:?}")))?,
        package,
        invoice_id: r.get(6)?,
        contact_name: r.get(7)?,
        email: r.get(8)?,
        distributor: None,
        tenant_count: 0,
        standing: Default::default(),
        version: 0,
    })
}

pub struct PartnerFilter {
    pub q: Option<String>,
    pub status: Option<PartnerStatus>,
    pub sort: PartnerSort,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// Status order for `sort=status`: the partners a CSR works with first.
const STATUS_RANK: &str =
    "CASE status WHEN 'active' THEN 0 WHEN 'pending' THEN 1 WHEN 'suspended' THEN 2 ELSE 3 END";

pub fn list_partners(conn: &Connection, f: &PartnerFilter) -> StoreResult<Page<PartnerSummary>> {
    // Keyset on (rank, name, id); by name the rank is 0 for every row. Cursors carry the sort
    // they were made for, so one from another order is refused rather than misread.
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
    let rank_expr = match f.sort {
        PartnerSort::Name => "0",
        PartnerSort::Status => STATUS_RANK,
    };
    // `q` matches name, email, invoice ID, contact name and phone (`search`), checked on the
    // name index's `q_partners` as the directory walks it in order.
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let phone = q.and_then(phone_pattern);
    let q = q.map(like_pattern).unwrap_or_else(|| "%".into());
    let sql = format!(
        "SELECT {SUMMARY_COLS}, name_lower, {rank_expr} AS rk FROM partners
          WHERE ({rank_expr}, name_lower, id) > (?1, ?2, ?3)
            AND (q_partners LIKE ?4 ESCAPE '\\'
                 OR (?7 IS NOT NULL AND q_partners LIKE ?7 ESCAPE '\\'))
            AND (?5 IS NULL OR status = ?5)
          ORDER BY rk, name_lower, id LIMIT ?6"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        after_rank,
        after_name,
        after_id,
        q,
        f.status.map(|s| s.as_str()),
        f.limit as i64 + 1,
        phone
    ])?;
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
        items.push(summary_from_row(r)?);
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

pub fn get_partner(conn: &Connection, id: &str) -> StoreResult<Option<Partner>> {
    let sql = format!(
        // The contact's name and email are the summary's last two columns (7 and 8).
        "SELECT {SUMMARY_COLS}, contact_phone, contact_website,
                address_line1, address_line2, address_city, address_region,
                address_postal_code, address_country, contact_time_zone, created_at, notes,
                version
           FROM partners WHERE id = ?1"
    );
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| {
            Ok((
                summary_from_row(r),
                Contact {
                    name: r.get(7)?,
                    email: r.get(8)?,
                    phone: r.get(9)?,
                    website: r.get(10)?,
                    address: Address {
                        line1: r.get(11)?,
                        line2: r.get(12)?,
                        city: r.get(13)?,
                        region: r.get(14)?,
                        postal_code: r.get(15)?,
                        country: r.get(16)?,
                    },
                    time_zone: r.get(17)?,
                },
                r.get::<_, String>(18)?,
                r.get::<_, String>(19)?,
                r.get::<_, i64>(20)?,
            ))
        })
        .optional()?;
    let Some((summary, contact, created_at, notes, version)) = row else {
        return Ok(None);
    };
    let mut summary = summary?;
    summary.version = version;
    Ok(Some(Partner {
        summary,
        contact,
        channels: channels(conn, id, None, 500)?.items,
        addons: super::effects::addons(conn, id)?,
        notes,
        admins: Vec::new(),
        created_at: parse_ts(&created_at)?,
    }))
}

pub fn partner_name(conn: &Connection, id: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT name FROM partners WHERE id = ?1")?
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
