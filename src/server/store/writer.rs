//! The writers: threads that run every `Store::write` on a writer connection, several writes
//! to a transaction (group commit). SQLite: one thread, and a second that syncs the
//! write-ahead log before any of those writes is acknowledged. PostgreSQL: a few threads, each
//! on a pooled connection, whose `COMMIT` is on disk when it returns.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use super::db::{self, Connection};
use super::pool::Pool;
use super::{StoreError, StoreResult};

/// A write waiting for a writer.
pub(super) trait Job: Send {
    /// Runs the write inside the batch's transaction; whether it succeeded. It may be run
    /// again: on PostgreSQL a write that would have waited for a lock while its batch held
    /// others is taken back and run first in a later batch ([`run_batch`]).
    fn run(&mut self, conn: &mut Connection) -> bool;
    /// Answers the caller once the batch's fate is known: `None`, committed and on disk;
    /// `Some`, not known to be, so the caller must not take it as done.
    fn answer(self: Box<Self>, failed: Option<&Failed>);
}

pub(super) type WriteJob = Box<dyn Job>;

/// Why the writes of a batch are not known to be done.
#[derive(Debug, Clone)]
pub(super) enum Failed {
    /// The database could not be reached (the caller may try again shortly).
    Unavailable(String),
    Other(String),
}

impl Failed {
    fn of(e: &db::Error, what: &str) -> Failed {
        let why = format!("{what}: {e}");
        if e.is_unavailable() {
            Failed::Unavailable(why)
        } else {
            Failed::Other(why)
        }
    }

    fn error(&self) -> StoreError {
        match self {
            Failed::Unavailable(why) => StoreError::Sql(db::Error::Unavailable(why.clone())),
            Failed::Other(why) => StoreError::Join(why.clone()),
        }
    }
}

/// A write, what it returned the last time it ran, and where that goes.
pub(super) struct Write<T, F> {
    f: F,
    result: Option<StoreResult<T>>,
    reply: Box<dyn FnOnce(StoreResult<T>) + Send>,
}

