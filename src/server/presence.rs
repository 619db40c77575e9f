//! Presence: which approval each staff console has open (`POST /presence`), so that CSRs see
//! each other and do not do the same work twice. Every change of an approval's set of viewers
//! goes to every event stream as a `presence` event `{approval_id, viewers: [{id, name}]}`
//! (`events::Hub`), and a stream starts with the state as it is.
//!
//! **A viewer is a console**: its user and the `Console-Id` header the console sends with
//! `GET /events` and `POST /presence` (an id it makes up once per run; without the header a
//! user's consoles count as one). So one person with two consoles is one viewer of each item
//! either has open (viewers are listed per user), and closing one console does not take the
//! other's item away.
//!
//! **A viewer is forgotten** 60 s after its last `POST /presence` ([`PRESENCE_TTL`]; a console
//! with an item open says so again within that time), or at once when the last event stream of
//! its console closes. The time is the server's [`Clock`](super::Clock), so a test that sets it
//! sees the expiry without waiting a minute.
//!
//! It lives in this process's memory behind the few methods of [`PresenceBoard`]. Replicas on
//! one PostgreSQL database share it (`replicas`): each change a console of this replica makes
//! is told to the others as a [`Note`] ([`PresenceBoard::share_with`]), and theirs are put on
//! this board as they are heard ([`PresenceBoard::heard`]); each replica expires them alike.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::broadcast;

use crate::domain::{Presence, UserRef};

/// How long a console's word holds.
pub const PRESENCE_TTL: Duration = Duration::seconds(60);
/// Consoles one user may have open at once; past it the one heard from least lately is
/// forgotten, so made-up console ids cannot grow the board.
const MAX_CONSOLES_PER_USER: usize = 16;
/// Changes buffered per stream; a stream that falls further behind is sent the whole state.
const CHANNEL_CAPACITY: usize = 1024;

/// A change of one console's entry, as replicas tell each other: it has `approval_id` open
/// (`None`: nothing, or it went) as of `at`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    pub user_id: String,
    pub console: String,
    pub name: String,
    pub approval_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// One console of one user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsoleKey {
    pub user_id: String,
    /// The `Console-Id` header; empty without one.
    pub console: String,
}

#[derive(Debug, Clone)]
struct Open {
    user: UserRef,
    approval_id: String,
    last_word: DateTime<Utc>,
}

#[derive(Default)]
struct Board {
    open: HashMap<ConsoleKey, Open>,
    /// How many event streams each console has open.
    streams: HashMap<ConsoleKey, usize>,
}

impl Board {
    /// Everyone who has `approval_id` open, each user once, by name.
    fn viewers(&self, approval_id: &str) -> Vec<UserRef> {
        let mut seen = HashSet::new();
        let mut viewers: Vec<UserRef> = self
            .open
            .values()
            .filter(|o| o.approval_id == approval_id && seen.insert(o.user.id.clone()))
            .map(|o| o.user.clone())
            .collect();
        viewers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        viewers
    }
}

/// Who has what open; shared by the routes, the event streams and the expiry task.
pub struct PresenceBoard {
    board: Mutex<Board>,
    changes: broadcast::Sender<Arc<Presence>>,
    /// Where this replica's own changes go to be told to the other replicas, if any.
    share: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Note>>,
}

impl Default for PresenceBoard {
    fn default() -> Self {
        PresenceBoard {
            board: Mutex::default(),
            changes: broadcast::channel(CHANNEL_CAPACITY).0,
            share: std::sync::OnceLock::new(),
        }
    }
}

