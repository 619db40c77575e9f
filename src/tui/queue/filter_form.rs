//! The filter dialog (`f`): kinds ticked, a decision or a partner status chosen, dates typed. Applying it narrows the
//! section's list (and the History chart) through its [`Filter`].

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::filter::{Filter, has_decision, kind_choices, parse_date};
use super::tabs::{SectionId, Source};
use crate::domain::{Kind, PartnerStatus, Status};
use crate::tui::app::App;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

/// The filter dialog (`f`): kinds ticked, decision or partner status chosen, dates typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterForm {
    pub section: SectionId,
    /// The kinds to choose from, each ticked or not; none ticked means every kind.
    pub kinds: Vec<(Kind, bool)>,
    pub has_decision: bool,
    /// 0 any, 1 approved, 2 rejected.
    pub decision: usize,
    /// My Partners: 0 any status, else `PartnerStatus::ALL[i - 1]`; `None` elsewhere.
    pub partner_status: Option<usize>,
    pub from: String,
    pub to: String,
    /// Which field has the focus.
    pub field: usize,
    pub error: Option<String>,
}

/// The fields of a form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    /// One kind's tick box (the index into `kinds`).
    Kind(usize),
    Decision,
    PartnerStatus,
    From,
    To,
}

impl FilterForm {
    pub fn open(section: SectionId, current: &Filter) -> FilterForm {
        let kinds = kind_choices(section)
            .into_iter()
            .map(|k| (k, current.kinds.contains(&k)))
            .collect();
        let partners = section.source() == Source::Partners;
        FilterForm {
            section,
            kinds,
            has_decision: has_decision(section),
            decision: match current.decision {
                Some(Status::Approved) => 1,
                Some(Status::Rejected) => 2,
                _ => 0,
            },
            partner_status: partners.then(|| {
                current
                    .partner_status
                    .and_then(|s| PartnerStatus::ALL.iter().position(|x| *x == s))
                    .map_or(0, |i| i + 1)
            }),
            from: current.from.map(|d| d.to_string()).unwrap_or_default(),
            to: current.to.map(|d| d.to_string()).unwrap_or_default(),
            field: 0,
            error: None,
        }
    }

    pub fn fields(&self) -> Vec<FormField> {
        let mut f: Vec<FormField> = (0..self.kinds.len()).map(FormField::Kind).collect();
        if self.has_decision {
            f.push(FormField::Decision);
        }
        if self.partner_status.is_some() {
            f.push(FormField::PartnerStatus);
        } else {
            f.push(FormField::From);
            f.push(FormField::To);
        }
        f
    }

    pub fn focused(&self) -> FormField {
        let fields = self.fields();
        fields[self.field.min(fields.len() - 1)]
    }

    pub fn decision_label(&self) -> &'static str {
        ["approved and rejected", "approved", "rejected"][self.decision.min(2)]
    }

    pub fn partner_status_label(&self) -> &'static str {
        match self.partner_status {
            Some(i) if i > 0 => PartnerStatus::ALL
                .get(i - 1)
                .map_or("any status", |s| s.label()),
            _ => "any status",
        }
    }

    /// Change the choice in focus: tick or untick a kind, or move a choice one step (±1),
    /// wrapping.
    pub fn cycle(&mut self, delta: isize) {
        let step = |at: usize, n: usize| (at as isize + delta).rem_euclid(n as isize) as usize;
        match self.focused() {
            FormField::Kind(i) => {
                if let Some((_, on)) = self.kinds.get_mut(i) {
                    *on = !*on;
                }
            }
            FormField::Decision => self.decision = step(self.decision, 3),
            FormField::PartnerStatus => {
                let n = PartnerStatus::ALL.len() + 1;
                self.partner_status = self.partner_status.map(|at| step(at, n));
            }
            FormField::From | FormField::To => {}
        }
    }

    /// The text field in focus, if a date has the focus.
    pub fn text_mut(&mut self) -> Option<&mut String> {
        match self.focused() {
            FormField::From => Some(&mut self.from),
            FormField::To => Some(&mut self.to),
            _ => None,
        }
    }

    /// The filter this form describes, keeping what the form does not show (the search text,
    /// the order and the partner); an error in words if a date is not one or the range is
    /// backwards.
    pub fn apply(&self, current: &Filter) -> Result<Filter, String> {
        let from = parse_date(&self.from)?;
        let to = parse_date(&self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(format!("The range ends ({t}) before it starts ({f})."));
        }
        let ticked: Vec<Kind> = self
            .kinds
            .iter()
            .filter(|(_, on)| *on)
            .map(|(k, _)| *k)
            .collect();
        Ok(Filter {
            // Every kind ticked is the same list as none: say it the short way.
            kinds: if ticked.len() == self.kinds.len() {
                Vec::new()
            } else {
                ticked
            },
            decision: match self.decision {
                1 => Some(Status::Approved),
                2 => Some(Status::Rejected),
                _ => None,
            },
            partner_status: self
                .partner_status
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| PartnerStatus::ALL.get(i).copied()),
            from,
            to,
            ..current.clone()
        })
    }
}

