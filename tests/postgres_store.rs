//! The store's connection on PostgreSQL holds back the statements whose answer nobody waits
//! for (a transaction's `BEGIN`, a row lock, an audit row) and sends them with the next one
//! that is waited for (`store::db::pg`). These tests pin down what that must not change: an
//! error of a held-back statement is an error of the write, which then leaves nothing behind;
//! a savepoint opened first in a transaction (a decision's) rolls back alone. Real PostgreSQL
//! (`support::postgres`), never skipped.
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
    store
        .write_now(|c| c.execute("INSERT INTO scratch VALUES ('a', 1)", params![]))
        .expect("a first row");

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
    store
        .write_now(|c| c.execute("INSERT INTO scratch VALUES ('a', 1)", params![]))
        .expect("a first row");
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
