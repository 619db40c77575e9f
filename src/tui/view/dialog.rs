//! The frame every dialog shares: a centred, bordered, titled box with its keys at the bottom
//! right, and the y/N question box.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;

/// A box of `width`×`height` centred in `area`, never larger than it.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(1)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

/// A dialog's frame: bordered, titled, with its keys at the bottom right.
pub fn dialog_block(title: String, keys: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(
            Line::from(Span::styled(format!(" {keys} "), theme.key())).alignment(Alignment::Right),
        )
}

/// Clear `rect` and draw `lines` in `block`, padded and wrapped: the body of a text dialog.
pub fn draw_text_dialog(frame: &mut Frame, rect: Rect, block: Block<'_>, lines: Vec<Line<'_>>) {
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

/// A question or a short chooser: its message, and "y/N" when `keys` start with a y.
pub fn confirm_box(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    message: &str,
    keys: &str,
) {
    let yes_no = keys.starts_with("y ");
    let text_lines = message.lines().count() as u16;
    let rect = centred(area, 70, text_lines + 2 + if yes_no { 2 } else { 0 });
    let mut lines: Vec<Line> = message.lines().map(|l| Line::from(l.to_string())).collect();
    // A question answered with y/N says so; a chooser (copy) has its keys in its own lines.
    if yes_no {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("y/N", theme.key())));
    }
    draw_text_dialog(
        frame,
        rect,
        dialog_block(format!(" {title} "), keys, theme),
        lines,
    );
}

/// The rows of a list to choose from, for `area`: as many of its `n` items as it has rows, the
/// chosen one (`at`) always among them and drawn selected, each `label(i)` cut to its width. With `marker`, the chosen row starts
/// with `▶` (and the others with a space); the others are drawn in `rest`.
pub fn choice_lines(
    n: usize,
    at: usize,
    area: Rect,
    marker: bool,
    rest: ratatui::style::Style,
    theme: &Theme,
    label: impl Fn(usize) -> String,
) -> Vec<Line<'static>> {
    let (rows, width) = (usize::from(area.height).max(1), usize::from(area.width));
    let first = at.saturating_sub(rows - 1);
    (first..n.min(first + rows))
        .map(|i| {
            let text = match (marker, i == at) {
                (false, _) => label(i),
                (true, true) => format!("▶ {}", label(i)),
                (true, false) => format!("  {}", label(i)),
            };
            let style = if i == at { theme.selected() } else { rest };
            Line::from(Span::styled(
                super::format::fit(text, width).into_owned(),
                style,
            ))
        })
        .collect()
}
