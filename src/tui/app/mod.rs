//! The console's state and `update(Msg, now) -> Vec<Effect>`: pure. It never awaits, never
//! touches the terminal or the network, reads no clock (the time comes in with the message) and
//! makes no random id (decision keys come from [`ids::DecisionKeys`], seeded by the runtime).
//! Drawing (`tui::view`) reads `&App` and writes nothing.
//!
//! The features keep their state in their own folders (`decide`, `partners`, `history`); this
//! module holds what every screen shares and routes each message to the feature it is for.

pub mod effect;
pub mod focus;
pub mod ids;
pub mod keymap;
pub mod msg;
mod screen;
mod stream;
pub mod toast;

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Size;

use self::effect::Effect;
use self::focus::{Focus, Handled, Hint, Layer};
use self::keymap::Keymap;
use self::msg::Msg;
use self::toast::Toast;
use crate::domain::{Me, PendingCounts};
use crate::tui::queue::section::Section;
pub use crate::tui::queue::section::{Load, Slot};
use crate::tui::queue::tabs::{SectionId, TabId};
pub use stream::TOKEN_REFUSED;

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
    /// Ask before approving what another CSR has open (`[ui] confirm_when_watched`).
    pub confirm_when_watched: bool,
    /// Where `e` writes its CSV files.
    pub export_dir: std::path::PathBuf,
    /// Seeds the decision keys: random per run (the runtime picks it), fixed in tests.
    pub key_seed: u64,
    /// Pending longer than this, a request is marked as aging; `None`: never.
    pub stale_after: Option<Duration>,
    /// `[reasons]`: rejection reasons the reject dialog offers on `Ctrl-T`.
    pub reasons: Vec<crate::config::ReasonTemplate>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            profile: "default".into(),
            production: false,
            read_only: false,
            poll_interval: Duration::from_secs(10),
            confirm_approve: true,
            confirm_when_watched: true,
            export_dir: std::env::temp_dir(),
            key_seed: 0,
            stale_after: Some(Duration::from_secs(48 * 3600)),
            reasons: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Connecting,
    Live,
    Offline,
    /// The backend is reachable but answered 401: the token is refused.
    TokenRefused,
}

/// The detail pane under (or beside) the list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailPane {
    pub open: bool,
    /// Lines scrolled down; `J` stops where the last line reaches the pane's bottom.
    pub scroll: u16,
}

#[derive(Debug)]
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
    /// Who receives keys: the screen, then whatever is open on top of it.
    pub focus: Focus,
    pub detail: DetailPane,
    pub decide: crate::tui::decide::Decisions,
    pub partners: crate::tui::partners::Partners,
    pub history: crate::tui::history::History,
    /// The open partner record's pages.
    pub record: crate::tui::record::Record,
    /// My Partners → Hierarchy.
    pub hierarchy: crate::tui::hierarchy::Hierarchy,
    pub polling_paused: bool,
    /// When the event stream went down, while it is down.
    pub offline_since: Option<DateTime<Utc>>,
    /// Polling `/summary` is scheduled (only while the stream is down).
    pub(in crate::tui) polling: bool,
    /// Bumped by every search edit; only the newest settles into a request.
    pub(in crate::tui) search_gen: u64,
    pub keymap: Keymap,
    /// The terminal's size, as the last `Resize` said: paging and scrolling use the same layout
    /// as drawing.
    pub size: Size,
    /// The time that came with the last message.
    pub now: DateTime<Utc>,
    pub quitting: bool,
    next_id: u64,
    pub(in crate::tui) keys: ids::DecisionKeys,
}