impl<T, F> Write<T, F>
where
    T: Send + 'static,
    F: FnMut(&mut Connection) -> StoreResult<T> + Send + 'static,
{
    pub(super) fn job(f: F, reply: impl FnOnce(StoreResult<T>) + Send + 'static) -> WriteJob {
        Box::new(Write {
            f,
            result: None,
            reply: Box::new(reply),
        })
    }
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: FnMut(&mut Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &mut Connection) -> bool {
        let result = (self.f)(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, failed: Option<&Failed>) {
        let result = match (failed, self.result) {
            (Some(failed), _) => Err(failed.error()),
            (None, Some(result)) => result,
            (None, None) => Err(StoreError::Join("the write was never run".into())),
        };
        (self.reply)(result)
    }
}

/// Makes everything committed so far durable: `fdatasync` of the write-ahead log. Called by
/// the log syncer's thread only.
pub(super) type SyncLog = Box<dyn FnMut() -> std::io::Result<()> + Send>;

/// At most this many queued writes share one commit.
const MAX_BATCH: usize = 64;

/// PostgreSQL writer threads per replica. Each runs its batches one round trip after another
/// on its own connection; two keep the database busy while one waits for its answer, and
/// leave the writes that arrive meanwhile to queue up into the next batches.
const POSTGRES_WRITERS: usize = 2;

/// How long a write that is not first in its PostgreSQL batch may wait for a lock (a row
/// another replica's batch is writing, an idempotency key another replica is answering)
/// before it gives up and runs first in a later batch. While it waits it holds the locks of
/// the writes before it in its batch, so two batches could otherwise wait for each other until
/// PostgreSQL's deadlock check (a second) broke it.
const LOCK_WAIT_IN_BATCH_MS: u32 = 10;

/// The threads that run every write, in batches.
///
/// SQLite has one writer at a time anyway; with a thread per request (tokio's blocking pool)
/// queueing on the writer's mutex, each write also waited for the next thread to be woken and
/// scheduled while holding nothing but the queue up. Here the next job is already queued when
/// one ends. PostgreSQL's writes ran so, one transaction each: each paid its own `BEGIN`, its
/// own `COMMIT` and sync of the log, and a blocking thread woken for it.
///
/// Group commit: the writes waiting in the queue when a thread takes one (up to
/// [`MAX_BATCH`]) run in one transaction, each inside its own savepoint (a job that fails
/// rolls back only itself). Jobs therefore use savepoints, never `BEGIN`.
///
/// SQLite's durability is off the writer's path: the writer connection commits with
/// synchronous=NORMAL (the commit is written to the log, not yet synced) and hands the
/// batch's answers to the log syncer, which `fdatasync`s the log and only then answers them.
/// One sync covers every batch committed before it started, so an acknowledged write is on
/// disk exactly as with synchronous=FULL, but the writer runs the next batch while the disk
/// works instead of waiting for it: with FULL, 70% of the writer's time at 1M rows was
/// COMMIT, most of it the sync (`SERVER_BENCH_ONLY=decisions cargo bench --bench
/// server_load`). Other connections may see a write a moment before it is synced; a kill -9
/// loses nothing either way (the log is in the OS's cache), only a power cut in that moment
/// could.
pub(super) struct Writers {
    queue: Arc<Queue>,
    threads: Vec<JoinHandle<()>>,
    /// SQLite's log syncer, ended once the writer is.
    syncer: Option<JoinHandle<()>>,
}

impl Writers {
    /// SQLite's writer thread on `writer`, and its log syncer.
    pub(super) fn sqlite(writer: Arc<Mutex<Connection>>, sync: SyncLog) -> StoreResult<Self> {
        let (committed, to_sync) = channel::<Vec<WriteJob>>();
        let syncer = std::thread::Builder::new()
            .name("sqlite-log-sync".into())
            .spawn(move || sync_and_answer(&to_sync, sync))
            .map_err(cannot_start)?;
        let run = move |batch: Vec<WriteJob>| {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            let ran = run_batch(&mut conn, batch);
            drop(conn);
            if !ran.committed.is_empty()
                && let Err(unsent) = committed.send(ran.committed)
            {
                let stopped = Failed::Other("the log syncer has stopped".into());
                unsent.0.into_iter().for_each(|j| j.answer(Some(&stopped)));
            }
            ran.deferred
        };
        let mut writers = Writers::start("sqlite-writer", 1, run)?;
        writers.syncer = Some(syncer);
        Ok(writers)
    }

    /// PostgreSQL's writer threads, each taking a connection of `pool` for each batch.
    pub(super) fn postgres(pool: Arc<Pool>) -> StoreResult<Self> {
        let run = move |batch: Vec<WriteJob>| {
            let mut conn = match pool.take() {
                Ok(conn) => conn,
                Err(e) => {
                    let failed = Failed::of(&e, "no connection to write with");
                    batch.into_iter().for_each(|j| j.answer(Some(&failed)));
                    return Vec::new();
                }
            };
            let ran = run_batch(&mut conn, batch);
            pool.give_back(conn);
            ran.committed.into_iter().for_each(|j| j.answer(None));
            ran.deferred
        };
        Writers::start("pg-writer", POSTGRES_WRITERS, run)
    }

    /// `threads` threads that take batches off the queue and `run` them; `run` returns the
    /// jobs to be run again, first thing.
    fn start(
        name: &str,
        threads: usize,
        run: impl Fn(Vec<WriteJob>) -> Vec<WriteJob> + Send + Sync + 'static,
    ) -> StoreResult<Self> {
        let queue = Arc::new(Queue::default());
        let run = Arc::new(run);
        let mut writers = Writers {
            queue: Arc::clone(&queue),
            threads: Vec::new(),
            syncer: None,
        };
        for _ in 0..threads {
            let (queue, run) = (Arc::clone(&queue), Arc::clone(&run));
            let thread = std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    while let Some(batch) = queue.take() {
                        queue.put_back(run(batch));
                    }
                })
                .map_err(cannot_start)?;
            writers.threads.push(thread);
        }
        Ok(writers)
    }

    /// How many threads take batches (each may be running one).
    pub(super) fn threads(&self) -> usize {
        self.threads.len()
    }

    pub(super) fn submit(&self, job: WriteJob) -> StoreResult<()> {
        self.queue
            .push(job)
            .map_err(|_| StoreError::Join("the database writer has stopped".into()))
    }
}

