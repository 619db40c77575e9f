//! Drawing: reads `&App`, writes a frame. Lists render only their visible rows, so a frame
//! costs the same at a thousand rows as at a million.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Paragraph, Row as TableRow, Table, Tabs, Wrap,
};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Help, Live, Load, Section, ToastKind};
use super::format;
use super::keymap::Action;
use super::modal::Modal;
use super::tabs::{TabId, columns};
use super::theme::Theme;
use crate::domain::Role;
use crate::format::group;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn render(app: &App, frame: &mut Frame, theme: &Theme, now: DateTime<Utc>) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let banners = banners(app, now);
    let [banner_area, header, tabs, body, keybar] = Layout::vertical([
        Constraint::Length(banners.len() as u16),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_banners(frame, banner_area, &banners, theme);
    render_header(app, frame, header, theme);
    if let Some(imp) = &app.impersonating {
        super::widgets::render_partner_view(imp, frame, tabs, body, theme);
        render_keybar(app, frame, keybar, theme);
        render_toasts(app, frame, body, theme);
        if let Some(help) = &app.help {
            render_help(app, help, frame, body, theme);
        }
        if let Some(modal) = &app.modal {
            super::widgets::render_modal(modal, frame, body, theme);
        }
        return;
    }
    render_tabs(app, frame, tabs, theme);
    // The History tab opens with decisions per day over the range shown.
    let body = if app.tab == TabId::History && body.height >= 16 {
        let [chart, rest] =
            Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(body);
        super::widgets::render_chart(app, frame, chart, theme);
        rest
    } else {
        body
    };
    let (list, detail) = split_body(app, body);
    render_section(app, frame, list, theme, now);
    if let Some(detail) = detail {
        super::widgets::render_detail(app, frame, detail, theme);
    }
    render_keybar(app, frame, keybar, theme);
    render_toasts(app, frame, body, theme);
    if let Some(help) = &app.help {
        render_help(app, help, frame, body, theme);
    }
    if let Some(modal) = &app.modal {
        super::widgets::render_modal(modal, frame, body, theme);
    }
}

/// The list, and the detail pane when open: beside the list on wide terminals, under it else.
fn split_body(app: &App, body: Rect) -> (Rect, Option<Rect>) {
    if !app.detail_open {
        return (body, None);
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

/// The banners that apply, most serious first.
fn banners(app: &App, now: DateTime<Utc>) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(imp) = &app.impersonating {
        out.push((
            format!(
                "Impersonating {} as Partner Owner · {} · {} exits",
                super::partners::short_name(&imp.session.partner.name),
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

fn render_banners(frame: &mut Frame, area: Rect, banners: &[(String, bool)], theme: &Theme) {
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

fn render_header(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (live, style) = match app.live {
        Live::Live => ("● live", theme.live()),
        Live::Connecting => ("◌ connecting", theme.header()),
        Live::Offline if app.polling_paused => ("○ offline · polling paused", theme.offline()),
        Live::Offline => ("○ offline", theme.offline()),
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

fn render_tabs(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let titles: Vec<Line> = TabId::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let count = app.counts.as_ref().and_then(|c| t.pending(c));
            match count {
                Some(n) => Line::from(format!("{} {} ({n})", i + 1, t.title())),
                None => Line::from(format!("{} {}", i + 1, t.title())),
            }
        })
        .collect();
    let tabs = Tabs::new(titles)
        .select(app.tab.index())
        .style(theme.tab())
        .highlight_style(theme.tab_active())
        .divider("  ")
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

fn section_title(app: &App, theme: &Theme) -> Line<'static> {
    let active = app.active_section_id();
    let mut spans = vec![Span::raw(" ")];
    for (i, s) in app.tab.sections().iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ─ ", theme.dim()));
        }
        let style = if *s == active {
            theme.section_active()
        } else {
            theme.dim()
        };
        // Brackets mark the active section in words too, so it shows without colour.
        let marker = if *s == active {
            format!("[{}]", s.title())
        } else {
            s.title().to_string()
        };
        spans.push(Span::styled(marker, style));
    }
    let section = app.active_section();
    if app.searching {
        spans.push(Span::styled(
            format!(" · search: {}▏", section.filter.q),
            theme.key(),
        ));
    } else if let Some(f) = section.filter.describe() {
        spans.push(Span::styled(format!(" · {f}"), theme.key()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn render_section(app: &App, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
    let section = app.active_section();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(section_title(app, theme));
    if section.loading_more {
        block = block.title_bottom(Line::from(" loading more… ").alignment(Alignment::Right));
    } else if section.load == Load::Loaded && !section.is_empty() {
        let more = if section.next_cursor.is_some() {
            "+"
        } else {
            ""
        };
        let marks = match section.marked.len() {
            0 => String::new(),
            n => format!("{n} marked · "),
        };
        let pos = format!(
            " {marks}{} of {}{more} ",
            group(section.selected as u64 + 1),
            group(section.len() as u64)
        );
        block = block.title_bottom(Line::from(pos).alignment(Alignment::Right));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let message = match &section.load {
        Load::NotLoaded | Load::Loading => Some("Loading…".to_string()),
        Load::Failed(e) => Some(format!(
            "Could not load this list: {e}\nPress {} to try again.",
            app.keymap.first_label(Action::Refresh).unwrap_or_default()
        )),
        Load::Loaded if section.is_empty() && !section.filter.is_empty() => {
            Some("Nothing matches. Esc clears the search and filters.".to_string())
        }
        Load::Loaded if section.is_empty() => Some(section.id.empty_text().to_string()),
        Load::Loaded => None,
    };
    if let Some(text) = message {
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .style(theme.dim()),
            inner,
        );
        return;
    }
    render_rows(section, frame, inner, theme, now);
}

const COLUMN_SPACING: u16 = 1;

/// The table of one section, only its visible rows.
fn render_rows(
    section: &Section,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    now: DateTime<Utc>,
) {
    let cols: Vec<_> = columns(section.id)
        .iter()
        .filter(|c| area.width >= c.min_list_width)
        .collect();
    let visible = area.height.saturating_sub(1) as usize;
    if visible == 0 {
        return;
    }
    let mut offset = section.offset.get().min(section.len().saturating_sub(1));
    if section.selected < offset {
        offset = section.selected;
    } else if section.selected >= offset + visible {
        offset = section.selected + 1 - visible;
    }
    section.offset.set(offset);

    let mut widths = vec![Constraint::Length(2)];
    widths.extend(cols.iter().map(|c| c.width));
    // The widths the table will give each column (the same layout, cached), so a value too
    // wide for its column is cut with `…` rather than silently.
    let col_widths: Vec<usize> = Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(COLUMN_SPACING)
        .split(area)
        .iter()
        .skip(1)
        .map(|r| r.width as usize)
        .collect();
    let header = TableRow::new(
        std::iter::once(Cell::from("")).chain(
            cols.iter()
                .zip(&col_widths)
                .map(|(c, &w)| Cell::from(format::fit(c.title, w))),
        ),
    )
    .style(theme.table_header());
    let rows = section.visible(offset, visible).map(|(i, row)| {
        let selected = i == section.selected;
        let marked = section.marked.contains(row.id());
        let marker = match (selected, marked) {
            (true, true) => "▶●",
            (true, false) => "▶",
            (false, true) => " ●",
            (false, false) => " ",
        };
        let cells = std::iter::once(Cell::from(marker)).chain(
            cols.iter()
                .zip(&col_widths)
                .map(|(c, &w)| Cell::from(format::fit((c.cell)(row, now), w))),
        );
        let r = TableRow::new(cells);
        if selected {
            r.style(theme.selected())
        } else {
            r
        }
    });
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .flex(Flex::Start);
    frame.render_widget(table, area);
}

fn render_keybar(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let km = &app.keymap;
    let label = |a: Action| km.first_label(a).unwrap_or_else(|| "—".into());
    // (key, what, enabled)
    let mut pairs: Vec<(String, &str, bool)> = Vec::new();
    match (&app.modal, &app.help) {
        (Some(Modal::Reason(d)), _) if d.sending => pairs.push(("…".into(), "sending", true)),
        (Some(Modal::Reason(_)), _) => {
            pairs.push(("Enter".into(), "send", true));
            pairs.push(("Alt-Enter".into(), "new line", true));
            pairs.push(("Esc".into(), "cancel", true));
        }
        (Some(Modal::Filter(_)), _) => {
            pairs.push(("Tab".into(), "next field", true));
            pairs.push(("←→".into(), "choose", true));
            pairs.push(("Enter".into(), "apply", true));
            pairs.push(("Esc".into(), "cancel", true));
        }
        (Some(Modal::Copy(_)), _) => {
            pairs.push(("letter".into(), "copies", true));
            pairs.push(("Esc".into(), "cancel", true));
        }
        (Some(Modal::Impersonate(_)), _) => {
            pairs.push(("Enter".into(), "start", true));
            pairs.push(("Esc".into(), "cancel", true));
        }
        (Some(Modal::Finder(_)), _) => {
            pairs.push(("type".into(), "find", true));
            pairs.push(("↑↓".into(), "choose", true));
            pairs.push(("Enter".into(), "open", true));
            pairs.push(("Esc".into(), "cancel", true));
        }
        (Some(_), _) => {
            pairs.push(("y".into(), "yes", true));
            pairs.push(("n/Esc".into(), "no", true));
        }
        (None, Some(_)) => {
            pairs.push(("type".into(), "filter", true));
            pairs.push(("Esc".into(), "close", true));
        }
        (None, None) if app.impersonating.is_some() => {
            pairs.push((label(Action::ExitImpersonation), "exit impersonating", true));
            pairs.push((label(Action::Help), "help", true));
            pairs.push((label(Action::Quit), "quit (ends the impersonation)", true));
        }
        (None, None) if app.searching => {
            pairs.push(("type".into(), "search as you type", true));
            pairs.push(("Enter".into(), "done", true));
            pairs.push(("Esc".into(), "clear", true));
        }
        (None, None) => {
            let can = app.read_only_reason().is_none();
            if app.in_queue() {
                pairs.push((label(Action::Approve), "approve", can));
                pairs.push((label(Action::Reject), "reject", can));
                pairs.push((label(Action::Mark), "mark", can));
            }
            if !app.in_queue() {
                pairs.push((label(Action::Search), "search", true));
                if super::filter::has_decision(app.active_section_id()) {
                    pairs.push((label(Action::Filter), "filter", true));
                    pairs.push((label(Action::Export), "export", true));
                }
            }
            pairs.push((label(Action::ToggleDetail), "details", true));
            if app.active_section_id() == super::tabs::SectionId::Partners {
                pairs.push((label(Action::Sort), "sort", true));
                pairs.push((label(Action::Copy), "copy", true));
                pairs.push((label(Action::Impersonate), "impersonate", can));
            }
            if app.tab.sections().len() > 1 {
                pairs.push((
                    format!(
                        "{} {}",
                        label(Action::PrevSection),
                        label(Action::NextSection)
                    ),
                    "section",
                    true,
                ));
            }
            if !app.in_queue() && app.tab.sections().len() < 2 {
                pairs.push((label(Action::Refresh), "refresh", true));
            }
            pairs.push((label(Action::Help), "help", true));
            pairs.push((label(Action::Quit), "quit", true));
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, what, enabled) in pairs {
        if enabled {
            spans.push(Span::styled(k, theme.key()));
            spans.push(Span::raw(format!(" {what}  ")));
        } else {
            // Disabled keys stay visible, struck through, so the CSR knows why nothing happens.
            spans.push(Span::styled(format!("{k} {what}"), theme.disabled()));
            spans.push(Span::raw("  "));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Toasts stack at the bottom right of the body, newest lowest; a long one wraps.
fn render_toasts(app: &App, frame: &mut Frame, body: Rect, theme: &Theme) {
    let max_width = body.width.saturating_sub(4).max(1);
    let mut bottom = body.bottom().saturating_sub(1);
    for toast in app.toasts.iter().rev() {
        let prefix = match toast.kind {
            ToastKind::Info => "✓ ",
            ToastKind::Error => "✗ ",
        };
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
            ToastKind::Info => theme.info(),
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

fn render_help(app: &App, help: &Help, frame: &mut Frame, body: Rect, theme: &Theme) {
    let filter = help.filter.to_lowercase();
    let rows: Vec<(String, &str)> = app
        .keymap
        .help_rows()
        .into_iter()
        .filter(|(k, d)| {
            filter.is_empty()
                || d.to_lowercase().contains(&filter)
                || k.to_lowercase().contains(&filter)
        })
        .collect();
    let width = 60.min(body.width.saturating_sub(4));
    let height = (rows.len() as u16 + 2)
        .min(body.height.saturating_sub(2))
        .max(3);
    let rect = Rect::new(
        body.x + (body.width - width) / 2,
        body.y + (body.height.saturating_sub(height)) / 2,
        width,
        height,
    );
    let title = format!(" Help · {} · filter: {}▏ ", app.tab.title(), help.filter);
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from("No key matches the filter.")]
    } else {
        rows.into_iter()
            .map(|(k, d)| {
                Line::from(vec![
                    Span::styled(format!("{k:<22}"), theme.key()),
                    Span::raw(d),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The list height the view will give the active section at this terminal size, for paging.
pub fn list_rows(app: &App, height: u16) -> usize {
    let banners = banners(app, Utc::now()).len() as u16;
    // banners + header + tabs + keybar + the block's two borders + the table header
    height.saturating_sub(banners + 3 + 2 + 1) as usize
}
