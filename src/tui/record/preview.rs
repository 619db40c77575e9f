//! The rendered delivery body (`Ctrl-P` in the lead form) in a pane over the form: what the
//! partner's API would receive for a sample lead, with its content type, scrolled with the
//! usual keys. It is the server's text, cleaned by the client like every answer.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::LeadPreview;
use crate::tui::app::App;
use crate::tui::app::focus::{Handled, Hint};
use crate::tui::view::dialog;
use crate::tui::view::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub struct PreviewPane {
    pub content_type: String,
    pub lines: Vec<String>,
    pub truncated: bool,
    /// The first line in view.
    pub scroll: usize,
}

impl PreviewPane {
    pub fn new(p: &LeadPreview) -> Self {
        let mut lines: Vec<String> = p.body.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push("(an empty body)".into());
        }
        PreviewPane {
            content_type: p.content_type.clone(),
            lines,
            truncated: p.truncated,
            scroll: 0,
        }
    }

    pub fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new("↑↓", "scroll", &["up", "down", "k", "j"]),
            Hint::new("PgUp PgDn", "page", &["pgup", "pgdn"]),
            Hint::new("g G", "top / end", &["g", "G", "home", "end"]).help_only(),
            Hint::new("Esc", "back to the form", &["esc", "q"]),
        ]
    }

    /// The rect the pane takes over `area`, how many body lines fit in it, and how wide.
    fn rect(area: Rect) -> (Rect, usize, usize) {
        let rect = dialog::centred(area, 100, area.height.saturating_sub(1));
        (
            rect,
            usize::from(rect.height.saturating_sub(2)),
            usize::from(rect.width.saturating_sub(4)).max(8),
        )
    }

    /// The body's lines wrapped at `width` (a one-line JSON body is read whole).
    fn wrapped(&self, width: usize) -> Vec<String> {
        let mut out = Vec::new();
        for line in &self.lines {
            let chars: Vec<char> = line.chars().collect();
            if chars.is_empty() {
                out.push(String::new());
            }
            for piece in chars.chunks(width.max(1)) {
                out.push(piece.iter().collect());
            }
        }
        out
    }

    /// One key; `rows` lines of `total` are in view.
    pub fn key(&mut self, key: KeyEvent, rows: usize, total: usize) -> Handled {
        let max = total.saturating_sub(rows.max(1));
        let page = rows.saturating_sub(1).max(1);
        let plain = !key.modifiers.intersects(
            crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT,
        );
        if !plain {
            return Handled::Ignored;
        }
        let to = match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return Handled::close(),
            KeyCode::Down | KeyCode::Char('j') => self.scroll + 1,
            KeyCode::Up | KeyCode::Char('k') => self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll + page,
            KeyCode::PageUp => self.scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => return Handled::Ignored,
        };
        self.scroll = to.min(max);
        Handled::done()
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let (rect, rows, width) = Self::rect(area);
        let all = self.wrapped(width);
        let end = (self.scroll + rows).min(all.len());
        let cut = if self.truncated {
            " · cut at 64 KiB"
        } else {
            ""
        };
        let title = format!(
            " Preview: {}{cut} · lines {}–{} of {} ",
            self.content_type,
            (self.scroll + 1).min(end),
            end,
            all.len()
        );
        let block = dialog::dialog_block(title, "↑↓ PgUp PgDn scroll · Esc back", theme);
        let lines: Vec<Line> = all[self.scroll.min(end)..end]
            .iter()
            .map(|l| Line::from(Span::raw(l.clone())))
            .collect();
        frame.render_widget(ratatui::widgets::Clear, rect);
        frame.render_widget(
            Paragraph::new(lines).block(block.padding(ratatui::widgets::Padding::horizontal(1))),
            rect,
        );
    }
}

impl App {
    pub(in crate::tui) fn preview_key(&mut self, pane: &mut PreviewPane, key: KeyEvent) -> Handled {
        let (rows, width) = self.layout().map_or((20, 76), |a| {
            let (_, rows, width) = PreviewPane::rect(a.overlay);
            (rows, width)
        });
        let total = pane.wrapped(width).len();
        pane.key(key, rows, total)
    }
}
