//! Help (`?`): every key of the view it was opened over, as that view's layer lists them,
//! filtered by typing, scrolled with the arrows when the list is longer than the window.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::app::focus::{Handled, Hint};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Help {
    pub filter: String,
    /// Rows scrolled past at the top.
    pub scroll: usize,
}

impl Help {
    /// Typed text is shown back, so the sanitizer's rule applies to a paste too.
    pub fn paste(&mut self, text: &str) {
        self.filter.push_str(&crate::text::clean_line(text));
        self.scroll = 0;
    }

    pub fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![
            Hint::typing("filter"),
            Hint::new("↑↓", "scroll", &["up", "down", "pgup", "pgdn"]),
        ];
        if self.filter.is_empty() {
            hints.push(Hint::new("Esc", "close", &["esc", "?", "enter"]));
        } else {
            hints.push(Hint::new("Esc", "clear the filter", &["esc"]));
            hints.push(Hint::new("Enter", "close", &["enter"]));
            hints.push(Hint::new("Backspace", "delete", &["backspace"]).help_only());
        }
        hints
    }

    /// The rows shown for `app`'s view, filtered.
    fn rows(&self, app: &App) -> Vec<Hint> {
        let filter = self.filter.to_lowercase();
        let mut rows = app.help_hints();
        rows.retain(|h| {
            filter.is_empty()
                || h.what.to_lowercase().contains(&filter)
                || h.label.to_lowercase().contains(&filter)
        });
        rows
    }

    /// The help box in `body` for `rows` rows whose widest is `widest` columns, and how many
    /// rows it shows: as wide as its rows need (the window allowing), at least 60.
    fn frame(rows: usize, widest: usize, body: Rect) -> (Rect, usize) {
        let want = u16::try_from(widest + 2).unwrap_or(u16::MAX).max(60);
        let width = want.min(body.width.saturating_sub(4));
        let height = (rows as u16 + 2).min(body.height.saturating_sub(2)).max(3);
        let rect = Rect::new(
            body.x + (body.width - width) / 2,
            body.y + (body.height.saturating_sub(height)) / 2,
            width,
            height,
        );
        (rect, usize::from(height - 2))
    }

    pub fn render(&self, app: &App, frame: &mut Frame, body: Rect, theme: &Theme) {
        let rows = self.rows(app);
        let (rect, visible) = Help::frame(rows.len(), widest(&rows), body);
        let scroll = self.scroll.min(rows.len().saturating_sub(visible));
        let more = if scroll + visible < rows.len() {
            " ↓ more "
        } else {
            ""
        };
        let title = format!(" Help · {} · filter: {}▏ ", app.tab.title(), self.filter);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_bottom(Line::from(more).right_aligned());
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let lines: Vec<Line> = if rows.is_empty() {
            vec![Line::from("No key matches the filter.")]
        } else {
            rows.into_iter()
                .skip(scroll)
                .map(|h| {
                    // A description too long for the window ends in `…`, never mid-word unseen.
                    let room = usize::from(inner.width).saturating_sub(LABEL);
                    Line::from(vec![
                        Span::styled(format!("{:<LABEL$}", h.label), theme.key()),
                        Span::raw(super::format::fit(h.what, room).into_owned()),
                    ])
                })
                .collect()
        };
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// The column the descriptions start at.
const LABEL: usize = 22;

/// The width of the widest help row: its keys' column and its description.
fn widest(rows: &[Hint]) -> usize {
    use unicode_width::UnicodeWidthStr;
    rows.iter()
        .map(|h| LABEL.max(h.label.width() + 1) + h.what.width())
        .max()
        .unwrap_or(0)
}

impl App {
    pub(in crate::tui) fn help_key(&mut self, help: &mut Help, key: KeyEvent) -> Handled {
        let hints = help.rows(self);
        let rows = hints.len();
        let body = self.layout().map(|a| a.overlay).unwrap_or_default();
        let (_, visible) = Help::frame(rows, widest(&hints), body);
        let last = rows.saturating_sub(visible);
        let current = help.scroll.min(last);
        let target = match key.code {
            KeyCode::Down => Some(current + 1),
            KeyCode::Up => Some(current.saturating_sub(1)),
            KeyCode::PageDown => Some(current + visible),
            KeyCode::PageUp => Some(current.saturating_sub(visible)),
            _ => None,
        };
        if let Some(to) = target {
            if to.min(last) == current {
                return Handled::Ignored;
            }
            help.scroll = to.min(last);
            return Handled::done();
        }
        match key.code {
            KeyCode::Esc if !help.filter.is_empty() => {
                help.filter.clear();
                help.scroll = 0;
                Handled::done()
            }
            KeyCode::Esc | KeyCode::Enter => Handled::close(),
            KeyCode::Char('?') if help.filter.is_empty() => Handled::close(),
            KeyCode::Backspace => {
                if help.filter.pop().is_none() {
                    return Handled::Ignored;
                }
                help.scroll = 0;
                Handled::done()
            }
            // Typed text is shown back, so the sanitizer's rule applies to it too.
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    && !crate::text::is_unsafe(c) =>
            {
                help.filter.push(c);
                help.scroll = 0;
                Handled::done()
            }
            _ => Handled::Ignored,
        }
    }
}
