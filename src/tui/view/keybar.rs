//! The bottom line: the keys of the layer on top of the focus stack, as that layer lists them.
//! A key this session may not use stays visible, struck through, so the CSR knows why nothing
//! happens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::tui::app::App;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for hint in app.key_bar() {
        if hint.enabled {
            spans.push(Span::styled(hint.label, theme.key()));
            spans.push(Span::raw(format!(" {}  ", hint.what)));
        } else {
            spans.push(Span::styled(
                format!("{} {}", hint.label, hint.what),
                theme.disabled(),
            ));
            spans.push(Span::raw("  "));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
