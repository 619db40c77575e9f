//! An administrator's writes to the catalogues (RECORDS.md §3): creating a tier, a product or
//! a campaign (exactly once per `Idempotency-Key`), changing it (a merge patch against its
//! version) and deleting it. One code path serves the three (`Entry`); what differs is each
//! one's rules: a tier's precedence is one tier's (409 `precedence_taken`), a campaign ends
//! after it starts (422 `expires_before_start`) and keeps its links inside its dates (409
//! `outside_campaign_window`), and what non-deleted periods use is not deleted (409 `in_use`).
//! Each write is one transaction: the rules, the change, one audit entry with each field
//! before and after, and a `record.changed` event (kinds `tier`, `product`, `campaign`).

use super::db::{Connection, OptionalExtension, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::catalogue::{campaign_from_row, product_from_row, tier_from_row};
use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay};
use super::records::{RecordWrite, Written, field_change, record_written};
use super::rules::{outside_window, refused};
use super::{StoreError, StoreResult, new_id, parse_opt_ts, parse_ts, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// `POST /tiers`, `/products` or `/campaigns`, its body checked.
pub struct EntryCreate<T> {
    pub actor: String,
    pub values: T,
    pub idempotency: IdempotencyKey,
    pub now: DateTime<Utc>,
}

/// A change to the entry `id`, made against `if_match`.
pub struct EntryChange {
    pub actor: String,
    pub id: String,
    pub if_match: i64,
    pub now: DateTime<Utc>,
}

/// A merge patch of a tier: what is absent stays.
#[derive(Debug, Default)]
pub struct TierPatch {
    pub name: Option<String>,
    pub precedence: Option<u32>,
}

/// A merge patch of a product (`tier_precedence: null` makes it need no tier).
#[derive(Debug, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub tier_precedence: Option<Option<u32>>,
}

