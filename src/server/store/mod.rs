//! The SQL side of the server. One writer connection (SQLite allows one writer at a time; a
//! mutex makes that explicit and cheap) and a few readers, all in WAL mode so readers never
//! wait for the writer. Callers run store functions on a blocking thread (`Store::read` /
//! `Store::write` do the `spawn_blocking`).

mod approvals;
mod audit;
mod decide;
mod impersonation;
mod partners;
mod schema;
#[cfg(test)]
mod tests;

pub use approvals::*;
pub use audit::*;
pub use decide::*;
pub use impersonation::*;
pub use partners::*;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};

use super::problem::ApiProblem;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("a background task failed: {0}")]
    Join(String),
    /// A refusal that goes to the client as it is (404, 409, 412, ...).
    #[error("{}", .0.0.detail)]
    Problem(ApiProblem),
}

impl From<ApiProblem> for StoreError {
    fn from(p: ApiProblem) -> Self {
        StoreError::Problem(p)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

const READERS: usize = 4;

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Store {
    pub fn open(path: &Path) -> StoreResult<Store> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Corrupt(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Store {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Run `f` on a reader connection, on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read_now(f))
            .await
            .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Run `f` on the writer connection, on a blocking thread.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.write_now(f))
            .await
            .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Synchronous forms, for start-up (seeding) and blocking contexts.
    pub fn read_now<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let i = self.inner.next_reader.fetch_add(1, Ordering::Relaxed) % self.inner.readers.len();
        let conn = self.inner.readers[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    pub fn write_now<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }
}

fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL: readers never block the writer; synchronous=FULL: a decision acknowledged with a 200
    // is on disk, so a kill -9 right after loses nothing (QUALITY.md 12).
    conn.pragma_update(None, "journal_mode", "WAL")
        .or_else(|_| Ok::<(), rusqlite::Error>(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Timestamps are stored as fixed-width RFC 3339 UTC text, so text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {s:?}: {e}")))
}

pub fn parse_opt_ts(s: Option<String>) -> StoreResult<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// A new opaque id with a readable prefix (`ap_…`, `pt_…`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// SHA-256 of a token, hex: tokens are stored only as hashes.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `LIKE` pattern for a case-insensitive substring match, with the wildcards escaped.
pub fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
