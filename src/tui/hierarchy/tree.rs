//! The Hierarchy tree as data: distributors, their partners, the partners' tenants. Each open
//! node holds its children as a bounded window over a keyset-paged list (a distributor may have
//! a hundred thousand partners): pages are fetched as the selection nears a window's edge, pages
//! far behind are dropped, and the cursor of every page is kept so scrolling back fetches them
//! again. The tree is drawn and walked as flat lines (`lines`), made afresh from the windows.

use crate::domain::{Level, Node, Page};

/// Children fetched per page: a screen or two, so the first rows of a big node come quickly.
pub const PAGE: usize = 100;
/// Children kept per open node at most.
pub const WINDOW: usize = 600;
/// Fetch the next (or previous) page when the selection comes this close to a window's edge.
pub const PREFETCH: usize = 50;

/// A node by level and id: ids are unique within a level.
pub type NodeKey = (Level, String);

/// Whose children: the top (distributors) or a node's.
pub type Parent = Option<NodeKey>;

#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    Loading,
    Loaded,
    Failed(String),
}

/// Where a fetched page goes in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The first page: replaces the window.
    Reset,
    /// After the window's last child.
    Append,
    /// Before the window's first child; the page is the `n`th of the list.
    Prepend(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub node: Node,
    /// The node's children while it is open.
    pub open: Option<Box<Children>>,
}

/// One node's children (or the distributors): a window of the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct Children {
    pub level: Level,
    /// Searched for in this level's names.
    pub q: String,
    pub items: Vec<Item>,
    /// The index in the whole list of `items[0]`.
    pub base: usize,
    /// The cursor that fetched each page so far, by page number (`None`: the first page).
    pub marks: Vec<Option<String>>,
    /// The cursor of the page after the window; `None` at the list's end.
    pub next: Option<String>,
    pub load: Load,
    /// A page beyond the first is on its way.
    pub loading_more: bool,
    /// The newest request for this window: answers to older ones are dropped.
    pub request: u64,
}

impl Children {
    pub fn new(level: Level, q: String, request: u64) -> Children {
        Children {
            level,
            q,
            items: Vec::new(),
            base: 0,
            marks: Vec::new(),
            next: None,
            load: Load::Loading,
            loading_more: false,
            request,
        }
    }

    /// Put a page in its place. Returns how many children were dropped from the window's
    /// start (for an append) so the caller can keep the selection on its node.
    pub fn place(&mut self, slot: Slot, cursor: Option<String>, page: Page<Node>) {
        let items = page.items.into_iter().map(|node| Item { node, open: None });
        self.load = Load::Loaded;
        self.loading_more = false;
        match slot {
            Slot::Reset => {
                // Read again from the start: nodes that were open stay open.
                let mut open: std::collections::HashMap<String, Box<Children>> = self
                    .items
                    .drain(..)
                    .filter_map(|i| Some((i.node.id().to_string(), i.open?)))
                    .collect();
                self.items = items
                    .map(|mut i| {
                        i.open = open.remove(i.node.id());
                        i
                    })
                    .collect();
                self.base = 0;
                self.marks = vec![cursor];
                self.next = page.next_cursor;
            }
            Slot::Append => {
                let n = (self.base + self.items.len()) / PAGE;
                self.marks.truncate(n);
                self.marks.push(cursor);
                self.items.extend(items);
                self.next = page.next_cursor;
            }
            Slot::Prepend(n) => {
                let mut items: Vec<Item> = items.collect();
                self.base = n * PAGE;
                items.append(&mut self.items);
                self.items = items;
            }
        }
    }

    /// Drop whole pages until the window holds at most `WINDOW` children: from the start after
    /// an append (the selection is at the end), from the end after a prepend. Their cursors
    /// stay in `marks`, so they can be fetched again.
    pub fn trim(&mut self, from_start: bool) {
        while self.items.len() > WINDOW {
            if from_start {
                let drop = (PAGE - self.base % PAGE).min(self.items.len());
                self.items.drain(..drop);
                self.base += drop;
            } else {
                let end = self.base + self.items.len();
                let last = (end - 1) / PAGE * PAGE;
                let keep = last.saturating_sub(self.base);
                if keep == 0 {
                    return;
                }
                self.items.truncate(keep);
                self.next = self.marks.get(last / PAGE).cloned().flatten();
            }
        }
    }

    /// The page and its cursor wanted next, seen from `at` (an index into `items`).
    pub fn wanted(&self, at: usize) -> Option<(Slot, Option<String>)> {
        if self.load != Load::Loaded || self.loading_more {
            return None;
        }
        if at + PREFETCH >= self.items.len() && self.next.is_some() {
            return Some((Slot::Append, self.next.clone()));
        }
        if at < PREFETCH && self.base >= PAGE {
            let n = self.base / PAGE - 1;
            let cursor = self.marks.get(n).cloned()?;
            return Some((Slot::Prepend(n), cursor));
        }
        None
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.node.id() == id)
    }
}

