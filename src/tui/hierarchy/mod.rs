//! My Partners → Hierarchy: the tree of distributors, partners and tenants (RECORDS.md §1,
//! UX.md "The partner record"). `l`/`→` opens a node, `h`/`←` closes it or goes to its parent;
//! children load a page at a time as they come into view (`tree`). `n`, `E`, `S`, `D` and `A`
//! create, edit, suspend or enable, delete and manage administrators (`actions`), each checked
//! first with the same rule the server applies (`domain::permission`).

pub mod actions;
pub mod admins;
mod keys;
pub mod tree;
pub mod view;
pub mod written;

#[cfg(test)]
pub mod tests;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use self::tree::{Children, LineKind, NodeKey, PAGE, Parent, Slot, Tree};
use crate::client::ApiError;
use crate::domain::{Level, Node, NodeQuery, Page, PartnerSummary, RecordChanged};
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Handled;
use crate::tui::queue::tabs::SectionId;

/// The tree's state in the app.
#[derive(Debug, Default)]
pub struct Hierarchy {
    pub tree: Tree,
    /// A node to select once the window of its parent has loaded (`t` on a partner's record,
    /// a node just created, the selection across a search): forgotten once that window came,
    /// whether it held the node or not.
    pub reveal: Option<(Parent, NodeKey)>,
}

impl App {
    pub(in crate::tui) fn in_tree(&self) -> bool {
        self.active_section_id() == SectionId::Hierarchy
    }

    /// Fetch the first page of `parent`'s children (the distributors for `None`) into a fresh
    /// window, searched for `q`.
    pub(in crate::tui) fn load_children(
        &mut self,
        parent: Parent,
        level: Level,
        q: String,
    ) -> Effect {
        let request = self.next_id();
        let children = Children::new(level, q.clone(), request);
        match &parent {
            None => self.hierarchy.tree.roots = Some(children),
            Some(key) => {
                if let Some(it) = self
                    .hierarchy
                    .tree
                    .find(key)
                    .and_then(|p| self.hierarchy.tree.item_mut(&p))
                {
                    it.open = Some(Box::new(children));
                }
            }
        }
        node_page(request, parent, level, q, Slot::Reset, None)
    }

    /// The distributors, the first time the tree is shown.
    pub(in crate::tui) fn tree_ensure_loaded(&mut self) -> Vec<Effect> {
        if self.hierarchy.tree.roots.is_some() {
            return vec![];
        }
        vec![self.load_children(None, Level::Distributor, String::new())]
    }

    /// `R`, or a search settled: the level in view again from its start, searched for what
    /// the search line holds.
    pub(in crate::tui) fn tree_reload(&mut self) -> Vec<Effect> {
        let q = self
            .section(SectionId::Hierarchy)
            .filter
            .q
            .trim()
            .to_string();
        let tree = &self.hierarchy.tree;
        let path = tree.selected_line_parent();
        let parent: Parent = path.as_ref().and_then(|p| tree.keys_on(p).last().cloned());
        let level = parent
            .as_ref()
            .and_then(|(l, _)| l.child())
            .unwrap_or(Level::Distributor);
        // The selected node stays selected if the new lines still have it.
        self.hierarchy.reveal = self
            .hierarchy
            .tree
            .selected_key()
            .map(|k| (parent.clone(), k));
        let fx = self.load_children(parent.clone(), level, q);
        // The selection goes to the window's first line (its parent, or the top).
        let tree = &mut self.hierarchy.tree;
        match parent.and_then(|k| tree.find(&k)) {
            Some(p) => tree.select_path(&p),
            None => tree.selected = 0,
        }
        self.keep_tree_selection_in_view();
        vec![fx]
    }

    /// `l` `→` `h` `←` in the tree (fixed keys: the tree's own, as UX.md has them).
    pub(in crate::tui) fn tree_key(&mut self, key: &KeyEvent) -> Option<Handled> {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        match key.code {
            KeyCode::Char('l') | KeyCode::Right => Some(self.tree_open()),
            KeyCode::Char('h') | KeyCode::Left => Some(self.tree_close()),
            _ => None,
        }
    }

    fn tree_open(&mut self) -> Handled {
        let Some(path) = self.hierarchy.tree.selected_path() else {
            return Handled::Ignored;
        };
        let Some(it) = self.hierarchy.tree.item(&path) else {
            return Handled::Ignored;
        };
        if it.open.is_some() {
            // Already open: step onto its first child.
            self.hierarchy.tree.selected += 1;
            self.keep_tree_selection_in_view();
            return Handled::done();
        }
        let Some(level) = it.node.level().child() else {
            return self.toast("Tenants have nothing under them.").into();
        };
        let key = (it.node.level(), it.node.id().to_string());
        vec![self.load_children(Some(key), level, String::new())].into()
    }