impl PresenceBoard {
    fn lock(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `change` on the board and sends one event per approval whose viewers it changed.
    /// The events are sent under the lock, so streams get them in the order the board changed.
    fn change(&self, change: impl FnOnce(&mut Board) -> HashSet<String>) {
        let mut board = self.lock();
        let before: HashMap<String, Vec<UserRef>> = board
            .open
            .values()
            .map(|o| o.approval_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(|id| {
                let viewers = board.viewers(&id);
                (id, viewers)
            })
            .collect();
        let mut touched: Vec<String> = change(&mut board).into_iter().collect();
        touched.sort();
        for approval_id in touched {
            let viewers = board.viewers(&approval_id);
            if before.get(&approval_id).map_or(&[][..], Vec::as_slice) != viewers.as_slice() {
                // No receiver (no stream open) is not an error.
                let _ = self.changes.send(Arc::new(Presence {
                    approval_id,
                    viewers,
                }));
            }
        }
    }

    /// From now on this replica's own changes are also sent to `share` (the other replicas).
    pub fn share_with(&self, share: tokio::sync::mpsc::UnboundedSender<Note>) {
        let _ = self.share.set(share);
    }

    fn tell(&self, note: Note) {
        if let Some(share) = self.share.get() {
            let _ = share.send(note);
        }
    }

    /// The console `key` of `user` has `approval_id` open now (`None`: nothing), as of `now`.
    pub fn look(
        &self,
        key: ConsoleKey,
        user: UserRef,
        approval_id: Option<String>,
        now: DateTime<Utc>,
    ) {
        self.tell(Note {
            user_id: key.user_id.clone(),
            console: key.console.clone(),
            name: user.name.clone(),
            approval_id: approval_id.clone(),
            at: now,
        });
        self.put(key, user, approval_id, now);
    }

    /// What another replica told of one of its consoles: on this board as if said here, and
    /// not told again.
    pub fn heard(&self, note: Note) {
        let key = ConsoleKey {
            user_id: note.user_id.clone(),
            console: note.console,
        };
        let user = UserRef {
            id: note.user_id,
            name: note.name,
        };
        self.put(key, user, note.approval_id, note.at);
    }

    fn put(&self, key: ConsoleKey, user: UserRef, approval_id: Option<String>, now: DateTime<Utc>) {
        self.change(|board| {
            let mut touched = HashSet::new();
            let old = match approval_id {
                None => board.open.remove(&key),
                Some(approval_id) => {
                    touched.insert(approval_id.clone());
                    let consoles = board
                        .open
                        .keys()
                        .filter(|k| k.user_id == key.user_id && **k != key)
                        .count();
                    if consoles >= MAX_CONSOLES_PER_USER
                        && let Some(oldest) = board
                            .open
                            .iter()
                            .filter(|(k, _)| k.user_id == key.user_id && **k != key)
                            .min_by_key(|(_, o)| o.last_word)
                            .map(|(k, _)| k.clone())
                        && let Some(gone) = board.open.remove(&oldest)
                    {
                        touched.insert(gone.approval_id);
                    }
                    let open = Open {
                        user,
                        approval_id,
                        last_word: now,
                    };
                    board.open.insert(key, open)
                }
            };
            touched.extend(old.map(|o| o.approval_id));
            touched
        });
    }

    /// Forgets every console not heard from for [`PRESENCE_TTL`] at `now`.
    pub fn expire(&self, now: DateTime<Utc>) {
        self.change(|board| {
            let mut touched = HashSet::new();
            board.open.retain(|_, o| {
                let keep = o.last_word + PRESENCE_TTL > now;
                if !keep {
                    touched.insert(o.approval_id.clone());
                }
                keep
            });
            touched
        });
    }

    /// The changes from now on, and the state as it is (one event per approval someone has
    /// open): taken together, so no change falls between them.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<Presence>>, Vec<Arc<Presence>>) {
        let board = self.lock();
        let rx = self.changes.subscribe();
        (rx, snapshot(&board))
    }

    /// The state as it is, for a stream that fell behind.
    pub fn snapshot(&self) -> Vec<Arc<Presence>> {
        snapshot(&self.lock())
    }

    /// An event stream of console `key` opened; the console is forgotten when the returned
    /// guard, and every other of its streams, is dropped.
    pub fn stream_opened(self: &Arc<Self>, key: ConsoleKey) -> StreamGuard {
        *self.lock().streams.entry(key.clone()).or_default() += 1;
        StreamGuard {
            board: Arc::clone(self),
            key,
        }
    }

    fn stream_closed(&self, key: &ConsoleKey) {
        self.change(|board| {
            let mut touched = HashSet::new();
            let left = match board.streams.get_mut(key) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                _ => {
                    board.streams.remove(key);
                    true
                }
            };
            if left && let Some(gone) = board.open.remove(key) {
                // The console's item goes on the other replicas too (its last stream was
                // here; its word may have reached them through any replica).
                self.tell(Note {
                    user_id: key.user_id.clone(),
                    console: key.console.clone(),
                    name: gone.user.name.clone(),
                    approval_id: None,
                    at: gone.last_word,
                });
                touched.insert(gone.approval_id);
            }
            touched
        });
    }
}

fn snapshot(board: &Board) -> Vec<Arc<Presence>> {
    let mut ids: Vec<&String> = board
        .open
        .values()
        .map(|o| &o.approval_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| {
            Arc::new(Presence {
                approval_id: id.clone(),
                viewers: board.viewers(id),
            })
        })
        .collect()
}

