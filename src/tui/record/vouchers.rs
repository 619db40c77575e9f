//! `A` and `U` on the Vouchers page: assign a batch from the unassigned pool (searched on the
//! server as you type) or unassign one of the partner's (after `y/N`). Each ends in a toast and
//! the page read again.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Page;
use crate::client::ApiError;
use crate::domain::{VoucherBatch, VoucherBatchQuery, VoucherValue};
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::app::{App, Load};
use crate::tui::view::theme::Theme;
use crate::tui::view::{dialog, format};

/// The batch picker of `A` (the unassigned pool) or `U` (the partner's own).
#[derive(Debug)]
pub struct BatchPicker {
    pub partner_id: String,
    pub partner_name: String,
    pub assign: bool,
    /// What is typed: the server's `q` (assign) or a filter of the partner's list (unassign).
    pub query: String,
    pub items: Vec<VoucherBatch>,
    pub load: Load,
    pub at: usize,
    /// Unassign asks `y/N` first.
    pub confirming: bool,
    pub generation: u64,
}

/// One line about a batch: name, value, expiry (or that it expired, as of `today`) and counts.
pub fn batch_line(b: &VoucherBatch, today: chrono::NaiveDate) -> String {
    let value = match &b.value {
        VoucherValue::Money(m) => format::money(m),
        VoucherValue::Percent(p) => format!("{p}%"),
    };
    let ends = if b.is_expired(today) {
        format!("EXPIRED {}", b.expires_on)
    } else {
        format!("expires {}", b.expires_on)
    };
    format!(
        "{} · {value} · {ends} · {} unused of {}",
        b.name, b.counts.unused, b.counts.total
    )
}

impl BatchPicker {
    fn shown(&self) -> Vec<&VoucherBatch> {
        let q = self.query.to_lowercase();
        self.items
            .iter()
            .filter(|b| {
                self.assign
                    || q.is_empty()
                    || b.name.to_lowercase().contains(&q)
                    || b.exams.iter().any(|e| e.to_lowercase().contains(&q))
            })
            .collect()
    }