fn cannot_start(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot start the writer: {e}"))
}

/// The writes waiting for a writer thread.
#[derive(Default)]
struct Queue {
    waiting: Mutex<Waiting>,
    ready: Condvar,
}

#[derive(Default)]
struct Waiting {
    jobs: VecDeque<WriteJob>,
    /// No more jobs come; the threads end once the queue is empty.
    closed: bool,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, job: WriteJob) -> Result<(), WriteJob> {
        let mut waiting = self.lock();
        if waiting.closed {
            return Err(job);
        }
        waiting.jobs.push_back(job);
        drop(waiting);
        self.ready.notify_one();
        Ok(())
    }

    /// The jobs waiting (up to [`MAX_BATCH`]), once there is one; `None` once the queue is
    /// closed and empty.
    fn take(&self) -> Option<Vec<WriteJob>> {
        let mut waiting = self.lock();
        while waiting.jobs.is_empty() {
            if waiting.closed {
                return None;
            }
            waiting = self.ready.wait(waiting).unwrap_or_else(|p| p.into_inner());
        }
        let n = waiting.jobs.len().min(MAX_BATCH);
        Some(waiting.jobs.drain(..n).collect())
    }

    /// Jobs to run next, before those waiting, in their order.
    fn put_back(&self, jobs: Vec<WriteJob>) {
        if jobs.is_empty() {
            return;
        }
        let mut waiting = self.lock();
        for job in jobs.into_iter().rev() {
            waiting.jobs.push_front(job);
        }
        drop(waiting);
        self.ready.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

/// What became of a batch's jobs.
struct Ran {
    /// Committed: to be answered (on SQLite once the log is synced).
    committed: Vec<WriteJob>,
    /// Gave up waiting for a lock: to run again, first in a later batch.
    deferred: Vec<WriteJob>,
}

/// Runs `batch` in one transaction, each job in turn. Jobs that did not commit are answered
/// here.
///
/// On PostgreSQL each job's held-back statements go with the next job's first statement, so a
/// batch is about one round trip per job. Should one of them fail, its job was already taken
/// as done (and a failed statement that nothing rolled back leaves the transaction refusing the
/// rest): the batch is rolled back and its jobs run again, each in a transaction of its own.
/// Every job after the first that committed waits for a lock at most
/// [`LOCK_WAIT_IN_BATCH_MS`]; one that gives up is rolled back (its savepoint) and deferred.
fn run_batch(conn: &mut Connection, batch: Vec<WriteJob>) -> Ran {
    let mut deferred = Vec::new();
    let mut done: Vec<WriteJob> = Vec::new();
    let mut jobs = batch.into_iter();
    let mut started = false;
    let outcome = conn.in_transaction(|conn| -> Result<(), Stop> {
        started = true;
        let mut limited = false;
        for mut job in jobs.by_ref() {
            if !done.is_empty() && !limited {
                conn.limit_lock_waits(Some(LOCK_WAIT_IN_BATCH_MS));
                conn.end_of_write();
                limited = true;
            }
            let waits = conn.lock_waits_given_up();
            let Some(ok) = run_caught(conn, &mut job) else {
                continue;
            };
            conn.end_of_write();
            let gave_up = !ok && limited && conn.lock_waits_given_up() > waits;
            if gave_up {
                deferred.push(job)
            } else {
                done.push(job)
            }
            if conn.batch_broken() {
                return Err(Stop::Broken);
            }
        }
        if limited {
            // The `COMMIT` waits as any would (a `NOTIFY` in the batch takes a lock there).
            conn.limit_lock_waits(None);
            conn.end_of_write();
        }
        Ok(())
    });
    match outcome {
        Ok(()) => Ran {
            committed: done,
            deferred,
        },
        // The commit (or a statement) failed: what the batch did is not known to be done.
        Err(Stop::Failed(e)) if started && !conn.batch_broken() => {
            if let Some(c) = conn.sqlite()
                && !c.is_autocommit()
            {
                let _ = c.execute_batch("ROLLBACK");
            }
            let failed = Failed::of(&e, "the write was not committed");
            tracing::error!("{e}");
            done.into_iter().for_each(|j| j.answer(Some(&failed)));
            Ran {
                committed: Vec::new(),
                deferred,
            }
        }
        // Nothing of the batch was kept (or it never began): every job again, alone.
        Err(stop) => {
            tracing::warn!("running a batch of writes one by one: {stop}");
            let again = done.into_iter().chain(deferred).chain(jobs);
            Ran {
                committed: again.filter_map(|job| alone(conn, job)).collect(),
                deferred: Vec::new(),
            }
        }
    }
}

/// Why a batch's transaction was rolled back rather than committed.
#[derive(Debug, thiserror::Error)]
enum Stop {
    /// It can no longer keep the writes done in it ([`Connection::batch_broken`]).
    #[error("a write of the batch failed after it was done")]
    Broken,
    #[error("{0}")]
    Failed(#[from] db::Error),
}

/// Runs `job`; `None` if it panicked (it is dropped, so its caller gets an error, and its
/// savepoint rolls back as the panic unwinds).
fn run_caught(conn: &mut Connection, job: &mut WriteJob) -> Option<bool> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(conn))).ok()
}

