//! The detail pane and the modals. Like the rest of the view, they only read state.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::App;
use super::detail::fields;
use super::filter::{FilterForm, FormField};
use super::modal::{Modal, ReasonDialog};
use super::partners::{Finder, ImpersonateDialog, Impersonating};
use super::theme::Theme;
use crate::domain::MAX_REASON_CHARS;

const LABEL_WIDTH: usize = 15;

pub fn render_detail(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let section = app.active_section();
    let Some(row) = section.selected_row() else {
        let block = Block::default().borders(Borders::ALL).title(" Details ");
        frame.render_widget(
            Paragraph::new("Nothing selected.")
                .block(block)
                .style(theme.dim()),
            area,
        );
        return;
    };
    // My Partners: the full partner once it is here.
    let full = match row {
        super::tabs::Row::Partner(p) => app.partner_detail.as_ref().filter(|d| d.id == p.id),
        _ => None,
    };
    let (list, note) = match full {
        Some(d) => match (&d.partner, &d.load) {
            (Some(p), _) => (super::detail::partner_fields(p), None),
            (None, super::section::Load::Failed(e)) => (
                fields(row),
                Some(format!("Could not load the contact: {e}")),
            ),
            _ => (
                fields(row),
                Some("Loading contact and channels…".to_string()),
            ),
        },
        None => (fields(row), None),
    };
    let mut lines: Vec<Line> = Vec::new();
    for f in list {
        if f.block {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(f.label, theme.table_header())));
            for l in f.value.lines() {
                lines.push(Line::from(l.to_string()));
            }
        } else {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<LABEL_WIDTH$}", f.label), theme.table_header()),
                Span::raw(f.value),
            ]));
        }
    }
    if let Some(note) = note {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(note, theme.dim())));
    }
    let more = app
        .keymap
        .first_label(super::keymap::Action::DetailDown)
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Details ")
        .title_bottom(Line::from(format!(" {more} scrolls ")).alignment(Alignment::Right));
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false });
    let max = p
        .line_count(area.width)
        .saturating_sub(usize::from(area.height));
    let max = u16::try_from(max).unwrap_or(u16::MAX);
    app.detail_scroll_max.set(max);
    frame.render_widget(p.scroll((app.detail_scroll.min(max), 0)), area);
}

/// A box of `width`×`height` centred in `area`, never larger than it.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(1)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

/// A dialog's frame: bordered, titled, with its keys at the bottom right.
fn dialog_block(title: String, keys: &str, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(
            Line::from(Span::styled(format!(" {keys} "), theme.key())).alignment(Alignment::Right),
        )
}

/// Clear `rect` and draw `lines` in `block`, padded and wrapped: the body of a text dialog.
fn draw_text_dialog(frame: &mut Frame, rect: Rect, block: Block<'_>, lines: Vec<Line<'_>>) {
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

pub fn render_modal(modal: &Modal, frame: &mut Frame, area: Rect, theme: &Theme) {
    match modal {
        Modal::Confirm { title, message, .. } => {
            confirm(frame, area, theme, title, message, "y yes · n or Esc no")
        }
        Modal::ConfirmQuit => confirm(
            frame,
            area,
            theme,
            "Quit",
            "A decision is still being sent. Quit anyway?",
            "y quit · n or Esc stay",
        ),
        Modal::DiscardReason(_) => confirm(
            frame,
            area,
            theme,
            "Discard the reason?",
            "The reason you typed will be lost.",
            "y discard · n or Esc keep writing",
        ),
        Modal::Reason(d) => reason(d, frame, area, theme),
        Modal::Filter(form) => filter_form(form, frame, area, theme),
        Modal::Copy(choices) => {
            let lines: Vec<String> = choices
                .iter()
                .map(|(k, what, v)| format!("{k}  {what}: {v}"))
                .collect();
            confirm(
                frame,
                area,
                theme,
                "Copy to the clipboard",
                &lines.join("\n"),
                "a letter copies · Esc cancels",
            )
        }
        Modal::Impersonate(d) => impersonate(d, frame, area, theme),
        Modal::Finder(f) => finder(f, frame, area, theme),
    }
}

fn confirm(frame: &mut Frame, area: Rect, theme: &Theme, title: &str, message: &str, keys: &str) {
    let yes_no = keys.starts_with("y ");
    let text_lines = message.lines().count() as u16;
    let rect = centred(area, 70, text_lines + 2 + if yes_no { 2 } else { 0 });
    let mut lines: Vec<Line> = message.lines().map(|l| Line::from(l.to_string())).collect();
    // A question answered with y/N says so; a chooser (copy) has its keys in its own lines.
    if yes_no {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("y/N", theme.key())));
    }
    draw_text_dialog(
        frame,
        rect,
        dialog_block(format!(" {title} "), keys, theme),
        lines,
    );
}

