//! The console's state and `update(Msg) -> Vec<Effect>`: pure, never awaits, never touches the
//! terminal or the network. Rendering (`view.rs`) reads `&App`.

pub mod effect;
pub mod keymap;
pub mod msg;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::client::{ApiError, StreamItem};
use crate::domain::{Me, PendingCounts};
use crate::tui::app::effect::Effect;
use crate::tui::app::keymap::{Action, Keymap};
use crate::tui::app::msg::Msg;
use crate::tui::decide::Batch;
use crate::tui::decide::modal::Modal;
pub use crate::tui::queue::section::{Load, Section, Slot};
use crate::tui::queue::tabs::{Row, SectionId, TabId};

/// Rows fetched per page.
pub const PAGE_SIZE: u32 = 200;
const TOAST_TIME: Duration = Duration::from_secs(4);
const ERROR_TOAST_TIME: Duration = Duration::from_secs(8);
const MAX_TOASTS: usize = 3;

/// Who is using the console, on what; fixed for a session.
#[derive(Debug, Clone)]
pub struct Session {
    pub profile: String,
    pub production: bool,
    pub read_only: bool,
    /// How often to poll `/summary` while the event stream is down.
    pub poll_interval: Duration,
    /// Ask y/N before approving (`[ui] confirm_approve`).
    pub confirm_approve: bool,
    /// Where `e` writes its CSV files.
    pub export_dir: std::path::PathBuf,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            profile: "default".into(),
            production: false,
            read_only: false,
            poll_interval: Duration::from_secs(10),
            confirm_approve: true,
            export_dir: std::env::temp_dir(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Live,
    Offline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub id: u64,
    pub kind: ToastKind,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Help {
    pub filter: String,
}

pub struct App {
    pub session: Session,
    pub user: Option<Me>,
    pub live: Live,
    pub counts: Option<PendingCounts>,
    pub tab: TabId,
    /// The active section of each tab, by tab index.
    pub tab_section: [usize; 5],
    pub sections: Vec<Section>,
    pub toasts: Vec<Toast>,
    pub help: Option<Help>,
    pub modal: Option<Modal>,
    /// What the quit question covers, back on "no" (a reason being written is never lost).
    pub(in crate::tui) behind_quit: Option<Modal>,
    pub detail_open: bool,
    pub detail_scroll: u16,
    /// How far the detail pane can scroll before its last line leaves it, as the last frame
    /// drew it: only drawing knows how the text wraps at the pane's width, and `J` stops there
    /// so that `K` answers at once. A `Cell` because drawing reads `&App`.
    pub detail_scroll_max: std::cell::Cell<u16>,
    /// Decisions in flight, by batch id.
    pub batches: HashMap<u64, Batch>,
    /// Keys of decisions that failed to reach the server, reused when the CSR tries the same
    /// decision of the same version again, so a late success is never doubled.
    pub(in crate::tui) retry_keys: HashMap<(String, bool), crate::client::DecisionKey>,
    pub polling_paused: bool,
    /// The full partner behind the selected row of My Partners.
    pub partner_detail: Option<crate::tui::partners::PartnerDetail>,
    pub(in crate::tui) detail_gen: u64,
    /// Acting as a partner's owner: the console shows the partner's own view.
    pub impersonating: Option<crate::tui::partners::Impersonating>,
    /// Decisions per day for the History tab's chart, and the request it answers.
    pub stats: Option<Result<crate::domain::ApprovalStats, String>>,
    pub(in crate::tui) stats_request: u64,
    /// A running export and its progress.
    pub export: Option<crate::tui::history::export::ExportState>,
    /// The search line of the active section has the focus.
    pub searching: bool,
    /// Bumped by every search edit; only the newest settles into a request.
    pub(in crate::tui) search_gen: u64,
    pub keymap: Keymap,
    /// The last known list height, for paging keys (set by the view's layout via `Resize`).
    pub page_rows: usize,
    pub quitting: bool,
    /// Polling `/summary` is scheduled (only while the stream is down).
    pub(in crate::tui) polling: bool,
    next_id: u64,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    pub fn new(session: Session, keymap: Keymap) -> App {
        App {
            session,
            user: None,
            live: Live::Connecting,
            counts: None,
            tab: TabId::Partnership,
            tab_section: [0; 5],
            sections: SectionId::ALL.iter().map(|s| Section::new(*s)).collect(),
            toasts: Vec::new(),
            help: None,
            modal: None,
            behind_quit: None,
            detail_open: false,
            detail_scroll: 0,
            detail_scroll_max: std::cell::Cell::new(u16::MAX),
            batches: HashMap::new(),
            retry_keys: HashMap::new(),
            polling_paused: false,
            export: None,
            stats: None,
            stats_request: 0,
            partner_detail: None,
            detail_gen: 0,
            impersonating: None,
            searching: false,
            search_gen: 0,
            keymap,
            page_rows: 10,
            quitting: false,
            polling: false,
            next_id: 0,
            dirty: true,
        }
    }

    /// What to do at start: who am I, the counts, the first list.
    pub fn init(&mut self) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadMe, Effect::LoadSummary];
        fx.extend(self.ensure_loaded(self.active_section_id()));
        fx
    }