/// Runs `job` in a transaction of its own; the job if it committed, else it is answered here.
fn alone(conn: &mut Connection, mut job: WriteJob) -> Option<WriteJob> {
    let mut panicked = false;
    let committed = conn.in_transaction(|conn| -> Result<(), db::Error> {
        panicked = run_caught(conn, &mut job).is_none();
        Ok(())
    });
    match committed {
        _ if panicked => None,
        Ok(()) => Some(job),
        Err(e) => {
            job.answer(Some(&Failed::of(&e, "the write was not committed")));
            None
        }
    }
}

/// The log syncer's loop: takes every batch committed so far, syncs once, answers them all.
fn sync_and_answer(to_sync: &Receiver<Vec<WriteJob>>, mut sync: SyncLog) {
    while let Ok(mut waiting) = to_sync.recv() {
        while let Ok(more) = to_sync.try_recv() {
            waiting.extend(more);
        }
        let failed = sync().err().map(|e| {
            let why = format!("the write was committed but could not be synced to disk: {e}");
            tracing::error!("{why}");
            Failed::Other(why)
        });
        waiting
            .into_iter()
            .for_each(|job| job.answer(failed.as_ref()));
    }
}

impl Drop for Writers {
    fn drop(&mut self) {
        self.queue.close();
        // (A job or an answer that held the last handle on the store ends here, on a writer
        // thread, which cannot wait for itself.)
        let here = std::thread::current().id();
        let mut joined = true;
        for t in self.threads.drain(..) {
            if t.thread().id() == here {
                joined = false;
            } else {
                let _ = t.join();
            }
        }
        // The writer's end closed the syncer's queue: it answers what is left and ends.
        if let Some(s) = self.syncer.take()
            && joined
            && s.thread().id() != here
        {
            let _ = s.join();
        }
    }
}

