//! Loading a section's pages: the first page, the next one ahead of the selection (either
//! way), stale answers dropped by request id. And the list's scroll position, which follows the
//! selection at the height the layout gives the list.

use ratatui::layout::Rect;

use super::section::{Load, Slot};
use super::tabs::{Row, SectionId};
use crate::client::ApiError;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::view::layout;

/// Rows fetched per page.
pub const PAGE_SIZE: u32 = 200;

impl App {
    /// The layout at the terminal's size (`None` while it is too small to use).
    pub fn layout(&self) -> Option<layout::Areas> {
        layout::areas(self, Rect::new(0, 0, self.size.width, self.size.height))
    }

    /// Rows the list shows at once: what paging keys move by.
    pub fn list_rows(&self) -> usize {
        self.layout().map(|a| a.list_rows()).unwrap_or(1)
    }

    /// Keep the selection of the list in view in sight.
    pub(in crate::tui) fn keep_selection_in_view(&mut self) {
        let rows = self.list_rows();
        let id = self.active_section_id();
        let s = self.section_mut(id);
        s.offset = s.offset_for(rows);
    }

    pub(in crate::tui) fn ensure_loaded(&mut self, id: SectionId) -> Vec<Effect> {
        if id == SectionId::Hierarchy {
            return self.tree_ensure_loaded();
        }
        match self.section(id).load {
            Load::NotLoaded => self.reload(id),
            _ => vec![],
        }
    }

    pub(in crate::tui) fn reload(&mut self, id: SectionId) -> Vec<Effect> {
        if id == SectionId::Hierarchy {
            return self.tree_reload();
        }
        let request = self.next_id();
        let s = self.section_mut(id);
        s.request = request;
        s.loading_more = false;
        if s.load != Load::Loaded {
            s.load = Load::Loading;
        }
        let query = s.filter.query(id, None, PAGE_SIZE);
        vec![Effect::LoadPage {
            section: id,
            request,
            slot: Slot::Reset,
            query,
        }]
    }

    /// Fetch the page the selection is heading for, if the window lacks it.
    pub(in crate::tui) fn maybe_load_more(&mut self, id: SectionId) -> Vec<Effect> {
        let Some((slot, cursor)) = self.section(id).wanted() else {
            return vec![];
        };
        let filter = match slot {
            // Counted from the end: the rows before come from the reverse order.
            Slot::BeforeTail => self.section(id).filter.reversed(id),
            _ => Some(self.section(id).filter.clone()),
        };
        let Some(filter) = filter else {
            return vec![];
        };
        let request = self.next_id();
        let s = self.section_mut(id);
        s.loading_more = true;
        s.request = request;
        let query = filter.query(id, cursor, PAGE_SIZE);
        vec![Effect::LoadPage {
            section: id,
            request,
            slot,
            query,
        }]
    }

    /// `G`: the list's real end. Where the list is not all loaded and the server can list it
    /// the other way round, its last page is fetched directly (the first of the reverse
    /// order); else the selection goes to the last row loaded and the next page follows.
    pub(in crate::tui) fn end_page(&mut self, id: SectionId) -> Option<Vec<Effect>> {
        let s = self.section(id);
        let at_end = s.next_cursor.is_none() && s.tail.is_none();
        if at_end || s.tail.is_some() || s.load != Load::Loaded {
            return None;
        }
        let reversed = s.filter.reversed(id)?;
        let request = self.next_id();
        let s = self.section_mut(id);
        s.loading_more = true;
        s.request = request;
        Some(vec![Effect::LoadPage {
            section: id,
            request,
            slot: Slot::Tail,
            query: reversed.query(id, None, PAGE_SIZE),
        }])
    }

    /// `g` while the window is counted from the end and does not reach the start: the first
    /// page again, from the top.
    pub(in crate::tui) fn start_page(&mut self, id: SectionId) -> Option<Vec<Effect>> {
        let s = self.section_mut(id);
        if s.tail.as_ref().is_none_or(|t| t.before.is_none()) {
            return None;
        }
        s.selected = 0;
        s.offset = 0;
        Some(self.reload(id))
    }

    pub(in crate::tui) fn on_page(
        &mut self,
        id: SectionId,
        request: u64,
        slot: Slot,
        cursor: Option<String>,
        result: Result<crate::domain::Page<Row>, ApiError>,
    ) -> Vec<Effect> {
        if request != self.section(id).request {
            return vec![]; // a stale answer
        }
        let s = self.section_mut(id);
        s.loading_more = false;
        match result {
            Ok(page) => {
                s.place(slot, cursor, page.items, page.next_cursor);
                s.load = Load::Loaded;
                s.stale = false;
                // The selection may already be near the new edge (fast scrolling).
                if id == self.active_section_id() {
                    return self.maybe_load_more(id);
                }
                vec![]
            }
            Err(e) if e.status() == Some(401) => {
                if slot == Slot::Reset {
                    s.load = Load::Failed(crate::tui::app::TOKEN_REFUSED.into());
                }
                self.token_refused()
            }
            Err(e) => {
                let text = e.user_message();
                if slot == Slot::Reset {
                    if s.load == Load::Loaded {
                        // Keep what the CSR was looking at, marked stale; the reconnect
                        // reloads it.
                        s.stale = true;
                    } else {
                        s.load = Load::Failed(text.clone());
                    }
                }
                self.error_toast(format!(
                    "Could not load {}: {text}",
                    id.title().to_lowercase()
                ))
            }
        }
    }
}
