//! Drawing a form: a label and a value a field, its error or the value someone else saved
//! beneath it, scrolled so the field in focus is in view (the scroll follows the focus; the
//! form keeps no scroll position), and a choice's picker over the lower half.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Field, FieldKind, Form};
use crate::tui::view::theme::Theme;
use crate::tui::view::{dialog, format};

const WIDTH: u16 = 78;
const LABEL: usize = 16;
/// Rows a multi-line field shows at most.
const MULTI_ROWS: usize = 4;

impl Form {
    /// The box the form is drawn in over `area`, and the width of a field's value in it.
    pub fn frame_rect(&self, area: Rect) -> Rect {
        dialog::centred(area, WIDTH, area.height.saturating_sub(1))
    }

    /// The width a value (and a multi-line field's text) gets at this area.
    pub fn value_width(&self, area: Rect) -> usize {
        let inner = usize::from(self.frame_rect(area).width.saturating_sub(4));
        inner.saturating_sub(LABEL + 3).max(8)
    }

    fn field_lines(&self, i: usize, f: &Field, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let focus = i == self.focus && self.picker.is_none() && self.calendar.is_none();
        let marker = match (focus, f.error.is_some(), f.theirs.is_some()) {
            (true, _, _) => "▶",
            (_, true, _) => "✗",
            (_, _, true) => "◆",
            _ => " ",
        };
        let changed = if f.changed() { "*" } else { " " };
        let label = format!("{marker}{changed}{:<LABEL$} ", format::fit(f.label, LABEL));
        let label_style = if focus {
            theme.key()
        } else {
            theme.table_header()
        };
        let pad = " ".repeat(label.chars().count());
        let mut out = Vec::new();
        let values: Vec<String> = match (&f.kind, focus) {
            (FieldKind::MultiLine { .. }, _) => {
                let view = f.input.view(width, MULTI_ROWS, focus.then_some('▏'));
                let mut lines = view.lines;
                if view.below > 0 || view.above > 0 {
                    lines.push(format!(
                        "({} more lines; Ctrl-E to open it whole)",
                        view.above + view.below
                    ));
                }
                if lines.is_empty() {
                    lines.push(String::new());
                }
                lines
            }
            (FieldKind::Choice(_), _) => vec![format!("‹ {} ›", f.shown())],
            (FieldKind::YesNo, _) => vec![format!(
                "[{}] {}",
                if f.value() == "true" { "x" } else { " " },
                f.shown()
            )],
            (_, true) => vec![f.input.with_cursor('▏')],
            (_, false) => vec![f.shown()],
        };
        for (k, v) in values.into_iter().enumerate() {
            let head = if k == 0 { label.clone() } else { pad.clone() };
            let style = if focus {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            out.push(Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(format::fit(v, width).into_owned(), style),
            ]));
        }
        if let Some(e) = &f.error {
            out.push(Line::from(vec![
                Span::raw(pad.clone()),
                Span::styled(
                    format::fit(format!("✗ {e}"), width).into_owned(),
                    theme.error(),
                ),
            ]));
        }
        if let Some(t) = &f.theirs {
            let theirs = if t.is_empty() { "(empty)" } else { t.as_str() };
            out.push(Line::from(vec![
                Span::raw(pad),
                Span::styled(
                    format::fit(
                        format!("◆ saved meanwhile: {}", theirs.replace('\n', " ")),
                        width,
                    )
                    .into_owned(),
                    theme.warning(),
                ),
            ]));
        }
        out
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.discarding {
            dialog::confirm_box(
                frame,
                area,
                theme,
                "Discard your changes?",
                "What you changed in this form will be lost.",
                "y discard · n or Esc keep editing",
            );
            return;
        }
        let rect = self.frame_rect(area);
        let keys = if self.saving {
            "saving…"
        } else {
            "Ctrl-S save · Tab next · Esc close"
        };
        let block = dialog::dialog_block(format!(" {} ", self.title), keys, theme);
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        let width = self.value_width(area);
        // The note (what is not about one field) keeps its rows at the top.
        let mut top: Vec<Line> = Vec::new();
        if let Some(n) = &self.note {
            for row in crate::tui::textarea::wrap(n, usize::from(inner.width))
                .iter()
                .take(3)
            {
                let text: String = n
                    .chars()
                    .skip(row.start)
                    .take(row.end - row.start)
                    .collect();
                top.push(Line::from(Span::styled(text, theme.warning())));
            }
        }
        let body_rows = usize::from(inner.height).saturating_sub(top.len());
        let blocks: Vec<Vec<Line>> = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| self.field_lines(i, f, width, theme))
            .collect();
        let first = first_in_view(&blocks, self.focus, body_rows);
        let mut lines = top;
        if first > 0 {
            lines.push(Line::from(Span::styled(
                format!("  ↑ {first} more fields above"),
                theme.dim(),
            )));
        }
        let room = usize::from(inner.height);
        let mut last = first;
        for (i, b) in blocks.iter().enumerate().skip(first) {
            if lines.len() + b.len() > room {
                break;
            }
            lines.extend(b.iter().cloned());
            last = i + 1;
        }
        let below = self.fields.len() - last;
        if below > 0 && lines.len() < room {
            lines.push(Line::from(Span::styled(
                format!("  ↓ {below} more fields below"),
                theme.dim(),
            )));
        }
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some(p) = &self.picker {
            render_picker(p, frame, inner, theme);
        }
        if let Some(c) = &self.calendar {
            c.render(frame, inner, theme);
        }
    }
}

/// The first field to draw so that the one in focus is in view among `rows` rows: from the
/// top while it fits, else as many fields before the focus as fit above it (one row is kept
/// for the "more above" line).
fn first_in_view(blocks: &[Vec<Line>], focus: usize, rows: usize) -> usize {
    let height = |from: usize| -> usize {
        blocks[from..=focus.min(blocks.len().saturating_sub(1))]
            .iter()
            .map(Vec::len)
            .sum()
    };
    if blocks.is_empty() || height(0) < rows {
        return 0;
    }
    (0..=focus)
        .find(|&s| height(s) + 2 <= rows)
        .unwrap_or(focus)
}

fn render_picker(p: &super::Picker, frame: &mut Frame, area: Rect, theme: &Theme) {
    let h = (area.height / 2).max(5).min(area.height);
    let rect = Rect::new(area.x, area.y + area.height - h, area.width, h);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Choose: {}▏ ", p.query))
        .title_bottom(Line::from(Span::styled(
            format!(
                " {} · type to narrow · Enter take · Esc back ",
                match p.matches.len() {
                    1 => "1 match".to_string(),
                    n => format!("{n} matches"),
                }
            ),
            theme.key(),
        )));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = if p.matches.is_empty() {
        vec![Line::from(Span::styled(
            "Nothing matches; Backspace widens the list.",
            theme.dim(),
        ))]
    } else {
        dialog::choice_lines(
            p.matches.len(),
            p.at,
            inner,
            true,
            ratatui::style::Style::new(),
            theme,
            |k| p.label(k).to_string(),
        )
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
