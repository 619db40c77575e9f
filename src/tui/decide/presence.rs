//! Who else has an item open, so that two CSRs do not work the same request: the console says
//! which pending item it has open (`POST /presence`) once the selection settles, not on every
//! key; the `presence` events say who else has what open. A row another CSR has open shows
//! their initials, the detail's title says "also open: Dana Reyes", and approving such an item
//! asks first (`[ui] confirm_when_watched`, on by default).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::domain::{Presence, Status, UserRef};
use crate::tui::app::effect::Effect;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Live};
use crate::tui::queue::tabs::Row;

/// How long the selection rests on an item before the console says it has it open.
pub const SETTLE: Duration = Duration::from_millis(400);
/// How often the open item is said again while it stays open: the server forgets a console
/// 60 s after its last word.
pub const REFRESH: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct Watchers {
    /// The other users who have each pending item open (this console's user left out).
    viewers: BTreeMap<String, Vec<UserRef>>,
    /// The item the selection was on after the last message, and since when.
    seen: Option<String>,
    seen_since: Option<chrono::DateTime<chrono::Utc>>,
    /// A settle is scheduled: one timer at a time, however fast the keys come.
    waiting: bool,
    /// What the server was last told (`None` before anything was said).
    told: Option<Option<String>>,
    /// The refresh timer runs (one at a time).
    refreshing: bool,
}

/// "DR" for Dana Reyes, "SL" for sam.lee: the first letter of each of the first two words.
pub fn initials(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || ".-_@".contains(c))
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

impl App {
    /// The pending item this console has open: the selected row of the list in view (not
    /// of one that could not load: its rows are not on screen).
    pub(in crate::tui) fn open_item(&self) -> Option<String> {
        let section = self.active_section();
        if section.load != crate::tui::app::Load::Loaded {
            return None;
        }
        match section.selected_row()? {
            Row::Approval(a) if a.status == Status::Pending => Some(a.id.clone()),
            _ => None,
        }
    }

    /// The other users who have `id` open.
    pub fn watchers(&self, id: &str) -> &[UserRef] {
        self.decide
            .watchers
            .viewers
            .get(id)
            .map_or(&[], Vec::as_slice)
    }

    /// A `presence` event: who has the item open now, this console's user left out.
    pub(in crate::tui) fn on_presence(&mut self, p: Presence) -> Vec<Effect> {
        let me = self.user.as_ref().map(|u| u.id.clone());
        let mut others: Vec<UserRef> = p
            .viewers
            .into_iter()
            .filter(|v| Some(&v.id) != me.as_ref())
            .collect();
        others.dedup_by(|a, b| a.id == b.id);
        if others.is_empty() {
            self.decide.watchers.viewers.remove(&p.approval_id);
        } else {
            self.decide.watchers.viewers.insert(p.approval_id, others);
        }
        Vec::new()
    }

    /// After each message: when the open item changed, the server is told once the selection
    /// has rested on it for [`SETTLE`]; while offline nothing is said (the stream's end made the
    /// server forget this console anyway).
    pub(in crate::tui) fn follow_open_item(&mut self) -> Vec<Effect> {
        let open = self.open_item();
        let now = self.now;
        let w = &mut self.decide.watchers;
        if open == w.seen {
            return Vec::new();
        }
        w.seen = open;
        w.seen_since = Some(now);
        self.settle_later(SETTLE)
    }

    /// One settle scheduled `after` from now, unless one already is.
    fn settle_later(&mut self, after: Duration) -> Vec<Effect> {
        let w = &mut self.decide.watchers;
        if w.waiting {
            return Vec::new();
        }
        w.waiting = true;
        vec![Effect::After {
            delay: after,
            msg: Msg::OpenItemSettled,
        }]
    }

