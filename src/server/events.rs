//! Live events: every event is a row of the `events` table (so `Last-Event-ID` can resume from
//! any point, across restarts), and a broadcast channel wakes the open streams when one is added.
//! Presence (`presence`) is not history but the state of the moment: it comes from the
//! [`PresenceBoard`] in memory, without an `id:`, and a stream starts with it.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use super::presence::{ConsoleKey, PresenceBoard, StreamGuard};
use super::store::{self, Store};
use crate::domain::{EVENT_PRESENCE, Presence};

/// How many events a reconnecting client is replayed at most per query.
const REPLAY_BATCH: u32 = 500;
/// How long a stream waits for a missing event id before it goes on without it. On
/// PostgreSQL, replicas take ids in one order but may commit in another: event 11 can be
/// readable before event 10 is, and a stream that sent 11 would never send 10 (nor would
/// `Last-Event-ID: 11` bring it back). So a stream sends events in unbroken id order, and
/// waits for a gap to fill; a gap that stays this long was a write rolled back. SQLite,
/// one writer, never leaves one.
const GAP_WAIT: Duration = Duration::from_secs(2);
/// How often a stream looks again while it waits for a gap to fill.
const GAP_POLL: Duration = Duration::from_millis(20);

#[derive(Clone)]
pub struct Hub {
    store: Store,
    wake: broadcast::Sender<()>,
    /// Set when the server shuts down: every open stream ends, so a graceful shutdown does not
    /// wait forever for event streams and the consoles see the server go.
    closing: watch::Sender<bool>,
    presence: Arc<PresenceBoard>,
    /// On PostgreSQL, tells the other replicas of the events this one commits.
    announcer: Option<super::replicas::Announcer>,
}

/// One open stream, between two of its events.
struct Open {
    store: Store,
    rx: broadcast::Receiver<()>,
    closing: watch::Receiver<bool>,
    /// The id of the last stored event sent.
    last: i64,
    buf: VecDeque<(i64, String, String)>,
    /// Whether the table may hold events after `last` (woken, or a full batch read).
    unread: bool,
    /// Since when the next event id after `last` has been missing ([`GAP_WAIT`]).
    gap_since: Option<std::time::Instant>,
    presence: broadcast::Receiver<Arc<Presence>>,
    presence_buf: VecDeque<Arc<Presence>>,
    /// The approvals this stream last told someone has open: after falling behind, the
    /// state it is sent again says "nobody" for those nobody has open any more.
    told: HashSet<String>,
    board: Arc<PresenceBoard>,
    /// Its drop tells the board this console's stream closed.
    _guard: StreamGuard,
}

/// What woke a waiting stream.
enum Woke {
    Stored(Result<(), broadcast::error::RecvError>),
    Presence(Result<Arc<Presence>, broadcast::error::RecvError>),
}

impl Open {
    /// The events of `rows` (read after `last`, in id order) that may be sent now: those in
    /// unbroken order after `last`, or after a gap that outlived [`GAP_WAIT`]. `None`: wait.
    fn in_order(
        &mut self,
        mut rows: Vec<(i64, String, String)>,
    ) -> Option<Vec<(i64, String, String)>> {
        let mut before = self.last;
        if rows[0].0 != before + 1 {
            let since = *self.gap_since.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() < GAP_WAIT {
                return None;
            }
            tracing::info!(
                "events {}..{} never came; going on without them",
                before + 1,
                rows[0].0 - 1
            );
            before = rows[0].0 - 1;
        }
        self.gap_since = None;
        let unbroken = rows
            .iter()
            .enumerate()
            .take_while(|(i, r)| r.0 == before + 1 + *i as i64)
            .count();
        rows.truncate(unbroken);
        Some(rows)
    }

    /// The board's state again, after this stream missed some of its changes.
    fn resync(&mut self) {
        let state = self.board.snapshot();
        let open: HashSet<&String> = state.iter().map(|p| &p.approval_id).collect();
        let mut gone: Vec<String> = self
            .told
            .iter()
            .filter(|id| !open.contains(id))
            .cloned()
            .collect();
        gone.sort();
        self.presence_buf.clear();
        self.presence_buf
            .extend(gone.into_iter().map(|approval_id| {
                Arc::new(Presence {
                    approval_id,
                    viewers: Vec::new(),
                })
            }));
        self.presence_buf.extend(state);
    }

