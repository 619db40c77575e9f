//! Toasts stack at the bottom right of the body, newest lowest; a long one wraps.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::app::toast::ToastKind;

pub fn render(app: &App, frame: &mut Frame, body: Rect, theme: &Theme) {
    let max_width = body.width.saturating_sub(4).max(1);
    let mut bottom = body.bottom().saturating_sub(1);
    for toast in app.toasts.iter().rev() {
        let prefix = format!("{} ", toast.kind.symbol());
        let text = format!("{prefix}{}", toast.text);
        let len = text.chars().count() as u16 + 2;
        let width = len.min(max_width);
        let height = len.div_ceil(width.saturating_sub(2).max(1)).min(3);
        if bottom < body.y + 1 + height {
            break;
        }
        let rect = Rect::new(
            body.right().saturating_sub(width + 1),
            bottom - height,
            width,
            height,
        );
        bottom -= height;
        let style = match toast.kind {
            ToastKind::Success => theme.success(),
            ToastKind::Info => theme.note(),
            ToastKind::Warning => theme.warning(),
            ToastKind::Error => theme.error(),
        };
        frame.render_widget(Clear, rect);
        let block = Block::default().padding(ratatui::widgets::Padding::horizontal(1));
        frame.render_widget(
            Paragraph::new(text)
                .style(style)
                .wrap(Wrap { trim: true })
                .block(block),
            rect,
        );
    }
}