impl App {
    pub fn new(session: Session, keymap: Keymap) -> App {
        let keys = ids::DecisionKeys::new(session.key_seed);
        App {
            session,
            user: None,
            live: Live::Connecting,
            counts: None,
            tab: TabId::Partnership,
            tab_section: [0; 5],
            sections: SectionId::ALL.iter().map(|s| Section::new(*s)).collect(),
            toasts: Vec::new(),
            focus: Focus::default(),
            detail: DetailPane::default(),
            decide: Default::default(),
            partners: Default::default(),
            history: Default::default(),
            record: Default::default(),
            hierarchy: Default::default(),
            polling_paused: false,
            offline_since: None,
            polling: false,
            search_gen: 0,
            keymap,
            size: Size::new(80, 24),
            now: DateTime::UNIX_EPOCH,
            quitting: false,
            next_id: 0,
            keys,
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

    /// The detail pane starts over at its top for another item.
    pub(in crate::tui) fn detail_from_the_top(&mut self) {
        self.detail.scroll = 0;
    }

    /// Is the search line of the active section taking keys?
    pub fn searching(&self) -> bool {
        self.focus.has(|l| matches!(l, Layer::Search))
    }

    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        let mut fx = self.route(msg);
        // What drawing will show of the list follows the selection (and the size).
        self.keep_selection_in_view();
        self.visit_selected();
        fx.extend(self.follow_open_item());
        fx
    }

    fn route(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize { width, height } => {
                self.size = Size::new(width, height);
                vec![]
            }
            Msg::Me(Ok(me)) => {
                self.user = Some(me);
                vec![]
            }
            Msg::Me(Err(e)) if e.status() == Some(401) => self.token_refused(),
            Msg::Me(Err(e)) => {
                self.error_toast(format!("Could not tell who you are: {}", e.user_message()))
            }
            Msg::Summary(Ok(s)) => {
                self.counts = Some(s.pending);
                vec![]
            }
            Msg::Summary(Err(e)) if e.status() == Some(401) => self.token_refused(),
            Msg::Summary(Err(e)) => {
                tracing::warn!("summary failed: {e}");
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
            Msg::Stats { request, result } => self.on_stats(request, result),
            Msg::DetailSettled(generation) => self.on_detail_settled(generation),
            Msg::Partner { id, result } => self.on_partner(id, result),
            Msg::Impersonated(result) => self.on_impersonated(result),
            Msg::PartnerSaved { id, result } => self.on_partner_saved(id, result),
            Msg::Members { partner_id, result } => self.on_members(partner_id, result),
            Msg::Vouchers { partner_id, result } => self.on_vouchers(partner_id, result),
            Msg::Batches { generation, result } => self.on_batches(generation, result),
            Msg::BatchChanged {
                partner_id,
                assign,
                result,
                ..
            } => self.on_batch_changed(partner_id, assign, result),
            Msg::Edited(result) => self.on_edited(result),
            Msg::Nodes {
                request,
                parent,
                slot,
                cursor,
                result,
            } => self.on_nodes(request, parent, slot, cursor, result),
            Msg::Node { level, id, result } => self.on_node(level, id, result),
            Msg::NodeWritten { write, result } => self.on_node_written(write, result),
            Msg::Admins { node, result } => self.on_admins(node, result),
            Msg::Tiers { partner_id, result } => self.on_tiers(partner_id, result),
            Msg::LeadSettings { partner_id, result } => self.on_lead_settings(partner_id, result),
            Msg::LeadSaved { partner_id, result } => self.on_lead_saved(partner_id, result),
            Msg::LeadPreview { result } => self.on_lead_preview(result),
            Msg::PortalInvited { result } => self.on_portal_invited(result),
            Msg::PeriodWritten { write, result } => self.on_period_written(write, result),
            Msg::Extended { batch, id, result } => self.on_extended(batch, id, result),
            Msg::PartnerView(result) => self.on_partner_view(result),
            Msg::ImpersonationEnded(result) => self.on_impersonation_ended(result),
            Msg::ImpersonationExpiring(id) => self.on_impersonation_expiring(id),
            Msg::ImpersonationExpired(id) => self.on_impersonation_expired(id),
            Msg::ImpersonationTick => self.on_impersonation_tick(),
            Msg::FinderSettled(generation) => self.on_finder_settled(generation),
            Msg::ArrivalsSettled => self.on_arrivals_settled(),
            Msg::PartnerRequests(result) => self.on_partner_requests(result),
            Msg::RequestSubmitted(result) => self.on_request_submitted(result),
            Msg::OpenItemSettled => self.on_open_item_settled(),
            Msg::PresenceRefresh => self.on_presence_refresh(),
            Msg::Found { generation, result } => self.on_found(generation, result),
            Msg::ExportDone(result) => self.on_export_done(result),
            Msg::SearchSettled {
                section,
                generation,
            } => self.on_search_settled(section, generation),
            Msg::ExpireToast(id) => {
                self.toasts.retain(|t| t.id != id);
                vec![]
            }
            Msg::PollSummary => self.on_poll_summary(),
            Msg::Shutdown => self.quit(),
        }
    }

    /// Leave: the runtime ends an impersonation first (briefly), then the loop stops.
    pub(in crate::tui) fn quit(&mut self) -> Vec<Effect> {
        self.quitting = true;
        let impersonation = self
            .partners
            .impersonating
            .as_ref()
            .map(|i| i.session.id.clone());
        vec![Effect::Quit { impersonation }]
    }

    /// `q` / Ctrl-C: asks first while a decision is still being sent.
    pub(in crate::tui) fn ask_quit(&mut self) -> Vec<Effect> {
        if self.quit_worry().is_none() || matches!(self.focus.top(), Layer::ConfirmQuit) {
            return self.quit();
        }
        self.focus.push(Layer::ConfirmQuit);
        vec![]
    }

    /// Why quitting is asked about first, if it is: what quitting now would lose.
    pub fn quit_worry(&self) -> Option<&'static str> {
        if self.decisions_in_flight() {
            return Some("A decision is still being sent. Quit anyway?");
        }
        let unsaved = self
            .focus
            .layers()
            .iter()
            .any(|l| matches!(l, Layer::Form(d) if d.form.changed()));
        unsaved.then_some("The form has changes that are not saved. Quit and lose them?")
    }

