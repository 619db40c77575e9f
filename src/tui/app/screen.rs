//! The bottom layer: tabs, sections and the list in view. Its keys are the keymap's actions
//! (rebindable); its key bar shows the ones that apply to the section in view, and help lists
//! every one.

use crossterm::event::KeyEvent;

use super::App;
use super::effect::Effect;
use super::focus::{Handled, Hint, Keys, Layer};
use super::keymap::Action;
use crate::tui::queue::tabs::{SectionId, TabId};
use crate::tui::view::help::Help;

impl App {
    pub(super) fn screen_key(&mut self, key: KeyEvent) -> Handled {
        if let Some(handled) = self.in_tree().then(|| self.tree_key(&key)).flatten() {
            return handled;
        }
        match self.keymap.action(&key) {
            Some(action) => self.on_action(action),
            None => Handled::Ignored,
        }
    }

    fn on_action(&mut self, action: Action) -> Handled {
        // The rows a page moves by: the layout is asked only by the keys that page.
        let page = |app: &App| app.list_rows().max(1) as isize;
        if let Some(handled) = self.in_tree().then(|| self.tree_action(action)).flatten() {
            return handled;
        }
        match action {
            Action::Quit => self.ask_quit().into(),
            Action::Help => {
                self.focus.push(Layer::Help(Help::default()));
                Handled::done()
            }
            Action::Suspend => vec![Effect::Suspend].into(),
            Action::NextTab => self.switch_tab((self.tab.index() + 1) % TabId::ALL.len()),
            Action::PrevTab => {
                self.switch_tab((self.tab.index() + TabId::ALL.len() - 1) % TabId::ALL.len())
            }
            Action::Tab1 => self.switch_tab(0),
            Action::Tab2 => self.switch_tab(1),
            Action::Tab3 => self.switch_tab(2),
            Action::Tab4 => self.switch_tab(3),
            Action::Tab5 => self.switch_tab(4),
            Action::NextSection => self.switch_section(1),
            Action::PrevSection => self.switch_section(-1),
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::HalfPageDown => self.move_by((page(self) / 2).max(1)),
            Action::HalfPageUp => self.move_by(-(page(self) / 2).max(1)),
            Action::PageDown => self.move_by(page(self)),
            Action::PageUp => self.move_by(-page(self)),
            Action::Top => {
                let id = self.active_section_id();
                match self.start_page(id) {
                    Some(fx) => fx.into(),
                    None => self.move_to(0),
                }
            }
            Action::Bottom => {
                let id = self.active_section_id();
                match self.end_page(id) {
                    Some(fx) => fx.into(),
                    None => self.move_to(usize::MAX),
                }
            }
            Action::Refresh => {
                let id = self.active_section_id();
                let mut fx = vec![Effect::LoadSummary];
                fx.extend(self.reload(id));
                fx.extend(self.stats_effect());
                fx.into()
            }
            Action::Approve => self.approve_selected(),
            // One key, two places: approving is for queues, assigning for a partner's vouchers.
            Action::ApproveWithComment if self.record_partner_id().is_some() => {
                self.open_batch_picker(true)
            }
            Action::ApproveWithComment => self.approve_with_comment(),
            Action::Reject => self.reject_selected(),
            Action::Mark => self.toggle_mark(),
            Action::MarkAll => self.mark_all(),
            Action::Clear if self.cancel_export() => Handled::done(),
            Action::Clear => self.clear(),
            Action::Search => {
                self.focus.push(Layer::Search);
                Handled::done()
            }
            Action::Filter => self.open_filter(),
            Action::Export => self.start_export().into(),
            Action::Copy => self.open_copy(),
            Action::Impersonate => self.open_impersonate(),
            // Only the partner's view (above this layer) has an impersonation to exit.
            Action::ExitImpersonation => Handled::Ignored,
            Action::Find => {
                self.focus.push(Layer::Finder(
                    crate::tui::partners::finder::Finder::default(),
                ));
                Handled::done()
            }
            Action::Sort => self.toggle_sort(),
            Action::PartnerRequests => self.show_partners_list(SectionId::AllPending),
            Action::PartnerHistory => self.show_partners_list(SectionId::AllHistory),
            Action::Edit if self.record.page == crate::tui::record::Page::Overview => {
                self.open_profile_form()
            }
            Action::Edit if self.on_tiers_page() => self.open_period_picker(false),
            Action::Edit if self.on_lead_page() => self.open_lead_form(),
            Action::Edit if self.active_section_id() == SectionId::Expiring => self.expiring_edit(),
            Action::Edit => Handled::Ignored,
            Action::Unassign => self.open_batch_picker(false),
            Action::PrevPage => self.switch_page(-1),
            Action::NextPage => self.switch_page(1),
            Action::ToggleDetail => {
                self.detail.open = !self.detail.open;
                self.detail_from_the_top();
                self.expiring_detail().into()
            }
            Action::DetailDown => {
                let max = self.detail_scroll_max();
                let to = self.detail.scroll.saturating_add(3).min(max);
                if to == self.detail.scroll {
                    return Handled::Ignored;
                }
                self.detail.scroll = to;
                Handled::done()
            }
            Action::DetailUp => {
                if self.detail.scroll == 0 {
                    return Handled::Ignored;
                }
                self.detail.scroll = self.detail.scroll.saturating_sub(3);
                Handled::done()
            }
            Action::TogglePolling => self.toggle_polling().into(),
            Action::ShowInTree => self.show_in_tree(),
            Action::Extend => self.open_extend(),
            Action::Invite if self.on_lead_page() => self.open_portal_invite(),
            Action::Invite => Handled::Ignored,
            // On a record's Tiers page: add a tier or campaign, end or delete one.
            Action::Create if self.on_tiers_page() => self.open_period_form(),
            Action::Delete if self.on_tiers_page() => self.open_period_picker(true),
            // The tree's own (`tree_action`).
            Action::Create | Action::CreateTop | Action::SuspendNode | Action::Delete => {
                Handled::Ignored
            }
        }
    }

