//! The screen's actions while the tree is in view, and its key bar: moving goes by the tree's
//! lines, `E` `A` `n` `N` `S` `D` write to nodes, and a key this session may not use is shown
//! disabled (pressing it says which level it needs). `t` on a partner's record, anywhere in My
//! Partners, shows its distributor in the tree.

use super::tree::NodeKey;
use crate::domain::Level;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Keys};
use crate::tui::app::keymap::Action;
use crate::tui::queue::tabs::SectionId;

impl App {
    /// An action while the tree is in view: `None` for those the screen handles as anywhere
    /// (tabs, sections, help, quit, the detail pane).
    pub(in crate::tui) fn tree_action(&mut self, action: Action) -> Option<Handled> {
        let page = self.list_rows().max(1) as isize;
        // A partner's record open on its Tiers page takes `n` `E` `D` for its periods.
        if self.on_tiers_page() && matches!(action, Action::Create | Action::Edit | Action::Delete)
        {
            return None;
        }
        Some(match action {
            Action::Down => self.tree_move_by(1),
            Action::Up => self.tree_move_by(-1),
            Action::HalfPageDown => self.tree_move_by((page / 2).max(1)),
            Action::HalfPageUp => self.tree_move_by(-(page / 2).max(1)),
            Action::PageDown => self.tree_move_by(page),
            Action::PageUp => self.tree_move_by(-page),
            Action::Top => self.tree_move_to(0),
            Action::Bottom => self.tree_move_to(usize::MAX),
            Action::Refresh => {
                let mut fx = vec![Effect::LoadSummary];
                fx.extend(self.tree_reload());
                fx.into()
            }
            Action::Create => self.tree_create(false),
            Action::CreateTop => self.tree_create(true),
            Action::SuspendNode => self.tree_suspend(),
            Action::Delete => self.tree_delete(),
            // On the partner's record, `E` edits its profile and `A` assigns vouchers, as in
            // the list; elsewhere they are the node's.
            Action::Edit if self.record_partner_id().is_none() => self.tree_edit(),
            Action::ApproveWithComment
                if self.record_partner_id().is_none()
                    || self.record.page != crate::tui::record::Page::Vouchers =>
            {
                self.open_admins()
            }
            Action::Approve
            | Action::Reject
            | Action::Mark
            | Action::MarkAll
            | Action::Filter
            | Action::Export
            | Action::Sort
            | Action::Impersonate => Handled::Ignored,
            _ => return None,
        })
    }

    /// `t`: the open record's distributor, selected in the Hierarchy tree.
    pub(in crate::tui) fn show_in_tree(&mut self) -> Handled {
        let Some(d) = self
            .record_partner()
            .and_then(|p| p.summary.distributor.clone())
        else {
            return Handled::Ignored;
        };
        let tab = self.tab.index();
        if let Some(i) = self
            .tab
            .sections()
            .iter()
            .position(|s| *s == SectionId::Hierarchy)
        {
            self.tab_section[tab] = i;
        }
        self.detail.open = false;
        self.hierarchy.reveal = Some((None, (Level::Distributor, d.id.clone())));
        let mut fx = self.tree_ensure_loaded();
        fx.extend(self.tree_reveal());
        fx.into()
    }

    /// Select the node waiting to be shown, once its window has it.
    pub(in crate::tui) fn tree_reveal(&mut self) -> Vec<Effect> {
        let Some((_, key)) = self.hierarchy.reveal.clone() else {
            return vec![];
        };
        let Some(path) = self.hierarchy.tree.find(&key) else {
            return vec![];
        };
        self.hierarchy.reveal = None;
        self.hierarchy.tree.select_path(&path);
        self.keep_tree_selection_in_view();
        vec![]
    }

    /// The key bar while the tree is in view.
    pub(in crate::tui) fn tree_hints(&self, hint: &dyn Fn(Action, &str) -> Hint) -> Vec<Hint> {
        let node = self.tree_node();
        let keys = self
            .hierarchy
            .tree
            .selected_path()
            .map(|p| self.hierarchy.tree.keys_on(&p))
            .unwrap_or_default();
        let mut bar = Vec::new();
        if self.on_tiers_page() {
            bar.push(hint(Action::Create, "add"));
            bar.push(hint(Action::Edit, "dates"));
            bar.push(hint(Action::Delete, "end"));
        }
        let gated = |action: Action, what: &str, level: Option<Level>, on: &[NodeKey]| {
            let mut h = hint(action, what);
            // Struck through when not this session's to use; pressing it says which level
            // it needs.
            h.enabled = level
                .and_then(|level| self.tree_denied(level, on))
                .is_none();
            h
        };
        if let Some(node) = node.filter(|_| !self.on_tiers_page()) {
            let level = node.level();
            let (child, under) = match level.child() {
                Some(c) => (c, keys.clone()),
                None => (Level::Tenant, keys[..keys.len().saturating_sub(1)].to_vec()),
            };
            bar.push(gated(
                Action::Create,
                &format!("new {}", child.as_str()),
                Some(child),
                &under,
            ));
            let edit_level = (level != Level::Partner).then_some(level);
            bar.push(gated(Action::Edit, "edit", edit_level, &keys));
            let verb = if node.own_suspended() {
                "enable"
            } else {
                "suspend"
            };
            bar.push(gated(Action::SuspendNode, verb, Some(level), &keys));
            bar.push(gated(Action::Delete, "delete", Some(level), &keys));
            bar.push(hint(Action::ApproveWithComment, "admins"));
        }
        bar.push(gated(
            Action::CreateTop,
            "new distributor",
            Some(Level::Distributor),
            &[],
        ));
        bar.push(Hint {
            label: "l h".into(),
            what: "open/close".into(),
            enabled: true,
            bar: true,
            help: false,
            keys: Keys::These(
                ["l", "right", "h", "left"]
                    .iter()
                    .filter_map(|k| crate::tui::app::keymap::Key::parse(k).ok())
                    .collect(),
            ),
        });
        bar.push(hint(Action::Search, "search"));
        bar.push(hint(Action::ToggleDetail, "details"));
        bar
    }
}
