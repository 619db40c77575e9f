//! Secrets the server keeps in its database, so that what they sign survives a restart.

use super::db::{Connection, OptionalExtension, params};

use super::{StoreError, StoreResult};

/// The key that signs cursors (`crate::server::cursor`): 32 random bytes, made the first time
/// the database is opened.
pub fn cursor_key(conn: &Connection) -> StoreResult<[u8; 32]> {
    secret(conn, "cursor_hmac")
}

fn secret(conn: &Connection, name: &str) -> StoreResult<[u8; 32]> {
    let read = |conn: &Connection| -> StoreResult<Option<Vec<u8>>> {
        Ok(conn
            .prepare_cached("SELECT value FROM secrets WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    };
    let value = match read(conn)? {
        Some(v) => v,
        None => {
            // Two v4 UUIDs: 244 bits from the operating system's generator.
            let mut fresh = Vec::with_capacity(32);
            fresh.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            fresh.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            conn.prepare_cached(
                "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )?
            .execute(params![name, fresh])?;
            read(conn)?.unwrap_or(fresh)
        }
    };
    value
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("the secret {name} is not 32 bytes")))
}