    // ---- keys ---------------------------------------------------------------------------

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        self.dismiss_sticky_toasts();
        // Ctrl-C always quits, whatever is open (asking first if a decision is in flight).
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.ask_quit();
        }
        self.dispatch_key(key).unwrap_or_default()
    }

    /// The key down the focus stack until a layer takes it: `Some(effects)` if one did
    /// something, `None` if it was ignored.
    pub(in crate::tui) fn dispatch_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let mut depth = self.focus.len();
        while depth > 0 {
            depth -= 1;
            let mut layer = self.focus.take(depth);
            let handled = self.layer_key(&mut layer, key);
            let closes = matches!(handled, Handled::Close(_));
            self.focus.put_back(depth, (!closes).then_some(layer));
            match handled {
                Handled::Done(fx) | Handled::Close(fx) => return Some(fx),
                Handled::Ignored => return None,
                Handled::Pass => {}
            }
        }
        None
    }

    fn layer_key(&mut self, layer: &mut Layer, key: KeyEvent) -> Handled {
        match layer {
            Layer::Screen => self.screen_key(key),
            Layer::PartnerView => self.partner_view_key(key),
            Layer::Search => self.search_key(key),
            Layer::Help(help) => self.help_key(help, key),
            Layer::Filter(form) => self.filter_key(form, key),
            Layer::Copy(choices) => self.copy_key(choices, key),
            Layer::Impersonate(dialog) => self.impersonate_key(dialog, key),
            Layer::Finder(finder) => self.finder_key(finder, key),
            Layer::Confirm(confirm) => self.confirm_key(confirm, key),
            Layer::Reason(dialog) => self.reason_key(dialog, key),
            Layer::Form(dialog) => self.form_key(dialog, key),
            Layer::Batches(picker) => self.batch_key(picker, key),
            Layer::Admins(d) => self.admins_key(d, key),
            Layer::Periods(p) => self.period_picker_key(p, key),
            Layer::Preview(p) => self.preview_key(p, key),
            Layer::ConfirmQuit => self.confirm_quit_key(key),
            Layer::Handling => Handled::Pass,
        }
    }

    /// The keys of `layer`, for the key bar and help.
    pub fn hints(&self, layer: &Layer) -> Vec<Hint> {
        use crate::tui::{decide, partners, queue};
        match layer {
            Layer::Screen => self.screen_hints(),
            Layer::PartnerView => self.partner_view_hints(),
            Layer::Search => queue::search::hints(),
            Layer::Help(help) => help.hints(),
            Layer::Filter(form) => form.hints(),
            Layer::Copy(choices) => choices.hints(),
            Layer::Impersonate(dialog) => dialog.hints(),
            Layer::Finder(_) => partners::finder::hints(),
            Layer::Confirm(_) | Layer::ConfirmQuit => decide::confirm::hints(),
            Layer::Reason(dialog) => dialog.hints(),
            Layer::Form(dialog) => dialog.hints(),
            Layer::Batches(picker) => picker.hints(),
            Layer::Admins(d) => d.hints(),
            Layer::Periods(p) => p.hints(),
            Layer::Preview(p) => p.hints(),
            Layer::Handling => vec![],
        }
    }

    /// The key bar: the keys of the layer on top.
    pub fn key_bar(&self) -> Vec<Hint> {
        let mut hints = self.hints(self.focus.top());
        hints.retain(|h| h.bar);
        hints
    }

    /// What help lists: the keys of the layer it was opened over.
    pub fn help_hints(&self) -> Vec<Hint> {
        let under = self
            .focus
            .layers()
            .iter()
            .rev()
            .find(|l| !matches!(l, Layer::Help(_) | Layer::Handling))
            .unwrap_or(&Layer::Screen);
        let mut hints = self.hints(under);
        hints.retain(|h| h.help);
        hints
    }

    /// Pasted text goes to the top layer that takes text; the others keep it from the lists.
    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        let depth = self.focus.len() - 1;
        let mut layer = self.focus.take(depth);
        let fx = match &mut layer {
            Layer::Finder(finder) => self.paste_into_finder(finder, text),
            Layer::Reason(dialog) => {
                dialog.paste(text);
                vec![]
            }
            Layer::Impersonate(dialog) => {
                dialog.paste(text);
                vec![]
            }
            Layer::Form(dialog) => {
                dialog.form.paste(text);
                vec![]
            }
            Layer::Search => self.paste_into_search(text),
            Layer::Help(help) => {
                help.paste(text);
                vec![]
            }
            _ => vec![],
        };
        self.focus.put_back(depth, Some(layer));
        fx
    }
}

#[cfg(test)]
mod dialog_error_tests;
#[cfg(test)]
mod focus_states;
#[cfg(test)]
mod focus_tests;
#[cfg(test)]
mod tests;
