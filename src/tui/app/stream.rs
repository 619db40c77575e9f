//! The connection to the backend's event stream: live, offline (then `/summary` is polled), and
//! back (then what happened meanwhile is fetched).

use std::time::Duration;

use super::effect::Effect;
use super::msg::Msg;
use super::{App, Live, Load};
use crate::client::StreamItem;

impl App {
    pub(super) fn on_stream(&mut self, item: StreamItem) -> Vec<Effect> {
        match item {
            StreamItem::Connected => {
                let was = self.live;
                self.live = Live::Live;
                self.offline_since = None;
                // Catch up on what happened while offline: counts, the list in view (also one
                // that failed to load meanwhile) and the chart.
                if was == Live::Offline {
                    let mut fx = vec![Effect::LoadSummary];
                    let id = self.active_section_id();
                    if matches!(self.section(id).load, Load::Loaded | Load::Failed(_)) {
                        fx.extend(self.reload(id));
                    }
                    fx.extend(self.stats_effect());
                    fx
                } else {
                    vec![]
                }
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
            StreamItem::Event { event, .. } => self.on_live_event(event),
        }
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
