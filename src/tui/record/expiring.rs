//! My Partners › Expiring: tier assignments and campaign links by soonest end, a CSR's to-do
//! list. `Enter` opens the partner's record on its Tiers & campaigns page, `E` changes one's
//! dates, and `x` extends the marked ones (or the selected one) by one period, after a single
//! question, each answered on its own like a bulk decision: what failed stays marked and is
//! named.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};

use super::tiers::{PeriodWrite, period_name};
use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Layer};
use crate::tui::form::{Check, FieldKind, FieldSpec, Form};
use crate::tui::queue::tabs::{Row, SectionId};

use super::profile::{FormDialog, FormTarget};

/// An extension: `+30d`, `+2w`, `+3m`, `+1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    Days(u32),
    Months(u32),
}

impl Extension {
    pub fn parse(s: &str) -> Result<Extension, String> {
        let s = s.trim().to_lowercase();
        let bad = || "Say how long: +30d, +2w, +3m or +1y.".to_string();
        let rest = s.strip_prefix('+').unwrap_or(&s);
        let at = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (n, unit) = rest.split_at(at);
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n == 0 || n > 3650 {
            return Err(bad());
        }
        match unit.trim() {
            "d" | "" | "days" | "day" => Ok(Extension::Days(n)),
            "w" | "weeks" | "week" => Ok(Extension::Days(n * 7)),
            "m" | "months" | "month" => Ok(Extension::Months(n)),
            "y" | "years" | "year" => Ok(Extension::Months(n * 12)),
            _ => Err(bad()),
        }
    }

    /// `t` moved on by this extension.
    pub fn after(self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Extension::Days(n) => Some(t + chrono::Duration::days(i64::from(n))),
            Extension::Months(n) => t.checked_add_months(Months::new(n)),
        }
    }
}

/// A bulk extension on its way: what is left to answer, and what failed.
#[derive(Debug, Default)]
pub struct Extending {
    pub batch: u64,
    pub left: BTreeMap<String, String>,
    pub done: usize,
    pub failed: Vec<(String, String)>,
}

impl App {
    /// The selected row of Expiring, if that is the section in view.
    fn expiring_row(&self) -> Option<&Period> {
        if self.active_section_id() != SectionId::Expiring {
            return None;
        }
        match self.active_section().selected_row()? {
            Row::Period(p) => Some(p),
            _ => None,
        }
    }

    /// `Enter` on Expiring: the partner's record opens on its Tiers & campaigns page.
    pub(in crate::tui) fn expiring_detail(&mut self) -> Vec<Effect> {
        if self.detail.open && self.active_section_id() == SectionId::Expiring {
            self.record.page = super::Page::Tiers;
        }
        let mut fx = self.schedule_partner_detail();
        fx.extend(self.page_effects());
        fx
    }

    /// `E` on Expiring: the selected one's dates, in its partner's zone once the record is
    /// loaded (UTC before).
    pub(in crate::tui) fn expiring_edit(&mut self) -> Handled {
        let Some(period) = self.expiring_row().cloned() else {
            return Handled::Ignored;
        };
        let tz = self
            .record_partner()
            .filter(|p| p.summary.id == period.partner().id)
            .map_or(chrono_tz::Tz::UTC, |p| {
                crate::tui::form::dates::zone(&p.contact.time_zone)
            });
        self.open_dates_form(period, tz)
    }

    /// `x` on Expiring: the marked rows (else the selected one), extended by one period.
    pub(in crate::tui) fn open_extend(&mut self) -> Handled {
        if self.active_section_id() != SectionId::Expiring {
            return Handled::Ignored;
        }
        if let Some(why) = self.read_only_reason() {
            return self.warning(why.replace("decide", "extend")).into();
        }
        let s = self.active_section();
        let periods: Vec<Period> = s
            .rows
            .iter()
            .filter(|r| s.marked.contains(r.id()))
            .chain(s.marked.is_empty().then(|| s.selected_row()).flatten())
            .filter_map(|r| match r {
                Row::Period(p) => Some((**p).clone()),
                _ => None,
            })
            .collect();
        if periods.is_empty() {
            return Handled::Ignored;
        }
        let n = periods.len();
        let by = FieldSpec {
            pointer: "/by",
            label: "Extend by",
            kind: FieldKind::Text { max: 10 },
            check: Some(Check::new(|v| Extension::parse(v).map(|_| ()))),
            value: "+30d".into(),
        };
        let title = match n {
            1 => format!(
                "Extend the {} of {}",
                period_name(&periods[0]),
                periods[0].partner().name
            ),
            n => format!("Extend these {n} by the same period"),
        };
        self.focus.push(Layer::Form(Box::new(FormDialog {
            form: Form::new(title, vec![by]).for_new(),
            target: FormTarget::Extend(periods),
        })));
        Handled::done()
    }

