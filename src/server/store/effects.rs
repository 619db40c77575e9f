//! What an approval changes in its partner, inside the decision's transaction: an approved
//! partnership becomes the partner's package (and a pending or inactive partner active); an
//! approved add-on joins the partner's add-ons. Each change is returned as a field's value
//! before and after, for the decision's audit entry. A rejection changes nothing.

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult, parse_ts, ts};
use crate::domain::*;

/// The audit's field names for what an approval changes.
pub(super) const FIELD_PACKAGE: &str = "package";
pub(super) const FIELD_STATUS: &str = "status";
pub(super) const FIELD_ADDONS: &str = "addons";

/// `Gold (49.00 USD)`: a package or add-on as the audit shows it.
fn label(name: &str, price: Option<&Money>) -> String {
    match price {
        Some(m) => format!(
            "{name} ({} {})",
            plain_decimal(m.amount_minor, &m.currency),
            m.currency
        ),
        None => name.to_string(),
    }
}

/// An add-on's price from its amount (column `at`) and currency (the next); none without both.
fn price_at(r: &Row<'_>, at: usize) -> StoreResult<Option<Money>> {
    Ok(
        match (
            r.get::<_, Option<i64>>(at)?,
            r.get::<_, Option<String>>(at + 1)?,
        ) {
            (Some(amount), Some(currency)) => Some(Money::new(amount, &currency)),
            _ => None,
        },
    )
}

/// The partner's add-ons, by name.
pub(super) fn addons(conn: &Connection, partner_id: &str) -> StoreResult<Vec<PartnerAddon>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, amount, currency, approval_id, added_at FROM partner_addons
          WHERE partner_id = ?1 ORDER BY name",
    )?;
    let mut rows = stmt.query([partner_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let price = price_at(&r, 1)?;
        out.push(PartnerAddon {
            name: r.get(0)?,
            price,
            approval_id: r.get(3)?,
            added_at: parse_ts(&r.get::<_, String>(4)?)?,
        });
    }
    Ok(out)
}

/// What an approval changed in its partner.
#[derive(Debug, Default)]
pub(super) struct Applied {
    /// Each field changed, before and after.
    pub changes: Vec<FieldChange>,
    /// The partner's version once the change commits; `None` if nothing changed.
    pub partner_version: Option<i64>,
}

/// Applies the approval `a` (just approved, at `now`) to its partner, whose row it holds until
/// the transaction ends (an edit of the partner made meanwhile on another replica waits, and is
/// neither lost nor read stale). Changes nothing for the kinds that change no partner field
/// (broadcasts, ads, advertising packages) or when the partner already had what was approved.
pub(super) fn apply_approval(
    conn: &Connection,
    a: &Approval,
    now: DateTime<Utc>,
) -> StoreResult<Applied> {
    match a.kind {
        Kind::Partnership => apply_partnership(conn, a),
        Kind::Addon => apply_addon(conn, a, now),
        Kind::Broadcast | Kind::AdvertisingPackage | Kind::Ad => Ok(Applied::default()),
    }
}

/// What the partner's change is written as: a new version, one more than the one read under
/// the row's lock.
fn applied(changes: Vec<FieldChange>, read_version: i64) -> Applied {
    Applied {
        partner_version: (!changes.is_empty()).then_some(read_version + 1),
        changes,
    }
}

