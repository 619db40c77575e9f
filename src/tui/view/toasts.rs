//! Toasts have rows of their own, between the body and the key bar: they never cover a list
//! row, the `▶` marker or a detail field. The newest is lowest; each takes at most two rows
//! (a longer one ends in `…`), and the rows exist only while there are toasts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::app::toast::{Toast, ToastKind};

/// Rows one toast may take.
const MAX_ROWS_EACH: u16 = 2;
/// Rows all toasts may take together.
const MAX_ROWS: u16 = 4;

/// A toast's text as shown, with its kind's symbol.
fn text(toast: &Toast) -> String {
    format!(" {} {}", toast.kind.symbol(), toast.text)
}

/// The rows `toast` takes at `width`.
fn rows(toast: &Toast, width: u16) -> u16 {
    let lines = Paragraph::new(text(toast))
        .wrap(Wrap { trim: false })
        .line_count(width);
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .clamp(1, MAX_ROWS_EACH)
}

/// The toasts shown at `width`, newest last, with their rows: as many of the newest as fit.
fn shown(app: &App, width: u16) -> Vec<(&Toast, u16)> {
    let mut out = Vec::new();
    let mut total = 0;
    for toast in app.toasts.iter().rev() {
        let r = rows(toast, width);
        if total + r > MAX_ROWS {
            break;
        }
        total += r;
        out.push((toast, r));
    }
    out.reverse();
    out
}

/// The rows the toasts need at `width` (0 without toasts): the layout gives them these.
pub fn height(app: &App, width: u16) -> u16 {
    shown(app, width).iter().map(|(_, r)| r).sum()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut y = area.y;
    for (toast, r) in shown(app, area.width) {
        let r = r.min(area.bottom().saturating_sub(y));
        if r == 0 {
            break;
        }
        let style = match toast.kind {
            ToastKind::Success => theme.success(),
            ToastKind::Info => theme.note(),
            ToastKind::Warning => theme.warning(),
            ToastKind::Error => theme.error(),
        };
        // Longer than its rows: cut, visibly (`…`), until what is left wraps into them.
        let full = text(toast);
        let mut text = full.clone();
        let mut keep = usize::from(area.width) * usize::from(r);
        while keep > 1
            && Paragraph::new(text.as_str())
                .wrap(Wrap { trim: false })
                .line_count(area.width)
                > usize::from(r)
        {
            keep = keep.saturating_sub(4);
            text = crate::tui::view::format::fit(full.as_str(), keep).into_owned();
        }
        frame.render_widget(
            Paragraph::new(text).style(style).wrap(Wrap { trim: false }),
            Rect::new(area.x, y, area.width, r),
        );
        y += r;
    }
}