    /// The extension form saved: one question listing them, then each extension sent.
    pub(in crate::tui) fn extend_saved(
        &mut self,
        periods: &[Period],
        by: &str,
    ) -> Result<Vec<Effect>, String> {
        let ext = Extension::parse(by)?;
        let mut writes = Vec::new();
        let mut lines = Vec::new();
        for p in periods {
            let Some(old) = p.expires_at() else {
                continue;
            };
            let new = ext.after(old).ok_or("That goes past the calendar.")?;
            lines.push(format!(
                "• {} — {}: {} → {}",
                p.partner().name,
                period_name(p),
                old.format("%Y-%m-%d"),
                new.format("%Y-%m-%d")
            ));
            writes.push(PeriodWrite::Update {
                kind: p.kind(),
                id: p.id().to_string(),
                version: p.version(),
                patch: DatesPatch {
                    starts_at: None,
                    expires_at: Some(Some(new)),
                },
            });
        }
        if writes.is_empty() {
            return Err("None of these has an expiry to extend.".into());
        }
        let batch = self.next_id();
        let message = lines.join("\n");
        // Said before the answer to the question: a "no" leaves it unused until the next.
        self.extending(batch, &writes);
        self.focus
            .push(Layer::Confirm(crate::tui::decide::confirm::Confirm::new(
                format!("Extend {} by {}?", plural(writes.len()), by.trim()),
                message,
                Effect::ExtendPeriods { batch, writes },
            )));
        Ok(Vec::new())
    }

    /// The extensions are on their way: remember what to report.
    pub(in crate::tui) fn extending(&mut self, batch: u64, writes: &[PeriodWrite]) {
        let left = writes
            .iter()
            .filter_map(|w| match w {
                PeriodWrite::Update { id, .. } => Some((id.clone(), self.expiring_name(id))),
                _ => None,
            })
            .collect();
        self.record.extending = Some(Extending {
            batch,
            left,
            ..Default::default()
        });
    }

    fn expiring_name(&self, id: &str) -> String {
        self.section(SectionId::Expiring)
            .rows
            .iter()
            .find_map(|r| match r {
                Row::Period(p) if p.id() == id => {
                    Some(format!("{} of {}", period_name(p), p.partner().name))
                }
                _ => None,
            })
            .unwrap_or_else(|| id.to_string())
    }

    /// One extension answered; the last one says how it all went and reads the list again.
    pub(in crate::tui) fn on_extended(
        &mut self,
        batch: u64,
        id: String,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        let Some(x) = self.record.extending.as_mut().filter(|x| x.batch == batch) else {
            return Vec::new();
        };
        let name = x.left.remove(&id).unwrap_or_default();
        match result {
            Ok(()) => x.done += 1,
            Err(e) => x.failed.push((id, format!("{name}: {}", e.user_message()))),
        }
        if !x.left.is_empty() {
            return Vec::new();
        }
        let Some(x) = self.record.extending.take() else {
            return Vec::new();
        };
        // What failed stays marked, to try again; what went through is unmarked.
        let failed: std::collections::BTreeSet<String> =
            x.failed.iter().map(|(id, _)| id.clone()).collect();
        self.section_mut(SectionId::Expiring).marked = failed;
        let mut fx = if x.failed.is_empty() {
            self.toast(format!("Extended {}.", plural(x.done)))
        } else {
            let why: Vec<String> = x.failed.into_iter().map(|(_, w)| w).collect();
            self.warning(format!(
                "Extended {}; not extended: {}",
                plural(x.done),
                why.join("; ")
            ))
        };
        fx.extend(self.reload(SectionId::Expiring));
        fx
    }
}

fn plural(n: usize) -> String {
    match n {
        1 => "1 item".into(),
        n => format!("{n} items"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn extensions_as_typed() {
        assert_eq!(Extension::parse("+30d"), Ok(Extension::Days(30)));
        assert_eq!(Extension::parse("2w"), Ok(Extension::Days(14)));
        assert_eq!(Extension::parse(" +3m "), Ok(Extension::Months(3)));
        assert_eq!(Extension::parse("+1y"), Ok(Extension::Months(12)));
        for bad in ["", "+0d", "soon", "+5q", "-3d"] {
            assert!(Extension::parse(bad).is_err(), "{bad:?}");
        }
        let jan31 = Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap();
        assert_eq!(
            Extension::Months(1).after(jan31),
            Some(Utc.with_ymd_and_hms(2027, 2, 28, 0, 0, 0).unwrap()),
            "the end of a shorter month"
        );
    }
}