    pub fn hints(&self) -> Vec<Hint> {
        if self.confirming {
            return crate::tui::decide::confirm::hints();
        }
        vec![
            Hint::new(
                "Enter",
                if self.assign { "assign" } else { "unassign" },
                &["enter"],
            ),
            Hint::new("↑↓", "choose", &["up", "down"]),
            Hint::new("Esc", "cancel", &["esc"]),
            Hint::typing("search by name or exam").help_only(),
            Hint::new("Backspace", "delete", &["backspace"]).help_only(),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: chrono::NaiveDate) {
        let chosen = self.shown().get(self.at).copied();
        if let (true, Some(b)) = (self.confirming, chosen) {
            dialog::confirm_box(
                frame,
                area,
                theme,
                &format!("Unassign {}?", b.name),
                &format!(
                    "{} will no longer hold this batch; it goes back to the pool.",
                    self.partner_name
                ),
                "y unassign · n or Esc keep it",
            );
            return;
        }
        let rect = dialog::centred(area, 76, area.height.saturating_sub(2).min(16));
        let verb = if self.assign {
            "Assign a batch to"
        } else {
            "Unassign a batch from"
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {verb} {} ", self.partner_name))
            .title_bottom(Line::from(Span::styled(
                " type to search · ↑↓ choose · Enter · Esc ",
                theme.key(),
            )));
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let mut lines = vec![Line::from(Span::styled(
            format!("Search: {}▏", self.query),
            theme.key(),
        ))];
        let rows = usize::from(inner.height).saturating_sub(1).max(1);
        let shown = self.shown();
        match &self.load {
            Load::Loading | Load::NotLoaded if shown.is_empty() => {
                lines.push(Line::from(Span::styled("Loading…", theme.dim())))
            }
            Load::Failed(e) => lines.push(Line::from(Span::styled(
                format!("Could not load the batches: {e}"),
                theme.error(),
            ))),
            _ if shown.is_empty() => lines.push(Line::from(Span::styled(
                if self.assign {
                    "No unassigned batch matches."
                } else {
                    "This partner holds no batch that matches."
                },
                theme.dim(),
            ))),
            _ => lines.extend(dialog::choice_lines(
                shown.len(),
                self.at,
                Rect {
                    y: inner.y + 1,
                    height: u16::try_from(rows).unwrap_or(u16::MAX),
                    ..inner
                },
                true,
                ratatui::style::Style::new(),
                theme,
                |i| batch_line(shown[i], today),
            )),
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

impl App {
    /// `A` (assign) or `U` (unassign) on the Vouchers page of the open record.
    pub(in crate::tui) fn open_batch_picker(&mut self, assign: bool) -> Handled {
        if self.record.page != Page::Vouchers {
            return Handled::Ignored;
        }
        if let Some(why) = self.read_only_reason() {
            return self
                .warning(why.replace("decide", "change vouchers"))
                .into();
        }
        let Some(p) = self.record_partner() else {
            return Handled::Ignored;
        };
        let (partner_id, partner_name) = (p.summary.id.clone(), p.summary.name.clone());
        let own: Vec<VoucherBatch> = self
            .record
            .vouchers
            .as_ref()
            .filter(|l| l.partner_id == partner_id)
            .map(|l| l.items.clone())
            .unwrap_or_default();
        if !assign && own.is_empty() {
            return self
                .note(format!("{partner_name} holds no voucher batch."))
                .into();
        }
        self.record.batch_gen += 1;
        let generation = self.record.batch_gen;
        let picker = BatchPicker {
            partner_id,
            partner_name,
            assign,
            query: String::new(),
            items: if assign { Vec::new() } else { own },
            load: if assign { Load::Loading } else { Load::Loaded },
            at: 0,
            confirming: false,
            generation,
        };
        self.focus.push(Layer::Batches(picker));
        if assign {
            return vec![self.find_batches(String::new(), generation)].into();
        }
        Handled::done()
    }

    fn find_batches(&self, q: String, generation: u64) -> Effect {
        Effect::FindBatches {
            query: VoucherBatchQuery {
                unassigned: Some(true),
                q: (!q.trim().is_empty()).then(|| q.trim().to_string()),
                limit: Some(100),
                ..Default::default()
            },
            generation,
        }
    }

    pub(in crate::tui) fn batch_key(&mut self, p: &mut BatchPicker, key: KeyEvent) -> Handled {
        let ctrl_alt = key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if p.confirming {
            return match crate::tui::decide::confirm::answer(key) {
                Some(crate::tui::decide::confirm::Answer::Yes) => {
                    Handled::Close(self.change_batch(p))
                }
                Some(crate::tui::decide::confirm::Answer::No) => {
                    p.confirming = false;
                    Handled::done()
                }
                None => Handled::Ignored,
            };
        }
        let searched = |app: &mut App, p: &mut BatchPicker| -> Vec<Effect> {
            p.at = 0;
            if !p.assign {
                return Vec::new();
            }
            app.record.batch_gen += 1;
            p.generation = app.record.batch_gen;
            p.load = Load::Loading;
            vec![app.find_batches(p.query.clone(), p.generation)]
        };
        match key.code {
            KeyCode::Esc => Handled::close(),
            KeyCode::Up => {
                p.at = p.at.saturating_sub(1);
                Handled::done()
            }
            KeyCode::Down => {
                p.at = (p.at + 1).min(p.shown().len().saturating_sub(1));
                Handled::done()
            }
            KeyCode::Enter if p.shown().get(p.at).is_some() => {
                if p.assign {
                    Handled::Close(self.change_batch(p))
                } else {
                    p.confirming = true;
                    Handled::done()
                }
            }
            KeyCode::Backspace => {
                p.query.pop();
                searched(self, p).into()
            }
            KeyCode::Char(c) if !ctrl_alt && !crate::text::is_unsafe(c) => {
                p.query.push(c);
                searched(self, p).into()
            }
            _ => Handled::Ignored,
        }
    }

    fn change_batch(&mut self, p: &BatchPicker) -> Vec<Effect> {
        let Some(b) = p.shown().get(p.at).copied() else {
            return Vec::new();
        };
        vec![Effect::ChangeBatch {
            partner_id: p.partner_id.clone(),
            batch_id: b.id.clone(),
            assign: p.assign,
        }]
    }

    pub(in crate::tui) fn on_batches(
        &mut self,
        generation: u64,
        result: Result<Vec<VoucherBatch>, ApiError>,
    ) -> Vec<Effect> {
        let Some(p) = self.focus.find_mut(|l| match l {
            Layer::Batches(p) if p.generation == generation => Some(p),
            _ => None,
        }) else {
            return Vec::new();
        };
        match result {
            Ok(items) => {
                p.items = items;
                p.load = Load::Loaded;
                p.at = p.at.min(p.items.len().saturating_sub(1));
            }
            Err(e) => p.load = Load::Failed(e.user_message()),
        }
        Vec::new()
    }

    pub(in crate::tui) fn on_batch_changed(
        &mut self,
        partner_id: String,
        assign: bool,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        let mut fx = match &result {
            Ok(()) if assign => self.toast("Batch assigned."),
            Ok(()) => self.toast("Batch unassigned."),
            Err(e) => {
                let verb = if assign { "assign" } else { "unassign" };
                let why = e
                    .problem()
                    .map(|p| p.detail.clone())
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| e.user_message());
                self.error_toast(format!("Could not {verb} the batch: {why}"))
            }
        };
        if self
            .record
            .vouchers
            .as_ref()
            .is_some_and(|l| l.partner_id == partner_id)
        {
            fx.push(Effect::LoadVouchers { partner_id });
        }
        fx
    }
}

#[cfg(test)]
pub(in crate::tui) mod tests {
    use super::*;
    use crate::domain::{Money, VoucherCounts};

    /// A batch of the pool, €20 a voucher, 40 vouchers.
    pub fn batch(id: &str) -> VoucherBatch {
        VoucherBatch {
            id: id.into(),
            name: format!("Batch {id}"),
            exams: vec!["Fundamentals".into()],
            expires_on: chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
            last_exam_on: None,
            value: VoucherValue::Money(Money::new(2000, "EUR")),
            counts: VoucherCounts {
                total: 40,
                used: 12,
                unused: 28,
                expired: 0,
            },
            partner: None,
            version: 1,
        }
    }
}
