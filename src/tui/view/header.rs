//! The header line (who, on which profile, live or offline) and the tab bar with its counts.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use unicode_width::UnicodeWidthStr;

use super::format;
use super::theme::Theme;
use crate::domain::Role;
use crate::tui::app::keymap::Action;
use crate::tui::app::{App, Live};
use crate::tui::queue::tabs::TabId;

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (live, style) = match app.live {
        Live::Live => ("● live", theme.live()),
        Live::Connecting => ("◌ connecting", theme.header()),
        Live::Offline if app.polling_paused => ("○ offline · polling paused", theme.offline()),
        Live::Offline => ("○ offline", theme.offline()),
        Live::TokenRefused => ("✕ token refused (401)", theme.offline()),
    };
    let help = app.keymap.first_label(Action::Help).unwrap_or_default();
    let right = Line::from(vec![
        Span::styled(live, style),
        Span::styled(format!("   {help} help "), theme.header()),
    ]);
    let left = |who: &str| format!(" partner-console · {who} · {}", app.session.profile);
    let who = match &app.user {
        Some(me) => {
            // A long name is cut, never the role after it: the role says what the keys do.
            let role = format!(" ({})", role_word(me.role));
            let room =
                usize::from(area.width).saturating_sub(left(&role).width() + right.width() + 1);
            format!("{}{role}", format::fit(me.name.as_str(), room.max(4)))
        }
        None => "…".into(),
    };
    frame.render_widget(Paragraph::new(left(&who)).style(theme.header()), area);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), area);
}

fn role_word(r: Role) -> &'static str {
    r.as_str()
}

pub fn render_tabs(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    now: chrono::DateTime<chrono::Utc>,
) {
    let narrow = area.width < super::layout::NARROW;
    let late_now = app.late_at(now);
    let titles: Vec<Line> = TabId::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let title = if narrow { t.short_title() } else { t.title() };
            let count = app.counts.as_ref().and_then(|c| t.pending(c));
            // How many of the loaded requests are late, after the count: "(12) 3!".
            let late = match app.aging_in(*t, &late_now) {
                0 => String::new(),
                n => format!(" {n}!"),
            };
            match count {
                Some(n) => Line::from(format!("{} {title} ({n}){late}", i + 1)),
                None => Line::from(format!("{} {title}", i + 1)),
            }
        })
        .collect();
    let tabs = Tabs::new(titles)
        .select(app.tab.index())
        .style(theme.tab())
        .highlight_style(theme.tab_active())
        .divider(if narrow { " " } else { "  " })
        .padding("", "");
    // One column of margin, as the header has.
    frame.render_widget(
        tabs,
        Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(1),
            ..area
        },
    );
}