    pub fn active_section_id(&self) -> SectionId {
        let sections = self.tab.sections();
        sections[self.tab_section[self.tab.index()].min(sections.len() - 1)]
    }

    pub fn section(&self, id: SectionId) -> &Section {
        &self.sections[id.index()]
    }

    pub(in crate::tui) fn section_mut(&mut self, id: SectionId) -> &mut Section {
        &mut self.sections[id.index()]
    }

    pub fn active_section(&self) -> &Section {
        self.section(self.active_section_id())
    }

    pub(in crate::tui) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The detail pane starts over at its top for another item. How far that text can scroll
    /// is known again only once it is drawn; until then `J` is not held to the old one's end.
    pub(in crate::tui) fn detail_from_the_top(&mut self) {
        self.detail_scroll = 0;
        self.detail_scroll_max.set(u16::MAX);
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => {
                if matches!(self.modal, Some(Modal::Finder(_))) {
                    return self.paste_into_finder(&text);
                }
                if self.paste_into_modal(&text) {
                    return vec![];
                }
                if self.searching {
                    return self.paste_into_search(&text);
                }
                if let Some(help) = &mut self.help {
                    help.filter.push_str(&crate::text::clean_line(&text));
                } else {
                    self.dirty = false;
                }
                vec![]
            }
            Msg::Resize => vec![],
            Msg::Me(Ok(me)) => {
                self.user = Some(me);
                vec![]
            }
            Msg::Me(Err(e)) => {
                self.error_toast(format!("Could not tell who you are: {}", e.user_message()))
            }
            Msg::Summary(Ok(s)) => {
                self.counts = Some(s.pending);
                vec![]
            }
            Msg::Summary(Err(e)) => {
                tracing::warn!("summary failed: {e}");
                self.dirty = false;
                vec![]
            }
            Msg::Page {
                section,
                request,
                slot,
                cursor,
                result,
            } => self.on_page(section, request, slot, cursor, result),
            Msg::Stream(item) => self.on_stream(item),
            Msg::Decided { batch, id, result } => self.on_decided(batch, id, result),
            Msg::ExportProgress(rows) => self.on_export_progress(rows),
            Msg::Stats { request, result } => {
                if request != self.stats_request {
                    self.dirty = false;
                    return vec![];
                }
                self.stats = Some(result.map_err(|e| e.user_message()));
                vec![]
            }
            Msg::DetailSettled(generation) => self.on_detail_settled(generation),
            Msg::Partner { id, result } => self.on_partner(id, result),
            Msg::Impersonated(result) => self.on_impersonated(result),
            Msg::PartnerView(result) => self.on_partner_view(result),
            Msg::ImpersonationEnded(result) => self.on_impersonation_ended(result),
            Msg::ImpersonationExpired(id) => self.on_impersonation_expired(id),
            Msg::ImpersonationTick => self.on_impersonation_tick(),
            Msg::FinderSettled(generation) => self.on_finder_settled(generation),
            Msg::Found { generation, result } => self.on_found(generation, result),
            Msg::ExportDone(result) => self.on_export_done(result),
            Msg::SearchSettled {
                section,
                generation,
            } => self.on_search_settled(section, generation),
            Msg::ExpireToast(id) => {
                let before = self.toasts.len();
                self.toasts.retain(|t| t.id != id);
                self.dirty = self.toasts.len() != before;
                vec![]
            }
            Msg::PollSummary => {
                self.polling = false;
                if self.live == Live::Live || self.quitting || self.polling_paused {
                    self.dirty = false;
                    return vec![];
                }
                self.dirty = false;
                vec![Effect::LoadSummary, self.schedule_poll()]
            }
            Msg::Shutdown => self.quit(),
        }
    }

    fn quit(&mut self) -> Vec<Effect> {
        self.quitting = true;
        vec![Effect::Quit]
    }

    /// `q` / Ctrl-C: asks first while a decision is still being sent.
    fn ask_quit(&mut self) -> Vec<Effect> {
        if !self.decisions_in_flight() || matches!(self.modal, Some(Modal::ConfirmQuit)) {
            return self.quit();
        }
        self.behind_quit = self.modal.replace(Modal::ConfirmQuit);
        vec![]
    }

    // ---- keys ---------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            self.dirty = false;
            return vec![];
        }
        // Ctrl-C always quits, whatever is open (asking first if a decision is in flight).
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.ask_quit();
        }
        match self.modal.take() {
            Some(Modal::Filter(form)) => return self.on_filter_key(form, key),
            Some(Modal::Copy(choices)) => return self.on_copy_key(choices, key),
            Some(Modal::Impersonate(d)) => return self.on_impersonate_key(d, key),
            Some(Modal::Finder(f)) => return self.on_finder_key(f, key),
            Some(other) => {
                self.modal = Some(other);
                return self.on_modal_key(key);
            }
            None => {}
        }
        if self.searching {
            return self.on_search_key(key);
        }
        if self.help.is_some() {
            return self.on_help_key(key);
        }
        let Some(action) = self.keymap.action(&key) else {
            self.dirty = false;
            return vec![];
        };
        self.on_action(action)
    }

    fn on_help_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(help) = &mut self.help else {
            return vec![];
        };
        match key.code {
            KeyCode::Esc => {
                if help.filter.is_empty() {
                    self.help = None;
                } else {
                    help.filter.clear();
                }
            }
            KeyCode::Char('?') if help.filter.is_empty() => self.help = None,
            KeyCode::Enter => self.help = None,
            KeyCode::Backspace => {
                help.filter.pop();
            }
            // Typed text is shown back, so the sanitizer's rule applies to it too.
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL) && !crate::text::is_unsafe(c) =>
            {
                help.filter.push(c)
            }
            _ => self.dirty = false,
        }
        vec![]
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        // The partner's own view has its own few keys; the CSR's lists wait behind it.
        if self.impersonating.is_some()
            && !matches!(
                action,
                Action::Quit | Action::Help | Action::ExitImpersonation | Action::Suspend
            )
        {
            self.dirty = false;
            return vec![];
        }
        match action {
            Action::Quit => self.ask_quit(),
            Action::Help => {
                self.help = Some(Help::default());
                vec![]
            }
            Action::Suspend => vec![Effect::Suspend],
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
            Action::HalfPageDown => self.move_by((self.page_rows / 2).max(1) as isize),
            Action::HalfPageUp => self.move_by(-((self.page_rows / 2).max(1) as isize)),
            Action::PageDown => self.move_by(self.page_rows.max(1) as isize),
            Action::PageUp => self.move_by(-(self.page_rows.max(1) as isize)),
            Action::Top => self.move_to(0),
            Action::Bottom => self.move_to(usize::MAX),
            Action::Refresh => {
                let id = self.active_section_id();
                let mut fx = vec![Effect::LoadSummary];
                fx.extend(self.reload(id));
                fx
            }
            Action::Approve => self.approve_selected(),
            Action::Reject => self.reject_selected(),
            Action::Mark => self.toggle_mark(),
            Action::MarkAll => self.mark_all(),
            Action::Clear if self.cancel_export() => vec![],
            Action::Clear => self.clear(),
            Action::Search => self.start_search(),
            Action::Filter => self.open_filter(),
            Action::Export => self.start_export(),
            Action::Copy => self.open_copy(),
            Action::Impersonate => self.open_impersonate(),
            Action::ExitImpersonation => self.ask_exit_impersonation(),
            Action::Find => self.open_finder(),
            Action::Sort => self.toggle_sort(),
            Action::ToggleDetail => {
                self.detail_open = !self.detail_open;
                self.detail_from_the_top();
                self.schedule_partner_detail()
            }
            Action::DetailDown => {
                self.detail_scroll = self
                    .detail_scroll
                    .saturating_add(3)
                    .min(self.detail_scroll_max.get());
                vec![]
            }
            Action::DetailUp => {
                self.detail_scroll = self.detail_scroll.saturating_sub(3);
                vec![]
            }
            Action::TogglePolling => {
                self.polling_paused = !self.polling_paused;
                let fx = if !self.polling_paused && self.live != Live::Live && !self.polling {
                    vec![self.schedule_poll()]
                } else {
                    vec![]
                };
                let mut out = if self.polling_paused {
                    self.toast("Polling paused while offline; P resumes it")
                } else {
                    self.toast("Polling resumed")
                };
                out.extend(fx);
                out
            }
        }
    }

    fn switch_tab(&mut self, index: usize) -> Vec<Effect> {
        self.tab = TabId::ALL[index.min(TabId::ALL.len() - 1)];
        let mut fx = self.ensure_loaded(self.active_section_id());
        if self.stats.is_none() {
            fx.extend(self.stats_effect());
        }
        fx
    }

    /// The chart's numbers for the History tab, with its filters (dates, kind, decision, search).
    pub(in crate::tui) fn stats_effect(&mut self) -> Vec<Effect> {
        if self.tab != TabId::History {
            // Asked for again when the tab is shown.
            self.stats = None;
            return vec![];
        }
        let id = SectionId::AllHistory;
        let crate::tui::queue::filter::ListQuery::Approvals(mut query) =
            self.section(id).filter.query(id, None, 1)
        else {
            return vec![];
        };
        query.cursor = None;
        query.limit = None;
        self.stats_request = self.next_id();
        vec![Effect::LoadStats {
            request: self.stats_request,
            query,
        }]
    }

    fn switch_section(&mut self, delta: isize) -> Vec<Effect> {
        let n = self.tab.sections().len();
        if n < 2 {
            self.dirty = false;
            return vec![];
        }
        let slot = &mut self.tab_section[self.tab.index()];
        *slot = ((*slot as isize + delta).rem_euclid(n as isize)) as usize;
        self.ensure_loaded(self.active_section_id())
    }

    fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        let s = self.active_section();
        let target = if delta < 0 {
            s.selected.saturating_sub(delta.unsigned_abs())
        } else {
            s.selected.saturating_add(delta as usize)
        };
        self.move_to(target)
    }

    fn move_to(&mut self, target: usize) -> Vec<Effect> {
        let id = self.active_section_id();
        let s = self.section_mut(id);
        if s.is_empty() {
            return vec![];
        }
        let to = target.min(s.len() - 1);
        let unchanged = to == s.selected;
        s.selected = to;
        if !unchanged {
            self.detail_from_the_top();
        }
        let mut fx = self.maybe_load_more(id);
        if !unchanged {
            fx.extend(self.schedule_partner_detail());
        }
        self.dirty = !unchanged || !fx.is_empty();
        fx
    }

    // ---- data ---------------------------------------------------------------------------

    fn ensure_loaded(&mut self, id: SectionId) -> Vec<Effect> {
        match self.section(id).load {
            Load::NotLoaded => self.reload(id),
            _ => vec![],
        }
    }

    pub(in crate::tui) fn reload(&mut self, id: SectionId) -> Vec<Effect> {
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
        let request = self.next_id();
        let s = self.section_mut(id);
        s.loading_more = true;
        s.request = request;
        let query = s.filter.query(id, cursor, PAGE_SIZE);
        vec![Effect::LoadPage {
            section: id,
            request,
            slot,
            query,
        }]
    }

    fn on_page(
        &mut self,
        id: SectionId,
        request: u64,
        slot: Slot,
        cursor: Option<String>,
        result: Result<crate::domain::Page<Row>, ApiError>,
    ) -> Vec<Effect> {
        if request != self.section(id).request {
            self.dirty = false;
            return vec![]; // a stale answer
        }
        let s = self.section_mut(id);
        s.loading_more = false;
        match result {
            Ok(page) => {
                s.place(slot, cursor, page.items, page.next_cursor);
                s.load = Load::Loaded;
                // The selection may already be near the new edge (fast scrolling).
                if id == self.active_section_id() {
                    return self.maybe_load_more(id);
                }
                vec![]
            }
            Err(e) => {
                let text = e.user_message();
                if slot == Slot::Reset {
                    s.load = Load::Failed(text.clone());
                }
                self.error_toast(format!(
                    "Could not load {}: {text}",
                    id.title().to_lowercase()
                ))
            }
        }
    }

    fn on_stream(&mut self, item: StreamItem) -> Vec<Effect> {
        match item {
            StreamItem::Connected => {
                let was = self.live;
                self.live = Live::Live;
                // Catch up on what happened while offline: counts, and the list in view.
                if was == Live::Offline {
                    let mut fx = vec![Effect::LoadSummary];
                    let id = self.active_section_id();
                    if self.section(id).load == Load::Loaded {
                        fx.extend(self.reload(id));
                    }
                    fx
                } else {
                    vec![]
                }
            }
            StreamItem::Disconnected { message } => {
                tracing::info!("event stream down: {message}");
                self.live = Live::Offline;
                if self.polling || self.polling_paused {
                    vec![]
                } else {
                    vec![self.schedule_poll()]
                }
            }
            StreamItem::Event { event, .. } => self.on_live_event(event),
        }
    }

    pub(in crate::tui) fn schedule_poll(&mut self) -> Effect {
        self.polling = true;
        Effect::After {
            delay: self.session.poll_interval.max(Duration::from_secs(1)),
            msg: Msg::PollSummary,
        }
    }

    // ---- toasts -------------------------------------------------------------------------

    pub fn toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Info, text.into(), TOAST_TIME)
    }

    pub fn error_toast(&mut self, text: impl Into<String>) -> Vec<Effect> {
        self.push_toast(ToastKind::Error, text.into(), ERROR_TOAST_TIME)
    }

    fn push_toast(&mut self, kind: ToastKind, text: String, time: Duration) -> Vec<Effect> {
        let id = self.next_id();
        self.toasts.push(Toast { id, kind, text });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
        self.dirty = true;
        vec![Effect::After {
            delay: time,
            msg: Msg::ExpireToast(id),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Page, PartnerStatus, PartnerSummary};

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn partners(n: usize, next: Option<&str>) -> Page<Row> {
        Page {
            items: (0..n)
                .map(|i| {
                    Row::Partner(PartnerSummary {
                        id: format!("pt_{i}"),
                        name: format!("Partner {i}"),
                        status: PartnerStatus::Active,
                        package: None,
                        invoice_id: format!("INV-{i}"),
                    })
                })
                .collect(),
            next_cursor: next.map(str::to_string),
        }
    }

    fn app() -> App {
        App::new(Session::default(), Keymap::default())
    }

    fn request_of(fx: &[Effect]) -> (SectionId, u64, Option<String>) {
        fx.iter()
            .find_map(|e| match e {
                Effect::LoadPage {
                    section,
                    request,
                    query,
                    ..
                } => Some((*section, *request, query.cursor())),
                _ => None,
            })
            .expect("a page load")
    }

    #[test]
    fn an_export_names_its_file_before_its_directory() {
        let mut app = app();
        let path = std::path::PathBuf::from("/home/ann/Downloads/history-20261202.csv");
        app.update(Msg::ExportDone(Ok((path, 2500))));
        assert_eq!(
            app.toasts.last().map(|t| t.text.as_str()),
            Some("Exported 2,500 rows to history-20261202.csv in /home/ann/Downloads")
        );
    }

    #[test]
    fn a_failed_export_says_so_once() {
        let mut app = app();
        let why = crate::export::ExportError::Api(crate::client::ApiError::Unreachable {
            message: "connection refused".into(),
        })
        .user_message();
        app.update(Msg::ExportDone(Err(why)));
        assert_eq!(
            app.toasts.last().map(|t| t.text.as_str()),
            Some("Export failed: The backend could not be reached.")
        );
    }

    #[test]
    fn tabs_load_their_first_section_once() {
        let mut app = app();
        let fx = app.init();
        assert_eq!(request_of(&fx).0, SectionId::PartnershipPending);
        let fx = app.update(key('4'));
        assert_eq!(app.tab, TabId::Partners);
        let (sid, req, _) = request_of(&fx);
        assert_eq!(sid, SectionId::Partners);
        app.update(Msg::Page {
            section: sid,
            request: req,
            slot: Slot::Reset,
            cursor: None,
            result: Ok(partners(3, None)),
        });
        assert!(
            app.update(key('1')).is_empty(),
            "Partnership is already loading"
        );
        assert!(app.update(key('4')).is_empty(), "loaded once, not again");
    }

    #[test]
    fn stale_answers_are_dropped_and_scrolling_fetches_ahead() {
        let mut app = app();
        let (sid, req, _) = request_of(&app.update(key('4')));
        app.update(Msg::Page {
            section: sid,
            request: req + 100,
            slot: Slot::Reset,
            cursor: None,
            result: Ok(partners(1, None)),
        });
        assert!(
            app.section(sid).rows.is_empty(),
            "an answer to another request is ignored"
        );
        // A first page shorter than the prefetch distance: the next is asked for at once.
        let fx = app.update(Msg::Page {
            section: sid,
            request: req,
            slot: Slot::Reset,
            cursor: None,
            result: Ok(partners(30, Some("c1"))),
        });
        let (_, req2, cursor) = request_of(&fx);
        assert_eq!(cursor.as_deref(), Some("c1"));
        assert!(
            app.update(key('j')).is_empty(),
            "one fetch in flight at a time"
        );
        app.update(Msg::Page {
            section: sid,
            request: req2,
            slot: Slot::Append,
            cursor: Some("c1".into()),
            result: Ok(partners(5, None)),
        });
        assert_eq!(app.section(sid).rows.len(), 35);
        app.update(key('G'));
        assert_eq!(app.section(sid).selected, 34);
    }

    #[test]
    fn sections_cycle_and_help_filters() {
        let mut app = app();
        app.update(key('3'));
        app.update(key(']'));
        assert_eq!(app.active_section_id(), SectionId::AdvertisingPackages);
        app.update(key('['));
        app.update(key('['));
        assert_eq!(app.active_section_id(), SectionId::RequestsHistory);
        app.update(key('?'));
        app.update(key('t'));
        app.update(key('a'));
        assert_eq!(app.help.as_ref().unwrap().filter, "ta");
        app.update(key('j'));
        assert_eq!(
            app.active_section_id(),
            SectionId::RequestsHistory,
            "keys type into the filter"
        );
        app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
        assert!(app.help.is_none());
        let fx = app.update(key('q'));
        assert!(matches!(fx.as_slice(), [Effect::Quit]));
    }

    #[test]
    fn offline_polls_the_summary_until_live_again() {
        let mut app = app();
        let fx = app.update(Msg::Stream(StreamItem::Disconnected {
            message: "down".into(),
        }));
        assert!(matches!(
            fx.as_slice(),
            [Effect::After {
                msg: Msg::PollSummary,
                ..
            }]
        ));
        assert!(
            app.update(Msg::Stream(StreamItem::Disconnected {
                message: "again".into()
            }))
            .is_empty()
        );
        let fx = app.update(Msg::PollSummary);
        assert!(matches!(
            fx.as_slice(),
            [Effect::LoadSummary, Effect::After { .. }]
        ));
        let fx = app.update(Msg::Stream(StreamItem::Connected));
        assert!(matches!(fx.as_slice(), [Effect::LoadSummary]));
        assert!(
            app.update(Msg::PollSummary).is_empty(),
            "live again: polling stops"
        );
    }
}
