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
    let late_now = app.late_at(now);
    // Each tab's count and how many of its loaded requests are late, counted once a frame.
    let numbers: Vec<(Option<u64>, usize)> = TabId::ALL
        .iter()
        .map(|t| {
            let count = app.counts.as_ref().and_then(|c| t.pending(c));
            (count, app.aging_in(*t, &late_now))
        })
        .collect();
    let titles = |short: bool, with_late: bool| -> Vec<String> {
        TabId::ALL
            .iter()
            .zip(&numbers)
            .enumerate()
            .map(|(i, (t, (count, late)))| {
                let title = if short { t.short_title() } else { t.title() };
                // The late ones after the count: "(12) 3!".
                let late = match late {
                    n if *n > 0 && with_late => format!(" {n}!"),
                    _ => String::new(),
                };
                match count {
                    Some(n) => format!("{} {title} ({n}){late}", i + 1),
                    None => format!("{} {title}", i + 1),
                }
            })
            .collect()
    };
    // One column of margin, as the header has.
    let room = usize::from(area.width.saturating_sub(1));
    // The widest form that fits whole: full names, then a narrower divider, then short names,
    // then (at the smallest sizes) without the late counts, which the rows' `!` still show.
    // The counts grow with the queues, so a bar that fits today may not tomorrow; cutting the
    // last tab ("5 Histor") would hide where History is.
    let (full, short, shortest) = (titles(false, true), titles(true, true), titles(true, false));
    let (titles, divider) = [(&full, "  "), (&full, " "), (&short, "  "), (&short, " ")]
        .into_iter()
        .find(|(t, d)| bar_width(t, d) <= room)
        .unwrap_or((&shortest, " "));
    let tabs = Tabs::new(titles.iter().map(|t| Line::from(t.as_str())))
        .select(app.tab.index())
        .style(theme.tab())
        .highlight_style(theme.tab_active())
        .divider(divider)
        .padding("", "");
    frame.render_widget(
        tabs,
        Rect {
            x: area.x + 1,
            width: area.width.saturating_sub(1),
            ..area
        },
    );
}

/// The columns a tab bar of `titles` takes with `divider` between them.
fn bar_width(titles: &[String], divider: &str) -> usize {
    titles.iter().map(|t| t.width()).sum::<usize>()
        + divider.width() * titles.len().saturating_sub(1)
}
