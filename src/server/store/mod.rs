//! The SQL side of the server, on either database ([`db`]).
//!
//! SQLite: one writer connection (SQLite allows one writer at a time), driven by one thread
//! that runs the writes in order (`Store::write`), a few readers, all in WAL mode so readers
//! never wait for the writer (`Store::read` runs on a blocking thread), and a checkpointer
//! thread that copies the log into the database file off the writer's path.
//!
//! PostgreSQL ([`pool`]): a pool of connections; each write is a transaction of its own,
//! and the database keeps writes from several replicas apart.

mod admins;
mod approvals;
mod audit;
mod catalogue;
mod catalogue_writes;
pub mod db;
mod decide;
mod distributors;
mod effects;
mod export;
mod hierarchy;
mod idempotency;
mod impersonation;
mod keyset;
mod lead_settings;
mod node_writes;
mod nodes;
mod partners;
mod period_writes;
mod periods;
mod pool;
mod portal_invites;
mod profile;
mod query;
mod records;
mod rules;
mod schema;
mod search;
mod secrets;
mod stats;
mod submissions;
mod tenants;
#[cfg(test)]
mod tests;
mod vouchers;
mod writer;

pub use admins::*;
pub use approvals::*;
pub use audit::*;
pub use catalogue::*;
pub use catalogue_writes::*;
pub use decide::*;
pub use distributors::*;
pub use export::*;
pub use hierarchy::{UNASSIGNED_DISTRIBUTOR, id_prefix, me};
pub use idempotency::{IdempotencyKey, StoredResponse, purge_idempotency};
pub use impersonation::*;
pub use lead_settings::{
    LeadSettingsEdit, apply_merge_patch, edit_lead_settings, lead_settings, refusal,
};
pub use node_writes::*;
pub use nodes::{NewNodeRow, Record, insert_node};
pub use partners::*;
pub use period_writes::{
    PeriodChange, PeriodCreate, PeriodValues, change_period, create_period, import_period,
    remove_period,
};
pub use periods::{
    Untagged, list_expiring, list_periods, partner_products, period_noun, target_member,
};
pub use portal_invites::{InviteRequest, portal_invite};
pub use profile::*;
pub use records::Written;
pub use search::partner_search_keys;
pub use secrets::cursor_key;
pub use stats::*;
pub use submissions::*;
pub use tenants::*;
pub use vouchers::*;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::OpenFlags;

pub use db::Connection;

use super::problem::ApiProblem;
use crate::domain::timestamp;
use writer::{Write, Writers};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] db::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database cannot be used as asked (a wrong `--db`, an unreachable or refusing
    /// server, a schema newer than this build): the user's to fix, said in one sentence.
    #[error("{0}")]
    Setup(String),
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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e.into())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Where the data lives: a SQLite file, or a PostgreSQL database (`postgres://…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `--db`: a `postgres://` or `postgresql://` URL, else a file.
    pub fn parse(arg: &str) -> Location {
        if arg.starts_with("postgres://") || arg.starts_with("postgresql://") {
            Location::Postgres(arg.to_string())
        } else {
            Location::Sqlite(PathBuf::from(arg))
        }
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::Sqlite(p)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(url),
        }
    }
}

const READERS: usize = 4;

#[derive(Clone)]
pub struct Store {
    inner: Arc<Backend>,
}

enum Backend {
    Sqlite(Sqlite),
    /// One pool for writes, shared with the writer threads that run `Store::write` jobs on
    /// its connections, and one for reads (`pool::READS`), boxed as it is big.
    Postgres {
        writes: Arc<pool::Pool>,
        reads: Box<pool::Pool>,
        writers: Writers,
    },
}

struct Sqlite {
    writer: Arc<Mutex<Connection>>,
    /// Runs `Store::write` jobs; stops (and is waited for) when the store goes, before the
    /// checkpointer.
    writers: Writers,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Stops (and is waited for) when the store goes.
    _checkpointer: Checkpointer,
}

/// How often the checkpointer copies the write-ahead log into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// The writer checkpoints by itself only past this many log pages (40 MB). Under a steady
/// stream of writes the checkpointer never sees the log fully copied between two commits, so
/// the log would only grow; the writer's own checkpoint, between two of its transactions,
/// finishes what the checkpointer left (little) and lets the next transaction start the log
/// over. So the log stays under ~40 MB.
const WRITER_AUTOCHECKPOINT_PAGES: i64 = 10_000;
/// Page caches, in KiB (SQLite's negative `cache_size`). A reader holds the pages a few lists
/// walk. The writer's cache is small on purpose, and it maps the file like the readers: it
/// reads clean pages from the mapping and keeps mostly the pages it dirties.
///
/// Why small: when B-tree balancing reorders new pages, SQLite gives one of them the page
/// number of the locking page (the one at 1 GiB) for a moment, and the page cache remembers that
/// number as its largest key. At every COMMIT SQLite then drops the cached pages past the end
/// of the database, and for a database under 1 GiB that is a scan of the cache's whole hash
/// table, one slot per cached page. With 64 MB (16,384 pages) that scan was 14% of the writer's
/// time at 1M history rows (perf probes on `pcache1TruncateUnsafe`: largest key 0x40001 at each
/// commit). With 4 MB and the mapping, decisions/s went from 1,110–1,171 to 1,376–1,667 on the
/// same copy of a 1M database (16 MB: 1,242–1,359; `SERVER_BENCH_ONLY=decisions cargo bench
/// --bench server_load`).
const WRITER_CACHE_KIB: i64 = -4 * 1024;
const READER_CACHE_KIB: i64 = -16 * 1024;
/// Connections map the database file (up to this many bytes) instead of copying its pages into
/// each connection's cache with `pread`: they share the OS page cache, and a page one list read
/// is warm for the next list on any reader. Pages still in the log are read from the log as
/// before.
const MMAP_BYTES: i64 = 2 * 1024 * 1024 * 1024;

