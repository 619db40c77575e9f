//! The append-only tables: audit log, outbox, events; and users.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::{StoreError, StoreResult, new_id, parse_ts, ts};
use crate::domain::*;
use crate::server::cursor;
use crate::server::problem::ApiProblem;

pub fn insert_audit(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    subject: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
) -> StoreResult<()> {
    insert_audit_changes(conn, at, actor, subject, action, target, detail, &[])
}

/// [`insert_audit`] with the fields the action changed.
#[allow(clippy::too_many_arguments)]
pub fn insert_audit_changes(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    subject: Option<&str>,
    action: &str,
    target: &str,
    detail: &str,
    changes: &[FieldChange],
) -> StoreResult<()> {
    let changes = if changes.is_empty() {
        None
    } else {
        Some(serde_json::to_string(changes).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    };
    conn.execute_later(
        "INSERT INTO audit (id, at, actor, subject, action, target, detail, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            new_id("au"),
            ts(at),
            actor,
            subject,
            action,
            target,
            detail,
            changes
        ],
    )?;
    Ok(())
}

/// Append an event; its id is the SSE `id:` that `Last-Event-ID` resumes from.
pub fn insert_event(
    conn: &Connection,
    name: &str,
    data: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // Nobody waits for the id (a stream reads every event after its last): on PostgreSQL the
    // insert goes with the next statement.
    conn.execute_later(
        "INSERT INTO events (name, data, at) VALUES (?1, ?2, ?3)",
        params![name, data, ts(at)],
    )?;
    Ok(())
}

/// Events after `after`, oldest first, at most `limit`.
pub fn events_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<(i64, String, String)>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, data FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn last_event_id(conn: &Connection) -> StoreResult<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM events", params![], |r| {
            r.get(0)
        })?,
    )
}

fn seq_cursor(c: Option<&str>) -> StoreResult<i64> {
    match c {
        None => Ok(i64::MAX),
        Some(c) => cursor::decode(c, 1)
            .and_then(|p| p[0].parse().ok())
            .ok_or_else(|| ApiProblem::invalid_cursor().into()),
    }
}

/// One newest-first page of an append-only table keyed by `seq`.
fn seq_page<T>(
    conn: &Connection,
    sql: &str,
    cursor_arg: Option<&str>,
    limit: u32,
    map: impl Fn(&super::db::Row<'_>) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let before = seq_cursor(cursor_arg)?;
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![before, limit as i64 + 1])?;
    let mut items = Vec::new();
    let mut last_seq = 0i64;
    while let Some(r) = rows.next()? {
        if items.len() == limit as usize {
            return Ok(Page {
                items,
                next_cursor: Some(cursor::encode(&[&last_seq.to_string()])),
            });
        }
        last_seq = r.get(0)?;
        items.push(map(&r)?);
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

pub fn list_audit(
    conn: &Connection,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<AuditEntry>> {
    seq_page(
        conn,
        "SELECT seq, id, at, actor, subject, action, target, detail, changes, subject_ref FROM audit
          WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        cursor,
        limit,
        |r| {
            Ok(AuditEntry {
                id: r.get(1)?,
                at: parse_ts(&r.get::<_, String>(2)?)?,
                actor: r.get(3)?,
                subject: r.get(4)?,
                action: r.get(5)?,
                target: r.get(6)?,
                detail: r.get(7)?,
                changes: match r.get::<_, Option<String>>(8)? {
                    None => Vec::new(),
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(format!("audit changes: {e}")))?,
                },
                subject_ref: match r.get::<_, Option<String>>(9)? {
                    None => None,
                    Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                        StoreError::Corrupt(format!("audit subject_ref: {e}"))
                    })?),
                },
            })
        },
    )
}

pub fn list_outbox(
    conn: &Connection,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<OutboxEmail>> {
    seq_page(
        conn,
        "SELECT seq, id, to_addr, subject, body, created_at FROM outbox WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        cursor,
        limit,
        |r| {
            Ok(OutboxEmail {
                id: r.get(1)?,
                to: r.get(2)?,
                subject: r.get(3)?,
                body: r.get(4)?,
                created_at: parse_ts(&r.get::<_, String>(5)?)?,
            })
        },
    )
}

/// A user as the server knows them.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl UserRow {
    /// The user as `GET /me` shows them, before their assignments are read (`hierarchy::me`).
    pub fn to_me(&self) -> Me {
        Me {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            assignments: Vec::new(),
        }
    }
}

fn user_from_row(r: &super::db::Row<'_>) -> super::db::Result<UserRow> {
    let role: String = r.get(3)?;
    Ok(UserRow {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
    })
}

pub fn user_by_token_hash(conn: &Connection, hash: &str) -> StoreResult<Option<UserRow>> {
    Ok(conn
        .prepare_cached("SELECT id, name, email, role FROM users WHERE token_hash = ?1")?
        .query_row([hash], user_from_row)
        .optional()?)
}

pub fn list_users(
    conn: &Connection,
    cursor_arg: Option<&str>,
    limit: u32,
) -> StoreResult<Page<Me>> {
    let after = match cursor_arg {
        None => String::new(),
        Some(c) => cursor::decode(c, 1)
            .map(|mut p| p.remove(0))
            .ok_or_else(ApiProblem::invalid_cursor)?,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, email, role FROM users WHERE name > ?1 ORDER BY name LIMIT ?2",
    )?;
    let mut items: Vec<Me> = stmt
        .query_map(params![after, limit as i64 + 1], user_from_row)?
        .map(|u| u.map(|u| u.to_me()))
        .collect::<Result<_, _>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|u| cursor::encode(&[&u.name]))
    } else {
        None
    };
    // Each user's assignments as `GET /me` would list them (an admin's page of a few users).
    for u in &mut items {
        u.assignments = super::hierarchy::assignments_of(conn, &u.id)?;
    }
    Ok(Page { items, next_cursor })
}

pub fn count_users(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users", params![], |r| r.get(0))?)
}
