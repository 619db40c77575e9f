//! Writing the hierarchy (RECORDS.md §1): creating a node under its parent, editing a
//! distributor or a tenant, suspending and enabling, and the guarded, soft delete. Each write
//! is one transaction: who may (`hierarchy::authorize`), the version (`If-Match`), the change,
//! one audit entry and the events (`records::record_written`).

use super::db::{Connection, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::hierarchy::{Located, authorize, child_counts, id_prefix, located};
use super::idempotency::{IdempotencyKey, StoredResponse, remember, replay};
use super::nodes::{NewNodeRow, Record, get_record, insert_node};
use super::records::{RecordWrite, Written, field_change, record_written};
use super::{StoreError, StoreResult, UserRow, insert_event, new_id, partner_search_keys, ts};
use crate::domain::*;
use crate::server::problem::ApiProblem;

/// A node to create, its values checked and normalized (`routes::node_fields`).
pub struct NodeCreate {
    pub user: UserRow,
    pub level: Level,
    /// The distributor of a new partner, the partner of a new tenant.
    pub parent_id: Option<String>,
    pub name: String,
    pub contact: NodeContact,
    /// What the checks said of the values, answered with the node.
    pub warnings: Vec<FieldError>,
    /// The fields' 422, answered after the permission check.
    pub refused: Option<ApiProblem>,
    pub idempotency: IdempotencyKey,
    pub now: DateTime<Utc>,
}

/// A write to the node `id` of `level` by `user`, made against `if_match`.
pub struct NodeChange {
    pub user: UserRow,
    pub level: Level,
    pub id: String,
    pub if_match: i64,
    pub now: DateTime<Utc>,
}

/// Suspending (with the reason, already checked) or enabling.
pub enum Suspension {
    Suspend(String),
    Enable,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn unprocessable(code: &str, detail: String) -> StoreError {
    ApiProblem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail).into()
}

fn conflict(code: &str, detail: String) -> ApiProblem {
    ApiProblem::new(StatusCode::CONFLICT, code, detail)
}

/// The node as it is now, which it must be (the write found it a moment ago).
fn current(conn: &Connection, level: Level, id: &str) -> StoreResult<Record> {
    get_record(conn, level, id)?.ok_or_else(|| ApiProblem::not_found(level.as_str()).into())
}

/// `Creates a partner`: `POST /{collection}`, exactly once per `Idempotency-Key` (only a 201
/// is kept and replayed: a refusal may be corrected and sent again with the same key).
pub fn create_node(conn: &mut Connection, c: &NodeCreate) -> StoreResult<StoredResponse> {
    let tx = conn.savepoint()?;
    if let Some(earlier) = replay(&tx, &c.idempotency)? {
        return Ok(earlier);
    }
    let level = c.level;
    let parent = match (level.parent(), &c.parent_id) {
        (Some(parent_level), Some(id)) => Some((parent_level, located(&tx, parent_level, id)?)),
        (None, _) => None,
        (Some(parent_level), None) => {
            return Err(ApiProblem::not_found(parent_level.as_str()).into());
        }
    };
    let (lineage, doing) = match &parent {
        None => (Default::default(), format!("Creating a {}", level.as_str())),
        Some((parent_level, p)) => (
            p.lineage.clone(),
            format!(
                "Creating a {} under this {}",
                level.as_str(),
                parent_level.as_str()
            ),
        ),
    };
    authorize(&tx, &c.user, level, &lineage, &doing)?;
    if let Some(refused) = &c.refused {
        return Err(ApiProblem(refused.0.clone()).into());
    }
    if let Some((parent_level, p)) = &parent
        && p.standing.suspended()
    {
        let by = match &p.standing.suspended_by {
            Some(above) => format!(" by its {} {}", above.kind.as_str(), above.name),
            None => String::new(),
        };
        return Err(unprocessable(
            codes::PARENT_SUSPENDED,
            format!(
                "The {} {} is suspended{by}; nothing is created under a suspended {}.",
                parent_level.as_str(),
                p.name,
                parent_level.as_str()
            ),
        ));
    }
    let id = new_id(id_prefix(level));
    match level {
        Level::Partner => insert_partner(&tx, &id, c)?,
        _ => insert_node(
            &tx,
            &NewNodeRow {
                level,
                id: &id,
                parent_id: c.parent_id.as_deref(),
                name: &c.name,
                status: NodeStatus::Active,
                contact: &c.contact,
                created_at: c.now,
            },
        )?,
    }
    let record = current(&tx, level, &id)?;
    announce(
        &tx,
        &c.user,
        &record,
        "created",
        format!("Created the {} {}", level.as_str(), record.name()),
        record
            .fields()
            .into_iter()
            .map(|(f, v)| field_change(&f, "", &v))
            .collect(),
        c.now,
    )?;
    let out = StoredResponse {
        status: StatusCode::CREATED.as_u16(),
        body: json(&Saved {
            record: &record,
            warnings: c.warnings.clone(),
        })?,
        etag: Some(format!("\"{}\"", record.version())),
        replayed: false,
        added_events: true,
    };
    remember(&tx, &c.idempotency, &out, c.now)?;
    tx.commit()?;
    Ok(out)
}

/// A new partner: active, no package, its contact's time zone UTC, an invoice ID of its own.
fn insert_partner(conn: &Connection, id: &str, c: &NodeCreate) -> StoreResult<()> {
    // The id's last (random) digits: unique enough for a billing reference people read.
    let invoice = format!(
        "INV-{}-{}",
        c.now.format("%Y"),
        id[id.len().saturating_sub(8)..].to_uppercase()
    );
    let (q_approvals, q_partners) = partner_search_keys(
        &c.name,
        &c.contact.email,
        &invoice,
        &c.contact.name,
        &c.contact.phone,
    );
    conn.prepare_cached(
        "INSERT INTO partners (id, distributor_id, name, name_lower, status, invoice_id,
                contact_name, contact_email, contact_phone, contact_website, contact_time_zone,
                created_at, q_approvals, q_partners)
         VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7, ?8, '', 'UTC', ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        c.parent_id,
        c.name,
        c.name.to_lowercase(),
        invoice,
        c.contact.name,
        c.contact.email,
        c.contact.phone,
        ts(c.now),
        q_approvals,
        q_partners
    ])?;
    Ok(())
}

