//! The store's connection on PostgreSQL holds back the statements whose answer nobody waits
//! for (a transaction's `BEGIN`, a row lock, an audit row) and sends them with the next one
//! that is waited for (`store::db::pg`). These tests pin down what that must not change: an
//! error of a held-back statement is an error of the write, which then leaves nothing behind;
//! a savepoint opened first in a transaction (a decision's) rolls back alone. And the writers'
//! group commit (`store::writer`): writes queued together share a transaction yet fail alone,
//! one that meets a lock gives up its place, and a failure heard after a write ended is that
//! write's alone. Real PostgreSQL (`support::postgres`), never skipped.
#![cfg(feature = "server")]

mod support;

use partner_console::server::{Location, Store};
use rusqlite::params;
use support::TempDir;

/// A store on a new schema of the test cluster, with a table of its own to write.
fn store(label: &str) -> (TempDir, Store) {
    let dir = TempDir::new(label);
    let url = support::postgres::schema_url(&dir.path().join("store.db"));
    let (store, ()) = Store::open_at(&Location::parse(&url), |_| ()).expect("the store opens");
    store
        .write_now(|c| c.execute_batch("CREATE TABLE scratch (id TEXT PRIMARY KEY, n BIGINT)"))
        .expect("a table");
    (dir, store)
}

fn ids(store: &Store) -> Vec<String> {
    store
        .read_now(|c| {
            c.prepare("SELECT id FROM scratch ORDER BY id")?
                .query_map(params![], |r| r.get(0))?
                .collect()
        })
        .expect("the rows")
}

#[test]
fn an_error_of_a_held_back_statement_fails_the_write_and_leaves_nothing() {
    let (_dir, store) = store("pg-held-back");
    write_alone(&store, "INSERT INTO scratch VALUES ('a', 1)");

    let written = store.write_now(|c| {
        c.execute_later("INSERT INTO scratch VALUES ('b', 2)", params![])?;
        // A duplicate key: refused by the server, but only heard with the next answer.
        c.execute_later("INSERT INTO scratch VALUES ('a', 3)", params![])?;
        c.execute_later("INSERT INTO scratch VALUES ('c', 4)", params![])?;
        c.query_row("SELECT count(*) FROM scratch", params![], |r| {
            r.get::<_, i64>(0)
        })
    });
    let error = written.expect_err("the duplicate fails the write");
    assert!(error.is_constraint_violation(), "{error}");
    assert_eq!(ids(&store), ["a"], "nothing of the failed write is left");

    // Held back to the end: the COMMIT hears the error, and the write fails.
    let committed = store.write_now(|c| {
        c.execute_later("INSERT INTO scratch VALUES ('d', 5)", params![])?;
        c.execute_later("INSERT INTO scratch VALUES ('a', 6)", params![])
    });
    assert!(
        committed
            .expect_err("the commit fails")
            .is_constraint_violation(),
        "the duplicate's own error"
    );
    assert_eq!(ids(&store), ["a"]);

    // The connection goes on serving writes.
    store
        .write_now(|c| c.execute_later("INSERT INTO scratch VALUES ('e', 7)", params![]))
        .expect("a write after the failed ones");
    assert_eq!(ids(&store), ["a", "e"]);
}

#[test]
fn a_savepoint_opened_first_in_a_transaction_rolls_back_alone() {
    let (_dir, store) = store("pg-first-savepoint");
    store
        .write_now(|c| {
            {
                // First in the write's transaction: a decision's savepoint. Dropped: undone.
                let sp = c.savepoint()?;
                sp.execute("INSERT INTO scratch VALUES ('x', 1)", params![])?;
                let refused = sp.execute("INSERT INTO scratch VALUES ('x', 2)", params![]);
                assert!(refused.expect_err("a duplicate").is_constraint_violation());
            }
            c.execute("INSERT INTO scratch VALUES ('y', 3)", params![])?;
            let sp = c.savepoint()?;
            sp.execute_later("INSERT INTO scratch VALUES ('z', 4)", params![])?;
            sp.commit()
        })
        .expect("the write commits what was not rolled back");
    assert_eq!(ids(&store), ["y", "z"]);

    store
        .write_now(|c| {
            let sp = c.savepoint()?;
            sp.execute("INSERT INTO scratch VALUES ('w', 5)", params![])?;
            sp.commit()
        })
        .expect("a savepoint committed is the write");
    assert_eq!(ids(&store), ["w", "y", "z"]);
}

