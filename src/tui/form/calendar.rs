//! A date field's calendar: the month around the field's date, moved by day, week and month,
//! `Enter` to take the day, `Esc` to leave the field as it was. Typing stays the quick way
//! (`+30d`, `end of month`); the calendar is for "the second Friday of March".
//!
//! Nothing depends on colour: the chosen day is bracketed (`[17]`) and today carries a dot.

use chrono::{Datelike, Duration, Months, NaiveDate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::view::theme::Theme;

/// The calendar of one date field.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The field it picks for.
    pub field: usize,
    /// The day chosen so far.
    pub day: NaiveDate,
    pub today: NaiveDate,
}

/// What a key did in the calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CalendarKey {
    Moved,
    Take(NaiveDate),
    Leave,
    Ignored,
}

impl Calendar {
    /// Open on the field's date when it reads as one, else on today.
    pub fn new(field: usize, current: &str, today: NaiveDate) -> Calendar {
        let day = super::dates::parse_day(current, today).unwrap_or(today);
        Calendar { field, day, today }
    }

    pub fn key(&mut self, key: KeyEvent) -> CalendarKey {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return CalendarKey::Ignored;
        }
        let d = self.day;
        let moved = match key.code {
            KeyCode::Enter => return CalendarKey::Take(d),
            KeyCode::Esc => return CalendarKey::Leave,
            KeyCode::Left | KeyCode::Char('h') => d.checked_sub_signed(Duration::days(1)),
            KeyCode::Right | KeyCode::Char('l') => d.checked_add_signed(Duration::days(1)),
            KeyCode::Up | KeyCode::Char('k') => d.checked_sub_signed(Duration::weeks(1)),
            KeyCode::Down | KeyCode::Char('j') => d.checked_add_signed(Duration::weeks(1)),
            KeyCode::PageUp | KeyCode::Char('[') => d.checked_sub_months(Months::new(1)),
            KeyCode::PageDown | KeyCode::Char(']') => d.checked_add_months(Months::new(1)),
            KeyCode::Home => d.with_day(1),
            KeyCode::End => last_of_month(d),
            KeyCode::Char('t') => Some(self.today),
            _ => return CalendarKey::Ignored,
        };
        if let Some(day) = moved {
            self.day = day;
        }
        CalendarKey::Moved
    }

    /// The month's grid, Monday first: six rows of seven cells, `None` outside the month.
    pub fn weeks(&self) -> Vec<[Option<NaiveDate>; 7]> {
        let Some(first) = self.day.with_day(1) else {
            return Vec::new();
        };
        let lead = first.weekday().num_days_from_monday();
        let mut weeks = Vec::new();
        let mut start = first.checked_sub_signed(Duration::days(i64::from(lead)));
        for _ in 0..6 {
            let mut week = [None; 7];
            for (i, cell) in week.iter_mut().enumerate() {
                *cell = start
                    .and_then(|s| s.checked_add_signed(Duration::days(i as i64)))
                    .filter(|d| d.month() == first.month() && d.year() == first.year());
            }
            weeks.push(week);
            start = start.and_then(|s| s.checked_add_signed(Duration::weeks(1)));
        }
        weeks
    }

    /// The calendar over the lower part of the form's `area`.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let w = 32.min(area.width);
        let h = 11.min(area.height);
        let rect = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + area.height - h,
            w,
            h,
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", self.day.format("%B %Y")))
            .title_bottom(Line::from(Span::styled(
                " Enter take · Esc back ",
                theme.key(),
            )));
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let mut lines = vec![Line::from(Span::styled(
            " Mo  Tu  We  Th  Fr  Sa  Su",
            theme.table_header(),
        ))];
        for week in self.weeks() {
            let spans: Vec<Span> = week
                .iter()
                .map(|cell| match cell {
                    None => Span::raw("    "),
                    Some(d) if *d == self.day => {
                        Span::styled(format!("[{:>2}]", d.day()), theme.selected())
                    }
                    Some(d) if *d == self.today => Span::raw(format!(" {:>2}•", d.day())),
                    Some(d) => Span::raw(format!(" {:>2} ", d.day())),
                })
                .collect();
            lines.push(Line::from(spans));
        }
        lines.push(Line::from(Span::styled(
            format!(
                " {} · {}",
                self.day.format("%a %Y-%m-%d"),
                from_today(self.day, self.today)
            ),
            theme.dim(),
        )));
        lines.push(Line::from(Span::styled(
            " ←→ day ↑↓ week PgUp/Dn month",
            theme.dim(),
        )));
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn last_of_month(d: NaiveDate) -> Option<NaiveDate> {
    d.with_day(1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// "today", "in 3 days", "2 days ago".
fn from_today(day: NaiveDate, today: NaiveDate) -> String {
    match (day - today).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n > 0 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn press(c: &mut Calendar, code: KeyCode) -> CalendarKey {
        c.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn opens_on_the_typed_date_or_today() {
        let today = d(2026, 12, 7);
        assert_eq!(Calendar::new(0, "2027-03-12", today).day, d(2027, 3, 12));
        assert_eq!(Calendar::new(0, "+2w", today).day, d(2026, 12, 21));
        assert_eq!(Calendar::new(0, "", today).day, today);
        assert_eq!(Calendar::new(0, "nonsense", today).day, today);
    }

    #[test]
    fn keys_move_by_day_week_and_month_and_take_the_day() {
        let mut c = Calendar::new(0, "2026-01-31", d(2026, 12, 7));
        press(&mut c, KeyCode::Right);
        assert_eq!(c.day, d(2026, 2, 1));
        press(&mut c, KeyCode::Up);
        assert_eq!(c.day, d(2026, 1, 25));
        press(&mut c, KeyCode::Char('j'));
        assert_eq!(c.day, d(2026, 2, 1));
        // A month on from the 31st lands on the month's last day.
        let mut c = Calendar::new(0, "2026-01-31", d(2026, 12, 7));
        press(&mut c, KeyCode::PageDown);
        assert_eq!(c.day, d(2026, 2, 28));
        press(&mut c, KeyCode::End);
        assert_eq!(c.day, d(2026, 2, 28));
        press(&mut c, KeyCode::Home);
        assert_eq!(c.day, d(2026, 2, 1));
        press(&mut c, KeyCode::Char('t'));
        assert_eq!(c.day, d(2026, 12, 7));
        assert_eq!(
            press(&mut c, KeyCode::Enter),
            CalendarKey::Take(d(2026, 12, 7))
        );
        assert_eq!(press(&mut c, KeyCode::Esc), CalendarKey::Leave);
        assert_eq!(press(&mut c, KeyCode::Char('q')), CalendarKey::Ignored);
    }

    #[test]
    fn the_edges_of_time_do_not_panic() {
        let mut c = Calendar::new(0, "", NaiveDate::MAX);
        for code in [
            KeyCode::Right,
            KeyCode::Down,
            KeyCode::PageDown,
            KeyCode::End,
        ] {
            press(&mut c, code);
        }
        assert_eq!(c.weeks().len(), 6);
        let mut c = Calendar::new(0, "", NaiveDate::MIN);
        for code in [KeyCode::Left, KeyCode::Up, KeyCode::PageUp, KeyCode::Home] {
            press(&mut c, code);
        }
        assert_eq!(c.weeks().len(), 6);
    }

    #[test]
    fn the_grid_starts_on_monday_and_holds_the_month() {
        // December 2026 begins on a Tuesday.
        let c = Calendar::new(0, "2026-12-15", d(2026, 12, 7));
        let weeks = c.weeks();
        assert_eq!(weeks[0][0], None);
        assert_eq!(weeks[0][1], Some(d(2026, 12, 1)));
        assert_eq!(d(2026, 12, 1).weekday().num_days_from_monday(), 1);
        let days: usize = weeks.iter().flatten().filter(|c| c.is_some()).count();
        assert_eq!(days, 31);
    }
}