    fn tree_close(&mut self) -> Handled {
        let tree = &mut self.hierarchy.tree;
        if let Some(path) = tree.selected_path()
            && let Some(it) = tree.item_mut(&path).filter(|it| it.open.is_some())
        {
            it.open = None;
            return Handled::done();
        }
        // Closed, a leaf or a status line: to the parent, closing it.
        let Some(up) = tree.selected_line_parent().filter(|p| !p.is_empty()) else {
            return Handled::Ignored;
        };
        tree.select_path(&up);
        if let Some(it) = tree.item_mut(&up) {
            it.open = None;
        }
        self.keep_tree_selection_in_view();
        Handled::done()
    }

    /// Move the selection to line `to` (clamped), fetching the page it heads for.
    pub(in crate::tui) fn tree_move_to(&mut self, to: usize) -> Handled {
        let n = self.hierarchy.tree.lines().len();
        if n == 0 {
            return Handled::Ignored;
        }
        let to = to.min(n - 1);
        if to == self.hierarchy.tree.selected {
            return Handled::Ignored;
        }
        self.hierarchy.tree.selected = to;
        self.detail_from_the_top();
        self.keep_tree_selection_in_view();
        let mut fx = self.tree_prefetch();
        fx.extend(self.schedule_partner_detail());
        fx.into()
    }

    pub(in crate::tui) fn tree_move_by(&mut self, delta: isize) -> Handled {
        let at = self.hierarchy.tree.selected;
        let to = if delta < 0 {
            at.saturating_sub(delta.unsigned_abs())
        } else {
            at.saturating_add(delta as usize)
        };
        self.tree_move_to(to)
    }

    pub(in crate::tui) fn keep_tree_selection_in_view(&mut self) {
        let rows = self.list_rows();
        let tree = &mut self.hierarchy.tree;
        tree.offset = tree.offset_for(rows);
    }

    /// The page the selection heads for, in the window it is in.
    fn tree_prefetch(&mut self) -> Vec<Effect> {
        let tree = &self.hierarchy.tree;
        let Some(line) = tree.lines().into_iter().nth(tree.selected) else {
            return vec![];
        };
        let (up, at) = match line.kind {
            LineKind::Node(mut p) => {
                let at = p.pop().unwrap_or(0);
                (p, at)
            }
            LineKind::Earlier { path, .. } => (path, 0),
            LineKind::Status { path } => {
                let len = tree.children(&path).map_or(0, |c| c.items.len());
                (path, len)
            }
        };
        let Some(c) = tree.children(&up) else {
            return vec![];
        };
        let Some((slot, cursor)) = c.wanted(at) else {
            return vec![];
        };
        let (level, q) = (c.level, c.q.clone());
        let parent = tree.keys_on(&up).last().cloned();
        let request = self.next_id();
        if let Some(c) = self.hierarchy.tree.children_mut(&up) {
            c.loading_more = true;
            c.request = request;
        }
        vec![node_page(request, parent, level, q, slot, cursor)]
    }

    /// A page of children arrived: into its window, if that window still wants it.
    pub(in crate::tui) fn on_nodes(
        &mut self,
        request: u64,
        parent: Parent,
        slot: Slot,
        cursor: Option<String>,
        result: Result<Page<Node>, ApiError>,
    ) -> Vec<Effect> {
        let keep = self.hierarchy.tree.selected_key();
        let tree = &mut self.hierarchy.tree;
        let Some(path) = tree.path_of(&parent) else {
            return vec![];
        };
        let Some(c) = tree.children_mut(&path).filter(|c| c.request == request) else {
            return vec![];
        };
        match result {
            Ok(page) => {
                c.place(slot, cursor, page);
                match slot {
                    Slot::Append => c.trim(true),
                    Slot::Prepend(_) => c.trim(false),
                    Slot::Reset => {}
                }
            }
            Err(e) => {
                c.loading_more = false;
                if slot == Slot::Reset {
                    c.load = tree::Load::Failed(e.user_message());
                } else {
                    return self.error_toast(format!("Could not load more: {}", e.user_message()));
                }
            }
        }
        self.hierarchy.tree.reselect(keep);
        self.keep_tree_selection_in_view();
        let mut fx = self.tree_reveal();
        if slot == Slot::Reset
            && self
                .hierarchy
                .reveal
                .as_ref()
                .is_some_and(|(p, _)| *p == parent)
        {
            self.hierarchy.reveal = None;
        }
        fx.extend(self.tree_prefetch());
        fx.extend(self.schedule_partner_detail());
        fx
    }

    /// A node gone (deleted here or elsewhere) leaves its window; the selection stays where it
    /// was, on the next line.
    pub(in crate::tui) fn tree_remove(&mut self, key: &NodeKey) {
        let tree = &mut self.hierarchy.tree;
        let keep = tree.selected_key().filter(|k| k != key);
        if let Some(p) = tree.find(key)
            && let Some((last, up)) = p.split_last()
            && let Some(c) = tree.children_mut(up)
        {
            c.items.remove(*last);
        }
        tree.reselect(keep);
        self.keep_tree_selection_in_view();
    }