fn reason(d: &ReasonDialog, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = centred(area, 76, 16);
    let title = match d.targets.as_slice() {
        [one] => format!(" Reject {} ", one.label()),
        many => format!(" Reject {} items ", many.len()),
    };
    let emails: Vec<&str> = d
        .targets
        .iter()
        .map(|t| t.approval.partner.email.as_str())
        .collect();
    let to = match emails.as_slice() {
        [one] => format!("The reason is emailed to the partner at {one}."),
        many if many.len() > 3 => format!(
            "The reason is emailed to each partner: {} and {} more.",
            many[..3].join(", "),
            many.len() - 3
        ),
        many => format!(
            "The reason is emailed to each partner: {}.",
            many.join(", ")
        ),
    };
    let count = d.input.count();
    let counter = format!(" {count}/{MAX_REASON_CHARS} ");
    let counter_style = if count > MAX_REASON_CHARS {
        theme.error()
    } else {
        theme.dim()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(Line::from(Span::styled(counter, counter_style)).alignment(Alignment::Right));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if inner.height < 4 {
        return;
    }
    let header = Paragraph::new(vec![
        Line::from(to),
        Line::from(Span::styled(
            "Enter sends · Alt-Enter new line · Esc cancels",
            theme.dim(),
        )),
    ])
    .wrap(Wrap { trim: true });
    let header_h = 2u16;
    frame.render_widget(
        header,
        Rect {
            height: header_h,
            ..inner
        },
    );
    let status_h = 2u16;
    let input_area = Rect {
        y: inner.y + header_h,
        height: inner.height.saturating_sub(header_h + status_h),
        ..inner
    };
    let text = if d.sending {
        d.input.text().to_string()
    } else {
        d.input.with_cursor('▏')
    };
    let input_block = Block::default()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(theme.dim());
    let lines: Vec<Line> = text
        .split('\n')
        .map(|l| Line::from(l.to_string()))
        .collect();
    // Keep the end (where one types) in view.
    let visible = input_area.height.saturating_sub(2) as usize;
    let scroll = lines.len().saturating_sub(visible) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .block(input_block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        input_area,
    );
    let status = if d.sending {
        Line::from(Span::styled("Sending…", theme.key()))
    } else if let Some(e) = &d.error {
        Line::from(Span::styled(e.clone(), theme.error()))
    } else {
        Line::from("")
    };
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect {
            y: input_area.y + input_area.height,
            height: status_h,
            ..inner
        },
    );
}

fn filter_form(form: &FilterForm, frame: &mut Frame, area: Rect, theme: &Theme) {
    let fields = form.fields();
    let rect = centred(
        area,
        60,
        fields.len() as u16 + 4 + u16::from(form.error.is_some()),
    );
    let block = dialog_block(
        " Filter ".into(),
        "Tab next · ←→ choose · Enter apply · Esc cancel",
        theme,
    );
    let mut lines = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let focus = i == form.field.min(fields.len() - 1);
        let (label, value) = match f {
            FormField::Kind => ("Kind", format!("‹ {} ›", form.kind_label())),
            FormField::Decision => ("Decision", format!("‹ {} ›", form.decision_label())),
            FormField::From => (
                "From",
                format!("{}{}", form.from, if focus { "▏" } else { "" }),
            ),
            FormField::To => ("To", format!("{}{}", form.to, if focus { "▏" } else { "" })),
        };
        let marker = if focus { "▶ " } else { "  " };
        let style = if focus {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(format!("{label:<10}"), theme.table_header()),
            Span::styled(value, style),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "  Dates as 2026-11-01; empty means open.",
        theme.dim(),
    )));
    if let Some(e) = &form.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    draw_text_dialog(frame, rect, block, lines);
}

fn impersonate(d: &ImpersonateDialog, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = centred(area, 70, 10);
    let block = dialog_block(
        format!(" Impersonate {} ", d.partner.name),
        "Enter starts · Esc cancels",
        theme,
    );
    let mut lines = vec![
        Line::from("You will act as the partner's owner for at most 30 minutes."),
        Line::from("Why? (required; it goes into the audit log)"),
        Line::from(""),
        Line::from(Span::styled(
            if d.sending {
                d.input.text().to_string()
            } else {
                d.input.with_cursor('▏')
            },
            theme.selected(),
        )),
        Line::from(""),
    ];
    if d.sending {
        lines.push(Line::from(Span::styled("Starting…", theme.key())));
    } else if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    draw_text_dialog(frame, rect, block, lines);
}

