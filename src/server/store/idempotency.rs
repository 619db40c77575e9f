//! `Idempotency-Key` (API.md, "Writes to records"): a request that may be retried, a decision
//! or a create, names itself with a key; its answer is stored with the key, in the write's own
//! transaction, and a retry with the same key and the same request gets that answer again. The
//! same key with another request is refused (422 `idempotency_key_reused`). One writer runs
//! the writes in order, so a retry never finds the first still running: it waits for it and
//! then finds its answer.

use super::db::{Connection, LaterRows, params};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::{StoreResult, ts};
use crate::domain::codes;
use crate::server::problem::ApiProblem;

/// The caller's key and what makes "the same request" (a hash of the route, the record and
/// the canonical body).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub user_id: String,
    pub key: String,
    pub fingerprint: String,
}

/// A response as stored for replays, and as a write first answers it.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
    /// True when this is a replay of an earlier request with the same key.
    pub replayed: bool,
    /// Whether it added events, for which the streams are woken after commit (not on replays
    /// and refusals).
    pub added_events: bool,
}

/// The stored answer to an earlier request with this key, if there was one (422 if that
/// request was another one).
pub fn replay(conn: &Connection, k: &IdempotencyKey) -> StoreResult<Option<StoredResponse>> {
    replay_later(conn, k)?.answer(conn)
}

/// [`replay`], its read sent with the write's next statement rather than in a round trip of
/// its own (PostgreSQL; [`Connection::query_later`]): a write that goes on as if the key were
/// new, and looks at [`Earlier::answer`] before it keeps anything. A decision does: a
/// rejection is then two round trips to PostgreSQL instead of three.
pub fn replay_later(conn: &Connection, k: &IdempotencyKey) -> StoreResult<Earlier> {
    if conn.is_postgres() {
        // The same key at two replicas at once: the second waits here until the first has
        // committed its answer (below, `remember`), then replays it. SQLite's one writer
        // runs them one after the other anyway.
        conn.execute_later(
            "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
            params![format!("{}\n{}", k.user_id, k.key)],
        )?;
    }
    // Every statement here is prepared once per connection: parsing them again on each
    // decision cost more than running them.
    let rows = conn.query_later(
        "SELECT fingerprint, status, body, etag FROM idempotency WHERE user_id = ?1 AND key = ?2",
        params![k.user_id, k.key],
    )?;
    Ok(Earlier {
        rows,
        fingerprint: k.fingerprint.clone(),
    })
}

/// The answer an earlier request with the key left, once it has been read ([`replay_later`]).
pub struct Earlier {
    rows: LaterRows,
    fingerprint: String,
}

impl Earlier {
    /// The stored answer, if there is one (422 if it was for another request).
    pub fn answer(self, conn: &Connection) -> StoreResult<Option<StoredResponse>> {
        let mut rows = self.rows.rows(conn)?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let fingerprint: String = r.get(0)?;
        if fingerprint != self.fingerprint {
            return Err(ApiProblem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used for a different request; use a new key for a new request.",
            )
            .into());
        }
        Ok(Some(StoredResponse {
            status: r.get(1)?,
            body: r.get(2)?,
            etag: r.get(3)?,
            replayed: true,
            added_events: false,
        }))
    }
}

/// Keeps `response` as the answer to `k`, in the caller's transaction.
pub fn remember(
    conn: &Connection,
    k: &IdempotencyKey,
    response: &StoredResponse,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute_later(
        "INSERT INTO idempotency (user_id, key, fingerprint, status, body, etag, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            k.user_id,
            k.key,
            k.fingerprint,
            response.status,
            response.body,
            response.etag,
            ts(now)
        ],
    )?;
    Ok(())
}

/// Forget idempotency keys older than `keep` (API.md keeps them at least 24 h).
pub fn purge_idempotency(conn: &Connection, older_than: DateTime<Utc>) -> StoreResult<usize> {
    Ok(conn.execute(
        "DELETE FROM idempotency WHERE created_at < ?1",
        [ts(older_than)],
    )?)
}
