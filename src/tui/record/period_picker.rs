//! `E` and `D` on the Tiers & campaigns page: which assignment or link, chosen from a list
//! (newest start first), then its dates in a form or the question whether to end it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::domain::Period;
use crate::tui::app::App;
use crate::tui::app::focus::{Handled, Hint, Layer};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

#[derive(Debug)]
pub struct PeriodPicker {
    pub periods: Vec<Period>,
    pub at: usize,
    /// `D`: end or delete the chosen one; else change its dates.
    pub delete: bool,
    pub tz: chrono_tz::Tz,
}

impl PeriodPicker {
    pub fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(
                "Enter",
                if self.delete { "end/delete" } else { "dates" },
                &["enter"],
            ),
            Hint::new("↑↓", "choose", &["up", "down", "j", "k"]),
            Hint::new("Esc", "cancel", &["esc"]),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rect = dialog::centred(area, 76, area.height.saturating_sub(2).min(14));
        let title = if self.delete {
            " End or delete which? "
        } else {
            " Change the dates of which? "
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(Line::from(Span::styled(
                " ↑↓ choose · Enter · Esc ",
                theme.key(),
            )));
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let lines = dialog::choice_lines(
            self.periods.len(),
            self.at,
            inner,
            true,
            ratatui::style::Style::new(),
            theme,
            |i| line(&self.periods[i], self.tz),
        );
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// "Gold tier · active · 2026-12-01 → 2027-01-01", dates in the partner's zone.
fn line(p: &Period, tz: chrono_tz::Tz) -> String {
    let day =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    let end = p.expires_at().map_or("no expiry".into(), day);
    format!(
        "{} · {} · {} → {end}",
        p.what(),
        p.state().as_str(),
        day(p.starts_at())
    )
}

impl App {
    /// `E` (`delete` false) or `D` on the Tiers page.
    pub(in crate::tui) fn open_period_picker(&mut self, delete: bool) -> Handled {
        let periods = self.record_periods();
        if periods.is_empty() {
            return self
                .note("This partner has no tier assignment or campaign link yet.")
                .into();
        }
        let tz = self.record_partner().map_or(chrono_tz::Tz::UTC, |p| {
            crate::tui::form::dates::zone(&p.contact.time_zone)
        });
        self.focus.push(Layer::Periods(PeriodPicker {
            periods,
            at: 0,
            delete,
            tz,
        }));
        Handled::done()
    }

    pub(in crate::tui) fn period_picker_key(
        &mut self,
        p: &mut PeriodPicker,
        key: KeyEvent,
    ) -> Handled {
        match key.code {
            KeyCode::Esc => Handled::close(),
            KeyCode::Down | KeyCode::Char('j') => {
                p.at = (p.at + 1).min(p.periods.len().saturating_sub(1));
                Handled::done()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                p.at = p.at.saturating_sub(1);
                Handled::done()
            }
            KeyCode::Enter => {
                let Some(period) = p.periods.get(p.at).cloned() else {
                    return Handled::Ignored;
                };
                // The picker closes; what it opens goes on top of the screen.
                let then = if p.delete {
                    self.ask_end_period(period)
                } else {
                    self.open_dates_form(period, p.tz)
                };
                match then {
                    Handled::Done(fx) | Handled::Close(fx) => Handled::Close(fx),
                    other => other,
                }
            }
            _ => Handled::Ignored,
        }
    }
}
