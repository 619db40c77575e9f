//! The banners across the top, most serious first: impersonating, production, read-only. In a
//! colour that cannot be missed, and in words, so they work without colour too.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::app::keymap::Action;

/// The banners that apply, as (text, danger); their count does not depend on `now`.
pub fn lines(app: &App, now: DateTime<Utc>) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(imp) = &app.partners.impersonating {
        out.push((
            format!(
                "Impersonating {} as Partner Owner · {} · {} exit",
                crate::tui::partners::short_name(&imp.session.partner.name),
                imp.time_left(now),
                app.keymap
                    .first_label(Action::ExitImpersonation)
                    .unwrap_or_default()
            ),
            true,
        ));
    }
    if app.session.production {
        out.push((
            format!(
                "PRODUCTION · profile {} · decisions here are real",
                app.session.profile
            ),
            true,
        ));
    }
    let viewer = app.user.as_ref().is_some_and(|u| !u.role.can_decide());
    if app.session.read_only || viewer {
        let why = if app.session.read_only {
            "this profile is read-only"
        } else {
            "your role is viewer"
        };
        out.push((
            format!("READ-ONLY session · {why} · you can look, not decide"),
            false,
        ));
    }
    out
}

pub fn render(banners: &[(String, bool)], frame: &mut Frame, area: Rect, theme: &Theme) {
    for (i, (text, danger)) in banners.iter().enumerate() {
        let style = if *danger {
            theme.banner_danger()
        } else {
            theme.banner_notice()
        };
        let line = Rect::new(area.x, area.y + i as u16, area.width, 1);
        frame.render_widget(
            Paragraph::new(format!(" {text}"))
                .style(style)
                .alignment(Alignment::Center),
            line,
        );
    }
}
