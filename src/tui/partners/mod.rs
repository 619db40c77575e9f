//! My Partners: the full partner behind the selected row (contact, channels), copying a value,
//! impersonating the partner's owner (and coming back), and the quick partner finder from
//! anywhere. Part of `App`; pure.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::client::ApiError;
use crate::domain::{
    Channel, Engagement, Impersonation, Partner, PartnerRef, PartnerSummary, codes,
};
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::msg::Msg;
use crate::tui::decide::modal::Modal;
use crate::tui::queue::section::Load;
use crate::tui::queue::tabs::{Row, SectionId, TabId};
use crate::tui::textarea::TextArea;

/// Wait this long after the selection stops before fetching the partner behind it.
const DETAIL_DEBOUNCE: Duration = Duration::from_millis(120);
/// Longest impersonation reason (the server's limit).
const MAX_IMPERSONATION_REASON: usize = 500;
/// The exact words of seed 001.
pub const EXIT_QUESTION: &str = "You're about to exit impersonating Partner. Are you sure?";

/// The full partner behind the selected row of My Partners.
#[derive(Debug)]
pub struct PartnerDetail {
    pub id: String,
    pub load: Load,
    pub partner: Option<Partner>,
}

/// Longest partner name in one-line messages and the impersonation banner, in chars (at most
/// twice as many columns).
const SHORT_NAME_CHARS: usize = 30;