    /// The timer: the open item is said if the selection has rested long enough, else the
    /// timer waits for the rest of the time.
    pub(in crate::tui) fn on_open_item_settled(&mut self) -> Vec<Effect> {
        let live = self.live == Live::Live;
        let now = self.now;
        let w = &mut self.decide.watchers;
        w.waiting = false;
        let rested = w
            .seen_since
            .map_or(SETTLE, |t| (now - t).to_std().unwrap_or_default());
        if rested < SETTLE {
            return self.settle_later(SETTLE - rested);
        }
        let w = &mut self.decide.watchers;
        if !live || w.told.as_ref() == Some(&w.seen) {
            return Vec::new();
        }
        w.told = Some(w.seen.clone());
        let mut fx = vec![Effect::SendPresence {
            approval_id: w.seen.clone(),
        }];
        if w.seen.is_some() && !w.refreshing {
            w.refreshing = true;
            fx.push(Effect::After {
                delay: REFRESH,
                msg: Msg::PresenceRefresh,
            });
        }
        fx
    }

    /// Every [`REFRESH`] while an item stays open: it is said again, so that the server does
    /// not forget a CSR who reads one request for minutes.
    pub(in crate::tui) fn on_presence_refresh(&mut self) -> Vec<Effect> {
        let live = self.live == Live::Live;
        let w = &mut self.decide.watchers;
        w.refreshing = false;
        let Some(open) = w
            .seen
            .clone()
            .filter(|_| live && w.told == Some(w.seen.clone()))
        else {
            return Vec::new();
        };
        w.refreshing = true;
        vec![
            Effect::SendPresence {
                approval_id: Some(open),
            },
            Effect::After {
                delay: REFRESH,
                msg: Msg::PresenceRefresh,
            },
        ]
    }

    /// The stream came back: the server forgot this console with the old stream, so the open
    /// item is said again.
    pub(in crate::tui) fn presence_reconnected(&mut self) -> Vec<Effect> {
        let w = &mut self.decide.watchers;
        w.told = None;
        w.viewers.clear();
        self.settle_later(SETTLE)
    }