fn apply_partnership(conn: &Connection, a: &Approval) -> StoreResult<Applied> {
    type Row = (String, Option<String>, Option<i64>, Option<String>, i64);
    conn.lock_row("partners", &a.partner.id)?;
    let (status, name, amount, currency, version): Row = conn
        .prepare_cached(
            "SELECT status, package_name, package_amount, package_currency, version
               FROM partners WHERE id = ?1",
        )?
        .query_row([&a.partner.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("approval {} has no partner", a.id)))?;
    let status = PartnerStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("partner status {status:?}")))?;
    let before = match (name, amount, currency) {
        (Some(name), Some(amount), Some(currency)) => Some(Item {
            name,
            price: Money::new(amount, &currency),
        }),
        _ => None,
    };
    // A partnership names its package; one that names none leaves the package as it is.
    let after = a.item.clone().or_else(|| before.clone());
    // Taking up a package makes a partner that is waiting (pending) or has lapsed (inactive)
    // active; a suspension is lifted by its own decision, not by a package.
    let new_status = match status {
        PartnerStatus::Pending | PartnerStatus::Inactive => PartnerStatus::Active,
        s => s,
    };
    let mut changes = Vec::new();
    if after != before {
        let show = |i: &Option<Item>| i.as_ref().map(|i| label(&i.name, Some(&i.price)));
        changes.push(FieldChange {
            field: FIELD_PACKAGE.into(),
            before: show(&before),
            after: show(&after),
        });
    }
    if new_status != status {
        changes.push(FieldChange {
            field: FIELD_STATUS.into(),
            before: Some(status.as_str().into()),
            after: Some(new_status.as_str().into()),
        });
    }
    if !changes.is_empty() {
        conn.execute_later(
            "UPDATE partners SET status = ?1, package_name = ?2, package_amount = ?3,
                    package_currency = ?4, version = version + 1
              WHERE id = ?5",
            params![
                new_status.as_str(),
                after.as_ref().map(|i| &i.name),
                after.as_ref().map(|i| i.price.amount_minor),
                after.as_ref().map(|i| &i.price.currency),
                a.partner.id
            ],
        )?;
    }
    Ok(applied(changes, version))
}

fn apply_addon(conn: &Connection, a: &Approval, now: DateTime<Utc>) -> StoreResult<Applied> {
    // An add-on request names its add-on in `item`; one without an item is named by its title.
    let name = a
        .item
        .as_ref()
        .map_or(a.title.as_str(), |i| i.name.as_str());
    let price = a.item.as_ref().map(|i| &i.price);
    conn.lock_row("partners", &a.partner.id)?;
    let (version, held) = version_and_addons(conn, &a.partner.id)?;
    if held.iter().any(|(n, p)| n == name && p.as_ref() == price) {
        // Already held at this price: the partner does not change.
        return Ok(Applied::default());
    }
    let show = |list: &[(&str, Option<&Money>)]| {
        (!list.is_empty()).then(|| {
            list.iter()
                .map(|(n, p)| label(n, *p))
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let before: Vec<(&str, Option<&Money>)> =
        held.iter().map(|(n, p)| (n.as_str(), p.as_ref())).collect();
    // Held at another price: the newly approved price replaces it.
    let mut after: Vec<(&str, Option<&Money>)> =
        before.iter().copied().filter(|(n, _)| *n != name).collect();
    after.push((name, price));
    after.sort_by(|x, y| x.0.cmp(y.0));
    conn.execute_later(
        "INSERT INTO partner_addons (partner_id, name, amount, currency, approval_id, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (partner_id, name) DO UPDATE SET amount = excluded.amount,
            currency = excluded.currency, approval_id = excluded.approval_id,
            added_at = excluded.added_at",
        params![
            a.partner.id,
            name,
            price.map(|p| p.amount_minor),
            price.map(|p| &p.currency),
            a.id,
            ts(now)
        ],
    )?;
    // The add-ons are part of the partner: a new version, so an edit made against the old one
    // is told (412).
    conn.execute_later(
        "UPDATE partners SET version = version + 1 WHERE id = ?1",
        [&a.partner.id],
    )?;
    let changes = vec![FieldChange {
        field: FIELD_ADDONS.into(),
        before: show(&before),
        after: show(&after),
    }];
    Ok(applied(changes, version))
}

/// An add-on a partner holds: its name and price.
type Held = (String, Option<Money>);

/// The partner's version and its add-ons by name, in one read.
fn version_and_addons(conn: &Connection, partner_id: &str) -> StoreResult<(i64, Vec<Held>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.version, x.name, x.amount, x.currency
           FROM partners p LEFT JOIN partner_addons x ON x.partner_id = p.id
          WHERE p.id = ?1 ORDER BY x.name",
    )?;
    let mut rows = stmt.query([partner_id])?;
    let mut version = None;
    let mut held = Vec::new();
    while let Some(r) = rows.next()? {
        version = Some(r.get::<_, i64>(0)?);
        if let Some(name) = r.get::<_, Option<String>>(1)? {
            held.push((name, price_at(&r, 2)?));
        }
    }
    let version = version.ok_or_else(|| StoreError::Corrupt(format!("no partner {partner_id}")))?;
    Ok((version, held))
}
