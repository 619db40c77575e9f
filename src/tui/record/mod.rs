//! The partner record in My Partners' detail pane (RECORDS.md §2, UX.md "The partner record"):
//! its pages (Overview, Vouchers, Members, switched with `<` `>`), the profile form (`E`), and
//! assigning and unassigning voucher batches (`A`, `U`). Another CSR's change arrives as
//! `record.changed` and refreshes what is open.

pub mod expiring;
pub mod lead;
pub mod lead_form;
pub mod pages;
pub mod period_picker;
pub mod preview;
pub mod profile;
pub mod tier_writes;
pub mod tiers;
pub mod vouchers;

#[cfg(test)]
pub(in crate::tui) mod lead_tests;
#[cfg(test)]
mod tests;

use crate::client::ApiError;
use crate::domain::{Member, Partner, RecordChanged, VoucherBatch};
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Handled;
use crate::tui::app::{App, Load};
use crate::tui::queue::tabs::Row;

/// A page of the partner detail pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Page {
    #[default]
    Overview,
    Tiers,
    Vouchers,
    Members,
    LeadExchange,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Overview,
        Page::Tiers,
        Page::Vouchers,
        Page::Members,
        Page::LeadExchange,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Tiers => "Tiers & campaigns",
            Page::Vouchers => "Vouchers",
            Page::Members => "Members",
            Page::LeadExchange => "Lead exchange",
        }
    }
}

/// What the pages beyond Overview loaded, for one partner.
#[derive(Debug)]
pub struct Loaded<T> {
    pub partner_id: String,
    pub load: Load,
    pub items: Vec<T>,
}

impl<T> Loaded<T> {
    fn loading(partner_id: &str) -> Self {
        Loaded {
            partner_id: partner_id.to_string(),
            load: Load::Loading,
            items: Vec::new(),
        }
    }

    fn answer(&mut self, result: Result<Vec<T>, ApiError>) {
        match result {
            Ok(items) => {
                self.items = items;
                self.load = Load::Loaded;
            }
            // The last list stays on screen; the page says it could not be read again.
            Err(e) => self.load = Load::Failed(e.user_message()),
        }
    }
}

/// A page's answer, kept if it is for the partner the page was loading.
fn answer_for<T>(slot: &mut Option<Loaded<T>>, partner_id: &str, result: Result<Vec<T>, ApiError>) {
    if let Some(l) = slot.as_mut().filter(|l| l.partner_id == partner_id) {
        l.answer(result);
    }
}

/// A page's data read together for one partner (Tiers, Lead exchange): the last answer stays
/// on screen while it is read again, or when reading it again failed.
#[derive(Debug)]
pub struct Fetched<T> {
    pub partner_id: String,
    pub load: Load,
    pub data: Option<T>,
}

impl<T> Fetched<T> {
    pub fn loading(partner_id: &str) -> Self {
        Fetched {
            partner_id: partner_id.to_string(),
            load: Load::Loading,
            data: None,
        }
    }

