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
/// The width of a grid row's first cell ("[x] yes").
const GRID_CELL: usize = 8;
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

    /// The lines of one row: its fields' shown value, label and marks, and beneath them each
    /// one's error or the value someone else saved.
    fn row_lines(&self, members: &[usize], width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let quiet = self.picker.is_none() && self.calendar.is_none();
        let focused = |i: usize| quiet && i == self.focus;
        let fields: Vec<&Field> = members.iter().map(|&i| &self.fields[i]).collect();
        let main = fields[0];
        let row_focus = members.iter().any(|&i| focused(i));
        let marker = match (
            row_focus,
            fields.iter().any(|f| f.error.is_some()),
            fields.iter().any(|f| f.theirs.is_some()),
        ) {
            (true, _, _) => "▶",
            (_, true, _) => "✗",
            (_, _, true) => "◆",
            _ => " ",
        };
        let changed = if fields.iter().any(|f| f.changed()) {
            "*"
        } else {
            " "
        };
        let label = format!(
            "{marker}{changed}{:<LABEL$} ",
            format::fit(main.label, LABEL)
        );
        let label_style = if row_focus {
            theme.key()
        } else {
            theme.table_header()
        };
        let value_style = |i: usize| {
            if focused(i) {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            }
        };
        let pad = " ".repeat(label.chars().count());
        let mut out: Vec<Line<'static>> = Vec::new();
        for (k, mut v) in self
            .values(main, focused(members[0]), width)
            .into_iter()
            .enumerate()
        {
            // In a grid row the cells beside it start in one column, row after row.
            if members.len() > 1 {
                v = format!("{v:<GRID_CELL$}");
            }
            let head = if k == 0 { label.clone() } else { pad.clone() };
            out.push(Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(format::fit(v, width).into_owned(), value_style(members[0])),
            ]));
        }
        // The row's other fields follow the first one's value on its line.
        for (&i, f) in members.iter().zip(&fields).skip(1) {
            let v = self.values(f, focused(i), width).concat();
            out[0].spans.extend([
                Span::styled(format!(" {} ", f.label), label_style),
                Span::styled(v, value_style(i)),
            ]);
        }
        for f in &fields {
            let whose = if std::ptr::eq(*f, main) {
                String::new()
            } else {
                format!("{}: ", f.label)
            };
            if let Some(e) = &f.error {
                out.push(Line::from(vec![
                    Span::raw(pad.clone()),
                    Span::styled(
                        format::fit(format!("✗ {whose}{e}"), width).into_owned(),
                        theme.error(),
                    ),
                ]));
            }
            if let Some(t) = &f.theirs {
                let theirs = if t.is_empty() { "(empty)" } else { t.as_str() };
                out.push(Line::from(vec![
                    Span::raw(pad.clone()),
                    Span::styled(
                        format::fit(
                            format!("◆ {whose}saved meanwhile: {}", theirs.replace('\n', " ")),
                            width,
                        )
                        .into_owned(),
                        theme.warning(),
                    ),
                ]));
            }
        }
        out
    }

    /// What a field shows, a line each (a multi-line field several).
    fn values(&self, f: &Field, focus: bool, width: usize) -> Vec<String> {
        match (&f.kind, focus) {
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
        }
    }

    /// The form's rows: each shown field starts one (with its section's heading above it)
    /// or joins the row before it ([`Layout::beside`](super::Layout)).
    fn rows(&self, width: usize, theme: &Theme) -> Vec<Row> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in (0..self.fields.len()).filter(|&i| self.shown(i)) {
            match groups.last_mut() {
                Some(g) if self.fields[i].layout.beside => g.push(i),
                _ => groups.push(vec![i]),
            }
        }
        groups
            .into_iter()
            .map(|fields| {
                let mut lines = Vec::new();
                if let Some(section) = self.fields[fields[0]].layout.section {
                    lines.push(Line::from(Span::styled(
                        format!("── {section} "),
                        theme.dim(),
                    )));
                }
                lines.extend(self.row_lines(&fields, width, theme));
                Row { fields, lines }
            })
            .collect()
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
        let rows = self.rows(width, theme);
        let focus_row = rows
            .iter()
            .position(|r| r.fields.contains(&self.focus))
            .unwrap_or(0);
        let blocks: Vec<&[Line]> = rows.iter().map(|r| r.lines.as_slice()).collect();
        let first = first_in_view(&blocks, focus_row, body_rows);
        let count = |rows: &[Row]| -> usize { rows.iter().map(|r| r.fields.len()).sum() };
        let mut lines = top;
        if first > 0 {
            lines.push(Line::from(Span::styled(
                format!("  ↑ {} more fields above", count(&rows[..first])),
                theme.dim(),
            )));
        }
        let room = usize::from(inner.height);
        let mut last = first;
        for (i, r) in rows.iter().enumerate().skip(first) {
            if lines.len() + r.lines.len() > room {
                break;
            }
            lines.extend(r.lines.iter().cloned());
            last = i + 1;
        }
        let below = count(&rows[last..]);
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

/// One line of the form (and the lines beneath it): the fields on it and how they look.
struct Row {
    fields: Vec<usize>,
    lines: Vec<Line<'static>>,
}

/// The first field to draw so that the one in focus is in view among `rows` rows: from the
/// top while it fits, else as many fields before the focus as fit above it (one row is kept
/// for the "more above" line).
fn first_in_view(blocks: &[&[Line]], focus: usize, rows: usize) -> usize {
    let height = |from: usize| -> usize {
        blocks[from..=focus.min(blocks.len().saturating_sub(1))]
            .iter()
            .map(|b| b.len())
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