/// Finds the node of `w`, checks that its writer may do `doing` to it and that `If-Match` is
/// its version (412 with the node as it is now otherwise).
fn checked(conn: &Connection, w: &NodeChange, doing: &str) -> StoreResult<Located> {
    conn.lock_row(w.level.collection(), &w.id)?;
    let node = located(conn, w.level, &w.id)?;
    authorize(
        conn,
        &w.user,
        w.level,
        &node.lineage,
        &format!("{doing} this {}", w.level.as_str()),
    )?;
    if node.version != w.if_match {
        let detail = format!(
            "The {level} changed since you read it (your version {}, now {}); the current {level} is attached.",
            w.if_match,
            node.version,
            level = w.level.as_str()
        );
        return Err(ApiProblem::new(
            StatusCode::PRECONDITION_FAILED,
            codes::VERSION_MISMATCH,
            detail,
        )
        .with_record(current(conn, w.level, &w.id)?)
        .into());
    }
    Ok(node)
}

/// One audit entry (`{level}.{what}`) and `record.changed` for `record` as the write left it;
/// a partner's consoles that predate `record.changed` also get `partner.updated`.
fn announce(
    conn: &Connection,
    user: &UserRow,
    record: &Record,
    what: &str,
    detail: String,
    changes: Vec<FieldChange>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    record_written(
        conn,
        &RecordWrite {
            actor: &user.name,
            record: record.as_ref(),
            action: &format!("{}.{what}", record.level().as_str()),
            detail,
            changes,
            version: record.version(),
            now,
        },
    )?;
    if record.level() == Level::Partner {
        let data = json(&PartnerUpdated {
            id: record.id().to_string(),
        })?;
        insert_event(conn, EVENT_PARTNER_UPDATED, &data, now)?;
    }
    Ok(())
}

