//! Reading a partner's periods (RECORDS.md §3): tier assignments and campaign links are two
//! tables of one shape (a partner, what it is assigned or linked to, a start and an optional
//! expiry), read by one set of queries that [`Table`] fills in for each kind. A period's
//! `state` is computed as it is read, from its dates and the server's clock
//! (`AssignmentState::at`); it is never stored. A deleted period, and every period of a deleted
//! partner, is left out of every list and lookup.

use super::db::{Connection, OptionalExtension, Row};
use chrono::{DateTime, Utc};

use super::keyset::{after_key, keyset_page};
use super::{StoreError, StoreResult, parse_opt_ts, parse_ts, ts};
use crate::domain::*;

/// Where a kind of period is kept, and what it points at.
pub(super) struct Table {
    pub kind: PeriodKind,
    /// The table, also the collection in its routes (`tier_assignments`).
    pub table: &'static str,
    /// What each period points at: its table and column (`tiers`, `tier_id`).
    pub target_table: &'static str,
    pub target_column: &'static str,
    /// The target's precedence, for a tier; none for a campaign.
    pub target_precedence: &'static str,
    /// The prefix of a new period's id.
    pub id_prefix: &'static str,
    /// As `record.changed` and the audit name it (`tier_assignment`).
    pub record: &'static str,
    /// As people read it: "tier assignment".
    pub noun: &'static str,
}

pub(super) const TIER_ASSIGNMENTS: Table = Table {
    kind: PeriodKind::TierAssignment,
    table: "tier_assignments",
    target_table: "tiers",
    target_column: "tier_id",
    target_precedence: "t.precedence",
    id_prefix: "ta",
    record: "tier_assignment",
    noun: "tier assignment",
};

pub(super) const CAMPAIGN_LINKS: Table = Table {
    kind: PeriodKind::CampaignLink,
    table: "campaign_links",
    target_table: "campaigns",
    target_column: "campaign_id",
    target_precedence: "NULL",
    id_prefix: "cl",
    record: "campaign_link",
    noun: "campaign link",
};

/// A period as its own collection shows it, without the `kind` that tags it among others
/// (`GET /expiring`): a `TierAssignment` or a `CampaignLink`.
pub struct Untagged(pub Period);

impl serde::Serialize for Untagged {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Period::TierAssignment(a) => a.serialize(s),
            Period::CampaignLink(l) => l.serialize(s),
        }
    }
}

pub(super) fn table(kind: PeriodKind) -> &'static Table {
    match kind {
        PeriodKind::TierAssignment => &TIER_ASSIGNMENTS,
        PeriodKind::CampaignLink => &CAMPAIGN_LINKS,
    }
}

/// A kind of period as people read it: "tier assignment", "campaign link".
pub fn period_noun(kind: PeriodKind) -> &'static str {
    table(kind).noun
}

/// The member of a create's body, and the column, naming what a period is of: `tier_id`,
/// `campaign_id`.
pub fn target_member(kind: PeriodKind) -> &'static str {
    table(kind).target_column
}

