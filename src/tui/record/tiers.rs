//! The Tiers & campaigns page of the partner record (RECORDS.md §3, seed 000): the tier active
//! today, the assignments and campaign links with their states and dates (in the partner's time
//! zone and in UTC), and every product available or not with the server's reason. `n` adds an
//! assignment or a link, `E` changes one's dates and `D` ends or deletes one; the form says
//! before saving when a tier assignment would overlap another (the server's own rule,
//! `domain::overlaps`). While tiers are disabled the page says so and offers only links.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::form::dates::{FORMS, both_zones, day_in, parse_day, start_of, zone};
use crate::tui::form::{Check, FieldKind, FieldSpec, Form};
use crate::tui::queue::detail::{Field, f};

use super::profile::{FormDialog, FormTarget};
pub use super::tier_writes::PeriodWrite;
use crate::tui::queue::detail::block;

/// Everything the page shows, read together for one partner.
#[derive(Debug, Clone, PartialEq)]
pub struct TiersData {
    pub settings: Settings,
    pub tiers: Vec<Tier>,
    pub campaigns: Vec<Campaign>,
    pub assignments: Vec<TierAssignment>,
    pub links: Vec<CampaignLink>,
    pub products: PartnerProducts,
}

/// Reads the page's data (the catalogue is small: one page each).
pub async fn load(api: &dyn crate::client::Api, partner_id: &str) -> Result<TiersData, ApiError> {
    let (settings, tiers, campaigns, assignments, links, products) = tokio::try_join!(
        api.settings(),
        api.tiers(),
        api.campaigns(),
        api.periods(PeriodKind::TierAssignment, partner_id),
        api.periods(PeriodKind::CampaignLink, partner_id),
        api.partner_products(partner_id),
    )?;
    let assignments = assignments
        .items
        .into_iter()
        .filter_map(|p| match p {
            Period::TierAssignment(a) => Some(a),
            Period::CampaignLink(_) => None,
        })
        .collect();
    let links = links
        .items
        .into_iter()
        .filter_map(|p| match p {
            Period::CampaignLink(l) => Some(l),
            Period::TierAssignment(_) => None,
        })
        .collect();
    Ok(TiersData {
        settings,
        tiers: tiers.items,
        campaigns: campaigns.items,
        assignments,
        links,
        products,
    })
}

/// What a period form is for, until it is saved.
#[derive(Debug, Clone, PartialEq)]
pub enum PeriodForm {
    /// A new assignment or link for the partner, in its time zone.
    Create { partner_id: String, tz: Tz },
    /// New dates for one.
    Edit { period: Period, tz: Tz },
}

pub(super) fn period_name(p: &Period) -> String {
    match p {
        Period::TierAssignment(a) => format!("{} tier", a.tier.name),
        Period::CampaignLink(l) => format!("{} campaign", l.campaign.name),
    }
}

/// "active · 2026-12-01 00:00 Europe/Berlin (…) → 2027-01-01 …", `no expiry` for none.
fn dates_line(
    state: AssignmentState,
    starts: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    tz: Tz,
) -> String {
    let end = expires.map_or("no expiry".to_string(), |e| both_zones(e, tz));
    format!("{} · {} → {end}", state.as_str(), both_zones(starts, tz))
}

/// The page's fields for the loaded `d`, in the partner's zone `tz`.
pub fn fields(d: &TiersData, tz: Tz, now: DateTime<Utc>) -> Vec<Field> {
    let mut out = Vec::new();
    if !d.settings.tiers_enabled {
        out.push(f(
            "Tiers",
            "disabled for the organisation: no tier can be assigned (links still can)",
        ));
    }
    let current = match &d.products.tier {
        Some(a) => {
            let until = match a.expires_at {
                Some(e) => format!(" until {}", both_zones(e, tz)),
                None => " with no expiry".into(),
            };
            let days = a
                .expires_at
                .map(|e| format!(" ({})", ends_in(e, now)))
                .unwrap_or_default();
            format!(
                "{} (precedence {}){until}{days}",
                a.tier.name, a.tier.precedence
            )
        }
        None => "none".into(),
    };
    out.push(f("Current tier", current));
    let assignments: Vec<String> = d
        .assignments
        .iter()
        .map(|a| {
            format!(
                "{} · {}",
                a.tier.name,
                dates_line(a.state, a.starts_at, a.expires_at, tz)
            )
        })
        .collect();
    out.push(block(
        "Tier assignments (n adds, E changes dates, D ends or deletes)",
        if assignments.is_empty() {
            "None.".into()
        } else {
            assignments.join("\n")
        },
    ));
    let links: Vec<String> = d
        .links
        .iter()
        .map(|l| {
            format!(
                "{} · {}",
                l.campaign.name,
                dates_line(l.state, l.starts_at, l.expires_at, tz)
            )
        })
        .collect();
    out.push(block(
        "Campaign links",
        if links.is_empty() {
            "None.".into()
        } else {
            links.join("\n")
        },
    ));
    let products: Vec<String> = d
        .products
        .products
        .iter()
        .map(|p| match (&p.available, &p.reason) {
            (true, _) => format!("✓ {}", p.product.name),
            (false, Some(r)) => format!("✗ {} — {}", p.product.name, r.words()),
            (false, None) => format!("✗ {}", p.product.name),
        })
        .collect();
    out.push(block(
        "Products today",
        if products.is_empty() {
            "No products.".into()
        } else {
            products.join("\n")
        },
    ));
    out
}