/// The column of each field a distributor or a tenant has.
fn column(field: ProfileField) -> Option<&'static str> {
    match field {
        ProfileField::Name => Some("name"),
        ProfileField::ContactName => Some("contact_name"),
        ProfileField::Email => Some("contact_email"),
        ProfileField::Phone => Some("contact_phone"),
        _ => None,
    }
}

fn value_in(record: &Record, field: ProfileField) -> &str {
    let (name, contact) = match record {
        Record::Distributor(d) => (&d.name, &d.contact),
        Record::Tenant(t) => (&t.name, &t.contact),
        Record::Partner(p) => return field.value_in(p),
    };
    match field {
        ProfileField::Name => name,
        ProfileField::ContactName => &contact.name,
        ProfileField::Email => &contact.email,
        ProfileField::Phone => &contact.phone,
        _ => "",
    }
}

/// `PATCH /distributors/{id}`, `PATCH /tenants/{id}`: the fields that changed (checked and
/// normalized). A patch that changes nothing answers the node as it is.
pub fn edit_node(
    conn: &mut Connection,
    w: &NodeChange,
    fields: &[(ProfileField, String)],
) -> StoreResult<Written<Record>> {
    let tx = conn.savepoint()?;
    checked(&tx, w, "Changing")?;
    let before = current(&tx, w.level, &w.id)?;
    let mut changes = Vec::new();
    // ?1 is the id; each changed column's value is numbered after it.
    let mut values: Vec<String> = vec![w.id.clone()];
    let mut sets = Vec::new();
    for (field, value) in fields {
        let (Some(col), was) = (column(*field), value_in(&before, *field)) else {
            continue;
        };
        if was == value {
            continue;
        }
        changes.push(field_change(field.pointer(), was, value));
        values.push(value.clone());
        sets.push(format!("{col} = ?{}", values.len()));
        if *field == ProfileField::Name {
            // Folded in Rust like every other `name_lower` (SQLite's lower() is ASCII only).
            values.push(value.to_lowercase());
            sets.push(format!("name_lower = ?{}", values.len()));
        }
    }
    if changes.is_empty() {
        return Ok(Written {
            record: before,
            added_events: false,
        });
    }
    tx.prepare_cached(&format!(
        "UPDATE {} SET {}, version = version + 1 WHERE id = ?1",
        w.level.collection(),
        sets.join(", ")
    ))?
    .execute(super::db::params_from_iter(&values))?;
    let after = current(&tx, w.level, &w.id)?;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    let detail = format!("Changed: {}", fields.join(", "));
    announce(&tx, &w.user, &after, "updated", detail, changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: after,
        added_events: true,
    })
}

/// A new version for the node: every write that changes it.
pub(super) fn bump(conn: &Connection, level: Level, id: &str) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "UPDATE {} SET version = version + 1 WHERE id = ?1",
        level.collection()
    ))?
    .execute([id])?;
    Ok(())
}