    /// The selected node in the tree.
    pub(in crate::tui) fn tree_node(&self) -> Option<&Node> {
        let tree = &self.hierarchy.tree;
        Some(&tree.item(&tree.selected_path()?)?.node)
    }

    /// The selected partner in the tree, for the partner detail.
    pub(in crate::tui) fn tree_partner(&self) -> Option<&PartnerSummary> {
        match self.tree_node()? {
            Node::Partner(p) => Some(p),
            _ => None,
        }
    }

    /// Another console changed a node (`record.changed`): read it again, so its row (and its
    /// parent's window, for a node new to the tree) shows what is so now.
    pub(in crate::tui) fn tree_record_changed(&mut self, r: &RecordChanged) -> Vec<Effect> {
        let Some(level) = Level::parse(&r.kind) else {
            return vec![];
        };
        if self.hierarchy.tree.roots.is_none() {
            return vec![];
        }
        vec![Effect::LoadNode {
            level,
            id: r.id.clone(),
        }]
    }

    /// A node read again: its row is replaced (its open children kept); a node gone is taken
    /// out; a node new to the tree reloads its parent's open window.
    pub(in crate::tui) fn on_node(
        &mut self,
        level: Level,
        id: String,
        result: Result<Node, ApiError>,
    ) -> Vec<Effect> {
        let key = (level, id);
        let tree = &mut self.hierarchy.tree;
        let path = tree.find(&key);
        match (result, path) {
            (Ok(node), Some(p)) => {
                let Some(it) = tree.item_mut(&p) else {
                    return vec![];
                };
                // Suspended or enabled: what it passes down changed, so the open windows
                // under it are read again (their rows say "suspended by …" or no longer).
                let passed_down = it.node.standing() != node.standing()
                    || it.node.own_suspended() != node.own_suspended();
                it.node = node;
                if !passed_down {
                    return vec![];
                }
                let windows: Vec<Parent> = tree
                    .lines()
                    .into_iter()
                    .filter_map(|l| match l.kind {
                        LineKind::Node(q) if q.starts_with(&p) => Some(q),
                        _ => None,
                    })
                    .filter(|q| tree.item(q).is_some_and(|it| it.open.is_some()))
                    .map(|q| tree.keys_on(&q).last().cloned())
                    .collect();
                windows
                    .into_iter()
                    .flat_map(|w| self.reload_window(w))
                    .collect()
            }
            (Err(e), Some(_)) if e.status() == Some(404) => {
                self.tree_remove(&key);
                vec![]
            }
            (Ok(node), None) => self.reload_window(parent_of(&node)),
            _ => vec![],
        }
    }
}

impl App {
    /// `parent`'s open window read again from its start, as long as it holds (a window
    /// scrolled far down keeps its place: a newcomer there shows when it is reached).
    pub(in crate::tui) fn reload_window(&mut self, parent: Parent) -> Vec<Effect> {
        let tree = &self.hierarchy.tree;
        let Some(path) = tree.path_of(&parent) else {
            return vec![];
        };
        let Some(c) = tree.children(&path).filter(|c| c.base == 0) else {
            return vec![];
        };
        let (level, q, len) = (c.level, c.q.clone(), c.items.len());
        let request = self.next_id();
        if let Some(c) = self.hierarchy.tree.children_mut(&path) {
            c.request = request;
        }
        let mut effect = node_page(request, parent, level, q, Slot::Reset, None);
        if let Effect::LoadNodes { query, .. } = &mut effect {
            // As many as it held, so the selection further down stays loaded.
            query.limit = Some(len.clamp(PAGE, tree::WINDOW) as u32);
        }
        vec![effect]
    }
}

/// The parent a node lists under.
pub fn parent_of(node: &Node) -> Parent {
    match node {
        Node::Distributor(_) => None,
        Node::Partner(p) => p
            .distributor
            .as_ref()
            .map(|d| (Level::Distributor, d.id.clone())),
        Node::Tenant(t) => Some((Level::Partner, t.partner.id.clone())),
    }
}

fn node_page(
    request: u64,
    parent: Parent,
    level: Level,
    q: String,
    slot: Slot,
    cursor: Option<String>,
) -> Effect {
    let query = NodeQuery {
        level,
        parent: parent.as_ref().map(|(_, id)| id.clone()),
        q: (!q.is_empty()).then_some(q),
        cursor,
        limit: Some(PAGE as u32),
    };
    Effect::LoadNodes {
        request,
        parent,
        slot,
        query,
    }
}

impl Tree {
    /// The path of the node whose children hold the selected line (empty: the top).
    pub fn selected_line_parent(&self) -> Option<Vec<usize>> {
        match self.lines().into_iter().nth(self.selected)?.kind {
            LineKind::Node(mut p) => {
                p.pop();
                Some(p)
            }
            LineKind::Earlier { path, .. } | LineKind::Status { path } => Some(path),
        }
    }
}
