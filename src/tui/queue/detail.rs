//! What the detail pane shows for a row: every field the product documents list for that kind
//! (seed 001), as label/value pairs, and the pane that shows them.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::section::Load;
use crate::domain::{Approval, Kind, Status};
use crate::tui::app::App;
use crate::tui::app::keymap::Action;
use crate::tui::decide::what;
use crate::tui::queue::tabs::Row;
use crate::tui::view::format;
use crate::tui::view::theme::Theme;

const LABEL_WIDTH: usize = 15;

pub struct Field {
    pub label: &'static str,
    pub value: String,
    /// Long text (description, preview, reason): shown on its own lines, wrapped.
    pub block: bool,
}

pub fn f(label: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        value: value.into(),
        block: false,
    }
}

pub fn block(label: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        value: value.into(),
        block: true,
    }
}

pub fn fields(row: &Row) -> Vec<Field> {
    match row {
        Row::Approval(a) => approval_fields(a),
        Row::Partner(p) => vec![
            f("Partner", p.name.clone()),
            f("Package", format::item(p.package.as_ref())),
            f("Status", format::partner_standing(p.status, &p.standing)),
            f("Invoice ID", p.invoice_id.clone()),
        ],
        Row::Period(p) => vec![
            f("Partner", p.partner().name.clone()),
            f("What", p.what()),
            f("State", p.state().as_str()),
            f(
                "Expires",
                p.expires_at().map_or("no expiry".into(), |e| {
                    e.format("%Y-%m-%d %H:%M UTC").to_string()
                }),
            ),
        ],
    }
}

fn approval_fields(a: &Approval) -> Vec<Field> {
    let d = &a.details;
    let opt_time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(format::absolute).unwrap_or_else(|| "—".into())
    };
    let mut out = match a.kind {
        Kind::Partnership | Kind::Addon => vec![
            f("Partner", a.partner.name.clone()),
            f(
                if a.kind == Kind::Partnership {
                    "Package"
                } else {
                    "Add-on"
                },
                what(a),
            ),
            f("Requested", format::absolute(a.requested_at)),
            f("Phone", a.partner.phone.clone()),
            f("Email", a.partner.email.clone()),
            f(
                "Partner status",
                format::partner_standing(a.partner.status, &a.partner.standing),
            ),
            f("Website", a.partner.website.clone()),
        ],
        Kind::Broadcast => vec![
            f("Title", a.title.clone()),
            f("Partner", a.partner.name.clone()),
            f("Starts", opt_time(d.starts_at)),
            f("Engagement", d.engagement_type.clone().unwrap_or_default()),
            f("Audience", d.audience.clone().unwrap_or_default()),
            f(
                "Est. reach",
                d.estimated_reach
                    .map(|n| crate::format::group(n.max(0) as u64))
                    .unwrap_or_default(),
            ),
            f("Requested", format::absolute(a.requested_at)),
            f("Email", a.partner.email.clone()),
        ],
        Kind::AdvertisingPackage => vec![
            f("Partner", a.partner.name.clone()),
            f(
                "Package",
                a.item
                    .as_ref()
                    .map(|i| i.name.clone())
                    .unwrap_or_else(|| a.title.clone()),
            ),
            f(
                "Impressions",
                d.impressions
                    .map(|n| crate::format::group(n.max(0) as u64))
                    .unwrap_or_default(),
            ),
            f(
                "Price",
                a.item
                    .as_ref()
                    .map(|i| format::money(&i.price))
                    .unwrap_or_default(),
            ),
            f("Requested", format::absolute(a.requested_at)),
            f("Email", a.partner.email.clone()),
            f(
                "Partner status",
                format::partner_standing(a.partner.status, &a.partner.standing),
            ),
        ],
        Kind::Ad => vec![
            f(
                "Headline",
                d.headline.clone().unwrap_or_else(|| a.title.clone()),
            ),
            f("Partner", a.partner.name.clone()),
            f(
                "Runs",
                format!("{} – {}", opt_time(d.starts_at), opt_time(d.ends_at)),
            ),
            f(
                "Impressions",
                d.impressions
                    .map(|n| crate::format::group(n.max(0) as u64))
                    .unwrap_or_default(),
            ),
            f("Target URL", d.target_url.clone().unwrap_or_default()),
            f("Image URL", d.image_url.clone().unwrap_or_default()),
            f("Requested", format::absolute(a.requested_at)),
            f("Email", a.partner.email.clone()),
        ],
    };
    if a.status != Status::Pending {
        // What a history is read for comes first: the decision, who made it, and why, so a
        // small pane shows them without scrolling.
        let mut decision = vec![
            f("Decision", format::decision(a.status)),
            f(
                "Decided by",
                a.decided_by
                    .as_ref()
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
            ),
            f("Decided at", opt_time(a.decided_at)),
        ];
        if let Some(r) = &a.reason {
            let label = if a.status == Status::Rejected {
                "Reason"
            } else {
                "Comment"
            };
            // On its own line, but before the request's own fields.
            decision.push(f(label, r.clone()));
        }
        out.splice(0..0, decision);
    }
    if a.kind == Kind::Ad {
        out.push(block("Body", d.body.clone().unwrap_or_default()));
    }
    if a.kind == Kind::Broadcast {
        out.push(block("Preview", d.preview.clone().unwrap_or_default()));
    }
    out.push(block("Description", a.description.clone()));
    out
}

