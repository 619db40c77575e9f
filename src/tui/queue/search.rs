//! Search as you type (debounced, the server's `q`) and the filter dialog. Part of `App`; pure.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::PartnerSort;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::msg::Msg;
use crate::tui::decide::modal::Modal;
use crate::tui::queue::filter::{Filter, FilterForm, has_decision, kind_choices};
use crate::tui::queue::tabs::SectionId;

/// Wait this long after the last key before asking the server.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
/// Longest search text (the server refuses more than 200).
const MAX_Q: usize = 200;

impl App {
    pub(in crate::tui) fn start_search(&mut self) -> Vec<Effect> {
        self.searching = true;
        vec![]
    }

    /// Keys while the search line has the focus.
    pub(in crate::tui) fn on_search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let id = self.active_section_id();
        match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => {
                self.searching = false;
                vec![]
            }
            KeyCode::Esc => {
                self.searching = false;
                if self.section(id).filter.q.is_empty() {
                    return vec![];
                }
                self.section_mut(id).filter.q.clear();
                self.reload(id)
            }
            KeyCode::Backspace => {
                if self.section_mut(id).filter.q.pop().is_none() {
                    self.dirty = false;
                    return vec![];
                }
                self.search_changed(id)
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                let q = &mut self.section_mut(id).filter.q;
                if q.chars().count() >= MAX_Q || crate::text::is_unsafe(c) {
                    return vec![];
                }
                q.push(c);
                self.search_changed(id)
            }
            _ => {
                self.dirty = false;
                vec![]
            }
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
    /// by the section's request id.
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
            self.dirty = false;
            return vec![];
        }
        let s = self.section_mut(id);
        s.selected = 0;
        s.offset.set(0);
        let mut fx = self.reload(id);
        fx.extend(self.stats_effect());
        fx
    }

    pub(in crate::tui) fn open_filter(&mut self) -> Vec<Effect> {
        let id = self.active_section_id();
        if kind_choices(id).is_empty() && !has_decision(id) {
            // Pending queues and the directory: dates only would be odd; search covers them.
            return self.toast("This list has no filters; / searches it.");
        }
        self.modal = Some(Modal::Filter(FilterForm::open(
            id,
            &self.section(id).filter,
        )));
        vec![]
    }

    pub(in crate::tui) fn on_filter_key(
        &mut self,
        mut form: FilterForm,
        key: KeyEvent,
    ) -> Vec<Effect> {
        let n = form.fields().len();
        match key.code {
            KeyCode::Esc => return vec![],
            KeyCode::Enter => {
                let id = form.section;
                match form.apply(&self.section(id).filter) {
                    Ok(filter) => return self.set_filter(id, filter),
                    Err(e) => form.error = Some(e),
                }
            }
            KeyCode::Tab | KeyCode::Down => form.field = (form.field + 1) % n,
            KeyCode::BackTab | KeyCode::Up => form.field = (form.field + n - 1) % n,
            KeyCode::Left => form.cycle(-1),
            KeyCode::Right | KeyCode::Char(' ') if form.text_mut().is_none() => form.cycle(1),
            KeyCode::Backspace => {
                if let Some(t) = form.text_mut() {
                    t.pop();
                }
            }
            KeyCode::Char(c) if c.is_ascii_digit() || c == '-' => {
                if let Some(t) = form.text_mut()
                    && t.len() < 10
                {
                    t.push(c);
                }
            }
            _ => self.dirty = false,
        }
        self.modal = Some(Modal::Filter(form));
        vec![]
    }

    fn set_filter(&mut self, id: SectionId, filter: Filter) -> Vec<Effect> {
        let s = self.section_mut(id);
        if s.filter == filter {
            return vec![];
        }
        s.filter = filter;
        s.selected = 0;
        s.offset.set(0);
        let mut fx = self.reload(id);
        fx.extend(self.stats_effect());
        fx
    }

    /// `s` on My Partners: by name, by status, and back.
    pub(in crate::tui) fn toggle_sort(&mut self) -> Vec<Effect> {
        let id = self.active_section_id();
        if id != SectionId::Partners {
            self.dirty = false;
            return vec![];
        }
        let mut filter = self.section(id).filter.clone();
        filter.sort = match filter.sort {
            PartnerSort::Name => PartnerSort::Status,
            PartnerSort::Status => PartnerSort::Name,
        };
        self.set_filter(id, filter)
    }

    /// Esc in the list: marks first, then search and filters.
    pub(in crate::tui) fn clear(&mut self) -> Vec<Effect> {
        let id = self.active_section_id();
        if !self.section(id).marked.is_empty() {
            self.section_mut(id).marked.clear();
            return vec![];
        }
        if !self.section(id).filter.is_empty() {
            return self.set_filter(id, Filter::default());
        }
        self.dirty = false;
        vec![]
    }
}