/// `name` cut to [`SHORT_NAME_CHARS`] chars, ending in `…` when cut: what follows the name in
/// a one-line message or the banner (the role, the time left, "You are back as …") stays on
/// screen whatever the name, even a 1,000-char one.
pub(in crate::tui) fn short_name(name: &str) -> String {
    if name.chars().count() <= SHORT_NAME_CHARS {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(SHORT_NAME_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Acting as a partner's owner.
#[derive(Debug)]
pub struct Impersonating {
    pub session: Impersonation,
    pub load: Load,
    pub me: Option<Partner>,
    pub channels: Vec<Channel>,
    pub engagements: Vec<Engagement>,
}

impl Impersonating {
    /// "29 min left", "<1 min left".
    pub fn time_left(&self, now: DateTime<Utc>) -> String {
        let secs = (self.session.expires_at - now).num_seconds();
        if secs < 60 {
            "<1 min left".into()
        } else {
            format!("{} min left", secs / 60)
        }
    }
}

/// The impersonation reason dialog.
#[derive(Debug)]
pub struct ImpersonateDialog {
    pub partner: PartnerRef,
    pub input: TextArea,
    pub error: Option<String>,
    pub sending: bool,
}

/// The longest query the finder takes, typed or pasted.
const FINDER_MAX_CHARS: usize = 100;

/// The quick partner finder (`:`).
#[derive(Debug, Default)]
pub struct Finder {
    pub input: String,
    pub results: Vec<PartnerSummary>,
    pub selected: usize,
    pub generation: u64,
    pub loading: bool,
}

/// How well `name` matches the typed `fragment`: letters in order, with a bonus for a prefix,
/// a word start and adjacent letters. `None`: no match.
pub fn fuzzy_score(fragment: &str, name: &str) -> Option<i64> {
    let f: Vec<char> = fragment
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if f.is_empty() {
        return Some(0);
    }
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut fi = 0;
    let mut last: Option<usize> = None;
    for (i, c) in n.iter().enumerate() {
        if fi < f.len() && *c == f[fi] {
            score += 1;
            if i == 0 {
                score += 8;
            } else if !n[i - 1].is_alphanumeric() {
                score += 5;
            }
            if last.is_some_and(|l| l + 1 == i) {
                score += 3;
            }
            last = Some(i);
            fi += 1;
        }
    }
    (fi == f.len()).then_some(score * 100 - n.len() as i64)
}

impl App {
    fn partner_row(&self) -> Option<&PartnerSummary> {
        match self.active_section().selected_row() {
            Some(Row::Partner(p)) => Some(p),
            _ => None,
        }
    }

    /// The detail pane opened or the selection moved on My Partners: fetch the partner once
    /// the selection rests.
    pub(in crate::tui) fn schedule_partner_detail(&mut self) -> Vec<Effect> {
        if !self.detail_open || self.active_section_id() != SectionId::Partners {
            return vec![];
        }
        let Some(id) = self.partner_row().map(|p| p.id.clone()) else {
            return vec![];
        };
        if self
            .partner_detail
            .as_ref()
            .is_some_and(|d| d.id == id && d.load != Load::NotLoaded)
        {
            return vec![];
        }
        self.detail_gen += 1;
        self.partner_detail = Some(PartnerDetail {
            id,
            load: Load::Loading,
            partner: None,
        });
        vec![Effect::After {
            delay: DETAIL_DEBOUNCE,
            msg: Msg::DetailSettled(self.detail_gen),
        }]
    }

    pub(in crate::tui) fn on_detail_settled(&mut self, generation: u64) -> Vec<Effect> {
        self.dirty = false;
        match &self.partner_detail {
            Some(d) if generation == self.detail_gen => {
                vec![Effect::LoadPartner { id: d.id.clone() }]
            }
            _ => vec![],
        }
    }

    pub(in crate::tui) fn on_partner(
        &mut self,
        id: String,
        result: Result<Partner, ApiError>,
    ) -> Vec<Effect> {
        let Some(d) = self.partner_detail.as_mut().filter(|d| d.id == id) else {
            self.dirty = false;
            return vec![];
        };
        match result {
            Ok(p) => {
                d.partner = Some(p);
                d.load = Load::Loaded;
            }
            Err(e) => d.load = Load::Failed(e.user_message()),
        }
        vec![]
    }

    // ---- copy ---------------------------------------------------------------------------

    /// `y`: offer the selected item's email, phone and invoice ID (what applies).
    pub(in crate::tui) fn open_copy(&mut self) -> Vec<Effect> {
        let mut choices: Vec<(char, &'static str, String)> = Vec::new();
        match self.active_section().selected_row() {
            Some(Row::Partner(p)) => {
                let full = self
                    .partner_detail
                    .as_ref()
                    .and_then(|d| d.partner.as_ref())
                    .filter(|f| f.summary.id == p.id);
                if let Some(f) = full {
                    choices.push(('e', "email", f.contact.email.clone()));
                    choices.push(('p', "phone", f.contact.phone.clone()));
                }
                choices.push(('i', "invoice ID", p.invoice_id.clone()));
                choices.push(('n', "name", p.name.clone()));
            }
            Some(Row::Approval(a)) => {
                choices.push(('e', "email", a.partner.email.clone()));
                choices.push(('p', "phone", a.partner.phone.clone()));
                choices.push(('n', "partner name", a.partner.name.clone()));
                choices.push(('d', "id", a.id.clone()));
            }
            None => {
                self.dirty = false;
                return vec![];
            }
        }
        choices.retain(|c| !c.2.is_empty());
        self.modal = Some(Modal::Copy(choices));
        vec![]
    }

    pub(in crate::tui) fn on_copy_key(
        &mut self,
        choices: Vec<(char, &'static str, String)>,
        key: KeyEvent,
    ) -> Vec<Effect> {
        if key.code == KeyCode::Esc {
            return vec![];
        }
        let KeyCode::Char(c) = key.code else {
            self.modal = Some(Modal::Copy(choices));
            self.dirty = false;
            return vec![];
        };
        match choices.into_iter().find(|(k, _, _)| *k == c) {
            Some((_, what, text)) => {
                let mut fx = vec![Effect::Copy { text: text.clone() }];
                fx.extend(self.toast(format!("Copied the {what} ({text}) to the clipboard")));
                fx
            }
            None => vec![],
        }
    }

    // ---- impersonation ------------------------------------------------------------------

    pub(in crate::tui) fn open_impersonate(&mut self) -> Vec<Effect> {
        if self.active_section_id() != SectionId::Partners {
            return self.toast("Impersonate from My Partners (4): select the partner, then i.");
        }
        if self.read_only_reason().is_some() && !self.session.read_only {
            return self.error_toast("Only CSRs and admins can impersonate a partner.");
        }
        let Some(p) = self.partner_row() else {
            self.dirty = false;
            return vec![];
        };
        let partner = PartnerRef {
            id: p.id.clone(),
            name: p.name.clone(),
        };
        self.modal = Some(Modal::Impersonate(ImpersonateDialog {
            partner,
            input: TextArea::default(),
            error: None,
            sending: false,
        }));
        vec![]
    }

    pub(in crate::tui) fn on_impersonate_key(
        &mut self,
        mut d: ImpersonateDialog,
        key: KeyEvent,
    ) -> Vec<Effect> {
        if d.sending {
            self.modal = Some(Modal::Impersonate(d));
            self.dirty = false;
            return vec![];
        }
        let mut fx = vec![];
        match key.code {
            KeyCode::Esc => return vec![],
            KeyCode::Enter => {
                let n = d.input.count();
                if n == 0 {
                    d.error = Some("A reason is required; it goes into the audit log.".into());
                } else if n > MAX_IMPERSONATION_REASON {
                    d.error = Some(format!("At most {MAX_IMPERSONATION_REASON} characters."));
                } else {
                    d.sending = true;
                    d.error = None;
                    fx.push(Effect::Impersonate {
                        partner_id: d.partner.id.clone(),
                        reason: d.input.text().trim().to_string(),
                    });
                }
            }
            KeyCode::Backspace => d.input.backspace(),
            KeyCode::Left => d.input.left(),
            KeyCode::Right => d.input.right(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                d.input.insert_char(c)
            }
            _ => self.dirty = false,
        }
        self.modal = Some(Modal::Impersonate(d));
        fx
    }

    pub(in crate::tui) fn on_impersonated(
        &mut self,
        result: Result<Impersonation, ApiError>,
    ) -> Vec<Effect> {
        let dialog = match self.modal.take() {
            Some(Modal::Impersonate(d)) => Some(d),
            other => {
                self.modal = other;
                None
            }
        };
        match result {
            Ok(session) => {
                let token = session.token.clone();
                let until = (session.expires_at - Utc::now())
                    .to_std()
                    .unwrap_or_default();
                let id = session.id.clone();
                let name = session.partner.name.clone();
                self.impersonating = Some(Impersonating {
                    session,
                    load: Load::Loading,
                    me: None,
                    channels: Vec::new(),
                    engagements: Vec::new(),
                });
                let mut fx = vec![
                    Effect::LoadPartnerView { token },
                    // The banner's minutes, and the end when the token expires.
                    Effect::After {
                        delay: Duration::from_secs(60),
                        msg: Msg::ImpersonationTick,
                    },
                    Effect::After {
                        delay: until,
                        msg: Msg::ImpersonationExpired(id),
                    },
                ];
                fx.extend(self.toast(format!(
                    "Impersonating {} as Partner Owner",
                    short_name(&name)
                )));
                fx
            }
            Err(e) => {
                if let Some(mut d) = dialog {
                    d.sending = false;
                    d.error = Some(format!(
                        "Could not start: {} Your reason is kept.",
                        e.user_message()
                    ));
                    self.modal = Some(Modal::Impersonate(d));
                    return vec![];
                }
                self.error_toast(format!("Could not impersonate: {}", e.user_message()))
            }
        }
    }

    pub(in crate::tui) fn on_partner_view(
        &mut self,
        result: Result<(Partner, Vec<Channel>, Vec<Engagement>), ApiError>,
    ) -> Vec<Effect> {
        let Some(imp) = self.impersonating.as_mut() else {
            self.dirty = false;
            return vec![];
        };
        match result {
            Ok((me, channels, engagements)) => {
                imp.me = Some(me);
                imp.channels = channels;
                imp.engagements = engagements;
                imp.load = Load::Loaded;
                vec![]
            }
            Err(e) if e.code() == Some(codes::IMPERSONATION_ENDED) => {
                self.back_from_impersonation("The impersonation has ended")
            }
            Err(e) => {
                imp.load = Load::Failed(e.user_message());
                vec![]
            }
        }
    }

    /// `X`: the exit question, with the words of seed 001.
    pub(in crate::tui) fn ask_exit_impersonation(&mut self) -> Vec<Effect> {
        let Some(imp) = &self.impersonating else {
            self.dirty = false;
            return vec![];
        };
        self.modal = Some(Modal::Confirm {
            title: "Exit impersonating".into(),
            message: EXIT_QUESTION.into(),
            on_yes: Effect::EndImpersonation {
                id: imp.session.id.clone(),
            },
        });
        vec![]
    }

    pub(in crate::tui) fn on_impersonation_ended(
        &mut self,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(()) => self.back_from_impersonation("Impersonation ended"),
            Err(e) if e.status() == Some(404) || e.code() == Some(codes::IMPERSONATION_ENDED) => {
                self.back_from_impersonation("Impersonation ended")
            }
            Err(e) => self.error_toast(format!(
                "Could not end the impersonation: {} Press X to try again.",
                e.user_message()
            )),
        }
    }

    pub(in crate::tui) fn on_impersonation_expired(&mut self, id: String) -> Vec<Effect> {
        if self
            .impersonating
            .as_ref()
            .is_some_and(|i| i.session.id == id)
        {
            return self.back_from_impersonation("The impersonation expired");
        }
        self.dirty = false;
        vec![]
    }

    pub(in crate::tui) fn on_impersonation_tick(&mut self) -> Vec<Effect> {
        if self.impersonating.is_none() {
            self.dirty = false;
            return vec![];
        }
        vec![Effect::After {
            delay: Duration::from_secs(60),
            msg: Msg::ImpersonationTick,
        }]
    }

    /// Back on My Partners as the CSR.
    fn back_from_impersonation(&mut self, why: &str) -> Vec<Effect> {
        let name = self
            .impersonating
            .take()
            .map(|i| short_name(&i.session.partner.name))
            .unwrap_or_default();
        self.tab = TabId::Partners;
        let me = self
            .user
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "yourself".into());
        self.toast(format!("{why}: {name}. You are back as {me}."))
    }

    // ---- finder -------------------------------------------------------------------------

    pub(in crate::tui) fn open_finder(&mut self) -> Vec<Effect> {
        self.modal = Some(Modal::Finder(Finder::default()));
        vec![]
    }

    pub(in crate::tui) fn on_finder_key(&mut self, mut f: Finder, key: KeyEvent) -> Vec<Effect> {
        let mut fx = vec![];
        match key.code {
            KeyCode::Esc => return vec![],
            KeyCode::Enter => {
                if let Some(p) = f.results.get(f.selected).cloned() {
                    return self.go_to_partner(p);
                }
            }
            KeyCode::Down | KeyCode::Tab => {
                f.selected = (f.selected + 1).min(f.results.len().saturating_sub(1))
            }
            KeyCode::Up | KeyCode::BackTab => f.selected = f.selected.saturating_sub(1),
            KeyCode::Char('n') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                f.selected = (f.selected + 1).min(f.results.len().saturating_sub(1))
            }
            KeyCode::Char('p') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                f.selected = f.selected.saturating_sub(1)
            }
            KeyCode::Backspace => {
                f.input.pop();
                fx.extend(self.finder_changed(&mut f));
            }
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL) && !crate::text::is_unsafe(c) =>
            {
                if f.input.chars().count() < FINDER_MAX_CHARS {
                    f.input.push(c);
                    fx.extend(self.finder_changed(&mut f));
                }
            }
            _ => self.dirty = false,
        }
        self.modal = Some(Modal::Finder(f));
        fx
    }

    /// Pasted text goes into the finder's one-line query, cleaned, up to its length limit.
    pub(in crate::tui) fn paste_into_finder(&mut self, text: &str) -> Vec<Effect> {
        let Some(Modal::Finder(mut f)) = self.modal.take() else {
            return vec![];
        };
        let room = FINDER_MAX_CHARS.saturating_sub(f.input.chars().count());
        f.input
            .extend(crate::text::clean_line(text).chars().take(room));
        let fx = self.finder_changed(&mut f);
        self.modal = Some(Modal::Finder(f));
        fx
    }

    fn finder_changed(&mut self, f: &mut Finder) -> Vec<Effect> {
        self.search_gen += 1;
        f.generation = self.search_gen;
        f.loading = true;
        vec![Effect::After {
            delay: crate::tui::queue::search::DEBOUNCE,
            msg: Msg::FinderSettled(f.generation),
        }]
    }

    pub(in crate::tui) fn on_finder_settled(&mut self, generation: u64) -> Vec<Effect> {
        self.dirty = false;
        match &self.modal {
            Some(Modal::Finder(f)) if f.generation == generation => vec![Effect::FindPartners {
                q: f.input.trim().to_string(),
                generation,
            }],
            _ => vec![],
        }
    }

    pub(in crate::tui) fn on_found(
        &mut self,
        generation: u64,
        result: Result<Vec<PartnerSummary>, ApiError>,
    ) -> Vec<Effect> {
        let Some(Modal::Finder(f)) = self.modal.as_mut() else {
            self.dirty = false;
            return vec![];
        };
        if f.generation != generation {
            self.dirty = false;
            return vec![];
        }
        f.loading = false;
        match result {
            Ok(found) => {
                let mut scored: Vec<(i64, PartnerSummary)> = found
                    .into_iter()
                    .filter_map(|p| fuzzy_score(&f.input, &p.name).map(|s| (s, p)))
                    .collect();
                scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
                f.results = scored.into_iter().map(|(_, p)| p).take(50).collect();
                f.selected = 0;
                vec![]
            }
            Err(e) => self.error_toast(format!("Could not search partners: {}", e.user_message())),
        }
    }

    /// Open My Partners on `p` with its detail expanded.
    fn go_to_partner(&mut self, p: PartnerSummary) -> Vec<Effect> {
        self.tab = TabId::Partners;
        self.detail_open = true;
        self.detail_from_the_top();
        let id = SectionId::Partners;
        let mut fx = Vec::new();
        let position = self.section(id).rows.iter().position(|r| r.id() == p.id);
        match position {
            Some(i) => {
                let base = self.section(id).base;
                self.section_mut(id).selected = base + i;
            }
            None => {
                // Not in the loaded window: narrow the list to its name.
                let s = self.section_mut(id);
                s.filter.q = p.name.clone();
                s.selected = 0;
                s.rows = vec![Row::Partner(p.clone())];
                s.base = 0;
                fx.extend(self.reload(id));
            }
        }
        self.partner_detail = Some(PartnerDetail {
            id: p.id.clone(),
            load: Load::Loading,
            partner: None,
        });
        fx.push(Effect::LoadPartner { id: p.id });
        fx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_fills_the_finder_cleaned_and_searches() {
        use crossterm::event::{KeyEvent, KeyModifiers};
        let mut app = App::new(Default::default(), Default::default());
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(':'),
            KeyModifiers::NONE,
        )));
        assert!(matches!(app.modal, Some(Modal::Finder(_))), "`:` opens it");
        let fx = app.update(Msg::Paste("Harbor\u{1b}[31m\nview".into()));
        let Some(Modal::Finder(f)) = &app.modal else {
            panic!("the finder stays open");
        };
        assert!(
            !f.input.chars().any(crate::text::is_unsafe),
            "no escape or line break gets in: {:?}",
            f.input
        );
        assert!(f.input.starts_with("Harbor"), "{:?}", f.input);
        assert!(
            matches!(fx.as_slice(), [Effect::After { msg: Msg::FinderSettled(g), .. }] if *g == f.generation),
            "a paste searches like typing: {fx:?}"
        );
        app.update(Msg::Paste("x".repeat(500)));
        let Some(Modal::Finder(f)) = &app.modal else {
            panic!("still open");
        };
        assert_eq!(f.input.chars().count(), FINDER_MAX_CHARS);
    }

    #[test]
    fn fuzzy_ranks_prefixes_and_word_starts_first() {
        let names = [
            "Harborview Travel",
            "Blue Harbor Radio",
            "Shared Arbor",
            "Acme Media",
        ];
        let mut ranked: Vec<_> = names
            .iter()
            .filter_map(|n| fuzzy_score("harb", n).map(|s| (s, *n)))
            .collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        let order: Vec<_> = ranked.iter().map(|r| r.1).collect();
        assert_eq!(order[0], "Harborview Travel");
        assert_eq!(order[1], "Blue Harbor Radio");
        assert!(!order.contains(&"Acme Media"));
        assert!(
            fuzzy_score("bhr", "Blue Harbor Radio").is_some(),
            "initials match"
        );
        assert!(fuzzy_score("xyz", "Blue Harbor Radio").is_none());
    }
}
