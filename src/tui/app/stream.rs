//! The connection to the backend's event stream: live, offline (then `/summary` is polled), and
//! back (then what happened meanwhile is fetched).

use std::time::Duration;

use super::effect::Effect;
use super::msg::Msg;
use super::{App, Live, Load};
use crate::client::StreamItem;

/// What a refused token (401) means, and where to look: the list's message and the toast.
pub const TOKEN_REFUSED: &str = "The backend refused the token (401). Check PARTNER_CONSOLE_TOKEN \
     or the profile's token_command / token_file; `partner-console info` shows which is in use.";

impl App {
    pub(super) fn on_stream(&mut self, item: StreamItem) -> Vec<Effect> {
        match item {
            StreamItem::Connected => {
                let was = self.live;
                self.live = Live::Live;
                self.offline_since = None;
                // A new stream is a new presence: the open item is said again.
                let mut fx = self.presence_reconnected();
                // Catch up on what happened while offline or refused: counts, the list in
                // view (also one that failed to load meanwhile) and the chart.
                if matches!(was, Live::Offline | Live::TokenRefused) {
                    fx.push(Effect::LoadSummary);
                    let id = self.active_section_id();
                    if matches!(self.section(id).load, Load::Loaded | Load::Failed(_)) {
                        fx.extend(self.reload(id));
                    }
                    fx.extend(self.stats_effect());
                }
                fx
            }
            StreamItem::Disconnected { message } => {
                tracing::info!("event stream down: {message}");
                self.live = Live::Offline;
                self.offline_since.get_or_insert(self.now);
                if self.polling || self.polling_paused {
                    vec![]
                } else {
                    vec![self.schedule_poll()]
                }
            }
            StreamItem::Refused { message } => {
                tracing::warn!("event stream refused the token: {message}");
                self.token_refused()
            }
            StreamItem::Event { event, .. } => self.on_live_event(event),
        }
    }

    /// A 401 from the stream or any request: the backend is reachable and refuses the token.
    /// The header says so, and the first time a toast names where the token comes from. No
    /// polling: every poll would be refused too; the stream keeps trying and says `Connected`
    /// once the token is accepted.
    pub(in crate::tui) fn token_refused(&mut self) -> Vec<Effect> {
        if self.live == Live::TokenRefused {
            return vec![];
        }
        self.live = Live::TokenRefused;
        self.error_toast(TOKEN_REFUSED)
    }

    pub(super) fn on_poll_summary(&mut self) -> Vec<Effect> {
        self.polling = false;
        if self.live == Live::Live || self.quitting || self.polling_paused {
            return vec![];
        }
        vec![Effect::LoadSummary, self.schedule_poll()]
    }

    /// `P`: pause or resume polling while offline.
    pub(super) fn toggle_polling(&mut self) -> Vec<Effect> {
        self.polling_paused = !self.polling_paused;
        let resume = !self.polling_paused && self.live != Live::Live && !self.polling;
        let mut fx = if self.polling_paused {
            self.note("Polling paused while offline; P resumes it")
        } else {
            self.note("Polling resumed")
        };
        if resume {
            fx.push(self.schedule_poll());
        }
        fx
    }

    pub(in crate::tui) fn schedule_poll(&mut self) -> Effect {
        self.polling = true;
        Effect::After {
            delay: self.session.poll_interval.max(Duration::from_secs(1)),
            msg: Msg::PollSummary,
        }
    }
}
