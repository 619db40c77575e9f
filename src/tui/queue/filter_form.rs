//! The filter dialog (`f`): kind and decision are chosen, dates typed. Applying it narrows the
//! section's list (and the History chart) through its [`Filter`].

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::filter::{Filter, has_decision, kind_choices, parse_date};
use super::tabs::SectionId;
use crate::domain::{Kind, Status};
use crate::tui::app::App;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

/// The filter dialog (`f`): kind and decision are chosen, dates typed.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterForm {
    pub section: SectionId,
    /// The kinds to choose from; index 0 of `kind` means "all".
    pub kinds: Vec<Kind>,
    pub kind: usize,
    pub has_decision: bool,
    /// 0 any, 1 approved, 2 rejected.
    pub decision: usize,
    pub from: String,
    pub to: String,
    /// Which field has the focus.
    pub field: usize,
    pub error: Option<String>,
}

/// The fields of a form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Kind,
    Decision,
    From,
    To,
}

impl FilterForm {
    pub fn open(section: SectionId, current: &Filter) -> FilterForm {
        let kinds = kind_choices(section);
        let kind = match current.kinds.as_slice() {
            [one] => kinds
                .iter()
                .position(|k| k == one)
                .map(|i| i + 1)
                .unwrap_or(0),
            _ => 0,
        };
        FilterForm {
            section,
            kinds,
            kind,
            has_decision: has_decision(section),
            decision: match current.decision {
                Some(Status::Approved) => 1,
                Some(Status::Rejected) => 2,
                _ => 0,
            },
            from: current.from.map(|d| d.to_string()).unwrap_or_default(),
            to: current.to.map(|d| d.to_string()).unwrap_or_default(),
            field: 0,
            error: None,
        }
    }

    pub fn fields(&self) -> Vec<FormField> {
        let mut f = Vec::new();
        if !self.kinds.is_empty() {
            f.push(FormField::Kind);
        }
        if self.has_decision {
            f.push(FormField::Decision);
        }
        f.push(FormField::From);
        f.push(FormField::To);
        f
    }

    pub fn focused(&self) -> FormField {
        let fields = self.fields();
        fields[self.field.min(fields.len() - 1)]
    }

    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            0 => "all kinds",
            i => self
                .kinds
                .get(i - 1)
                .map(|k| k.label())
                .unwrap_or("all kinds"),
        }
    }

    pub fn decision_label(&self) -> &'static str {
        ["approved and rejected", "approved", "rejected"][self.decision.min(2)]
    }

    /// Move a choice field one step (±1), wrapping.
    pub fn cycle(&mut self, delta: isize) {
        match self.focused() {
            FormField::Kind => {
                let n = self.kinds.len() as isize + 1;
                self.kind = (self.kind as isize + delta).rem_euclid(n) as usize;
            }
            FormField::Decision => {
                self.decision = (self.decision as isize + delta).rem_euclid(3) as usize
            }
            _ => {}
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

    /// The filter this form describes, keeping `current`'s search text; an error in words if a
    /// date is not one or the range is backwards.
    pub fn apply(&self, current: &Filter) -> Result<Filter, String> {
        let from = parse_date(&self.from)?;
        let to = parse_date(&self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(format!("The range ends ({t}) before it starts ({f})."));
        }
        Ok(Filter {
            q: current.q.clone(),
            sort: current.sort,
            kinds: match self.kind {
                0 => Vec::new(),
                i => self.kinds.get(i - 1).map(|k| vec![*k]).unwrap_or_default(),
            },
            decision: match self.decision {
                1 => Some(Status::Approved),
                2 => Some(Status::Rejected),
                _ => None,
            },
            from,
            to,
        })
    }
}

/// The filter dialog's keys.
pub fn hints() -> Vec<Hint> {
    vec![
        Hint::new("Tab", "next field", &["tab", "down", "backtab", "up"]),
        Hint::new("←→", "choose", &["left", "right", "space"]),
        Hint::new("Enter", "apply", &["enter"]),
        Hint::new("Esc", "cancel", &["esc"]),
        Hint::chars("0-9 -", "type a date", "0123456789-".chars()).help_only(),
        Hint::new("Backspace", "delete", &["backspace"]).help_only(),
    ]
}

impl FilterForm {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let form = self;
        let fields = form.fields();
        let rect = dialog::centred(
            area,
            60,
            fields.len() as u16 + 4 + u16::from(form.error.is_some()),
        );
        let block = dialog::dialog_block(
            " Filter ".into(),
            "Tab next · ←→ choose · Enter apply · Esc cancel",
            theme,
        );
        let mut lines = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let focus = i == form.field.min(fields.len() - 1);
            let (label, value) = match f {
                FormField::Kind => ("Kind", format!("‹ {} ›", form.kind_label())),
                FormField::Decision => ("Decision", format!("‹ {} ›", form.decision_label())),
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
        lines.push(Line::from(Span::styled(
            "  Dates as 2026-11-01; empty means open.",
            theme.dim(),
        )));
        if let Some(e) = &form.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.error())));
        }
        dialog::draw_text_dialog(frame, rect, block, lines);
    }
}

impl App {
    pub(in crate::tui) fn open_filter(&mut self) -> Handled {
        let id = self.active_section_id();
        if kind_choices(id).is_empty() && !has_decision(id) {
            // Pending queues and the directory: dates only would be odd; search covers them.
            return self.note("This list has no filters; / searches it.").into();
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
        if (form.kind, form.decision, &form.from, &form.to)
            != (before.kind, before.decision, &before.from, &before.to)
        {
            form.error = None;
        }
        Handled::done()
    }
}