/// "ends in 3 days", "ends today", "ended 2 days ago".
pub fn ends_in(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (t - now).num_days();
    match days {
        0 if t > now => "ends within a day".into(),
        0 => "ended today".into(),
        1 => "ends in 1 day".into(),
        n if n > 1 => format!("ends in {n} days"),
        -1 => "ended 1 day ago".into(),
        n => format!("ended {} days ago", -n),
    }
}

/// A date field: `required` for a start; an expiry may be left empty (no expiry).
fn date_field(
    pointer: &'static str,
    label: &'static str,
    value: String,
    required: bool,
    today: chrono::NaiveDate,
) -> FieldSpec {
    FieldSpec {
        pointer,
        label,
        kind: FieldKind::Date { today },
        // The kind checks the date's form; a start may not be left empty.
        check: required.then(|| {
            Check::new(|v| {
                if v.trim().is_empty() {
                    Err(format!("A date is needed: {FORMS}."))
                } else {
                    Ok(())
                }
            })
        }),
        value,
    }
}

impl App {
    /// The open record shows its Tiers & campaigns page.
    pub(in crate::tui) fn on_tiers_page(&self) -> bool {
        self.record.page == super::Page::Tiers && self.record_partner_id().is_some()
    }

    /// The loaded data of the open record's Tiers page, if it is for that partner.
    fn tiers_data(&self) -> Option<&TiersData> {
        let id = self.record_partner_id()?;
        self.record
            .tiers
            .as_ref()
            .filter(|l| l.partner_id == id)?
            .data
            .as_ref()
    }

