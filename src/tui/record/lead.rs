//! The Lead exchange page of the partner record (RECORDS.md §4, seed 004): the partner's
//! settings in readable groups (type and prices, portal, billing, delivery, limits and
//! schedule, contact, alerts) with the warnings the server gives them. `E` edits them in one
//! form (`lead_form`); in it, `Ctrl-P` (or `p` where letters are not typed) previews the body
//! the partner's API would receive; `I` invites the partner to its portal after y/N.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::lead_form::{self, form_pointer, lead_form, settings_from};
use super::profile::{FormDialog, FormTarget};
use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::form::Form;
use crate::tui::queue::detail::{Field, block};
use crate::tui::view::format;

/// The settings as the server answers them: with their version and warnings.
pub type LeadRecord = Saved<Versioned<LeadSettings>>;

/// What the lead form saves, until it is saved.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadForm {
    pub partner_id: String,
    pub name: String,
    /// The settings the form was opened on (or rebased onto), at `version`.
    pub base: LeadSettings,
    pub version: i64,
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn amount(m: Option<&Money>) -> String {
    m.map_or("—".to_string(), format::money)
}

/// `label  value` lines under a group's heading.
fn group(heading: &'static str, rows: &[(&str, String)]) -> Field {
    block(
        heading,
        rows.iter()
            .map(|(l, v)| format!("{l:<16}{v}"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A day's window in words: `09:00–17:00`, `all day`, `off`.
fn window(d: &DayWindow) -> String {
    if !d.enabled {
        return "off".into();
    }
    match (d.start.as_str(), d.end.as_str()) {
        ("00:00", "00:00") => "all day".into(),
        (s, "00:00") => format!("{s}–24:00"),
        (s, e) => format!("{s}–{e}"),
    }
}

/// The page for the loaded settings.
pub fn fields(r: &LeadRecord) -> Vec<Field> {
    let s = &r.record.record;
    let mut out = Vec::new();
    // A limit of 0 is said beside the limit; the other warnings head the page.
    let disabled = |at: &str| {
        r.warnings
            .iter()
            .find(|w| w.field == at && w.code == field_codes::LIMIT_DISABLED)
    };
    let heading: Vec<String> = r
        .warnings
        .iter()
        .filter(|w| w.code != field_codes::LIMIT_DISABLED)
        .map(|w| format!("! {}", w.detail))
        .collect();
    if !heading.is_empty() {
        out.push(block("Warnings", heading.join("\n")));
    }
    let mut prices = vec![("Type", s.partner_type.label().to_string())];
    if s.partner_type.introduces() || s.lead_cost.is_some() {
        prices.push(("Lead cost", amount(s.lead_cost.as_ref())));
    }
    if s.partner_type.buys() || s.lead_value.is_some() {
        prices.push(("Lead value", amount(s.lead_value.as_ref())));
    }
    out.push(group("Type and prices", &prices));
    out.push(group(
        "Portal",
        &[
            ("Access", s.portal_access.label().to_string()),
            ("Require accept", yes(s.require_accept).into()),
            ("Status updates", yes(s.allow_status_updates).into()),
        ],
    ));
    let mut billing = vec![("Billing", s.billing.label().to_string())];
    if s.billing == Billing::Postpay {
        billing.push(("Credit limit", amount(s.credit_limit.as_ref())));
    }
    out.push(group("Billing", &billing));
    let email = &s.email_delivery;
    let net = &s.internet_delivery;
    let mut delivery = vec![(
        "Email",
        if email.enabled {
            format!("on · {}", email.address)
        } else {
            "off".into()
        },
    )];
    if net.enabled {
        delivery.push((
            "Internet",
            format!("on · {} · {}", net.method.label(), net.url),
        ));
        let lines = net.body_template.lines().count();
        delivery.push((
            "Body template",
            format!(
                "{lines} line{} (E, then Ctrl-P previews it)",
                if lines == 1 { "" } else { "s" }
            ),
        ));
        if !net.headers.is_empty() {
            let names: Vec<&str> = net.headers.iter().map(|h| h.name.as_str()).collect();
            delivery.push(("Headers", names.join(", ")));
        }
    } else {
        delivery.push(("Internet", "off".into()));
    }
    out.push(group("Delivery", &delivery));
    let limit = |n: i64, at: &str| match disabled(at) {
        Some(w) => format!("0 · {}", w.detail),
        None if n == 0 => "0 · no limit".to_string(),
        None => crate::format::group(n.max(0) as u64),
    };
    let mut limits = vec![
        ("Daily limit", limit(s.daily_limit, "/daily_limit")),
        ("Monthly limit", limit(s.monthly_limit, "/monthly_limit")),
        ("Time zone", s.schedule.time_zone.clone()),
    ];
    for (name, day) in WEEKDAY_NAMES.iter().zip(s.schedule.days.days()) {
        limits.push((name, window(day)));
    }
    out.push(group("Limits and schedule", &limits));
    let or_dash = |v: &str| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.to_string()
        }
    };
    out.push(group(
        "Contact",
        &[
            ("Phone", or_dash(&s.contact.phone)),
            ("Email", or_dash(&s.contact.email)),
            ("Transfer phone", or_dash(&s.contact.transfer_phone)),
            ("Mobile", or_dash(&s.contact.mobile)),
        ],
    ));
    let alerts = &s.text_alerts;
    let mut alert_rows = vec![
        ("On referral", yes(alerts.on_referral).to_string()),
        ("On low funds", yes(alerts.on_low_funds).to_string()),
    ];
    if alerts.on_low_funds || s.low_funds_threshold.is_some() {
        alert_rows.push(("Low-funds at", amount(s.low_funds_threshold.as_ref())));
    }
    out.push(group("Text alerts", &alert_rows));
    out
}

/// The warnings of `s` for the form's note (a 0 limit is said on the page, not here).
fn warnings_note(s: &LeadSettings) -> Option<String> {
    let c = crate::domain::lead_rules::check(s);
    let words: Vec<String> = c
        .warnings
        .iter()
        .filter(|w| w.code != field_codes::LIMIT_DISABLED)
        .map(|w| w.detail.clone())
        .collect();
    (!words.is_empty()).then(|| format!("! {}", words.join(" ")))
}

impl App {
    pub(in crate::tui) fn on_lead_page(&self) -> bool {
        self.record.page == super::Page::LeadExchange && self.record_partner_id().is_some()
    }

    /// The loaded settings of the open record, if they are that partner's.
    fn lead_record(&self) -> Option<&LeadRecord> {
        let id = self.record_partner_id()?;
        self.record
            .lead
            .as_ref()
            .filter(|l| l.partner_id == id)?
            .data
            .as_ref()
    }

    /// `E` on the Lead exchange page.
    pub(in crate::tui) fn open_lead_form(&mut self) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "edit")).into();
        }
        let (Some(p), Some(r)) = (self.record_partner(), self.lead_record()) else {
            return self
                .note("The lead-exchange settings are not loaded yet.")
                .into();
        };
        let target = LeadForm {
            partner_id: p.summary.id.clone(),
            name: p.summary.name.clone(),
            base: r.record.record.clone(),
            version: r.record.version,
        };
        let form = lead_form(&target.name, &target.base);
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form,
            target: FormTarget::Lead(Box::new(target)),
        })));
        Handled::done()
    }

    /// The lead form's own keys, before the form's: preview and invite.
    pub(in crate::tui) fn lead_form_key(
        &mut self,
        form: &mut Form,
        target: &LeadForm,
        key: KeyEvent,
    ) -> Option<Handled> {
        if !form.at_rest() {
            return None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let letters_free = !form.takes_typing() && !ctrl && !alt;
        match key.code {
            KeyCode::Char('p') if (ctrl && !alt) || letters_free => {
                let body_template = form
                    .value("/internet_delivery/body_template")
                    .map(|t| t.trim_end().to_string());
                let method = DeliveryMethod::ALL
                    .into_iter()
                    .find(|m| Some(m.as_str()) == form.value("/internet_delivery/method"));
                let preview = PreviewRequest {
                    method,
                    body_template,
                };
                Some(
                    vec![Effect::PreviewLeadBody {
                        partner_id: target.partner_id.clone(),
                        preview,
                    }]
                    .into(),
                )
            }
            KeyCode::Char('I') if letters_free => {
                Some(self.ask_portal_invite(target.partner_id.clone(), target.name.clone()))
            }
            _ => None,
        }
    }

    /// The lead form's keys beyond the form's own.
    pub(in crate::tui) fn lead_form_hints(form: &Form) -> Vec<Hint> {
        let mut hints = vec![Hint::new("Ctrl-P", "preview the body", &["ctrl-p"])];
        if !form.takes_typing() {
            hints.push(Hint::chars("p", "preview the body", ['p']).help_only());
            hints.push(Hint::chars("I", "invite to the portal", ['I']).help_only());
        }
        hints
    }

    /// After the focus moved in the lead form: the warnings its values deserve, in its note
    /// (replacing an earlier warning, never a failed save's words).
    pub(in crate::tui) fn lead_form_moved(form: &mut Form, target: &LeadForm) {
        if form.note.as_deref().is_some_and(|n| !n.starts_with("! ")) {
            return;
        }
        form.note = settings_from(form, &target.base)
            .ok()
            .and_then(|s| warnings_note(&s));
    }

    /// The amounts are in the currency the form's one currency field says (once it is three
    /// letters), as typed.
    pub(in crate::tui) fn lead_form_currency(form: &mut Form) {
        let typed = form
            .value(lead_form::CURRENCY)
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        if typed.len() != 3 || !typed.chars().all(|c| c.is_ascii_alphabetic()) {
            return;
        }
        for f in &mut form.fields {
            if let crate::tui::form::FieldKind::Money { currency } = &mut f.kind {
                currency.clone_from(&typed);
            }
        }
    }

    /// `I`: the portal invitation, after y/N.
    pub(in crate::tui) fn ask_portal_invite(
        &mut self,
        partner_id: String,
        name: String,
    ) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self
                .warning(why.replace("decide", "invite partners"))
                .into();
        }
        let key = self.keys.next(0, self.now).idempotency_key;
        self.focus
            .push(Layer::Confirm(crate::tui::decide::confirm::Confirm::new(
                format!("Invite {name} to its portal?"),
                "The partner's contact gets an email with a one-time link to set up its own \
                 login. No password is set, shown or sent here.",
                Effect::PortalInvite { partner_id, key },
            )));
        Handled::done()
    }

    /// `I` on the Lead exchange page.
    pub(in crate::tui) fn open_portal_invite(&mut self) -> Handled {
        let Some(p) = self.record_partner() else {
            return Handled::Ignored;
        };
        let (id, name) = (p.summary.id.clone(), p.summary.name.clone());
        self.ask_portal_invite(id, name)
    }

    /// The lead form saved: its values read back into settings and checked with the
    /// server's rules; only then the members that changed are sent.
    pub(in crate::tui) fn lead_form_saved(
        &mut self,
        form: &mut Form,
        target: &LeadForm,
    ) -> Handled {
        let settings = match settings_from(form, &target.base) {
            Ok(s) => s,
            Err(errors) => {
                form.refuse(&errors, "Nothing was saved");
                return Handled::done();
            }
        };
        let check = crate::domain::lead_rules::check(&settings);
        if !check.errors.is_empty() {
            let errors: Vec<(String, String)> = check
                .errors
                .iter()
                .map(|e| (form_pointer(&e.field), e.detail.clone()))
                .collect();
            form.refuse(&errors, "Nothing was saved");
            return Handled::done();
        }
        let patch = lead_form::patch(&target.base, &settings);
        if patch.as_object().is_none_or(|o| o.is_empty()) {
            return Handled::close();
        }
        form.saving = true;
        vec![Effect::SaveLeadSettings {
            partner_id: target.partner_id.clone(),
            version: target.version,
            patch,
        }]
        .into()
    }

    fn lead_form_open(&mut self, partner_id: &str) -> Option<&mut FormDialog> {
        self.form_for(|t| matches!(t, FormTarget::Lead(l) if l.partner_id == partner_id))
    }

    pub(in crate::tui) fn on_lead_settings(
        &mut self,
        partner_id: String,
        result: Result<LeadRecord, ApiError>,
    ) -> Vec<Effect> {
        super::Fetched::answer_for(&mut self.record.lead, &partner_id, result);
        Vec::new()
    }

    /// The answer to a save: the page shows the settings as saved and the form closes, or the
    /// form says what to mend, or shows what someone else saved meanwhile (412).
    pub(in crate::tui) fn on_lead_saved(
        &mut self,
        partner_id: String,
        result: Result<LeadRecord, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(saved) => {
                let warnings: Vec<String> = saved
                    .warnings
                    .iter()
                    .filter(|w| w.code != field_codes::LIMIT_DISABLED)
                    .map(|w| w.detail.clone())
                    .collect();
                if self.lead_form_open(&partner_id).is_some() {
                    self.focus.close(|l| matches!(l, Layer::Form(_)));
                }
                let mut slot = self.record.lead.take();
                if slot.as_ref().is_none_or(|l| l.partner_id != partner_id) {
                    slot = Some(super::Fetched::loading(&partner_id));
                }
                super::Fetched::answer_for(&mut slot, &partner_id, Ok(saved));
                self.record.lead = slot;
                if warnings.is_empty() {
                    self.toast("Saved the lead-exchange settings.")
                } else {
                    self.warning(format!("Saved. Note: {}", warnings.join(" ")))
                }
            }
            Err(e) => {
                let current = e
                    .problem()
                    .filter(|_| e.code() == Some(codes::VERSION_MISMATCH))
                    .and_then(|p| p.lead_settings.as_deref().cloned());
                if let Some(current) = current
                    && let Some(d) = self.lead_form_open(&partner_id)
                {
                    d.form.rebase(&lead_form::values(&current.record));
                    if let FormTarget::Lead(t) = &mut d.target {
                        t.base = current.record;
                        t.version = current.version;
                    }
                    return self.reload_lead();
                }
                let why = e.user_message();
                self.form_refused(|t| matches!(t, FormTarget::Lead(_)), &e, why)
            }
        }
    }

    /// The preview's answer: a pane over the form, or the template's error on its field.
    pub(in crate::tui) fn on_lead_preview(
        &mut self,
        result: Result<LeadPreview, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(p) => {
                self.focus
                    .push(Layer::Preview(super::preview::PreviewPane::new(&p)));
                Vec::new()
            }
            // The preview's body names its members at its top level (`/body_template`): in
            // the form they are internet delivery's.
            Err(e) => {
                let errors = super::profile::field_errors(&e, "/internet_delivery");
                match self.form_for(|t| matches!(t, FormTarget::Lead(_))) {
                    Some(d) if !errors.is_empty() => {
                        d.form.refuse(&errors, "No preview");
                        Vec::new()
                    }
                    _ => self.error_toast(format!("No preview: {}", e.user_message())),
                }
            }
        }
    }

    pub(in crate::tui) fn on_portal_invited(
        &mut self,
        result: Result<PortalInvite, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(i) => self.toast(format!(
                "Invitation sent to {}; its link works once, until {}.",
                i.to,
                format::absolute(i.expires_at)
            )),
            Err(e) => self.error_toast(format!("No invitation sent: {}", e.user_message())),
        }
    }

    /// The open record's Lead exchange page read again.
    pub(in crate::tui) fn reload_lead(&mut self) -> Vec<Effect> {
        let Some(l) = self.record.lead.as_mut() else {
            return Vec::new();
        };
        l.load = crate::tui::app::Load::Loading;
        vec![Effect::LoadLeadSettings {
            partner_id: l.partner_id.clone(),
        }]
    }
}
