//! Impersonation sessions: a token scoped to one partner, time-limited, dead once ended.

use super::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Utc};

use axum::http::StatusCode;

use super::hierarchy::located;
use super::{StoreResult, insert_audit, parse_opt_ts, parse_ts, ts};
use crate::domain::{Level, codes};
use crate::server::problem::ApiProblem;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub csr_id: String,
    pub csr_name: String,
    pub partner_id: String,
    pub partner_name: String,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

const SESSION_SELECT: &str =
    "SELECT i.id, i.csr_id, u.name, i.partner_id, p.name, i.expires_at, i.ended_at
      FROM impersonations i JOIN users u ON u.id = i.csr_id JOIN partners p ON p.id = i.partner_id";

fn session_from_row(
    r: &super::db::Row<'_>,
) -> super::db::Result<(SessionRow, String, Option<String>)> {
    Ok((
        SessionRow {
            id: r.get(0)?,
            csr_id: r.get(1)?,
            csr_name: r.get(2)?,
            partner_id: r.get(3)?,
            partner_name: r.get(4)?,
            expires_at: DateTime::<Utc>::MIN_UTC,
            ended_at: None,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

fn finish(row: Option<(SessionRow, String, Option<String>)>) -> StoreResult<Option<SessionRow>> {
    let Some((mut s, expires, ended)) = row else {
        return Ok(None);
    };
    s.expires_at = parse_ts(&expires)?;
    s.ended_at = parse_opt_ts(ended)?;
    Ok(Some(s))
}

pub fn session_by_token_hash(conn: &Connection, hash: &str) -> StoreResult<Option<SessionRow>> {
    let sql = format!("{SESSION_SELECT} WHERE i.token_hash = ?1");
    finish(
        conn.prepare_cached(&sql)?
            .query_row([hash], session_from_row)
            .optional()?,
    )
}

pub fn session_by_id(conn: &Connection, id: &str) -> StoreResult<Option<SessionRow>> {
    let sql = format!("{SESSION_SELECT} WHERE i.id = ?1");
    finish(
        conn.prepare_cached(&sql)?
            .query_row([id], session_from_row)
            .optional()?,
    )
}

/// The name of the partner `id` if it may be impersonated now: 404 if there is none (or it
/// was deleted), 409 `partner_suspended` if it is suspended, by itself or by its distributor
/// (sessions started before go on until they end).
pub fn impersonable(conn: &Connection, id: &str) -> StoreResult<String> {
    let partner = located(conn, Level::Partner, id)?;
    if partner.standing.suspended() {
        let by = match &partner.standing.suspended_by {
            Some(above) => format!(" by its {} {}", above.kind.as_str(), above.name),
            None => String::new(),
        };
        return Err(ApiProblem::new(
            StatusCode::CONFLICT,
            codes::PARTNER_SUSPENDED,
            format!(
                "{} is suspended{by}; a suspended partner cannot be impersonated.",
                partner.name
            ),
        )
        .into());
    }
    Ok(partner.name)
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub csr_id: &'a str,
    pub csr_name: &'a str,
    pub partner_id: &'a str,
    pub partner_name: &'a str,
    pub reason: &'a str,
    pub started_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn start_session(conn: &mut Connection, s: &NewSession<'_>) -> StoreResult<()> {
    let tx = conn.savepoint()?;
    tx.execute(
        "INSERT INTO impersonations (id, token_hash, csr_id, partner_id, reason, started_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![s.id, s.token_hash, s.csr_id, s.partner_id, s.reason, ts(s.started_at), ts(s.expires_at)],
    )?;
    insert_audit(
        &tx,
        s.started_at,
        s.csr_name,
        Some(s.partner_name),
        "impersonation.start",
        s.id,
        &format!("reason: {}", s.reason),
    )?;
    tx.commit()?;
    Ok(())
}

/// End a session; `false` if it had already ended (ending twice is not an error).
pub fn end_session(
    conn: &mut Connection,
    s: &SessionRow,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let tx = conn.savepoint()?;
    let changed = tx.execute(
        "UPDATE impersonations SET ended_at = ?1 WHERE id = ?2 AND ended_at IS NULL",
        params![ts(now), s.id],
    )?;
    if changed == 1 {
        insert_audit(
            &tx,
            now,
            by,
            Some(&s.partner_name),
            "impersonation.end",
            &s.id,
            "ended",
        )?;
    }
    tx.commit()?;
    Ok(changed == 1)
}