    fn switch_tab(&mut self, index: usize) -> Handled {
        let tab = TabId::ALL[index.min(TabId::ALL.len() - 1)];
        let same = tab == self.tab;
        self.tab = tab;
        let mut fx = self.ensure_loaded(self.active_section_id());
        if self.history.stats.is_none() {
            fx.extend(self.stats_effect());
        }
        if same && fx.is_empty() {
            return Handled::Ignored;
        }
        fx.into()
    }

    fn switch_section(&mut self, delta: isize) -> Handled {
        let n = self.tab.sections().len();
        if n < 2 {
            return Handled::Ignored;
        }
        let slot = &mut self.tab_section[self.tab.index()];
        *slot = ((*slot as isize + delta).rem_euclid(n as isize)) as usize;
        self.ensure_loaded(self.active_section_id()).into()
    }

    fn move_by(&mut self, delta: isize) -> Handled {
        let s = self.active_section();
        let target = if delta < 0 {
            s.selected.saturating_sub(delta.unsigned_abs())
        } else {
            s.selected.saturating_add(delta as usize)
        };
        self.move_to(target)
    }

    fn move_to(&mut self, target: usize) -> Handled {
        let id = self.active_section_id();
        let s = self.section_mut(id);
        if s.is_empty() {
            return Handled::Ignored;
        }
        let to = target.min(s.len() - 1);
        let moved = to != s.selected;
        s.selected = to;
        // A row decided elsewhere, kept while it was read, goes once the reader moves on.
        s.sweep_departed();
        if moved {
            self.detail_from_the_top();
        }
        let mut fx = self.maybe_load_more(id);
        if moved {
            fx.extend(self.schedule_partner_detail());
        }
        if !moved && fx.is_empty() {
            return Handled::Ignored;
        }
        fx.into()
    }

    /// One bar hint for a pair of actions that go both ways (`[ ]` section, `< >` page).
    fn pair_hint(&self, back: Action, forth: Action, what: &str) -> Hint {
        let mut keys = self.keymap.keys(back).to_vec();
        keys.extend_from_slice(self.keymap.keys(forth));
        let label = |a| self.keymap.first_label(a).unwrap_or_default();
        Hint {
            label: format!("{} {}", label(back), label(forth)),
            what: what.into(),
            enabled: true,
            bar: true,
            help: false,
            keys: Keys::These(keys),
        }
    }

