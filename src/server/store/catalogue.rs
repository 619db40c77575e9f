//! The organisation's settings and the catalogues a partner's periods are made of (RECORDS.md
//! §3): tiers by precedence, products by name, campaigns by start. The catalogues are read
//! here (written by seeds and by an administrator: `catalogue_writes`); the settings are also changed by an administrator
//! (`PATCH /settings`), one audit entry and a `record.changed` event with each change.

use super::db::{Connection, OptionalExtension, Row, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::keyset::{after_key, keyset_page};
use super::records::{RecordWrite, Written, field_change, record_written};
use super::{StoreResult, parse_opt_ts, parse_ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// The kind and id `record.changed` and the audit give the settings (there is one).
pub const RECORD_SETTINGS: &str = "settings";

pub fn settings(conn: &Connection) -> StoreResult<Settings> {
    Ok(conn
        .prepare_cached("SELECT tiers_enabled, version FROM settings WHERE id = 1")?
        .query_row(params![], |r| {
            Ok(Settings {
                tiers_enabled: r.get(0)?,
                version: r.get(1)?,
            })
        })?)
}

/// `PATCH /settings`: what changed, against the version read.
pub struct SettingsChange {
    pub actor: String,
    pub if_match: i64,
    pub tiers_enabled: Option<bool>,
    pub now: DateTime<Utc>,
}

/// Applies `c` (412 with the settings as they are when `If-Match` is stale). A change that
/// changes nothing answers the settings as they are, with no new version.
pub fn change_settings(
    conn: &mut Connection,
    c: &SettingsChange,
) -> StoreResult<Written<Settings>> {
    let tx = conn.savepoint()?;
    tx.lock_row("settings", &1)?;
    let before = settings(&tx)?;
    if before.version != c.if_match {
        let mut p = ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            format!(
                "The settings changed since you read them (your version {}, now {}); the current settings are attached.",
                c.if_match, before.version
            ),
        );
        p.0.settings = Some(before);
        return Err(p.into());
    }
    let Some(enabled) = c.tiers_enabled.filter(|e| *e != before.tiers_enabled) else {
        return Ok(Written {
            record: before,
            added_events: false,
        });
    };
    tx.execute(
        "UPDATE settings SET tiers_enabled = ?1, version = version + 1 WHERE id = 1",
        [enabled],
    )?;
    let after = settings(&tx)?;
    record_written(
        &tx,
        &RecordWrite {
            actor: &c.actor,
            record: RecordRef {
                kind: RECORD_SETTINGS.into(),
                id: RECORD_SETTINGS.into(),
                name: "Organisation settings".into(),
            },
            action: "settings.updated",
            detail: if enabled {
                "Enabled tiers".into()
            } else {
                "Disabled tiers".into()
            },
            changes: vec![field_change(
                "/tiers_enabled",
                &before.tiers_enabled.to_string(),
                &after.tiers_enabled.to_string(),
            )],
            version: after.version,
            now: c.now,
        },
    )?;
    tx.commit()?;
    Ok(Written {
        record: after,
        added_events: true,
    })
}

/// 409 `tiers_disabled` unless tiers are enabled: tier assignments are not written while the
/// organisation has them off (their lists still read).
pub fn require_tiers(conn: &Connection) -> StoreResult<()> {
    if settings(conn)?.tiers_enabled {
        return Ok(());
    }
    Err(ApiProblem::new(
        StatusCode::CONFLICT,
        codes::TIERS_DISABLED,
        "Tiers are disabled for the organisation; an administrator enables them (PATCH /settings) before tier assignments are written.",
    )
    .into())
}

fn precedence(r: &Row<'_>, i: usize) -> StoreResult<u32> {
    let p: i64 = r.get(i)?;
    u32::try_from(p).map_err(|_| super::StoreError::Corrupt(format!("precedence {p}")))
}

pub(super) fn tier_from_row(r: &Row<'_>) -> StoreResult<Tier> {
    Ok(Tier {
        id: r.get(0)?,
        name: r.get(1)?,
        precedence: precedence(r, 2)?,
    })
}

pub(super) fn product_from_row(r: &Row<'_>) -> StoreResult<Product> {
    Ok(Product {
        id: r.get(0)?,
        name: r.get(1)?,
        tier_precedence: match r.get::<_, Option<i64>>(2)? {
            None => None,
            Some(_) => Some(precedence(r, 2)?),
        },
    })
}

pub(super) fn campaign_from_row(r: &Row<'_>) -> StoreResult<Campaign> {
    Ok(Campaign {
        id: r.get(0)?,
        name: r.get(1)?,
        starts_at: parse_ts(&r.get::<_, String>(2)?)?,
        expires_at: parse_opt_ts(r.get(3)?)?,
    })
}

/// A list's row with its version (in column `at`), so an administrator's write can send it back.
fn versioned<T>(
    r: &Row<'_>,
    at: usize,
    entry: fn(&Row<'_>) -> StoreResult<T>,
) -> StoreResult<Versioned<T>> {
    Ok(Versioned {
        record: entry(r)?,
        version: r.get(at)?,
    })
}

/// Tiers by precedence, 1 (the highest) first. The key is the precedence written with a fixed
/// width, so that text order is number order.
pub fn list_tiers(
    conn: &Connection,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Versioned<Tier>>> {
    let (after_key_, after_id) = after_key(cursor)?;
    // Ten digits, zero-padded, in each database's words.
    let padded = if conn.is_postgres() {
        "lpad(precedence::text, 10, '0')"
    } else {
        "printf('%010d', precedence)"
    };
    keyset_page(
        conn,
        &format!(
            "SELECT id, name, precedence, {padded} AS k, id, version FROM tiers
              WHERE deleted_at IS NULL AND ({padded}, id) > (?1, ?2)
              ORDER BY k, id LIMIT ?3"
        ),
        (&after_key_, &after_id),
        &[],
        limit,
        3,
        |r| versioned(r, 5, tier_from_row),
    )
}

/// Products by name (case-insensitive), then id.
pub fn list_products(
    conn: &Connection,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Versioned<Product>>> {
    let (after_name, after_id) = after_key(cursor)?;
    keyset_page(
        conn,
        "SELECT id, name, tier_precedence, name_lower, id, version FROM products
          WHERE (name_lower, id) > (?1, ?2) ORDER BY name_lower, id LIMIT ?3",
        (&after_name, &after_id),
        &[],
        limit,
        3,
        |r| versioned(r, 5, product_from_row),
    )
}

/// Every product, by name: what `GET /partners/{id}/products` judges one by one.
pub fn all_products(conn: &Connection) -> StoreResult<Vec<Product>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, tier_precedence FROM products ORDER BY name_lower, id")?;
    let mut rows = stmt.query(super::db::params![])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(product_from_row(&r)?);
    }
    Ok(out)
}

/// Campaigns by start, then id.
pub fn list_campaigns(
    conn: &Connection,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Versioned<Campaign>>> {
    let (after_start, after_id) = after_key(cursor)?;
    keyset_page(
        conn,
        "SELECT id, name, starts_at, expires_at, starts_at, id, version FROM campaigns
          WHERE deleted_at IS NULL AND (starts_at, id) > (?1, ?2)
          ORDER BY starts_at, id LIMIT ?3",
        (&after_start, &after_id),
        &[],
        limit,
        4,
        |r| versioned(r, 6, campaign_from_row),
    )
}

pub fn get_tier(conn: &Connection, id: &str) -> StoreResult<Option<Tier>> {
    conn.prepare_cached(
        "SELECT id, name, precedence FROM tiers WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .query_row([id], |r| Ok(tier_from_row(r)))
    .optional()?
    .transpose()
}

pub fn get_campaign(conn: &Connection, id: &str) -> StoreResult<Option<Campaign>> {
    conn.prepare_cached(
        "SELECT id, name, starts_at, expires_at FROM campaigns WHERE id = ?1 AND deleted_at IS NULL",
    )?
        .query_row([id], |r| Ok(campaign_from_row(r)))
        .optional()?
        .transpose()
}

/// Seeds write the catalogues (an administrator writes them through `catalogue_writes`).
pub fn insert_tier(conn: &Connection, t: &Tier) -> super::db::Result<()> {
    conn.prepare_cached("INSERT INTO tiers (id, name, precedence) VALUES (?1, ?2, ?3)")?
        .execute(params![t.id, t.name, t.precedence])?;
    Ok(())
}

pub fn insert_product(conn: &Connection, p: &Product) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO products (id, name, name_lower, tier_precedence) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        p.id,
        p.name,
        p.name.to_lowercase(),
        p.tier_precedence
    ])?;
    Ok(())
}

pub fn insert_campaign(conn: &Connection, c: &Campaign) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO campaigns (id, name, starts_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        c.id,
        c.name,
        super::ts(c.starts_at),
        c.expires_at.map(super::ts)
    ])?;
    Ok(())
}

pub fn set_tiers_enabled(conn: &Connection, enabled: bool) -> super::db::Result<()> {
    conn.execute(
        "UPDATE settings SET tiers_enabled = ?1 WHERE id = 1",
        [enabled],
    )?;
    Ok(())
}
