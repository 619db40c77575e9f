//! The writer: one thread runs every write in order on the writer connection, several to a
//! transaction (group commit), and a second thread syncs the write-ahead log to disk before
//! any of those writes is acknowledged.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::db::Connection;

use super::{StoreError, StoreResult};

/// A write: runs on the writer connection inside the batch's transaction and returns how to
/// answer its caller once that transaction's fate is known (`None`: committed and on disk;
/// `Some(why)`: not known to be on disk, so the caller must not take it as done).
pub(super) type WriteJob = Box<dyn FnOnce(&mut Connection) -> Answer + Send>;
pub(super) type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

/// Makes everything committed so far durable: `fdatasync` of the write-ahead log. Called by
/// the log syncer's thread only.
pub(super) type SyncLog = Box<dyn FnMut() -> std::io::Result<()> + Send>;

/// At most this many queued writes share one commit.
const MAX_BATCH: usize = 64;

/// One thread that runs every asynchronous write, one after the other, on the writer
/// connection, with group commit; and one that syncs the log behind it.
///
/// SQLite has one writer at a time anyway; with a thread per request (tokio's blocking pool)
/// queueing on the writer's mutex, each write also waited for the next thread to be woken and
/// scheduled while holding nothing but the queue up. Here the next job is already in the
/// channel when one ends.
///
/// Group commit: the writes waiting in the queue when the thread takes one (up to
/// [`MAX_BATCH`]) run in one `BEGIN IMMEDIATE … COMMIT`, each inside its own savepoint (a job
/// that fails rolls back only itself). Jobs therefore use savepoints, never `BEGIN`.
///
/// Durability off the writer's path: the writer connection commits with synchronous=NORMAL
/// (the commit is written to the log, not yet synced) and hands the batch's answers to the
/// log syncer, which `fdatasync`s the log and only then answers them. One sync covers every
/// batch committed before it started, so an acknowledged write is on disk exactly as with
/// synchronous=FULL, but the writer runs the next batch while the disk works instead of
/// waiting for it: with FULL, 70% of the writer's time at 1M rows was COMMIT, most of it the
/// sync (`SERVER_BENCH_ONLY=decisions cargo bench --bench server_load`). Other connections
/// may see a write a moment before it is synced; a kill -9 loses nothing either way (the log
/// is in the OS's cache), only a power cut in that moment could.
pub(super) struct WriterThread {
    jobs: Option<Sender<WriteJob>>,
    thread: Option<JoinHandle<()>>,
    syncer: Option<JoinHandle<()>>,
}

impl WriterThread {
    pub(super) fn start(writer: Arc<Mutex<Connection>>, sync: SyncLog) -> StoreResult<Self> {
        let spawn_error =
            |e: std::io::Error| StoreError::Corrupt(format!("cannot start the writer: {e}"));
        let (committed, to_sync) = channel::<Vec<Answer>>();
        let syncer = std::thread::Builder::new()
            .name("sqlite-log-sync".into())
            .spawn(move || sync_and_answer(&to_sync, sync))
            .map_err(spawn_error)?;
        let (jobs, queue) = channel::<WriteJob>();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                    let answers = run_batch(&mut conn, batch);
                    drop(conn);
                    if answers.is_empty() {
                        continue;
                    }
                    if let Err(unsent) = committed.send(answers) {
                        unsent
                            .0
                            .into_iter()
                            .for_each(|answer| answer(Some("the log syncer has stopped")));
                    }
                }
            })
            .map_err(spawn_error)?;
        Ok(WriterThread {
            jobs: Some(jobs),
            thread: Some(thread),
            syncer: Some(syncer),
        })
    }

    pub(super) fn submit(&self, job: WriteJob) -> StoreResult<()> {
        self.jobs
            .as_ref()
            .and_then(|j| j.send(job).ok())
            .ok_or_else(|| StoreError::Join("the database writer has stopped".into()))
    }
}

/// Runs `batch` in one transaction. Returns the answers of the writes it committed (to be
/// given once the log is synced); a failed commit is answered here.
fn run_batch(conn: &mut Connection, batch: Vec<WriteJob>) -> Vec<Answer> {
    // A panicking job drops its reply channel (its caller gets an error) and its savepoint
    // rolls back; the others go on.
    let run = |conn: &mut Connection, job: WriteJob| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn))).ok()
    };
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::warn!("cannot start a batch of writes ({e}); running them one by one");
        // Without the outer transaction each job's savepoint is a transaction of its own.
        return batch.into_iter().filter_map(|job| run(conn, job)).collect();
    }
    let answers: Vec<Answer> = batch.into_iter().filter_map(|job| run(conn, job)).collect();
    match conn.execute_batch("COMMIT") {
        Ok(()) => answers,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            let why = format!("the write was not committed: {e}");
            tracing::error!("{why}");
            answers.into_iter().for_each(|answer| answer(Some(&why)));
            Vec::new()
        }
    }
}

/// The log syncer's loop: takes every batch committed so far, syncs once, answers them all.
fn sync_and_answer(to_sync: &Receiver<Vec<Answer>>, mut sync: SyncLog) {
    while let Ok(mut waiting) = to_sync.recv() {
        while let Ok(more) = to_sync.try_recv() {
            waiting.extend(more);
        }
        let failed = sync().err().map(|e| {
            let why = format!("the write was committed but could not be synced to disk: {e}");
            tracing::error!("{why}");
            why
        });
        waiting
            .into_iter()
            .for_each(|answer| answer(failed.as_deref()));
    }
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        drop(self.jobs.take());
        // (A job or an answer that held the last handle on the store ends here, on the
        // thread itself, which cannot wait for itself.)
        let elsewhere = |t: &JoinHandle<()>| t.thread().id() != std::thread::current().id();
        if let Some(t) = self.thread.take()
            && elsewhere(&t)
        {
            let _ = t.join();
            // The writer's end closed the syncer's queue: it answers what is left and ends.
            if let Some(s) = self.syncer.take()
                && elsewhere(&s)
            {
                let _ = s.join();
            }
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
        writer: &WriterThread,
        n: i64,
        at_commit: impl Fn() -> T + Clone + Send + 'static,
        at_answer: impl Fn() -> T + Clone + Send + 'static,
    ) -> Vec<(T, T, Result<(), String>)> {
        let (tx, rx) = channel();
        for i in 0..n {
            let (tx, at_commit, at_answer) = (tx.clone(), at_commit.clone(), at_answer.clone());
            writer
                .submit(Box::new(move |c: &mut Connection| -> Answer {
                    c.execute("INSERT INTO t (n) VALUES (?1)", [i]).unwrap();
                    let committed = at_commit();
                    Box::new(move |failed: Option<&str>| {
                        let done = failed.map_or(Ok(()), |why| Err(why.to_string()));
                        let _ = tx.send((committed, at_answer(), done));
                    })
                }))
                .unwrap();
        }
        drop(tx);
        rx.iter().collect()
    }

    /// Whether each of `n` writes was acknowledged as done.
    fn acknowledged(writer: &WriterThread, n: i64) -> Vec<Result<(), String>> {
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
        let writer = WriterThread::start(writer_on(&dir), sync).unwrap();
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
        let writer = WriterThread::start(writer_on(&dir), sync).unwrap();
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
