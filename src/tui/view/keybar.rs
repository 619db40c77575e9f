//! The bottom line: the keys of the layer on top of the focus stack, as that layer lists them.
//! A key this session may not use stays visible, struck through, so the CSR knows why nothing
//! happens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use unicode_width::UnicodeWidthStr;

use crate::tui::app::App;
use crate::tui::app::focus::Hint;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for hint in fitting(app.key_bar(), usize::from(area.width).saturating_sub(1)) {
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

/// The hints that fit in `width` columns, whole: the layers list them most important first,
/// so the last ones are dropped rather than one cut mid-word, but "help" (which lists every
/// key) always stays.
fn fitting(hints: Vec<Hint>, width: usize) -> Vec<Hint> {
    let cost = |h: &Hint| h.label.width() + 1 + h.what.width() + 2;
    let help = hints.iter().position(|h| h.what == "help");
    let mut room = width.saturating_sub(help.map(|i| cost(&hints[i])).unwrap_or(0));
    let mut out = Vec::new();
    for (i, hint) in hints.into_iter().enumerate() {
        if Some(i) == help {
            out.push(hint);
        } else if cost(&hint) <= room {
            room -= cost(&hint);
            out.push(hint);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_that_do_not_fit_are_dropped_whole_and_help_stays() {
        let hints = vec![
            Hint::new("a", "approve", &["a"]),
            Hint::new("r", "reject", &["r"]),
            Hint::new("?", "help", &["?"]),
            Hint::new("q", "quit", &["q"]),
        ];
        let names = |w| -> Vec<String> {
            fitting(hints.clone(), w)
                .into_iter()
                .map(|h| h.what)
                .collect()
        };
        assert_eq!(names(80), ["approve", "reject", "help", "quit"]);
        // "a approve  " 11, "r reject  " 10, "? help  " 8, "q quit  " 8.
        assert_eq!(names(30), ["approve", "reject", "help"]);
        assert_eq!(names(20), ["approve", "help"]);
        assert_eq!(names(5), ["help"]);
    }
}