/// A read sent ahead (`query_later`, a decision's idempotency lookup) is answered in the round
/// trip of the next statement, as it was before that statement ran; read alone, it is sent
/// then. The rows are the same as a read at once would give.
#[test]
fn a_read_sent_ahead_sees_the_rows_before_the_statement_it_goes_with() {
    let (_dir, store) = store("pg-read-ahead");
    write_alone(&store, "INSERT INTO scratch VALUES ('a', 1)");
    let (ahead, changed, alone) = store
        .write_now(|c| {
            let ahead = c.query_later("SELECT id, n FROM scratch ORDER BY id", params![])?;
            let changed = c.execute("UPDATE scratch SET n = n + 1", params![])?;
            let mut rows = ahead.rows(c)?;
            let mut seen = Vec::new();
            while let Some(r) = rows.next()? {
                seen.push((r.get::<_, String>(0)?, r.get::<_, i64>(1)?));
            }
            let alone = c.query_later("SELECT n FROM scratch WHERE id = ?1", params!["a"])?;
            let n: i64 = alone.rows(c)?.next()?.expect("a row").get(0)?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((seen, changed, n))
        })
        .expect("the write");
    assert_eq!(ahead, [("a".to_string(), 1)], "read before the update");
    assert_eq!((changed, alone), (1, 2), "and the update after it");
}

/// The wake-ups a replica sends the others (`Announcer`): at once when it has been quiet, and
/// the many asked for while one is being sent gathered into one more, not one each. Heard as
/// another replica hears them: a LISTEN on the schema's channel.
#[tokio::test(flavor = "multi_thread")]
async fn wake_ups_for_events_are_sent_at_once_and_gathered_under_load() {
    let dir = TempDir::new("pg-announce");
    let url = support::postgres::schema_url(&dir.path().join("store.db"));
    // The store's connections block on runtimes of their own: opened and dropped off this one.
    let at = Location::parse(&url);
    let (store, ()) = tokio::task::spawn_blocking(move || Store::open_at(&at, |_| ()))
        .await
        .unwrap()
        .expect("the store opens");
    let (heard_tx, heard) = std::sync::mpsc::channel::<std::time::Instant>();
    let listening = std::sync::Arc::new(std::sync::Barrier::new(2));
    let ready = std::sync::Arc::clone(&listening);
    let listen_url = url.clone();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&listen_url, postgres::NoTls).expect("listen");
        let schema: String = client
            .query_one("SELECT current_schema()::text", &[])
            .unwrap()
            .get(0);
        client
            .batch_execute(&format!("LISTEN \"events:{schema}\""))
            .unwrap();
        ready.wait();
        let mut notes = client.notifications();
        let mut it = notes.timeout_iter(std::time::Duration::from_secs(5));
        use postgres::fallible_iterator::FallibleIterator;
        while let Ok(Some(_)) = it.next() {
            if heard_tx.send(std::time::Instant::now()).is_err() {
                break;
            }
        }
    });
    listening.wait();
    let (closing, closed) = tokio::sync::watch::channel(false);
    let announcer = partner_console::server::Announcer::start(&store, "test", closed);

    // A hundred commits at once: one wake-up now, one for all the others.
    let asked = std::time::Instant::now();
    for _ in 0..100 {
        announcer.committed();
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let burst: Vec<_> = heard.try_iter().collect();
    assert!(
        (1..=2).contains(&burst.len()),
        "a hundred wake-ups asked for together are sent as one or two, not {}",
        burst.len()
    );
    assert!(
        burst[0] - asked < std::time::Duration::from_millis(400),
        "the first goes at once, not after {:?}",
        burst[0] - asked
    );

    // Quiet since: the next goes at once, alone.
    let asked = std::time::Instant::now();
    announcer.committed();
    let next = heard
        .recv_timeout(std::time::Duration::from_secs(2))
        .expect("a wake-up after a quiet spell");
    assert!(
        next - asked < std::time::Duration::from_millis(400),
        "{:?}",
        next - asked
    );

    closing.send_replace(true);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    tokio::task::spawn_blocking(move || drop(store))
        .await
        .unwrap();
}

/// A store on a new schema with the scratch table, opened off the test's runtime (its
/// connections block on runtimes of their own).
async fn store_async(label: &str) -> (TempDir, Store) {
    let label = label.to_string();
    tokio::task::spawn_blocking(move || store(&label))
        .await
        .unwrap()
}

/// Drops `store` off the runtime, for the same reason.
async fn close(store: Store) {
    tokio::task::spawn_blocking(move || drop(store))
        .await
        .unwrap();
}