fn finder(f: &Finder, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = centred(area, 60, 16);
    let block = dialog_block(
        " Find a partner ".into(),
        "↑↓ choose · Enter opens · Esc cancels",
        theme,
    );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(": ", theme.key()),
            Span::raw(format!("{}▏", f.input)),
        ]),
        Line::from(""),
    ];
    if f.input.is_empty() {
        lines.push(Line::from(Span::styled(
            "Type a fragment of the name (letters in order).",
            theme.dim(),
        )));
    } else if f.results.is_empty() {
        lines.push(Line::from(Span::styled(
            if f.loading {
                "Searching…"
            } else {
                "No partner matches."
            },
            theme.dim(),
        )));
    }
    let room = inner.height.saturating_sub(2) as usize;
    let start = f.selected.saturating_sub(room.saturating_sub(1));
    for (i, p) in f.results.iter().enumerate().skip(start).take(room) {
        let text = format!(
            "{} {}  ·  {}  ·  {}",
            if i == f.selected { "▶" } else { " " },
            p.name,
            p.status.label(),
            p.invoice_id
        );
        let style = if i == f.selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The partner's own view while impersonating: who, their channels and engagements.
pub fn render_partner_view(
    imp: &Impersonating,
    frame: &mut Frame,
    title_area: Rect,
    body: Rect,
    theme: &Theme,
) {
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" Partner view: "),
            Span::styled(imp.session.partner.name.clone(), theme.tab_active()),
            Span::raw(" (as Partner Owner)"),
        ])),
        title_area,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" The partner's channels and engagements ");
    let inner = block.inner(body);
    frame.render_widget(block, body);
    match &imp.load {
        super::section::Load::Loaded => {}
        super::section::Load::Failed(e) => {
            frame.render_widget(
                Paragraph::new(format!("Could not load the partner's view: {e}"))
                    .style(theme.dim()),
                inner,
            );
            return;
        }
        _ => {
            frame.render_widget(
                Paragraph::new("Loading the partner's view…").style(theme.dim()),
                inner,
            );
            return;
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(me) = &imp.me {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Package"), theme.table_header()),
            Span::raw(super::format::item(me.summary.package.as_ref())),
        ]));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Status"), theme.table_header()),
            Span::raw(me.summary.status.label()),
        ]));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        format!("Channels ({})", imp.channels.len()),
        theme.table_header(),
    )));
    for c in &imp.channels {
        lines.push(Line::from(format!(
            "  {:<32} {:<10} {:>9} followers",
            c.name,
            c.kind,
            crate::format::group(c.followers.max(0) as u64)
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Engagements ({})", imp.engagements.len()),
        theme.table_header(),
    )));
    for e in &imp.engagements {
        lines.push(Line::from(format!(
            "  {:<32} {:<13} {:<10} {}",
            e.title,
            e.engagement_type,
            e.status,
            super::format::absolute(e.starts_at)
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Approvals and rejections per day, as two sparklines over the range shown.
pub fn render_chart(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let range = match (
        app.section(super::tabs::SectionId::AllHistory).filter.from,
        app.section(super::tabs::SectionId::AllHistory).filter.to,
    ) {
        (None, None) => "last 30 days".to_string(),
        (f, t) => format!(
            "{} – {}",
            f.map(|d| d.to_string()).unwrap_or_else(|| "…".into()),
            t.map(|d| d.to_string()).unwrap_or_else(|| "today".into())
        ),
    };
    let title = match &app.stats {
        Some(Ok(s)) => format!(
            " Decisions per day · {range} · {} approved · {} rejected ",
            crate::format::group(s.approved),
            crate::format::group(s.rejected)
        ),
        _ => format!(" Decisions per day · {range} "),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let stats = match &app.stats {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(format!("No chart: {e}")).style(theme.dim()),
                inner,
            );
            return;
        }
        None => {
            frame.render_widget(Paragraph::new("Loading…").style(theme.dim()), inner);
            return;
        }
    };
    const LABEL: u16 = 10;
    let width = inner.width.saturating_sub(LABEL) as usize;
    // The most recent days that fit.
    let days = &stats.days[stats.days.len().saturating_sub(width)..];
    // Wider bars when there is room: each day takes up to three columns.
    let k = (width / days.len().max(1)).clamp(1, 3);
    let span = days.len() * k;
    let max = days
        .iter()
        .map(|d| d.approved.max(d.rejected))
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = [
        (
            "approved",
            theme.live(),
            days.iter()
                .flat_map(|d| std::iter::repeat_n(d.approved, k))
                .collect::<Vec<_>>(),
        ),
        (
            "rejected",
            theme.error(),
            days.iter()
                .flat_map(|d| std::iter::repeat_n(d.rejected, k))
                .collect::<Vec<_>>(),
        ),
    ];
    for (i, (label, style, data)) in rows.into_iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        frame.render_widget(Paragraph::new(label), Rect::new(inner.x, y, LABEL, 1));
        let spark = ratatui::widgets::Sparkline::default()
            .data(&data)
            .max(max)
            .style(if theme.color {
                style
            } else {
                ratatui::style::Style::new()
            });
        frame.render_widget(
            spark,
            Rect::new(inner.x + LABEL, y, span.min(width) as u16, 1),
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last())
        && inner.height >= 3
    {
        let w = span.max(first.day.len() + last.day.len() + 1).min(width);
        let axis = if w > first.day.len() + last.day.len() {
            format!("{:<pad$}{}", first.day, last.day, pad = w - last.day.len())
        } else {
            first.day.clone()
        };
        frame.render_widget(
            Paragraph::new(axis).style(theme.dim()),
            Rect::new(inner.x + LABEL, inner.y + 2, width as u16, 1),
        );
    }
}