    /// "Dana Reyes is looking at Acme Media – Gold.": for each of `ids` someone else has open.
    pub(in crate::tui) fn watched_words(&self, ids: &[(String, String)]) -> Vec<String> {
        ids.iter()
            .filter_map(|(id, label)| {
                let names: Vec<&str> = self.watchers(id).iter().map(|u| u.name.as_str()).collect();
                match names.as_slice() {
                    [] => None,
                    [one] => Some(format!("{one} is looking at {label}.")),
                    many => Some(format!("{} are looking at {label}.", many.join(" and "))),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::initials;
    use crate::client::StreamItem;
    use crate::domain::{Presence, Role, ServerEvent, UserRef};
    use crate::tui::app::effect::Effect;
    use crate::tui::app::focus::Layer;
    use crate::tui::app::msg::Msg;
    use crate::tui::app::{App, Session};
    use crate::tui::test_data::{T0, signed_in};

    fn ms(n: i64) -> chrono::Duration {
        chrono::Duration::milliseconds(n)
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn press(app: &mut App, keys: &str) -> Vec<Effect> {
        keys.chars()
            .flat_map(|c| {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    c => KeyCode::Char(c),
                };
                app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), T0)
            })
            .collect()
    }

    fn user(id: &str, name: &str) -> UserRef {
        UserRef {
            id: id.into(),
            name: name.into(),
        }
    }

    fn presence(app: &mut App, id: &str, viewers: Vec<UserRef>) {
        app.update(
            Msg::Stream(StreamItem::Event {
                id: None,
                event: ServerEvent::Presence(Presence {
                    approval_id: id.into(),
                    viewers,
                }),
            }),
            T0,
        );
    }

    fn live(session: Session) -> App {
        let mut app = signed_in(session, Role::Csr, 3);
        app.update(Msg::Stream(StreamItem::Connected), T0);
        app
    }

    fn screen(app: &App) -> String {
        let backend = ratatui::backend::TestBackend::new(100, 30);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        let theme = crate::tui::view::theme::Theme::new(false);
        terminal
            .draw(|f| crate::tui::view::render(app, f, &theme, T0))
            .unwrap();
        let b = terminal.backend().buffer().clone();
        (0..b.area.height)
            .map(|y| {
                (0..b.area.width)
                    .map(|x| b[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn settles(fx: &[Effect]) -> usize {
        fx.iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::After {
                        msg: Msg::OpenItemSettled,
                        ..
                    }
                )
            })
            .count()
    }

    fn said(fx: &[Effect]) -> Vec<Option<String>> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::SendPresence { approval_id } => Some(approval_id.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn initials_are_two_letters_of_the_name() {
        assert_eq!(initials("Dana Reyes"), "DR");
        assert_eq!(initials("sam.lee"), "SL");
        assert_eq!(initials("Ana"), "A");
        assert_eq!(initials("élodie martin-roux"), "ÉM");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn the_open_item_is_said_once_the_selection_rests_on_it() {
        let mut app = live(Session::default());
        // Connected: one timer for what is open now.
        app.update(Msg::OpenItemSettled, T0 + ms(400));
        // Keys in quick succession: one timer, however many keys.
        let t = T0 + ms(1000);
        let fx = app.update(key('j'), t);
        assert_eq!(settles(&fx), 1);
        assert_eq!(settles(&app.update(key('j'), t + ms(100))), 0);
        // The timer comes 400 ms after the first key: the selection moved 300 ms ago, so it
        // waits the rest.
        let fx = app.update(Msg::OpenItemSettled, t + ms(400));
        assert!(said(&fx).is_empty());
        assert!(matches!(
            fx.as_slice(),
            [Effect::After { delay, msg: Msg::OpenItemSettled }] if *delay == std::time::Duration::from_millis(100)
        ));
        let fx = app.update(Msg::OpenItemSettled, t + ms(500));
        assert_eq!(said(&fx), [Some("ap_2".to_string())]);
        // Said again every 30 s while it stays open (the server forgets after 60 s): one
        // timer, started by the first word, and renewed by each refresh.
        let fx = app.update(Msg::PresenceRefresh, t + ms(30_500));
        assert_eq!(said(&fx), [Some("ap_2".to_string())]);
        assert_eq!(
            fx.iter()
                .filter(|e| matches!(
                    e,
                    Effect::After {
                        msg: Msg::PresenceRefresh,
                        ..
                    }
                ))
                .count(),
            1
        );
        assert!(Msg::PresenceRefresh.is_quiet() && Msg::OpenItemSettled.is_quiet());
        // Keys that do not move the selection schedule nothing.
        assert_eq!(settles(&app.update(key('?'), t + ms(600))), 0);
    }

    #[test]
    fn another_csr_on_an_item_shows_on_its_row_its_detail_and_before_approving() {
        let mut app = live(Session {
            confirm_approve: false,
            ..Session::default()
        });
        presence(
            &mut app,
            "ap_0",
            vec![user("us_me", "demo-csr"), user("us_dana", "Dana Reyes")],
        );
        assert_eq!(app.watchers("ap_0"), [user("us_dana", "Dana Reyes")]);
        press(&mut app, "\n");
        let shown = screen(&app);
        assert!(shown.contains("◉DR"), "{shown}");
        assert!(shown.contains("also open: Dana Reyes"), "{shown}");
        // Approving asks first, though approvals are not asked about here.
        let fx = press(&mut app, "a");
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Decide { .. })),
            "{fx:?}"
        );
        let Layer::Confirm(c) = app.focus.top() else {
            panic!("a question");
        };
        assert!(
            c.message.starts_with("Dana Reyes is looking at"),
            "{}",
            c.message
        );
        assert!(c.message.ends_with("Approve anyway?"), "{}", c.message);
        // Dana left: the row and the title say nothing more.
        press(&mut app, "n");
        presence(&mut app, "ap_0", vec![user("us_me", "demo-csr")]);
        assert!(app.watchers("ap_0").is_empty());
        assert!(!screen(&app).contains("also open"));
    }

    #[test]
    fn the_question_can_be_turned_off() {
        let mut app = live(Session {
            confirm_approve: false,
            confirm_when_watched: false,
            ..Session::default()
        });
        presence(&mut app, "ap_0", vec![user("us_dana", "Dana Reyes")]);
        press(&mut app, "a");
        assert!(!matches!(app.focus.top(), Layer::Confirm(_)));
    }
}