/// [`ids`], off the runtime.
async fn ids_off(store: &Store) -> Vec<String> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || ids(&store))
        .await
        .unwrap()
}

/// Runs `sql` as a write of its own (a first row).
fn write_alone(store: &Store, sql: &str) {
    store
        .write_now(|c| c.execute(sql, params![]))
        .expect("a write of its own");
}

/// [`write_alone`], off the runtime.
async fn write_off(store: &Store, sql: &'static str) {
    let store = store.clone();
    tokio::task::spawn_blocking(move || write_alone(&store, sql))
        .await
        .unwrap();
}

/// Every writer thread of a store held inside a write, until `release`: the writes submitted
/// meanwhile queue up and go together, in order, into the next batch.
struct Occupied {
    go: std::sync::mpsc::Sender<()>,
    holding: Vec<tokio::task::JoinHandle<()>>,
}

async fn occupy(store: &Store) -> Occupied {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
    let mut holding = Vec::new();
    for _ in 0..store.writer_threads() {
        // One at a time: each is running (so on a thread of its own) before the next is sent.
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let mut started = Some(started);
        let (store, wait) = (store.clone(), std::sync::Arc::clone(&wait));
        holding.push(tokio::spawn(async move {
            store
                .write(move |_c| {
                    if let Some(s) = started.take() {
                        let _ = s.send(());
                    }
                    let _ = wait
                        .lock()
                        .unwrap()
                        .recv_timeout(std::time::Duration::from_secs(20));
                    Ok(())
                })
                .await
                .expect("the holding write");
        }));
        running
            .await
            .expect("a writer thread takes the holding write");
    }
    Occupied { go, holding }
}

impl Occupied {
    async fn release(self) {
        for _ in &self.holding {
            let _ = self.go.send(());
        }
        for h in self.holding {
            h.await.unwrap();
        }
    }
}