/// A date as a CSR reads it (in the audit, in a refusal): the day alone at midnight UTC,
/// else with the time.
pub(super) fn day(t: DateTime<Utc>) -> String {
    if t.time() == chrono::NaiveTime::MIN {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// "from 2026-12-01 to 2027-01-01", "from 2026-12-01, without expiry".
pub(super) fn span(starts_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> String {
    match expires_at {
        Some(e) => format!("from {} to {}", day(starts_at), day(e)),
        None => format!("from {}, without expiry", day(starts_at)),
    }
}

impl Table {
    /// The columns [`period_from_row`] reads (then `more`), from the period `x`, its partner
    /// `p` and its target `t`, for periods that are not deleted and whose partner is not.
    fn select(&self, more: &str) -> String {
        format!(
            "SELECT x.id, x.partner_id, p.name, t.id, t.name, {prec}, x.starts_at, x.expires_at,
                    x.version{more}
               FROM {table} x
               JOIN partners p ON p.id = x.partner_id AND p.deleted_at IS NULL
               JOIN {target} t ON t.id = x.{column}
              WHERE x.deleted_at IS NULL",
            prec = self.target_precedence,
            table = self.table,
            target = self.target_table,
            column = self.target_column,
        )
    }
}

/// A period as [`Table::select`] reads it (columns 0 to 8), its state at `now`.
fn period_from_row(kind: PeriodKind, r: &Row<'_>, now: DateTime<Utc>) -> StoreResult<Period> {
    let partner = PartnerRef {
        id: r.get(1)?,
        name: r.get(2)?,
    };
    let starts_at = parse_ts(&r.get::<_, String>(6)?)?;
    let expires_at = parse_opt_ts(r.get(7)?)?;
    let state = AssignmentState::at(starts_at, expires_at, now);
    let (id, version): (String, i64) = (r.get(0)?, r.get(8)?);
    Ok(match kind {
        PeriodKind::TierAssignment => {
            let precedence: i64 = r.get(5)?;
            Period::TierAssignment(TierAssignment {
                id,
                partner,
                tier: TierRef {
                    id: r.get(3)?,
                    name: r.get(4)?,
                    precedence: u32::try_from(precedence)
                        .map_err(|_| StoreError::Corrupt(format!("precedence {precedence}")))?,
                },
                starts_at,
                expires_at,
                state,
                version,
            })
        }
        PeriodKind::CampaignLink => Period::CampaignLink(CampaignLink {
            id,
            partner,
            campaign: CampaignRef {
                id: r.get(3)?,
                name: r.get(4)?,
            },
            starts_at,
            expires_at,
            state,
            version,
        }),
    })
}

/// One period of `kind` by id, at `now`; `None` when there is none (or it, or its partner,
/// is deleted).
pub fn get_period(
    conn: &Connection,
    kind: PeriodKind,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Period>> {
    let sql = format!("{} AND x.id = ?1", table(kind).select(""));
    conn.prepare_cached(&sql)?
        .query_row([id], |r| Ok(period_from_row(kind, r, now)))
        .optional()?
        .transpose()
}

/// A partner's periods of `kind` in date order (by start, then id), a page at a time.
pub fn list_periods(
    conn: &Connection,
    kind: PeriodKind,
    partner_id: &str,
    cursor: Option<&str>,
    limit: u32,
    now: DateTime<Utc>,
) -> StoreResult<Page<Period>> {
    let (after_start, after_id) = after_key(cursor)?;
    let sql = format!(
        "{} AND x.partner_id = ?4 AND (x.starts_at, x.id) > (?1, ?2)
          ORDER BY x.starts_at, x.id LIMIT ?3",
        table(kind).select(", x.starts_at, x.id")
    );
    keyset_page(
        conn,
        &sql,
        (&after_start, &after_id),
        &[&partner_id],
        limit,
        9,
        |r| period_from_row(kind, r, now),
    )
}

/// Every period of `kind` of a partner, in date order (what the rules compare a write with).
pub(super) fn all_periods(
    conn: &Connection,
    kind: PeriodKind,
    partner_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Period>> {
    let sql = format!(
        "{} AND x.partner_id = ?1 ORDER BY x.starts_at, x.id",
        table(kind).select("")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([partner_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(period_from_row(kind, &r, now)?);
    }
    Ok(out)
}

/// `GET /expiring`: the tier assignments and campaign links that end after `now` and no later
/// than `until` (active or scheduled ones with an expiry: an expired one ended already, one
/// without an expiry never does), soonest end first, then by id. The two tables are read in
/// one ordered union; their ids never collide (each kind has its own prefix), so (end, id) is
/// a key over both.
pub fn list_expiring(
    conn: &Connection,
    until: DateTime<Utc>,
    cursor: Option<&str>,
    limit: u32,
    now: DateTime<Utc>,
) -> StoreResult<Page<Period>> {
    let (after_end, after_id) = after_key(cursor)?;
    let branch = |t: &Table| {
        format!(
            "{} AND x.expires_at > ?4 AND x.expires_at <= ?5 AND (x.expires_at, x.id) > (?1, ?2)",
            t.select(&format!(
                ", '{}' AS kind, x.expires_at AS k, x.id AS kid",
                t.record
            ))
        )
    };
    let sql = format!(
        "SELECT * FROM ({} UNION ALL {}) u ORDER BY k, kid LIMIT ?3",
        branch(&TIER_ASSIGNMENTS),
        branch(&CAMPAIGN_LINKS)
    );
    keyset_page(
        conn,
        &sql,
        (&after_end, &after_id),
        &[&ts(now), &ts(until)],
        limit,
        10,
        |r| {
            let kind = match r.get::<_, String>(9)?.as_str() {
                "tier_assignment" => PeriodKind::TierAssignment,
                _ => PeriodKind::CampaignLink,
            };
            period_from_row(kind, r, now)
        },
    )
}

/// `GET /partners/{id}/products`: the tier assignment active at `now` (the rules keep it to
/// one) and every product with its availability, judged by the domain's `availability`.
/// While tiers are disabled (`tiers_enabled` false) no tier is in effect: the answer fails
/// closed, every product unavailable for want of an active tier, rather than opening the
/// catalogue to customers by mistake (seed 000's warning).
pub fn partner_products(
    conn: &Connection,
    partner_id: &str,
    tiers_enabled: bool,
    now: DateTime<Utc>,
) -> StoreResult<PartnerProducts> {
    let assignments = if tiers_enabled {
        all_periods(conn, PeriodKind::TierAssignment, partner_id, now)?
    } else {
        Vec::new()
    };
    let active = assignments.iter().find_map(|p| match p {
        Period::TierAssignment(a) if a.state == AssignmentState::Active => Some(a.clone()),
        _ => None,
    });
    // The last end among those that ended: "the tier expired on" that date.
    let last_expired = assignments
        .iter()
        .filter(|p| p.state() == AssignmentState::Expired)
        .filter_map(Period::expires_at)
        .max();
    let products = super::all_products(conn)?
        .into_iter()
        .map(|product| {
            let judged = availability(&product, active.as_ref().map(|a| &a.tier), last_expired);
            ProductAvailability {
                product,
                available: judged.is_ok(),
                reason: judged.err(),
            }
        })
        .collect();
    Ok(PartnerProducts {
        tier: active,
        products,
    })
}
