//! What makes replicas on one PostgreSQL database one service, beyond the database itself:
//! each hears what the others write and have open.
//!
//! - **Events**: one connection per replica LISTENs on the channel `events:SCHEMA`, which every
//!   write that added events notifies right after its commit (`PgConn::commit`), and wakes
//!   this replica's open streams as a local write does ([`super::events::Hub`]); the streams
//!   then read the table, which holds every replica's events in one order.
//! - **Presence**: this replica's consoles' changes ([`Note`]) are sent with `pg_notify` on the
//!   channel `presence:SCHEMA`, and the others' are put on this replica's board as heard.
//!
//! Channels carry the schema's name, so several services in one database hear only their own.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};

use super::presence::{Note, PresenceBoard};
use super::store::{self, Store};

/// How often the listener looks up from waiting to see whether the server is closing.
const POLL: Duration = Duration::from_millis(500);
/// How long it waits before connecting again after losing the database.
const RECONNECT: Duration = Duration::from_secs(1);

/// A presence note as it travels: from which replica (so that one ignores its own).
#[derive(serde::Serialize, serde::Deserialize)]
struct Told {
    replica: String,
    note: Note,
}

/// When the store is on PostgreSQL: starts the listener thread and the task that tells the
/// other replicas of this one's presence changes; both end when `closing` is set.
pub fn start(
    store: &Store,
    wake: broadcast::Sender<()>,
    closing: watch::Receiver<bool>,
    presence: Arc<PresenceBoard>,
) {
    if store.postgres().is_none() {
        return;
    }
    let replica = uuid::Uuid::new_v4().simple().to_string();
    let (notes, mut to_tell) = mpsc::unbounded_channel::<Note>();
    presence.share_with(notes);
    let teller = store.clone();
    let me = replica.clone();
    tokio::spawn(async move {
        while let Some(note) = to_tell.recv().await {
            let told = Told {
                replica: me.clone(),
                note,
            };
            let Ok(payload) = serde_json::to_string(&told) else {
                continue;
            };
            let sent = teller
                .write(move |c| {
                    c.query_row(
                        "SELECT pg_notify('presence:' || current_schema(), ?1)::text",
                        store::db::params![payload],
                        |_| Ok(()),
                    )?;
                    Ok(())
                })
                .await;
            if let Err(e) = sent {
                tracing::warn!("telling the other replicas who has what open: {e}");
            }
        }
    });
    let store = store.clone();
    let spawned = std::thread::Builder::new()
        .name("pg-listen".into())
        .spawn(move || {
            while !*closing.borrow() {
                if let Err(e) = listen(&store, &wake, &closing, &presence, &replica) {
                    tracing::warn!("listening to the other replicas: {e}; again in 1 s");
                    std::thread::sleep(RECONNECT);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the listener of the other replicas: {e}");
    }
}

/// One connection's life: LISTEN, then wake the streams at each event and put each other
/// replica's presence note on the board. After a (re)connection the streams are woken once,
/// for what was written while nobody listened.
fn listen(
    store: &Store,
    wake: &broadcast::Sender<()>,
    closing: &watch::Receiver<bool>,
    presence: &PresenceBoard,
    replica: &str,
) -> store::StoreResult<()> {
    let pool = store.postgres().expect("a PostgreSQL store");
    let mut client = pool.listener()?;
    let pg = |e: postgres::Error| store::StoreError::from(store::db::Error::from(e));
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .map_err(pg)?
        .try_get(0)
        .map_err(pg)?;
    let quoted = schema.replace('"', "\"\"");
    client
        .batch_execute(&format!(
            "LISTEN \"events:{quoted}\"; LISTEN \"presence:{quoted}\""
        ))
        .map_err(pg)?;
    let events_channel = format!("events:{schema}");
    let _ = wake.send(());
    while !*closing.borrow() {
        let mut heard_events = false;
        {
            use postgres::fallible_iterator::FallibleIterator;
            let mut notifications = client.notifications();
            let mut waiting = notifications.timeout_iter(POLL);
            loop {
                match waiting.next() {
                    Ok(Some(n)) if n.channel() == events_channel => heard_events = true,
                    Ok(Some(n)) => match serde_json::from_str::<Told>(n.payload()) {
                        Ok(told) if told.replica != replica => presence.heard(told.note),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("a presence note that is not one: {e}"),
                    },
                    Ok(None) => break,
                    Err(e) => return Err(store::db::Error::from(e).into()),
                }
            }
        }
        if heard_events {
            let _ = wake.send(());
        }
        if client.is_closed() {
            return Err(store::StoreError::Corrupt("the connection closed".into()));
        }
    }
    Ok(())
}