    /// `n` on the Tiers page: a tier assignment or a campaign link.
    pub(in crate::tui) fn open_period_form(&mut self) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "change tiers")).into();
        }
        let (Some(id), Some(d)) = (self.record_partner_id(), self.tiers_data()) else {
            return Handled::Ignored;
        };
        let tz = self
            .record_partner()
            .map_or(Tz::UTC, |p| zone(&p.contact.time_zone));
        let today = day_in(self.now, tz);
        let mut choices: Vec<(String, String)> = Vec::new();
        if d.settings.tiers_enabled {
            choices.extend(d.tiers.iter().map(|t| {
                (
                    format!("tier:{}", t.id),
                    format!("Tier {} (precedence {})", t.name, t.precedence),
                )
            }));
        }
        choices.extend(d.campaigns.iter().map(|c| {
            let end = c
                .expires_at
                .map_or("no expiry".into(), |e| e.format("%Y-%m-%d").to_string());
            (
                format!("campaign:{}", c.id),
                format!(
                    "Campaign {} ({} → {end})",
                    c.name,
                    c.starts_at.format("%Y-%m-%d")
                ),
            )
        }));
        if choices.is_empty() {
            return self.note("No tier or campaign to choose from.").into();
        }
        let first = choices[0].0.clone();
        let specs = vec![
            FieldSpec {
                pointer: "/what",
                label: "Tier or campaign",
                kind: FieldKind::Choice(choices),
                check: None,
                value: first,
            },
            date_field("/starts_at", "Starts", "today".into(), true, today),
            date_field("/expires_at", "Expires", String::new(), false, today),
        ];
        let form = Form::new(format!("Add a tier or campaign ({})", tz.name()), specs).for_new();
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form,
            target: FormTarget::Period(PeriodForm::Create { partner_id: id, tz }),
        })));
        Handled::done()
    }

    /// The periods `E` and `D` choose from: every assignment and link, newest start first.
    pub(in crate::tui) fn record_periods(&self) -> Vec<Period> {
        let Some(d) = self.tiers_data() else {
            return Vec::new();
        };
        // While tiers are off the server refuses every write to an assignment: none is offered.
        let tiers_on = d.settings.tiers_enabled;
        let mut all: Vec<Period> = d
            .assignments
            .iter()
            .filter(|_| tiers_on)
            .cloned()
            .map(Period::TierAssignment)
            .chain(d.links.iter().cloned().map(Period::CampaignLink))
            .collect();
        all.sort_by_key(|p| std::cmp::Reverse(p.starts_at()));
        all
    }

    /// `E` on a period (from the picker or the Expiring list): its dates in a form.
    pub(in crate::tui) fn open_dates_form(&mut self, period: Period, tz: Tz) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "change tiers")).into();
        }
        let today = day_in(self.now, tz);
        let expires = period
            .expires_at()
            .map(|e| day_in(e, tz).to_string())
            .unwrap_or_default();
        let specs = vec![
            date_field(
                "/starts_at",
                "Starts",
                day_in(period.starts_at(), tz).to_string(),
                true,
                today,
            ),
            date_field("/expires_at", "Expires", expires, false, today),
        ];
        let form = Form::new(
            format!("Dates of the {} ({})", period_name(&period), tz.name()),
            specs,
        );
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form,
            target: FormTarget::Period(PeriodForm::Edit { period, tz }),
        })));
        Handled::done()
    }

    /// `D` on a period: ends an active one now, deletes the others, after `y/N`.
    pub(in crate::tui) fn ask_end_period(&mut self, period: Period) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "change tiers")).into();
        }
        let name = period_name(&period);
        let ends = period.state() == AssignmentState::Active;
        let (title, message) = if ends {
            (
                format!("End the {name} now?"),
                "It stays in the history, expired as of now.".to_string(),
            )
        } else {
            (
                format!("Delete the {name}?"),
                "It leaves the partner's list; the audit keeps it.".to_string(),
            )
        };
        let write = PeriodWrite::Delete {
            kind: period.kind(),
            id: period.id().to_string(),
            version: period.version(),
            name,
            ends,
        };
        self.focus
            .push(Layer::Confirm(crate::tui::decide::confirm::Confirm::new(
                title,
                message,
                Effect::WritePeriod(write),
            )));
        Handled::done()
    }

    /// A period form saved: checked against the partner's other assignments first.
    pub(in crate::tui) fn period_form_saved(
        &mut self,
        target: &PeriodForm,
        all: Vec<(&'static str, String)>,
    ) -> Result<Vec<Effect>, String> {
        let tz = match target {
            PeriodForm::Create { tz, .. } | PeriodForm::Edit { tz, .. } => *tz,
        };
        let today = day_in(self.now, tz);
        let get = |p: &str| {
            all.iter()
                .find(|(ptr, _)| *ptr == p)
                .map(|(_, v)| v.trim().to_string())
        };
        let day = |v: Option<String>| -> Result<Option<DateTime<Utc>>, String> {
            match v.filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => parse_day(&v, today).map(|d| Some(start_of(d, tz))),
            }
        };
        let starts = day(get("/starts_at"))?;
        let expires = day(get("/expires_at"))?;
        let (kind, own_id, starts_at, expires_at) = match target {
            PeriodForm::Create { .. } => {
                let what = get("/what").unwrap_or_default();
                let kind = if what.starts_with("tier:") {
                    PeriodKind::TierAssignment
                } else {
                    PeriodKind::CampaignLink
                };
                (
                    kind,
                    None,
                    starts.ok_or("A start date is needed.")?,
                    expires,
                )
            }
            PeriodForm::Edit { period, .. } => (
                period.kind(),
                Some(period.id().to_string()),
                starts.unwrap_or(period.starts_at()),
                if all.iter().any(|(p, _)| *p == "/expires_at") {
                    expires
                } else {
                    period.expires_at()
                },
            ),
        };
        if expires_at.is_some_and(|e| e <= starts_at) {
            return Err("The expiry must come after the start.".into());
        }
        if kind == PeriodKind::TierAssignment
            && let Some(other) = self.tiers_data().and_then(|d| {
                d.assignments.iter().find(|a| {
                    Some(a.id.as_str()) != own_id.as_deref()
                        && overlaps(starts_at, expires_at, a.starts_at, a.expires_at)
                })
            })
        {
            let end = other
                .expires_at
                .map_or("no expiry".into(), |e| both_zones(e, tz));
            return Err(format!(
                "These dates overlap the {} tier ({} → {end}); a partner has one tier at a time.",
                other.tier.name,
                both_zones(other.starts_at, tz)
            ));
        }
        let write = match target {
            PeriodForm::Create { partner_id, .. } => {
                let what = get("/what").unwrap_or_default();
                let id = what
                    .split_once(':')
                    .map(|(_, id)| id.to_string())
                    .unwrap_or_default();
                PeriodWrite::Create {
                    kind,
                    partner_id: partner_id.clone(),
                    key: self.keys.next(0, self.now).idempotency_key,
                    what: id,
                    starts_at,
                    expires_at,
                }
            }
            PeriodForm::Edit { period, .. } => PeriodWrite::Update {
                kind,
                id: period.id().to_string(),
                version: period.version(),
                patch: DatesPatch {
                    starts_at: (starts_at != period.starts_at()).then_some(starts_at),
                    expires_at: (expires_at != period.expires_at()).then_some(expires_at),
                },
            },
        };
        Ok(vec![Effect::WritePeriod(write)])
    }

    /// The Tiers page of the open record read again (after a write here or elsewhere).
    pub(in crate::tui) fn reload_tiers(&mut self) -> Vec<Effect> {
        let Some(l) = self.record.tiers.as_mut() else {
            return Vec::new();
        };
        l.load = crate::tui::app::Load::Loading;
        vec![Effect::LoadTiers {
            partner_id: l.partner_id.clone(),
        }]
    }

    pub(in crate::tui) fn on_tiers(
        &mut self,
        partner_id: String,
        result: Result<TiersData, ApiError>,
    ) -> Vec<Effect> {
        super::Fetched::answer_for(&mut self.record.tiers, &partner_id, result);
        Vec::new()
    }
}

/// The Tiers page's state for one partner.
pub type TiersLoaded = super::Fetched<TiersData>;