    fn presence_event(&mut self, p: &Presence) -> Event {
        if p.viewers.is_empty() {
            self.told.remove(&p.approval_id);
        } else {
            self.told.insert(p.approval_id.clone());
        }
        let data = serde_json::to_string(p).unwrap_or_else(|_| "{}".into());
        Event::default().event(EVENT_PRESENCE).data(data)
    }
}

impl Hub {
    pub fn new(store: Store, presence: Arc<PresenceBoard>) -> Self {
        let (wake, _) = broadcast::channel(64);
        let (closing, _) = watch::channel(false);
        // On PostgreSQL, the other replicas' events wake the streams too, and this one's
        // theirs.
        let announcer = super::replicas::start(
            &store,
            wake.clone(),
            closing.subscribe(),
            Arc::clone(&presence),
        );
        Hub {
            store,
            wake,
            closing,
            presence,
            announcer,
        }
    }

    /// End every open stream, and any opened from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Tell the open streams that events were committed, and the other replicas' (PostgreSQL).
    pub fn published(&self) {
        let _ = self.wake.send(());
        if let Some(a) = &self.announcer {
            a.committed();
        }
    }

    /// A stream of events after `last_id` (or, without one, from now on), for the console
    /// `console` (whose presence ends when its last stream closes).
    pub async fn stream(
        &self,
        last_id: Option<i64>,
        console: ConsoleKey,
    ) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, store::StoreError> {
        // Subscribe before reading where we are, so nothing committed in between is missed.
        let rx = self.wake.subscribe();
        let start = match last_id {
            Some(id) => id,
            None => self.store.read(store::last_event_id).await?,
        };
        let (presence, state) = self.presence.subscribe();
        let open = Open {
            store: self.store.clone(),
            rx,
            closing: self.closing.subscribe(),
            last: start,
            buf: VecDeque::new(),
            unread: true,
            gap_since: None,
            presence,
            presence_buf: state.into(),
            told: HashSet::new(),
            board: Arc::clone(&self.presence),
            _guard: self.presence.stream_opened(console),
        };
        let stream = futures_util::stream::unfold(open, |mut s| async move {
            loop {
                if *s.closing.borrow() {
                    return None;
                }
                if let Some(p) = s.presence_buf.pop_front() {
                    let ev = s.presence_event(&p);
                    return Some((Ok(ev), s));
                }
                if let Some((id, name, data)) = s.buf.pop_front() {
                    s.last = id;
                    let ev = Event::default().id(id.to_string()).event(name).data(data);
                    return Some((Ok(ev), s));
                }
                if s.unread {
                    let after = s.last;
                    match s
                        .store
                        .read(move |c| store::events_after(c, after, REPLAY_BATCH))
                        .await
                    {
                        Ok(rows) if !rows.is_empty() => {
                            match s.in_order(rows) {
                                Some(rows) => s.buf = rows.into(),
                                None => tokio::time::sleep(GAP_POLL).await,
                            }
                            continue;
                        }
                        Ok(_) => s.unread = false,
                        Err(e) => {
                            tracing::warn!("event replay failed: {e}");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            continue;
                        }
                    }
                }
                // Nothing new: wait for a wake-up (a lagged receiver just re-reads the
                // table), a change of presence, or the end.
                let woke = tokio::select! {
                    woke = s.rx.recv() => Woke::Stored(woke.map(|_| ())),
                    seen = s.presence.recv() => Woke::Presence(seen),
                    _ = s.closing.wait_for(|closed| *closed) => return None,
                };
                match woke {
                    Woke::Stored(Ok(()) | Err(broadcast::error::RecvError::Lagged(_))) => {
                        s.unread = true
                    }
                    Woke::Presence(Ok(p)) => s.presence_buf.push_back(p),
                    Woke::Presence(Err(broadcast::error::RecvError::Lagged(_))) => s.resync(),
                    Woke::Stored(Err(broadcast::error::RecvError::Closed))
                    | Woke::Presence(Err(broadcast::error::RecvError::Closed)) => return None,
                }
            }
        });
        Ok(Sse::new(stream).keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("keep-alive"),
        ))
    }
}