impl FilterForm {
    /// The dialog's keys; typing only where there are dates to type.
    pub fn hints(&self) -> Vec<Hint> {
        let mut hints = Vec::new();
        if self.fields().len() > 1 {
            hints.push(Hint::new(
                "Tab",
                "next field",
                &["tab", "down", "backtab", "up"],
            ));
        }
        hints.extend([
            Hint::new("Space ←→", "tick, choose", &["left", "right", "space"]),
            Hint::new("Enter", "apply", &["enter"]),
            Hint::new("Esc", "cancel", &["esc"]),
        ]);
        if self.fields().contains(&FormField::From) {
            hints.push(Hint::chars("0-9 -", "type a date", "0123456789-".chars()).help_only());
            hints.push(Hint::new("Backspace", "delete", &["backspace"]).help_only());
        }
        hints
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let form = self;
        let fields = form.fields();
        let rect = dialog::centred(
            area,
            60,
            fields.len() as u16 + 4 + u16::from(form.error.is_some()),
        );
        let keys = if form.partner_status.is_some() {
            "←→ choose · Enter apply · Esc cancel"
        } else if form.kinds.is_empty() {
            "Tab next · ←→ choose · Enter apply · Esc cancel"
        } else {
            "Tab next · Space tick · Enter apply · Esc cancel"
        };
        let block = dialog::dialog_block(" Filter ".into(), keys, theme);
        let mut lines = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let focus = i == form.field.min(fields.len() - 1);
            let (label, value) = match f {
                FormField::Kind(k) => {
                    let (kind, on) = form.kinds[*k];
                    let label = if *k == 0 { "Kinds" } else { "" };
                    (
                        label,
                        format!("[{}] {}", if on { "x" } else { " " }, kind.label()),
                    )
                }
                FormField::Decision => ("Decision", format!("‹ {} ›", form.decision_label())),
                FormField::PartnerStatus => {
                    ("Status", format!("‹ {} ›", form.partner_status_label()))
                }
                FormField::From => (
                    "From",
                    format!("{}{}", form.from, if focus { "▏" } else { "" }),
                ),
                FormField::To => ("To", format!("{}{}", form.to, if focus { "▏" } else { "" })),
            };
            let marker = if focus { "▶ " } else { "  " };
            let style = if focus {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(vec![
                Span::raw(marker),
                Span::styled(format!("{label:<10}"), theme.table_header()),
                Span::styled(value, style),
            ]));
        }
        let note = if form.partner_status.is_some() {
            "  s sorts the list; / searches it."
        } else if form.kinds.is_empty() {
            "  Dates as 2026-11-01; empty means open."
        } else {
            "  No kind ticked means all. Dates as 2026-11-01."
        };
        lines.push(Line::from(Span::styled(note, theme.dim())));
        if let Some(e) = &form.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.error())));
        }
        dialog::draw_text_dialog(frame, rect, block, lines);
    }
}

impl App {
    pub(in crate::tui) fn open_filter(&mut self) -> Handled {
        let id = self.active_section_id();
        if kind_choices(id).is_empty() && !has_decision(id) && id.source() != Source::Partners {
            // A queue of one kind: dates only would be odd; search and sort cover it.
            return self
                .note("This list has no filters; / searches it and s sorts it.")
                .into();
        }
        let form = FilterForm::open(id, &self.section(id).filter);
        self.focus.push(Layer::Filter(form));
        Handled::done()
    }

    pub(in crate::tui) fn filter_key(&mut self, form: &mut FilterForm, key: KeyEvent) -> Handled {
        let n = form.fields().len();
        let before = form.clone();
        match key.code {
            KeyCode::Esc => return Handled::close(),
            KeyCode::Enter => {
                let id = form.section;
                match form.apply(&self.section(id).filter) {
                    Ok(filter) => return Handled::Close(self.set_filter(id, filter)),
                    Err(e) => form.error = Some(e),
                }
            }
            KeyCode::Tab | KeyCode::Down => form.field = (form.field + 1) % n,
            KeyCode::BackTab | KeyCode::Up => form.field = (form.field + n - 1) % n,
            KeyCode::Left => form.cycle(-1),
            KeyCode::Right | KeyCode::Char(' ') if form.text_mut().is_none() => form.cycle(1),
            KeyCode::Backspace => {
                if let Some(t) = form.text_mut() {
                    t.pop();
                }
            }
            KeyCode::Char(c) if c.is_ascii_digit() || c == '-' => {
                if let Some(t) = form.text_mut()
                    && t.len() < 10
                {
                    t.push(c);
                }
            }
            _ => {}
        }
        if *form == before {
            return Handled::Ignored;
        }
        // The last error was about the values as they were: changing one makes it stale
        // (moving between fields does not).
        if (
            &form.kinds,
            form.decision,
            form.partner_status,
            &form.from,
            &form.to,
        ) != (
            &before.kinds,
            before.decision,
            before.partner_status,
            &before.from,
            &before.to,
        ) {
            form.error = None;
        }
        Handled::done()
    }
}
