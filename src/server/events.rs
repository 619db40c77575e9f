//! Live events: every event is a row of the `events` table (so `Last-Event-ID` can resume from
//! any point, across restarts), and a broadcast channel wakes the open streams when one is added.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use super::store::{self, Store};

/// How many events a reconnecting client is replayed at most per query.
const REPLAY_BATCH: u32 = 500;

#[derive(Clone)]
pub struct Hub {
    store: Store,
    wake: broadcast::Sender<i64>,
    /// Set when the server shuts down: every open stream ends, so a graceful shutdown does not
    /// wait forever for event streams and the consoles see the server go.
    closing: watch::Sender<bool>,
}

impl Hub {
    pub fn new(store: Store) -> Self {
        let (wake, _) = broadcast::channel(64);
        let (closing, _) = watch::channel(false);
        Hub {
            store,
            wake,
            closing,
        }
    }

    /// End every open stream, and any opened from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Tell the open streams that event `id` is committed.
    pub fn published(&self, id: i64) {
        let _ = self.wake.send(id);
    }

    /// A stream of events after `last_id` (or, without one, from now on).
    pub async fn stream(
        &self,
        last_id: Option<i64>,
    ) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, store::StoreError> {
        // Subscribe before reading where we are, so nothing committed in between is missed.
        let rx = self.wake.subscribe();
        let start = match last_id {
            Some(id) => id,
            None => self.store.read(store::last_event_id).await?,
        };
        let state = (
            self.store.clone(),
            rx,
            self.closing.subscribe(),
            start,
            VecDeque::<(i64, String, String)>::new(),
        );
        let stream = futures_util::stream::unfold(
            state,
            |(store, mut rx, mut closing, mut last, mut buf)| async move {
                loop {
                    if *closing.borrow() {
                        return None;
                    }
                    if let Some((id, name, data)) = buf.pop_front() {
                        last = id;
                        let ev = Event::default().id(id.to_string()).event(name).data(data);
                        return Some((Ok(ev), (store, rx, closing, last, buf)));
                    }
                    let after = last;
                    match store
                        .read(move |c| store::events_after(c, after, REPLAY_BATCH))
                        .await
                    {
                        Ok(rows) if !rows.is_empty() => {
                            buf = rows.into();
                            continue;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!("event replay failed: {e}");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                    // Nothing new: wait for a wake-up (a lagged receiver just re-reads the
                    // table) or the end.
                    tokio::select! {
                        woke = rx.recv() => match woke {
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                            Err(broadcast::error::RecvError::Closed) => return None,
                        },
                        _ = closing.wait_for(|closed| *closed) => return None,
                    }
                }
            },
        );
        Ok(Sse::new(stream).keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("keep-alive"),
        ))
    }
}