/// Copies the write-ahead log into the database file on its own thread and connection.
///
/// SQLite otherwise checkpoints inside the commit that crosses `wal_autocheckpoint` (every
/// 1,000 pages; a decision writes a dozen), so every few dozen decisions one waited for a copy
/// of the log and a sync of the database file while holding the only writer. Here nothing
/// waits for it: it is a PASSIVE checkpoint, which copies what it can without blocking the
/// writer or the readers. Durability is unchanged: each write is synced to the log before it
/// is acknowledged ([`Writers`]); only the later copy into the database file moves.
struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> StoreResult<Checkpointer> {
        let conn = rusqlite::Connection::open(path)?;
        configure(&conn)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    // (busy, log pages, pages copied); busy only means another checkpoint ran.
                    if let Err(e) =
                        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0))
                    {
                        tracing::warn!("checkpoint failed: {e}");
                    }
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the checkpointer: {e}")))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Creates the database file 0600 (and its directory 0700) before SQLite opens it, if it does
/// not exist yet: it holds partners' contact data, the audit log and token hashes. SQLite
/// gives the `-wal` and `-shm` files the database file's mode. A file that exists keeps the
/// mode its owner gave it.
fn create_private(path: &Path) -> StoreResult<()> {
    let cannot = |what: &Path, e: std::io::Error| {
        StoreError::Corrupt(format!("cannot create {}: {e}", what.display()))
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        crate::owner_only::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    }
    // An empty file is an empty database to SQLite; an existing one is neither truncated nor
    // changed.
    crate::owner_only::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| cannot(path, e))?;
    Ok(())
}

impl Store {
    pub fn open(path: &Path) -> StoreResult<Store> {
        Self::open_at(&Location::Sqlite(path.to_path_buf()), |_| ()).map(|(store, ())| store)
    }

    /// [`Store::open_at`] a SQLite file.
    pub fn open_with<T>(
        path: &Path,
        prepare: impl FnOnce(&mut Connection) -> T,
    ) -> StoreResult<(Store, T)> {
        Self::open_at(&Location::Sqlite(path.to_path_buf()), prepare)
    }

    /// Open and migrate, then run `prepare` while no other connection of this process is
    /// open (a first seed uses that to load without the write-ahead log; on PostgreSQL it runs
    /// under the migration lock, so replicas starting together seed once). Returns what
    /// `prepare` returned, next to the store.
    pub fn open_at<T>(
        at: &Location,
        prepare: impl FnOnce(&mut Connection) -> T,
    ) -> StoreResult<(Store, T)> {
        let (backend, prepared) = match at {
            Location::Sqlite(path) => {
                let (sqlite, prepared) = Sqlite::open(path, prepare)?;
                (Backend::Sqlite(sqlite), prepared)
            }
            Location::Postgres(url) => {
                let (writes, prepared) = pool::Pool::open(url, prepare)?;
                let reads = Box::new(writes.for_reads());
                let writes = Arc::new(writes);
                let writers = Writers::postgres(Arc::clone(&writes))?;
                (
                    Backend::Postgres {
                        writes,
                        reads,
                        writers,
                    },
                    prepared,
                )
            }
        };
        Ok((
            Store {
                inner: Arc::new(backend),
            },
            prepared,
        ))
    }