/// What differs between the approval the CSR saw and the current one, in words (for a 412).
pub fn changes(old: &Approval, new: &Approval) -> Vec<String> {
    let mut out = Vec::new();
    let mut cmp = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    cmp("title", old.title.clone(), new.title.clone());
    cmp("item", what(old), what(new));
    cmp(
        "partner status",
        format::partner_status(old.partner.status).into(),
        format::partner_status(new.partner.status).into(),
    );
    cmp(
        "email",
        old.partner.email.clone(),
        new.partner.email.clone(),
    );
    cmp(
        "status",
        format::decision(old.status).into(),
        format::decision(new.status).into(),
    );
    if old.description != new.description {
        out.push("description changed".into());
    }
    if old.details != new.details {
        out.push("details changed".into());
    }
    if out.is_empty() {
        out.push(format!("version {} → {}", old.version, new.version));
    }
    out
}

/// The pane's title: a partner's record names its pages, anything else is " Details ".
fn pane_title(app: &App) -> String {
    if app.record_partner().is_some() {
        return crate::tui::record::pages::title(app.record.page);
    }
    // The item another CSR has open too says so where the eye is.
    let others: Vec<&str> = app
        .open_item()
        .map(|id| app.watchers(&id).iter().map(|u| u.name.as_str()).collect())
        .unwrap_or_default();
    if others.is_empty() {
        " Details ".into()
    } else {
        format!(" Details · also open: {} ", others.join(", "))
    }
}

/// The detail pane's text for the selected row, wrapped in its block: drawn by [`render`],
/// measured by `update` (how far `J` may scroll). `None`: nothing is selected.
pub fn pane(app: &App, theme: &Theme) -> Option<Paragraph<'static>> {
    let section = app.active_section();
    // The tree: a partner shows its record as My Partners does; other nodes their own fields.
    let tree_row;
    let row = if app.in_tree() {
        match app.tree_node()? {
            crate::domain::Node::Partner(p) => {
                tree_row = Row::Partner(p.clone());
                &tree_row
            }
            node => {
                let fields = crate::tui::hierarchy::view::node_fields(node);
                return Some(lines_pane(fields, None, " Details ".into(), theme));
            }
        }
    } else {
        section.selected_row()?
    };
    // My Partners: the full partner once it is here.
    let full = match row {
        Row::Partner(p) => app.partners.detail.as_ref().filter(|d| d.id == p.id),
        // Expiring: the period's partner's record, as My Partners shows it.
        Row::Period(p) => app
            .partners
            .detail
            .as_ref()
            .filter(|d| d.id == p.partner().id),
        _ => None,
    };
    let (list, note) = match full {
        Some(d) => match (&d.partner, &d.load) {
            (Some(p), _) => (crate::tui::record::pages::fields(app, p), None),
            (None, Load::Failed(e)) => (
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
    Some(lines_pane(list, note, pane_title(app), theme))
}

/// The pane of `list`, with a `note` under it, in a block titled `title`.
fn lines_pane(
    list: Vec<Field>,
    note: Option<String>,
    title: String,
    theme: &Theme,
) -> Paragraph<'static> {
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
    let block = Block::default().borders(Borders::ALL).title(title);
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
}

/// How far the pane can scroll before its last line leaves it, at `area`'s size.
fn scroll_max(pane: &Paragraph, area: Rect) -> u16 {
    let max = pane
        .line_count(area.width)
        .saturating_sub(usize::from(area.height));
    u16::try_from(max).unwrap_or(u16::MAX)
}

pub fn render(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(pane) = pane(app, theme) else {
        let block = Block::default().borders(Borders::ALL).title(" Details ");
        frame.render_widget(
            Paragraph::new("Nothing selected.")
                .block(block)
                .style(theme.dim()),
            area,
        );
        return;
    };
    let max = scroll_max(&pane, area);
    let scroll = app.detail.scroll.min(max);
    let mut pane = pane.scroll((scroll, 0));
    if max > 0 {
        // Said only when there is more to see (or seen).
        let key = |a| app.keymap.first_label(a).unwrap_or_default();
        let hint = if scroll < max {
            format!(" {} scrolls ", key(Action::DetailDown))
        } else {
            format!(" {} scrolls back ", key(Action::DetailUp))
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(pane_title(app))
            .title_bottom(Line::from(hint).alignment(Alignment::Right));
        pane = pane.block(block);
    }
    frame.render_widget(pane, area);
}

impl App {
    /// How far `J` may scroll the detail pane: until its last line reaches the pane's bottom.
    pub(in crate::tui) fn detail_scroll_max(&self) -> u16 {
        let area = self.layout().and_then(|a| a.detail);
        match (area, pane(self, &Theme::new(false))) {
            (Some(area), Some(pane)) => scroll_max(&pane, area),
            _ => 0,
        }
    }
}
