//! One section's list: a bounded window of rows over a keyset-paged list that may be a million
//! long. Pages are fetched ahead of the selection (both ways); pages far behind are dropped, and
//! the cursor that fetched each page is kept (a few bytes a page) so scrolling back re-fetches
//! them. Memory stays flat however far the CSR scrolls.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::Status;

use crate::tui::queue::filter::Filter;
use crate::tui::queue::tabs::{Row, SectionId};

/// Rows kept in memory at most (a few pages beyond a screen either way).
pub const WINDOW_ROWS: usize = 1_000;
/// Fetch the next (or previous) page when the selection comes this close to the window's edge.
pub const PREFETCH: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    NotLoaded,
    Loading,
    Loaded,
    Failed(String),
}

/// Where a fetched page goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The first page: replaces everything.
    Reset,
    /// After the window's last row.
    Append,
    /// Before the window's first row; the page starts at this global index.
    Prepend(usize),
    /// The list's last page, fetched in the reverse order (`G`): replaces everything, and the
    /// window is then counted from the end.
    Tail,
    /// The page before the window's first row while it is counted from the end, fetched in
    /// the reverse order.
    BeforeTail,
}

/// A window loaded from the list's end (`G`): lists carry no counts, so its rows' places are
/// known from the end only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// The cursor, in the reverse order, of the rows before the window; `None` once the
    /// window reaches the list's start.
    pub before: Option<String>,
}

#[derive(Debug)]
pub struct Section {
    pub id: SectionId,
    /// The loaded window: rows `base .. base + rows.len()` of the whole list.
    pub rows: Vec<Row>,
    pub base: usize,
    /// Every page fetched so far: its first global index and the cursor that fetched it.
    marks: Vec<(usize, Option<String>)>,
    /// The cursor of the page after the window's last row; `None` at the end of the list.
    pub next_cursor: Option<String>,
    /// Global index of the selected row.
    pub selected: usize,
    /// The first visible row (global): moved by `update` to keep the selection in sight at
    /// the list height the layout gives (`view::layout`).
    pub offset: usize,
    pub load: Load,
    /// A page beyond the first is on its way.
    pub loading_more: bool,
    /// The id of the newest request; answers to older ones are dropped.
    pub request: u64,
    /// Ids marked with `space` for a bulk decision.
    pub marked: BTreeSet<String>,
    /// Search text and filters applied to this list.
    pub filter: Filter,
    /// The last reload failed: the rows shown are the last ones that came, kept rather than
    /// emptied (the title says since when the console is offline).
    pub stale: bool,
    /// Rows decided elsewhere while the CSR had them selected, with their new status: they
    /// stay in place, marked, until the selection leaves them, so the list does not move
    /// under the reader before it has said what happened.
    pub departed: BTreeMap<String, Status>,
    /// Loaded from the end (`G`), not from the start.
    pub tail: Option<Tail>,
    /// What each column needs to show its values whole ([`super::columns::wants`]), measured
    /// whenever the rows change so that drawing does not measure.
    pub wants: Vec<usize>,
    /// Rows that arrived (`approval.created`) since the list was first shown and that the
    /// selection has not visited yet: they show `● new`.
    pub fresh: BTreeSet<String>,
}

impl Section {
    pub fn new(id: SectionId) -> Section {
        Section {
            id,
            rows: Vec::new(),
            base: 0,
            marks: Vec::new(),
            next_cursor: None,
            selected: 0,
            offset: 0,
            load: Load::NotLoaded,
            loading_more: false,
            request: 0,
            marked: BTreeSet::new(),
            filter: Filter::default(),
            stale: false,
            departed: BTreeMap::new(),
            tail: None,
            wants: Vec::new(),
            fresh: BTreeSet::new(),
        }
    }

    /// The rows changed: measure what the columns need again.
    pub fn rows_changed(&mut self) {
        self.wants = super::columns::wants(self.id, &self.rows);
    }

    /// Rows known so far (the window's end; more may follow if `next_cursor` is set).
    pub fn len(&self) -> usize {
        self.base + self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, index: usize) -> Option<&Row> {
        index.checked_sub(self.base).and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.row(self.selected)
    }

    /// Rows `from .. from + n` that are loaded, with their global index.
    pub fn visible(&self, from: usize, n: usize) -> impl Iterator<Item = (usize, &Row)> {
        let start = from.max(self.base);
        let end = (from + n).min(self.len());
        (start..end).filter_map(move |i| self.row(i).map(|r| (i, r)))
    }

    /// The first row to show so that the selection is in sight among `visible` rows, moving
    /// as little as possible from the current offset.
    pub fn offset_for(&self, visible: usize) -> usize {
        let mut offset = self.offset.min(self.len().saturating_sub(1));
        if self.selected < offset {
            offset = self.selected;
        } else if visible > 0 && self.selected >= offset + visible {
            offset = self.selected + 1 - visible;
        }
        offset
    }