/// Held by an open event stream; its drop is the stream's close.
pub struct StreamGuard {
    board: Arc<PresenceBoard>,
    key: ConsoleKey,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.board.stream_closed(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(secs)
    }

    fn key(user: &str, console: &str) -> ConsoleKey {
        ConsoleKey {
            user_id: user.into(),
            console: console.into(),
        }
    }

    fn user(id: &str, name: &str) -> UserRef {
        UserRef {
            id: id.into(),
            name: name.into(),
        }
    }

    /// `approval: name, name` of each event waiting.
    fn drain(rx: &mut broadcast::Receiver<Arc<Presence>>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(p) = rx.try_recv() {
            let names: Vec<&str> = p.viewers.iter().map(|v| v.name.as_str()).collect();
            out.push(format!("{}: {}", p.approval_id, names.join(", ")));
        }
        out
    }

    #[test]
    fn joining_switching_and_leaving_tell_each_approval_that_changed() {
        let board = PresenceBoard::default();
        let (mut rx, state) = board.subscribe();
        assert!(state.is_empty());
        board.look(key("u1", "a"), user("u1", "Dana"), Some("ap1".into()), t(0));
        board.look(key("u2", ""), user("u2", "Ali"), Some("ap1".into()), t(1));
        assert_eq!(drain(&mut rx), ["ap1: Dana", "ap1: Ali, Dana"]);
        // The same word again changes nothing anyone sees.
        board.look(key("u1", "a"), user("u1", "Dana"), Some("ap1".into()), t(2));
        assert!(drain(&mut rx).is_empty());
        board.look(key("u1", "a"), user("u1", "Dana"), Some("ap2".into()), t(3));
        assert_eq!(drain(&mut rx), ["ap1: Ali", "ap2: Dana"]);
        board.look(key("u2", ""), user("u2", "Ali"), None, t(4));
        assert_eq!(drain(&mut rx), ["ap1: "]);
        let (_, state) = board.subscribe();
        assert_eq!(state.len(), 1);
        assert_eq!(state[0].approval_id, "ap2");
    }

    #[test]
    fn a_user_with_two_consoles_is_one_viewer_until_both_leave() {
        let board = Arc::new(PresenceBoard::default());
        let (mut rx, _) = board.subscribe();
        let first = board.stream_opened(key("u1", "a"));
        let _second = board.stream_opened(key("u1", "b"));
        board.look(key("u1", "a"), user("u1", "Dana"), Some("ap1".into()), t(0));
        board.look(key("u1", "b"), user("u1", "Dana"), Some("ap1".into()), t(0));
        assert_eq!(drain(&mut rx), ["ap1: Dana"]);
        drop(first);
        assert!(drain(&mut rx).is_empty(), "the other console still has it");
        board.look(key("u1", "b"), user("u1", "Dana"), None, t(1));
        assert_eq!(drain(&mut rx), ["ap1: "]);
    }

    #[test]
    fn the_last_stream_of_a_console_closing_forgets_it() {
        let board = Arc::new(PresenceBoard::default());
        let (mut rx, _) = board.subscribe();
        let one = board.stream_opened(key("u1", "a"));
        let two = board.stream_opened(key("u1", "a"));
        board.look(key("u1", "a"), user("u1", "Dana"), Some("ap1".into()), t(0));
        drop(one);
        assert_eq!(drain(&mut rx), ["ap1: Dana"]);
        drop(two);
        assert_eq!(drain(&mut rx), ["ap1: "]);
    }

    #[test]
    fn a_console_is_forgotten_a_minute_after_its_last_word() {
        let board = PresenceBoard::default();
        let (mut rx, _) = board.subscribe();
        board.look(key("u1", ""), user("u1", "Dana"), Some("ap1".into()), t(0));
        board.look(key("u2", ""), user("u2", "Ali"), Some("ap1".into()), t(30));
        drain(&mut rx);
        board.expire(t(59));
        assert!(drain(&mut rx).is_empty());
        board.expire(t(60));
        assert_eq!(drain(&mut rx), ["ap1: Ali"]);
        board.expire(t(90));
        assert_eq!(drain(&mut rx), ["ap1: "]);
    }

    #[test]
    fn made_up_console_ids_cannot_grow_the_board() {
        let board = PresenceBoard::default();
        for i in 0..100 {
            let id = format!("ap{i}");
            board.look(
                key("u1", &i.to_string()),
                user("u1", "Dana"),
                Some(id),
                t(i),
            );
        }
        assert_eq!(board.lock().open.len(), MAX_CONSOLES_PER_USER);
        assert_eq!(board.snapshot().len(), MAX_CONSOLES_PER_USER);
    }
}