    /// The answer, kept if it is for the partner `slot` is loading.
    pub fn answer_for(
        slot: &mut Option<Fetched<T>>,
        partner_id: &str,
        result: Result<T, ApiError>,
    ) {
        if let Some(l) = slot.as_mut().filter(|l| l.partner_id == partner_id) {
            match result {
                Ok(d) => {
                    l.data = Some(d);
                    l.load = Load::Loaded;
                }
                Err(e) => l.load = Load::Failed(e.user_message()),
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Record {
    pub page: Page,
    pub members: Option<Loaded<Member>>,
    pub vouchers: Option<Loaded<VoucherBatch>>,
    pub tiers: Option<tiers::TiersLoaded>,
    pub lead: Option<Fetched<lead::LeadRecord>>,
    /// A bulk extension on Expiring, while its answers come.
    pub extending: Option<expiring::Extending>,
    /// Bumped by each batch search; only the newest answer is shown.
    pub(in crate::tui) batch_gen: u64,
}

impl App {
    /// The partner whose record is open: the selected row of My Partners, detail pane open.
    pub(in crate::tui) fn record_partner_id(&self) -> Option<String> {
        if !self.lists_partners() || !self.detail.open {
            return None;
        }
        if self.in_tree() {
            return self.tree_partner().map(|p| p.id.clone());
        }
        match self.active_section().selected_row()? {
            Row::Partner(p) => Some(p.id.clone()),
            Row::Period(p) => Some(p.partner().id.clone()),
            Row::Approval(_) => None,
        }
    }

    /// The open record's partner, once loaded.
    pub(in crate::tui) fn record_partner(&self) -> Option<&Partner> {
        let id = self.record_partner_id()?;
        self.partners
            .detail
            .as_ref()
            .filter(|d| d.id == id)?
            .partner
            .as_ref()
    }

    /// `<` `>`: the previous or next page of the open record.
    pub(in crate::tui) fn switch_page(&mut self, delta: isize) -> Handled {
        if self.record_partner_id().is_none() {
            return Handled::Ignored;
        }
        let n = Page::ALL.len() as isize;
        let at = Page::ALL
            .iter()
            .position(|p| *p == self.record.page)
            .unwrap_or(0) as isize;
        self.record.page = Page::ALL[(at + delta).rem_euclid(n) as usize];
        self.detail_from_the_top();
        Handled::Done(self.page_effects())
    }

    /// What the page in view needs loaded for the open record, if it is not yet.
    pub(in crate::tui) fn page_effects(&mut self) -> Vec<Effect> {
        let Some(id) = self.record_partner_id() else {
            return Vec::new();
        };
        let fresh = |loaded_for: Option<&str>| loaded_for == Some(id.as_str());
        let members_for = self.record.members.as_ref().map(|l| l.partner_id.as_str());
        let vouchers_for = self.record.vouchers.as_ref().map(|l| l.partner_id.as_str());
        let (members_fresh, vouchers_fresh) = (fresh(members_for), fresh(vouchers_for));
        match self.record.page {
            Page::Overview => Vec::new(),
            Page::Tiers
                if self
                    .record
                    .tiers
                    .as_ref()
                    .is_none_or(|l| l.partner_id != id) =>
            {
                self.record.tiers = Some(Fetched::loading(&id));
                vec![Effect::LoadTiers { partner_id: id }]
            }
            Page::LeadExchange if self.record.lead.as_ref().is_none_or(|l| l.partner_id != id) => {
                self.record.lead = Some(Fetched::loading(&id));
                vec![Effect::LoadLeadSettings { partner_id: id }]
            }
            Page::Members if !members_fresh => {
                self.record.members = Some(Loaded::loading(&id));
                vec![Effect::LoadMembers { partner_id: id }]
            }
            Page::Vouchers if !vouchers_fresh => {
                self.record.vouchers = Some(Loaded::loading(&id));
                vec![Effect::LoadVouchers { partner_id: id }]
            }
            _ => Vec::new(),
        }
    }

    pub(in crate::tui) fn on_members(
        &mut self,
        partner_id: String,
        result: Result<Vec<Member>, ApiError>,
    ) -> Vec<Effect> {
        answer_for(&mut self.record.members, &partner_id, result);
        Vec::new()
    }

    pub(in crate::tui) fn on_vouchers(
        &mut self,
        partner_id: String,
        result: Result<Vec<VoucherBatch>, ApiError>,
    ) -> Vec<Effect> {
        answer_for(&mut self.record.vouchers, &partner_id, result);
        Vec::new()
    }

    /// Another console changed a record (`record.changed`). A partner's: its row and its
    /// open detail are read again; an open form on it learns of it when the partner arrives
    /// (`profile::on_partner_arrived`), and marks what changed rather than overwriting.
    pub(in crate::tui) fn on_record_changed(&mut self, r: &RecordChanged) -> Vec<Effect> {
        // A node of the open tree (a partner is one too) is read again there.
        let tree = self.tree_record_changed(r);
        let mut fx = self.record_changed_here(r);
        fx.extend(tree);
        fx
    }

    fn record_changed_here(&mut self, r: &RecordChanged) -> Vec<Effect> {
        match r.kind.as_str() {
            "partner" => {
                let mut fx = self.on_partner_updated(&r.id);
                let form_open = self.profile_form_for(&r.id).is_some();
                if form_open && !fx.iter().any(|e| matches!(e, Effect::LoadPartner { .. })) {
                    fx.push(Effect::LoadPartner { id: r.id.clone() });
                }
                fx
            }
            "voucher_batch" => {
                // Its partner may be any: the open Vouchers page reads its list again.
                match self.record.vouchers.as_ref() {
                    Some(l) if self.record.page == Page::Vouchers => vec![Effect::LoadVouchers {
                        partner_id: l.partner_id.clone(),
                    }],
                    Some(_) => {
                        self.record.vouchers = None;
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            }
            // A period or the tiers switch changed, for some partner: the open Tiers page and
            // the Expiring list read again (a page not in view is read when next shown).
            "tier_assignment" | "campaign_link" | "settings" => {
                let mut fx = if self.record.page == Page::Tiers {
                    self.reload_tiers()
                } else {
                    self.record.tiers = None;
                    Vec::new()
                };
                let expiring = crate::tui::queue::tabs::SectionId::Expiring;
                if self.section(expiring).load == Load::Loaded {
                    fx.extend(self.reload(expiring));
                }
                fx
            }
            // Some partner's settings: the open page reads them again if they are its
            // partner's (a page not in view is read when next shown).
            crate::domain::RECORD_LEAD_SETTINGS => match self.record.lead.as_ref() {
                Some(l) if l.partner_id == r.id && self.record.page == Page::LeadExchange => {
                    self.reload_lead()
                }
                Some(l) if l.partner_id == r.id => {
                    self.record.lead = None;
                    Vec::new()
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}