/// The write-ahead log of the database at `db`, opened on first use and kept open, for
/// `fdatasync`. A second descriptor on the same file: a sync flushes the file, not a
/// descriptor, and SQLite keeps the log file (the same inode) while any connection is open.
pub(super) fn log_file_sync(db: &Path) -> SyncLog {
    let mut path = db.as_os_str().to_owned();
    path.push("-wal");
    let path = PathBuf::from(path);
    let mut file: Option<File> = None;
    Box::new(move || match &file {
        Some(f) => f.sync_data(),
        None => {
            let f = File::open(&path)?;
            let synced = f.sync_data();
            file = Some(f);
            synced
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::TempDir;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    fn writer_on(dir: &TempDir) -> Arc<Mutex<Connection>> {
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER);")
            .unwrap();
        Arc::new(Mutex::new(conn))
    }

    /// Submits `n` writes. For each: `at_commit()` taken when the write has run, `at_answer()`
    /// when it is answered, and whether it was acknowledged as done (or why not).
    fn submit_writes<T: Send + 'static>(
        writer: &Writers,
        n: i64,
        at_commit: impl Fn() -> T + Clone + Send + 'static,
        at_answer: impl Fn() -> T + Clone + Send + 'static,
    ) -> Vec<(T, T, Result<(), String>)> {
        let (tx, rx) = channel();
        for i in 0..n {
            let (tx, at_commit, at_answer) = (tx.clone(), at_commit.clone(), at_answer.clone());
            let write = move |c: &mut Connection| -> StoreResult<T> {
                c.execute("INSERT INTO t (n) VALUES (?1)", [i])?;
                Ok(at_commit())
            };
            let reply = move |result: StoreResult<T>| {
                let _ = match result {
                    Ok(committed) => tx.send((committed, at_answer(), Ok(()))),
                    Err(e) => tx.send((at_answer(), at_answer(), Err(e.to_string()))),
                };
            };
            writer.submit(Write::job(write, reply)).unwrap();
        }
        drop(tx);
        rx.iter().collect()
    }

    /// Whether each of `n` writes was acknowledged as done.
    fn acknowledged(writer: &Writers, n: i64) -> Vec<Result<(), String>> {
        submit_writes(writer, n, || (), || ())
            .into_iter()
            .map(|(_, _, done)| done)
            .collect()
    }

    /// No write is acknowledged before a sync that started after its commit has returned,
    /// and one sync can serve several batches.
    #[test]
    fn a_write_is_acknowledged_only_after_the_log_is_synced() {
        let dir = TempDir::new("writer");
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let sync: SyncLog = {
            let (started, finished) = (Arc::clone(&started), Arc::clone(&finished));
            Box::new(move || {
                started.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                finished.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        };
        let writer = Writers::sqlite(writer_on(&dir), sync).unwrap();
        // At commit: the syncs begun by now, which may have missed the write. At the answer:
        // the syncs finished.
        let answers = submit_writes(&writer, 50, move || started.load(Ordering::SeqCst), {
            let finished = Arc::clone(&finished);
            move || finished.load(Ordering::SeqCst)
        });
        assert_eq!(answers.len(), 50);
        for (begun_at_commit, finished_at_answer, done) in &answers {
            assert!(done.is_ok());
            assert!(
                finished_at_answer > begun_at_commit,
                "answered only after a sync begun after its commit had finished"
            );
        }
        assert!(
            finished.load(Ordering::SeqCst) < 50,
            "writes committed while a sync ran share the next one"
        );
    }

    /// A write whose log could not be synced is not acknowledged as done, and the writer goes
    /// on with the next ones.
    #[test]
    fn a_write_whose_log_was_not_synced_is_not_acknowledged() {
        let dir = TempDir::new("writer");
        let fail = Arc::new(AtomicBool::new(true));
        let sync: SyncLog = {
            let fail = Arc::clone(&fail);
            Box::new(move || {
                if fail.load(Ordering::SeqCst) {
                    Err(std::io::Error::other("device full"))
                } else {
                    Ok(())
                }
            })
        };
        let writer = Writers::sqlite(writer_on(&dir), sync).unwrap();
        for answer in acknowledged(&writer, 5) {
            let why = answer.unwrap_err();
            assert!(
                why.contains("could not be synced") && why.contains("device full"),
                "{why}"
            );
        }
        fail.store(false, Ordering::SeqCst);
        assert!(acknowledged(&writer, 5).iter().all(Result::is_ok));
    }

    /// The real sync: the log file next to the database, found once it exists.
    #[test]
    fn the_log_file_sync_finds_the_databases_log() {
        let dir = TempDir::new("writer");
        let mut sync = log_file_sync(&dir.path().join("w.db"));
        assert!(sync().is_err(), "no log yet");
        let writer = writer_on(&dir);
        writer
            .lock()
            .unwrap()
            .execute("INSERT INTO t (n) VALUES (1)", super::super::db::params![])
            .unwrap();
        sync().unwrap();
    }
}
