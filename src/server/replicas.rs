//! What makes replicas on one PostgreSQL database one service, beyond the database itself:
//! each hears what the others write and have open.
//!
//! - **Events**: one connection per replica LISTENs on the channel `events:SCHEMA`, and wakes
//!   this replica's open streams as a local write does ([`super::events::Hub`]); the streams
//!   then read the table, which holds every replica's events in one order. A replica that
//!   committed events says so on that channel ([`Announcer`]): at once when it has been quiet,
//!   and under load once per [`GATHER`] for all it committed meanwhile, since each `NOTIFY` wakes
//!   every replica's listener and cost a sixth of the decisions a second when each write sent
//!   its own.
//! - **Presence**: this replica's consoles' changes ([`Note`]) are sent with `pg_notify` on the
//!   channel `presence:SCHEMA`, and the others' are put on this replica's board as heard.
//!
//! Channels carry the schema's name, so several services in one database hear only their own.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, broadcast, mpsc, watch};

use super::presence::{Note, PresenceBoard};
use super::store::{self, Store};

/// How often the listener looks up from waiting to see whether the server is closing.
const POLL: Duration = Duration::from_millis(500);
/// The wake-ups a replica asks for while it sends one go out together, this long after it.
const GATHER: Duration = Duration::from_millis(10);
/// Streams are woken at least this often, even when no replica said anything: a replica
/// that died between its commit and its wake-up leaves nobody waiting longer than this.
const CATCH_UP: Duration = Duration::from_secs(5);
/// A notification to the replicas on the channel `?1:SCHEMA`, with the payload `?2`.
const NOTIFY: &str = "SELECT pg_notify(?1 || ':' || current_schema(), ?2)::text";
/// How long it waits before connecting again after losing the database.
const RECONNECT: Duration = Duration::from_secs(1);

/// A presence note as it travels: from which replica (so that one ignores its own).
#[derive(serde::Serialize, serde::Deserialize)]
struct Told {
    replica: String,
    note: Note,
}

/// Tells the other replicas that this one committed events ([`Announcer::committed`]).
#[derive(Clone)]
pub struct Announcer(Arc<Notify>);

impl Announcer {
    /// Starts the task that sends the wake-ups of the replica named `replica` (their payload:
    /// its own listener has woken its streams already), on a connection of `store`
    /// (PostgreSQL), until `closing` is set. In a tokio runtime.
    pub fn start(store: &Store, replica: &str, mut closing: watch::Receiver<bool>) -> Announcer {
        let asked = Arc::new(Notify::new());
        let announcer = Announcer(Arc::clone(&asked));
        let store = store.clone();
        let replica = replica.to_string();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = asked.notified() => {}
                    _ = closing.changed() => return,
                }
                if let Err(e) = notify(&store, "events", replica.clone()).await {
                    tracing::warn!("telling the other replicas of new events: {e}");
                }
                tokio::time::sleep(GATHER).await;
            }
        });
        announcer
    }

    /// Events were committed: every replica's streams are woken, by a `NOTIFY` now if none is
    /// being sent, else by the next one (at most [`GATHER`] after the one being sent).
    pub fn committed(&self) {
        // One permit at most: the wake-ups asked for while one is sent make one more.
        self.0.notify_one();
    }
}

/// When the store is on PostgreSQL: starts the listener thread, the task that tells the other
/// replicas of this one's presence changes and the one that tells them of its events; all end
/// when `closing` is set. The announcer of events, for [`super::events::Hub`].
pub fn start(
    store: &Store,
    wake: broadcast::Sender<()>,
    closing: watch::Receiver<bool>,
    presence: Arc<PresenceBoard>,
) -> Option<Announcer> {
    store.postgres()?;
    let replica = uuid::Uuid::new_v4().simple().to_string();
    let announcer = Announcer::start(store, &replica, closing.clone());
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
            let sent = notify(&teller, "presence", payload).await;
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
    Some(announcer)
}

/// Sends `payload` to the replicas on `channel` (`events`, `presence`), in a transaction of
/// its own: PostgreSQL commits the transactions that notify one at a time, under a lock held
/// while the commit is synced, so a batch of writes (`Store::write`) must not carry it.
async fn notify(store: &Store, channel: &'static str, payload: String) -> store::StoreResult<()> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        store.write_now(|c| -> store::StoreResult<()> {
            c.query_row(NOTIFY, store::db::params![channel, payload], |_| Ok(()))?;
            Ok(())
        })
    })
    .await
    .map_err(|e| store::StoreError::Join(e.to_string()))?
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
    let mut woken = std::time::Instant::now();
    while !*closing.borrow() {
        let mut heard_events = false;
        {
            use postgres::fallible_iterator::FallibleIterator;
            let mut notifications = client.notifications();
            // Wait for one (at most POLL, to look at `closing`), then take those already
            // here without waiting, and wake the streams at once: waiting for a quiet spell
            // instead would hold every wake-up back while the others keep writing.
            let mut next = notifications.timeout_iter(POLL).next();
            loop {
                match next {
                    // Another replica's events; this one's own woke its streams already.
                    Ok(Some(n)) if n.channel() == events_channel => {
                        heard_events |= n.payload() != replica;
                    }
                    Ok(Some(n)) => match serde_json::from_str::<Told>(n.payload()) {
                        Ok(told) if told.replica != replica => presence.heard(told.note),
                        Ok(_) => {}
                        Err(e) => tracing::warn!("a presence note that is not one: {e}"),
                    },
                    Ok(None) => break,
                    Err(e) => return Err(store::db::Error::from(e).into()),
                }
                next = notifications.iter().next();
            }
        }
        if heard_events || woken.elapsed() >= CATCH_UP {
            let _ = wake.send(());
            woken = std::time::Instant::now();
        }
        if client.is_closed() {
            return Err(store::StoreError::Corrupt("the connection closed".into()));
        }
    }
    Ok(())
}
