//! `E` on the Overview page: the partner's profile in the form component, checked with the
//! server's own rules (`ProfileField::check`), saved as a merge patch against the version the
//! CSR opened (`If-Match`).

use crossterm::event::KeyEvent;

use crate::client::ApiError;
use crate::domain::codes;
use crate::domain::{Partner, PartnerPatch, ProfileField, Saved, countries::COUNTRIES};
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::form::{Check, FieldKind, FieldSpec, Form, Outcome};

/// A form open over the console, and what it edits.
#[derive(Debug)]
pub struct FormDialog {
    pub form: Form,
    pub target: FormTarget,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormTarget {
    /// A partner's profile, as of `version`.
    Profile { partner_id: String, version: i64 },
    /// A hierarchy node's create, edit, suspension, delete or new administrator.
    Node(crate::tui::hierarchy::actions::NodeForm),
    /// A tier assignment or campaign link: a new one, or new dates.
    Period(crate::tui::record::tiers::PeriodForm),
    /// Expiring's `x`: these, extended by one period.
    Extend(Vec<crate::domain::Period>),
    /// A partner's lead-exchange settings.
    Lead(Box<crate::tui::record::lead::LeadForm>),
    /// A request submitted on an impersonated partner's behalf.
    PartnerRequest(Box<crate::tui::partners::requests::RequestForm>),
}

impl FormDialog {
    /// The form's keys, and its owner's.
    pub fn hints(&self) -> Vec<crate::tui::app::focus::Hint> {
        let mut hints = self.form.hints();
        if matches!(self.target, FormTarget::Lead(_)) && self.form.at_rest() {
            hints.extend(App::lead_form_hints(&self.form));
        }
        hints
    }
}

/// A 422's field errors as (pointer, words), each pointer under `under` (`""`: as sent).
pub(in crate::tui) fn field_errors(e: &ApiError, under: &str) -> Vec<(String, String)> {
    e.problem()
        .map(|p| {
            p.errors
                .iter()
                .map(|f| (format!("{under}{}", f.field), f.detail.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The label of a profile field in the form.
fn label(f: ProfileField) -> &'static str {
    match f {
        ProfileField::Name => "Name",
        ProfileField::ContactName => "Contact",
        ProfileField::Email => "Email",
        ProfileField::Phone => "Phone",
        ProfileField::Website => "Website",
        ProfileField::Line1 => "Address",
        ProfileField::Line2 => "Address line 2",
        ProfileField::City => "City",
        ProfileField::Region => "Province/state",
        ProfileField::PostalCode => "Postal code",
        ProfileField::Country => "Country",
        ProfileField::TimeZone => "Time zone",
        ProfileField::Notes => "Notes",
    }
}

/// The kind of a profile field in the form: countries and time zones are pickers.
fn kind(f: ProfileField) -> FieldKind {
    match f {
        ProfileField::Country => FieldKind::Choice(
            std::iter::once((String::new(), "(none)".to_string()))
                .chain(
                    COUNTRIES
                        .iter()
                        .map(|(code, name)| (code.to_string(), format!("{name} ({code})"))),
                )
                .collect(),
        ),
        ProfileField::TimeZone => FieldKind::Choice(
            crate::domain::profile::time_zone_names()
                .map(|z| (z.to_string(), z.to_string()))
                .collect(),
        ),
        ProfileField::Notes => FieldKind::MultiLine { max: f.max_chars() },
        _ => FieldKind::Text { max: f.max_chars() },
    }
}

/// The form for `p`'s profile, every field with the server's rule.
pub fn profile_form(p: &Partner) -> Form {
    let specs = ProfileField::ALL
        .into_iter()
        .map(|f| FieldSpec {
            pointer: f.pointer(),
            label: label(f),
            kind: kind(f),
            check: Some(Check::new(move |v| {
                f.check(&f.normalize(v)).map(|_| ()).map_err(|e| e.detail)
            })),
            value: f.value_in(p).to_string(),
        })
        .collect();
    Form::new(format!("Edit {}", p.summary.name), specs)
}

/// The profile's values as the form holds them, from `p`.
fn values(p: &Partner) -> Vec<(&'static str, String)> {
    ProfileField::ALL
        .into_iter()
        .map(|f| (f.pointer(), f.value_in(p).to_string()))
        .collect()
}

impl App {
    /// `E`: edit the open record's profile (Overview).
    pub(in crate::tui) fn open_profile_form(&mut self) -> Handled {
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "edit")).into();
        }
        let Some(p) = self.record_partner() else {
            return Handled::Ignored;
        };
        let dialog = FormDialog {
            form: profile_form(p),
            target: FormTarget::Profile {
                partner_id: p.summary.id.clone(),
                version: p.summary.version,
            },
        };
        self.focus.push(Layer::Form(Box::new(dialog)));
        Handled::done()
    }

    /// The profile form open on partner `id`, if any (on top or waiting below a question).
    pub(in crate::tui) fn profile_form_for(&mut self, id: &str) -> Option<&mut FormDialog> {
        self.form_for(|t| matches!(t, FormTarget::Profile { partner_id, .. } if partner_id == id))
    }

    /// The open form (on top or waiting below a question) whose target `pick` accepts.
    pub(in crate::tui) fn form_for(
        &mut self,
        pick: impl Fn(&FormTarget) -> bool,
    ) -> Option<&mut FormDialog> {
        self.focus.find_mut(|l| match l {
            Layer::Form(d) if pick(&d.target) => Some(&mut **d),
            _ => None,
        })
    }

    pub(in crate::tui) fn form_key(&mut self, d: &mut FormDialog, key: KeyEvent) -> Handled {
        let width = self.layout().map_or(60, |a| d.form.value_width(a.overlay));
        if let FormTarget::Lead(target) = &d.target {
            let target = target.clone();
            if let Some(handled) = self.lead_form_key(&mut d.form, &target, key) {
                return handled;
            }
        }
        let focus = d.form.focus;
        match d.form.key(key, width) {
            Outcome::Stay => {
                if let FormTarget::Lead(target) = &d.target {
                    App::lead_form_currency(&mut d.form);
                    if d.form.focus != focus {
                        App::lead_form_moved(&mut d.form, target);
                    }
                }
                Handled::done()
            }
            Outcome::Ignored => Handled::Ignored,
            Outcome::Close => Handled::close(),
            Outcome::Edit { text, .. } => vec![Effect::EditText { text }].into(),
            Outcome::Save(changes) => match &d.target {
                FormTarget::Profile {
                    partner_id,
                    version,
                } => {
                    let patch = changes
                        .into_iter()
                        .filter_map(|(ptr, v)| Some((ProfileField::from_pointer(ptr)?, v)))
                        .fold(PartnerPatch::default(), |p, (f, v)| p.set(f, v));
                    vec![Effect::SavePartner {
                        id: partner_id.clone(),
                        version: *version,
                        patch,
                    }]
                    .into()
                }
                FormTarget::Node(target) => {
                    let target = target.clone();
                    self.node_form_saved(&target, changes).into()
                }
                FormTarget::Extend(periods) => {
                    let periods = periods.clone();
                    let by = changes
                        .iter()
                        .find(|(p, _)| *p == "/by")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    match self.extend_saved(&periods, &by) {
                        Ok(fx) => Handled::Close(fx),
                        Err(why) => {
                            d.form.save_failed(&why);
                            Handled::done()
                        }
                    }
                }
                FormTarget::Lead(target) => {
                    let target = target.clone();
                    self.lead_form_saved(&mut d.form, &target)
                }
                FormTarget::PartnerRequest(target) => {
                    let target = target.clone();
                    self.request_form_saved(&mut d.form, &target)
                }
                FormTarget::Period(target) => {
                    let target = target.clone();
                    match self.period_form_saved(&target, changes) {
                        Ok(fx) => fx.into(),
                        Err(why) => {
                            d.form.save_failed(&why);
                            Handled::done()
                        }
                    }
                }
            },
        }
    }

    /// The answer to a save: the form closes with a toast, or says what to mend, or shows what
    /// someone else saved meanwhile.
    pub(in crate::tui) fn on_partner_saved(
        &mut self,
        id: String,
        result: Result<Saved<Partner>, ApiError>,
    ) -> Vec<Effect> {
        let Some(d) = self.profile_form_for(&id) else {
            return Vec::new();
        };
        match result {
            Ok(saved) => {
                let name = saved.record.summary.name.clone();
                let warnings: Vec<String> =
                    saved.warnings.iter().map(|w| w.detail.clone()).collect();
                self.focus.close(|l| matches!(l, Layer::Form(_)));
                self.partner_arrived(saved.record);
                let mut fx = self.on_partner_updated(&id);
                fx.retain(|e| !matches!(e, Effect::LoadPartner { .. }));
                fx.extend(if warnings.is_empty() {
                    self.toast(format!("Saved {name}."))
                } else {
                    self.warning(format!("Saved {name}. Note: {}", warnings.join(" ")))
                });
                fx
            }
            Err(e) => {
                let problem = e.problem();
                match (e.code(), problem) {
                    (Some(codes::VALIDATION_FAILED), Some(p)) => {
                        let errors: Vec<(String, String)> = p
                            .errors
                            .iter()
                            .map(|f| (f.field.clone(), f.detail.clone()))
                            .collect();
                        d.form.server_errors(&errors);
                    }
                    (Some(codes::VERSION_MISMATCH), Some(p)) if p.partner.is_some() => {
                        let current = p.partner.as_deref().cloned();
                        if let Some(current) = current {
                            d.form.rebase(&values(&current));
                            d.target = FormTarget::Profile {
                                partner_id: id.clone(),
                                version: current.summary.version,
                            };
                            self.partner_arrived(current);
                        }
                    }
                    _ => d.form.save_failed(&e.user_message()),
                }
                Vec::new()
            }
        }
    }

    /// A newer partner (saved, or read again after another console's change): the detail
    /// shows it, and an open form on it marks what changed underneath its edits.
    pub(in crate::tui) fn partner_arrived(&mut self, p: Partner) {
        if let Some(d) = self.profile_form_for(&p.summary.id) {
            // While a save is on its way, its own answer says what happened (the event of
            // that very save may arrive first and must not read as someone else's).
            if let FormTarget::Profile { version, .. } = &mut d.target
                && p.summary.version > *version
                && !d.form.saving
            {
                *version = p.summary.version;
                d.form.rebase(&values(&p));
            }
        }
        if let Some(detail) = self
            .partners
            .detail
            .as_mut()
            .filter(|d| d.id == p.summary.id)
        {
            detail.partner = Some(p);
            detail.load = crate::tui::app::Load::Loaded;
        }
    }

    /// A write refused: the open form `pick` finds puts the server's field errors beside their
    /// fields, or says `why` in its note; with no such form open, a toast says it.
    pub(in crate::tui) fn form_refused(
        &mut self,
        pick: fn(&FormTarget) -> bool,
        e: &ApiError,
        why: String,
    ) -> Vec<Effect> {
        let errors = field_errors(e, "");
        match self.form_for(pick) {
            Some(d) if !errors.is_empty() => {
                d.form.server_errors(&errors);
                Vec::new()
            }
            Some(d) => {
                d.form.save_failed(&why);
                Vec::new()
            }
            None => self.error_toast(format!("Not done: {why}")),
        }
    }

    /// The editor's text comes back into the field it was opened from.
    pub(in crate::tui) fn on_edited(&mut self, result: Result<String, String>) -> Vec<Effect> {
        let Some(d) = self.focus.find_mut(|l| match l {
            Layer::Form(d) => Some(&mut **d),
            _ => None,
        }) else {
            return Vec::new();
        };
        match result {
            Ok(text) => {
                let field = d.form.focus;
                d.form.edited(field, &text);
                Vec::new()
            }
            Err(why) => self.error_toast(why),
        }
    }
}