/// A merge patch of a campaign (`expires_at: null` makes it run for ever).
#[derive(Debug, Default)]
pub struct CampaignPatch {
    pub name: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn number(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// What the three catalogues share for their writes.
pub trait Entry: Serialize + Clone + Sized {
    type Patch;
    /// The record's kind (`record.changed`, the audit) and the words a problem uses.
    const RECORD: &'static str;
    const ID_PREFIX: &'static str;
    fn id(&self) -> &str;
    fn set_id(&mut self, id: String);
    fn name(&self) -> &str;
    /// The entry (not deleted) and its version.
    fn load(conn: &Connection, id: &str) -> StoreResult<Option<(Self, i64)>>;
    /// Each field as the audit writes it.
    fn fields(&self) -> Vec<(&'static str, String)>;
    fn patched(&self, patch: &Self::Patch) -> Self;
    /// The rules an entry as it would be kept must pass (`itself`: not new).
    fn check(&self, conn: &Connection, itself: bool) -> StoreResult<()>;
    fn insert(&self, conn: &Connection) -> StoreResult<()>;
    fn update(&self, conn: &Connection) -> StoreResult<()>;
    /// How many non-deleted periods use the entry.
    fn uses(conn: &Connection, id: &str) -> StoreResult<i64>;
    fn delete(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// A 412 carries the entry as it is now, in the member named by its record.
    fn attach(p: ApiProblem, current: Versioned<Self>) -> ApiProblem;
}

fn count(conn: &Connection, sql: &str, id: &str) -> StoreResult<i64> {
    Ok(conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

impl Entry for Tier {
    fn attach(mut p: ApiProblem, current: Versioned<Self>) -> ApiProblem {
        p.0.tier = Some(Box::new(current));
        p
    }
    type Patch = TierPatch;
    const RECORD: &'static str = "tier";
    const ID_PREFIX: &'static str = "ti";
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn load(conn: &Connection, id: &str) -> StoreResult<Option<(Self, i64)>> {
        conn.prepare_cached(
            "SELECT id, name, precedence, version FROM tiers WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| Ok((tier_from_row(r), r.get::<_, i64>(3)?)))
        .optional()?
        .map(|(t, v)| t.map(|t| (t, v)))
        .transpose()
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("/name", self.name.clone()),
            ("/precedence", self.precedence.to_string()),
        ]
    }
    fn patched(&self, p: &TierPatch) -> Self {
        Tier {
            id: self.id.clone(),
            name: p.name.clone().unwrap_or_else(|| self.name.clone()),
            precedence: p.precedence.unwrap_or(self.precedence),
        }
    }
    fn check(&self, conn: &Connection, _itself: bool) -> StoreResult<()> {
        let holder: Option<(String, String)> = conn
            .prepare_cached(
                "SELECT id, name FROM tiers
                  WHERE precedence = ?1 AND id <> ?2 AND deleted_at IS NULL",
            )?
            .query_row(params![self.precedence, self.id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match holder {
            None => Ok(()),
            Some((id, name)) => {
                let detail = format!(
                    "The tier {name} ({id}) has precedence {} already; each tier has its own.",
                    self.precedence
                );
                let mut p = ApiProblem::new(StatusCode::CONFLICT, codes::PRECEDENCE_TAKEN, detail);
                p.0.errors = vec![FieldError::new(
                    "/precedence",
                    codes::PRECEDENCE_TAKEN,
                    format!("Taken by the tier {name} ({id})."),
                )];
                Err(p.into())
            }
        }
    }
    fn insert(&self, conn: &Connection) -> StoreResult<()> {
        super::insert_tier(conn, self)?;
        Ok(())
    }
    fn update(&self, conn: &Connection) -> StoreResult<()> {
        conn.prepare_cached(
            "UPDATE tiers SET name = ?2, precedence = ?3, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![self.id, self.name, self.precedence])?;
        Ok(())
    }
    fn uses(conn: &Connection, id: &str) -> StoreResult<i64> {
        count(
            conn,
            "SELECT count(*) FROM tier_assignments WHERE tier_id = ?1 AND deleted_at IS NULL",
            id,
        )
    }
    fn delete(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        // Its precedence moves past every real one, so another tier may take it.
        conn.prepare_cached(
            "UPDATE tiers SET deleted_at = ?2, version = version + 1,
                    precedence = (SELECT CASE WHEN max(precedence) >= 1000000000
                                              THEN max(precedence) + 1 ELSE 1000000001 END
                                    FROM tiers)
              WHERE id = ?1",
        )?
        .execute(params![id, ts(now)])?;
        Ok(())
    }
}

impl Entry for Product {
    fn attach(mut p: ApiProblem, current: Versioned<Self>) -> ApiProblem {
        p.0.product = Some(Box::new(current));
        p
    }
    type Patch = ProductPatch;
    const RECORD: &'static str = "product";
    const ID_PREFIX: &'static str = "pd";
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn load(conn: &Connection, id: &str) -> StoreResult<Option<(Self, i64)>> {
        conn.prepare_cached(
            "SELECT id, name, tier_precedence, version FROM products WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((product_from_row(r), r.get::<_, i64>(3)?)))
        .optional()?
        .map(|(t, v)| t.map(|t| (t, v)))
        .transpose()
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("/name", self.name.clone()),
            ("/tier_precedence", number(self.tier_precedence)),
        ]
    }
    fn patched(&self, p: &ProductPatch) -> Self {
        Product {
            id: self.id.clone(),
            name: p.name.clone().unwrap_or_else(|| self.name.clone()),
            tier_precedence: p.tier_precedence.unwrap_or(self.tier_precedence),
        }
    }
    fn check(&self, _: &Connection, _: bool) -> StoreResult<()> {
        Ok(())
    }
    fn insert(&self, conn: &Connection) -> StoreResult<()> {
        super::insert_product(conn, self)?;
        Ok(())
    }
    fn update(&self, conn: &Connection) -> StoreResult<()> {
        conn.prepare_cached(
            "UPDATE products SET name = ?2, name_lower = ?3, tier_precedence = ?4,
                    version = version + 1 WHERE id = ?1",
        )?
        .execute(params![
            self.id,
            self.name,
            self.name.to_lowercase(),
            self.tier_precedence
        ])?;
        Ok(())
    }
    fn uses(_: &Connection, _: &str) -> StoreResult<i64> {
        Ok(0)
    }
    fn delete(conn: &Connection, id: &str, _: DateTime<Utc>) -> StoreResult<()> {
        // No row names a product: it goes.
        conn.prepare_cached("DELETE FROM products WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }
}

impl Entry for Campaign {
    fn attach(mut p: ApiProblem, current: Versioned<Self>) -> ApiProblem {
        p.0.campaign = Some(Box::new(current));
        p
    }
    type Patch = CampaignPatch;
    const RECORD: &'static str = "campaign";
    const ID_PREFIX: &'static str = "cp";
    fn id(&self) -> &str {
        &self.id
    }
    fn set_id(&mut self, id: String) {
        self.id = id;
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn load(conn: &Connection, id: &str) -> StoreResult<Option<(Self, i64)>> {
        conn.prepare_cached(
            "SELECT id, name, starts_at, expires_at, version FROM campaigns
              WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .query_row([id], |r| Ok((campaign_from_row(r), r.get::<_, i64>(4)?)))
        .optional()?
        .map(|(t, v)| t.map(|t| (t, v)))
        .transpose()
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("/name", self.name.clone()),
            ("/starts_at", ts(self.starts_at)),
            ("/expires_at", self.expires_at.map(ts).unwrap_or_default()),
        ]
    }
    fn patched(&self, p: &CampaignPatch) -> Self {
        Campaign {
            id: self.id.clone(),
            name: p.name.clone().unwrap_or_else(|| self.name.clone()),
            starts_at: p.starts_at.unwrap_or(self.starts_at),
            expires_at: p.expires_at.unwrap_or(self.expires_at),
        }
    }
    fn check(&self, conn: &Connection, itself: bool) -> StoreResult<()> {
        if let Some(e) = self.expires_at.filter(|e| *e <= self.starts_at) {
            return Err(refused(
                codes::EXPIRES_BEFORE_START,
                vec![FieldError::new(
                    "/expires_at",
                    codes::EXPIRES_BEFORE_START,
                    format!(
                        "The expiry ({}) must be after the start ({}).",
                        ts(e),
                        ts(self.starts_at)
                    ),
                )],
            )
            .into());
        }
        if !itself {
            return Ok(());
        }
        // Every link it has must stay inside its dates.
        let links: Vec<(String, String, String, Option<String>)> = conn
            .prepare_cached(
                "SELECT l.id, p.name, l.starts_at, l.expires_at FROM campaign_links l
                   JOIN partners p ON p.id = l.partner_id
                  WHERE l.campaign_id = ?1 AND l.deleted_at IS NULL ORDER BY l.starts_at, l.id",
            )?
            .query_map([&self.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        for (id, partner, starts_at, expires_at) in links {
            let errors = outside_window(self, parse_ts(&starts_at)?, parse_opt_ts(expires_at)?);
            if errors.is_empty() {
                continue;
            }
            let detail = format!(
                "The link {id} of {partner} would lie outside the campaign's dates: {}",
                errors
                    .iter()
                    .map(|e| e.detail.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let mut p =
                ApiProblem::new(StatusCode::CONFLICT, codes::OUTSIDE_CAMPAIGN_WINDOW, detail);
            p.0.errors = errors;
            return Err(p.into());
        }
        Ok(())
    }
    fn insert(&self, conn: &Connection) -> StoreResult<()> {
        super::insert_campaign(conn, self)?;
        Ok(())
    }
    fn update(&self, conn: &Connection) -> StoreResult<()> {
        conn.prepare_cached(
            "UPDATE campaigns SET name = ?2, starts_at = ?3, expires_at = ?4,
                    version = version + 1 WHERE id = ?1",
        )?
        .execute(params![
            self.id,
            self.name,
            ts(self.starts_at),
            self.expires_at.map(ts)
        ])?;
        Ok(())
    }
    fn uses(conn: &Connection, id: &str) -> StoreResult<i64> {
        count(
            conn,
            "SELECT count(*) FROM campaign_links WHERE campaign_id = ?1 AND deleted_at IS NULL",
            id,
        )
    }
    fn delete(conn: &Connection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        conn.prepare_cached(
            "UPDATE campaigns SET deleted_at = ?2, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id, ts(now)])?;
        Ok(())
    }
}

/// The audit entry and `record.changed` of a write to `e`; returns the event.
fn announce<E: Entry>(
    conn: &Connection,
    actor: &str,
    e: &E,
    version: i64,
    what: &str,
    changes: Vec<FieldChange>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    record_written(
        conn,
        &RecordWrite {
            actor,
            record: RecordRef {
                kind: E::RECORD.into(),
                id: e.id().into(),
                name: e.name().into(),
            },
            action: &format!("{}.{what}", E::RECORD),
            detail: format!("The {} {} {what}", E::RECORD, e.name()),
            changes,
            version,
            now,
        },
    )
}

/// Each field that differs between `before` and `after` (either may be empty).
fn diff(before: &[(&'static str, String)], after: &[(&'static str, String)]) -> Vec<FieldChange> {
    let empty = String::new();
    let fields: Vec<&str> = before.iter().chain(after).map(|(f, _)| *f).collect();
    let mut out: Vec<FieldChange> = Vec::new();
    for f in fields {
        if out.iter().any(|c| c.field == f) {
            continue;
        }
        let of = |v: &[(&'static str, String)]| {
            v.iter()
                .find(|(g, _)| *g == f)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| empty.clone())
        };
        let (b, a) = (of(before), of(after));
        if b != a {
            out.push(field_change(f, &b, &a));
        }
    }
    out
}

/// The entry `w` names, if it is there and `If-Match` is its version (412 otherwise).
fn checked<E: Entry>(conn: &Connection, w: &EntryChange) -> StoreResult<(E, i64)> {
    conn.lock_row(&format!("{}s", E::RECORD), &w.id)?;
    let (e, version) = E::load(conn, &w.id)?.ok_or_else(|| ApiProblem::not_found(E::RECORD))?;
    if version != w.if_match {
        let p = ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            format!(
                "The {} changed since you read it (your version {}, now {version}); the current one is attached.",
                E::RECORD,
                w.if_match
            ),
        );
        return Err(E::attach(p, Versioned { record: e, version }).into());
    }
    Ok((e, version))
}

/// `POST`: a new entry, exactly once per `Idempotency-Key` (only the 201 is kept).
pub fn create_entry<E: Entry>(
    conn: &mut Connection,
    c: &EntryCreate<E>,
) -> StoreResult<StoredResponse> {
    let tx = conn.savepoint()?;
    if let Some(earlier) = replay(&tx, &c.idempotency)? {
        return Ok(earlier);
    }
    let mut e = c.values.clone();
    e.set_id(new_id(E::ID_PREFIX));
    e.check(&tx, false)?;
    e.insert(&tx)?;
    let (e, version) = E::load(&tx, e.id())?.ok_or_else(|| ApiProblem::not_found(E::RECORD))?;
    let changes = diff(&[], &e.fields());
    announce(&tx, &c.actor, &e, version, "created", changes, c.now)?;
    let out = StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        etag: Some(format!("\"{version}\"")),
        body: json(&Saved {
            record: Versioned { record: e, version },
            warnings: Vec::new(),
        })?,
        replayed: false,
        added_events: true,
    };
    remember(&tx, &c.idempotency, &out, Utc::now())?;
    tx.commit()?;
    Ok(out)
}

/// `PATCH`: the entry with `patch` applied, under the rules of a create. A patch that changes
/// nothing answers the entry as it is.
pub fn change_entry<E: Entry>(
    conn: &mut Connection,
    w: &EntryChange,
    patch: &E::Patch,
) -> StoreResult<Written<Versioned<E>>> {
    let tx = conn.savepoint()?;
    let (before, version) = checked::<E>(&tx, w)?;
    let after = before.patched(patch);
    let changes = diff(&before.fields(), &after.fields());
    if changes.is_empty() {
        return Ok(Written {
            record: Versioned {
                record: before,
                version,
            },
            added_events: false,
        });
    }
    after.check(&tx, true)?;
    after.update(&tx)?;
    let (after, version) = E::load(&tx, &w.id)?.ok_or_else(|| ApiProblem::not_found(E::RECORD))?;
    announce(&tx, &w.actor, &after, version, "updated", changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: Versioned {
            record: after,
            version,
        },
        added_events: true,
    })
}

/// `DELETE`: refused (409 `in_use`) while non-deleted periods use the entry.
pub fn remove_entry<E: Entry>(conn: &mut Connection, w: &EntryChange) -> StoreResult<Written<()>> {
    let tx = conn.savepoint()?;
    let (before, version) = checked::<E>(&tx, w)?;
    let uses = E::uses(&tx, &w.id)?;
    if uses > 0 {
        return Err(ApiProblem::new(
            StatusCode::CONFLICT,
            codes::IN_USE,
            format!(
                "The {} {} is used by {uses} period(s); end or delete them first.",
                E::RECORD,
                before.name()
            ),
        )
        .into());
    }
    E::delete(&tx, &w.id, w.now)?;
    let changes = diff(&before.fields(), &[]);
    announce(
        &tx,
        &w.actor,
        &before,
        version + 1,
        "deleted",
        changes,
        w.now,
    )?;
    tx.commit()?;
    Ok(Written {
        record: (),
        added_events: true,
    })
}
