//! Drawing: reads `&App` (and the time to show relative dates against) and writes a frame,
//! nothing else. This folder holds the chrome: the frame's layout, banners, header and tabs, key
//! bar, toasts, help and the shared dialog frame. Each feature draws its own parts (the list in
//! `queue/`, the reason dialog in `decide/`, the finder in `partners/`, the chart in `history/`).

pub mod banners;
pub mod dialog;
pub mod format;
pub mod header;
pub mod help;
pub mod keybar;
pub mod layout;
pub mod theme;
mod toasts;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::app::focus::Layer;
use crate::tui::{decide, history, partners, queue};
use layout::{MIN_HEIGHT, MIN_WIDTH};
use theme::Theme;

pub fn render(app: &App, frame: &mut Frame, theme: &Theme, now: DateTime<Utc>) {
    let area = frame.area();
    let Some(areas) = layout::areas(app, area) else {
        too_small(frame, area);
        return;
    };
    banners::render(&banners::lines(app, now), frame, areas.banners, theme);
    header::render(app, frame, areas.header, theme);
    if let Some(imp) = &app.partners.impersonating {
        partners::impersonation::render_partner_view(imp, frame, areas.tabs, areas.body, theme);
    } else {
        header::render_tabs(app, frame, areas.tabs, theme, now);
        if let Some(chart) = areas.chart {
            history::chart::render(app, frame, chart, theme);
        }
        queue::list::render(app, frame, areas.list, theme, now);
        if let Some(detail) = areas.detail {
            if detail == areas.list {
                // A small window shows the detail over the list, not beside it.
                frame.render_widget(ratatui::widgets::Clear, detail);
            }
            queue::detail::render(app, frame, detail, theme);
        }
    }
    keybar::render(app, frame, areas.keybar, theme);
    let over = areas.overlay;
    toasts::render(app, frame, areas.toasts, theme);
    if let Some(help) = app.focus.help() {
        help.render(app, frame, over, theme);
    }
    match app.focus.dialog() {
        Some(Layer::Filter(form)) => form.render(frame, over, theme),
        Some(Layer::Copy(choices)) => choices.render(frame, over, theme),
        Some(Layer::Impersonate(dialog)) => dialog.render(frame, over, theme),
        Some(Layer::Finder(finder)) => finder.render(frame, over, theme),
        Some(Layer::Confirm(confirm)) => confirm.render(frame, over, theme),
        Some(Layer::Reason(dialog)) => dialog.render(frame, over, theme),
        Some(Layer::Form(dialog)) => dialog.form.render(frame, over, theme),
        Some(Layer::Batches(picker)) => picker.render(frame, over, theme, app.now.date_naive()),
        Some(Layer::Admins(d)) => d.render(frame, over, theme),
        Some(Layer::Periods(p)) => p.render(frame, over, theme),
        Some(Layer::Preview(p)) => p.render(frame, over, theme),
        Some(Layer::ConfirmQuit) => {
            decide::confirm::render_quit(frame, over, theme, app.quit_worry().unwrap_or("Quit?"))
        }
        _ => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = format!(
        "Make the window larger: partner-console needs {MIN_WIDTH}×{MIN_HEIGHT}, this is {}×{}.",
        area.width, area.height
    );
    let height = 3.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let p = Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true });
    frame.render_widget(p, Rect::new(area.x, y, area.width, height));
}
