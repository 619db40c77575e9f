//! Events written by the other replicas (PostgreSQL): one connection per replica LISTENs on
//! the channel the `events` table's trigger notifies at each commit (`schema_pg.sql`), and
//! wakes this replica's open streams as a local write does ([`super::events::Hub`]). The
//! streams then read the table, which holds every replica's events in one order.

use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::store::{self, Store};

/// How often the listener looks up from waiting to see whether the server is closing.
const POLL: Duration = Duration::from_millis(500);
/// How long it waits before connecting again after losing the database.
const RECONNECT: Duration = Duration::from_secs(1);

/// Starts the listener thread when the store is on PostgreSQL; it ends when `closing` is set.
pub fn start(store: &Store, wake: broadcast::Sender<i64>, closing: watch::Receiver<bool>) {
    if store.postgres().is_none() {
        return;
    }
    let store = store.clone();
    let spawned = std::thread::Builder::new()
        .name("pg-listen".into())
        .spawn(move || {
            while !*closing.borrow() {
                if let Err(e) = listen(&store, &wake, &closing) {
                    tracing::warn!("listening for other replicas' events: {e}; again in 1 s");
                    std::thread::sleep(RECONNECT);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the event listener: {e}");
    }
}

/// One connection's life: LISTEN, then wake the streams at each notification. After a
/// (re)connection the streams are woken once, for what was written while nobody listened.
fn listen(
    store: &Store,
    wake: &broadcast::Sender<i64>,
    closing: &watch::Receiver<bool>,
) -> store::StoreResult<()> {
    let pool = store.postgres().expect("a PostgreSQL store");
    let conn = pool.connect()?;
    let store::Connection::Postgres(pg) = &conn else {
        unreachable!("a PostgreSQL connection")
    };
    let schema: String = conn.query_row("SELECT current_schema()", store::db::params![], |r| {
        r.get(0)
    })?;
    conn.execute_batch(&format!(
        "LISTEN \"events:{}\"",
        schema.replace('"', "\"\"")
    ))?;
    let _ = wake.send(0);
    let mut client = pg.client();
    while !*closing.borrow() {
        let mut heard = false;
        {
            use postgres::fallible_iterator::FallibleIterator;
            let mut notifications = client.notifications();
            let mut waiting = notifications.timeout_iter(POLL);
            loop {
                match waiting.next() {
                    Ok(Some(_)) => heard = true,
                    Ok(None) => break,
                    Err(e) => return Err(store::db::Error::from(e).into()),
                }
            }
        }
        if heard {
            let _ = wake.send(0);
        }
        if client.is_closed() {
            return Err(store::StoreError::Corrupt("the connection closed".into()));
        }
    }
    Ok(())
}
