//! Drawing the active section: its title (sections, search, filters), its position line, and
//! the table of only its visible rows, so a frame costs the same at a thousand rows as at a
//! million.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TableRow, Table, Wrap};

use super::section::{Load, Section};
use super::tabs::columns;
use super::widths;
use crate::format::group;
use crate::tui::app::App;
use crate::tui::app::keymap::Action;
use crate::tui::view::format;
use crate::tui::view::theme::Theme;

pub fn section_title(app: &App, theme: &Theme) -> Line<'static> {
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
        // Brackets mark the active section in words too, so it shows without colour. Marks
        // belong to their section: each says how many it holds.
        let marks = match app.section(*s).marked.len() {
            0 => String::new(),
            n => format!(" ({n} marked)"),
        };
        let marker = if *s == active {
            format!("[{}{marks}]", s.title())
        } else {
            format!("{}{marks}", s.title())
        };
        spans.push(Span::styled(marker, style));
    }
    let section = app.active_section();
    if app.searching() {
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

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
    if app.in_tree() {
        return crate::tui::hierarchy::view::render(app, frame, area, theme);
    }
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
        let pos = match &section.tail {
            // Loaded from the end, without a count: places are told from the end.
            Some(t) if t.before.is_some() => match section.len() - section.selected {
                1 => format!(" {marks}the last row "),
                n => format!(" {marks}{} from the end ", group(n as u64)),
            },
            _ => format!(
                " {marks}{} of {}{more} ",
                group(section.selected as u64 + 1),
                group(section.len() as u64)
            ),
        };
        block = block.title_bottom(Line::from(pos).alignment(Alignment::Right));
    }
    if section.stale {
        let since = app
            .offline_since
            .map(|t| format!(" · offline since {} UTC", t.format("%H:%M")))
            .unwrap_or_default();
        block = block.title_bottom(
            Line::from(Span::styled(format!(" stale{since} "), theme.error()))
                .alignment(Alignment::Left),
        );
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
    render_rows(app, section, frame, inner, theme, now);
}

const COLUMN_SPACING: u16 = 1;
/// The first column: `▶` for the selection and `●` or `!` for a mark or aging.
const MARKER_WIDTH: u16 = 2;

/// The table of one section, only its visible rows.
fn render_rows(
    app: &App,
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
    // `update` keeps the offset for the layout's height; this only matters when drawing at
    // another size than the app was told (snapshots draw one state at two sizes).
    let offset = section.offset_for(visible);

    // What each shown column needs, as measured when the rows came (`Section::wants`).
    let wants: Vec<usize> = columns(section.id)
        .iter()
        .zip(section.wants.iter().chain(std::iter::repeat(&0)))
        .filter(|(c, _)| area.width >= c.min_list_width)
        .map(|(_, w)| *w)
        .collect();
    let constraints: Vec<Constraint> = cols.iter().map(|c| c.width).collect();
    let room = usize::from(area.width)
        .saturating_sub(usize::from(MARKER_WIDTH))
        .saturating_sub(usize::from(COLUMN_SPACING) * cols.len());
    let col_widths = widths::allocate(&constraints, &wants, room);
    let mut widths = vec![Constraint::Length(MARKER_WIDTH)];
    widths.extend(col_widths.iter().map(|&w| Constraint::Length(w as u16)));
    let header = TableRow::new(
        std::iter::once(Cell::from("")).chain(
            cols.iter()
                .zip(&col_widths)
                .map(|(c, &w)| Cell::from(format::fit(c.title, w))),
        ),
    )
    .style(theme.table_header());
    let late = app.late_at(now);
    let rows = section.visible(offset, visible).map(|(i, row)| {
        let selected = i == section.selected;
        let marked = section.marked.contains(row.id());
        // The second column: decided elsewhere `✓`/`✗`, marked `●`, else late `!` (words,
        // not colour).
        let departed = section.departed.get(row.id());
        let second = if let Some(status) = departed {
            if *status == crate::domain::Status::Rejected {
                "✗"
            } else {
                "✓"
            }
        } else if marked {
            "●"
        } else if matches!(row, crate::tui::queue::tabs::Row::Approval(a) if a.partner.standing.suspended())
        {
            // The partner is suspended: its request waits, marked (words in the detail).
            "⊘"
        } else if late.row(row) {
            "!"
        } else {
            ""
        };
        let marker = format!("{}{second}", if selected { "▶" } else { " " });
        // A request that arrived since the list was shown says so before its first value;
        // one another CSR has open ends it with their initials.
        let fresh = section.fresh.contains(row.id());
        let watchers: Vec<String> = app
            .watchers(row.id())
            .iter()
            .map(|u| crate::tui::decide::presence::initials(&u.name))
            .collect();
        let cells = std::iter::once(Cell::from(marker)).chain(
            cols.iter().zip(&col_widths).enumerate().map(|(k, (c, &w))| {
                let mut value = (c.cell)(row, now);
                if k == 0 {
                    if fresh {
                        value = format!("● new {value}");
                    }
                    if !watchers.is_empty() {
                        // The initials are what must show: the name gives way to them.
                        let tag = format!(" ◉{}", watchers.join(","));
                        let room = w.saturating_sub(tag.chars().count());
                        value = format!("{}{tag}", format::fit(value, room));
                    }
                }
                Cell::from(format::fit(value, w))
            }),
        );
        let r = TableRow::new(cells);
        match (selected, departed.is_some()) {
            (_, true) => r.style(theme.disabled()),
            (true, false) => r.style(theme.selected()),
            (false, false) => r,
        }
    });
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .flex(Flex::Start);
    frame.render_widget(table, area);
}
