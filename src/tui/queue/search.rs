//! Search as you type (`/`): the active section's search line, sent as the server's `q` once
//! typing pauses; and the other ways a section's filter changes (sort, `Esc` clearing).

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::filter::{Filter, orders};
use super::tabs::SectionId;
use crate::domain::PartnerSort;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, is_typing};
use crate::tui::app::msg::Msg;

/// Wait this long after the last key before asking the server.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
/// Longest search text (the server refuses more than 200).
const MAX_Q: usize = 200;

/// The search line's keys.
pub fn hints() -> Vec<Hint> {
    vec![
        Hint::typing("search as you type"),
        Hint::new("Enter", "done", &["enter", "down", "up"]),
        Hint::new("Esc", "clear", &["esc"]),
        Hint::new("Backspace", "delete", &["backspace"]).help_only(),
    ]
}

impl App {
    /// Keys while the search line has the focus.
    pub(in crate::tui) fn search_key(&mut self, key: KeyEvent) -> Handled {
        let id = self.active_section_id();
        match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => Handled::close(),
            KeyCode::Esc => {
                if self.section(id).filter.q.is_empty() {
                    return Handled::close();
                }
                self.section_mut(id).filter.q.clear();
                // The chart shows what the list shows: unfiltered again.
                let mut fx = self.reload(id);
                fx.extend(self.stats_effect());
                Handled::Close(fx)
            }
            KeyCode::Backspace => {
                if self.section_mut(id).filter.q.pop().is_none() {
                    return Handled::Ignored;
                }
                self.search_changed(id).into()
            }
            KeyCode::Char(c) if is_typing(&key) => {
                let q = &mut self.section_mut(id).filter.q;
                if q.chars().count() >= MAX_Q || crate::text::is_unsafe(c) {
                    return Handled::Ignored;
                }
                q.push(c);
                self.search_changed(id).into()
            }
            _ => Handled::Ignored,
        }
    }

    /// Pasted text into the search line.
    pub(in crate::tui) fn paste_into_search(&mut self, text: &str) -> Vec<Effect> {
        let id = self.active_section_id();
        let clean = crate::text::clean_line(text);
        let q = &mut self.section_mut(id).filter.q;
        q.extend(clean.chars().take(MAX_Q.saturating_sub(q.chars().count())));
        self.search_changed(id)
    }

    /// The text changed: ask the server once typing pauses. Answers to older texts are dropped
    /// by the section's request id (and the runtime aborts the older request).
    fn search_changed(&mut self, id: SectionId) -> Vec<Effect> {
        self.search_gen += 1;
        vec![Effect::After {
            delay: DEBOUNCE,
            msg: Msg::SearchSettled {
                section: id,
                generation: self.search_gen,
            },
        }]
    }

    pub(in crate::tui) fn on_search_settled(
        &mut self,
        id: SectionId,
        generation: u64,
    ) -> Vec<Effect> {
        if generation != self.search_gen {
            return vec![];
        }
        let s = self.section_mut(id);
        s.selected = 0;
        s.offset = 0;
        let mut fx = self.reload(id);
        fx.extend(self.stats_effect());
        fx
    }

    pub(in crate::tui) fn set_filter(&mut self, id: SectionId, filter: Filter) -> Vec<Effect> {
        let s = self.section_mut(id);
        if s.filter == filter {
            return vec![];
        }
        s.filter = filter;
        s.selected = 0;
        s.offset = 0;
        let mut fx = self.reload(id);
        fx.extend(self.stats_effect());
        fx
    }

    /// `s`: the next order of the list in view. My Partners by name, by status; a queue
    /// oldest first, newest first, highest price first; a history newest first, oldest first.
    pub(in crate::tui) fn toggle_sort(&mut self) -> Handled {
        let id = self.active_section_id();
        let mut filter = self.section(id).filter.clone();
        if id == SectionId::Partners {
            filter.sort = match filter.sort {
                PartnerSort::Name => PartnerSort::Status,
                PartnerSort::Status => PartnerSort::Name,
            };
        } else {
            let orders = orders(id);
            // A list with one order only (Expiring: soonest end first) has nothing to switch.
            if orders.is_empty() {
                return Handled::Ignored;
            }
            let at = orders.iter().position(|o| *o == filter.order).unwrap_or(0);
            filter.order = orders[(at + 1) % orders.len()];
        }
        // The same partners in another order: the selection stays on its partner (the new
        // first page puts it back where that partner is now, if it is on it).
        let selected = self.section(id).selected;
        let fx = self.set_filter(id, filter);
        self.section_mut(id).selected = selected;
        fx.into()
    }

    /// Esc in the list: marks first, then search and filters.
    pub(in crate::tui) fn clear(&mut self) -> Handled {
        let id = self.active_section_id();
        if !self.section(id).marked.is_empty() {
            self.section_mut(id).marked.clear();
            return Handled::done();
        }
        if !self.section(id).filter.is_empty() {
            return self.set_filter(id, Filter::default()).into();
        }
        Handled::Ignored
    }
}