    /// The screen's keys: in the key bar those that apply to the section in view (a key this
    /// session may not use is shown disabled), in help every action.
    pub(in crate::tui) fn screen_hints(&self) -> Vec<Hint> {
        let hint = |action: Action, what: &str, bar: bool| Hint {
            label: self
                .keymap
                .first_label(action)
                .unwrap_or_else(|| "—".into()),
            what: what.to_string(),
            enabled: true,
            bar,
            help: false,
            keys: Keys::These(self.keymap.keys(action).to_vec()),
        };
        let can = self.read_only_reason().is_none();
        let in_queue = self.in_queue();
        let id = self.active_section_id();
        let history = crate::tui::queue::filter::has_decision(id);
        let sections = self.tab.sections().len();
        let mut bar: Vec<Hint> = Vec::new();
        if self.in_tree() {
            bar = self.tree_hints(&|a, what| hint(a, what, true));
            // `h` `l` `←` `→` open and close nodes here: the sections are `[` `]`.
            let mut sections = self.pair_hint(Action::PrevSection, Action::NextSection, "section");
            if let Keys::These(keys) = &mut sections.keys {
                let taken = ["l", "right", "h", "left"]
                    .map(|k| crate::tui::app::keymap::Key::parse(k).ok());
                keys.retain(|k| !taken.contains(&Some(*k)));
                sections.label = keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" ");
            }
            bar.push(sections);
            bar.push(hint(Action::Help, "help", true));
            bar.push(hint(Action::Quit, "quit", true));
        }
        if !self.in_tree() {
            // A viewer's bar shows what a viewer can do; help still lists every key, and pressing a
            // deciding key says why it does nothing.
            if in_queue && can {
                bar.push(hint(Action::Approve, "approve", true));
                bar.push(hint(Action::Reject, "reject", true));
                bar.push(hint(Action::Mark, "mark", true));
            } else {
                bar.push(hint(Action::Search, "search", true));
                if history {
                    bar.push(hint(Action::Filter, "filter", true));
                    bar.push(hint(Action::Export, "export", true));
                }
            }
            bar.push(hint(Action::ToggleDetail, "details", true));
            if self.record_partner().is_some() {
                use crate::tui::record::Page;
                bar.push(self.pair_hint(Action::PrevPage, Action::NextPage, "page"));
                match self.record.page {
                    Page::Overview if can => bar.push(hint(Action::Edit, "edit", true)),
                    Page::Tiers if can => {
                        bar.push(hint(Action::Create, "add", true));
                        bar.push(hint(Action::Edit, "dates", true));
                        bar.push(hint(Action::Delete, "end", true));
                    }
                    Page::LeadExchange if can => {
                        bar.push(hint(Action::Edit, "edit", true));
                        bar.push(hint(Action::Invite, "invite", true));
                    }
                    Page::Vouchers if can => {
                        bar.push(hint(Action::ApproveWithComment, "assign", true));
                        bar.push(hint(Action::Unassign, "unassign", true));
                    }
                    _ => {}
                }
            }
            if id == SectionId::Expiring && can {
                bar.push(hint(Action::Mark, "mark", true));
                // With the record open on its Tiers page, `E` is that page's.
                if !self.on_tiers_page() {
                    bar.push(hint(Action::Edit, "dates", true));
                }
                bar.push(hint(Action::Extend, "extend", true));
            }
            if id == SectionId::Partners {
                bar.push(hint(Action::PartnerRequests, "requests", true));
                bar.push(hint(Action::PartnerHistory, "history", true));
                bar.push(hint(Action::Sort, "sort", true));
                bar.push(hint(Action::Copy, "copy", true));
                if can {
                    bar.push(hint(Action::Impersonate, "impersonate", true));
                }
            }
            if sections > 1 {
                bar.push(self.pair_hint(Action::PrevSection, Action::NextSection, "section"));
            }
            if !in_queue && sections < 2 {
                bar.push(hint(Action::Refresh, "refresh", true));
            }
            bar.push(hint(Action::Help, "help", true));
            bar.push(hint(Action::Quit, "quit", true));
        }
        // Help: every action with all its keys, in the keymap's order (but the exit from an
        // impersonation, which is the partner view's key, above this layer).
        let all = Action::ALL
            .iter()
            .filter(|a| **a != Action::ExitImpersonation && !self.keymap.keys(**a).is_empty())
            .map(|a| Hint {
                label: self
                    .keymap
                    .keys(*a)
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(" "),
                what: a.describe().to_string(),
                enabled: true,
                bar: false,
                help: true,
                keys: Keys::These(self.keymap.keys(*a).to_vec()),
            });
        bar.into_iter().chain(all).collect()
    }
}