    /// The PostgreSQL pool, when the store is on PostgreSQL (events across replicas).
    pub fn postgres(&self) -> Option<&pool::Pool> {
        match &*self.inner {
            Backend::Postgres { writes, .. } => Some(writes),
            Backend::Sqlite(_) => None,
        }
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

    /// Run `f` as one write, on a writer thread, after the writes queued before it, inside a
    /// transaction it may share with other writes (see [`Writers`]): `f` groups its statements
    /// in a savepoint (`conn.savepoint()`), never a transaction of its own, and may be run
    /// more than once (PostgreSQL: after giving up a lock another replica held; what the
    /// earlier run wrote is rolled back). The answer comes once the transaction has
    /// committed and is on disk.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnMut(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let writers = match &*self.inner {
            Backend::Sqlite(sqlite) => &sqlite.writers,
            Backend::Postgres { writers, .. } => writers,
        };
        let (reply, replied) = tokio::sync::oneshot::channel();
        writers.submit(Write::job(f, move |result| {
            let _ = reply.send(result);
        }))?;
        replied
            .await
            .map_err(|_| StoreError::Join("a write failed without an answer".into()))?
    }

    /// How many writes can be running at once, each in its own batch ([`Writers`]).
    pub fn writer_threads(&self) -> usize {
        match &*self.inner {
            Backend::Sqlite(sqlite) => sqlite.writers.threads(),
            Backend::Postgres { writers, .. } => writers.threads(),
        }
    }

    /// Synchronous forms, for start-up (seeding) and blocking contexts. On SQLite a
    /// `write_now` commit is in the log (it survives a kill -9) but is synced to disk only by
    /// the next `Store::write` or checkpoint: nothing a client is told about goes through it.
    /// On PostgreSQL `write_now` is a transaction of its own, committed when it returns `Ok`.
    pub fn read_now<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<db::Error>,
    {
        match &*self.inner {
            Backend::Sqlite(s) => {
                let i = s.next_reader.fetch_add(1, Ordering::Relaxed) % s.readers.len();
                let conn = s.readers[i].lock().unwrap_or_else(|p| p.into_inner());
                f(&conn)
            }
            Backend::Postgres { reads, .. } => reads.with(|conn| f(conn))?,
        }
    }

    pub fn write_now<T, E>(&self, f: impl FnOnce(&mut Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<db::Error>,
    {
        match &*self.inner {
            Backend::Sqlite(s) => {
                let mut conn = s.writer.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut conn)
            }
            Backend::Postgres { writes, .. } => writes.with(|conn| conn.in_transaction(f))?,
        }
    }
}

impl Sqlite {
    fn open<T>(
        path: &Path,
        prepare: impl FnOnce(&mut Connection) -> T,
    ) -> StoreResult<(Sqlite, T)> {
        create_private(path)?;
        let writer = rusqlite::Connection::open(path)?;
        configure(&writer)?;
        let mut writer = Connection::Sqlite(writer);
        schema::migrate(&mut writer)?;
        let prepared = prepare(&mut writer);
        let Connection::Sqlite(writer) = writer else {
            unreachable!("opened as SQLite")
        };
        writer.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT_PAGES)?;
        writer.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        writer.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        // Each write runs in a savepoint (group commit, `Writers`), and SQLite keeps a
        // savepoint's undo pages in a temporary file: in memory they cost no writes to disk.
        writer.pragma_update(None, "temp_store", "MEMORY")?;
        let log_sync = writer_durability(&writer, path)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
                c.pragma_update(None, "mmap_size", MMAP_BYTES)?;
                // A list's SQL depends on its filters (kinds, partners and titles searched):
                // room for the variants a few consoles use, each parsed once.
                c.set_prepared_statement_cache_capacity(64);
                Ok(Mutex::new(Connection::Sqlite(c)))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let writer = Arc::new(Mutex::new(Connection::Sqlite(writer)));
        let sqlite = Sqlite {
            writers: Writers::sqlite(Arc::clone(&writer), log_sync)?,
            writer,
            readers,
            next_reader: AtomicUsize::new(0),
            _checkpointer: Checkpointer::start(path)?,
        };
        Ok((sqlite, prepared))
    }
}

/// How the writer's commits reach the disk. In WAL mode the writer commits with
/// synchronous=NORMAL and its thread's log syncer syncs the log before any write is
/// acknowledged (see [`Writers`]). Should the file system refuse WAL mode, the writer
/// keeps synchronous=FULL, so each commit syncs itself and there is nothing left to sync.
fn writer_durability(writer: &rusqlite::Connection, path: &Path) -> StoreResult<writer::SyncLog> {
    let mode: String = writer.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("the database is in {mode} mode, not WAL; every commit syncs itself");
        return Ok(Box::new(|| Ok(())));
    }
    writer.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(writer::log_file_sync(path))
}

fn configure(conn: &rusqlite::Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL: readers never block the writer; synchronous=FULL: a commit is on disk when it
    // returns, so a kill -9 (or a power cut) right after loses nothing (QUALITY.md 12). The
    // writer moves that sync off its path (`writer_durability`), without weakening it.
    conn.pragma_update(None, "journal_mode", "WAL")
        .or_else(|_| Ok::<(), rusqlite::Error>(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Timestamps are stored as fixed-width RFC 3339 UTC text, so text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    timestamp::millis(t)
}

/// `t` to the millisecond, as it is stored: what a write compares must be what it keeps.
pub fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    t.with_nanosecond(t.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(t)
}

pub fn parse_ts(s: &str) -> StoreResult<DateTime<Utc>> {
    timestamp::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad timestamp {s:?}")))
}

pub fn parse_opt_ts(s: Option<String>) -> StoreResult<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// A new opaque id with a readable prefix (`ap_…`, `pt_…`). Time-ordered (UUIDv7): a row
/// inserted now goes at the end of its `id` index, on a page the write before it touched,
/// instead of on a random page of it (audit and outbox rows: a random page per decision each).
/// Never a secret: tokens are random (v4).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// A new secret token with a readable prefix (`imp_…`): 244 random bits (two UUIDv4s), never
/// stored but as its [`token_hash`].
pub fn new_secret(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
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