/// What a line of the flat tree is.
#[derive(Debug, Clone, PartialEq)]
pub enum LineKind {
    /// A node: the path of item indices from the top down to it.
    Node(Vec<usize>),
    /// "↑ 200 earlier": the window starts past the list's start.
    Earlier { path: Vec<usize>, count: usize },
    /// "… more" / "loading…" / the error: the window stops before the list's end, or is on its
    /// way, or failed.
    Status { path: Vec<usize> },
}

/// One line of the flat tree, at `depth` (0 for distributors).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub depth: usize,
    pub kind: LineKind,
}

/// The tree: the distributors' window, and the selection as a line index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    pub roots: Option<Children>,
    pub selected: usize,
    /// The first line shown.
    pub offset: usize,
}

impl Tree {
    /// Every line, top to bottom.
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        if let Some(roots) = &self.roots {
            push_lines(roots, &mut Vec::new(), 0, &mut out);
        }
        out
    }

    /// The children window at `path` (empty: the roots).
    pub fn children(&self, path: &[usize]) -> Option<&Children> {
        let mut c = self.roots.as_ref()?;
        for &i in path {
            c = c.items.get(i)?.open.as_deref()?;
        }
        Some(c)
    }

    pub fn children_mut(&mut self, path: &[usize]) -> Option<&mut Children> {
        let mut c = self.roots.as_mut()?;
        for &i in path {
            c = c.items.get_mut(i)?.open.as_deref_mut()?;
        }
        Some(c)
    }

    pub fn item(&self, path: &[usize]) -> Option<&Item> {
        let (last, up) = path.split_last()?;
        self.children(up)?.items.get(*last)
    }

    pub fn item_mut(&mut self, path: &[usize]) -> Option<&mut Item> {
        let (last, up) = path.split_last()?;
        self.children_mut(up)?.items.get_mut(*last)
    }

    /// The path of the children window whose parent is `parent` (the roots for `None`).
    pub fn path_of(&self, parent: &Parent) -> Option<Vec<usize>> {
        match parent {
            None => self.roots.as_ref().map(|_| Vec::new()),
            Some(key) => self
                .find(key)
                .filter(|p| self.item(p).is_some_and(|it| it.open.is_some())),
        }
    }

    /// The path of the node `key`, if it is in a loaded window.
    pub fn find(&self, key: &NodeKey) -> Option<Vec<usize>> {
        self.lines().into_iter().find_map(|l| match l.kind {
            LineKind::Node(p) => self
                .item(&p)
                .filter(|it| it.node.level() == key.0 && it.node.id() == key.1)
                .map(|_| p),
            _ => None,
        })
    }

    /// The selected line's node, if it is a node.
    pub fn selected_path(&self) -> Option<Vec<usize>> {
        match self.lines().into_iter().nth(self.selected)?.kind {
            LineKind::Node(p) => Some(p),
            _ => None,
        }
    }

    /// The key of every node on `path` from the top, the node's own last.
    pub fn keys_on(&self, path: &[usize]) -> Vec<NodeKey> {
        (1..=path.len())
            .filter_map(|n| self.item(&path[..n]))
            .map(|it| (it.node.level(), it.node.id().to_string()))
            .collect()
    }

    /// Put the selection on `path`'s line.
    pub fn select_path(&mut self, path: &[usize]) {
        if let Some(i) = self
            .lines()
            .iter()
            .position(|l| matches!(&l.kind, LineKind::Node(p) if p == path))
        {
            self.selected = i;
        }
    }

    /// Keep the selection on the line it was on after the lines changed: on the same node
    /// if it is still there, else as near its old place as the lines allow.
    pub fn reselect(&mut self, key: Option<NodeKey>) {
        if let Some(path) = key.and_then(|k| self.find(&k)) {
            self.select_path(&path);
        }
        let n = self.lines().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    /// The key of the selected node, to find it again after the lines change.
    pub fn selected_key(&self) -> Option<NodeKey> {
        let path = self.selected_path()?;
        let it = self.item(&path)?;
        Some((it.node.level(), it.node.id().to_string()))
    }

    /// The first line shown for a list `rows` high, moved only as far as keeps the selection
    /// in sight.
    pub fn offset_for(&self, rows: usize) -> usize {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + rows {
            self.selected + 1 - rows
        } else {
            self.offset
        }
    }
}

fn push_lines(c: &Children, path: &mut Vec<usize>, depth: usize, out: &mut Vec<Line>) {
    if c.base > 0 {
        out.push(Line {
            depth,
            kind: LineKind::Earlier {
                path: path.clone(),
                count: c.base,
            },
        });
    }
    for (i, it) in c.items.iter().enumerate() {
        path.push(i);
        out.push(Line {
            depth,
            kind: LineKind::Node(path.clone()),
        });
        if let Some(open) = &it.open {
            push_lines(open, path, depth + 1, out);
        }
        path.pop();
    }
    if c.next.is_some() || c.load != Load::Loaded || c.items.is_empty() {
        out.push(Line {
            depth,
            kind: LineKind::Status { path: path.clone() },
        });
    }
}