/// `POST …/{id}/suspend` and `…/enable`. Suspending a node that is suspended already, or
/// enabling one that is not, changes nothing. A partner gets back the status it had before
/// (a pending partner stays pending).
pub fn suspend_node(
    conn: &mut Connection,
    w: &NodeChange,
    to: &Suspension,
) -> StoreResult<Written<Record>> {
    let tx = conn.savepoint()?;
    let doing = match to {
        Suspension::Suspend(_) => "Suspending",
        Suspension::Enable => "Enabling",
    };
    let node = checked(&tx, w, doing)?;
    let before = current(&tx, w.level, &w.id)?;
    let suspend = matches!(to, Suspension::Suspend(_));
    if node.own_suspended == suspend {
        return Ok(Written {
            record: before,
            added_events: false,
        });
    }
    let table = w.level.collection();
    match (to, w.level) {
        (Suspension::Suspend(reason), Level::Partner) => tx.execute(
            "UPDATE partners SET status_before_suspension = status, status = 'suspended',
                    suspended_reason = ?2 WHERE id = ?1",
            params![w.id, reason],
        )?,
        (Suspension::Enable, Level::Partner) => tx.execute(
            "UPDATE partners SET status = coalesce(status_before_suspension, 'active'),
                    status_before_suspension = NULL, suspended_reason = NULL WHERE id = ?1",
            params![w.id],
        )?,
        (Suspension::Suspend(reason), _) => tx.execute(
            &format!(
                "UPDATE {table} SET status = 'suspended', suspended_reason = ?2 WHERE id = ?1"
            ),
            params![w.id, reason],
        )?,
        (Suspension::Enable, _) => tx.execute(
            &format!("UPDATE {table} SET status = 'active', suspended_reason = NULL WHERE id = ?1"),
            params![w.id],
        )?,
    };
    bump(&tx, w.level, &w.id)?;
    let after = current(&tx, w.level, &w.id)?;
    let status = |r: &Record| match r {
        Record::Distributor(d) => d.status.as_str(),
        Record::Partner(p) => p.summary.status.as_str(),
        Record::Tenant(t) => t.status.as_str(),
    };
    let changes = vec![field_change("/status", status(&before), status(&after))];
    let (what, detail) = match to {
        Suspension::Suspend(reason) => ("suspended", format!("Suspended: {reason}")),
        Suspension::Enable => ("enabled", "Enabled".to_string()),
    };
    announce(&tx, &w.user, &after, what, detail, changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: after,
        added_events: true,
    })
}

/// `DELETE /{collection}/{id}`, guarded: not while the node has children (409 `has_children`
/// with the counts), only once it is suspended itself (409 `not_suspended`), and a partner not
/// while requests of it wait in a queue (409 `has_pending_approvals`: they are decided
/// first). Soft: the row stays for the history, out of every list and lookup; the audit entry
/// keeps every field it had.
pub fn delete_node(conn: &mut Connection, w: &NodeChange) -> StoreResult<Written<()>> {
    let tx = conn.savepoint()?;
    let node = checked(&tx, w, "Deleting")?;
    let level = w.level.as_str();
    let counts = child_counts(&tx, w.level, &w.id)?;
    if counts.partners.unwrap_or(0) + counts.tenants.unwrap_or(0) > 0 {
        let mut p = conflict(
            codes::HAS_CHILDREN,
            format!(
                "The {level} {} still has {counts}; delete or move them first.",
                node.name
            ),
        );
        p.0.counts = Some(counts);
        return Err(p.into());
    }
    if !node.own_suspended {
        return Err(conflict(
            codes::NOT_SUSPENDED,
            format!(
                "The {level} {} is not suspended; suspend it first, then delete it.",
                node.name
            ),
        )
        .into());
    }
    if w.level == Level::Partner {
        let pending: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM approvals WHERE partner_id = ?1 AND status = 'pending'",
            )?
            .query_row([&w.id], |r| r.get(0))?;
        if pending > 0 {
            return Err(conflict(
                codes::HAS_PENDING_APPROVALS,
                format!(
                    "The partner {} has {pending} pending request{}; decide {} first.",
                    node.name,
                    if pending == 1 { "" } else { "s" },
                    if pending == 1 { "it" } else { "them" }
                ),
            )
            .into());
        }
    }
    let before = current(&tx, w.level, &w.id)?;
    tx.prepare_cached(&format!(
        "UPDATE {} SET deleted_at = ?2, version = version + 1 WHERE id = ?1",
        w.level.collection()
    ))?
    .execute(params![w.id, ts(w.now)])?;
    let changes = before
        .fields()
        .into_iter()
        .map(|(f, v)| field_change(&f, &v, ""))
        .collect();
    let mut gone = before.clone();
    match &mut gone {
        Record::Distributor(d) => d.version += 1,
        Record::Partner(p) => p.summary.version += 1,
        Record::Tenant(t) => t.version += 1,
    }
    let detail = format!("Deleted the {level} {}", before.name());
    announce(&tx, &w.user, &gone, "deleted", detail, changes, w.now)?;
    tx.commit()?;
    Ok(Written {
        record: (),
        added_events: true,
    })
}