    /// Rows decided elsewhere leave once the selection is no longer on them.
    pub fn sweep_departed(&mut self) {
        let selected = self.selected_row().map(|r| r.id().to_string());
        let gone: Vec<String> = self
            .departed
            .keys()
            .filter(|id| selected.as_deref() != Some(id.as_str()))
            .cloned()
            .collect();
        for id in gone {
            self.departed.remove(&id);
            self.remove(&id);
        }
    }

    /// Take a row out (decided, by us or elsewhere), keeping the selection on the next item.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(i) = self.rows.iter().position(|r| r.id() == id) else {
            return false;
        };
        self.rows.remove(i);
        self.marked.remove(id);
        self.departed.remove(id);
        // Later pages start one earlier now.
        let global = self.base + i;
        for m in self.marks.iter_mut().filter(|m| m.0 > global) {
            m.0 -= 1;
        }
        if global < self.selected {
            self.selected -= 1;
        }
        self.selected = self.selected.min(self.len().saturating_sub(1));
        self.rows_changed();
        true
    }

    /// Put a page where it belongs and keep the window bounded.
    pub fn place(
        &mut self,
        slot: Slot,
        cursor: Option<String>,
        items: Vec<Row>,
        next_cursor: Option<String>,
    ) {
        match slot {
            Slot::Tail => {
                let mut rows = items;
                rows.reverse();
                self.rows = rows;
                self.base = 0;
                self.marks.clear();
                self.next_cursor = None;
                self.selected = self.rows.len().saturating_sub(1);
                // From the top of the window: the view then scrolls just enough to show the
                // selection, on the list's last line.
                self.offset = 0;
                self.tail = Some(Tail {
                    before: next_cursor,
                });
                let live: BTreeSet<String> = self.rows.iter().map(|r| r.id().to_string()).collect();
                self.marked.retain(|m| live.contains(m));
                self.departed.retain(|d, _| live.contains(d));
                self.fresh.retain(|d| live.contains(d));
            }
            Slot::BeforeTail => {
                // Rows are counted from the end: what comes before shifts every index. The
                // window is not trimmed here (its end could not be fetched again without a
                // count); it grows only as far as the CSR scrolls up.
                let n = items.len();
                let mut rows = items;
                rows.reverse();
                rows.append(&mut self.rows);
                self.rows = rows;
                self.selected += n;
                self.offset += n;
                if let Some(t) = &mut self.tail {
                    t.before = next_cursor;
                }
            }
            Slot::Reset => {
                self.tail = None;
                // Keep the selection on the same item if it is still there, else the same place.
                let keep = self.selected_row().map(|r| r.id().to_string());
                self.rows = items;
                self.base = 0;
                self.marks = vec![(0, None)];
                self.next_cursor = next_cursor;
                self.selected = keep
                    .and_then(|k| self.rows.iter().position(|r| r.id() == k))
                    .unwrap_or(self.selected)
                    .min(self.len().saturating_sub(1));
                let live: BTreeSet<String> = self.rows.iter().map(|r| r.id().to_string()).collect();
                self.marked.retain(|m| live.contains(m));
                self.departed.retain(|d, _| live.contains(d));
            }
            Slot::Append => {
                let start = self.len();
                if self.marks.last().is_none_or(|m| m.0 < start) {
                    self.marks.push((start, cursor));
                }
                self.rows.extend(items);
                self.next_cursor = next_cursor;
                self.trim_front();
            }
            Slot::Prepend(start) => {
                if start + items.len() != self.base {
                    // The list changed under us; a fresh start is the honest answer.
                    tracing::info!("page before the window does not fit; reloading from the top");
                    return;
                }
                self.base = start;
                let mut rows = items;
                rows.append(&mut self.rows);
                self.rows = rows;
                self.trim_back();
            }
        }
        self.rows_changed();
    }

    /// The page to fetch next to keep the selection inside the window, if any.
    pub fn wanted(&self) -> Option<(Slot, Option<String>)> {
        if self.loading_more || self.load != Load::Loaded {
            return None;
        }
        if let Some(Tail { before: Some(c) }) = &self.tail {
            return (self.selected < PREFETCH).then(|| (Slot::BeforeTail, Some(c.clone())));
        }
        if self.selected + PREFETCH >= self.len()
            && let Some(c) = &self.next_cursor
        {
            return Some((Slot::Append, Some(c.clone())));
        }
        if self.base > 0 && self.selected < self.base + PREFETCH {
            // The page that ends where the window starts.
            let i = self.marks.iter().rposition(|m| m.0 < self.base)?;
            let (start, cursor) = &self.marks[i];
            return Some((Slot::Prepend(*start), cursor.clone()));
        }
        None
    }

    /// Drop whole pages from the front while the window is too big and they are far behind.
    fn trim_front(&mut self) {
        while self.rows.len() > WINDOW_ROWS {
            let Some(next) = self.marks.iter().map(|m| m.0).find(|s| *s > self.base) else {
                break;
            };
            let n = next - self.base;
            if self.selected < next + PREFETCH || n >= self.rows.len() {
                break;
            }
            self.rows.drain(..n);
            self.base = next;
        }
    }

    /// Drop whole pages from the back, remembering the cursor to fetch them again.
    fn trim_back(&mut self) {
        while self.rows.len() > WINDOW_ROWS {
            let Some(i) = self
                .marks
                .iter()
                .rposition(|m| m.0 > self.base && m.0 < self.len())
            else {
                break;
            };
            let (start, cursor) = self.marks[i].clone();
            if self.selected + PREFETCH >= start {
                break;
            }
            self.rows.truncate(start - self.base);
            self.next_cursor = cursor;
            self.marks.truncate(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PartnerStatus, PartnerSummary};

    fn rows(from: usize, n: usize) -> Vec<Row> {
        (from..from + n)
            .map(|i| {
                Row::Partner(PartnerSummary {
                    id: format!("r{i}"),
                    name: format!("Row {i}"),
                    status: PartnerStatus::Active,
                    package: None,
                    invoice_id: String::new(),
                    contact_name: Default::default(),
                    email: Default::default(),
                    distributor: None,
                    standing: Default::default(),
                    tenant_count: 0,
                    version: 0,
                })
            })
            .collect()
    }

    /// A list of `total` rows served in pages of `page`, cursors "c<start>".
    fn serve(start: usize, page: usize, total: usize) -> (Vec<Row>, Option<String>) {
        let end = (start + page).min(total);
        let next = (end < total).then(|| format!("c{end}"));
        (rows(start, end - start), next)
    }

    fn start_of(cursor: &Option<String>) -> usize {
        cursor
            .as_deref()
            .map(|c| c[1..].parse().unwrap())
            .unwrap_or(0)
    }

    #[test]
    fn scrolling_a_million_rows_keeps_the_window_bounded_and_comes_back() {
        const TOTAL: usize = 1_000_000;
        const PAGE: usize = 200;
        let mut s = Section::new(SectionId::AllHistory);
        let (items, next) = serve(0, PAGE, TOTAL);
        s.place(Slot::Reset, None, items, next);
        s.load = Load::Loaded;
        let mut fetched = 0;
        // Down to the end, a page at a time, as the selection moves.
        while s.selected + 1 < TOTAL {
            if let Some((slot, cursor)) = s.wanted() {
                let (items, next) = serve(start_of(&cursor), PAGE, TOTAL);
                s.place(slot, cursor, items, next);
                fetched += 1;
            }
            s.selected = (s.selected + 137).min(s.len() - 1);
            assert!(
                s.rows.len() <= WINDOW_ROWS + PAGE,
                "window grew to {}",
                s.rows.len()
            );
            assert_eq!(s.selected_row().unwrap().id(), format!("r{}", s.selected));
        }
        assert_eq!(s.len(), TOTAL);
        assert!(s.next_cursor.is_none());
        assert!(fetched >= TOTAL / PAGE - 1);
        // And back up to the top: the dropped pages come back, in order.
        while s.selected > 0 {
            if let Some((slot, cursor)) = s.wanted() {
                let (items, next) = serve(start_of(&cursor), PAGE, TOTAL);
                s.place(slot, cursor, items, next);
            }
            s.selected = s.selected.saturating_sub(97).max(s.base);
            assert!(
                s.rows.len() <= WINDOW_ROWS + PAGE,
                "window grew to {}",
                s.rows.len()
            );
            assert_eq!(s.selected_row().unwrap().id(), format!("r{}", s.selected));
        }
        assert_eq!(s.base, 0);
    }

    #[test]
    fn removing_keeps_the_selection_on_the_next_item() {
        let mut s = Section::new(SectionId::PartnershipPending);
        s.place(Slot::Reset, None, rows(0, 5), None);
        s.selected = 2;
        assert!(s.remove("r2"));
        assert_eq!(s.selected_row().unwrap().id(), "r3");
        assert!(s.remove("r0"));
        assert_eq!(s.selected_row().unwrap().id(), "r3");
        s.selected = 2;
        assert!(s.remove("r4"));
        assert_eq!(
            s.selected_row().unwrap().id(),
            "r3",
            "the last one goes: the one before"
        );
        assert!(!s.remove("nope"));
    }
}