/// After a statement of a write in [`queued_writes`]: none, or one sent at once or held back.
enum Then {
    Nothing,
    Now(&'static str),
    Later(&'static str),
}

/// `n` writes submitted while every writer is held, so that they go in one batch, in order;
/// write `i` inserts the row `{prefix}{i}` (held back), then runs `then(i)`, in a savepoint.
/// What each answered: the id of the transaction it committed in, or its error.
async fn queued_writes(
    store: &Store,
    n: usize,
    prefix: &'static str,
    then: fn(usize) -> Then,
) -> Vec<Result<i64, String>> {
    let busy = occupy(store).await;
    let writes: Vec<_> = (0..n)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write(move |c| {
                        let sp = c.savepoint()?;
                        sp.execute_later(
                            "INSERT INTO scratch VALUES (?1, ?2)",
                            params![format!("{prefix}{i}"), i as i64],
                        )?;
                        match then(i) {
                            Then::Nothing => {}
                            Then::Now(sql) => {
                                sp.execute(sql, params![])?;
                            }
                            Then::Later(sql) => sp.execute_later(sql, params![])?,
                        }
                        let tx: i64 =
                            sp.query_row("SELECT txid_current()", params![], |r| r.get(0))?;
                        sp.commit()?;
                        Ok(tx)
                    })
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    // Every write is queued before a writer comes free.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    busy.release().await;
    futures_util::future::join_all(writes)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// Group commit (`store::writer`): writes queued together run in one transaction, one after
/// the other, and one that fails (after writing) is rolled back alone; the others commit.
#[tokio::test(flavor = "multi_thread")]
async fn writes_queued_together_share_a_transaction_and_fail_alone() {
    let (_dir, store) = store_async("pg-batch").await;
    // Written, then refused: its savepoint takes it back.
    let results = queued_writes(&store, 6, "w", |i| match i {
        3 => Then::Now("INSERT INTO scratch VALUES ('w3', 0)"),
        _ => Then::Nothing,
    })
    .await;
    let refused = results[3].as_ref().expect_err("the duplicate");
    assert!(refused.contains("duplicate"), "{refused}");
    let transactions: Vec<i64> = results
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(i, r)| *r.as_ref().unwrap_or_else(|e| panic!("write {i}: {e}")))
        .collect();
    assert!(
        transactions.windows(2).all(|t| t[0] == t[1]),
        "queued together, committed together: {transactions:?}"
    );
    assert_eq!(ids_off(&store).await, ["w0", "w1", "w2", "w4", "w5"]);
    close(store).await;
}

/// A write taken as done whose held-back statement then fails (heard only with the next
/// write's first statement) cannot stay in the batch: the batch is run again one write at a
/// time, so that write fails alone and the others are kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_held_back_statement_fails_after_it_ended_fails_alone() {
    let (_dir, store) = store_async("pg-batch-broken").await;
    write_off(&store, "INSERT INTO scratch VALUES ('a', 1)").await;
    // A duplicate, refused only when sent: after this write has ended.
    let results = queued_writes(&store, 3, "x", |i| match i {
        1 => Then::Later("INSERT INTO scratch VALUES ('a', 2)"),
        _ => Then::Nothing,
    })
    .await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    let refused = results[1]
        .as_ref()
        .expect_err("the duplicate fails its own write");
    assert!(refused.contains("duplicate"), "{refused}");
    assert_eq!(ids_off(&store).await, ["a", "x0", "x2"]);
    close(store).await;
}

/// A write that is not first in its batch does not wait for a lock another transaction holds
/// (it would hold up the writes before it, and two batches could wait for each other): it
/// gives up at once, its work is undone, the others commit, and it runs again first in a
/// later batch, where it waits as long as it takes, and is done once.
#[tokio::test(flavor = "multi_thread")]
async fn a_write_that_meets_a_lock_in_a_batch_runs_again_first_in_the_next() {
    let (dir, store) = store_async("pg-batch-lock").await;
    write_off(&store, "INSERT INTO scratch VALUES ('x', 1)").await;
    // Another transaction (another replica's, say) holds the row.
    let url = support::postgres::schema_url(&dir.path().join("store.db"));
    let (locked_tx, locked) = std::sync::mpsc::channel::<()>();
    let (unlock, unlocked) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut tx = client.transaction().unwrap();
        tx.execute("SELECT 1 FROM scratch WHERE id = 'x' FOR UPDATE", &[])
            .unwrap();
        locked_tx.send(()).unwrap();
        let _ = unlocked.recv_timeout(std::time::Duration::from_secs(20));
        tx.commit().unwrap();
    });
    locked.recv().unwrap();

    let busy = occupy(&store).await;
    let free = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(|c| {
                    let sp = c.savepoint()?;
                    sp.execute("INSERT INTO scratch VALUES ('free', 0)", params![])?;
                    sp.commit()?;
                    Ok(())
                })
                .await
        })
    };
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let blocked = {
        let (store, runs) = (store.clone(), std::sync::Arc::clone(&runs));
        tokio::spawn(async move {
            store
                .write(move |c| {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let sp = c.savepoint()?;
                    sp.execute_later("INSERT INTO scratch VALUES ('mine', 0)", params![])?;
                    sp.execute("UPDATE scratch SET n = n + 1 WHERE id = 'x'", params![])?;
                    sp.commit()?;
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    busy.release().await;

    // The free write is done while the row is still held; the other waits for it.
    tokio::time::timeout(std::time::Duration::from_secs(5), free)
        .await
        .expect("the write before it commits without waiting for the lock")
        .unwrap()
        .expect("the free write");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!blocked.is_finished(), "the locked write waits for the row");
    assert!(
        runs.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "it gave up and ran again"
    );

    unlock.send(()).unwrap();
    holder.join().unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), blocked)
        .await
        .expect("done once the row is free")
        .unwrap()
        .expect("the locked write");
    let (written, n) = tokio::task::spawn_blocking({
        let store = store.clone();
        move || {
            let n: i64 = store
                .read_now(|c| {
                    c.query_row("SELECT n FROM scratch WHERE id = 'x'", params![], |r| {
                        r.get(0)
                    })
                })
                .unwrap();
            (ids(&store), n)
        }
    })
    .await
    .unwrap();
    assert_eq!(
        written,
        ["free", "mine", "x"],
        "what its first run wrote was undone"
    );
    assert_eq!(n, 2, "updated once, though run twice");
    close(store).await;
}

/// A transaction in which a statement failed and nothing rolled it back is refused at its
/// `COMMIT`: PostgreSQL would answer that `COMMIT` with a `ROLLBACK` and no error, and the
/// write would pass for done.
#[test]
fn a_write_that_ignored_a_failed_statement_does_not_pass_for_committed() {
    let (_dir, store) = store("pg-commit-failed");
    write_alone(&store, "INSERT INTO scratch VALUES ('a', 1)");
    let ignored = store.write_now(|c| {
        c.execute("INSERT INTO scratch VALUES ('b', 2)", params![])?;
        let _ = c.execute("INSERT INTO scratch VALUES ('a', 3)", params![]);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });
    assert!(ignored.is_err(), "not reported as committed");
    assert_eq!(ids(&store), ["a"]);
}
