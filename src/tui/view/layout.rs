//! Where everything goes on screen, for a terminal size: one function that drawing and
//! `update` both call, so paging moves by the rows the list really shows (with the History
//! chart above it and the detail pane beside or under it).

use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::app::App;
use crate::tui::queue::tabs::TabId;

/// The smallest window the console draws in; below it, it asks for a larger one. From 80×23
/// (tmux's status line on an 80×24 terminal) down to this it condenses: short tab names (when the full ones do not fit), no
/// chart, the detail over the list instead of beside it.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// A body lower than this shows the History chart no more, and the detail pane over the list.
const ROOM_FOR_SPLITS: u16 = 16;

/// The areas of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Areas {
    pub banners: Rect,
    pub header: Rect,
    pub tabs: Rect,
    /// Everything between the tabs and the toasts.
    pub body: Rect,
    /// The toasts' own rows, above the key bar (none without toasts).
    pub toasts: Rect,
    /// The body below the chart: toasts, help and dialogs go over it.
    pub overlay: Rect,
    /// The History tab's chart, when there is room for it.
    pub chart: Option<Rect>,
    pub list: Rect,
    pub detail: Option<Rect>,
    pub keybar: Rect,
}

impl Areas {
    /// Rows of the list's table: its area less the block's borders and the column titles.
    pub fn list_rows(&self) -> usize {
        usize::from(self.list.height.saturating_sub(3))
    }
}

/// The layout of `app` in `area`; `None` when the terminal is too small to use.
pub fn areas(app: &App, area: Rect) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let banners = super::banners::lines(app, app.now).len() as u16;
    // The toasts take rows from the body, never more than a third of it.
    let room = area.height.saturating_sub(banners + 3) / 3;
    let toasts = super::toasts::height(app, area.width).min(room);
    let [banners, header, tabs, body, toasts, keybar] = Layout::vertical([
        Constraint::Length(banners),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(toasts),
        Constraint::Length(1),
    ])
    .areas(area);
    // The History tab opens with decisions per day over the range shown.
    let impersonating = app.partners.impersonating.is_some();
    let (chart, rest) =
        if app.tab == TabId::History && body.height >= ROOM_FOR_SPLITS && !impersonating {
            let [chart, rest] =
                Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(body);
            (Some(chart), rest)
        } else {
            (None, body)
        };
    let (list, detail) = split_list(app.detail.open, rest);
    Some(Areas {
        banners,
        header,
        tabs,
        body,
        toasts,
        overlay: rest,
        chart,
        list,
        detail,
        keybar,
    })
}

/// The list, and the detail pane when open: beside the list on wide terminals, under it on
/// others, and over it (the whole area) when there is no room for both.
fn split_list(detail_open: bool, body: Rect) -> (Rect, Option<Rect>) {
    if !detail_open {
        return (body, None);
    }
    if body.height < ROOM_FOR_SPLITS && body.width < 150 {
        return (body, Some(body));
    }
    if body.width >= 150 {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        (list, Some(detail))
    } else {
        let detail_h = (body.height * 45 / 100)
            .max(8)
            .min(body.height.saturating_sub(5));
        let [list, detail] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_h)]).areas(body);
        (list, Some(detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Session;
    use crate::tui::test_data::signed_in;

    #[test]
    fn toasts_have_rows_of_their_own_between_the_body_and_the_key_bar() {
        let mut app = signed_in(Session::default(), crate::domain::Role::Csr, 3);
        let screen = Rect::new(0, 0, 80, 23);
        let before = areas(&app, screen).expect("80×23 is drawn");
        assert_eq!(before.toasts.height, 0, "no toasts, no rows");
        app.error_toast("Could not load pending: The backend could not be reached.");
        app.toast("x".repeat(300));
        let with = areas(&app, screen).expect("drawn");
        assert_eq!(with.toasts.height, 3, "one row, and two for the long one");
        assert_eq!(
            with.body.bottom(),
            with.toasts.y,
            "under the body, not over it"
        );
        assert_eq!(with.toasts.bottom(), with.keybar.y);
        assert_eq!(with.list.height + 3, before.list.height);
    }
}
