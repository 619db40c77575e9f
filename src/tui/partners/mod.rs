//! My Partners: the full partner behind the selected row (contact, channels), copying a value
//! (`copy.rs`), impersonating the partner's owner and coming back (`impersonation.rs`), and the
//! quick partner finder from anywhere (`finder.rs`). Pure, like all of `App`.

pub mod copy;
pub mod finder;
pub mod impersonation;
pub mod requests;

use std::time::Duration;

use crate::client::ApiError;
use crate::domain::{Partner, PartnerSummary};
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Handled;
use crate::tui::app::msg::Msg;
use crate::tui::app::{App, Load};
use crate::tui::queue::filter::{Filter, PartnerRef};
use crate::tui::queue::tabs::{Row, SectionId, TabId};
use impersonation::Impersonating;

/// Wait this long after the selection stops before fetching the partner behind it.
const DETAIL_DEBOUNCE: Duration = Duration::from_millis(120);

/// What My Partners keeps beside its list.
#[derive(Debug, Default)]
pub struct Partners {
    /// The full partner behind the selected row.
    pub detail: Option<PartnerDetail>,
    pub(in crate::tui) detail_gen: u64,
    /// Acting as a partner's owner: the console shows the partner's own view.
    pub impersonating: Option<Impersonating>,
}

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

impl App {
    /// My Partners' list or its tree: where a selected partner opens its record.
    pub(in crate::tui) fn lists_partners(&self) -> bool {
        matches!(
            self.active_section_id(),
            SectionId::Partners | SectionId::Hierarchy | SectionId::Expiring
        )
    }

    fn partner_row(&self) -> Option<&PartnerSummary> {
        if self.in_tree() {
            return self.tree_partner();
        }
        match self.active_section().selected_row() {
            Some(Row::Partner(p)) => Some(p),
            _ => None,
        }
    }

    /// The detail pane opened or the selection moved on My Partners: fetch the partner once
    /// the selection rests.
    pub(in crate::tui) fn schedule_partner_detail(&mut self) -> Vec<Effect> {
        if !self.detail.open || !self.lists_partners() {
            return vec![];
        }
        let expiring = match self.active_section().selected_row() {
            Some(Row::Period(p)) if self.active_section_id() == SectionId::Expiring => {
                Some(p.partner().id.clone())
            }
            _ => None,
        };
        let Some(id) = expiring.or_else(|| self.partner_row().map(|p| p.id.clone())) else {
            return vec![];
        };
        if self
            .partners
            .detail
            .as_ref()
            .is_some_and(|d| d.id == id && d.load != Load::NotLoaded)
        {
            return vec![];
        }
        self.partners.detail_gen += 1;
        self.partners.detail = Some(PartnerDetail {
            id,
            load: Load::Loading,
            partner: None,
        });
        vec![Effect::After {
            delay: DETAIL_DEBOUNCE,
            msg: Msg::DetailSettled(self.partners.detail_gen),
        }]
    }

    pub(in crate::tui) fn on_detail_settled(&mut self, generation: u64) -> Vec<Effect> {
        match &self.partners.detail {
            Some(d) if generation == self.partners.detail_gen => {
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
        let Some(d) = self.partners.detail.as_mut().filter(|d| d.id == id) else {
            return vec![];
        };
        match result {
            Ok(p) => {
                self.partner_arrived(p);
                self.page_effects()
            }
            Err(e) => {
                d.load = Load::Failed(e.user_message());
                vec![]
            }
        }
    }

    /// `p` and `H`: the selected row's partner's pending requests or decisions, as the list
    /// `to` narrowed to that partner. The section's title says so, and Esc there clears it.
    pub(in crate::tui) fn show_partners_list(&mut self, to: SectionId) -> Handled {
        let partner = match self.active_section().selected_row() {
            Some(Row::Partner(p)) => PartnerRef {
                id: p.id.clone(),
                name: p.name.clone(),
            },
            Some(Row::Approval(a)) => PartnerRef {
                id: a.partner.id.clone(),
                name: a.partner.name.clone(),
            },
            Some(Row::Period(p)) => PartnerRef {
                id: p.partner().id.clone(),
                name: p.partner().name.clone(),
            },
            None => return Handled::Ignored,
        };
        let Some(tab) = TabId::ALL.into_iter().find(|t| t.sections().contains(&to)) else {
            return Handled::Ignored;
        };
        self.tab = tab;
        self.tab_section[tab.index()] = tab.sections().iter().position(|s| *s == to).unwrap_or(0);
        let filter = Filter {
            partner: Some(partner),
            ..Filter::default()
        };
        let mut fx = self.set_filter(to, filter);
        fx.extend(self.ensure_loaded(to));
        if self.history.stats.is_none() {
            fx.extend(self.stats_effect());
        }
        Handled::Done(fx)
    }

    /// Open My Partners on `p` with its detail expanded.
    pub(in crate::tui) fn go_to_partner(&mut self, p: PartnerSummary) -> Vec<Effect> {
        self.tab = TabId::Partners;
        self.detail.open = true;
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
                s.rows_changed();
                fx.extend(self.reload(id));
            }
        }
        self.partners.detail = Some(PartnerDetail {
            id: p.id.clone(),
            load: Load::Loading,
            partner: None,
        });
        fx.push(Effect::LoadPartner { id: p.id });
        fx
    }
}
